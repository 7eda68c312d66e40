// SQLite is the one module that touches libsqlite3. It offers a connection, prepared statements
// with typed binding and reading, transactions, and typed errors carrying SQLite's own message.
// A connection is not thread-safe: the store owns one and uses it from one place at a time.
import CSQLite
import Synchronization

public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let sql: String?
    public var description: String { sql.map { "\(message) (code \(code)) in: \($0)" } ?? "\(message) (code \(code))" }
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    public var isConstraint: Bool { (code & 0xff) == SQLITE_CONSTRAINT }
}

/// A value bound to or read from a statement.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int64? { if case .integer(let v) = self { return v }; if case .real(let d) = self { return Int64(d) }; return nil }
    public var double: Double? { if case .real(let v) = self { return v }; if case .integer(let i) = self { return Double(i) }; return nil }
    public var string: String? { if case .text(let v) = self { return v }; return nil }
    public var bytes: [UInt8]? { if case .blob(let v) = self { return v }; if case .text(let s) = self { return Array(s.utf8) }; return nil }
    public var isNull: Bool { self == .null }
}

public protocol SQLBindable { var sqlValue: SQLValue { get } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int32: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Array: SQLBindable where Element == UInt8 { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable { public var sqlValue: SQLValue { self?.sqlValue ?? .null } }

/// One result row, read by column index or name.
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]
    public subscript(_ i: Int) -> SQLValue { values[i] }
    public subscript(_ name: String) -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { return .null }
        return values[i]
    }
}

public enum SynchronousMode: String, Sendable { case off = "OFF", normal = "NORMAL", full = "FULL" }

/// A flag another thread raises to stop a query in progress (`SQLiteConnection.interrupt(when:)`).
public final class StopSignal: Sendable {
    private let raised = Atomic<Bool>(false)
    public init() {}
    public func raise() { raised.store(true, ordering: .releasing) }
    public var isRaised: Bool { raised.load(ordering: .acquiring) }
}

/// A connection to one database file.
public final class SQLiteConnection {
    private var db: OpaquePointer?
    public let path: String
    private var statementCache: [String: OpaquePointer] = [:]
    /// The busy timeout given at opening, put back after a checkpoint waited for readers.
    private let busyTimeoutMs: Int32
    /// Kept alive for the WAL hook, which holds it unretained.
    private var checkpointHookState: CheckpointHook?
    /// Kept alive for the progress handler, which holds it unretained (`interrupt(when:)`).
    private var stopSignal: StopSignal?

    /// Opens (creating if needed) the database; `busyTimeoutMs` lets readers such as
    /// `watchpost status` wait briefly for the daemon's writer instead of failing.
    public init(path: String, readOnly: Bool = false, busyTimeoutMs: Int32 = 5000) throws(SQLiteError) {
        self.path = path
        self.busyTimeoutMs = busyTimeoutMs
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        if rc != SQLITE_OK {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            db = nil
            throw SQLiteError(code: rc, message: "cannot open database \(path): \(msg)", sql: nil)
        }
        sqlite3_busy_timeout(db, busyTimeoutMs)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for (_, s) in statementCache { sqlite3_finalize(s) }
        sqlite3_close_v2(db)
    }

    private func error(_ rc: Int32, _ sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(db)), sql: sql)
    }

    /// Runs one or more statements without results (schema, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: msg, sql: sql)
        }
    }

    private func prepare(_ sql: String) throws(SQLiteError) -> OpaquePointer {
        if let s = statementCache[sql] {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
            return s
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let s = stmt else { throw error(rc, sql) }
        statementCache[sql] = s
        return s
    }

    private func bind(_ stmt: OpaquePointer, _ args: [any SQLBindable], _ sql: String) throws(SQLiteError) {
        for (i, a) in args.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch a.sqlValue {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .integer(let v): rc = sqlite3_bind_int64(stmt, idx, v)
            case .real(let v): rc = sqlite3_bind_double(stmt, idx, v)
            case .text(let v): rc = sqlite3_bind_text(stmt, idx, v, -1, csqlite_transient())
            case .blob(let v):
                rc = v.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32($0.count), csqlite_transient()) }
            }
            if rc != SQLITE_OK { throw error(rc, sql) }
        }
    }

    private func readRow(_ stmt: OpaquePointer) -> SQLRow {
        let n = sqlite3_column_count(stmt)
        var cols: [String] = []
        var vals: [SQLValue] = []
        cols.reserveCapacity(Int(n))
        vals.reserveCapacity(Int(n))
        for i in 0..<n {
            cols.append(String(cString: sqlite3_column_name(stmt, i)))
            switch sqlite3_column_type(stmt, i) {
            case SQLITE_INTEGER: vals.append(.integer(sqlite3_column_int64(stmt, i)))
            case SQLITE_FLOAT: vals.append(.real(sqlite3_column_double(stmt, i)))
            case SQLITE_TEXT: vals.append(.text(String(cString: sqlite3_column_text(stmt, i))))
            case SQLITE_BLOB:
                let len = Int(sqlite3_column_bytes(stmt, i))
                if let p = sqlite3_column_blob(stmt, i), len > 0 {
                    vals.append(.blob(Array(UnsafeRawBufferPointer(start: p, count: len))))
                } else { vals.append(.blob([])) }
            default: vals.append(.null)
            }
        }
        return SQLRow(columns: cols, values: vals)
    }

    /// Runs a statement with arguments and returns every row.
    @discardableResult
    public func query(_ sql: String, _ args: any SQLBindable...) throws(SQLiteError) -> [SQLRow] {
        try query(sql, arguments: args)
    }

    @discardableResult
    public func query(_ sql: String, arguments args: [any SQLBindable]) throws(SQLiteError) -> [SQLRow] {
        let stmt = try prepare(sql)
        defer { sqlite3_reset(stmt) }
        try bind(stmt, args, sql)
        var rows: [SQLRow] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_ROW { rows.append(readRow(stmt)); continue }
            if rc == SQLITE_DONE { return rows }
            throw error(rc, sql)
        }
    }

    /// Streams rows to `body` without collecting them (for large history scans).
    public func forEachRow(_ sql: String, arguments args: [any SQLBindable] = [], _ body: (SQLRow) throws -> Void) throws {
        let stmt = try prepare(sql)
        defer { sqlite3_reset(stmt) }
        try bind(stmt, args, sql)
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_ROW { try body(readRow(stmt)); continue }
            if rc == SQLITE_DONE { return }
            throw error(rc, sql)
        }
    }

    /// Streams rows of integer columns without building `SQLRow`s (no per-row allocation): for
    /// scans of millions of history rows in reports. NULLs read as 0.
    public func forEachIntegerRow(_ sql: String, arguments args: [any SQLBindable] = [], _ body: (UnsafeBufferPointer<Int64>) throws -> Void) throws {
        let stmt = try prepare(sql)
        defer { sqlite3_reset(stmt) }
        try bind(stmt, args, sql)
        let n = Int(sqlite3_column_count(stmt))
        var values = [Int64](repeating: 0, count: n)
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_ROW {
                for i in 0..<n { values[i] = sqlite3_column_int64(stmt, Int32(i)) }
                try values.withUnsafeBufferPointer { try body($0) }
                continue
            }
            if rc == SQLITE_DONE { return }
            throw error(rc, sql)
        }
    }

    public func run(_ sql: String, _ args: any SQLBindable...) throws(SQLiteError) {
        try query(sql, arguments: args)
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }
    public var changes: Int { Int(sqlite3_changes(db)) }

    /// Runs `body` in one transaction (BEGIN IMMEDIATE, so a second writer waits rather than
    /// failing at commit); rolls back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let v = try body()
            try execute("COMMIT")
            return v
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Checkpoints by `policy` after each commit, in place of `PRAGMA wal_autocheckpoint` (a
    /// later `wal_autocheckpoint` pragma replaces it).
    public func setCheckpointPolicy(_ policy: CheckpointPolicy) {
        let hook = CheckpointHook(policy: policy, busyTimeoutMs: busyTimeoutMs)
        sqlite3_wal_hook(db, { walCommitted($0, $1, $2, $3) }, Unmanaged.passUnretained(hook).toOpaque())
        checkpointHookState = hook
    }

    /// A query stops (SQLITE_INTERRUPT, "interrupted") once the task running it is cancelled:
    /// SQLite asks every 4,096 steps of its virtual machine, on the querying thread, which runs
    /// that task's job. For read-only connections, whose callers may give up (a web request past
    /// its deadline); a write is never cut short this way.
    public func interruptWhenTaskCancelled() {
        sqlite3_progress_handler(db, 4096, { _ in Task.isCancelled ? 1 : 0 }, nil)
        stopSignal = nil
    }

    /// A query stops (SQLITE_INTERRUPT) once `signal` is raised, from any thread: for a
    /// connection used on a thread that runs no task (the blocking pool), where
    /// `Task.isCancelled` is always false. SQLite asks every 4,096 steps, as above; the
    /// connection keeps the signal alive while the handler holds it unretained.
    public func interrupt(when signal: StopSignal) {
        stopSignal = signal
        sqlite3_progress_handler(db, 4096, { context in
            guard let context else { return 0 }
            return Unmanaged<StopSignal>.fromOpaque(context).takeUnretainedValue().isRaised ? 1 : 0
        }, Unmanaged.passUnretained(signal).toOpaque())
    }

    public func setSynchronous(_ mode: SynchronousMode) throws(SQLiteError) { try execute("PRAGMA synchronous=\(mode.rawValue)") }

    /// Switches to WAL and returns the journal mode SQLite reports (expected `wal`).
    @discardableResult
    public func enableWAL() throws(SQLiteError) -> String {
        try query("PRAGMA journal_mode=WAL").first?[0].string ?? ""
    }

    public var userVersion: Int64 {
        get throws(SQLiteError) { try query("PRAGMA user_version").first?[0].int ?? 0 }
    }
    public func setUserVersion(_ v: Int64) throws(SQLiteError) { try execute("PRAGMA user_version=\(v)") }

    /// `PRAGMA integrity_check`: ["ok"] when the file is sound.
    public func integrityCheck() throws(SQLiteError) -> [String] {
        try query("PRAGMA integrity_check").compactMap { $0[0].string }
    }

    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

/// When a connection in WAL mode checkpoints: in place of SQLite's `wal_autocheckpoint` (which
/// copies the WAL into the database only after a commit left it at 1,000 pages or more, and
/// never waits for a reader).
public struct CheckpointPolicy: Sendable, Equatable {
    /// A passive checkpoint after any commit that leaves at least this many frames in the WAL.
    public var afterFrames: Int32
    /// A reader's snapshot can keep a passive checkpoint from copying every frame; the WAL then
    /// cannot start again from its beginning, and every later transaction is appended after it.
    /// Once it holds this many frames, the writer waits for such readers instead
    /// (a RESTART checkpoint, at most `waitForReadersMilliseconds`).
    public var waitAboveFrames: Int32
    public var waitForReadersMilliseconds: Int32

    public init(afterFrames: Int32, waitAboveFrames: Int32, waitForReadersMilliseconds: Int32) {
        self.afterFrames = afterFrames
        self.waitAboveFrames = waitAboveFrames
        self.waitForReadersMilliseconds = waitForReadersMilliseconds
    }
}

/// What the WAL hook reads: the policy and the busy timeout to put back after a wait.
private final class CheckpointHook {
    let policy: CheckpointPolicy
    let busyTimeoutMs: Int32
    init(policy: CheckpointPolicy, busyTimeoutMs: Int32) {
        self.policy = policy
        self.busyTimeoutMs = busyTimeoutMs
    }
}

/// Called by SQLite after each commit in WAL mode, on the committing thread, once the
/// transaction is over (a checkpoint may run here, as SQLite's own autocheckpoint does).
private func walCommitted(_ context: UnsafeMutableRawPointer?, _ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ frames: Int32) -> Int32 {
    guard let context, let db else { return SQLITE_OK }
    let hook = Unmanaged<CheckpointHook>.fromOpaque(context).takeUnretainedValue()
    guard frames >= hook.policy.afterFrames else { return SQLITE_OK }
    var log: Int32 = 0
    var copied: Int32 = 0
    let rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
    // Cut short by a reader (not by an error such as a full disk) on a WAL already past the
    // mark: wait for the reader, so that the next transaction starts the WAL again.
    if rc == SQLITE_OK, copied < log, log >= hook.policy.waitAboveFrames, hook.policy.waitForReadersMilliseconds > 0 {
        sqlite3_busy_timeout(db, hook.policy.waitForReadersMilliseconds)
        _ = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, &log, &copied)
        sqlite3_busy_timeout(db, hook.busyTimeoutMs)
    }
    // The commit has happened whatever the checkpoint did: an error here must not fail it.
    return SQLITE_OK
}
