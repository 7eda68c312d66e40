// What each probe module says of its finding codes before any chain rule: the severities it
// reports a code with and whether it marks it security-relevant (`FindingNature`). `watchpost
// routes` prints, for each `[finding CODE]` rule of a chain, one row per such severity with the
// category and severity the rule gives — the route the engine takes. Where each code is made:
// WatchpostPower UPSPolicy, WatchpostLED NovaStarEvaluator and CardIssues (every per-card kind is
// a WARNING), WatchpostContent ContentProbe and FreshnessJudge.
import WatchpostCore
import WatchpostPower
import WatchpostLED
import WatchpostContent

public enum FindingNatures {
    public static let all: [String: FindingNature] = {
        var out: [String: FindingNature] = [:]
        let w = FindingNature(severities: [.warning]), c = FindingNature(severities: [.critical])
        // Power (UPSPolicy): on battery past the debounce is a WARNING, low battery CRITICAL.
        out[UPSFindingCode.onBattery] = w
        out[UPSFindingCode.lowBattery] = c
        out[UPSFindingCode.lowCharge] = w
        out[UPSFindingCode.lowBatteryOnline] = w
        out[UPSFindingCode.replaceBattery] = w
        out[UPSFindingCode.overload] = w
        out[UPSFindingCode.alarm] = w
        out[UPSFindingCode.commBad] = c
        // The LED wall (NovaStarEvaluator; per-card kinds rolled up as WARNINGs by CardIssues).
        for code in [LEDFindingCode.unreachable, LEDFindingCode.noSignal, LEDFindingCode.cardsMissing, LEDFindingCode.screenDark,
                     LEDFindingCode.screenFrozen, LEDFindingCode.testPattern] { out[code] = c }
        for code in [LEDFindingCode.screenLitOutsideHours, LEDFindingCode.temperature, LEDFindingCode.humidity, LEDFindingCode.voltage,
                     LEDFindingCode.fanStopped, LEDFindingCode.smoke, LEDFindingCode.doorOpen, LEDFindingCode.backupPath,
                     LEDFindingCode.brightness] { out[code] = w }
        out[LEDFindingCode.protocolError] = FindingNature(severities: [.unknown])
        out[LEDFindingCode.unexpectedChange] = FindingNature(severities: [.warning, .critical], securityRelevant: true)
        // Content (ContentProbe): an expired manifest is not a security matter; one not yet valid is.
        out[ContentFindingCode.manifestExpired] = c
        out[ContentFindingCode.manifestNotYetValid] = FindingNature(severities: [.critical], securityRelevant: true)
        // Freshness (FreshnessJudge).
        out[FreshnessFindingCode.expiring] = w
        out[FreshnessFindingCode.monthlyManifestLate] = w
        out[FreshnessFindingCode.monthlyProgrammeMissing] = w
        out[FreshnessFindingCode.noManifest] = FindingNature(severities: [.unknown])
        return out
    }()
}
