// The module edges of issue #21 point 5, read from the sources as a reviewer would: every Swift
// target of Package.swift declares exactly the modules of ours its files import (none missing,
// none unused); Posix imports nothing of ours; no macOS platform is declared.
import Testing
import Posix
import WatchpostTestSupport

@Suite("module edges")
struct ModuleEdgesTests {
    struct Target {
        var name: String
        var kind: String
        var dependencies: Set<String>
        var path: String
    }

    /// The text between `open` and the next `close` after it in `text`, if any.
    static func between(_ text: Substring, _ open: String, _ close: Character) -> Substring? {
        guard let r = text.firstRange(of: open) else { return nil }
        let rest = text[r.upperBound...]
        guard let end = rest.firstIndex(of: close) else { return nil }
        return rest[rest.startIndex..<end]
    }

    /// The targets of Package.swift: name, kind, declared dependencies and source folder.
    static func targets() throws -> [Target] {
        let text = Substring(try FileSystem.readText("\(TestPaths.packageRoot)/Package.swift"))
        // Each declaration starts with one of these; a piece runs to the next declaration.
        let kinds = ["target", "executableTarget", "testTarget", "systemLibrary"]
        var starts: [(index: String.Index, kind: String)] = []
        for kind in kinds {
            for r in text.ranges(of: ".\(kind)(name: \"") { starts.append((r.lowerBound, kind)) }
        }
        starts.sort { $0.index < $1.index }
        var out: [Target] = []
        for i in starts.indices {
            let end: String.Index = i + 1 < starts.count ? starts[i + 1].index : text.endIndex
            let piece: Substring = text[starts[i].index..<end]
            guard let name = between(piece, "name: \"", "\"") else { continue }
            var deps = Set<String>()
            if let list = between(piece, "dependencies: [", "]") {
                let parts = list.split(separator: "\"", omittingEmptySubsequences: false)
                for (k, part) in parts.enumerated() where k % 2 == 1 { deps.insert(String(part)) }
            }
            let kind = starts[i].kind
            let folder = kind == "testTarget" ? "Tests/" : "Sources/"
            let path = between(piece, "path: \"", "\"").map(String.init) ?? folder + name
            out.append(Target(name: String(name), kind: kind, dependencies: deps, path: path))
        }
        return out
    }

    /// Swift files under `folder` (recursively), Fixtures excluded.
    static func swiftFiles(_ folder: String) -> [String] {
        var files: [String] = []
        for name in (try? FileSystem.listDirectory(folder)) ?? [] where name != "Fixtures" {
            let path = "\(folder)/\(name)"
            if FileSystem.isDirectory(path) { files += swiftFiles(path) } else if name.hasSuffix(".swift") { files.append(path) }
        }
        return files
    }

    /// The module names a Swift file imports (`import X`, `@testable import X`).
    static func imports(_ file: String) throws -> Set<String> {
        var names = Set<String>()
        for line in try FileSystem.readText(file).split(separator: "\n") {
            var words = line.split(separator: " ").map(String.init)
            while let first = words.first, first.hasPrefix("@") || ["public", "internal", "package"].contains(first) { words.removeFirst() }
            guard words.count >= 2, words[0] == "import" else { continue }
            names.insert(words.count >= 3 && ["struct", "class", "enum", "func"].contains(words[1]) ? String(words[2].split(separator: ".")[0]) : words[1])
        }
        return names
    }

    @Test func everyTargetDeclaresExactlyTheModulesItImports() throws {
        let all = try Self.targets()
        #expect(all.count > 20, "Package.swift was not read: \(all.map(\.name))")
        let ours = Set(all.map(\.name))
        var problems: [String] = []
        for t in all where t.kind != "systemLibrary" {
            let files = Self.swiftFiles("\(TestPaths.packageRoot)/\(t.path)")
            guard !files.isEmpty else { continue }  // a C target (its headers name its dependencies)
            var imported = Set<String>()
            for f in files { imported.formUnion(try Self.imports(f)) }
            imported.formIntersection(ours)
            let missing = imported.subtracting(t.dependencies), unused = t.dependencies.subtracting(imported)
            if !missing.isEmpty { problems.append("\(t.name) imports \(missing.sorted()) without declaring them") }
            if !unused.isEmpty { problems.append("\(t.name) declares \(unused.sorted()) but imports none of them") }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func posixImportsNothingOfOurs() throws {
        let ours = Set(try Self.targets().map(\.name))
        for file in Self.swiftFiles("\(TestPaths.packageRoot)/Sources/Posix") {
            let found = try Self.imports(file).intersection(ours)
            #expect(found.isEmpty, "\(file) imports \(found.sorted())")
        }
    }

    @Test func noMacOSPlatformIsDeclared() throws {
        let text = try FileSystem.readText("\(TestPaths.packageRoot)/Package.swift")
        #expect(!text.contains(".macOS"), "Package.swift declares a macOS platform; the code is Glibc-only")
    }
}
