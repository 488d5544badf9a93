#!/usr/bin/env bash
# Kernel throughput, not part of CI. KernelBenchmark (release build): lossd's fused cross entropy
# next to its in-process baselines, then every loss on its 4096-row case; then, when a torch
# virtualenv is available (TORCH_PYTHON, default /work/torch-venv/bin/python), PyTorch on the same
# shapes with the same thread count (2: lossd's `maxThreads` default and torch.set_num_threads(2)),
# and a table of both per loss with the ratio lossd / torch (above 1: lossd is faster).
# The per-loss timings alternate lossd and torch ROUNDS times (default 3) and keep each side's
# best, so that a burst of load from other processes on this shared machine lands on both.
#   scripts/bench-kernels.sh                     everything, float32
#   scripts/bench-kernels.sh table               the per-loss table only
#   scripts/bench-kernels.sh table float64 [names...]  in float64; only the losses named
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product KernelBenchmark >&2
bin="$(swift build -c release --show-bin-path)/KernelBenchmark"
py="${TORCH_PYTHON:-/work/torch-venv/bin/python}"
lossd=$(mktemp) torch=$(mktemp)
trap 'rm -f "$lossd" "$torch"' EXIT
for round in $(seq "${ROUNDS:-3}"); do
    if [ "$round" = 1 ]; then
        "$bin" "$@" | tee -a "$lossd" | grep -v '^TABLE' || true
    else
        "$bin" table "$@" | grep '^TABLE' >> "$lossd" || true
    fi
    grep -q '^TABLE' "$lossd" || exit 0
    [ -x "$py" ] || { echo "no torch at $py: lossd figures only" >&2; continue; }
    if [ "$round" = 1 ]; then
        "$py" Tests/LossKernelsTests/Golden/bench_torch.py "$@" | tee -a "$torch" | grep -v '^TABLE' || true
    else
        "$py" Tests/LossKernelsTests/Golden/bench_torch.py table "$@" | grep '^TABLE' >> "$torch" || true
    fi
done
dtype=float32
for a in "$@"; do [ "$a" = float64 ] && dtype=float64; done
echo
echo "every loss fwd+bwd, $dtype, reduction mean, 2 threads each; G el/s = 1e9 elements of the first"
echo "differentiable tensor per second (best of N per run, best of ${ROUNDS:-3} alternating runs)"
echo
awk -F'\t' '
    FNR == NR { if ($1 == "TABLE" && (!($2 in torch) || $5 < torch[$2])) torch[$2] = $5; next }
    $1 == "TABLE" {
        if (!($2 in best)) { order[++n] = $2; shape[$2] = $3; elements[$2] = $4; best[$2] = $5 }
        else if ($5 < best[$2]) best[$2] = $5
    }
    END {
        print "| loss | shape | lossd G el/s | torch G el/s | lossd / torch |"
        print "|---|---|---|---|---|"
        for (i = 1; i <= n; i++) {
            k = order[i]
            if (k in torch)
                printf "| %s | %s | %.3f | %.3f | %.2fx |\n", k, shape[k], elements[k] / best[k] / 1e9,
                    elements[k] / torch[k] / 1e9, torch[k] / best[k]
            else printf "| %s | %s | %.3f | - | - |\n", k, shape[k], elements[k] / best[k] / 1e9
        }
    }
' "$torch" "$lossd"
