/// The error every Watchpost module throws: a code to branch on, a message that says what went
/// wrong, and a hint that says what the person reading it should do.
public struct WatchpostError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let configuration = Code("configuration")
        public static let secrets = Code("secrets")
        public static let storage = Code("storage")
        public static let schemaTooNew = Code("schema-too-new")
        public static let io = Code("io")
        public static let network = Code("network")
        public static let timeout = Code("timeout")
        public static let protocolViolation = Code("protocol")
        public static let device = Code("device")
        public static let crypto = Code("crypto")
        public static let mail = Code("mail")
        public static let notFound = Code("not-found")
        public static let permission = Code("permission")
        public static let usage = Code("usage")
    }

    public var code: Code
    public var message: String
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// The catalogue text this error was made from, when it was (tests assert its key).
    public var text: Message?

    /// An error a person reads, from the catalogue: `message` and `hint` are the Vietnamese text
    /// followed by its English translation.
    public init(_ code: Code, _ text: Message, hint: Message? = nil) {
        self.code = code
        self.message = Catalogue.bilingual(text)
        self.hint = hint.map { Catalogue.bilingual($0) }
        self.text = text
    }

    public var description: String { hint.map { "\(message) (\($0))" } ?? message }
}
