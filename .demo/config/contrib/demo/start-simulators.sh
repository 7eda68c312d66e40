#!/usr/bin/env bash
# Sourced by scripts/demo.sh: starts the simulated hardware on loopback. Each capability appends
# its simulators here (`"$bin/watchpost-sim" … & pids+=($!)`).

# LED controller: NovaStar sending card with 2 ports × 4 receiving cards (Tây Trang's
# led-controller check, 192.0.2.20 → 127.0.0.20), control socket for fault injection.
"$bin/watchpost-sim" novastar --listen 127.0.0.20:5200 --cards 4,4 --monitoring-cards --control "$demo/novastar.ctl" &
pids+=($!)

# Content integrity (Tây Trang's content and playing-now checks): a copy of the demo media folder
# with its manifest signed by the DEMO key (contrib/demo/content), the demo public key, and a
# simulated player at 127.0.0.21:8080 (192.0.2.21) playing what $demo/now-playing names. The
# content-blackout responder is enabled in the demo, so unapproved content blacks out the
# simulated LED screen once and the timeline shows it.
mkdir -p "$demo/media"
cp -r contrib/demo/content/media/. "$demo/media/"
sed -i -e "s#^media_folder = .*#media_folder = $demo/media#" \
       -e "s#^public_key = .*#public_key = contrib/demo/content/demo-department.pub#" \
       -e '/^\[check content\]/,/^\[/ s/^interval = .*/interval = 20s/' \
       -e '/^\[check content\]/,/^\[/ s/^timeout = .*/timeout = 15s/' \
       "$demo/config/probes/tay-trang/checks.conf"
if [ -f "$demo/config/probes/tay-trang/responders.conf" ]; then
    sed -i '/^\[responder content-blackout\]/,/^\[/ s/^enabled = false/enabled = true/' "$demo/config/probes/tay-trang/responders.conf"
fi
echo "videos/gioi-thieu.txt" > "$demo/now-playing"
"$bin/watchpost-sim" player --listen 127.0.0.21:8080 --media "$demo/media" --now-playing "$demo/now-playing" &
pids+=($!)
