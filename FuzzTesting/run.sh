#!/usr/bin/env bash
# Builds and runs one fuzz target for a bounded time, then replays FailCases/.
#   FuzzTesting/run.sh FuzzHTTPParser 60 [libFuzzer flags...]   # 60 seconds (default 60)
# New crashers are written to FailCases/<Name>/ (commit them and add a regression test).
# Exit status is non-zero when libFuzzer finds a crash or a stored fail case crashes again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
name="${1:?usage: run.sh <TargetName> [seconds]}"
seconds="${2:-60}"
binary="$("$here/build.sh" "$name" | tail -1)"
corpus="$here/.build/corpus-$name"
mkdir -p "$corpus" "$here/FailCases/$name"
if [ -d "$here/Corpus/$name" ]; then cp -n "$here/Corpus/$name"/* "$corpus"/ 2>/dev/null || true; fi
fails=("$here/FailCases/$name"/*)
if [ -e "${fails[0]}" ]; then
    "$binary" "${fails[@]}"   # replay: every stored crasher must now pass
fi
"$binary" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$here/FailCases/$name/" -print_final_stats=1 "${@:3}" "$corpus"
