// Byte-exact tests of the NovaStar codec against the published vectors (a copy of the protocol
// notes is in Fixtures/novastar.md, source noted there), both directions, and of the decoder's
// resynchronisation and bounds.
import Testing
import WatchpostCore
import Posix
import WatchpostTestSupport
@testable import WatchpostLED
@testable import WatchpostSimulators

func hex(_ s: String) -> [UInt8] { s.split(separator: " ").map { UInt8($0, radix: 16)! } }

@Suite("NovaStar codec")
struct NovaStarCodecTests {
    // The four vectors of novastar.md, as published (vectorsAreTheFixtures checks them).
    static let readSignal = hex("55 AA 00 16 FE 00 00 00 00 00 00 00 17 00 00 02 01 00 83 56")
    static let readMonitoring = hex("55 AA 00 32 FE 00 01 00 00 00 00 00 00 00 00 0A 00 01 91 56")
    static let writeBrightness = hex("55 AA 00 00 FE FF 01 FF FF FF 01 00 01 00 00 02 01 00 80 D5 5A")
    static let readKill = hex("55 AA 00 80 FE 00 01 00 00 00 00 00 00 01 00 02 01 00 D8 56")

    /// The vectors above are the ones in the repository's copy of the protocol notes, in order.
    @Test func vectorsAreTheFixtures() throws {
        let notes = try FileSystem.readText("\(TestPaths.packageRoot)/Tests/WatchpostLEDTests/Fixtures/novastar.md")
        let section = try #require(notes.split(separator: "## Test vectors", maxSplits: 1).last)
        let quoted = section.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        let vectors = quoted.filter { $0.hasPrefix("55 AA ") }.prefix(4).map(hex)
        expectEqual(vectors, [Self.readSignal, Self.readMonitoring, Self.writeBrightness, Self.readKill])
    }

    @Test func encodesReadSignalVector() {
        let f = NovaStarFrame.read(serial: 0x16, device: .sendingCard, address: NovaStarRegister.inputSignal, length: 1)
        expectEqual(f.encoded(), Self.readSignal)
    }

    @Test func encodesReadMonitoringVector() {
        let f = NovaStarFrame.read(serial: 0x32, device: .receivingCard, port: 0, board: 0, address: NovaStarRegister.monitoring, length: 256)
        expectEqual(f.encoded(), Self.readMonitoring)
    }

    @Test func encodesBroadcastBrightnessVector() {
        let f = NovaStarFrame.write(serial: 0x00, destination: 0xFF, device: .receivingCard, port: 0xFF, board: 0xFFFF,
                                    address: NovaStarRegister.brightness, data: [0x80])
        expectEqual(f.encoded(), Self.writeBrightness)
    }

    @Test func encodesReadKillVector() {
        let f = NovaStarFrame.read(serial: 0x80, device: .receivingCard, address: NovaStarRegister.killMode, length: 1)
        expectEqual(f.encoded(), Self.readKill)
    }

    @Test func checksumFormula() {
        // (0x5555 + sum of bytes from offset 2) & 0xFFFF, low byte first.
        expectEqual(NovaStarFrame.checksum(Self.readSignal[2..<18]), 0x5683)
        expectEqual(NovaStarFrame.checksum([UInt8](repeating: 0xFF, count: 300)), UInt16((0x5555 + 300 * 255) & 0xFFFF))
    }

    /// The simulator side decodes each vector as a request, and answers the exact bytes.
    @Test(arguments: [
        (readSignal, "AA 55 00 16 00 FE 00 00 00 00 00 00 17 00 00 02 01 00 01 84 56"),
        (readKill, "AA 55 00 80 00 FE 01 00 00 00 00 00 00 01 00 02 01 00 FF D7 57"),
        (writeBrightness, "AA 55 00 00 00 FE 01 FF FF FF 01 00 01 00 00 02 01 00 56 59"),
    ])
    func simulatorAnswersByteExact(request: [UInt8], expected: String) throws {
        var dec = FrameDecoder(kind: .request, maxDataLength: 65_000)
        dec.append(request)
        let reqNext = dec.next()
        let req = try #require(reqNext)
        expectEqual(req.encoded(), request)
        let device = NovaStarDevice(cardsPerPort: [2])
        device.update { s in for k in s.ports[0].indices { s.ports[0][k].kill = 0xFF } }
        guard case .bytes(let answer) = device.reply(to: req) else { Issue.record("no answer"); return }
        expectEqual(answer, hex(expected))
        // And the client's decoder reads that answer back.
        var cdec = FrameDecoder(kind: .response)
        cdec.append(answer)
        let respNext = cdec.next(pendingWrite: req.direction == .write)
        let resp = try #require(respNext)
        #expect(resp.serial == req.serial && resp.ack == 0 && resp.address == req.address)
        expectEqual(resp.encoded(), answer)
    }

    @Test func monitoringVectorAnswerCarries256Bytes() throws {
        var dec = FrameDecoder(kind: .request, maxDataLength: 65_000)
        dec.append(Self.readMonitoring)
        let reqNext = dec.next()
        let req = try #require(reqNext)
        #expect(req.length == 256 && req.deviceType == 1 && req.address == 0x0A00_0000)
        let device = NovaStarDevice(cardsPerPort: [1])
        device.update { $0.ports[0][0].monitoring.temperature = 41.5 }
        guard case .bytes(let answer) = device.reply(to: req) else { Issue.record("no answer"); return }
        expectEqual(answer.count, 20 + 256)
        expectEqual(Array(answer[0..<6]), [0xAA, 0x55, 0x00, 0x32, 0x00, 0xFE])
        var cdec = FrameDecoder(kind: .response, maxDataLength: 256)
        cdec.append(answer)
        let respNext = cdec.next()
        let resp = try #require(respNext)
        let block = try #require(MonitoringBlock(bytes: resp.data))
        expectEqual(block.temperature, 41.5)
        expectEqual(block.voltage, 5.0)
    }

    @Test func writeAckWithAndWithoutData() throws {
        let withData = hex("AA 55 00 00 00 FE 01 FF FF FF 01 00 01 00 00 02 01 00 80 D6 59")
        let without = hex("AA 55 00 00 00 FE 01 FF FF FF 01 00 01 00 00 02 01 00 56 59")
        for bytes in [withData, without, without + withData, withData + without] {
            var d = FrameDecoder()
            d.append(bytes)
            var frames: [NovaStarFrame] = []
            while let f = d.next(pendingWrite: true) { frames.append(f) }
            expectEqual(frames.count, bytes.count / 20, "\(bytes.count) bytes")
            #expect(frames.allSatisfy { $0.ack == 0 && $0.address == 0x0200_0001 && $0.direction == .write })
            expectEqual(d.discardedBytes, 0)
        }
    }

    @Test func errorAckWithoutData() throws {
        // A read of a missing card: ack 1, length echoed, no data.
        let req = NovaStarFrame.read(serial: 9, device: .receivingCard, port: 0, board: 7, address: 0, length: 2)
        let nack = req.response(ack: 1)
        var d = FrameDecoder()
        d.append(nack.encoded())
        let fNext = d.next()
        let f = try #require(fNext)
        #expect(f.ack == 1 && f.data.isEmpty && f.board == 7)
    }

    @Test func resynchronisesAfterGarbageAndBadFrames() throws {
        let good = NovaStarFrame.read(serial: 5, device: .sendingCard, address: 2, length: 2).response(data: [0x01, 0x11]).encoded()
        var corrupt = good
        corrupt[19] ^= 0xFF
        let truncated = Array(good.prefix(9))
        let noise: [UInt8] = [0x00, 0xAA, 0x13, 0xAA, 0x55, 0x02, 0xFF, 0x55]
        var d = FrameDecoder()
        d.append(noise + corrupt + truncated + good)
        let fNext = d.next()
        let f = try #require(fNext)
        #expect(f.serial == 5 && f.data == [0x01, 0x11])
        #expect(d.next() == nil)
        #expect(d.badChecksums >= 1)
        expectEqual(d.discardedBytes, noise.count + corrupt.count + truncated.count)
    }

    @Test func decodesWhenFedOneByteAtATime() throws {
        let frames = (0..<5).map { i in
            NovaStarFrame.read(serial: UInt8(i), device: .receivingCard, board: UInt16(i), address: NovaStarRegister.monitoring, length: 82)
                .response(data: MonitoringBlock(temperature: Double(i)).encoded()).encoded()
        }
        var d = FrameDecoder()
        var got: [NovaStarFrame] = []
        for b in frames.joined() {
            d.append([b])
            while let f = d.next() { got.append(f) }
        }
        expectEqual(got.map(\.serial), [0, 1, 2, 3, 4])
        #expect(got.allSatisfy { $0.data.count == 82 })
    }

    @Test func bufferStaysBoundedOnNoise() async {
        await onOwnThread { bufferStaysBoundedOnNoiseOnOwnThread() }
    }

    /// The body of `bufferStaysBoundedOnNoise`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func bufferStaysBoundedOnNoiseOnOwnThread() {
        var d = FrameDecoder(maxDataLength: 256)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var chunk = (0..<97).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Plenty of headers with small lengths, the worst case for a decoder that waits.
            chunk[10] = 0xAA; chunk[11] = 0x55; chunk[26] = 0x10; chunk[27] = 0x00
            d.append(chunk)
            while d.next() != nil {}
            #expect(d.bufferedCount <= d.capacityLimit + 97)
        }
    }

    @Test func monitoringBlockRoundTrip() throws {
        var m = MonitoringBlock(temperature: -3.5, humidity: 61, voltage: 4.8, monitoringCardPresent: true,
                                monitoringCardTemperature: 29, monitoringCardHumidity: 55, smokeRaw: 0x81,
                                fansRPM: [1500, 0, nil, 2000], voltages: [5.0, 12.0, nil, nil, nil, nil, nil, nil, 3.3], generalStatus: 0x01)
        m.moduleStatus[3] = 0x04
        let bytes = m.encoded()
        expectEqual(bytes.count, 82)
        #expect(bytes[0] == 0x81 && bytes[1] == 7)     // valid + negative, 3.5 / 0.5
        #expect(bytes[2] == 0x80 | 61 && bytes[3] == 0x80 | 48 && bytes[32] == 0xFF)
        let back = try #require(MonitoringBlock(bytes: bytes))
        expectEqual(back, m)
        #expect(back.smoke && back.doorOpen && back.faultyModuleBytes == 1)
        #expect(MonitoringBlock(bytes: Array(bytes.prefix(81))) == nil)
        // Without the monitoring card, its fields are not read even if the bytes are set.
        var raw = bytes
        raw[32] = 0
        let plain = try #require(MonitoringBlock(bytes: raw))
        #expect(!plain.monitoringCardPresent && plain.fansRPM.allSatisfy { $0 == nil } && !plain.smoke)
    }

    @Test func unknownModelIsNamedNotFailed() {
        #expect(NovaStarNames.senderModel(0x1101).contains("MCTRL660"))
        expectEqual(NovaStarNames.senderModel(0xBEEF), "kiểu máy chưa biết (mã 0xBEEF) / unknown model (id 0xBEEF)")
    }

    @Test func modelTableComesFromTheNSCardTypeList() {
        // 0x620C is a VX1000 in NovaLCT's NSCardType list and in public VX1000 captures.
        expectEqual(NovaStarNames.senderModel(0x620C), "VX1000")
        #expect(NovaStarNames.senderModels[0x620C] != nil)
        expectEqual(NovaStarNames.senderModel(0x620E), "VX600")
        expectEqual(NovaStarNames.senderModel(0x1103), "MCTRL4K")
        // An id not in the list, and NovaLCT's own 0xFFFF "Unknown" marker, stay unknown.
        expectEqual(NovaStarNames.senderModel(0x6FFF), "kiểu máy chưa biết (mã 0x6FFF) / unknown model (id 0x6FFF)")
        #expect(NovaStarNames.senderModels[0xFFFF] == nil)
        #expect(NovaStarNames.senderModels.count > 250)
    }
}
