#!/usr/bin/env bash
# Every figure in README.md comes from one of these commands, run from the
# repository root after `pip install -e ".[test,plot,data]"`. Outputs go to
# readme-figures/ (not committed); about 4 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=readme-figures
mkdir -p "$out"
(cd / && python -m fastinit compare --no-progress --plot "$OLDPWD/$out/compare.png") > "$out/compare.txt"
(cd / && python -m fastinit compare --no-progress --depth 30 --activation relu --init he,lecun,xavier) > "$out/depth30.txt"
(cd / && python -m fastinit compare --no-progress --data digits) > "$out/digits.txt"
(cd / && python -m fastinit bench --quick) > "$out/bench-quick.txt"
pytest --benchmark-only -p no:cacheprovider > "$out/benchmarks.txt"
echo "wrote $out/: compare.txt compare.png depth30.txt digits.txt bench-quick.txt benchmarks.txt"
