// watchpost-fuzz: the fuzz targets of bench/fuzz/Targets as a program.
// Built with libFuzzer (bench/fuzz/run.sh: -sanitize=fuzzer,address -D FUZZING) it is a libFuzzer
// binary whose target is chosen by WATCHPOST_FUZZ_TARGET. Built normally it replays files or
// runs the seeded mutator: `watchpost-fuzz TARGET [--runs N] [--seed S] [FILE…]`.
import WatchpostFuzzTargets
import Synchronization
#if FUZZING
import Dispatch
import Glibc

/// The target of this libFuzzer run, read once.
let selectedTarget: FuzzTarget = {
    let name = getenv("WATCHPOST_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let t = FuzzTarget(rawValue: name) else {
        // write(2): Glibc's `stderr` is a global var, which strict concurrency refuses.
        let text = "set WATCHPOST_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        exit(2)
    }
    return t
}()

/// Before libFuzzer reads its corpus: an empty corpus folder named by WATCHPOST_FUZZ_SEED_DIR
/// (bench/fuzz/run.sh) gets the target's seeds, so the run starts from valid inputs.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let dir = getenv("WATCHPOST_FUZZ_SEED_DIR").map({ String(cString: $0) }), let d = opendir(dir) else { return 0 }
    var empty = true
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if name != "." && name != ".." { empty = false; break }
    }
    closedir(d)
    guard empty else { return 0 }
    for (i, seed) in selectedTarget.seeds.enumerated() {
        guard let f = fopen("\(dir)/seed-\(i)", "wb") else { continue }
        _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }
    return 0
}

/// libFuzzer's driver (libclang_rt.fuzzer). SwiftPM links an executable with `main` pointing at
/// `<module>_main`, so the program's main hands libFuzzer its arguments and the target.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("watchpost_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var values = argv
    return runFuzzerDriver(&count, &values) { data, size in fuzzOneInput(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let done = DispatchSemaphore(value: 0)
    let target = selectedTarget
    Task { await target.run(bytes); done.signal() }
    done.wait()
    return 0
}
#else
import Posix

@main
struct FuzzDriver {
    static func main() async {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let name = args.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: watchpost-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) [--runs N] [--seed S] [FILE…]")
            CurrentProcess.exit(2)
        }
        var runs = 10_000, seed: UInt64 = 1, files: [String] = []
        var i = 1
        while i < args.count {
            switch args[i] {
            case "--runs": i += 1; runs = Int(args[min(i, args.count - 1)]) ?? runs
            case "--seed": i += 1; seed = UInt64(args[min(i, args.count - 1)]) ?? seed
            default: files.append(args[i])
            }
            i += 1
        }
        let start = monotonicNanoseconds()
        var count = 0
        if files.isEmpty {
            for input in FuzzInputs(seeds: target.seeds, count: runs, seed: seed) { await target.run(input); count += 1 }
        } else {
            for f in files {
                guard case .contents(let bytes)? = try? FileSystem.readRegularFile(f, limit: 1 << 20) else { continue }
                await target.run(bytes); count += 1
            }
        }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        print("\(target.rawValue): \(count) inputs, 0 crashes, \(Int(seconds * 1000)) ms")
    }
}
#endif
