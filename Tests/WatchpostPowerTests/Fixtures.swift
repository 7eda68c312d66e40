// Real HID report descriptors published online, kept as hex with their source. They are data
// (bytes a UPS sent), used to check the descriptor parser against what real firmware ships.

/// Parses "05 84 09 04 …" (any whitespace) into bytes.
func hexBytes(_ text: String) -> [UInt8] {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
}

enum Fixtures {
    /// A 194-byte HID Power Device descriptor (3 reports: RemainingCapacity 0x0c, RunTimeToEmpty
    /// 0x0d, PresentStatus 0x07 with 14 status bits), published with the note "This exact
    /// descriptor was successfully parsed by NUT on Synology" in a public GitHub repository's
    /// notes on an RP2040/CircuitPython HID UPS (found through the code index, file id
    /// 56673625676, section "Tested descriptor (194 bytes, 3 reports)").
    static let rp2040UPS = hexBytes("""
    05 84 09 04 a1 01 09 24 a1 02 75 08 95 01 15 00
    26 ff 00 05 85 25 64 85 0c 09 66 81 a3 09 66 b1
    a3 75 10 27 ff ff 00 00 66 01 10 55 00 85 0d 09
    68 81 a3 09 68 b1 a3 05 84 09 02 a1 02 85 07 75
    01 15 00 25 01 05 85 09 44 81 a3 09 44 b1 a3 09
    45 81 a3 09 45 b1 a3 09 d0 81 a3 09 d0 b1 a3 09
    d1 81 a3 09 d1 b1 a3 09 42 81 a3 09 42 b1 a3 09
    43 81 a2 09 43 b1 a2 09 4b 81 a3 09 4b b1 a3 09
    db 81 a3 09 db b1 a3 09 46 81 a3 09 46 b1 a3 09
    47 81 a3 09 47 b1 a3 05 84 09 68 81 a2 09 68 b1
    a2 09 69 81 a3 09 69 b1 a3 09 73 81 a3 09 73 b1
    a3 09 65 81 a3 09 65 b1 a3 95 02 81 01 b1 01 c0
    c0 c0
    """)

    /// The tail of a CyberPower (0764:0501) report descriptor as printed by usbhid-ups -DDD in
    /// networkupstools/nut issue #2997 ("Three CyberPower UPS's without reported serial
    /// numbers"). The dump in the issue starts mid-descriptor, so this is a real descriptor that
    /// is cut at the front: its first items lack their usage page, and two End Collections close
    /// collections opened before the cut. Input voltage (report 0x0f, volts, exponent 7), output
    /// voltage (0x12), load (0x13) and the PresentStatus bits (0x0b) are intact.
    static let cyberPowerTail = hexBytes("""
    78 09 83 09 8d 09 8e 09 8c 09 29 09 67 b1 22 85 08 75 08 95 01 65 00 09 66
    81 a2 09 66 b1 a2 09 68 75 10 27 ff ff 00 00 66 01 10 81 a2 09 68 b1 a2 09
    2a 26 58 02 81 a2 09 2a b1 a2 85 09 75 08 26 ff 00 05 84 09 40 67 21 d1 f0
    00 55 06 b1 22 85 0a 09 30 b1 a2 65 00 55 00 09 02 a1 02 85 0b 75 01 95 06
    25 01 05 85 09 d0 09 44 09 45 09 42 09 46 09 43 81 a2 09 d0 09 44 09 45 09
    42 09 46 09 43 b1 a2 75 02 95 01 81 01 b1 01 c0 85 0c 05 84 09 5a 75 08 15
    01 25 03 b1 a2 85 0d 09 fd 15 00 26 ff 00 b1 22 c0 05 84 09 1a a1 00 85 0e
    05 84 09 40 75 08 67 21 d1 f0 00 55 07 b1 22 85 0f 09 30 b1 a2 85 10 09 53
    15 5a 25 5a b1 22 09 54 16 8c 00 26 8c 00 b1 22 c0 09 1c a1 00 85 12 09 30
    15 00 26 ff 00 b1 a2 65 00 55 00 85 13 09 35 b1 a2 85 14 09 58 25 06 b1 a2
    85 15 09 57 75 10 15 ff 26 ff 7f 35 c4 47 c4 ff 1d 00 66 01 10 b1 a2 85 16
    09 56 b1 a2 85 17 09 6e 75 01 15 00 25 01 35 00 45 00 65 00 b1 a2 09 65 b1
    a2 75 06 b1 01 85 18 75 10 09 44 26 c2 01 66 21 d1 55 07 b1 a2 c0 c0
    """)
}
