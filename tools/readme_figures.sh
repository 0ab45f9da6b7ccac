#!/usr/bin/env bash
# Every figure in README.md comes from one of these commands, run from the
# repository root after `pip install -e ".[test,plot,data]"`. Outputs go to
# readme-figures/ (not committed). The experiment's claims are rates over 5
# seeds (each seed: its own data split, weights and batch order); about
# 15 minutes on 2 cores, the benchmarks included.
set -euo pipefail
cd "$(dirname "$0")/.."
out=readme-figures
mkdir -p "$out"
run() { (cd / && python -m fastinit compare --no-progress "$@"); }
run --plot "$OLDPWD/$out/compare.png" > "$out/compare.txt"                     # one seed: the tables
run --seeds 5 > "$out/compare-seeds5.txt"                                       # the lessons' rates
run --seeds 5 --data blobs > "$out/compare-blobs-seeds5.txt"
run --seeds 5 --depth 30 --activation relu --init he,lecun,xavier > "$out/depth30-spirals.txt"
run --seeds 5 --depth 30 --activation relu --init he,lecun,xavier --data blobs > "$out/depth30-blobs.txt"
run --seeds 5 --depth 30 --activation relu --init he,lecun,xavier --data blobs --clip none \
    > "$out/depth30-blobs-noclip.txt"
run --seeds 5 --data digits > "$out/digits-seeds5.txt"
run --seeds 5 --depth 8 --activation relu --init sigmoid4 --clip none > "$out/sigmoid4-noclip.txt"
(cd / && python -m fastinit bench --quick) > "$out/bench-quick.txt"
# the README's speed block and command times: measured and written by one script
python tools/readme_numbers.py
# the C-level figures: the fills at every level, and the transforms and the
# fused output measured for 0.3.0 and not built
for tool in bench_fills bench_transforms bench_fused; do
    cc -O3 -fno-math-errno -ffp-contract=off -std=gnu11 -Ifastinit/src "tools/$tool.c" \
        fastinit/src/fills.c fastinit/src/truncnorm.c -lm -o "$out/$tool"
    "$out/$tool" > "$out/$tool.txt"
done
echo "wrote $out/: $(cd "$out" && ls | tr '\n' ' ')"
