import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostContent
import Crypto
import Posix
import Synchronization

/// A media folder, a Department key pair and a signed manifest in a fresh temporary folder.
final class ContentFixture: Sendable {
    let root: String
    let media: String
    let publicKeyPath: String
    let privateKey: [UInt8]
    let publicKey: [UInt8]
    let now: Instant

    static let counter = Atomic<Int>(0)

    init(files: [String: String] = ["videos/tet-2026.mp4": String(repeating: "tết ", count: 5000), "images/poster.png": "PNG…",
                                    "playlist.m3u": "videos/tet-2026.mp4\nimages/poster.png\n"]) throws {
        let n = Self.counter.add(1, ordering: .relaxed).newValue
        root = "/tmp/watchpost-content-test-\(CurrentProcess.id)-\(n)"
        media = root + "/media"
        try FileSystem.makeDirectories(media, mode: 0o755)
        try FileSystem.setPermissions(root, 0o755)
        let pair = try Ed25519.generate()
        privateKey = pair.privateKey
        publicKey = pair.publicKey
        publicKeyPath = root + "/department.pub"
        now = Instant.parse("2026-11-24T09:00:00+07:00")!
        for (path, text) in files { try write(path, text) }
        try FileSystem.writeAtomically(publicKeyPath, try Ed25519.publicKeyPEM(pair.publicKey))
        try Self.sign(media: media, key: pair.privateKey, now: now)
    }

    deinit { removeTree(root) }

    func write(_ path: String, _ text: String) throws {
        let full = "\(media)/\(path)"
        if let slash = full.lastIndex(of: "/") { try FileSystem.makeDirectories(String(full[..<slash]), mode: 0o755) }
        try FileSystem.writeAtomically(full, text)
    }

    var manifestPath: String { media + "/" + ContentCheckSettings.defaultManifestName }

    /// Hashes the media folder as it is now and signs a manifest of it.
    func sign(key: [UInt8]? = nil, validFrom: String = "2026-11-01T00:00:00+07:00", validTo: String = "2026-12-31T23:59:59+07:00",
              to path: String? = nil) throws {
        try Self.sign(media: media, key: key ?? privateKey, now: now, validFrom: validFrom, validTo: validTo, to: path)
    }

    static func sign(media: String, key signer: [UInt8], now: Instant, validFrom: String = "2026-11-01T00:00:00+07:00",
                     validTo: String = "2026-12-31T23:59:59+07:00", to path: String? = nil) throws {
        let settings = ContentCheckSettings(mediaFolder: media, publicKeyPath: "")
        let scan = MediaScanner.scan(root: media, cache: [:], rehashBefore: nil, now: now, options: settings.options, control: ScanControl())
        var items: [ApprovedItem] = []
        for e in scan.entries { if case .file(let p, let size, let sha?) = e { items.append(ApprovedItem(path: p, sha256: sha, size: size)) } }
        let m = Manifest(approvedBy: "Sở Thông tin và Truyền thông tỉnh Điện Biên", approvedAt: now,
                         validFrom: Instant.parse(validFrom)!, validTo: Instant.parse(validTo)!,
                         keyID: Ed25519.keyID(try Ed25519.publicKey(fromPrivate: signer)), items: items)
        try FileSystem.writeAtomically(path ?? "\(media)/\(ContentCheckSettings.defaultManifestName)", try m.signed(privateKey: signer))
    }

    func settings(stateFile: String? = nil, options: ScanOptions = ScanOptions(), fullRehash: Seconds = .hours(24)) -> ContentCheckSettings {
        ContentCheckSettings(mediaFolder: media, publicKeyPath: publicKeyPath, fullRehashInterval: fullRehash, stateFile: stateFile, options: options)
    }

    func context(_ clock: ManualClock, timeout: Seconds = .seconds(60)) -> ProbeContext {
        ProbeContext(clock: clock, deadline: clock.now() + timeout)
    }
}

extension CheckResult {
    func findings(_ code: String) -> [Finding] { findings.filter { $0.code == code } }
    var problemCodes: Set<String> { Set(findings.filter { $0.status.isProblem }.map(\.code)) }
}
