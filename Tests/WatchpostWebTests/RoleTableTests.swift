// README "Accounts and roles" and docs/api.md carry the role table generated from the one policy
// (review of issue #14: both contradicted it, and api.md suggested a department token — which may
// acknowledge, resolve and escalate — for Prometheus). A document that differs fails here.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostWeb
import WatchpostStore
import Posix

@Suite("Role table in the documents")
struct RoleTableTests {
    @Test(arguments: ["README.md", "docs/api.md"])
    func documentCarriesThePolicysTable(file: String) throws {
        let text = try FileSystem.readText("\(TestPaths.packageRoot)/\(file)")
        let generated = RoleTable.begin + "\n" + RoleTable.markdown() + "\n" + RoleTable.end
        #expect(text.contains(generated), "\(file) differs from the policy; paste:\n\(generated)")
        // No other role table beside it (the old hand-written one).
        expectEqual(text.components(separatedBy: "| role |").count, 2, "\(file): more than one role table")
    }

    @Test func tableFollowsThePolicy() {
        let table = RoleTable.markdown()
        let row = { (role: String) in table.split(separator: "\n").first { $0.hasPrefix("| `\(role)`") }.map(String.init) ?? "" }
        // The Committee may comment only; the Department alone puts a matter to the Committee.
        #expect(row("committee").contains("| — | — | every incident | — | — | — | — |"), "\(row("committee"))")
        #expect(row("department").contains("| every incident | every incident | every incident | yes |"), "\(row("department"))")
        #expect(row("security").contains("| security incidents | security incidents |"), "\(row("security"))")
        #expect(row("technician").contains("| technical incidents | — |"), "\(row("technician"))")
    }

    // Review of issue #14, defect 4: `user add --help` left out `operator` and said the
    // Department and the Committee only read. It now prints the policy's lines for every role.
    @Test func userAddHelpFollowsThePolicy() async throws {
        let binary = try TestPaths.watchpost()
        let help = await shell("'\(binary)' user add --help")
        expectEqual(help.status, 0, "\(help.output)")
        for line in RoleTable.roleLines(.vi) + RoleTable.roleLines(.en) {
            #expect(help.output.contains(line), "user add --help lacks: \(line)\n\(help.output)")
        }
        for role in UserRole.allCases {
            #expect(help.output.contains("  \(role.rawValue) ("), "user add --help does not describe \(role.rawValue)")
            expectEqual(help.output.split(separator: "\n").first { $0.contains("roles:") }?.contains(role.rawValue), true, "the summary does not list \(role.rawValue)")
        }
        let operatorLine = RoleTable.roleLines(.en).first { $0.hasPrefix("  operator (") } ?? ""
        #expect(operatorLine.contains("acknowledge"), "\(operatorLine)")
        let department = RoleTable.roleLines(.en).first { $0.hasPrefix("  department (") } ?? ""
        #expect(department.contains("put to the Committee") && department.contains("acknowledge every incident"), "\(department)")
        let committee = RoleTable.roleLines(.en).first { $0.hasPrefix("  committee (") } ?? ""
        #expect(!committee.contains("acknowledge") && committee.contains("comment every incident"), "\(committee)")
        #expect(help.output.contains("--org"), "no --org option")
    }

    @Test func apiDocumentDoesNotHandPrometheusAPowerfulToken() throws {
        let api = try FileSystem.readText("\(TestPaths.packageRoot)/docs/api.md")
        #expect(!api.contains("--role department --name \"Prometheus"), "a department token for a scraper could silence a chain")
        #expect(api.contains("watchpost user add prometheus --role committee"))
    }
}
