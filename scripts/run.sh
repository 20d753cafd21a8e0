#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running TwinTrack:
# installs what is missing, builds, and starts the built-in hub with the demo
# organisation at http://127.0.0.1:8080 (data in ./data). Extra arguments go to
# `twintrack run`, e.g. `bash scripts/run.sh --port 9000`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Without a configuration file TwinTrack starts its embedded default, which needs no
# connector but the hub: building only that saves most of the first run's compile time.
# With --config every connector is built (the file may name any of them).
connectors=hub
for arg in "$@"; do
    case "$arg" in --config | --config=*) connectors=all ;; esac
done
CONNECTORS=$connectors TARGET=twintrack bash scripts/build.sh
exec build/app/twintrack run --demo "$@"
