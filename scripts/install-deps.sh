#!/usr/bin/env bash
# Installs the Debian 12 packages TwinTrack needs to build, run and test.
# Idempotent: packages already present are left alone; apt-get update runs only
# when something is missing.
set -euo pipefail

build_pkgs=(
    build-essential cmake ninja-build ccache pkg-config
    # The program is linked with lld, its start-up functions together (app/CMakeLists.txt).
    lld
    libcpprest-dev libboost-system-dev libssl-dev
    libwebsocketpp-dev libasio-dev
    libsqlite3-dev libpq-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev
    libkainjow-mustache-dev libhowardhinnant-date-dev tzdata libical-dev libicu-dev
    libcli11-dev libpcre2-dev libexpat1-dev
    libcairo2-dev libfontconfig-dev
    # Chinese labels in the metrics chart (a face fontconfig finds for CJK text):
    # WenQuanYi Micro Hei, one 5 MB file; fonts-noto-cjk would add about 90 MB.
    fonts-wqy-microhei
    protobuf-compiler libprotobuf-dev
    # The XMPP connector: libstrophe does SASL, STARTTLS and the XML stream.
    libstrophe-dev
    # The dashboard page (web/dashboard): `npm ci` of its committed lockfile (Apache
    # ECharts) and its copy step run at build time; nothing is fetched at run time.
    nodejs npm
)
test_pkgs=(
    # scripts/check-format.sh, which the tests run first (it brings LLVM, 30 MB: not
    # something the first `run.sh` needs).
    clang-format
    libgtest-dev libgmock-dev libbenchmark-dev
    chromium python3 python3-websocket sqlite3 procps
    # The browser test's fake OpenID provider signs its ID tokens (RS256).
    python3-cryptography
    ngircd inspircd openssl
    # The XMPP tests start their own `prosody -F --config FILE` on free loopback ports.
    prosody
    clang libclang-rt-14-dev
    # The PostgreSQL store's tests start their own server (initdb, postgres) from these
    # binaries, as the unprivileged `postgres` user the package creates.
    postgresql-15
)
# Measuring (bench/): perf for profiles; Node.js and npm for bench/hub_load's reference
# server (its npm packages come from bench/hub_load/reference/package-lock.json).
bench_pkgs=(
    linux-perf nodejs npm
    # bench/memory/startup_order.sh: the functions an idle start runs (callgrind).
    valgrind
)

want=("${build_pkgs[@]}")
for arg in "$@"; do
    case "$arg" in
        --test) want+=("${test_pkgs[@]}") ;;
        --bench) want+=("${bench_pkgs[@]}") ;;
        *) echo "usage: install-deps.sh [--test] [--bench]" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    # A Node.js build that brings its own npm (and conflicts with Debian's) is enough.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# The IRC and XMPP tests start their own `ngircd -n -f FILE`, `inspircd --nofork` and
# `prosody -F` on free loopback ports; Debian's services (ports 6667, 5222) are not wanted
# on a build machine.
quiet_service() {
    if command -v systemctl >/dev/null 2>&1; then
        $SUDO systemctl disable "$1" >/dev/null 2>&1 || true  # works without systemd too
    fi
    if [ -d /run/systemd/system ]; then
        $SUDO systemctl stop "$1" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$1" ]; then
        $SUDO "/etc/init.d/$1" stop >/dev/null 2>&1 || true
    fi
}

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
for service in ngircd inspircd prosody; do
    if printf '%s\n' "${missing[@]}" | grep -qx "$service"; then quiet_service "$service"; fi
done
