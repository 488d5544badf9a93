#!/usr/bin/env bash
# The Python client's checks (clients/python): installs the client with `pip install
# clients/python` into .build/client-venv with its test tools, then torch and scikit-learn
# unless LOSSD_CLIENT_TORCH=0, runs mypy over the package and pytest against the release lossd
# (built here unless LOSSD_BIN names one). scripts/test.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/client-venv
requirements=(clients/python/requirements-test.txt)
if [ "${LOSSD_CLIENT_TORCH:-1}" != 0 ]; then
    requirements+=(clients/python/requirements-torch.txt)
fi
wanted="$(cat "${requirements[@]}")"
if [ ! -x "$venv/bin/python" ] || [ "$wanted" != "$(cat "$venv/.requirements" 2>/dev/null)" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    started=$SECONDS
    for file in "${requirements[@]}"; do
        "$venv/bin/pip" install -q -r "$file"
    done
    echo "client venv: test tools$([ ${#requirements[@]} -gt 1 ] && echo ', torch and scikit-learn') installed in $((SECONDS - started)) s"
    printf '%s' "$wanted" > "$venv/.requirements"
fi
"$venv/bin/pip" install -q --no-deps --force-reinstall clients/python
rm -rf clients/python/build

if [ -z "${LOSSD_BIN:-}" ]; then
    swift build -c release --product lossd
    LOSSD_BIN="$(swift build -c release --show-bin-path)/lossd"
fi
(cd clients/python && "../../$venv/bin/python" -m mypy)
# From inside tests/ so that `import lossd` is the installed package, not a source tree.
(cd clients/python/tests && LOSSD_BIN="$LOSSD_BIN" "../../../$venv/bin/python" -m pytest -q -p no:cacheprovider .)
