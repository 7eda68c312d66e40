# Shared by the browser end-to-end scripts (sourced, after scripts/lib.sh): their setup, a configuration
# folder for one Tây Trang site whose only check is a dark LED screen (so an incident opens at
# once), the test SMTP sink and a real `watchpost run` on loopback ports.
#   write_dark_screen_config WORK SMTP_PORT WEB_PORT   writes WORK/conf (the caller adds site files)
#   start_dark_screen_daemon BIN PY ROOT WORK SMTP_PORT WEB_PORT   starts both, appends to $pids,
#                                                       waits for /healthz (fails with the log)

write_dark_screen_config() {
  local work="$1" smtp="$2" web="$3"
  mkdir -p "$work/conf/probes/tay-trang" "$work/mail"
  printf '#!/bin/sh\necho "CRITICAL - màn hình tối / screen dark | brightness=0"\nexit 2\n' > "$work/check_dark"; chmod +x "$work/check_dark"
  cat > "$work/conf/probes/tay-trang/checks.conf" <<CONF
[check screen]
kind = exec
name = Màn hình LED / LED screen
command = $work/check_dark
interval = 2s
timeout = 1s
fail_after = 1
CONF
  printf '[web]\nlink_key = %s\n' "$(openssl rand -hex 32)" > "$work/secrets.conf"; chmod 600 "$work/secrets.conf"
  cat > "$work/conf/watchpost.conf" <<CONF
[daemon]
database = $work/watchpost.db
secrets = $work/secrets.conf
jitter = 0
[smtp]
host = 127.0.0.1
port = $smtp
insecure = true
from = watchpost@taytrang.example.org
[mail]
group_window = 0s
retry_initial = 1s
retry_max = 2s
[web]
listen = 127.0.0.1:$web
base_url = http://127.0.0.1:$web
CONF
}

start_dark_screen_daemon() {
  local bin="$1" py="$2" root="$3" work="$4" smtp="$5" web="$6"
  "$py" "$root/scripts/mail-sink.py" --listen "127.0.0.1:$smtp" --dir "$work/mail" > "$work/sink.log" 2>&1 < /dev/null &
  pids+=($!)
  "$bin" run --config "$work/conf" > "$work/daemon.log" 2>&1 < /dev/null &
  pids+=($!)
  wait_for "the web server answers /healthz" 60 curl -sf -m 5 -o /dev/null "http://127.0.0.1:$web/healthz" || {
    echo "--- daemon log"; tail -n 40 "$work/daemon.log"; exit 1; }
}

# browser_e2e_setup NAME: checks the tools and Python packages a browser run needs (failing with
# the Debian package to install), makes $work (removed on exit, after every process in $pids is
# stopped) and picks free loopback ports $smtp and $web from the kernel. Sets py, work, pids,
# smtp, web.
browser_e2e_setup() {
  py=$(debian_python)
  require_tool chromium chromium >/dev/null
  require_tool chromedriver chromium-driver >/dev/null
  require_tool openssl openssl >/dev/null
  require_tool curl curl >/dev/null
  require_tool timeout coreutils >/dev/null
  "$py" -c 'import selenium' 2>/dev/null || { echo "FAIL: $py cannot import selenium: install the Debian package python3-selenium"; exit 1; }
  "$py" -c 'import aiosmtpd' 2>/dev/null || { echo "FAIL: $py cannot import aiosmtpd: install the Debian package python3-aiosmtpd"; exit 1; }
  work=$(mktemp -d "/tmp/watchpost-e2e-$1-XXXXXX")
  pids=()
  trap 'stop_pids "${pids[@]}"; rm -rf "$work"' EXIT
  # Two different ports from the kernel (lib.sh binds both at once).
  { read -r smtp; read -r web; } < <(free_ports 2)
  [ -n "$smtp" ] && [ -n "$web" ] && [ "$smtp" != "$web" ] || { echo "FAIL: no two free ports from the kernel (got '$smtp' and '$web')"; exit 1; }
}
