#!/usr/bin/env bash
# Regenerates what is generated from the loss descriptors (Sources/LossKernels/Loss+*.swift),
# WarningCode.all and ProblemCode.all: openapi.yaml (`lossd openapi`) and the Markdown tables
# between `<!-- generated: TABLE -->` and `<!-- end: TABLE -->` in README.md and docs/API.md
# (`lossd docs TABLE`). Run it after adding or changing a loss, an option, a warning or a
# problem code; ContractDocumentsTests fails while the checked-in files differ.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product lossd
lossd="$(swift build --show-bin-path)/lossd"
"$lossd" openapi > openapi.yaml
for document in README.md docs/API.md; do
    LOSSD="$lossd" python3 - "$document" <<'PY'
import os, re, subprocess, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
def table(match):
    name = match.group(1)
    body = subprocess.run([os.environ["LOSSD"], "docs", name], check=True, capture_output=True, text=True).stdout
    return f"<!-- generated: {name} -->\n{body}<!-- end: {name} -->"
new = re.sub(r"<!-- generated: (\w+) -->\n.*?<!-- end: \1 -->", table, text, flags=re.S)
if new != text:
    open(path, "w", encoding="utf-8").write(new)
PY
done
echo "wrote openapi.yaml and the generated tables of README.md and docs/API.md"
