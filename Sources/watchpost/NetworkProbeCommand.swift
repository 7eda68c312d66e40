// `watchpost probe net …`: the ad-hoc network probe (WatchpostCommandLine/NetworkProbe.swift), with
// the HTTP(S) probe through libcurl for --url.
import WatchpostCore
import WatchpostNetworkHTTP
import WatchpostCommandLine

@Sendable func netAdHocProbe(_ args: Arguments) async throws -> Int32 {
    try await runNetworkProbe(args) { url, family, resolveTimeout in
        var s = HTTPProbe.Settings(urls: [url])
        s.family = family
        s.resolveTimeout = resolveTimeout
        return HTTPProbe(settings: s)
    }
}
