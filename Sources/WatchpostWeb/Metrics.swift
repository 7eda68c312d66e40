// Prometheus `/metrics` in the text exposition format (version 0.0.4): check states, probe
// durations, measurements, open incidents by category, the notification outbox, and the two
// device figures a Department dashboard wants first — UPS charge and LED controller
// temperature — wherever a stored result carries them.
import WatchpostCore
import WatchpostStore
import HTTPServer

/// Escapes a label value: backslash, double quote and newline.
func labelValue(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.append(c)
        }
    }
    return out
}

/// A metric name from free text: `[a-zA-Z0-9_]`, everything else becomes `_`.
func metricName(_ s: String) -> String {
    String(s.unicodeScalars.map { c -> Character in
        ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")) ? Character(c) : "_"
    })
}

func promNumber(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return String(v)
}

/// One sample about the running process that the daemon hands to /metrics (the web module
/// does not know the pool or the scheduler).
public struct ProcessMetric: Sendable {
    public var name: String
    public var help: String
    public var labels: [(String, String)]
    public var value: Double
    public init(_ name: String, _ help: String, labels: [(String, String)] = [], _ value: Double) {
        self.name = name
        self.help = help
        self.labels = labels
        self.value = value
    }
}

struct MetricsWriter {
    var text = ""
    var declared: Set<String> = []

    mutating func sample(_ name: String, _ help: String, _ type: String = "gauge", labels: [(String, String)] = [], _ value: Double) {
        if !declared.contains(name) {
            declared.insert(name)
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        let l = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(labelValue($0.1))\"" }.joined(separator: ",") + "}"
        text += "\(name)\(l) \(promNumber(value))\n"
    }

    /// A histogram: cumulative counts within each bound, then +Inf (the count), the sum and the count.
    mutating func histogram(_ name: String, _ help: String, bounds: [Double], within: [Int], count: Int, sum: Double) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (bound, n) in zip(bounds, within) { text += "\(name)_bucket{le=\"\(promNumber(bound))\"} \(n)\n" }
        text += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(promNumber(sum))\n\(name)_count \(count)\n"
    }
}

extension WebApp {
    /// Which measurement names count as UPS battery charge and controller temperature.
    static let upsChargeNames: Set<String> = ["battery_charge", "charge", "battery.charge", "battery_charge_percent"]
    static let temperatureNames: Set<String> = ["temperature", "controller_temperature", "temp", "temperature_c"]

    func metrics() async -> HTTPResponse {
        var m = MetricsWriter()
        let states = await checkStates()
        // One family at a time: Prometheus wants each metric's samples together.
        for s in states {
            m.sample("watchpost_check_status", "Check status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
                     labels: [("site", s.site), ("check", s.checkID), ("kind", s.kind)], Double(s.status.rawValue))
        }
        for s in states {
            m.sample("watchpost_check_up", "1 when the check is OK", labels: [("site", s.site), ("check", s.checkID)], s.status == .ok ? 1 : 0)
        }
        for s in states {
            m.sample("watchpost_check_hard", "1 when the state is hard (confirmed)", labels: [("site", s.site), ("check", s.checkID)], s.hard ? 1 : 0)
        }
        for s in states {
            m.sample("watchpost_check_state_since_seconds", "Unix time of the last status change", labels: [("site", s.site), ("check", s.checkID)], s.since.secondsDouble)
        }
        for s in states {
            m.sample("watchpost_check_last_run_seconds", "Unix time of the last result", labels: [("site", s.site), ("check", s.checkID)], s.last.secondsDouble)
        }
        for s in states {
            guard let d = s.result?.duration else { continue }
            m.sample("watchpost_probe_duration_seconds", "Duration of the last probe run", labels: [("site", s.site), ("check", s.checkID), ("kind", s.kind)], d.double)
        }
        for s in states {
            for x in s.result?.measurements ?? [] {
                m.sample("watchpost_measurement", "Last measured value of a check (name and unit as the probe reports them)",
                         labels: [("site", s.site), ("check", s.checkID), ("name", x.name), ("unit", x.unit)], x.value)
            }
        }
        for s in states {
            for x in s.result?.measurements ?? [] where WebApp.upsChargeNames.contains(x.name.lowercased()) {
                m.sample("watchpost_ups_battery_charge_percent", "UPS battery charge", labels: [("site", s.site), ("check", s.checkID)], x.value)
            }
        }
        for s in states {
            for x in s.result?.measurements ?? [] where WebApp.temperatureNames.contains(x.name.lowercased()) {
                m.sample("watchpost_controller_temperature_celsius", "LED controller (or device) temperature", labels: [("site", s.site), ("check", s.checkID)], x.value)
            }
        }
        if let desk, let incidents = try? await desk.incidents(limit: 10_000) {
            for c in IncidentCategory.allCases {
                m.sample("watchpost_incidents_open", "Open incidents by category", labels: [("category", c.rawValue)],
                         Double(incidents.filter { $0.isOpen && $0.category == c }.count))
            }
            for c in IncidentCategory.allCases {
                m.sample("watchpost_incidents_unacknowledged", "Open incidents nobody acknowledged yet, by category", labels: [("category", c.rawValue)],
                         Double(incidents.filter { $0.state == "triggered" && $0.category == c }.count))
            }
        }
        var incidentViews: [IncidentView]?
        if let desk { incidentViews = try? await desk.incidents(limit: 10_000) }
        availabilityMetrics(&m, states: states, incidents: incidentViews)
        if let counts = try? await reader.outboxCounts() {
            for state in ["queued", "sending", "sent", "failed"] {
                m.sample("watchpost_notifications", "Notifications in the outbox by state", labels: [("state", state)], Double(counts[state] ?? 0))
            }
        }
        for p in processMetrics() { m.sample(p.name, p.help, labels: p.labels, p.value) }
        webServerMetrics(&m)
        m.sample("watchpost_scrape_timestamp_seconds", "When this page was made", "gauge", labels: [], clock.now().secondsDouble)
        return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", text: m.text)
    }
}

extension WebApp {
    /// The bound on large reads and the web server's answer times: what shows whether clients
    /// are refused or wait long (#13/#19 s11).
    func webServerMetrics(_ m: inout MetricsWriter) {
        let heavy = heavyReads.usage
        m.sample("watchpost_heavy_reads_slots", "Large reads (broadcast log pages, reports) the daemon runs at once", labels: [], Double(heavyReads.limits.slots))
        m.sample("watchpost_heavy_reads_running", "Large reads running now", labels: [], Double(heavy.running))
        m.sample("watchpost_heavy_reads_waiting", "Large reads waiting for a slot now", labels: [], Double(heavy.waiting))
        m.sample("watchpost_heavy_reads_refused_total", "Large reads refused (503, Retry-After) for want of a slot since the daemon started", "counter",
                 labels: [], Double(heavyReads.refusedTotal))
        guard let times = answerTimes() else { return }
        m.histogram("watchpost_web_answer_seconds", "Time from a request's arrival at the web server to its answer handed over (the request deadline bounds it)",
                    bounds: AnswerTimes.bucketBounds, within: times.withinBounds, count: times.count, sum: times.sumSeconds)
        m.sample("watchpost_web_answer_slowest_seconds", "The longest time from a request's arrival to its answer handed over since the web server started",
                 labels: [], Double(times.slowestMilliseconds) / 1000)
    }
}
