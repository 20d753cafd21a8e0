#!/usr/bin/env bash
# Installs the Debian 12 packages TwinTrack needs to build, run and test.
# Idempotent: packages already present are left alone; apt-get update runs only
# when something is missing.
set -euo pipefail

build_pkgs=(
    build-essential cmake ninja-build ccache pkg-config clang-format
    libcpprest-dev libboost-system-dev libssl-dev
    libwebsocketpp-dev libasio-dev
    libsqlite3-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev
    libkainjow-mustache-dev libhowardhinnant-date-dev tzdata libical-dev libicu-dev
    libcli11-dev
)
test_pkgs=(
    libgtest-dev libgmock-dev libbenchmark-dev
    chromium python3 python3-websocket sqlite3 procps
)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
    want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
