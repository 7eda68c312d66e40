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
        writeToStandardError(prompt)
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return readLine(strippingNewline: true) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            writeToStandardError("\n")
        }
        return readLine(strippingNewline: true)
    }
}
