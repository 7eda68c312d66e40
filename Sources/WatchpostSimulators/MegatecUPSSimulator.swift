// A simulated Megatec Q1 UPS (a 1 kVA line-interactive unit on 220 V / 50 Hz mains, 12 V battery)
// answering on a pseudo-terminal, as the cabinet UPS answers on /dev/ttyS0. It loses mains after
// a set time (the demo: a minute in), drains its battery while on battery (LB under 11.0 V), and
// takes fault-injection commands from a control file. Replies are MegatecQ1Status.reply: the
// same 47 bytes a real unit sends (checked against the protocol's example in the tests).
import WatchpostCore
import WatchpostPower
import Posix
import Synchronization

public struct SimulatedQ1UPS: Sendable, Hashable {
    public var mainsOn = true
    public var batteryVoltage = 13.6
    public var load = 23.0
    public var temperature = 31.0
    /// Volts per second while discharging / charging (12.8 V → 11.0 V in about 4½ minutes).
    public var dischargeRate = 0.0065
    public var chargeRate = 0.01

    public init() {}

    public static let lowBatteryVoltage = 11.0
    public static let fullVoltage = 13.6

    /// Advances the battery by `seconds`.
    public mutating func advance(seconds: Double) {
        if mainsOn {
            batteryVoltage = min(Self.fullVoltage, batteryVoltage + chargeRate * seconds)
        } else {
            // The float voltage collapses to the open-circuit voltage at once when mains goes.
            batteryVoltage = max(10.2, min(batteryVoltage, 12.8) - dischargeRate * seconds)
        }
    }

    public var status: MegatecQ1Status {
        let low = !mainsOn && batteryVoltage <= Self.lowBatteryVoltage
        return MegatecQ1Status(inputVoltage: mainsOn ? 221.0 : 0, inputFaultVoltage: mainsOn ? 221.0 : 0,
                               outputVoltage: mainsOn ? 221.0 : 220.0, loadPercent: load, inputFrequency: mainsOn ? 50.0 : 0,
                               batteryVoltage: (batteryVoltage * 10).rounded() / 10, temperature: temperature,
                               bits: [!mainsOn, low, false, false, true, false, false, false])
    }

    /// The reply to one command (without its `\r`), as the unit sends it (with its `\r`).
    public func reply(to command: String) -> String {
        switch command {
        case "Q1": return status.reply
        case "I": return "#" + pad("Watchpost Sim", 15) + " " + pad("SIM-Q1-1K", 10) + " " + pad("V1.0", 10) + "\r"
        case "F": return "#220.0 004 12.00 50.0\r"
        default: return command + "\r" // Megatec units echo what they do not know.
        }
    }

    func pad(_ s: String, _ n: Int) -> String { String(s.prefix(n)) + String(repeating: " ", count: max(0, n - s.count)) }

    /// Fault injection: `mains-off`, `mains-on`, `battery-low`, `overload`, `normal-load`.
    public mutating func apply(control: String) -> Bool {
        switch control {
        case "mains-off": mainsOn = false
        case "mains-on": mainsOn = true
        case "battery-low": mainsOn = false; batteryVoltage = Self.lowBatteryVoltage - 0.2
        case "overload": load = 105
        case "normal-load": load = 23
        default: return false
        }
        return true
    }
}

/// Runs the simulator until the process ends: a pseudo-terminal (symlinked at `link`), mains lost
/// after `mainsLossAfter` and back after `mainsBackAfter` (nil: never), commands from `control`.
public func runMegatecUPSSimulator(link: String, mainsLossAfter: Seconds?, mainsBackAfter: Seconds?, control: String?,
                                   log: @escaping @Sendable (String) -> Void) async throws {
    try await runOnOwnThread {
        let pty = try PseudoTerminal()
        try FileSystem.symlink(pty.slavePath, at: link)
        log("Megatec Q1 UPS on \(pty.slavePath) (\(link))")
        var ups = SimulatedQ1UPS()
        let start = monotonicNanoseconds()
        var last = start
        var lossDone = false, backDone = false
        var pending: [UInt8] = []
        while true {
            let now = monotonicNanoseconds()
            let elapsed = Int64((now - start) / 1_000_000)
            ups.advance(seconds: Double(now - last) / 1e9)
            last = now
            if let loss = mainsLossAfter, !lossDone, elapsed >= loss.milliseconds {
                lossDone = true; ups.mainsOn = false; log("mains lost (ups.status OB)")
            }
            if let back = mainsBackAfter, !backDone, elapsed >= back.milliseconds {
                backDone = true; ups.mainsOn = true; log("mains back (ups.status OL)")
            }
            if let control, FileSystem.exists(control), let text = try? FileSystem.readText(control) {
                FileSystem.remove(control)
                let command = text.trimmingWhitespace()
                log(ups.apply(control: command) ? "control: \(command)" : "control: unknown command '\(command)' (mains-off, mains-on, battery-low, overload, normal-load)")
            }
            guard let bytes = try? pty.master.readSome(deadline: .after(milliseconds: 200)) else { continue }
            pending += bytes
            while let cr = pending.firstIndex(of: 0x0D) {
                let command = String(decoding: pending[..<cr], as: UTF8.self).trimmingWhitespace()
                pending.removeSubrange(...cr)
                try? pty.master.writeAll(Array(ups.reply(to: command).utf8), deadline: .after(milliseconds: 1000))
            }
            if pending.count > 256 { pending.removeAll() }
        }
    }
}
