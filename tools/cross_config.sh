#!/usr/bin/env bash
# The same experiment on every configuration this machine can run: a small
# grid of `python -m fastinit compare --json` under each FASTINIT_SIMD level,
# 1 and 2 threads, and every OPENBLAS_CORETYPE in the list that this CPU
# runs, and NumPy's SIMD dispatch capped (NPY_DISABLE_CPU_FEATURES), one
# setting changed at a time; every JSON must be byte-identical
# but for each run's wall-clock "seconds" (dropped before hashing).
# Prints one sha256 per configuration; exits 1 on a mismatch.
#   bash tools/cross_config.sh [python]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${1:-python}
out=$(mktemp -d)
grid=(--depth 3,8 --epochs 8 --samples 400 --init zeros,constant,small,xavier,he --no-progress)
levels=$("$py" -c "import fastinit; print(' '.join(fastinit.simd_levels()))")
run() {   # name, then VAR=value settings
    local name=$1; shift
    env "$@" "$py" -m fastinit compare "${grid[@]}" --json "$out/$name.raw" > /dev/null
    printf '%-28s %s\n' "$name" "$("$py" "$here/json_digest.py" "$out/$name.raw" "$out/$name.json")"
}
run default FASTINIT_SIMD_DUMMY=1
for level in $levels; do run "simd=$level" FASTINIT_SIMD="$level"; done
for n in 1 2; do run "threads=$n" FASTINIT_NUM_THREADS="$n"; done
# each OpenBLAS kernel this CPU can run (x86-64; elsewhere OpenBLAS has other names)
declare -A needs=([Prescott]=sse3 [Sandybridge]=avx [Haswell]=avx2 [Zen]=avx2 [SkylakeX]=avx512f)
for core in Prescott Sandybridge Haswell Zen SkylakeX; do
    flag=${needs[$core]}
    [ "$flag" = sse3 ] && flag=pni                       # /proc/cpuinfo's name for SSE3
    if ! grep -qw "$flag" /proc/cpuinfo 2>/dev/null; then
        echo "OPENBLAS_CORETYPE=$core skipped: this CPU lacks ${needs[$core]}"
        continue
    fi
    run "openblas=$core" OPENBLAS_CORETYPE="$core"
done
# NumPy's own SIMD dispatch, as on a CPU without AVX-512 and on one with
# only NumPy's baseline (its sin, exp, log and power differ there in the
# last bit; fastinit.nn and the data sets use none of them)
dispatch=$("$py" -c "
from numpy._core._multiarray_umath import __cpu_dispatch__ as d, __cpu_features__ as f
print(' '.join(t for t in d if f.get(t)))" 2>/dev/null || true)
wide=$(printf '%s\n' $dispatch | grep -E 'AVX512|X86_V4' | tr '\n' ' ' || true)
if [ -n "$wide" ]; then run "numpy=no-avx512" NPY_DISABLE_CPU_FEATURES="$wide"; fi
if [ -n "$dispatch" ]; then run "numpy=baseline" NPY_DISABLE_CPU_FEATURES="$dispatch"; fi
if [ "$(sha256sum "$out"/*.json | cut -d' ' -f1 | sort -u | wc -l)" != 1 ]; then
    echo "the JSON differs between configurations:" >&2
    sha256sum "$out"/*.json >&2
    exit 1
fi
echo "all $(ls "$out"/*.json | wc -l) configurations gave byte-identical JSON"
