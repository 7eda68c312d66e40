// Inputs for the short in-tree run (no libFuzzer): each target's seeds, mutated by a seeded
// generator (flips, inserts, deletions, splices, and tokens that broke parsers before: CR LF,
// NUL, huge numbers, `-1`, separators), so a run is reproducible from its seed.

public struct FuzzInputs: Sequence, IteratorProtocol {
    var state: UInt64
    let seeds: [[UInt8]]
    var remaining: Int
    static let tokens: [[UInt8]] = ["\r\n", "\r", "\n", "\u{0}", "=", "[", "]", "%", "%2", "%FF", "-1", "999999999999d", "9300000000000000000",
                                    "1e400", "..", "|", "@", "v1.", ".", "&", "=&=", "\u{FEFF}", "192.0.2.300", ":", "[check x]", "\u{FFFF}"].map { Array($0.utf8) }
        + [[0xFF], [0xC3, 0x28], [0xAA, 0x55], [0x85, 0xFF], [0xA1], [0xC0], [0x75, 0x40], [0x95, 0xFF]]

    public init(seeds: [[UInt8]], count: Int, seed: UInt64) {
        self.seeds = seeds.isEmpty ? [[]] : seeds
        self.remaining = count
        self.state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    mutating func random(_ n: Int) -> Int {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return n <= 0 ? 0 : Int(state % UInt64(n))
    }

    public mutating func next() -> [UInt8]? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        var b = seeds[random(seeds.count)]
        if random(8) == 0 { return (0..<random(300)).map { _ in UInt8(truncatingIfNeeded: random(256)) } }
        for _ in 0...random(6) {
            switch random(6) {
            case 0 where !b.isEmpty: b[random(b.count)] = UInt8(truncatingIfNeeded: random(256))
            case 1: b.insert(UInt8(truncatingIfNeeded: random(256)), at: random(b.count + 1))
            case 2 where !b.isEmpty: b.remove(at: random(b.count))
            case 3: b.insert(contentsOf: Self.tokens[random(Self.tokens.count)], at: random(b.count + 1))
            case 4 where b.count > 1:
                let a = random(b.count), n = random(Swift.min(64, b.count - a)) + 1
                b.insert(contentsOf: b[a..<(a + n)], at: random(b.count + 1))
            default:
                let other = seeds[random(seeds.count)]
                if !other.isEmpty { b = Array(b.prefix(random(b.count + 1))) + Array(other.suffix(random(other.count + 1))) }
            }
        }
        return Array(b.prefix(64 * 1024))
    }
}
