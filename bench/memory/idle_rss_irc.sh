#!/usr/bin/env bash
# Idle resident memory of `twintrack run` with the hub and one IRC connector, connected to
# a real ngircd on a free loopback port (as tests/irc does), after it settles. Prints the
# total, anonymous and file-backed parts.
#   bash bench/memory/idle_rss_irc.sh [build/app/twintrack]
set -euo pipefail
bin=${1:-build/app/twintrack}
dir=$(mktemp -d)
pid=
irc=
cleanup() {
    for p in $pid $irc; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/ngircd.conf" <<EOF
[Global]
	Name = irc.twintrack.test
	Info = TwinTrack memory bench
	AdminInfo1 = TwinTrack bench
	AdminInfo2 = loopback
	AdminEMail = bench@example.com
	Listen = 127.0.0.1
	Ports = $port
	MotdPhrase = "TwinTrack bench server"
[Limits]
	MaxConnectionsIP = 0
	MaxJoins = 0
[Options]
	PAM = no
	DNS = no
	Ident = no
EOF
ngircd -n -f "$dir/ngircd.conf" >"$dir/ngircd.log" 2>&1 &
irc=$!

cat >"$dir/people.csv" <<EOF
name,email,department,role,timezone,locale,working_hours,identities
Alice Chen,alice@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,hub:alice;irc:alice
EOF
"$bin" import people "$dir/people.csv" --data "$dir/data" >/dev/null
cat >"$dir/twintrack.yaml" <<EOF
connectors:
  - type: hub
    port: 0
  - type: irc
    name: irc
    server: 127.0.0.1
    port: $port
    nick: twintrack
    channels:
      - {name: "#sales", track: sales}
EOF
${WRAP:-} "$bin" run --config "$dir/twintrack.yaml" --data "$dir/data" >"$dir/out.log" 2>&1 &
pid=$!
for _ in $(seq $((${WAIT_SECONDS:-10} * 10))); do grep -q "listening on" "$dir/out.log" && break; sleep 0.1; done
for _ in $(seq $((${WAIT_SECONDS:-10} * 10))); do grep -q "irc irc: joined" "$dir/out.log" && break; sleep 0.1; done
grep -q "irc irc: joined" "$dir/out.log" || { cat "$dir/out.log" "$dir/ngircd.log" >&2; exit 1; }
sleep "${SETTLE_SECONDS:-5}"
status() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
echo "idle resident memory with hub + IRC: $(status VmRSS) kB" \
    "(anonymous $(status RssAnon) kB, file-backed $(status RssFile) kB, peak $(status VmHWM) kB)"
[ -z "${SHOW_MAPPINGS:-}" ] || bash "$(dirname "$0")/rss_by_mapping.sh" "$pid"
