// Incident-engine benchmark: 1,000 checks at the Tây Trang site (shipped chain and contacts),
// 1,000,000 results through the engine in memory, then the same stream with every engine step
// committed to SQLite (WAL, synchronous=FULL): one transaction per step, and one per round of
// 1,000 results (batching keeps the promise: a step's notifications are queued in the same
// transaction as its incidents, and nothing is sent before the commit).
//   watchpost-bench-engine ROOT DBDIR [results]
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import Posix

let args = CommandLine.arguments
guard args.count >= 3 else { print("usage: watchpost-bench-engine CONFIG_ROOT DB_DIR [RESULTS]"); CurrentProcess.exit(64) }
let root = args[1], dbDir = args[2]
let total = args.count > 3 ? Int(args[3]) ?? 1_000_000 : 1_000_000
let checkCount = 1000
let rounds = total / checkCount

let config: WatchpostConfiguration
do { config = try ConfigurationLoader.load(root: root) } catch { print("configuration: \(error)"); CurrentProcess.exit(2) }
var base = EngineSettings(configuration: config)
guard var site = base.sites.first(where: { $0.id == "tay-trang" }) else { print("no tay-trang site"); CurrentProcess.exit(2) }
site.checks = (0..<checkCount).map { c in
    CheckSpec(key: CheckKey(site: "tay-trang", check: "c\(c)"), name: "check \(c)", kind: c % 20 == 0 ? "content" : "exec",
              category: c % 20 == 0 ? .security : .technical, failAfter: 3, recoverAfter: 2, followsSchedule: c % 10 == 1,
              dependsOn: c % 50 == 2 ? ["c0"] : [])
}
base = EngineSettings(sites: [site])

let t0 = Instant.parse("2026-11-24T08:00", defaultOffset: 7 * 3600)!
let findingsDark = [Finding(.critical, code: "screen-dark", Message("finding.led.screen-dark", ["total": 8]))]
/// Each check fails for 10 results out of every 200 (an episode every 100 minutes at 30 s).
@inline(__always) func result(_ r: Int, _ c: Int) -> CheckResult {
    let failing = (r + c * 7) % 200 < 10
    let at = t0 + Seconds(milliseconds: Int64(r) * 30_000)
    if !failing { return CheckResult(status: .ok, summary: "OK", startedAt: at) }
    if c % 10 == 1 { return CheckResult(status: .critical, summary: "screen dark", findings: findingsDark, startedAt: at) }
    return CheckResult(status: .critical, summary: "CRITICAL", startedAt: at)
}

func monotonic() -> Double { Double(monotonicNanoseconds()) / 1e9 }

// MARK: in memory
var engine = IncidentEngine(settings: base)
var transitions = 0, notifications = 0, opened = Set<Int64>()
let m0 = monotonic()
for r in 0..<rounds {
    for c in 0..<checkCount {
        let res = result(r, c)
        if let o = engine.observe(res, check: c) {
            let out = engine.apply(o, result: res, check: c)
            transitions += out.stateChanges.count
            notifications += out.notifications.count
            for i in out.incidents { opened.insert(i.id) }
        }
    }
    let out = engine.tick(now: t0 + Seconds(milliseconds: Int64(r) * 30_000))
    notifications += out.notifications.count
}
let m1 = monotonic()
let memRate = Double(rounds * checkCount) / (m1 - m0)
print("memory  results=\(rounds * checkCount) seconds=\(fmt(m1 - m0)) results_per_s=\(Int(memRate)) hard_transitions=\(transitions) incidents=\(opened.count) notifications=\(notifications)")

// MARK: persisted
if args.count > 4 && args[4] == "memory" { CurrentProcess.exit(0) }
@MainActor func persisted(batch: Bool, limitRounds: Int) async throws -> (Double, Int, Int, Int) {
    let path = "\(dbDir)/engine-\(batch ? "batch" : "step").db"
    let clock = ManualClock(now: t0)
    let store = try Store(path: path, clock: clock)
    var e = IncidentEngine(settings: base)
    var commits = 0, steps = 0, queued = 0
    let p0 = monotonic()
    do {
            var rev: Int64? = try await store.engineRevision()
            for r in 0..<limitRounds {
                var pending = EngineOutput()
                for c in 0..<checkCount {
                    let res = result(r, c)
                    guard let o = e.observe(res, check: c) else { continue }
                    let out = e.apply(o, result: res, check: c)
                    if out.isEmpty { continue }
                    steps += 1
                    queued += out.notifications.count
                    if batch { pending.append(out) } else { rev = try await store.commitEngineStep(out, expectedRevision: rev); commits += 1 }
                }
                let tick = e.tick(now: t0 + Seconds(milliseconds: Int64(r) * 30_000))
                if !tick.isEmpty { steps += 1; queued += tick.notifications.count; if batch { pending.append(tick) } else { rev = try await store.commitEngineStep(tick, expectedRevision: rev); commits += 1 } }
                if batch && !pending.isEmpty { rev = try await store.commitEngineStep(pending, expectedRevision: rev); commits += 1 }
            }
            let problems = try await store.verify()
            if !problems.isEmpty { print("database problems: \(problems)") }
    } catch { print("persisted run failed: \(error)") }
    return (monotonic() - p0, commits, steps, queued)
}

do {
    // One transaction per step: enough rounds for ~2,000 committed steps.
    let stepRounds = min(rounds, 200)
    let (s1, c1, st1, q1) = try await persisted(batch: false, limitRounds: stepRounds)
    print("step    rounds=\(stepRounds) results=\(stepRounds * checkCount) seconds=\(fmt(s1)) commits=\(c1) steps=\(st1) notifications=\(q1) steps_per_s=\(Int(Double(st1) / s1)) results_per_s=\(Int(Double(stepRounds * checkCount) / s1))")
    let (s2, c2, st2, q2) = try await persisted(batch: true, limitRounds: rounds)
    print("batch   rounds=\(rounds) results=\(rounds * checkCount) seconds=\(fmt(s2)) commits=\(c2) steps=\(st2) notifications=\(q2) steps_per_s=\(Int(Double(st2) / s2)) results_per_s=\(Int(Double(rounds * checkCount) / s2))")
} catch { print("store: \(error)"); CurrentProcess.exit(1) }

func fmt(_ x: Double) -> String { String(Double(Int((x * 1000).rounded())) / 1000) }
