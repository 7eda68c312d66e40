// The `storage` check: free space on the filesystem that holds the database, and whether the
// database's disk reserve (StorageReserve) is still there. A disk that fills is reported while
// there is still room to record the incident and queue its mail (issue #19).
import WatchpostCore
import WatchpostConfig
import Posix

public struct StorageProbe: Probe {
    public let database: String
    public let warningFree: Double
    public let criticalFree: Double

    public init(check: CheckDefinition, database: String) {
        self.database = database
        warningFree = check.parameters.double("warning_free", default: 20)
        criticalFree = check.parameters.double("critical_free", default: 10)
    }

    public init(database: String, warningFree: Double, criticalFree: Double) {
        self.database = database
        self.warningFree = warningFree
        self.criticalFree = criticalFree
    }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        let folder = database.lastIndex(of: "/").map { String(database[..<$0]) }.flatMap { $0.isEmpty ? "/" : $0 } ?? "."
        let space: (free: Int64, total: Int64)
        do { space = try FileSystem.space(at: folder) } catch {
            return CheckResult(status: .unknown, text: Message("probe.storage.unreadable", ["folder": .text(folder)]), detail: error.reason, startedAt: start)
        }
        let percent = space.total > 0 ? Double(space.free) * 100 / Double(space.total) : 0
        let reserveGone = FileSystem.exists(database) && !FileSystem.exists(StorageReserve.path(forDatabase: database))
        var findings: [Finding] = []
        let free: [String: MessageValue] = ["free": .bilingual(vi: HumanFormat.bytes(Double(space.free), .vi), en: HumanFormat.bytes(Double(space.free), .en)), "percent": .number(percent, digits: 0), "folder": .text(folder)]
        if reserveGone {
            findings.append(Finding(.critical, code: StorageFindingCode.reserveUsed, Message("finding.storage.reserve-used", free)))
        }
        if percent < criticalFree {
            findings.append(Finding(.critical, code: StorageFindingCode.almostFull, Message("finding.storage.almost-full", free)))
        } else if percent < warningFree {
            findings.append(Finding(.warning, code: StorageFindingCode.low, Message("finding.storage.low", free)))
        }
        return CheckResult.from(findings: findings, ok: Message("probe.storage.ok", free),
                                measurements: [Measurement("free", Double(space.free), unit: "B"), Measurement("free_percent", percent, unit: "%")],
                                startedAt: start, duration: context.clock.now() - start)
    }
}

/// The storage check's finding codes; each has `finding.<code>` in the catalogue.
public enum StorageFindingCode {
    public static let reserveUsed = "storage.reserve-used"
    public static let almostFull = "storage.almost-full"
    public static let low = "storage.low"
    public static let all = [reserveUsed, almostFull, low]
}
