#!/usr/bin/env bash
# Sourced by scripts/demo.sh: starts the simulated hardware on loopback. Each capability appends
# its simulators here (`"$bin/watchpost-sim" … & pids+=($!)`).

# LED controller: NovaStar sending card with 2 ports × 4 receiving cards (Tây Trang's
# led-controller check, 192.0.2.20 → 127.0.0.20), control socket for fault injection.
"$bin/watchpost-sim" novastar --listen 127.0.0.20:5200 --cards 4,4 --monitoring-cards --control "$demo/novastar.ctl" &
pids+=($!)

# Content integrity (Tây Trang's content and playing-now checks): a copy of the demo media folder,
# its manifest signed now with the DEMO key (contrib/demo/content) from the Department's sidecar
# (titles, sources, languages, this month's programmes: the broadcast log and the Tây Trang 7.8
# freshness rule see them), the demo public key, and a simulated player at 127.0.0.21:8080
# (192.0.2.21) looping media/playlist.m3u — unless $demo/now-playing names an item (the fault).
# The content-blackout responder is enabled in the demo, so unapproved content blacks out the
# simulated LED screen once and the timeline and the broadcast log show it.
mkdir -p "$demo/media"
cp -r contrib/demo/content/media/. "$demo/media/"
install -m 600 contrib/demo/content/demo-department.key "$demo/demo-department.key"
sed "s/{month}/$(date +%Y-%m)/" contrib/demo/content/sidecar.txt > "$demo/sidecar.txt"
"$bin/watchpost" manifest create "$demo/media" --key "$demo/demo-department.key" --valid-from 2026-01-01 --valid-to 2030-12-31 \
    --approved-by "Sở Thông tin và Truyền thông tỉnh Điện Biên (DEMO)" --sidecar "$demo/sidecar.txt" 2>/dev/null
sed -i -e "s#^media_folder = .*#media_folder = $demo/media#" \
       -e "s#^public_key = .*#public_key = contrib/demo/content/demo-department.pub#" \
       -e '/^\[check content\]/,/^\[/ s/^interval = .*/interval = 20s/' \
       -e '/^\[check content\]/,/^\[/ s/^timeout = .*/timeout = 15s/' \
       -e '/^\[check playing-now\]/,/^\[/ s/^interval = .*/interval = 15s/' \
       -e '/^\[check content-freshness\]/,/^\[/ s/^interval = .*/interval = 1m/' \
       "$demo/config/probes/tay-trang/checks.conf"
if [ -f "$demo/config/probes/tay-trang/responders.conf" ]; then
    sed -i '/^\[responder content-blackout\]/,/^\[/ s/^enabled = false/enabled = true/' "$demo/config/probes/tay-trang/responders.conf"
fi
# Operating hours. By default the demo runs as if in operating hours at any time of day, so that
# whoever tries it at 21:00 still sees a dark screen become an incident and a gap "screen dark in
# operating hours" in the broadcast log (outside the hours of Tây Trang 7.2.1 a dark screen is
# expected and is neither). DEMO_SCHEDULE=profile keeps the profile's own schedule.conf
# (07:30-11:00, 13:30-18:00 on working days; 8-10 hours at weekends and holidays): the broadcast
# log then records dark-screen and nothing-playing gaps only inside those hours.
if [ "${DEMO_SCHEDULE:-always}" != profile ]; then
    sed -i -E -e 's/^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)( *)= .*/\1\2= 00:00-24:00/' -e 's/^windows = .*/windows = 00:00-24:00/' \
        "$demo/config/probes/tay-trang/schedule.conf"
fi
: > "$demo/now-playing"
"$bin/watchpost-sim" player --listen 127.0.0.21:8080 --media "$demo/media" --playlist "$demo/media/playlist.m3u" --now-playing "$demo/now-playing" &
pids+=($!)

# UPS: a Megatec Q1 unit on a pseudo-terminal (Tây Trang's ups check, kind ups-q1 on /dev/ttyS0 →
# the pty link). It loses mains a minute in (ONBATT after 5 s, lowbatt ≈ 3½ minutes later when
# the charge passes 30 %), and mains come back at 4 minutes. No root needed: no USB emulation here.
sed -i "s#^device = /dev/ttyS0#device = $demo/ups-tty#" "$demo/config/probes/tay-trang/checks.conf"
"$bin/watchpost-sim" ups-q1 --link "$demo/ups-tty" --control "$demo/ups.ctl" --mains-loss-after 60s --mains-back-after 4m &
pids+=($!)

# Network peers of the network checks (192.0.2.x → 127.0.0.x): the uplink gateway (127.0.0.1) and
# the controller (127.0.0.20) answer ping on loopback by themselves, the player's web interface is
# the player simulator above (127.0.0.21:8080); the mail server's submission port
# (127.0.0.25:587) and the Department's HTTPS server (127.0.0.80:443, a certificate made now and
# trusted through ca_file) are small servers from Debian's python3 and openssl.
mkdir -p "$demo/net"
/usr/bin/python3 -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.25", 587)); s.listen(64)
while True:
    c, _ = s.accept(); c.sendall(b"220 demo mail server\r\n"); c.close()' >/dev/null 2>&1 &
pids+=($!)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 -subj /CN=127.0.0.80 \
    -addext subjectAltName=IP:127.0.0.80 -keyout "$demo/net/department.key" -out "$demo/net/department.pem" >/dev/null 2>&1
openssl s_server -quiet -www -accept 127.0.0.80:443 -cert "$demo/net/department.pem" -key "$demo/net/department.key" >/dev/null 2>&1 &
pids+=($!)
sed -i "/^\[check department-server\]/a ca_file = $demo/net/department.pem" "$demo/config/probes/tay-trang/checks.conf"
