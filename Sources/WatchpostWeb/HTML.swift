// HTML building blocks for the pages: escaping (every piece of text that did not come from this
// file goes through `esc`), the page frame with its small stylesheet, and date formatting.
// Plain HTML and CSS, no JavaScript; readable on a phone: long hashes and links wrap, every
// table becomes one card per row under 600 px, every page has the viewport tag and the
// navigation bar (issue 15).
import WatchpostCore

/// Escapes text for HTML element content and quoted attribute values.
public func esc(_ s: String) -> String { htmlEscaped(s) }

/// Percent-encodes a path segment or query value.
func urlEncode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            let hex = Array("0123456789ABCDEF")
            out += "%\(hex[Int(b >> 4)])\(hex[Int(b & 15)])"
        }
    }
    return out
}

/// `application/x-www-form-urlencoded` (and query strings): `+` is a space, `%XX` a byte.
public func parseForm(_ body: [UInt8]) -> [String: String] {
    var out: [String: String] = [:]
    for pair in body.split(separator: UInt8(ascii: "&")) {
        let kv = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
        guard let k = percentDecode(Array(kv[0])) else { continue }
        out[k] = kv.count > 1 ? percentDecode(Array(kv[1])) ?? "" : ""
    }
    return out
}

func percentDecode(_ bytes: [UInt8]) -> String? {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
    while i < bytes.count {
        let b = bytes[i]
        if b == UInt8(ascii: "+") { out.append(32) } else if b == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
            out.append(h << 4 | l)
            i += 2
        } else { out.append(b) }
        i += 1
    }
    return String(validating: out, as: UTF8.self)
}

/// `24/11/2026 07:30` in the given zone (Vietnamese day/month order).
func shortTime(_ t: Instant, _ zone: ZoneOffset) -> String { HumanFormat.tableTime(t, zone: zone) }

/// `3 giờ 5 phút / 3 h 5 min`.
func ago(_ span: Seconds) -> String {
    let s = max(0, span.wholeSeconds)
    if s < 60 { return PageText.text("web.ago.seconds", ["s": .int(s)]) }
    if s < 3600 { return PageText.text("web.ago.minutes", ["m": .int(s / 60)]) }
    if s < 86_400 { return PageText.text("web.ago.hours", ["h": .int(s / 3600), "m": .int(s % 3600 / 60)]) }
    return PageText.text("web.ago.days", ["d": .int(s / 86_400), "h": .int(s % 86_400 / 3600)])
}

func statusClass(_ s: CheckStatus) -> String {
    switch s {
    case .ok: return "ok"
    case .warning: return "warn"
    case .critical: return "crit"
    case .unknown: return "unk"
    }
}

func stateLabel(_ state: String) -> String {
    switch state {
    case "triggered": return PageText.text("web.t.unacknowledged")
    case "acknowledged": return PageText.text("web.t.acknowledged")
    case "resolved": return PageText.text("web.t.resolved")
    default: return esc(state)
    }
}

/// The navigation bar's own style (also put above the uptime report, which has its own sheet).
let navigationStyle = "header{background:#7a0d0d;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.2rem;align-items:center}"
    + "header a{color:#fff;overflow-wrap:anywhere}header nav{display:flex;flex-wrap:wrap;gap:.3rem 1rem}header .who{margin-left:auto;font-size:.9rem}"

let stylesheet = """
*{box-sizing:border-box}body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1b1f23;background:#f4f5f7}
\(navigationStyle)main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 .8rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}.en{color:#57606a;font-weight:normal}
table{width:100%;border-collapse:collapse;background:#fff}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #d8dee4;vertical-align:top}
th{background:#eaeef2;font-size:.85rem}.badge{display:inline-block;padding:.05rem .45rem;border-radius:.3rem;font-weight:600;font-size:.85rem;white-space:nowrap}
.ok{background:#d1f0d9;color:#0b5b25}.warn{background:#fff0c2;color:#6b4d00}.crit{background:#ffd7d5;color:#8e1111}.unk{background:#e4e2ff;color:#3a2e8f}
.acked{background:#dbeafe;color:#1e3a8a}.resolved{background:#e5e7eb;color:#374151}
.card{background:#fff;border:1px solid #d8dee4;border-radius:.4rem;padding:.8rem 1rem;margin:.6rem 0}
form.inline{display:inline}label{display:block;margin:.4rem 0 .2rem;font-weight:600}
input[type=text],input[type=password],textarea,select{width:100%;max-width:28rem;padding:.45rem;font:inherit;border:1px solid #8c959f;border-radius:.3rem}
button{font:inherit;padding:.5rem 1rem;border-radius:.3rem;border:1px solid #1f6feb;background:#1f6feb;color:#fff;cursor:pointer;margin:.4rem .4rem .4rem 0}
button.secondary{background:#fff;color:#1f6feb}.error{background:#ffebe9;border-color:#ff8182}.notice{background:#ddf4ff;border-color:#54aeff}
.muted{color:#57606a;font-size:.9rem}ol.timeline{list-style:none;padding:0}ol.timeline li{border-left:3px solid #8c959f;padding:.2rem .7rem;margin:.3rem 0;background:#fff}
td,th,p,li,dd,code,.card,h1,h2,h3,a{overflow-wrap:anywhere;word-break:break-word}img,svg,video{max-width:100%;height:auto}
th{overflow-wrap:break-word;word-break:normal}h3.site{font-size:1rem;margin:1rem 0 .3rem;color:#24476b}td.since{white-space:nowrap}
@media (max-width:600px){table thead{display:none}table,table tbody,table tr{display:block;width:100%}table tr{border-bottom:2px solid #d8dee4;background:#fff;margin:0 0 .4rem}
table td,table th{display:block;border:0;padding:.15rem .5rem}td[data-l]::before{content:attr(data-l)": ";color:#57606a;font-size:.85rem}td.since{white-space:normal}
header .who{margin-left:0}}
"""

/// The navigation bar every page carries (signed in or not: the links lead to the login page).
func navigationBar(user: String?, role: String?, roleLabel: String? = nil) -> String {
    var nav = "<nav><a href=\"/\">\(PageText.html("web.t.status"))</a> <a href=\"/incidents\">\(PageText.html("web.t.incidents"))</a> <a href=\"/reports\">\(PageText.html("web.t.reports"))</a> <a href=\"/plays\">\(PageText.html("web.t.broadcast_log"))</a> <a href=\"/registers\">\(PageText.html("web.t.registers"))</a>"
    if role == "admin" { nav += " <a href=\"/users\">\(PageText.html("web.t.users"))</a>" }
    nav += "</nav>"
    let who = user.map { u in
        "<span class=\"who\">\(esc(u))\((roleLabel ?? role).map { " (\(esc($0)))" } ?? "") · <a href=\"/logout\">\(PageText.html("web.t.log_out"))</a></span>"
    } ?? "<span class=\"who\"><a href=\"/login\">\(PageText.html("web.t.log_in"))</a></span>"
    return "<header><strong>Watchpost</strong> \(nav) \(who)</header>"
}

/// The page frame. `title` and `titleEnglish` are plain text (escaped here); `body` is HTML.
/// `roleLabel`: how the role is called where the site is (`[role NAME]`), shown instead of `role`.
func page(_ title: String, _ titleEnglish: String, user: String?, role: String? = nil, roleLabel: String? = nil, status: Int = 200, body: String,
          headers: [(String, String)] = []) -> (Int, String, [(String, String)]) {
    let html = """
    <!doctype html>
    <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(esc(title)) · Watchpost</title><style>\(stylesheet)</style></head>
    <body>\(navigationBar(user: user, role: role, roleLabel: roleLabel))
    <main><h1>\(esc(title)) <span class="en">/ \(esc(titleEnglish))</span></h1>
    \(body)
    </main></body></html>
    """
    return (status, html, headers)
}
