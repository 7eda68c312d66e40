// The short fuzz run of `make test` (issue #19): every target on its seeds and 3,000 seeded
// mutations of them. A trap in a parser stops this test process, which fails the run loudly;
// the long libFuzzer run is bench/fuzz/run.sh.
import Testing
import WatchpostFuzzTargets

@Suite("Fuzz targets, short run (#19)", .serialized)
struct FuzzTests {
    @Test(arguments: FuzzTarget.allCases)
    func targetSurvivesMutatedInputs(_ target: FuzzTarget) async {
        var runs = 0
        for s in target.seeds { await target.run(s); runs += 1 }
        for input in FuzzInputs(seeds: target.seeds, count: target == .http ? 1_500 : 3_000, seed: 19) {
            await target.run(input)
            runs += 1
        }
        #expect(runs > 1_000)
    }
}
