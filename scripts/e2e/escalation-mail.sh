#!/bin/bash
# Escalation as the two decisions want it, end to end with the real binary and a real SMTP
# server (Debian's aiosmtpd via scripts/mail-sink.py), on a copy of a shipped profile:
#  - a security incident and a technical CRITICAL in operating hours: the Department's address
#    receives mail in the first group window; the Committee's address receives nothing;
#  - a Department user puts the security incident to the Committee (`watchpost escalate`): the
#    Committee receives exactly one message, naming who and why;
#  - an operator acknowledges the technical incident with a note: the acknowledgement notice
#    names the person, their organisation, the channel and the note.
# Usage: escalation-mail.sh BIN_DIR SITE (tay-trang | vung-ang). Prints "OK SITE" on success.
set -euo pipefail
bin="$1"; site="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/scripts/lib.sh"
work="$(mktemp -d /tmp/watchpost-escalation-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL $site: $*"; echo "--- daemon log"; tail -n 30 "$work/daemon.log" 2>/dev/null || true; exit 1; }

case "$site" in
  tay-trang) dept=thongtindoingoai@stttt-dienbien.example.org; committee=vanphong@ubnd-dienbien.example.org
             dept_user=stttt-dien-bien; operator="Lò Thị Mai"; operator_name="Lò Thị Mai"; operator_org="Đồn Biên phòng cửa khẩu Quốc tế Tây Trang";;
  vung-ang)  dept=thongtindoingoai@stttt-hatinh.example.org; committee=vanphong@ubnd-hatinh.example.org
             dept_user=stttt-ha-tinh; operator=bqlkkt-ha-tinh; operator_name="Ban Quản lý Khu kinh tế tỉnh Hà Tĩnh"; operator_org="Ban Quản lý Khu kinh tế tỉnh Hà Tĩnh";;
  *) echo "usage: $0 BIN_DIR tay-trang|vung-ang"; exit 2;;
esac

py=$(debian_python) || exit 1
smtp=$(free_port)
mkdir -p "$work/conf/probes/$site" "$work/mail"
cp -r "$root/alerts" "$work/conf/"
cp "$root/probes/$site/site.conf" "$root/probes/$site/schedule.conf" "$work/conf/probes/$site/"
# Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it).
sed -i '/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}' "$work/conf/probes/$site/site.conf"
if [ "$site" = tay-trang ]; then
  # Operating hours around the clock, so that the technical CRITICAL is "in operating hours"
  # whatever time the test runs (outside them it reaches the technicians only, by design).
  printf '[weekly]\n' > "$work/conf/probes/$site/schedule.conf"
  for d in monday tuesday wednesday thursday friday saturday sunday; do printf '%s = 00:00-24:00\n' "$d" >> "$work/conf/probes/$site/schedule.conf"; done
fi
printf '#!/bin/sh\nif [ -e "$1" ]; then echo "CRITICAL - $2"; exit 2; fi\necho "OK"; exit 0\n' > "$work/flip.sh"; chmod +x "$work/flip.sh"
touch "$work/seal-broken" "$work/screen-dark"
# Timeouts the machine can honour: at load 26 flip.sh took longer than 900 ms, the incident opened
# UNKNOWN, and its later rise to CRITICAL was a second notice to the Committee after its decision.
# The files flip.sh reads never change during the test, so one run per check is all it needs: the
# first runs at once (jitter = 0), the next only after 60 s, and each may take the whole minute.
cat > "$work/conf/probes/$site/checks.conf" <<CONF
[check seal]
kind = exec
name = Niêm phong tủ điều khiển / Cabinet seal
command = $work/flip.sh
arguments = $work/seal-broken niem-phong-bi-pha
category = security
interval = 60s
timeout = 60s
fail_after = 1

[check screen]
kind = exec
name = Màn hình LED / LED screen
command = $work/flip.sh
arguments = $work/screen-dark man-hinh-toi
interval = 60s
timeout = 60s
fail_after = 1
CONF
cat > "$work/conf/watchpost.conf" <<CONF
[daemon]
database = $work/watchpost.db
jitter = 0
[smtp]
host = 127.0.0.1
port = $smtp
insecure = true
from = watchpost@$site.example.org
[mail]
group_window = 2s
retry_initial = 1s
retry_max = 2s
CONF
"$bin/watchpost" check --config "$work/conf" > /dev/null || fail "configuration"
"$py" "$root/scripts/mail-sink.py" --listen "127.0.0.1:$smtp" --dir "$work/mail" > "$work/sink.log" 2>&1 < /dev/null &
pids+=($!)
"$bin/watchpost" run --config "$work/conf" > "$work/daemon.log" 2>&1 < /dev/null &
pids+=($!)

# Decoded mails to ADDRESS, one per line: "subject || body" (Python's email parser undoes MIME).
mails() {
  "$py" - "$work/mail" "$1" <<'PY'
import email, email.policy, glob, os, sys
d, addr = sys.argv[1], sys.argv[2].lower()
for path in sorted(glob.glob(os.path.join(d, "*.eml")), key=lambda p: int(os.path.basename(p).split(".")[0]) if os.path.basename(p).split(".")[0].isdigit() else 0):
    raw = open(path, "rb").read()
    head = raw.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if addr not in head: continue
    m = email.message_from_bytes(raw.split(b"\n", 1)[1] if head.startswith("x-envelope-to") else raw, policy=email.policy.default)
    parts = [p.get_content() for p in m.walk() if p.get_content_type() == "text/plain"]
    print((str(m["subject"]) + " || " + " ".join(parts)).replace("\n", " "))
PY
}
count() { mails "$1" | grep -c -- "${2:-}" || true; }
# await SECONDS WHAT COMMAND...: lib.sh's wait_for (a deadline in seconds, not loop turns: each
# turn runs a python mail reader, which takes far longer than its 0.1 s poll on a loaded machine).
await() { local seconds=$1 what=$2; shift 2; wait_for "$what" "$seconds" "$@" || fail "timed out waiting for: $what"; }

# The Department is told of both incidents at once (within the first group window).
await 60 "the Department's mail about both incidents" bash -c "[ \$($(declare -f mails count); work='$work'; py='$py'; count '$dept' '(để biết)') -ge 1 ]"
await 60 "incident 2 opened" bash -c "'$bin/watchpost' incidents --config '$work/conf' | grep -q '#2'"
# Absence checks below ("nothing to the Committee", "exactly one message") are read once the
# outbox has handed every queued notice to the server: a notice is committed to the outbox with
# the incident change that caused it, so an empty queue means nothing more is on its way.
outbox_idle() { [ "$(sqlite3 "$work/watchpost.db" "SELECT count(*) FROM outbox WHERE state IN ('queued','sending')")" = 0 ]; }
await 60 "the outbox sent every queued notice" outbox_idle
dept_mails=$(mails "$dept")
echo "$dept_mails" | grep -q "niem-phong-bi-pha" || fail "the Department did not hear of the security incident: $dept_mails"
echo "$dept_mails" | grep -q "man-hinh-toi" || fail "the Department did not hear of the technical CRITICAL: $dept_mails"
[ "$(count "$committee")" = 0 ] || fail "the Committee was mailed before any decision: $(mails "$committee")"
seal_id=$("$bin/watchpost" incidents --config "$work/conf" | grep "/seal " | sed 's/^#\([0-9]*\).*/\1/')
screen_id=$("$bin/watchpost" incidents --config "$work/conf" | grep "/screen " | sed 's/^#\([0-9]*\).*/\1/')

# The Committee only by a Department decision; an operator may not take it.
if "$bin/watchpost" escalate "$seal_id" --to committee --by "$operator" --note "thử" --config "$work/conf" > "$work/refused.txt" 2>&1; then
  fail "an operator put the incident to the Committee"
fi
"$bin/watchpost" escalate "$seal_id" --to committee --by "$dept_user" --note "Vượt thẩm quyền: đề nghị UBND tỉnh chỉ đạo công an điều tra" --config "$work/conf" > /dev/null \
  || fail "the Department could not escalate"
await 60 "the Committee's message" bash -c "[ \$($(declare -f mails count); work='$work'; py='$py'; count '$committee') -ge 1 ]"
await 60 "the outbox sent every queued notice" outbox_idle
[ "$(count "$committee")" = 1 ] || fail "the Committee got $(count "$committee") messages: $(mails "$committee")"
mails "$committee" | grep -q "Vượt thẩm quyền: đề nghị UBND tỉnh chỉ đạo công an điều tra" || fail "the Committee's message does not say why: $(mails "$committee")"
mails "$committee" | grep -q "Sở Thông tin và Truyền thông" || fail "the Committee's message does not say who: $(mails "$committee")"

# An acknowledgement notice names the person, the organisation, the channel and the note.
"$bin/watchpost" ack "$screen_id" --by "$operator" --note "Đã cử tổ kỹ thuật tới tủ điều khiển" --config "$work/conf" > /dev/null || fail "operator could not acknowledge"
await 60 "the acknowledgement notice to the Department" bash -c "[ \$($(declare -f mails count); work='$work'; py='$py'; count '$dept' 'Đã cử tổ kỹ thuật tới tủ điều khiển') -ge 1 ]"
ackmail=$(mails "$dept" | grep "Đã cử tổ kỹ thuật tới tủ điều khiển" | head -1)
echo "$ackmail" | grep -q "$operator_name" || fail "the acknowledgement notice does not name the person: $ackmail"
echo "$ackmail" | grep -q "$operator_org" || fail "the acknowledgement notice does not name the organisation: $ackmail"
echo "$ackmail" | grep -q "dòng lệnh" || fail "the acknowledgement notice does not name the channel: $ackmail"
[ "$(count "$committee")" = 1 ] || fail "the Committee got more mail after the acknowledgement"

# A web account's organisation (`user add --org`) is named with the person in a comment's notice
# and on the timeline (issue 14 point 6; the review found only the role's label).
printf 'mat-khau-ky-thuat-2026\n' | "$bin/watchpost" user add kt-thu --role technician --name "Trần Văn Thử" --org "Tổ kỹ thuật thử nghiệm" --config "$work/conf" > /dev/null \
  || fail "user add --org failed"
"$bin/watchpost" user list --config "$work/conf" | grep -q "Tổ kỹ thuật thử nghiệm" || fail "user list does not show the organisation"
"$bin/watchpost" comment "$screen_id" --as kt-thu --note "Đã thay bộ nguồn dự phòng" --config "$work/conf" > /dev/null || fail "the technician could not comment"
await 60 "the comment notice to the Department" bash -c "[ \$($(declare -f mails count); work='$work'; py='$py'; count '$dept' 'Đã thay bộ nguồn dự phòng') -ge 1 ]"
mails "$dept" | grep "Đã thay bộ nguồn dự phòng" | head -1 | grep -q "Tổ kỹ thuật thử nghiệm" \
  || fail "the comment notice does not name the account's organisation: $(mails "$dept" | grep "Đã thay bộ nguồn dự phòng" | head -1)"
sqlite3 "$work/watchpost.db" "SELECT text FROM timeline WHERE incident_id = $screen_id" | grep -q "Tổ kỹ thuật thử nghiệm" \
  || fail "the timeline does not name the account's organisation"
# --org may not credit another body with an action (#14 review, session 5: the Board's
# acknowledgement was mailed as the Department's).
if "$bin/watchpost" comment "$screen_id" --by "$operator" --org "Sở Thông tin và Truyền thông" --note "giả danh" --config "$work/conf" > "$work/spoof.txt" 2>&1; then
  fail "--org credited another organisation with an action: $(cat "$work/spoof.txt")"
fi
grep -q "không được ghi việc này cho một đơn vị khác" "$work/spoof.txt" || fail "the --org refusal does not say why: $(cat "$work/spoof.txt")"
# Nor for a web account made without an organisation: it acts for its role's label (#14 review s6).
printf 'mat-khau-van-hanh-2026\n' | "$bin/watchpost" user add vh-khong-don-vi --role operator --name "Người Không Đơn Vị" --config "$work/conf" > /dev/null \
  || fail "user add without --org failed"
if "$bin/watchpost" comment "$screen_id" --as vh-khong-don-vi --org "Sở Thông tin và Truyền thông" --note "giả danh 2" --config "$work/conf" > "$work/spoof2.txt" 2>&1; then
  fail "--org credited another organisation for an account without one: $(cat "$work/spoof2.txt")"
fi
echo "OK $site"
