import WatchpostSimulators
/// A simulator runnable as `watchpost-sim <name>`.
struct SimulatorEntry: Sendable {
    var summary: String
    var run: @Sendable ([String]) async -> Int32
}

/// Every simulator. Add yours here (one line) and implement it in its own file.
func simulators() -> [String: SimulatorEntry] {
    [
        "novastar": SimulatorEntry(summary: "NovaStar LED sending card with receiving cards (TCP, pty, discovery, faults)", run: runNovaStar),
        "ups-q1": SimulatorEntry(summary: "Megatec Q1 UPS on a pty that loses mains a minute in (fault injection through a control file)", run: runMegatecUPS),
        "novastar-ctl": SimulatorEntry(summary: "send a fault-injection command to a running novastar simulator", run: runNovaStarControl),
        "player": SimulatorEntry(summary: "media player HTTP status (GET /api/info.json: the item playing now)",
                                 run: { await PlayerSimulator.main($0) }),
    ]
}
