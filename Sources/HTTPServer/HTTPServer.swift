// HTTPServer is the one module that touches GNU libmicrohttpd: the embedded web server's
// listener, request parsing limits, TLS, and handing requests to Swift handlers.
// (Filled by the web work; this file states what the module owns.)
