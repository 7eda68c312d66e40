// `watchpost-sim ups-q1`: a Megatec Q1 UPS on a pseudo-terminal that loses mains a minute in.
import WatchpostCore
import WatchpostSimulators
import Posix
import WatchpostHost

func runMegatecUPS(_ args: [String]) async -> Int32 {
    var link: String?
    var control: String?
    var loss: Seconds? = .seconds(60)
    var back: Seconds? = .minutes(4)
    var i = 0
    func value() -> String? { i + 1 < args.count ? args[i + 1] : nil }
    while i < args.count {
        switch args[i] {
        case "--link": link = value(); i += 1
        case "--control": control = value(); i += 1
        case "--mains-loss-after": loss = value().flatMap { $0 == "never" ? nil : Seconds(parsing: $0) }; i += 1
        case "--mains-back-after": back = value().flatMap { $0 == "never" ? nil : Seconds(parsing: $0) }; i += 1
        default:
            print("""
            usage: watchpost-sim ups-q1 --link PATH [--control FILE] [--mains-loss-after 60s|never] [--mains-back-after 4m|never]
              A Megatec Q1 UPS on a pseudo-terminal symlinked at PATH (read it with kind ups-q1, transport serial).
              Write mains-off, mains-on, battery-low, overload or normal-load into FILE to inject a fault.
            """)
            return 64
        }
        i += 1
    }
    guard let link else { print("--link PATH is required"); return 64 }
    do {
        try await runMegatecUPSSimulator(link: link, mainsLossAfter: loss, mainsBackAfter: back, control: control) { line in
            StandardErrorSink().write(line: "ups-q1: \(line)")
        }
        return 0
    } catch {
        print("ups-q1: \(error)")
        return 1
    }
}
