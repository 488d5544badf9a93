#!/usr/bin/env bash
# Load test (not a test in CI): 256 concurrent keep-alive connections for 30 s on loopback
# against HTTPServerBench (release), then checks zero errors and reports RSS before and after.
#   scripts/loadtest-http.sh [connections] [seconds]     (default 256 30)
# Half of the run is GET /healthz, the other half POST /echo with a 4 KiB body, so both the
# handler queue and request bodies are exercised. Exit status 1 on any socket error or non-2xx.
set -euo pipefail
cd "$(dirname "$0")/.."
connections="${1:-256}"
seconds="${2:-30}"
port="${LOADTEST_PORT:-18490}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

swift build -c release --product HTTPServerBench >/dev/null
"$(swift build -c release --show-bin-path)/HTTPServerBench" "$port" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

rss() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$server_pid/status"; }
fds() { ls "/proc/$server_pid/fd" | wc -l; }
rss_start=$(rss)
echo "RSS at start: ${rss_start} kB, threads $(threads), fds $(fds)"

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 4096)
LUA
half=$((seconds / 2))
wrk -t2 -c"$connections" -d"${half}s" --latency "http://127.0.0.1:$port/healthz" > "$work/get.txt" 2>&1
rss_mid=$(rss)
wrk -t2 -c"$connections" -d"$((seconds - half))s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/echo" > "$work/post.txt" 2>&1
rss_end=$(rss)
sleep 1
echo "RSS after GET phase: ${rss_mid} kB; at end: ${rss_end} kB; threads $(threads), fds $(fds) after the clients left"

status=0
for phase in get post; do
    requests=$(awk '/requests in/ {print $1}' "$work/$phase.txt")
    rate=$(awk '/Requests\/sec/ {print $2}' "$work/$phase.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/$phase.txt")
    socket_errors=$(grep -o 'Socket errors:.*' "$work/$phase.txt" || echo "Socket errors: none")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/$phase.txt")
    echo "$phase: $requests requests, $rate req/s, p99 $p99, $socket_errors, non-2xx ${non2xx:-0}"
    if grep -q 'Socket errors' "$work/$phase.txt" || [ -n "$non2xx" ]; then status=1; fi
done
[ "$status" = 0 ] && echo "PASS: zero errors with $connections connections for ${seconds}s" || echo "FAIL: errors seen"
exit "$status"
