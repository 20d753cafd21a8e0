#!/usr/bin/env bash
# IRC round trips through the real bot and a real ngircd: 10 directory people
# (alice1..alice10, irc identities) send `ping` by private message; the real
# `twintrack run` (flood control off, ngircd penalties off) answers `pong`. Two shapes:
# one client strictly sequential, and 10 clients with 5 pings in flight each. Prints
# irc_load's figures and the program's resident memory.
#   bash bench/irc_load/against_twintrack.sh [BUILD_DIR] [COUNT_PER_CLIENT]
set -euo pipefail
build=${1:-build}
count=${2:-2000}
dir=$(mktemp -d)
chmod 755 "$dir"
pid=
ircd=
cleanup() {
    [[ -n $pid ]] && { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
    [[ -n $ircd ]] && { kill -TERM "$ircd" 2>/dev/null; wait "$ircd" 2>/dev/null || true; }
    rm -rf "$dir"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/ngircd.conf" <<CONF
[Global]
	Name = irc.twintrack.bench
	Info = TwinTrack benchmark server
	AdminInfo1 = TwinTrack bench
	AdminInfo2 = loopback
	AdminEMail = bench@example.com
	Listen = 127.0.0.1
	Ports = $port
[Limits]
	MaxConnectionsIP = 0
	MaxNickLength = 30
	MaxPenaltyTime = 0
[Options]
	PAM = no
	DNS = no
	Ident = no
CONF
ngircd -n -f "$dir/ngircd.conf" >"$dir/ngircd.log" 2>&1 &
ircd=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

{
    echo "name,email,department,role,timezone,locale,working_hours,identities"
    for i in $(seq 1 10); do
        echo "Alice $i,alice$i@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,irc:alice$i"
    done
} >"$dir/people.csv"
cat >"$dir/twintrack.yaml" <<CONF
connectors:
  - type: hub
    port: 0
  - type: irc
    name: irc
    server: 127.0.0.1
    port: $port
    nick: twintrack
    flood: {burst: 1000, per_second: 0}
CONF
"$build/app/twintrack" import people "$dir/people.csv" --data "$dir/data" >/dev/null
"$build/app/twintrack" run --config "$dir/twintrack.yaml" --data "$dir/data" --log-level warn \
    >"$dir/out.log" 2>&1 &
pid=$!

echo "sequential:"
"$build/bench/irc_load/irc_load" --port "$port" --clients 1 --inflight 1 --count "$count"
echo "pipelined:"
"$build/bench/irc_load/irc_load" --port "$port" --clients 10 --inflight 5 --count "$count"
echo "twintrack resident memory after the run: $(awk '/VmRSS/ {print $2}' /proc/$pid/status) kB" \
    "(peak $(awk '/VmHWM/ {print $2}' /proc/$pid/status) kB)"
