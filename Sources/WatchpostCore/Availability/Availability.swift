// Availability maths for the Department's uptime reports: pure, clock-free, exact to the second.
// Owns: turning a check's compact history and the monitor's own run records into a state
// timeline; tallying it against the operating schedule (up, down, unknown, no data); outages;
// combining checks into site availability. Incident figures (MTTA, MTTR…) are in Incidents.swift.
//
// Definitions (the README repeats them for the Department):
// - Only scheduled seconds count (`OperatingSchedule.onSpans`).
// - A history row at millisecond m applies from second floor(m/1000) until the next row.
// - No data: the monitor was not running (outside every monitor run's started..last_alive), or it
//   was running but this check had no result yet in that run. Never counted as up or down.
// - OK (and WARNING, unless the profile says otherwise) is up; CRITICAL is down; UNKNOWN (the probe
//   could not tell) is its own bucket. Availability % = up / (up + down).

/// What a check (or a site) was at one second, as reports count it.
public enum ObservedState: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case up = 0, down = 1, unknown = 2, noData = 3
}

/// How check statuses count for availability.
public struct StatusMapping: Sendable, Hashable, Codable {
    public var warningIsDown: Bool
    public init(warningIsDown: Bool = false) { self.warningIsDown = warningIsDown }
    public func state(_ s: CheckStatus) -> ObservedState {
        switch s {
        case .ok: return .up
        case .warning: return warningIsDown ? .down : .up
        case .critical: return .down
        case .unknown: return .unknown
        }
    }
}

/// Seconds in each state, within scheduled time.
public struct AvailabilityTally: Sendable, Hashable, Codable {
    public var up: Int64 = 0
    public var down: Int64 = 0
    public var unknown: Int64 = 0
    public var noData: Int64 = 0
    public init() {}
    public init(up: Int64, down: Int64, unknown: Int64, noData: Int64) {
        self.up = up; self.down = down; self.unknown = unknown; self.noData = noData
    }

    public var scheduled: Int64 { up + down + unknown + noData }
    /// up / (up + down), nil when nothing was observed.
    public var availability: Double? { up + down > 0 ? Double(up) / Double(up + down) : nil }
    /// Share of scheduled time with an observation (up, down or unknown).
    public var coverage: Double? { scheduled > 0 ? Double(up + down + unknown) / Double(scheduled) : nil }

    mutating func add(_ s: ObservedState, _ n: Int64) {
        switch s {
        case .up: up += n
        case .down: down += n
        case .unknown: unknown += n
        case .noData: noData += n
        }
    }

    public static func + (a: AvailabilityTally, b: AvailabilityTally) -> AvailabilityTally {
        AvailabilityTally(up: a.up + b.up, down: a.down + b.down, unknown: a.unknown + b.unknown, noData: a.noData + b.noData)
    }
}

/// Merges monitor runs (started..last alive, milliseconds) into covered spans of whole seconds.
/// A run covers [floor(started), floor(lastAlive)): after its last heartbeat nothing is known.
public func monitorCoverage(runs: [(startedMs: Int64, lastAliveMs: Int64)]) -> [TimeSpan] {
    let spans = runs.map { TimeSpan(start: floorSeconds($0.startedMs), end: floorSeconds($0.lastAliveMs)) }
        .filter { $0.length > 0 }.sorted { $0.start < $1.start }
    var merged: [TimeSpan] = []
    for s in spans {
        if let last = merged.last, s.start <= last.end { merged[merged.count - 1].end = max(last.end, s.end) } else { merged.append(s) }
    }
    return merged
}

@inline(__always) public func floorSeconds(_ ms: Int64) -> Int64 { ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000) }

/// A state that holds from one second until the next change, over [from, to). Consecutive equal
/// states are merged, so the timeline is as long as the number of changes, not of samples.
public struct StateTimeline: Sendable, Hashable {
    public var from: Int64
    public var to: Int64
    /// Change points, ascending, the first at `from`.
    public private(set) var starts: [Int64]
    public private(set) var states: [ObservedState]

    public init(from: Int64, to: Int64, starts: [Int64], states: [ObservedState]) {
        self.from = from; self.to = to; self.starts = starts; self.states = states
    }

    /// Everything `state` over [from, to).
    public static func constant(_ s: ObservedState, from: Int64, to: Int64) -> StateTimeline {
        StateTimeline(from: from, to: to, starts: [from], states: [s])
    }

    public func state(at t: Int64) -> ObservedState {
        var lo = 0, hi = starts.count - 1
        while lo < hi { let mid = (lo + hi + 1) / 2; if starts[mid] <= t { lo = mid } else { hi = mid - 1 } }
        return states[lo]
    }

    /// End of segment i.
    @inline(__always) public func end(_ i: Int) -> Int64 { i + 1 < starts.count ? starts[i + 1] : to }

    mutating func append(_ t: Int64, _ s: ObservedState) {
        // Callers append at strictly increasing seconds.
        if states.last == s { return }
        starts.append(t); states.append(s)
    }
}

/// Builds a check's timeline from its history, streamed in order (`add`), and the monitor's
/// coverage. Memory is proportional to the number of state changes, not of rows.
public struct TimelineBuilder: Sendable {
    let from: Int64, to: Int64
    let coverage: [TimeSpan]
    let mapping: StatusMapping
    var timeline: StateTimeline
    /// State of the last row seen and the second it applied from.
    var current: ObservedState?
    var currentAt: Int64 = .min
    /// The coverage span we have emitted up to, and the time emitted so far.
    var cursor: Int64
    var covIndex = 0

    /// `before`: the last history row before the period (its status and time), if any.
    public init(from: Int64, to: Int64, coverage: [TimeSpan], mapping: StatusMapping = StatusMapping(), before: (atMs: Int64, status: CheckStatus)? = nil) {
        self.from = from; self.to = to
        self.coverage = coverage.filter { $0.end > from && $0.start < to }
        self.mapping = mapping
        timeline = StateTimeline(from: from, to: to, starts: [], states: [])
        cursor = from
        if let b = before { current = mapping.state(b.status); currentAt = floorSeconds(b.atMs) }
    }

    /// Emits states over [cursor, t) from the current row and the coverage.
    mutating func advance(to t: Int64) {
        let t = min(t, to)
        while cursor < t {
            while covIndex < coverage.count && coverage[covIndex].end <= cursor { covIndex += 1 }
            if covIndex == coverage.count || coverage[covIndex].start >= t {
                timeline.append(cursor, .noData); cursor = t; return
            }
            let c = coverage[covIndex]
            if c.start > cursor { timeline.append(cursor, .noData); cursor = c.start }
            let segEnd = min(c.end, t)
            // The row counts only if it was written during this stretch of monitoring.
            let s: ObservedState = (current != nil && currentAt >= c.start) ? current! : .noData
            timeline.append(cursor, s)
            cursor = segEnd
        }
    }

    /// One history row; rows must come in time order (rows before `from` are allowed).
    public mutating func add(atMs: Int64, status: CheckStatus) {
        let t = floorSeconds(atMs)
        if t > cursor { advance(to: t) }
        current = mapping.state(status)
        currentAt = t
    }

    public mutating func finish() -> StateTimeline {
        advance(to: to)
        if timeline.starts.isEmpty { return .constant(.noData, from: from, to: to) }
        return timeline
    }

    /// Convenience for tests and small inputs.
    public static func build(rows: [(atMs: Int64, status: CheckStatus)], before: (atMs: Int64, status: CheckStatus)?, coverage: [TimeSpan],
                             from: Int64, to: Int64, mapping: StatusMapping = StatusMapping()) -> StateTimeline {
        var b = TimelineBuilder(from: from, to: to, coverage: coverage, mapping: mapping, before: before)
        for r in rows where floorSeconds(r.atMs) < to { b.add(atMs: r.atMs, status: r.status) }
        return b.finish()
    }
}

/// Site state from its checks: down if any is down; else no data if any has none; else unknown if
/// any is unknown; else up.
public func combineTimelines(_ parts: [StateTimeline], from: Int64, to: Int64) -> StateTimeline {
    guard !parts.isEmpty else { return .constant(.noData, from: from, to: to) }
    var idx = [Int](repeating: 0, count: parts.count)
    var out = StateTimeline(from: from, to: to, starts: [], states: [])
    var t = from
    while t < to {
        var worst: ObservedState = .up
        var next = to
        for (k, p) in parts.enumerated() {
            while idx[k] + 1 < p.starts.count && p.starts[idx[k] + 1] <= t { idx[k] += 1 }
            let s = p.states[idx[k]]
            worst = combineRank(s) > combineRank(worst) ? s : worst
            if idx[k] + 1 < p.starts.count { next = min(next, p.starts[idx[k] + 1]) }
        }
        out.append(t, worst)
        t = next
    }
    return out
}

@inline(__always) func combineRank(_ s: ObservedState) -> Int {
    switch s { case .up: return 0; case .unknown: return 1; case .noData: return 2; case .down: return 3 }
}

/// One continuous stretch of downtime: wall-clock start and end, and the scheduled seconds in it.
public struct Outage: Sendable, Hashable, Codable {
    public var start: Int64
    public var end: Int64
    public var scheduledSeconds: Int64
    public init(start: Int64, end: Int64, scheduledSeconds: Int64) { self.start = start; self.end = end; self.scheduledSeconds = scheduledSeconds }
}

/// Tallies a timeline against scheduled spans, split into consecutive buckets (e.g. local days).
/// `boundaries` are ascending bucket starts; bucket i is [boundaries[i], boundaries[i+1]) and the
/// last one ends at the timeline's end.
public func tally(_ timeline: StateTimeline, scheduled: [TimeSpan], boundaries: [Int64]) -> [AvailabilityTally] {
    var out = [AvailabilityTally](repeating: AvailabilityTally(), count: max(1, boundaries.count))
    let bounds = boundaries.isEmpty ? [timeline.from] : boundaries
    var seg = 0, bucket = 0
    for span in scheduled {
        var a = max(span.start, timeline.from)
        let b = min(span.end, timeline.to)
        while a < b {
            while seg + 1 < timeline.starts.count && timeline.starts[seg + 1] <= a { seg += 1 }
            while bucket + 1 < bounds.count && bounds[bucket + 1] <= a { bucket += 1 }
            var e = min(b, timeline.end(seg))
            if a < bounds[0] { a = min(e, bounds[0]); continue }
            if bucket + 1 < bounds.count { e = min(e, bounds[bucket + 1]) }
            do { out[bucket].add(timeline.states[seg], e - a) }
            a = e
        }
    }
    return out
}

/// Outages: maximal wall-clock stretches in which the timeline is down, with their scheduled
/// seconds; stretches that fall wholly outside the schedule are left out.
public func outages(_ timeline: StateTimeline, scheduled: [TimeSpan]) -> [Outage] {
    var out: [Outage] = []
    var i = 0
    var spanIdx = 0
    while i < timeline.states.count {
        guard timeline.states[i] == .down else { i += 1; continue }
        let start = timeline.starts[i]
        var j = i
        while j + 1 < timeline.states.count && timeline.states[j + 1] == .down { j += 1 }
        let end = timeline.end(j)
        while spanIdx < scheduled.count && scheduled[spanIdx].end <= start { spanIdx += 1 }
        var k = spanIdx, secs: Int64 = 0
        while k < scheduled.count && scheduled[k].start < end {
            secs += max(0, min(end, scheduled[k].end) - max(start, scheduled[k].start))
            k += 1
        }
        if secs > 0 { out.append(Outage(start: start, end: end, scheduledSeconds: secs)) }
        i = j + 1
    }
    return out
}

/// Seconds of `timeline` in state `s` that also fall inside `windows` and the schedule (for
/// downtime attributed to incidents). `windows` must be sorted and may overlap.
public func seconds(of s: ObservedState, in timeline: StateTimeline, scheduled: [TimeSpan], within windows: [TimeSpan]) -> Int64 {
    let merged = mergeSpans(windows)
    let restricted = intersectSpans(scheduled, merged)
    return tally(timeline, scheduled: restricted, boundaries: []).first.map { t -> Int64 in
        switch s { case .up: return t.up; case .down: return t.down; case .unknown: return t.unknown; case .noData: return t.noData }
    } ?? 0
}

public func mergeSpans(_ spans: [TimeSpan]) -> [TimeSpan] {
    var merged: [TimeSpan] = []
    for s in spans.filter({ $0.length > 0 }).sorted(by: { $0.start < $1.start }) {
        if let last = merged.last, s.start <= last.end { merged[merged.count - 1].end = max(last.end, s.end) } else { merged.append(s) }
    }
    return merged
}

/// Intersection of two sorted, non-overlapping span lists.
public func intersectSpans(_ a: [TimeSpan], _ b: [TimeSpan]) -> [TimeSpan] {
    var out: [TimeSpan] = []
    var i = 0, j = 0
    while i < a.count && j < b.count {
        let s = max(a[i].start, b[j].start), e = min(a[i].end, b[j].end)
        if s < e { out.append(TimeSpan(start: s, end: e)) }
        if a[i].end < b[j].end { i += 1 } else { j += 1 }
    }
    return out
}
