#!/usr/bin/env bash
# Build fastinit with AddressSanitizer and UndefinedBehaviorSanitizer in a venv
# of its own and run the test suite, fuzz test included, under it. Any
# undefined behaviour is fatal (-fno-sanitize-recover); float-to-int
# conversions of NaN or out-of-range values are checked too
# (float-cast-overflow, which -fsanitize=undefined leaves out in GCC).
#
#   bash tools/sanitize.sh            # from the repository root; ~5-10 min on 2 cores
#   SAN_TIMEOUT=600 bash tools/sanitize.sh
#
# CPython itself is not instrumented, so the ASan runtime is preloaded and
# leak detection is off (the interpreter keeps memory until exit on purpose).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv=${SAN_VENV:-"$root/.venv-san"}
cc=${CC:-gcc}
flags="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer -g"

python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# A regular (non-editable) build into this venv only: the sources' in-place
# extension of an editable install is left alone.
FASTINIT_DEBUG=1 CC="$cc" CFLAGS="$flags" LDFLAGS="$flags" \
    "$venv/bin/python" -m pip install --quiet --no-cache-dir --force-reinstall ".[test]"

asan=$("$cc" -print-file-name=libasan.so)
export LD_PRELOAD="$asan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OPENBLAS_NUM_THREADS=1
where=$(cd / && "$venv/bin/python" -c "import fastinit; print(fastinit.__file__)")
case "$where" in
    "$venv"/*) echo "sanitized fastinit: $where" ;;
    *) echo "sanitize.sh: imported $where, not the sanitized build" >&2; exit 1 ;;
esac
start=$(date +%s)
timeout "${SAN_TIMEOUT:-1800}" "$venv/bin/pytest" -q -p no:cacheprovider "$@"
echo "sanitized suite: $(( $(date +%s) - start )) s"
