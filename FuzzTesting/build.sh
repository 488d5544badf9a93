#!/usr/bin/env bash
# Builds one libFuzzer target: FuzzTesting/build.sh FuzzHTTPParser  ->  FuzzTesting/.build/FuzzHTTPParser
# A target is Sources/<Name>/main.swift (with @_cdecl("LLVMFuzzerTestOneInput")) compiled with
# the repository files listed in Sources/<Name>/sources.txt (paths relative to the repo root),
# so internal parser types are fuzzed directly, with ASan and libFuzzer instrumentation; or, when
# Sources/<Name>/Package.swift exists, that package built by SwiftPM with the same instrumentation.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
name="${1:?usage: build.sh <TargetName>}"
mkdir -p "$here/.build"
# A target with its own Package.swift (FuzzRequestPath: it needs LossAPI's dependencies) is built
# by SwiftPM instead, every module instrumented; its scratch folder is .build/<Name>-spm.
if [ -f "$here/Sources/$name/Package.swift" ]; then
    scratch="$here/.build/$name-spm"
    swift build --package-path "$here/Sources/$name" --scratch-path "$scratch" -c release --product "$name" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -g >&2
    # Copied and renamed, so that a rebuild does not fail on (or disturb) a run still using the binary.
    cp "$scratch/release/$name" "$here/.build/$name.new"
    mv -f "$here/.build/$name.new" "$here/.build/$name"
    echo "$here/.build/$name"
    exit 0
fi
sources=()
while IFS= read -r line; do
    [ -n "$line" ] && sources+=("$root/$line")
done < "$here/Sources/$name/sources.txt"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "$name" -package-name lossd \
    "$here/Sources/$name/main.swift" "${sources[@]}" -o "$here/.build/$name"
echo "$here/.build/$name"
