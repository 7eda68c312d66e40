#!/usr/bin/env bash
# A corpus of configuration mistakes (issue #19, "What I will check"): each one is made on a fresh
# copy of the shipped configuration (with the Department's keys installed, so the copy passes),
# then `watchpost check` must refuse it — exit 1, not a crash (no signal, no trap) — and name the
# place as `file:line` with a line number ≥ 1 (0 only for a whole file that cannot be read).
# The control cases (CRLF + BOM, trailing comments cut) must pass. Prints one line per case and
# "OK N cases" at the end.
# Usage: scripts/e2e/bad-config.sh [BIN_DIR]   (default .build/debug)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/.build/debug}/watchpost"
[ -x "$bin" ] || { echo "FAIL: no $bin (swift build first)"; exit 1; }
work="$(mktemp -d /tmp/watchpost-badconf-XXXXXX)"
trap 'rm -rf "$work"' EXIT
base="$work/base"
mkdir -p "$base/keys"
cp -r "$root/watchpost.conf" "$root/probes" "$root/alerts" "$root/contrib" "$base/"
( cd "$base/keys" && "$bin" manifest keygen --out department-dien-bien >/dev/null && "$bin" manifest keygen --out department-ha-tinh >/dev/null )
"$bin" check --config "$base" > "$work/base.txt" 2>&1 || { echo "FAIL: the shipped copy does not pass:"; cat "$work/base.txt"; exit 1; }

failures=0; n=0
# case NAME EXPECTED_FILE COMMAND… — COMMAND edits $c (the copy); check must refuse it at EXPECTED_FILE:line.
case_() {
  local name="$1" file="$2"; shift 2
  n=$((n + 1))
  c="$work/c$n"; cp -r "$base" "$c"
  ( cd "$c" && eval "$*" )
  local rc=0; "$bin" check --config "$c" > "$work/out$n.txt" 2>&1 || rc=$?
  local out; out=$(cat "$work/out$n.txt")
  if [ "$rc" -ge 128 ] || grep -qiE 'fatal error|trap|overflow|Segmentation|core dumped' "$work/out$n.txt"; then
    echo "CRASH  $name (exit $rc): $(head -c 300 "$work/out$n.txt")"; failures=$((failures + 1)); return
  fi
  if [ "$file" = PASS ]; then
    if [ "$rc" = 0 ]; then echo "ok     $name (accepted, as it should be)"; else echo "FAIL   $name: refused: $(head -c 300 "$work/out$n.txt")"; failures=$((failures + 1)); fi
    return
  fi
  if [ "$rc" = 0 ]; then echo "SILENT $name: accepted: $out"; failures=$((failures + 1)); return; fi
  local where
  # The first place with a line number ≥ 1 for that file (a consequence such as "missing [site]
  # section" may come first, at line 0).
  where=$(grep -oE "^$(printf '%s' "$file" | sed 's/[.[\*^$/]/\\&/g'):[0-9]+:" "$work/out$n.txt" | grep -vE ':0:$' | head -n 1 || true)
  [ -n "$where" ] || where=$(grep -oE "^$(printf '%s' "$file" | sed 's/[.[\*^$/]/\\&/g'):[0-9]+:" "$work/out$n.txt" | head -n 1 || true)
  if [ -z "$where" ]; then echo "FAIL   $name: no '$file:LINE:' in: $(head -c 400 "$work/out$n.txt")"; failures=$((failures + 1)); return; fi
  local line="${where%:}"; line="${line##*:}"
  if [ "$line" -lt 1 ] && [ "${ALLOW_LINE0:-}" != "$n" ]; then
    echo "FAIL   $name: line 0 in: $(grep -m1 "^$file:" "$work/out$n.txt")"; failures=$((failures + 1)); return
  fi
  echo "ok     $name → $(grep -m1 -F "$where" "$work/out$n.txt" | cut -c1-150)"
}
T=probes/tay-trang; V=probes/vung-ang
case_ "empty watchpost.conf"                 watchpost.conf ": > watchpost.conf"
case_ "watchpost.conf cut after [daemon]"     watchpost.conf "head -n 12 watchpost.conf > x && mv x watchpost.conf"
case_ "watchpost.conf cut inside [smtp]"      watchpost.conf "head -n -1 watchpost.conf > x && mv x watchpost.conf"
case_ "watchpost.conf CRLF and cut"           watchpost.conf "head -n 14 watchpost.conf | sed 's/\$/\r/' > x && mv x watchpost.conf"
case_ "[smtp] without host"                   watchpost.conf "sed -i '/^host = 127.0.0.1/d' watchpost.conf"
case_ "plain SMTP to a remote host"           watchpost.conf "sed -i 's/^host = 127.0.0.1/host = mail.example.org/' watchpost.conf"
case_ "interval overflows (999999999999d)"    $T/site.conf "sed -i 's/^interval = 30s/interval = 999999999999d/' $T/site.conf"
case_ "empty exception value"                 $T/schedule.conf "printf '\n[exceptions]\n2026-12-24 =\n' >> $T/schedule.conf"
case_ "empty checks.conf"                     $T/checks.conf ": > $T/checks.conf"
case_ "missing plugin"                        $V/checks.conf "sed -i 's#contrib/plugins/check_disk_free#contrib/plugins/check_disk_fre#' $V/checks.conf"
case_ "content key missing"                   $T/checks.conf "rm keys/department-dien-bien.pub"
case_ "TLS certificate missing"               watchpost.conf "printf '\n[web]\nlisten = 127.0.0.1:8443\ntls_certificate = none.pem\ntls_key = none.key\n' >> watchpost.conf"
case_ "NUL in a name"                         $T/site.conf "sed -i 's/^name = \(.*\)/name = \1\x00x/' $T/site.conf"
case_ "lone CR in a name"                     $T/site.conf "sed -i 's/^name = \(.*\)/name = \1\rx/' $T/site.conf"
case_ "invalid UTF-8"                         $T/site.conf "printf 'notes = \xff\xfe\n' >> $T/site.conf"
case_ "IPv4 192.0.2.300"                      $T/checks.conf "sed -i '0,/^host = /s/^host = .*/host = 192.0.2.300/' $T/checks.conf"
case_ "responder check typo"                  $T/responders.conf "sed -i 's/^check = led-controller/check = led-controler/; s/^enabled = false/enabled = true/' $T/responders.conf"
case_ "responder on_findings typo"            $T/responders.conf "sed -i 's/content.unexpected-file/content.unexpected-files/; s/^enabled = false/enabled = true/' $T/responders.conf"
ALLOW_LINE0=$((n + 1))
case_ "a .conf that is /dev/zero"             $T/zero.conf "ln -s /dev/zero $T/zero.conf"
ALLOW_LINE0=$((n + 1))
case_ "a 2 MiB .conf"                         $V/huge.conf "head -c 2097152 /dev/zero | tr '\0' '#' > $V/huge.conf"
case_ "key typo (intervall)"                  $T/site.conf "sed -i 's/^interval = 30s/intervall = 30s/' $T/site.conf"
case_ "unknown section"                       $T/checks.conf "printf '\n[chek typo]\nkind = exec\n' >> $T/checks.conf"
case_ "key given twice"                       $T/site.conf "sed -i 's/^interval = 30s/interval = 30s\ninterval = 1m/' $T/site.conf"
case_ "section header without ]"              $T/checks.conf "printf '\n[check broken\n' >> $T/checks.conf"
case_ "port out of range"                     watchpost.conf "sed -i 's/^port = 25/port = 99999/' watchpost.conf"
case_ "fail_after = 0"                        $T/site.conf "sed -i 's/^fail_after = .*/fail_after = 0/' $T/site.conf"
case_ "invalid email in contacts"             alerts/contacts.conf "sed -i '0,/^email = /s/^email = .*/email = not-an-address/' alerts/contacts.conf"
case_ "chain names an unknown organisation"   alerts/chains/tay-trang.conf "sed -i 's/^notify = org:stttt-dien-bien/notify = org:stttt-dienbien/' alerts/chains/tay-trang.conf"
case_ "depends_on an unknown check"           $T/checks.conf "sed -i 's/^depends_on = controller-net/depends_on = controller-nett/' $T/checks.conf"
case_ "unknown timezone"                      $T/site.conf "sed -i 's#^timezone = .*#timezone = Asia/Hanoi-typo#' $T/site.conf"
case_ "negative duration"                     $T/site.conf "sed -i 's/^interval = 30s/interval = -30s/' $T/site.conf"
# #19 review, s5: these passed `check`.
case_ "content key holds garbage"             $T/checks.conf "echo hello > keys/department-dien-bien.pub"
case_ "content key empty"                     $T/checks.conf ": > keys/department-dien-bien.pub"
case_ "private key copied over the .pub"      $T/checks.conf "cp keys/department-dien-bien.key keys/department-dien-bien.pub"
case_ "responder on_kinds typo"               $T/responders.conf "sed -i 's/^on_kinds = content, player/on_kinds = contnet, player/; s/^enabled = false/enabled = true/' $T/responders.conf"
case_ "closed day without a reason"           $T/schedule.conf "printf '\n[exceptions]\n2026-12-24 = closed |\n' >> $T/schedule.conf"
case_ "database folder under a file"          watchpost.conf "sed -i 's#^database = .*#database = /etc/passwd/watchpost/w.db#' watchpost.conf"
case_ "database path is a folder"              watchpost.conf "sed -i 's#^database = .*#database = /tmp#' watchpost.conf"
case_ "special hours with an empty reason"     $T/schedule.conf "printf '\n[exceptions]\n2026-12-24 = 06:00-22:00 |\n' >> $T/schedule.conf"
# #19 review s7: `closed | |` took '|' as its reason; /dev/null was told to add /watchpost.db.
case_ "closed day with '|' as its reason"      $T/schedule.conf "printf '\n[exceptions]\n2026-12-24 = closed | |\n' >> $T/schedule.conf"
case_ "database path is /dev/null"             watchpost.conf "sed -i 's#^database = .*#database = /dev/null#' watchpost.conf"
if grep -qF "/dev/null/watchpost.db" "$work/out$n.txt"; then echo "FAIL   database path is /dev/null: the message suggests /dev/null/watchpost.db"; failures=$((failures + 1)); fi
case_ "secrets file missing, [web] needs it"  watchpost.conf "sed -i 's#^secrets = .*#secrets = /nonexistent/secrets.conf#' watchpost.conf; printf '\n[web]\nlisten = 127.0.0.1:8443\n' >> watchpost.conf"
# #19 review s8: accepted before (1s1s was read as 2 s; the first retry was silently cut to retry_max).
case_ "a unit given twice (30s30s)"           $T/site.conf "sed -i 's/^interval = 30s/interval = 30s30s/' $T/site.conf"
case_ "retry_initial longer than retry_max"   watchpost.conf "printf '\n[mail]\nretry_initial = 1h\nretry_max = 1m\n' >> watchpost.conf"
case_ "retry_initial over the default max"    watchpost.conf "printf '\n[mail]\nretry_initial = 45m\n' >> watchpost.conf"
long_id=$(printf 'a%.0s' $(seq 300))
case_ "a 300-character check id"              $T/checks.conf "sed -n '/^\[check box-disk\]/,/^\$/p' $T/checks.conf | sed 's/^\[check box-disk\]/[check $long_id]/' >> $T/checks.conf"
if ! grep -q "64" "$work/out$n.txt"; then echo "FAIL   a 300-character check id: the message does not give the 64-character limit"; failures=$((failures + 1)); fi
# #19 review s9: [availability] naming no check of the site (every uptime report then failed with a 500),
# and ids other than check ids left unbounded.
case_ "[availability] checks typo"            $T/site.conf "sed -i 's/^checks = led-controller, content,/checks = led-controller, contnet,/' $T/site.conf"
case_ "[availability] power_check typo"       $T/site.conf "sed -i 's/^power_check = ups/power_check = usp/' $T/site.conf"
case_ "[availability] power_check not a UPS"  $T/site.conf "sed -i 's/^power_check = ups/power_check = uplink/' $T/site.conf"
# #19 review s10: a disabled check (it never runs: no availability to count) and a check listed twice were accepted.
case_ "[availability] a disabled check"       $T/site.conf "sed -i 's/^\\[check uplink\\]\$/[check uplink]\\nenabled = false/' $T/checks.conf"
case_ "[availability] a check listed twice"   $T/site.conf "sed -i 's/^checks = led-controller, content,/checks = led-controller, content, content,/' $T/site.conf"
case_ "a 300-character organisation id"       alerts/contacts.conf "printf '\n[organisation $long_id]\nname = X\nroles = technician\n' >> alerts/contacts.conf"
case_ "a 300-character responder id"          $T/responders.conf "sed -i 's/^\[responder content-blackout\]/[responder $long_id]/' $T/responders.conf"
case_ "a chain file named with a space"       "alerts/chains/tay trang.conf" "cp alerts/chains/tay-trang.conf 'alerts/chains/tay trang.conf'"
# Controls: these are not mistakes and must pass.
case_ "CRLF line ends and a BOM (control)"    PASS "for f in watchpost.conf $T/checks.conf alerts/contacts.conf; do sed -i 's/\$/\r/' \$f; done; printf '\xef\xbb\xbf' | cat - watchpost.conf > x && mv x watchpost.conf"
case_ "trailing comment lines cut (control)"  PASS "printf '# a comment\n# another\n' >> watchpost.conf && head -n -2 watchpost.conf > x && mv x watchpost.conf"
if [ "$failures" != 0 ]; then echo "FAIL $failures of $n cases"; exit 1; fi
echo "OK $n cases"
