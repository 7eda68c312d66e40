// The C libraries the binary links, each with the version its wrapper asks the library for at
// run time (not the headers' version at build time), for `watchpost version` and bug reports.
import WatchpostCommandLine
import Curl
import USB
import SQLite
import HTTPServer
import Crypto

struct LinkedCLibrary {
    let name: String
    let version: String
}

func linkedCLibraries() -> [LinkedCLibrary] {
    [
        LinkedCLibrary(name: "libcurl", version: Curl.libraryVersion),
        LinkedCLibrary(name: "libusb", version: LibUSB.libraryVersion),
        LinkedCLibrary(name: "sqlite3", version: SQLiteConnection.libraryVersion),
        LinkedCLibrary(name: "libmicrohttpd", version: MicroHTTPD.libraryVersion),
        LinkedCLibrary(name: "libcrypto", version: LibCrypto.libraryVersion),
    ]
}
