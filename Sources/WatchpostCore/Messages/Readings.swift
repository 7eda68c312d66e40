// How a check's readings (its measurements) read for people: one place for the status board,
// the incident page and the mails' "số đo" line (issue 15, Deliver 2). Each metric has a name
// in the catalogue (`reading.<metric>`), numbers take the language's decimal sign ("12,7 V" /
// "12.7 V"), sizes read in GB/MB with grouping, spans in words. Machines (CSV, the JSON API,
// metrics) keep the raw name and value (`Measurement`).

public enum Readings {
    /// "điện áp pin 12,7 V, pin còn 71%" / "battery voltage 12.7 V, battery charge 71%".
    public static func text(_ measurements: [Measurement], _ language: Language, limit: Int = 6) -> String {
        measurements.prefix(max(0, limit)).map { one($0, language) }.joined(separator: ", ")
    }

    /// A reading kept as text on an incident (`Incident.value`, "battery.voltage 12.7 V, loss 0 %")
    /// in the reader's language. Text that is not in that form is shown with the decimal comma only.
    public static func text(stored: String, _ language: Language) -> String {
        let parts = stored.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        var out: [Measurement] = []
        for p in parts {
            let words = p.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2, let v = Double(words[1]) else { return language == .vi ? Incident.vietnameseValue(stored) : stored }
            out.append(Measurement(String(words[0]), v, unit: words.dropFirst(2).joined(separator: " ")))
        }
        return text(out, language, limit: out.count)
    }

    /// One reading: its catalogue name, then its value with its unit.
    public static func one(_ m: Measurement, _ language: Language) -> String {
        name(m.name, language) + " " + value(m.value, unit: m.unit, language)
    }

    /// A metric's name in the reader's language. A probe's target suffix ("loss[10.0.0.1]") and an
    /// LED card's tag ("p1.c3.temperature") stay as written; a name the catalogue does not know
    /// (an exec plugin's own) is its author's and is shown as is.
    public static func name(_ raw: String, _ language: Language) -> String {
        var base = Substring(raw), target = ""
        if raw.hasSuffix("]"), let open = raw.firstIndex(of: "[") {
            base = raw[..<open]; target = " " + raw[open...]
        }
        if let e = Catalogue.entry(MessageKey("reading." + base)) { return e.template(language) + target }
        // "p1.c3.temperature", "p1.c3.fan2": the card's tag, then the metric.
        if let dot = base.lastIndex(of: ".") {
            let tag = base[..<dot], leaf = base[base.index(after: dot)...]
            let digits = leaf.reversed().prefix { $0.isASCII && $0.isNumber }.count
            let stem = leaf.dropLast(digits), number = leaf.suffix(digits)
            if let e = Catalogue.entry(MessageKey("reading." + stem)) {
                return e.template(language) + (number.isEmpty ? "" : " " + number) + " (" + tag + ")" + target
            }
        }
        return raw
    }

    /// A value with its unit: bytes as GB/MB, seconds in words, days as "ngày", a percentage
    /// without a space ("71%"), up to two decimals with the language's sign.
    public static func value(_ v: Double, unit: String, _ language: Language) -> String {
        switch unit {
        case "B": return HumanFormat.bytes(v, language)
        case "s": return HumanFormat.duration(Seconds(clampingSeconds: v), language)
        case "d": return number(v, language) + (language == .vi ? " ngày" : (v == 1 ? " day" : " days"))
        case "rpm": return number(v, language) + (language == .vi ? " vòng/phút" : " rpm")
        case "%": return number(v, language) + "%"
        case "": return number(v, language)
        default: return number(v, language) + " " + unit
        }
    }

    /// Up to two decimals, trailing zeros dropped: "12,7", "0,09", "71".
    static func number(_ v: Double, _ language: Language) -> String {
        var s = HumanFormat.number(v, digits: 2, language)
        let point: Character = language == .vi ? "," : "."
        if s.contains(point) {
            while s.hasSuffix("0") { s.removeLast() }
            if s.last == point { s.removeLast() }
        }
        return s
    }
}

extension HumanFormat {
    /// A size for people, decimal units: vi "64,1 GB", "512 MB", "3 byte"; en "64.1 GB", "3 bytes".
    public static func bytes(_ v: Double, _ language: Language) -> String {
        guard v.isFinite else { return "—" }
        let units = ["KB", "MB", "GB", "TB", "PB"]
        var x = abs(v), i = -1
        while x >= 1000 && i < units.count - 1 { x /= 1000; i += 1 }
        if i < 0 { return number(v, digits: 0, language) + (language == .vi ? " byte" : (abs(v) == 1 ? " byte" : " bytes")) }
        var s = number(v < 0 ? -x : x, digits: 1, language)
        if s.hasSuffix(language == .vi ? ",0" : ".0") { s.removeLast(2) }
        return s + " " + units[i]
    }
}
