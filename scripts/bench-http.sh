#!/usr/bin/env bash
# Benchmark (not a test): lossd's HTTPServer against a Hummingbird 2 peer, same routes, same run.
#   scripts/bench-http.sh [seconds-per-run]      (default 10)
# Routes: GET /healthz and POST /echo with a 1 MiB body; wrk, 2 threads, 64 keep-alive
# connections, loopback. Prints req/s and p99 for both servers and the lossd/Hummingbird ratios
# (req/s ratio > 1 and p99 ratio < 1 favour lossd). Both servers are release builds.
#
# The peer is a throwaway package built OUTSIDE the repository (PEER_DIR, default
# /tmp/lossd-peer-hummingbird) from hummingbird 2.28.1 (the local package mirror); none of its code
# is committed. The machine may be shared: run the script twice and compare, and read the ratios,
# not the absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
peer_dir="${PEER_DIR:-/tmp/lossd-peer-hummingbird}"
lossd_port="${LOSSD_PORT:-18480}"
peer_port="${PEER_PORT:-18481}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "== building lossd HTTPServerBench (release)"
swift build -c release --product HTTPServerBench >/dev/null
lossd_bin="$(swift build -c release --show-bin-path)/HTTPServerBench"

echo "== building the Hummingbird peer in $peer_dir (release)"
mkdir -p "$peer_dir/Sources/PeerHummingbird"
cat > "$peer_dir/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
// Throwaway benchmark peer for lossd's scripts/bench-http.sh (not part of lossd).
import PackageDescription
let package = Package(
    name: "PeerHummingbird",
    platforms: [.macOS(.v14)],
    dependencies: [.package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1")],
    targets: [.executableTarget(name: "PeerHummingbird", dependencies: [.product(name: "Hummingbird", package: "hummingbird")])]
)
SWIFT
cat > "$peer_dir/Sources/PeerHummingbird/main.swift" <<'SWIFT'
// GET /healthz -> "ok\n"; POST /echo -> the request body (collected, up to 2 MiB).
import Hummingbird
let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 8081 : 8081
let router = Router()
router.get("healthz") { _, _ -> String in "ok\n" }
router.post("echo") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 2 * 1024 * 1024)
    return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: body))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
SWIFT
(cd "$peer_dir" && swift build -c release >/dev/null)
peer_bin="$(cd "$peer_dir" && swift build -c release --show-bin-path)/PeerHummingbird"

wait_for() {
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0
        sleep 0.1
    done
    echo "server on port $1 did not start" >&2
    exit 1
}
"$lossd_bin" "$lossd_port" > "$work/lossd.log" 2>&1 & pids+=($!)
"$peer_bin" "$peer_port" > "$work/peer.log" 2>&1 & pids+=($!)
wait_for "$lossd_port"
wait_for "$peer_port"

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

# run NAME PORT PATH [lua] -> prints "req_per_s p99_ms errors"
run() {
    local port="$2" path="$3" script="${4:-}"
    local args=(-t2 -c64 "-d${seconds}s" --latency)
    [ -n "$script" ] && args+=(-s "$script")
    wrk "${args[@]}" "http://127.0.0.1:$port$path" > "$work/$1.txt" 2>&1
    python3 - "$work/$1.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1))
value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", text).groups()
p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
errors = 0
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if m: errors += sum(int(x) for x in m.groups())
m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if m: errors += int(m.group(1))
print(f"{rps:.0f} {p99:.2f} {errors}")
PY
}

echo "== warm-up"
wrk -t2 -c64 -d2s "http://127.0.0.1:$lossd_port/healthz" >/dev/null 2>&1
wrk -t2 -c64 -d2s "http://127.0.0.1:$peer_port/healthz" >/dev/null 2>&1

printf "%-14s %-12s %12s %10s %7s\n" route server "req/s" "p99 ms" errors
declare -A result
for route in healthz echo; do
    for server in lossd hummingbird; do
        port=$([ "$server" = lossd ] && echo "$lossd_port" || echo "$peer_port")
        if [ "$route" = healthz ]; then line=$(run "$server-$route" "$port" /healthz)
        else line=$(run "$server-$route" "$port" /echo "$work/post.lua"); fi
        result["$server-$route"]="$line"
        read -r rps p99 errors <<<"$line"
        printf "%-14s %-12s %12s %10s %7s\n" "$route" "$server" "$rps" "$p99" "$errors"
    done
done
echo "== lossd / Hummingbird (req/s: higher is better for lossd; p99: lower is better for lossd)"
for route in healthz echo; do
    read -r lr lp _ <<<"${result[lossd-$route]}"
    read -r hr hp _ <<<"${result[hummingbird-$route]}"
    python3 -c "print(f'%-8s req/s ratio %.2f   p99 ratio %.2f' % ('$route', $lr / $hr, $lp / $hp))"
done
