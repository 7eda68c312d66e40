// Reading a secret (a password) from the terminal without echoing it, for `watchpost user add`
// and `watchpost user passwd`. When standard input is not a terminal (a pipe in a script), the
// line is read as it is.
import Glibc

public enum Terminal {
    public static var inputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Prints `prompt` on standard error and reads one line with echo switched off (restored
    /// afterwards, also when reading fails). Returns nil at end of input.
    public static func readSecret(prompt: String) -> String? {
        guard inputIsTerminal else { return readLine(strippingNewline: true) }
        StandardErrorSink().writeRaw(prompt)
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return readLine(strippingNewline: true) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            StandardErrorSink().writeRaw("\n")
        }
        return readLine(strippingNewline: true)
    }
}

extension StandardErrorSink {
    /// Writes text as it is (no newline added).
    public func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
