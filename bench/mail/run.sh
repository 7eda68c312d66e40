#!/usr/bin/env bash
# Mail benchmark: 1,000 notifications through Watchpost's durable outbox to a local aiosmtpd
# (scripts/mail-sink.py), one reused SMTP connection per batch, measuring messages per second
# from queueing to the last message stored by the server, and the daemon's peak RSS meanwhile.
# Beside it, the same 1,000 messages sent by peers to the same server: Python's smtplib over one
# connection, and the curl CLI with one connection per message.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES python3-aiosmtpd sqlite3 curl
N=${N:-1000}
echo "==> build (release)"
swift build -c release --product watchpost 2>&1 | tail -n 1
bin="$(swift build -c release --show-bin-path)"
work="$(mktemp -d /tmp/wp-bench-mail-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start_sink() {
    rm -rf "$work/sink"; mkdir -p "$work/sink"
    /usr/bin/python3 scripts/mail-sink.py --listen "127.0.0.1:$port" --dir "$work/sink" > "$work/sink.log" 2>&1 &
    sink=$!; pids+=($sink)
    for _ in $(seq 100); do grep -q ready "$work/sink.log" 2>/dev/null && break; sleep 0.1; done
}
count() { ls "$work/sink" | grep -c '\.eml$' || true; }
wait_for() { while [ "$(count)" -lt "$1" ]; do sleep 0.05; done; }
now() { date +%s.%N; }

# --- Watchpost: the daemon with its outbox worker --------------------------------------------
cfg="$work/config"; mkdir -p "$cfg/probes/tay-trang"
cp -r alerts "$cfg/"; cp probes/tay-trang/site.conf probes/tay-trang/schedule.conf "$cfg/probes/tay-trang/"
# Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it, #19).
sed -i '/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}' "$cfg/probes/tay-trang/site.conf"
printf '[check alive]\nkind = exec\ncommand = /bin/true\ninterval = 60s\n' > "$cfg/probes/tay-trang/checks.conf"
cat > "$cfg/watchpost.conf" <<CONF
[daemon]
database = var/watchpost.db
secrets = secrets.conf
log_level = warning
[smtp]
host = 127.0.0.1
port = $port
insecure = true
from = watchpost@taytrang.example.org
from_name = Giám sát Cụm TTĐN Tây Trang
[mail]
group_window = 0s
max_per_hour = 1000
batch_size = 1000
CONF
printf '[web]\nlink_key = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n' > "$cfg/secrets.conf"; chmod 600 "$cfg/secrets.conf"
start_sink
"$bin/watchpost" run --config "$cfg" > "$work/daemon.log" 2>&1 &
daemon=$!; pids+=($daemon)
for _ in $(seq 100); do [ -f "$cfg/var/watchpost.db" ] && sqlite3 "$cfg/var/watchpost.db" "SELECT 1 FROM mail_message LIMIT 1" >/dev/null 2>&1 && break; sleep 0.1; done
sleep 1
rss_idle=$(awk '/VmRSS/{print $2}' /proc/$daemon/status)
# N notifications to N recipients (grouping would otherwise merge them), queued in one transaction
# as the incident engine does; fields as the engine fills them.
sqlite3 "$cfg/var/watchpost.db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO outbox (key, event, site, incident_id, check_id, level, recipient_address, recipient_name, recipient_contact, template, fields_json, created_ms, next_attempt_ms)
SELECT 'bench/' || i, 'digest', 'tay-trang', NULL, 'alive', 1, 'r' || i || '@taytrang.example.org', 'Người nhận ' || i, 'bench', 'digest',
       '{"count":"1","incidents":"• #1 Bộ điều khiển LED: CRITICAL — mất kết nối"}', CAST(strftime('%s','now') AS INTEGER) * 1000, 0 FROM n;
COMMIT;
SQL
t0=$(now)
peak=$rss_idle
while [ "$(count)" -lt "$N" ]; do
    r=$(awk '/VmRSS/{print $2}' /proc/$daemon/status); [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.05
done
t1=$(now)
wp_rate=$(echo "$N / ($t1 - $t0)" | bc -l)
sent=$(sqlite3 "$cfg/var/watchpost.db" "SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
kill $daemon; wait $daemon 2>/dev/null || true
sample="$work/sample.eml"; cp "$work/sink/$(ls "$work/sink" | grep '\.eml$' | head -1)" "$sample"
kill $sink; wait $sink 2>/dev/null || true

# --- Peer 1: Python smtplib, one connection ---------------------------------------------------
start_sink
t0=$(now)
/usr/bin/python3 - "$port" "$N" "$sample" <<'PY'
import smtplib, sys
port, n, sample = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
data = open(sample, 'rb').read().split(b"\r\n", 1)[1]  # drop the sink's X-Envelope-To line
s = smtplib.SMTP('127.0.0.1', port)
for i in range(1, n + 1):
    s.sendmail('watchpost@taytrang.example.org', ['r%d@taytrang.example.org' % i], data)
s.quit()
PY
wait_for "$N"
t1=$(now)
py_rate=$(echo "$N / ($t1 - $t0)" | bc -l)
kill $sink; wait $sink 2>/dev/null || true

# --- Peer 2: curl CLI, one process and connection per message --------------------------------
start_sink
tail -n +2 "$sample" > "$work/msg.eml"
t0=$(now)
for i in $(seq "$N"); do
    curl -s --url "smtp://127.0.0.1:$port" --mail-from watchpost@taytrang.example.org --mail-rcpt "r$i@taytrang.example.org" --upload-file "$work/msg.eml"
done
wait_for "$N"
t1=$(now)
curl_rate=$(echo "$N / ($t1 - $t0)" | bc -l)

printf '\n%-52s %12s %10s\n' "sender ($N messages of $(stat -c %s "$work/msg.eml") bytes, local aiosmtpd)" "messages/s" "ratio"
printf '%-52s %12.0f %10s\n' "watchpost daemon: outbox → compose → SMTP (reused)" "$wp_rate" "1.00"
printf '%-52s %12.0f %10.2f\n' "python3 smtplib, one connection" "$py_rate" "$(echo "$py_rate / $wp_rate" | bc -l)"
printf '%-52s %12.0f %10.2f\n' "curl CLI, one process+connection per message" "$curl_rate" "$(echo "$curl_rate / $wp_rate" | bc -l)"
printf '\nwatchpost daemon RSS: idle %s kB, peak while sending %s kB; rows sent %s/%s\n' "$rss_idle" "$peak" "$sent" "$N"
