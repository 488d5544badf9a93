"""The README's configuration table lists every `lossd serve` option with its environment
variable and the default the binary really has (read from `lossd serve --help`)."""
import re

from conftest import REPO
from ops_support import run_lossd


def help_options():
    """{flag: default text} from `lossd serve --help`."""
    status, out, _ = run_lossd(["serve", "--help"])
    assert status == 0
    texts, current = {}, None
    for line in out.splitlines():
        match = re.match(r"^  (--[a-z0-9-]+)(?:/--no-[a-z0-9-]+)?", line)
        if match:
            current = match.group(1)
            texts[current] = ""
        if current:
            texts[current] += " " + line.strip()
    texts.pop("--help", None)
    texts.pop("--version", None)  # lossd's version, not a setting
    options = {}
    for flag, text in texts.items():
        # "(default: 1)", or "(values: a, b; default: a)" for an option with a list of values.
        default = re.search(r"[(;]\s*default:\s+([^)]*)\)", text)
        options[flag] = default.group(1) if default else None
    return options


def readme_rows():
    """{flag: (variable, default)} from the README's configuration table."""
    text = (REPO / "README.md").read_text()
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^\| `(--[a-z0-9-]+)`[^|]*\| `(LOSSD_[A-Z0-9_]+)` \| ([^|]+) \|", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3).strip().strip("`"))
    return rows


def same_default(documented, actual):
    if actual is None:
        return documented == "none"
    if actual.startswith("--"):
        return documented == ("on" if not actual.startswith("--no-") else "off")
    try:
        return float(documented) == float(actual)
    except ValueError:
        return documented == actual


def test_every_serve_option_is_in_the_readme_with_its_variable_and_default():
    options, rows = help_options(), readme_rows()
    assert len(options) >= 20
    missing = sorted(set(options) - set(rows))
    assert not missing, f"README lacks {missing}"
    extra = sorted(set(rows) - set(options))
    assert not extra, f"README lists options lossd does not have: {extra}"
    for flag, (variable, documented) in rows.items():
        assert variable == "LOSSD_" + flag[2:].upper().replace("-", "_"), flag
        assert same_default(documented, options[flag]), f"{flag}: README says {documented}, lossd {options[flag]}"
