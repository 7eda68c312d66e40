// watchpost-hash-bench: the content probe's media scanner alone, for bench/content/run.sh — walks
// and hashes a folder exactly as the `content` check does (1 MiB blocks, one buffer, a thread of
// its own) and prints files, bytes and seconds. Not part of the product.
import WatchpostCore
import WatchpostContent
import Posix
import WatchpostHost

let args = Array(CommandLine.arguments.dropFirst())
guard args.count == 1 else {
    StandardErrorSink().write(line: "usage: watchpost-hash-bench DIR")
    CurrentProcess.exit(64)
}
let dir = args[0]
let start = monotonicNanoseconds()
let outcome = try await runBlocking {
    MediaScanner.scan(root: dir, cache: [:], rehashBefore: nil, now: Instant(seconds: 0), options: ScanOptions(), control: ScanControl())
}
let seconds = Double(monotonicNanoseconds() - start) / 1e9
if let why = outcome.folderError { StandardErrorSink().write(line: why); CurrentProcess.exit(1) }
for e in outcome.entries { if case .file(let p, _, let sha?) = e { print("\(sha)  \(p)") } }
StandardErrorSink().write(line: "files \(outcome.filesHashed) bytes \(outcome.bytesHashed) seconds \(seconds)")
