// libFuzzer target for the NovaStar frame decoder (Sources/WatchpostLED/Frame.swift and
// Registers.swift are compiled in beside this file by bench/led/fuzz.sh). Invariants checked on
// every input: no crash or trap, the buffer never grows past one maximal frame plus one chunk,
// every frame decoded re-encodes to bytes that decode to the same frame, and every 82-byte
// payload parses as a monitoring block whose encoding parses back to the same values.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNovaStarDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let control = bytes.first else { return 0 }
    let input = bytes.dropFirst()
    let kind: NovaStarFrame.Kind = control & 0x80 != 0 ? .request : .response
    let pendingWrite = control & 0x40 != 0
    let chunk = Int(control & 0x3F) + 1
    var decoder = FrameDecoder(kind: kind, maxDataLength: control & 0x20 != 0 ? 300 : 4096)
    var offset = input.startIndex
    while offset < input.endIndex {
        let end = min(offset + chunk, input.endIndex)
        decoder.append(input[offset..<end])
        offset = end
        while let frame = decoder.next(pendingWrite: pendingWrite) {
            // Re-encoded and followed by a sentinel frame (a short answer at the very end of a
            // stream is only told apart from an incomplete long one by what follows it).
            var again = FrameDecoder(kind: kind, maxDataLength: 65_535)
            again.append(frame.encoded() + sentinel(kind))
            // An answer decoded in its short form (no data although its length says some) is re-read
            // the way the client reads an acknowledgement: short form first.
            let short = frame.data.count < Int(frame.length)
            guard let back = again.next(pendingWrite: pendingWrite || short), back == frame else { fatalError("re-encoding does not round-trip: \(frame)") }
            guard again.next(pendingWrite: pendingWrite) == NovaStarFrame.sentinelFrame(kind) else { fatalError("frame after a re-encoded one lost: \(frame)") }
            if frame.data.count >= 82, let block = MonitoringBlock(bytes: frame.data) {
                guard let twice = MonitoringBlock(bytes: block.encoded()), twice.temperature == block.temperature,
                      twice.humidity == block.humidity, twice.voltage == block.voltage else { fatalError("monitoring block does not round-trip") }
            }
        }
        if decoder.bufferedCount > decoder.capacityLimit + chunk { fatalError("decoder buffer unbounded: \(decoder.bufferedCount)") }
    }
    return 0
}

func sentinel(_ kind: NovaStarFrame.Kind) -> [UInt8] { NovaStarFrame.sentinelFrame(kind).encoded() }

extension NovaStarFrame {
    static func sentinelFrame(_ kind: Kind) -> NovaStarFrame {
        var f = NovaStarFrame.read(serial: 0xA5, device: .sendingCard, address: 2, length: 2)
        if kind == .response { f = f.response(data: [0x01, 0x11]) }
        return f
    }
}
