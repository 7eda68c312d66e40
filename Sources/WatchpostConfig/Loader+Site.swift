import WatchpostCore
import Posix

extension ConfigurationLoader {
    static let siteSchema = SectionSchema(type: "site", keys: [
        KeySpec("id", .custom("id") { isIdentifier($0) ? nil : Message("config.value.not_id", ["value": .text($0)]) }, required: true),
        KeySpec("name", .nonEmpty, required: true),
        KeySpec("name_en", .nonEmpty),
        KeySpec("short_name", .nonEmpty, help: "the place alone, for email subjects: [Tây Trang] Sự cố #12 …"),
        KeySpec("province", .nonEmpty),
        KeySpec("timezone", .zone),
        KeySpec("operator", .nonEmpty, required: true, help: "organisation id in alerts/contacts.conf"),
        KeySpec("technicians", .identifierList, help: "organisation ids"),
        KeySpec("chain", .nonEmpty, required: true, help: "escalation chain under alerts/chains/"),
        KeySpec("regulation", .text),
    ])
    static let defaultsSchema = SectionSchema(type: "defaults", keys: [
        KeySpec("interval", .duration(min: .seconds(1), max: .hours(24))),
        KeySpec("timeout", .duration(min: Seconds(milliseconds: 100), max: .hours(1))),
        KeySpec("fail_after", .integer(1...64)),
        KeySpec("recover_after", .integer(1...64)),
    ])
    static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    static let weeklySchema = SectionSchema(type: "weekly", keys: weekdayNames.map {
        KeySpec($0, .custom("windows or off") { v in v == "off" ? nil : ValueKind.windows.problem(v)?.message })
    })
    static let holidaySchema = SectionSchema(type: "holiday", keys: [KeySpec("windows", .windows, required: true)])
    static let holidaysSchema = SectionSchema(type: "holidays", keys: [], freeKeys: .nonEmpty)
    static let exceptionsSchema = SectionSchema(type: "exceptions", keys: [], freeKeys: .custom("exception") { v in
        if closedWithoutReason(v) { return Message("config.schedule.closed_reason", ["value": .text(v)]) }
        guard parseException(v) != nil else { return Message("config.schedule.exception", ["value": .text(v)]) }
        return emptyReason(v) ? Message("config.schedule.empty_reason", ["value": .text(v)]) : nil
    })

    /// `06:00-22:00 |`: a `|` with no reason after it, a reason begun and left out (#19 review s6;
    /// `closed |` was refused already). The reports show the reason beside the changed hours.
    static func emptyReason(_ v: String) -> Bool {
        let parts = v.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        return parts.count == 2 && blankReason(parts[1])
    }

    /// A reason of nothing but spaces and more `|` (`closed | |`, #19 review s7): none was written.
    static func blankReason(_ r: String) -> Bool { r.allSatisfy { $0 == "|" || $0.isWhitespace } }

    /// `closed` or `closed |` with nothing after it: a day taken out of the plan must say why, as
    /// a closure in the operating register must (`registers.field.required`); the reports show it.
    static func closedWithoutReason(_ v: String) -> Bool {
        let parts = v.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        return parts.first == "closed" && (parts.count < 2 || blankReason(parts[1]))
    }

    /// `closed | reason` or `06:00-22:00, 23:00-01:00 | reason`.
    static func parseException(_ v: String) -> DayException? {
        // An empty value (`2026-12-24 =`) splits into no parts at all: refused, never indexed.
        let parts = v.split(separator: "|", maxSplits: 1).map { $0.trimmingWhitespace() }
        guard let what = parts.first, !what.isEmpty else { return nil }
        let reason = parts.count > 1 ? parts[1] : ""
        if what == "closed" { return reason.isEmpty ? nil : .closed(reason: reason) }
        guard ValueKind.windows.validate(what) == nil else { return nil }
        return .windows(splitList(what).compactMap(DailyWindow.init(parsing:)), reason: reason)
    }

    static var checkSchema: SectionSchema { SectionSchema(type: "check", named: true, keys: CheckKinds.commonKeys) }

    mutating func loadSite(folder: String, contacts: ContactBook, chains: [String: EscalationChainConfig]) -> SiteProfile? {
        let siteFile = readINI("\(folder)/site.conf", required: true)
        let scheduleFile = readINI("\(folder)/schedule.conf", required: true)
        let checksFile = readINI("\(folder)/checks.conf", required: true)
        let builtIn = [Self.siteSchema, Self.defaultsSchema, Self.weeklySchema, Self.holidaySchema, Self.holidaysSchema,
                       Self.exceptionsSchema]
        if let siteFile { checkSections(siteFile, allowed: [Self.siteSchema, Self.defaultsSchema] + SiteSections.extra) }
        if let scheduleFile { checkSections(scheduleFile, allowed: [Self.weeklySchema, Self.holidaySchema, Self.holidaysSchema, Self.exceptionsSchema] + SiteSections.extra) }
        var extraSections: [ConfigSection] = []
        for path in listFiles(folder, suffix: ".conf") where !["site.conf", "schedule.conf", "checks.conf"].contains(path.split(separator: "/").last.map(String.init) ?? "") {
            if let ini = readINI(path, required: true) {
                checkSections(ini, allowed: SiteSections.extra)
                extraSections += ini.sections
            }
        }
        extraSections += (siteFile?.sections ?? []).filter { s in !builtIn.contains { $0.type == s.type } }
        extraSections += (scheduleFile?.sections ?? []).filter { s in !builtIn.contains { $0.type == s.type } }

        guard let siteSection = siteFile?.sections.first(where: { $0.type == "site" }) else {
            // A site.conf that could not be read (missing, not UTF-8, too large) was reported
            // already at its own line; "missing [site]" at line 0 would only repeat it (#19 review).
            guard siteFile != nil else { return nil }
            diagnostics.append(.init(file: relative(folder) + "/site.conf", line: 0, key: "site", Message("config.diag.missing_site_section")))
            return nil
        }
        let id = siteSection.string("id", default: String(folder.split(separator: "/").last!))
        let zone = siteSection.value("timezone").flatMap(ZoneOffset.init(parsing:)) ?? .hoChiMinh

        // Organisations and chain named by the site must exist.
        let operatorID = siteSection.string("operator")
        if !operatorID.isEmpty && contacts.organisations[operatorID] == nil {
            let hint = nearest(operatorID, in: Array(contacts.organisations.keys)).map { " (did you mean '\($0)'?)" } ?? ""
            diagnostics.append(.init(file: siteSection.file, line: siteSection.lineOf("operator"), key: "operator", message: "missing contact: no organisation '\(operatorID)'\(hint)"))
        }
        for t in siteSection.list("technicians") where contacts.organisations[t] == nil {
            diagnostics.append(.init(file: siteSection.file, line: siteSection.lineOf("technicians"), key: "technicians", message: "missing contact: no organisation '\(t)'"))
        }
        let chain = siteSection.string("chain")
        if !chain.isEmpty && chains[chain] == nil {
            let hint = nearest(chain, in: Array(chains.keys)).map { " (did you mean '\($0)'?)" } ?? ""
            diagnostics.append(.init(file: siteSection.file, line: siteSection.lineOf("chain"), key: "chain", message: "no chain '\(chain)' under alerts/chains/\(hint)"))
        }
        // Roles named by the chain must be served by some organisation at this site.
        if let c = chains[chain] {
            for l in c.levels {
                for r in l.notify + l.notifyTechnical {
                    guard case .role(let role) = r else { continue }
                    let orgs = contacts.organisations(withRole: role, site: id)
                    if orgs.isEmpty {
                        diagnostics.append(.init(file: c.file, line: l.line, key: "notify", message: "no organisation with role '\(role.rawValue)' serves site '\(id)'"))
                    }
                    for o in orgs where o.addresses.isEmpty {
                        diagnostics.append(.init(file: c.file, line: l.line, key: "notify", message: "organisation '\(o.id)' (role \(role.rawValue)) has no email address"))
                    }
                }
            }
        }

        var defaults = CheckDefaults()
        if let d = siteFile?.sections.first(where: { $0.type == "defaults" }) {
            defaults.interval = d.duration("interval", default: defaults.interval)
            defaults.timeout = d.duration("timeout", default: defaults.timeout)
            defaults.failAfter = d.int("fail_after", default: defaults.failAfter)
            defaults.recoverAfter = d.int("recover_after", default: defaults.recoverAfter)
        }

        let schedule = makeSchedule(scheduleFile, zone: zone)
        let checks = checksFile.map { makeChecks($0, site: id, defaults: defaults) } ?? []
        diagnostics += IncidentSections.diagnose(extraSections, checks: Set(checks.map(\.id)), zone: zone)
        diagnostics += ReportCalendarSettings.diagnose(extraSections, siteID: id, contacts: contacts)
        diagnostics += AvailabilitySettings.diagnose(extraSections, checks: checks)
        return SiteProfile(id: id, name: siteSection.string("name"), nameEnglish: siteSection.string("name_en", default: siteSection.string("name")),
                           province: siteSection.string("province"), zone: zone, schedule: schedule,
                           operatorOrganisation: operatorID, technicians: siteSection.list("technicians"), chain: chain,
                           defaults: defaults, checks: checks, sections: extraSections, folder: folder,
                           shortName: siteSection.string("short_name", default: siteSection.string("name")))
    }

    mutating func makeSchedule(_ ini: INIFile?, zone: ZoneOffset) -> OperatingSchedule {
        var schedule = OperatingSchedule(zone: zone, weekly: [:])
        guard let ini else { return schedule }
        if let weekly = ini.sections.first(where: { $0.type == "weekly" }) {
            for (i, day) in Self.weekdayNames.enumerated() {
                guard let v = weekly.value(day), v != "off" else { continue }
                schedule.weekly[i + 1] = splitList(v).compactMap(DailyWindow.init(parsing:))
            }
        } else {
            diagnostics.append(.init(file: ini.path, line: 0, key: "weekly", Message("config.diag.missing_weekly_section")))
        }
        if let h = ini.sections.first(where: { $0.type == "holiday" }) {
            schedule.holidayWindows = h.list("windows").compactMap(DailyWindow.init(parsing:))
        }
        for s in ini.sections where s.type == "holidays" || s.type == "exceptions" {
            for e in s.entries {
                guard let date = CivilDate(parsing: e.key) else {
                    diagnostics.append(.init(file: s.file, line: e.line, key: e.key, Message("config.value.not_date", ["value": .text(e.key)])))
                    continue
                }
                if schedule.exceptions[date] != nil {
                    diagnostics.append(.init(file: s.file, line: e.line, key: e.key, Message("config.diag.date_twice")))
                }
                if s.type == "holidays" {
                    schedule.exceptions[date] = .holiday(name: e.value)
                } else if let ex = Self.parseException(e.value) {
                    schedule.exceptions[date] = ex
                }
            }
        }
        let hasHolidays = schedule.exceptions.values.contains { if case .holiday = $0 { return true }; return false }
        if hasHolidays && schedule.holidayWindows.isEmpty {
            diagnostics.append(.init(file: ini.path, line: 0, key: "holiday", Message("config.diag.holiday_windows_missing")))
        }
        return schedule
    }

    mutating func makeChecks(_ ini: INIFile, site: String, defaults: CheckDefaults) -> [CheckDefinition] {
        var checks: [CheckDefinition] = []
        var firstLine: [String: Int] = [:]
        // An empty (or emptied) checks.conf gave a site that watched nothing while `check` said ok.
        if !ini.sections.contains(where: { $0.type == "check" }) && !ini.diagnostics.contains(where: { $0.key == "text" }) {
            diagnostics.append(.init(file: ini.path, line: max(1, ini.lastLine), key: "check",
                                     Message("config.diag.no_check_section")))
        }
        for s in ini.sections {
            guard s.type == "check" else {
                let hint: MessageValue = s.type == "checks" || editDistance(s.type, "check") <= 2 ? .message(Message("config.diag.hint.check_section")) : .text("")
                diagnostics.append(.init(file: s.file, line: s.line, key: s.type, Message("config.diag.unknown_section_checks", ["section": .text(s.title), "hint": hint])))
                continue
            }
            guard let id = s.name, !id.isEmpty else {
                diagnostics.append(.init(file: s.file, line: s.line, key: "check", Message("config.diag.check_needs_id")))
                continue
            }
            // The id's rule (isIdentifier) is the schema's, as for every named section.
            if let first = firstLine[id] {
                diagnostics.append(.init(file: s.file, line: s.line, key: id, Message("config.diag.duplicate_check", ["id": .text(id), "first": .count(first)])))
                continue
            }
            firstLine[id] = s.line
            let kind = s.string("kind")
            let schema = CheckKinds.schema(kind)
            if schema == nil && !kind.isEmpty {
                let hint = nearest(kind, in: CheckKinds.all.map(\.kind)).map { " (did you mean '\($0)'?)" } ?? ""
                diagnostics.append(.init(file: s.file, line: s.lineOf("kind"), key: "kind", message: "unknown kind '\(kind)'\(hint); known: \(CheckKinds.all.map(\.kind).joined(separator: ", "))"))
                // Without the kind's keys, only the common keys can be checked.
                diagnostics += SectionSchema(type: "check", named: true, keys: CheckKinds.commonKeys, freeKeys: .text).validate(s)
            } else {
                diagnostics += Self.checkSchema.validate(s, extraKeys: schema?.keys ?? [])
                if let schema { diagnostics += schema.validate(s) }
            }
            checks.append(CheckDefinition(
                id: id, site: site, kind: kind, name: s.string("name", default: id),
                interval: s.duration("interval", default: defaults.interval),
                timeout: s.duration("timeout", default: defaults.timeout),
                failAfter: s.int("fail_after", default: defaults.failAfter),
                recoverAfter: s.int("recover_after", default: defaults.recoverAfter),
                followsSchedule: s.bool("follows_schedule", default: false),
                dependsOn: s.list("depends_on"),
                category: s.value("category").flatMap(IncidentCategory.init(rawValue:)) ?? schema?.defaultCategory ?? .technical,
                enabled: s.bool("enabled", default: true), parameters: s))
        }
        // Parents must exist and must not form a cycle.
        let ids = Set(checks.map(\.id))
        for c in checks {
            for p in c.dependsOn where !ids.contains(p) {
                let hint = nearest(p, in: Array(ids)).map { " (did you mean '\($0)'?)" } ?? ""
                diagnostics.append(.init(file: c.parameters.file, line: c.parameters.lineOf("depends_on"), key: "depends_on", message: "no check '\(p)' at this site\(hint)"))
            }
            if c.timeout > c.interval {
                diagnostics.append(.init(file: c.parameters.file, line: c.parameters.lineOf("timeout"), key: "timeout", Message("config.diag.timeout_longer", ["timeout": .text("\(c.timeout)"), "interval": .text("\(c.interval)")])))
            }
        }
        let parents = Dictionary(uniqueKeysWithValues: checks.map { ($0.id, $0.dependsOn) })
        for c in checks {
            var stack = c.dependsOn, seen: Set<String> = []
            while let p = stack.popLast() {
                if p == c.id {
                    diagnostics.append(.init(file: c.parameters.file, line: c.parameters.lineOf("depends_on"), key: "depends_on", Message("config.diag.depends_on_itself", ["id": .text(c.id)])))
                    break
                }
                if seen.insert(p).inserted { stack += parents[p] ?? [] }
            }
        }
        return checks
    }
}
