// A probe's result for the terminal (both languages, readings for people) or as JSON: what
// `watchpost check`, `watchpost probe …` and `watchpost-probe` print.
import WatchpostCore

/// Prints a probe's result: for people (Vietnamese, then English), or with `json` as JSON.
public func printResult(_ result: CheckResult, json: Bool, zone: ZoneOffset) {
    if json {
        out((try? JSONCoding.string(result, options: [.pretty])) ?? "{}")
        return
    }
    let vi = MessageRenderer(language: .vi, zone: zone), en = MessageRenderer(language: .en, zone: zone)
    out("\(vi(result.status.message)) — \(vi(result.text))")
    out("\(result.status) — \(en(result.text))")
    if !result.detail.isEmpty { out("  \(vi(Message("detail.technical.label"))) / \(en(Message("detail.technical.label"))): \(result.detail)") }
    let when: [String: MessageValue] = ["at": .tableTime(result.startedAt), "took": .duration(result.duration)]
    out("  \(vi.render("cli.probe.when", when)) / \(en.render("cli.probe.when", when))")
    // Readings and facts for people: catalogue names, decimal comma, times in the zone (--json keeps them raw).
    for m in result.measurements { out("  \(Readings.one(m, .vi)) / \(Readings.one(m, .en))") }
    for (k, v) in result.facts.sorted(by: { $0.key < $1.key }) {
        let key = MessageKey("cli.fact." + k)
        let name = Catalogue.contains(key) ? Catalogue.bilingual(Message(key)) : k
        let value = v.count >= 16 && v.contains("T") ? Instant.parse(v).map { HumanFormat.tableTime($0, zone: zone) } ?? v : v
        out("  \(name): \(value)")
    }
    for f in result.findings where f.status.isProblem {
        out("  [\(f.status)] \(f.code): \(vi(f.text)) / \(en(f.text))\(f.securityRelevant ? " (an ninh thông tin / security)" : "")")
        if !f.detail.isEmpty { out("      \(vi(Message("detail.technical.label"))) / \(en(Message("detail.technical.label"))): \(f.detail)") }
    }
}
