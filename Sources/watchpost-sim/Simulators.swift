/// A simulator runnable as `watchpost-sim <name>`.
struct SimulatorEntry: Sendable {
    var summary: String
    var run: @Sendable ([String]) async -> Int32
}

/// Every simulator. Add yours here (one line) and implement it in its own file.
func simulators() -> [String: SimulatorEntry] {
    [:]
}
