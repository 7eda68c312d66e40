// `watchpost-sim novastar …`: a NovaStar sending card with N receiving cards on TCP, on a
// pseudo-terminal and to UDP discovery, with a control socket for fault injection; and
// `watchpost-sim novastar-ctl` to send it commands.
import WatchpostCore
import WatchpostSimulators
import Posix
import WatchpostHost

let novastarHelp = """
Usage: watchpost-sim novastar [--listen HOST:PORT] [--pty-link PATH] [--control PATH]
                              [--discovery HOST:PORT] [--cards N,N…] [--monitoring-cards]
                              [--model 0xID] [--max-packet N] [--write-ack-data] [--no-redundancy]
                              [--fault "COMMAND"]…
       watchpost-sim novastar-ctl --control PATH COMMAND…

Defaults: --listen 127.0.0.1:5200, --cards 4 (one output port with four receiving cards).
--pty-link serves the serial path on a pseudo-terminal and links PATH to it (like /dev/ttyUSB0).
Fault-injection commands (--fault at start, or lines on the control socket):
\(NovaStarDevice.commandHelp)
"""

func runNovaStar(_ args: [String]) async -> Int32 {
    var listen: String? = "127.0.0.1:5200"
    var ptyLink: String?
    var control: String?
    var discovery: String?
    var cards = [4]
    var monitoringCards = false
    var faults: [String] = []
    var state = NovaStarDevice.State()
    var i = 0
    func value() -> String? { i + 1 < args.count ? args[i + 1] : nil }
    while i < args.count {
        let a = args[i]
        switch a {
        case "--listen": listen = value(); i += 1
        case "--no-tcp": listen = nil
        case "--pty-link": ptyLink = value(); i += 1
        case "--control": control = value(); i += 1
        case "--discovery": discovery = value(); i += 1
        case "--cards":
            cards = (value() ?? "").split(separator: ",").compactMap { Int($0.trimmingWhitespace()) }
            i += 1
        case "--monitoring-cards": monitoringCards = true
        case "--model":
            let v = (value() ?? "").lowercased()
            guard let m = v.hasPrefix("0x") ? UInt16(v.dropFirst(2), radix: 16) : UInt16(v) else { print("--model: not a model id"); return 64 }
            state.model = m
            i += 1
        case "--max-packet": state.maxPacket = UInt16(value() ?? "") ?? 512; i += 1
        case "--write-ack-data": state.writeAckWithData = true
        case "--no-redundancy": state.redundancy = nil
        case "--fault": if let f = value() { faults.append(f) }; i += 1
        case "-h", "--help": print(novastarHelp); return 0
        default: print("unknown option \(a)\n\n\(novastarHelp)"); return 64
        }
        i += 1
    }
    guard !cards.isEmpty, cards.allSatisfy({ $0 >= 0 && $0 <= 512 }) else { print("--cards: a list such as 4,4"); return 64 }
    let template = NovaStarDevice(cardsPerPort: cards, monitoringCards: monitoringCards).snapshot()
    state.ports = template.ports
    let device = NovaStarDevice(state)
    for f in faults {
        do { _ = try device.apply(f) } catch { print("--fault \(f): \(error)"); return 64 }
    }
    let server = NovaStarServer(device: device)
    Signals.ignoreBrokenPipe()
    do {
        if let l = listen {
            let (h, p) = splitHostPortSim(l, defaultPort: 5200)
            let bound = try await server.startTCP(host: h, port: p)
            say("novastar: TCP \(h):\(bound), \(cards.map(String.init).joined(separator: ",")) receiving cards\(monitoringCards ? " with monitoring cards" : "")")
        }
        if let link = ptyLink {
            let path = try await server.startPTY(link: link)
            say("novastar: serial on \(path) (linked at \(link))")
        }
        if let d = discovery {
            let (h, p) = splitHostPortSim(d, defaultPort: 3800)
            try await server.startDiscovery(host: h, port: p)
            say("novastar: discovery on udp \(h):\(p)")
        }
        if let c = control {
            try await server.startControl(path: c)
            say("novastar: control socket \(c)")
        }
    } catch {
        say("novastar: \(error)")
        return 1
    }
    for await _ in Signals.stream([Signals.terminate, Signals.interrupt]) { break }
    server.stop()
    if let c = control { UnixSocket.remove(path: c) }
    if let link = ptyLink { FileSystem.remove(link) }
    return 0
}

func runNovaStarControl(_ args: [String]) async -> Int32 {
    guard args.count >= 3, args[0] == "--control" else { print(novastarHelp); return 64 }
    do {
        let answer = try NovaStarServer.control(path: args[1], command: args[2...].joined(separator: " "))
        print(answer)
        return answer.hasPrefix("ok") ? 0 : 1
    } catch {
        print("novastar-ctl: \(error)")
        return 1
    }
}

func splitHostPortSim(_ s: String, defaultPort: Int) -> (String, Int) {
    if let c = s.lastIndex(of: ":"), let p = Int(s[s.index(after: c)...]) { return (String(s[..<c]), p) }
    return (s, defaultPort)
}

/// Status lines go to standard error, unbuffered, so that a script sees them at once.
func say(_ s: String) { StandardErrorSink().write(line: s) }
