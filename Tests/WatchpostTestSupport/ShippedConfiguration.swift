// A throw-away copy of the shipped configuration (watchpost.conf, probes/, alerts/, contrib/ whose
// plugins the probes name), optionally with the Tây Trang LED controller moved to a NovaStar
// simulator on loopback: the configuration, warning, persistence, web escalation and restore
// adoption tests all start from it.
import Posix

/// Copies the shipped configuration into `root` (which exists); with `ledPort`, points
/// `tay-trang/led-controller` at 127.0.0.1:`ledPort`, and throws when the shipped file no longer
/// has the address it replaces.
public func copyShippedConfiguration(into root: String, ledPort: Int? = nil) async throws {
    let r = TestPaths.packageRoot
    let copy = await shell("cp -r '\(r)/watchpost.conf' '\(r)/probes' '\(r)/alerts' '\(r)/contrib' '\(root)/'")
    guard copy.status == 0 else { throw FixtureError("copying the shipped configuration: \(copy.output)") }
    guard let ledPort else { return }
    let checks = "\(root)/probes/tay-trang/checks.conf"
    let text = try FileSystem.readText(checks)
    let shipped = "host = 192.0.2.20\nport = 5200"
    guard text.contains(shipped) else { throw FixtureError("\(checks) no longer has the LED controller at 192.0.2.20:5200") }
    try FileSystem.writeAtomically(checks, text.replacing(shipped, with: "host = 127.0.0.1\nport = \(ledPort)"))
}

/// Copies into `root` (which exists) the shipped alerts/ (contacts, chains, templates), contrib/
/// when `contrib` (the plugins some probes name), and the named files of each site's probes folder:
/// the start of a throw-away configuration that the test completes with its own watchpost.conf and
/// checks.conf.
public func copyShippedSites(_ sites: [String], files: [String] = ["site.conf", "schedule.conf"], contrib: Bool = false,
                             into root: String) async throws {
    let r = TestPaths.packageRoot
    var command = "cp -r '\(r)/alerts' \(contrib ? "'\(r)/contrib' " : "")'\(root)/'"
    for site in sites {
        command += " && mkdir -p '\(root)/probes/\(site)'"
        if !files.isEmpty { command += " && cp " + files.map { "'\(r)/probes/\(site)/\($0)'" }.joined(separator: " ") + " '\(root)/probes/\(site)/'" }
        // The test writes its own checks.conf: the shipped [availability] names checks it does
        // not have, which `watchpost check` refuses (#19). Without `checks` and `power_check` the
        // site counts every enabled check and its first ups-* check, if any.
        if files.contains("site.conf") { command += " && sed -i '/^\\[availability\\]/,/^\\[/{/^checks *=/d;/^power_check *=/d}' '\(root)/probes/\(site)/site.conf'" }
    }
    let copy = await shell(command)
    guard copy.status == 0 else { throw FixtureError("copying the shipped sites \(sites): \(copy.output)") }
}
