#!/usr/bin/env bash
# Lints deploy/: hadolint on the Dockerfile, yamllint and kubernetes-validate (strict schema
# of the Kubernetes version pinned in deploy/lint-requirements.txt) on the manifests, and
# systemd-analyze verify + an offline security score on the systemd unit where systemd exists.
# No Docker engine or cluster is needed. The linters live in .build/lint-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/lint-venv
if [ ! -x "$venv/bin/hadolint" ] || ! cmp -s deploy/lint-requirements.txt "$venv/.requirements" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r deploy/lint-requirements.txt
    cp deploy/lint-requirements.txt "$venv/.requirements"
fi

echo "lint-deploy: hadolint deploy/Dockerfile"
"$venv/bin/hadolint" --no-color --config deploy/hadolint.yaml deploy/Dockerfile

echo "lint-deploy: yamllint deploy/"
"$venv/bin/yamllint" --strict --config-file deploy/yamllint.yaml deploy

echo "lint-deploy: kubernetes-validate deploy/kubernetes"
"$venv/bin/kubernetes-validate" --strict --quiet deploy/kubernetes/*.yaml

if command -v systemd-analyze >/dev/null 2>&1; then
    echo "lint-deploy: systemd-analyze verify deploy/systemd/lossd.service"
    # verify insists that ExecStart exists: point it at a stand-in executable in a copy.
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cp /bin/true "$tmp/lossd"
    sed "s|/usr/local/bin/lossd|$tmp/lossd|" deploy/systemd/lossd.service > "$tmp/lossd.service"
    # verify exits 0 on unknown or unparsable settings and only prints them: fail on any output.
    out=$(cd "$tmp" && systemd-analyze verify lossd.service 2>&1 || echo "systemd-analyze verify failed")
    if [ -n "$out" ]; then
        echo "$out" >&2
        exit 1
    fi
    # Exposure score 0 (locked down) .. 10 (unprotected); fail above 2.0.
    (cd "$tmp" && systemd-analyze security --offline=yes --threshold=20 --no-pager lossd.service | tail -1)
else
    echo "lint-deploy: systemd-analyze not available, unit not verified"
fi
echo "lint-deploy: ok"
