# Shared shell helpers for scripts/*.sh (sourced, not run).

# ensure_packages PKG...: installs the Debian packages that are missing, once; idempotent.
ensure_packages() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "==> installing Debian packages:$missing"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    if [ ! -f /tmp/.watchpost-apt-updated ] || [ -n "$(find /tmp/.watchpost-apt-updated -mmin +720 2>/dev/null)" ]; then
        $SUDO apt-get update -qq && touch /tmp/.watchpost-apt-updated
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Packages the build needs (C libraries the systemLibrary targets link against).
BUILD_PACKAGES="pkg-config libsqlite3-dev libcurl4-openssl-dev libusb-1.0-0-dev libmicrohttpd-dev libssl-dev"
# Packages the tests and the demo use as real peers (SMTP server, USB emulation, network tools…).
# Each capability adds what its tests need here.
TEST_PACKAGES="python3-aiosmtpd sqlite3 iproute2 procps chromium poppler-utils fonts-dejavu-core nut-server nut-client umockdev libumockdev-dev gcc iputils-ping nftables fping openssl python3 chromium-driver python3-selenium dovecot-imapd util-linux coreutils time"
