// Who may do what (issue 10's rules), as one pure function so that the pages, the API and the
// tests use exactly the same table:
//   security      acknowledge and resolve security incidents (and note them)
//   technician    acknowledge technical incidents; add notes to any incident
//   department    read everything and the reports
//   committee     read everything and the reports
//   admin         manage users; read everything
// Everybody signed in may read the status board, incidents, timelines, reports and /metrics.
import WatchpostCore
import WatchpostStore

public enum WebAction: String, Sendable, CaseIterable {
    case read, acknowledge, resolve, note, manageUsers = "manage-users"
}

public struct Decision: Sendable, Hashable {
    public var allowed: Bool
    /// Why not (Vietnamese / English), shown on the 403 page and logged.
    public var reason: String
    static let yes = Decision(allowed: true, reason: "")
}

public enum AccessPolicy {
    public static func decide(_ role: UserRole, _ action: WebAction, category: IncidentCategory? = nil) -> Decision {
        func no(_ why: String) -> Decision { Decision(allowed: false, reason: why) }
        switch action {
        case .read:
            return .yes
        case .manageUsers:
            return role == .admin ? .yes : no("Chỉ quản trị viên được quản lý tài khoản / only admins manage users (your role: \(role))")
        case .acknowledge:
            switch (role, category) {
            case (.security, .security?), (.technician, .technical?): return .yes
            case (.security, _): return no("Lực lượng an ninh chỉ xác nhận sự cố an ninh / security users acknowledge security incidents only")
            case (.technician, _): return no("Kỹ thuật viên chỉ xác nhận sự cố kỹ thuật / technicians acknowledge technical incidents only")
            default: return no("Vai trò \(role) chỉ được xem / role \(role) may read but not acknowledge")
            }
        case .resolve:
            switch (role, category) {
            case (.security, .security?): return .yes
            case (.security, _): return no("Lực lượng an ninh chỉ đóng sự cố an ninh / security users resolve security incidents only")
            case (.technician, _): return no("Sự cố kỹ thuật tự đóng khi thiết bị phục hồi; kỹ thuật viên không đóng sự cố / technical incidents resolve when the check recovers; technicians do not resolve")
            default: return no("Vai trò \(role) chỉ được xem / role \(role) may read but not resolve")
            }
        case .note:
            switch (role, category) {
            case (.technician, _), (.security, .security?): return .yes
            case (.security, _): return no("Lực lượng an ninh chỉ ghi chú sự cố an ninh / security users note security incidents only")
            default: return no("Vai trò \(role) chỉ được xem / role \(role) may read but not add notes")
            }
        }
    }
}
