import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostContent
import Crypto
import Posix

@Suite struct ManifestTests {
    func sample(_ key: [UInt8]) throws -> (Manifest, String) {
        let m = Manifest(approvedBy: "Sở TT&TT Điện Biên", approvedAt: Instant.parse("2026-11-20T09:00:00+07:00")!,
                         validFrom: Instant.parse("2026-11-20T00:00:00+07:00")!, validTo: Instant.parse("2026-12-31T23:59:59+07:00")!,
                         keyID: Ed25519.keyID(try Ed25519.publicKey(fromPrivate: key)),
                         items: [ApprovedItem(path: "videos/Tết 2026.mp4", sha256: String(repeating: "a", count: 64), size: 10),
                                 ApprovedItem(path: "a.png", sha256: String(repeating: "b", count: 64), size: 3)])
        return (m, try m.signed(privateKey: key))
    }

    let at = Instant.parse("2026-11-24T09:00:00+07:00")!

    @Test func signedManifestRoundTripsAndVerifies() throws {
        let pair = try Ed25519.generate()
        let (m, text) = try sample(pair.privateKey)
        #expect(text.hasPrefix("watchpost-manifest 1\n"))
        #expect(text.contains("file \(String(repeating: "a", count: 64)) 10 videos/Tết 2026.mp4\n"))
        let parsed = try Manifest.parse(Array(text.utf8))
        expectEqual(parsed.items, m.items)
        expectEqual(parsed.approvedBy, "Sở TT&TT Điện Biên")
        expectEqual(ManifestVerdict.judge(bytes: Array(text.utf8), publicKey: pair.publicKey, at: at), .valid(parsed))
    }

    @Test func editAfterSigningBreaksTheSignature() throws {
        let pair = try Ed25519.generate()
        let (_, text) = try sample(pair.privateKey)
        for edit in [text.replacingFirst("10 videos", with: "11 videos"), text.replacingFirst("2026-12-31", with: "2027-12-31"),
                     text.replacingFirst("# Approved", with: "# approved"), text.replacingFirst("a.png", with: "b.png")] {
            #expect(edit != text)
            let v = ManifestVerdict.judge(bytes: Array(edit.utf8), publicKey: pair.publicKey, at: at)
            guard case .badSignature = v else { Issue.record("expected badSignature, got \(v)"); continue }
        }
    }

    @Test func manifestSignedWithAnotherKeyIsRejectedAndNamed() throws {
        let department = try Ed25519.generate(), attacker = try Ed25519.generate()
        let (_, forged) = try sample(attacker.privateKey)
        let v = ManifestVerdict.judge(bytes: Array(forged.utf8), publicKey: department.publicKey, at: at)
        guard case .otherKey(let m, let expected) = v else { Issue.record("got \(v)"); return }
        expectEqual(m.keyID, Ed25519.keyID(attacker.publicKey))
        expectEqual(expected, Ed25519.keyID(department.publicKey))
    }

    @Test func validityPeriodIsEnforced() throws {
        let pair = try Ed25519.generate()
        let (_, text) = try sample(pair.privateKey)
        let bytes = Array(text.utf8)
        guard case .expired = ManifestVerdict.judge(bytes: bytes, publicKey: pair.publicKey, at: Instant.parse("2027-01-01T00:00:00+07:00")!) else {
            Issue.record("not expired"); return
        }
        guard case .notYetValid = ManifestVerdict.judge(bytes: bytes, publicKey: pair.publicKey, at: Instant.parse("2026-11-19T23:59:59+07:00")!) else {
            Issue.record("not 'not yet valid'"); return
        }
        // The last second of valid-to is still valid.
        guard case .valid = ManifestVerdict.judge(bytes: bytes, publicKey: pair.publicKey, at: Instant.parse("2026-12-31T23:59:59+07:00")!) else {
            Issue.record("last second rejected"); return
        }
    }

    @Test func malformedManifestsSayWhereAndWhy() throws {
        let pair = try Ed25519.generate()
        let (_, text) = try sample(pair.privateKey)
        let cases: [(String, String)] = [
            (text + "file \(String(repeating: "c", count: 64)) 1 extra\n", "after the signature"),
            (text.replacingFirst("\n", with: "\r\n"), "first line"),
            (text.replacingFirst("a.png", with: "../etc/passwd"), "'..'"),
            (text.replacingFirst("a.png", with: "/etc/passwd"), "absolute"),
            (text.replacingFirst("a.png", with: "videos/Tết 2026.mp4"), "given twice (first on line"),
            (String(decoding: Array(text.utf8)[..<text.offset(of: "signature ")!], as: UTF8.self), "not signed"),
            (text.replacingFirst("key-id", with: "keyid"), "unknown line"),
        ]
        for (bad, expected) in cases {
            do {
                _ = try Manifest.parse(Array(bad.utf8))
                Issue.record("accepted: \(expected)")
            } catch {
                #expect(error.description.contains(expected), "\(error.description)")
            }
        }
        // Vietnamese first, English as its translation (the catalogue).
        do {
            _ = try Manifest.parse(Array(text.replacingFirst("key-id", with: "keyid").utf8))
            Issue.record("unknown line accepted")
        } catch {
            #expect(error.description.hasPrefix("dòng ") && error.description.contains("dòng không rõ 'keyid' / line "), "\(error.description)")
        }
    }

    @Test func pathsWithAnyBytesHaveOneSpelling() {
        let names: [[UInt8]] = [Array("Tết 2026.mp4".utf8), [0x61, 0x0a, 0x62], [0xff, 0xfe, 0x41], Array(" lead and trail ".utf8), Array("100%.png".utf8)]
        for n in names {
            let s = ContentPath.encode(n)
            #expect(!s.contains("\n"))
            expectEqual(ContentPath.decode(s), n)
        }
        expectEqual(ContentPath.encode(Array("Tết 2026.mp4".utf8)), "Tết 2026.mp4")
        expectEqual(ContentPath.encode([0xff, 0x41]), "%FFA")
    }

    @Test func keysInterworkWithOpenSSL() async throws {
        let openssl = try requireTool("openssl", debianPackage: "openssl")
        let dir = try makeTemporaryFolder("watchpost-keys")
        defer { removeTree(dir) }
        // A key made by openssl is read by Watchpost…
        let gen = try await runProgram(openssl, arguments: ["genpkey", "-algorithm", "ed25519", "-out", "\(dir)/k.pem"], timeout: .seconds(10))
        try #require(gen.exitCode == 0, "openssl genpkey: \(gen.output)")
        let seed = try Ed25519.privateKey(fromPEM: try FileSystem.readText("\(dir)/k.pem"))
        // …and a signature openssl makes over a manifest body verifies with Watchpost's key.
        let body = "watchpost-manifest 1\napproved-by x\n"
        try FileSystem.writeAtomically("\(dir)/body", body)
        let sign = try await runProgram(openssl, arguments: ["pkeyutl", "-sign", "-rawin", "-inkey", "\(dir)/k.pem", "-in", "\(dir)/body", "-out", "\(dir)/sig"], timeout: .seconds(10))
        try #require(sign.exitCode == 0, "openssl pkeyutl: \(sign.output)")
        let sig = try FileSystem.readBytes("\(dir)/sig", limit: 1024)
        #expect(Ed25519.verify(sig, of: Array(body.utf8), publicKey: try Ed25519.publicKey(fromPrivate: seed)))
        try expectEqual(Ed25519.sign(Array(body.utf8), privateKey: seed), sig)  // Ed25519 is deterministic
        // Watchpost's public key PEM is what openssl derives from the private key.
        let pub = try await runProgram(openssl, arguments: ["pkey", "-in", "\(dir)/k.pem", "-pubout"], timeout: .seconds(10))
        expectEqual(pub.output, (try Ed25519.publicKeyPEM(try Ed25519.publicKey(fromPrivate: seed))))
        #expect(throws: CryptoError.self) { try Ed25519.publicKey(fromPEM: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") }
    }
}

extension String {
    /// Byte offset of the first occurrence of `a`.
    func offset(of a: String) -> Int? {
        let h = Array(utf8), n = Array(a.utf8)
        guard n.count <= h.count else { return nil }
        for i in 0...(h.count - n.count) where h[i..<(i + n.count)].elementsEqual(n) { return i }
        return nil
    }

    func replacingFirst(_ a: String, with b: String) -> String {
        guard let i = offset(of: a) else { return self }
        let h = Array(utf8)
        return String(decoding: h[..<i], as: UTF8.self) + b + String(decoding: h[(i + a.utf8.count)...], as: UTF8.self)
    }
}
