# Shared shell helpers for scripts/*.sh (sourced, not run).

# ensure_packages PKG...: installs the Debian packages that are missing, once; idempotent.
ensure_packages() {
    local installed
    # One dpkg-query for all of them (one per package took 8 s at load 11).
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | sed -n 's/ install ok installed$//p') || true
    missing=""
    for p in "$@"; do
        printf '%s\n' "$installed" | grep -qxF "$p" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "==> installing Debian packages:$missing"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    if [ ! -f /tmp/.watchpost-apt-updated ] || [ -n "$(find /tmp/.watchpost-apt-updated -mmin +720 2>/dev/null)" ]; then
        $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq && touch /tmp/.watchpost-apt-updated
    fi
    # Several clones may install at once on one machine: wait for dpkg's lock instead of failing.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing >/dev/null
}

# Packages the build needs (C libraries the systemLibrary targets link against).
BUILD_PACKAGES="pkg-config libsqlite3-dev libcurl4-openssl-dev libusb-1.0-0-dev libmicrohttpd-dev libssl-dev libcairo2-dev libpango1.0-dev"
# Packages the tests and the demo use as real peers (SMTP server, USB emulation, network tools…).
# Each capability adds what its tests need here.
TEST_PACKAGES="binutils ca-certificates curl python3-aiosmtpd python3-fusepy sqlite3 iproute2 procps chromium poppler-utils fonts-dejavu-core nut-server nut-client umockdev libumockdev-dev gcc iputils-ping nftables openssl python3 chromium-driver python3-selenium dovecot-imapd util-linux coreutils time strace systemd-container prometheus"

# debian_python: the path of Debian's own python3, the one the python3-* packages (aiosmtpd,
# selenium) install modules for; a pyenv or venv python3 earlier on PATH lacks them.
debian_python() {
    local p
    p=$(dpkg-query -L python3-minimal 2>/dev/null | grep -m1 '/bin/python3$') || true
    if [ -z "$p" ] || [ ! -x "$p" ]; then
        echo "FAIL: Debian's python3 is not installed: install the Debian package python3" >&2
        return 1
    fi
    echo "$p"
}

# free_port: a TCP port on 127.0.0.1 the kernel chose (bind to port 0), free when it was asked.
free_port() { free_ports 1; }

# free_ports N: N different TCP ports on 127.0.0.1, one per line, all chosen by the kernel while
# the N sockets are bound together (so no two are the same, as two calls of free_port could be).
free_ports() {
    local py
    py=$(debian_python) || return 1
    "$py" -c 'import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); held.append(s)
print("\n".join(str(s.getsockname()[1]) for s in held))' "$1"
}

# require_tool NAME PACKAGE: prints the path of NAME found on PATH, or fails naming the Debian
# package to install (tools are found on PATH, never at a fixed path).
require_tool() {
    command -v "$1" 2>/dev/null && return 0
    echo "FAIL: $1 is not on PATH: install the Debian package $2 (apt-get install $2; make test installs TEST_PACKAGES)" >&2
    return 1
}

# wait_for WHAT SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds; after SECONDS
# fails loudly naming WHAT (the sleep only paces the polling, it never stands in for the event).
wait_for() {
    local what="$1" seconds="$2"; shift 2
    local end=$(( $(date +%s) + seconds ))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$end" ]; then
            echo "FAIL: deadline missed: $what did not happen within ${seconds} s" >&2
            return 1
        fi
        sleep 0.1
    done
}

# stop_pids PID...: SIGTERM, then waits up to 5 s for each to exit (gone, or a zombie of the
# caller) before SIGKILL.
stop_pids() {
    local p
    for p in "$@"; do kill "$p" 2>/dev/null || true; done
    for p in "$@"; do
        wait_for "process $p to exit" 5 sh -c "! ps -o stat= -p $p | grep -qv Z" 2>/dev/null || kill -9 "$p" 2>/dev/null || true
    done
}
