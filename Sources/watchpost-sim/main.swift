// watchpost-sim: simulated hardware for the demo and the tests. `watchpost-sim <simulator> …`.
// Each simulator registers itself in Simulators.swift.
import Posix

let argv = Array(CommandLine.arguments.dropFirst())
let registry = simulators()
guard let name = argv.first, let sim = registry[name] else {
    print("Usage: watchpost-sim <simulator> [options]\n\nSimulators:")
    for (n, s) in registry.sorted(by: { $0.key < $1.key }) { print("  \(n)  \(s.summary)") }
    CurrentProcess.exit(argv.isEmpty || argv.first == "help" ? 0 : 64)
}
CurrentProcess.exit(await sim.run(Array(argv.dropFirst())))
