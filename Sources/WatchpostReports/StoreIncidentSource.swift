// Reads incident and power facts for reports from the tables of other capabilities (incident
// engine: migration 2; power: migration 6) when this database has them. A database without them
// yields nil, and the report says the figures are not recorded rather than reporting zero.
import WatchpostCore
import WatchpostStore

public struct StoreIncidentSource: IncidentSource {
    public let store: Store
    public init(store: Store) { self.store = store }

    public func incidents(site: String, from: Instant, to: Instant) async throws(WatchpostError) -> [IncidentFacts]? {
        guard try await store.hasTable("incident") else { return nil }
        return try await store.reportIncidents(site: site, from: from, to: to)
    }

    public func onBattery(site: String, check: String, from: Int64, to: Int64, coverage: [TimeSpan]) async throws(WatchpostError) -> StateTimeline? {
        try await store.onBatteryTimeline(site: site, checkID: check, from: from, to: to, coverage: coverage)
    }
}
