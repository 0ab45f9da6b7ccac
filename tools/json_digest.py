"""The JSON of `python -m fastinit compare --json RAW` as the cross-machine
scripts compare it: every run's wall-clock "seconds" dropped, keys sorted,
written to OUT; prints the first 16 hex digits of its sha256.

    python tools/json_digest.py RAW OUT
"""
import hashlib
import json
import sys


def drop(x):
    if isinstance(x, dict):
        return {k: drop(v) for k, v in x.items() if k != "seconds"}
    return [drop(v) for v in x] if isinstance(x, list) else x


def main(raw, out):
    with open(raw) as f:
        text = json.dumps(drop(json.load(f)), indent=1, sort_keys=True)
    with open(out, "w") as g:
        g.write(text)
    print(hashlib.sha256(text.encode()).hexdigest()[:16])


if __name__ == "__main__":
    main(*sys.argv[1:3])
