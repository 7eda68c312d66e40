// Catalogue table "player": player findings (WatchpostPlayer). PlayerFindingCode values start
// with "player.", so the primary key of a code is `finding.<code>`.

extension Catalogue {
    static let player: [Entry] = [
        .init("finding.player.unapproved-item", vi: "Nội dung chưa được phê duyệt đang phát: {item}",
              en: "Unapproved content is playing: {item}"),
        .init("finding.player.modified-item", vi: "Đang phát {item}, khác với bản đã được phê duyệt {approved}",
              en: "Playing {item}, which differs from the approved {approved}"),
        .init("finding.player.unreachable", vi: "Không đọc được trạng thái máy phát nội dung ({url})",
              en: "The player's status ({url}) is unavailable"),
        .init("finding.player.bad-response", vi: "Máy phát nội dung trả về trạng thái không đọc được ({url})",
              en: "The player's status ({url}) cannot be read"),
        .init("player.ok.playing", vi: "Đang phát {item} (đã được phê duyệt)", en: "Playing {item}, approved"),
        .init("player.ok.idle", vi: "Máy phát ở trạng thái {state}, không phát nội dung nào", en: "Player {state}, nothing playing"),
    ]
}
