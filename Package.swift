// swift-tools-version:6.0
// Watchpost: health monitor and incident responder for foreign-information clusters.
// No Swift package dependencies: C libraries come from Debian through systemLibrary targets,
// each wrapped by exactly one Swift module (SQLite, Curl, USB, HTTPServer, Crypto, Posix).
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // Release builds optimise for size: the daemon's resident code is most of its footprint
    // beside monit (bench/daemon/README.md); the hashing runs in OpenSSL, not in Swift code.
    // Each function in a section of its own, so that the release link can put the code the daemon
    // runs in steady state together (bench/daemon/hot-functions.order, below): the kernel maps
    // 64 kB around every fault, so scattered hot functions kept ~7.5 MB of a 14 MB code mapping
    // resident for ~1 MB of code actually run (bench/daemon/README.md, session 8).
    // Codegen from scratch in release: Swift's incremental LLVM codegen keeps an object whose IR
    // is unchanged when only the flags changed, so a release build made before -function-sections
    // kept one plain .text in 34 objects and gold could not place their hot functions (session 9).
    .unsafeFlags(["-Osize", "-Xfrontend", "-function-sections", "-Xfrontend", "-disable-incremental-llvm-codegen"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "Watchpost",
    products: [
        .executable(name: "watchpost", targets: ["watchpost"]),
        .executable(name: "watchpost-sim", targets: ["watchpost-sim"]),
        .executable(name: "watchpost-pdf", targets: ["watchpost-pdf"]),
        .executable(name: "watchpost-probe", targets: ["watchpost-probe"]),
    ],
    targets: [
        // MARK: C libraries (Debian packages), one system library each
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CPango", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev"])]),

        // MARK: Swift wrappers: the only modules that touch C
        .target(name: "Posix", swiftSettings: strict),
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "Curl", dependencies: ["CCurl", "CCurlShim"], swiftSettings: strict),
        .target(name: "USB", dependencies: ["CLibUSB"], swiftSettings: strict),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "Posix"], swiftSettings: strict),
        .target(name: "Crypto", dependencies: ["CCrypto"], swiftSettings: strict),
        // A4 PDF documents: cairo draws, pango shapes and lays out text (one wrapper for both),
        // linked only by the watchpost-pdf helper below.
        .target(name: "PDF", dependencies: ["CCairo", "CPango", "PDFLayout"], swiftSettings: strict),
        // A PDF's layout as a value (pure Swift): what the reports build and watchpost-pdf draws.
        .target(name: "PDFLayout", swiftSettings: strict),

        // MARK: Domain and configuration (pure Swift)
        .target(name: "WatchpostCore", swiftSettings: strict),
        // The system clock and standard error as the domain's `WatchpostClock` and `LogSink`: the
        // one place where Core and Posix meet, so that neither depends on the other.
        .target(name: "WatchpostHost", dependencies: ["WatchpostCore", "Posix"], swiftSettings: strict),
        .target(name: "WatchpostConfig", dependencies: ["WatchpostCore", "Posix"], swiftSettings: strict),
        .target(name: "WatchpostStore", dependencies: ["WatchpostCore", "SQLite", "Crypto", "Posix"], swiftSettings: strict),
        .target(name: "WatchpostAuth", dependencies: ["WatchpostCore", "Crypto"], swiftSettings: strict),

        // MARK: Probes, one module per device family
        .target(name: "WatchpostLED", dependencies: ["WatchpostCore", "WatchpostConfig", "Posix"], swiftSettings: strict),
        .target(name: "WatchpostPower", dependencies: ["WatchpostCore", "WatchpostConfig", "USB", "Posix"], swiftSettings: strict),
        // ICMP echo and TCP connect: no C library, so that `watchpost-probe` links none (bench/network).
        .target(name: "WatchpostNetwork", dependencies: ["WatchpostCore", "WatchpostConfig", "Posix"], swiftSettings: strict),
        // The HTTP(S) probe through libcurl, and the factory of the three network check kinds.
        .target(name: "WatchpostNetworkHTTP", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostNetwork", "Curl", "Posix"], swiftSettings: strict),
        .target(name: "WatchpostContent", dependencies: ["WatchpostCore", "WatchpostConfig", "Crypto", "Posix"], swiftSettings: strict),
        // The `player` check (what is playing now, over HTTP); apart from WatchpostContent so that
        // the scanner links neither libcurl nor Foundation.
        .target(name: "WatchpostPlayer", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostContent", "Curl", "Posix"], swiftSettings: strict),
        // The broadcast log (proof of play), the archive re-check and the monthly content figures.
        .target(name: "WatchpostBroadcast", dependencies: [
            "WatchpostCore", "WatchpostConfig", "WatchpostContent", "WatchpostPlayer", "WatchpostStore", "Crypto", "Posix",
        ], swiftSettings: strict),
        .target(name: "WatchpostProbes", dependencies: [
            "WatchpostCore", "WatchpostConfig", "Posix",
            "WatchpostLED", "WatchpostPower", "WatchpostNetwork", "WatchpostNetworkHTTP", "WatchpostContent", "WatchpostPlayer",
        ], swiftSettings: strict),

        // MARK: Alerts, web, reports
        .target(name: "WatchpostMail", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostAuth", "Curl", "Crypto", "Posix"], swiftSettings: strict),
        .target(name: "WatchpostWeb", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostAuth", "WatchpostReports", "WatchpostBroadcast", "HTTPServer", "Posix"], swiftSettings: strict),
        .target(name: "WatchpostReports", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostBroadcast", "PDFLayout", "Curl", "Posix"], swiftSettings: strict),

        // MARK: Wiring and programs
        .target(name: "WatchpostDaemon", dependencies: [
            "WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostProbes",
            "WatchpostReports", "WatchpostWeb", "Posix",
        ], swiftSettings: strict),
        // What `watchpost` and `watchpost-probe` share: the command line (arguments, commands, printing a
        // probe's result) and the ad-hoc ICMP/TCP probe. Pure Swift over the modules above: no C library.
        .target(name: "WatchpostCommandLine", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostHost", "WatchpostNetwork", "Posix"],
                swiftSettings: strict),
        .executableTarget(name: "watchpost", dependencies: [
            "WatchpostHost", "WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostProbes", "WatchpostDaemon",
            "WatchpostLED", "WatchpostPower", "WatchpostNetworkHTTP", "WatchpostContent", "WatchpostCommandLine",
            "WatchpostMail", "WatchpostWeb", "WatchpostReports", "WatchpostAuth", "HTTPServer", "Posix", "WatchpostBroadcast",
            "WatchpostPlayer", "Curl", "USB", "SQLite", "Crypto",
        ], swiftSettings: strict,
        // The Swift runtime linked into the binary (the product uses no Foundation): fewer shared
        // libraries to load and relocate, so a smaller steady RSS and a faster start
        // (bench/daemon/README.md, bench/network). Without exporting our 10,600 public symbols
        // (-static-stdlib turns on -export-dynamic; nothing loads symbols from the program): 930 kB
        // less of symbol tables in the binary for the dynamic loader to read.
        // Release links place the functions the daemon runs in steady state side by side (gold's
        // section ordering; the list is made by bench/daemon/hot-functions.sh from a profile of
        // the demo's checks). A name not in the binary is ignored, so a stale list only costs
        // memory, never correctness.
        linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "--no-export-dynamic"]),
                         .unsafeFlags(["-Xlinker", "--section-ordering-file=\(Context.packageDirectory)/bench/daemon/hot-functions.order"],
                                      .when(configuration: .release))]),
        // Draws a report's PDF with cairo and pango from the layout watchpost writes, so that
        // watchpost itself links none of cairo, pango, glib, harfbuzz (bench/daemon/README.md).
        // Installed beside watchpost; the Swift runtime linked in, as for watchpost.
        .executableTarget(name: "watchpost-pdf", dependencies: ["PDF", "PDFLayout", "WatchpostHost", "WatchpostCore", "Posix"], swiftSettings: strict,
                          linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "--no-export-dynamic"])]),
        // The technician's ad-hoc ICMP/TCP probe as a program of its own, as NUT ships one program per
        // driver: it links only libc, libm and libstdc++ (no libcurl, OpenSSL, sqlite3, libusb,
        // libmicrohttpd and their ~35 dependencies), so that its start costs what fping's does and
        // not the 15 M instructions of relocating watchpost's libraries (bench/network/README.md).
        // `watchpost probe net` keeps working the same inside watchpost.
        .executableTarget(name: "watchpost-probe", dependencies: ["WatchpostCommandLine", "WatchpostCore", "Posix"],
                          swiftSettings: strict,
                          linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "--no-export-dynamic"])]),
        // The content scanner alone, for bench/content (not a product).
        .executableTarget(name: "watchpost-hash-bench", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostContent", "Posix"], swiftSettings: strict),
        // Simulated hardware for the demo and the tests; never linked into the product binary.
        .target(name: "WatchpostSimulators", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostLED", "WatchpostPower", "WatchpostContent", "WatchpostPlayer", "Posix"], swiftSettings: strict),
        .executableTarget(name: "watchpost-sim", dependencies: ["WatchpostHost", "WatchpostSimulators", "Posix", "WatchpostCore"], swiftSettings: strict),

        // Benchmark of the incident engine (bench/engine/run.sh); not a product.
        .executableTarget(name: "watchpost-bench-engine", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostStore", "Posix"],
                          path: "bench/engine/Sources", swiftSettings: strict),

        // Benchmark of the broadcast log (bench/plays/run.sh); not a product.
        .executableTarget(name: "watchpost-bench-plays", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostStore", "SQLite", "Posix"],
                          path: "bench/plays/Sources", swiftSettings: strict),

        // Fuzz targets (issue #19): the parsers of untrusted input, a libFuzzer program built by
        // bench/fuzz/run.sh, and a short seeded run in the tests.
        .target(name: "WatchpostFuzzTargets", dependencies: [
            "WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostAuth", "WatchpostWeb", "WatchpostMail", "WatchpostLED", "WatchpostPower",
            "HTTPServer", "Posix",
        ], path: "bench/fuzz/Targets", swiftSettings: strict),
        .executableTarget(name: "watchpost-fuzz", dependencies: ["WatchpostFuzzTargets", "Posix"], path: "bench/fuzz/Sources", swiftSettings: strict),

        // MARK: Tests mirror the targets
        // What several suites share (temporary folders, ports, waits, processes, the SMTP sink,
        // requirements that fail naming the Debian package); each test target that imports it lists it.
        // SQLite: SmallVolume cuts a database's WAL before it fills the volume (disk-full tests in
        // two targets shared one near-copy each of that).
        .target(name: "WatchpostTestSupport", dependencies: ["WatchpostCore", "Posix", "SQLite"], path: "Tests/WatchpostTestSupport", swiftSettings: strict),
        .testTarget(name: "WatchpostCoreTests", dependencies: ["WatchpostCore", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostConfigTests", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostProbes", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostStoreTests", dependencies: ["WatchpostCore", "WatchpostStore", "SQLite", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostReportsTests", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostReports", "WatchpostDaemon", "WatchpostMail", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostPowerTests", dependencies: ["WatchpostCore", "WatchpostPower", "WatchpostSimulators", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostNetworkTests", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostConfig", "WatchpostNetwork", "WatchpostNetworkHTTP", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostWebTests", dependencies: [
            "WatchpostHost", "WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostAuth", "WatchpostWeb", "WatchpostDaemon", "WatchpostSimulators", "HTTPServer", "Curl", "Posix", "SQLite", "WatchpostTestSupport",
        ], swiftSettings: strict),
        .testTarget(name: "WatchpostIncidentTests", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostDaemon", "WatchpostProbes", "SQLite", "Posix",
                                                                  "WatchpostLED", "WatchpostPower", "WatchpostNetwork", "WatchpostContent", "WatchpostPlayer", "WatchpostTestSupport", "WatchpostSimulators"], swiftSettings: strict),
        .testTarget(name: "WatchpostLEDTests", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostConfig", "WatchpostLED", "WatchpostSimulators", "WatchpostProbes", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostMailTests", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostMail", "WatchpostAuth", "Curl", "Crypto", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostContentTests", dependencies: ["WatchpostCore", "WatchpostConfig", "WatchpostContent", "WatchpostPlayer", "WatchpostProbes", "WatchpostDaemon", "WatchpostHost", "WatchpostSimulators", "Crypto", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
        .testTarget(name: "WatchpostBroadcastTests", dependencies: ["WatchpostHost", 
            "WatchpostCore", "WatchpostConfig", "WatchpostContent", "WatchpostPlayer", "WatchpostStore", "WatchpostBroadcast", "WatchpostReports", "WatchpostSimulators", "Crypto", "Posix", "WatchpostTestSupport",
        ], swiftSettings: strict),
        .testTarget(name: "WatchpostFuzzTests", dependencies: ["WatchpostFuzzTargets"], swiftSettings: strict),
        .testTarget(name: "WatchpostDaemonTests", dependencies: ["WatchpostHost", "WatchpostCore", "WatchpostConfig", "WatchpostStore", "WatchpostDaemon", "WatchpostProbes", "Posix", "WatchpostTestSupport"], swiftSettings: strict),
    ]
)

// Protocol vectors and captures live in a target's Fixtures folder (data read by the tests, not
// sources to compile).
for target in package.targets where target.type == .test {
    if ["WatchpostLEDTests"].contains(target.name) { target.exclude.append("Fixtures") }
}

// `make test` builds no benchmark programs (scripts/test.sh sets WATCHPOST_NO_BENCH=1: they are
// not tested, and linking them costs the suite time); bench/*/run.sh build them as usual.
if Context.environment["WATCHPOST_NO_BENCH"] == "1" {
    package.targets.removeAll { $0.type == .executable && ($0.name.contains("bench") || $0.path?.hasPrefix("bench/") == true) }
}
