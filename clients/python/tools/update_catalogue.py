"""Writes src/lossd/catalogue.json, the loss catalogue lossd.torch ships, from a running lossd's
GET /v1/losses.

    python tools/update_catalogue.py [--url http://127.0.0.1:8080] [--check]

--check only compares, and exits 1 when the shipped file differs from the server's catalogue
(lossd.torch still finds losses the file lacks in the live catalogue on first use).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import lossd

TARGET = Path(__file__).resolve().parents[1] / "src" / "lossd" / "catalogue.json"


def main() -> int:
    """Fetches the catalogue and writes or checks the shipped copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=lossd.DEFAULT_URL)
    parser.add_argument("--check", action="store_true")
    arguments = parser.parse_args()
    with lossd.Client(arguments.url) as client:
        text = json.dumps({"losses": client.losses()}, indent=1, sort_keys=True) + "\n"
    if arguments.check:
        same = TARGET.exists() and TARGET.read_text() == text
        print(f"{TARGET} is {'current' if same else 'stale: run without --check'}")
        return 0 if same else 1
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
