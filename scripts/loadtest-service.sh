#!/usr/bin/env bash
# Load and fault campaign on loopback (not part of CI's default run: it takes about 80 s).
#
#   scripts/loadtest-service.sh [seconds] [connections] [silent] [bombers]
#                  (defaults: 60 s, 256 connections, 0 silent connections, 0 gzip bombers)
#
# Builds the release lossd (or uses $LOSSD_BIN), starts it on an ephemeral loopback port with
# the default limits, and runs scripts/loadtest_service.py: keep-alive connections posting a
# mix of valid and invalid jobs, plus fault clients that disconnect mid-request and
# mid-response (with FIN and with RST), send garbage and stall their headers; with [silent] > 0
# an attacker also holds that many connections that send nothing, reopening each one lossd
# closes (1100 against the default 1024-connection table: the silent-connection scenario); with
# [bombers] > 0 that many attackers post 255 MB gzip bombs one after another (the gzip-bomb
# scenario: 413 each, or 503 while the memory budget is held). It prints
# requests/s, statuses, latency, RSS and descriptor counts of the server process, and fails on
# any 5xx other than deliberate 503s, truncated answers, a descriptor leak or growing RSS.
# Finally it sends SIGTERM and requires exit status 0.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
connections=${2:-256}
silent=${3:-0}
bombers=${4:-0}

if [ -z "${LOSSD_BIN:-}" ]; then
    swift build -c release --product lossd >/dev/null
    LOSSD_BIN="$(swift build -c release --show-bin-path)/lossd"
fi
# 256 client sockets plus as many server-side ones: more than the usual 1024 soft limit.
ulimit -n 8192 2>/dev/null || true

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/lossd-loadtest.XXXXXX.log)
env -u LOSSD_BIN LOSSD_LOG_LEVEL=warning LOSSD_DRAIN_GRACE=0 \
    "$LOSSD_BIN" serve --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then break; fi
    sleep 0.1
done

echo "lossd $pid on 127.0.0.1:$port, $seconds s, $connections connections, $silent silent, $bombers bombers (server log: $log)"
status=0
python3 scripts/loadtest_service.py --port "$port" --pid "$pid" --seconds "$seconds" \
    --connections "$connections" --silent-connections "$silent" --bombers "$bombers" || status=$?

kill -TERM "$pid"
exit_status=0
wait "$pid" || exit_status=$?
trap - EXIT
echo "lossd exit status after SIGTERM: $exit_status"
[ "$exit_status" -eq 0 ] || status=1
exit "$status"
