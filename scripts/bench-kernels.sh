#!/usr/bin/env bash
# Kernel throughput, not part of CI. KernelBenchmark (release build): lossd's fused cross entropy
# next to its in-process baselines, then every loss on its 4096-row case; then, when a torch
# virtualenv is available (TORCH_PYTHON, default /work/torch-venv/bin/python), PyTorch on the same
# shapes with the same thread count (2: lossd's `maxThreads` default and torch.set_num_threads(2)),
# and a table of both per loss with the ratio lossd / torch (above 1: lossd is faster).
#   scripts/bench-kernels.sh                everything, float32
#   scripts/bench-kernels.sh table          the per-loss table only
#   scripts/bench-kernels.sh table float64  the per-loss table in float64
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product KernelBenchmark >&2
lossd=$(mktemp) torch=$(mktemp)
trap 'rm -f "$lossd" "$torch"' EXIT
"$(swift build -c release --show-bin-path)/KernelBenchmark" "$@" | tee "$lossd" | grep -v '^TABLE' || true
py="${TORCH_PYTHON:-/work/torch-venv/bin/python}"
[ -x "$py" ] || { echo "no torch at $py: lossd figures only" >&2; grep '^TABLE' "$lossd"; exit 0; }
"$py" Tests/LossKernelsTests/Golden/bench_torch.py "$@" | tee "$torch" | grep -v '^TABLE' || true
grep -q '^TABLE' "$lossd" || exit 0
dtype=float32
for a in "$@"; do [ "$a" = float64 ] && dtype=float64; done
echo
echo "every loss fwd+bwd, $dtype, reduction mean, 2 threads each; G el/s = 1e9 elements of the first differentiable tensor per second (best of N)"
echo
awk -F'\t' '
    FNR == NR { if ($1 == "TABLE") torch[$2] = $5; next }
    $1 == "TABLE" {
        l = $4 / $5 / 1e9
        if ($2 in torch) {
            t = $4 / torch[$2] / 1e9
            printf "| %s | %s | %.3f | %.3f | %.2fx |\n", $2, $3, l, t, torch[$2] / $5
        } else printf "| %s | %s | %.3f | - | - |\n", $2, $3, l
    }
    BEGIN { print "| loss | shape | lossd G el/s | torch G el/s | lossd / torch |"; print "|---|---|---|---|---|" }
' "$torch" "$lossd"
