// Wires the broadcast log (WatchpostBroadcast) into the daemon: one service per `player` check
// that keeps a log (broadcast_log = true, the default).
import WatchpostCommandLine
import WatchpostCore
import WatchpostStore
import WatchpostDaemon
import WatchpostBroadcast

struct BroadcastLogService: DaemonService {
    let name: String
    let logger: BroadcastLogger

    func run() async throws { try await logger.run() }
}

let broadcastLogServices: ServiceFactory = { ctx throws(WatchpostError) in
    try BroadcastLogSettings.all(ctx.configuration).map { s in
        BroadcastLogService(name: "broadcast-log \(s.site)/\(s.player)",
                            logger: BroadcastLogger(settings: s, store: ctx.store, clock: ctx.clock,
                                                    logger: ctx.logger.with("service", "broadcast-log")))
    }
}
