// The `/metrics` families a Prometheus server needs to compute availability against operating
// hours itself (contrib/prometheus/ has the recording and alert rules): whether each site is
// scheduled to operate now, whether it is available now (1, 0, or NaN for no data), the same per
// check, open incidents by site, category and level, and seconds on battery. Definitions follow
// the reports (README "Uptime reports"): a site is down when a check of its availability
// definition is down; it has no data when one has no fresh result or is UNKNOWN.
import WatchpostCore
import WatchpostConfig
import WatchpostStore

extension WebApp {
    /// 1 up, 0 down, NaN no data, for a check's stored state at `now`. A result older than three
    /// intervals plus the timeout is stale: the probe is not reporting, so nothing is known.
    static func availabilityValue(_ s: StoredCheckState?, check: CheckDefinition, mapping: StatusMapping, now: Instant) -> Double {
        guard let s else { return .nan }
        let stale = check.interval.milliseconds * 3 + check.timeout.milliseconds
        if now.milliseconds - s.last.milliseconds > stale { return .nan }
        switch mapping.state(s.status) {
        case .up: return 1
        case .down: return 0
        case .unknown, .noData: return .nan
        }
    }

    func availabilityMetrics(_ m: inout MetricsWriter, states: [StoredCheckState], incidents: [IncidentView]?) {
        let now = clock.now()
        var byKey: [String: StoredCheckState] = [:]
        for s in states { byKey[s.site + "/" + s.checkID] = s }
        let sites = configuration.sites.sorted { $0.id < $1.id }
        for site in sites {
            m.sample("watchpost_site_scheduled", "1 while the site's operating schedule says it should be running", labels: [("site", site.id)],
                     site.schedule.isOn(at: now) ? 1 : 0)
        }
        for site in sites {
            let settings = AvailabilitySettings(site: site)
            let defining = (try? settings.siteChecks(of: site)) ?? site.checks.filter(\.enabled)
            let values = defining.map { WebApp.availabilityValue(byKey[site.id + "/" + $0.id], check: $0, mapping: settings.mapping, now: now) }
            // As the reports combine checks: down if any is down; else no data if any has none.
            let v: Double = values.contains(0) ? 0 : (values.contains { $0.isNaN } || values.isEmpty ? .nan : 1)
            m.sample("watchpost_site_available", "1 available, 0 down, NaN no data (a check of the site's availability definition has no fresh result)",
                     labels: [("site", site.id)], v)
        }
        for site in sites {
            let settings = AvailabilitySettings(site: site)
            for c in site.checks where c.enabled {
                m.sample("watchpost_check_available", "1 up, 0 down, NaN no data or unknown (WARNING counts as the site's [availability] warning says)",
                         labels: [("site", site.id), ("check", c.id)], WebApp.availabilityValue(byKey[site.id + "/" + c.id], check: c, mapping: settings.mapping, now: now))
            }
        }
        if let incidents {
            var counts: [String: (site: String, category: String, level: Int, n: Int)] = [:]
            for i in incidents where i.isOpen {
                let k = "\(i.site)|\(i.category.rawValue)|\(i.level)"
                counts[k, default: (i.site, i.category.rawValue, i.level, 0)].n += 1
            }
            for c in counts.values.sorted(by: { ($0.site, $0.category, $0.level) < ($1.site, $1.category, $1.level) }) {
                m.sample("watchpost_incidents_open_by_level", "Open incidents by site, category and escalation level reached (0: technicians only)",
                         labels: [("site", c.site), ("category", c.category), ("level", String(c.level))], Double(c.n))
            }
        }
        for s in states {
            for x in s.result?.measurements ?? [] where x.name == "on_battery" {
                m.sample("watchpost_on_battery_seconds", "Seconds the UPS has been on battery (0 on mains)", labels: [("site", s.site), ("check", s.checkID)], x.value)
            }
        }
    }
}
