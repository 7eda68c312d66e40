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
            return CheckResult(status: .unknown, summary: "cannot read free space of \(folder): \(error.reason)", startedAt: start)
        }
        let percent = space.total > 0 ? Double(space.free) * 100 / Double(space.total) : 0
        let reserveGone = FileSystem.exists(database) && !FileSystem.exists(StorageReserve.path(forDatabase: database))
        var findings: [Finding] = []
        let shown = "\(space.free / 1024) KiB (\(Int(percent.rounded())) %)"
        if reserveGone {
            findings.append(Finding(.critical, code: "storage.reserve-used",
                                    "đĩa đã đầy, đã dùng phần dự trữ / the disk filled and the database's reserve was used; free space: \(shown)"))
        }
        if percent < criticalFree {
            findings.append(Finding(.critical, code: "storage.almost-full", "đĩa sắp đầy / disk almost full: \(shown) free at \(folder)"))
        } else if percent < warningFree {
            findings.append(Finding(.warning, code: "storage.low", "đĩa còn ít chỗ / disk space low: \(shown) free at \(folder)"))
        }
        return CheckResult.from(findings: findings, okSummary: "\(shown) free at \(folder)",
                                measurements: [Measurement("free", Double(space.free), unit: "B"), Measurement("free_percent", percent, unit: "%")],
                                startedAt: start, duration: context.clock.now() - start)
    }
}
