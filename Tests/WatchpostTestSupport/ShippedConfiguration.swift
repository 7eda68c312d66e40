// A throw-away copy of the shipped configuration (watchpost.conf, probes/, alerts/) whose Tây Trang
// LED controller is a NovaStar simulator on loopback: the web escalation tests and the restore
// adoption test drive the real restoring action against it.
import Posix

/// Copies the shipped configuration into `root` and points `tay-trang/led-controller` at
/// 127.0.0.1:`ledPort`. Throws when the shipped file no longer has the address it replaces.
public func copyShippedConfiguration(into root: String, ledPort: Int) throws {
    let copy = shell("cp -r '\(TestPaths.packageRoot)/watchpost.conf' '\(TestPaths.packageRoot)/probes' '\(TestPaths.packageRoot)/alerts' '\(root)/'")
    guard copy.status == 0 else { throw FixtureError("copying the shipped configuration: \(copy.output)") }
    let checks = "\(root)/probes/tay-trang/checks.conf"
    let text = try FileSystem.readText(checks)
    let shipped = "host = 192.0.2.20\nport = 5200"
    guard text.contains(shipped) else { throw FixtureError("\(checks) no longer has the LED controller at 192.0.2.20:5200") }
    try FileSystem.writeAtomically(checks, text.replacing(shipped, with: "host = 127.0.0.1\nport = \(ledPort)"))
}
