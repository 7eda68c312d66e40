#!/usr/bin/env bash
# Sourced by scripts/demo.sh: starts the simulated hardware on loopback. Each capability appends
# its simulators here (`"$bin/watchpost-sim" … & pids+=($!)`).

# LED controller: NovaStar sending card with 2 ports × 4 receiving cards (Tây Trang's
# led-controller check, 192.0.2.20 → 127.0.0.20), control socket for fault injection.
"$bin/watchpost-sim" novastar --listen 127.0.0.20:5200 --cards 4,4 --monitoring-cards --control "$demo/novastar.ctl" &
pids+=($!)
