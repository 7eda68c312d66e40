#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

// Typed wrappers for libmicrohttpd's variadic calls, which Swift cannot call directly
// (MHD_start_daemon, MHD_get_connection_info). Only the HTTPServer module uses them.

/// Settings for one listener. `host` is a numeric IPv4 or IPv6 address; `cert_pem`/`key_pem`
/// switch on TLS when both are non-NULL.
struct watchpost_mhd_settings {
    const char *host;
    uint16_t port;
    unsigned int connection_timeout_seconds;
    unsigned int connection_limit;
    unsigned int per_ip_connection_limit;
    size_t connection_memory_limit;
    unsigned int thread_pool_size;
    const char *cert_pem;
    const char *key_pem;
};

/// The URL decoder (MHD_OPTION_UNESCAPE_CALLBACK): libmicrohttpd's own, except that a decoded NUL
/// becomes DEL (0x7F). The decoded path reaches the handler as a C string, so `%00` cut it there
/// (`/api/v1/incidents%00x` answered as `/api/v1/incidents`, #19 review s9); as DEL it stays in
/// the path and in query values, where the web application refuses any control character.
static inline size_t watchpost_mhd_unescape(void *cls, struct MHD_Connection *connection, char *s) {
    (void)cls; (void)connection;
    size_t n = MHD_http_unescape(s);
    for (size_t i = 0; i < n; i++) if (s[i] == '\0') s[i] = 0x7F;
    return n;
}

/// Starts a daemon with an internal epoll thread (pool), suspend/resume allowed, on the
/// configured address. Returns NULL when the address is not numeric or the daemon cannot start
/// (port in use, bad certificate); errno may say more.
static inline struct MHD_Daemon *watchpost_mhd_start(const struct watchpost_mhd_settings *s,
                                                     MHD_AccessHandlerCallback handler, void *handler_cls,
                                                     MHD_RequestCompletedCallback completed, void *completed_cls) {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    const struct sockaddr *addr = NULL;
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    if (s->host != NULL && inet_pton(AF_INET, s->host, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(s->port);
        addr = (const struct sockaddr *)&v4;
    } else if (s->host != NULL && inet_pton(AF_INET6, s->host, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(s->port);
        addr = (const struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
    } else {
        return NULL;
    }
    if (s->cert_pem != NULL && s->key_pem != NULL) flags |= MHD_USE_TLS;
    struct MHD_OptionItem ops[] = {
        { MHD_OPTION_SOCK_ADDR, 0, (void *)addr },
        { MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->connection_timeout_seconds, NULL },
        { MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->connection_limit, NULL },
        { MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)s->per_ip_connection_limit, NULL },
        { MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)s->connection_memory_limit, NULL },
        { MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->thread_pool_size, NULL },
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, completed_cls },
        { MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)watchpost_mhd_unescape, NULL },
        { (s->cert_pem && s->key_pem) ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)s->cert_pem },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)s->key_pem },
        { MHD_OPTION_END, 0, NULL },
    };
    return MHD_start_daemon(flags, s->port, NULL, NULL, handler, handler_cls, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
}

/// The port the daemon actually listens on (useful when started on port 0).
static inline uint16_t watchpost_mhd_bound_port(struct MHD_Daemon *d) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// The client's numeric address as text ("127.0.0.1", "::1"); writes "" when unknown.
static inline void watchpost_mhd_client_address(struct MHD_Connection *c, char *out, size_t out_len) {
    out[0] = 0;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL) return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)out_len);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)out_len);
    }
}

/// Whether the connection came in over TLS.
static inline int watchpost_mhd_is_tls(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_PROTOCOL);
    return info != NULL && info->protocol != 0;
}

/// Stops accepting new connections (requests on accepted ones continue) and closes the listening
/// socket, which libmicrohttpd hands back instead of closing: left open, connections waiting in its
/// backlog would hang instead of being refused.
static inline void watchpost_mhd_quiesce(struct MHD_Daemon *d) {
    MHD_socket fd = MHD_quiesce_daemon(d);
    if (fd != MHD_INVALID_SOCKET) close(fd);
}

static inline int watchpost_mhd_tls_supported(void) {
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

/// The first line libmicrohttpd logs while a daemon starts (its TLS library's reason for
/// refusing a certificate or key).
struct watchpost_mhd_first_log {
    char text[256];
};

static inline void watchpost_mhd_keep_first_log(void *cls, const char *format, va_list ap) {
    struct watchpost_mhd_first_log *log = cls;
    if (log->text[0] != 0) return;
    vsnprintf(log->text, sizeof log->text, format, ap);
}

static inline enum MHD_Result watchpost_mhd_refuse_all(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                                       const char *version, const char *upload, size_t *upload_size, void **req_cls) {
    (void)cls; (void)c; (void)url; (void)method; (void)version; (void)upload; (void)upload_size; (void)req_cls;
    return MHD_NO;
}

/// Whether libmicrohttpd's TLS library loads this certificate chain and private key as a pair
/// (both PEM, the key the certificate's), the way `watchpost_mhd_start` would, but without
/// listening on anything and without a thread: a daemon with no listen socket, stopped at once.
/// Returns 1 when the pair loads; 0 otherwise, with the library's reason in `reason`.
static inline int watchpost_mhd_tls_pair_loads(const char *cert_pem, const char *key_pem, char *reason, size_t reason_len) {
    struct watchpost_mhd_first_log log;
    memset(&log, 0, sizeof log);
    struct MHD_OptionItem ops[] = {
        { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)watchpost_mhd_keep_first_log, &log },
        { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert_pem },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key_pem },
        { MHD_OPTION_END, 0, NULL },
    };
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                                            watchpost_mhd_refuse_all, NULL, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
    if (d != NULL) {
        MHD_stop_daemon(d);
        return 1;
    }
    if (reason != NULL && reason_len > 0) {
        size_t n = strcspn(log.text, "\n");
        if (n >= reason_len) n = reason_len - 1;
        memcpy(reason, log.text, n);
        reason[n] = 0;
    }
    return 0;
}
