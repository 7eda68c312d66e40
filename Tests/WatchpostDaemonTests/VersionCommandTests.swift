import Testing
import WatchpostCore
import WatchpostTestSupport

/// `watchpost version` names each linked C library with the version the library itself reports
/// at run time; on Debian that is the version of the -dev package the build used (pkg-config).
@Suite("watchpost version")
struct VersionCommandTests {
    @Test func listsTheCLibrariesWithTheirRuntimeVersions() async throws {
        let (rc, out) = await shell("'\(watchpost)' version")
        try #require(rc == 0, "\(out)")
        var listed: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { listed[String(parts[0])] = String(parts[1]) }
        }
        let pkgConfigNames = ["libcurl": "libcurl", "libusb": "libusb-1.0", "sqlite3": "sqlite3",
                              "libmicrohttpd": "libmicrohttpd", "libcrypto": "libcrypto"]
        for (name, module) in pkgConfigNames.sorted(by: { $0.key < $1.key }) {
            let version = try #require(listed[name], "no '\(name)' line in: \(out)")
            #expect(version.split(separator: ".").count >= 3 && version.first?.isNumber == true, "\(name) \(version)")
            let (pc, expected) = await shell("pkg-config --modversion \(module)")
            try #require(pc == 0, "pkg-config missing (apt-get install pkg-config): \(expected)")
            expectEqual(version, expected.trimmingWhitespace(), "\(name): runtime \(version), headers \(expected)")
        }
    }
}
