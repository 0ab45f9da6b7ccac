#!/usr/bin/env bash
# The experiment's JSON on aarch64, under qemu-user: Debian bookworm's arm64
# Python 3.11 (its .debs unpacked into a folder, no chroot, no binfmt), the
# same NumPy release as the host's from its manylinux aarch64 wheel (OpenBLAS
# with its ARMv8 kernels), and fastinit cross-compiled with
# aarch64-linux-gnu-gcc from the C that Cython wrote for the host build (the
# same flags as setup.py's). It runs tools/cross_config.sh's grid at the
# scalar and NEON levels, 1 and 2 threads, and prints a sha256 per
# configuration, the same way (each run's wall-clock "seconds" dropped).
# Compare them with cross_config.sh's on x86-64: one hash everywhere. It
# also runs tests/test_fixed_math.py's pinned bits there.
#   apt-get install qemu-user gcc-aarch64-linux-gnu   (and root, for dpkg --add-architecture)
#   bash tools/cross_aarch64.sh [work folder, default /tmp/fastinit-aarch64]
# Emulated, the grid takes about 15 minutes a configuration on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$(dirname "$0")/.."
work=${1:-/tmp/fastinit-aarch64}
root=$work/root site=$work/site
py=${PYTHON:-python}
mkdir -p "$work/debs" "$root" "$site"

# 1. Python for arm64, from Debian's packages
if [ ! -x "$root/usr/bin/python3.11" ]; then
    dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; apt-get update -q; }
    (cd "$work/debs" && apt-get download -q \
        python3.11-minimal:arm64 libpython3.11-minimal:arm64 libpython3.11-stdlib:arm64 \
        libpython3.11-dev:arm64 libc6:arm64 libgomp1:arm64 libgcc-s1:arm64 libstdc++6:arm64 \
        zlib1g:arm64 libexpat1:arm64 libffi8:arm64 libssl3:arm64 libbz2-1.0:arm64 liblzma5:arm64 \
        libuuid1:arm64 libcrypt1:arm64 libsqlite3-0:arm64 libtinfo6:arm64 libncursesw6:arm64 \
        libreadline8:arm64 libdb5.3:arm64 libnsl2:arm64 libtirpc3:arm64)
    for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$root"; done
fi
arm() { (cd / && PYTHONPATH=$site qemu-aarch64 -L "$root" "$root/usr/bin/python3.11" "$@"); }

# 2. NumPy and threadpoolctl: the host's releases, aarch64 wheels; pytest
numpy=$("$py" -c "import numpy; print(numpy.__version__)")
tpc=$("$py" -c "import threadpoolctl; print(threadpoolctl.__version__)")
if [ "$(arm -c 'import numpy, pytest; print(numpy.__version__)' 2>/dev/null)" != "$numpy" ]; then
    "$py" -m pip download -q --only-binary=:all: --platform manylinux_2_28_aarch64 \
        --platform manylinux_2_17_aarch64 --python-version 3.11 --implementation cp \
        "numpy==$numpy" "threadpoolctl==$tpc" pytest -d "$work/wheels"
    for whl in "$work"/wheels/*.whl; do "$py" -m zipfile -e "$whl" "$site"; done
fi

# 3. fastinit: the host build's C (python setup.py build_ext --inplace writes it),
# compiled for aarch64 with setup.py's flags
"$py" setup.py -q build_ext --inplace > /dev/null
rm -rf "$site/fastinit"
cp -r fastinit "$site/fastinit"
find "$site/fastinit" -name '*.so' -delete
inc=(-I"$root/usr/include/python3.11" -idirafter "$root/usr/include"
     -I"$site/numpy/_core/include" -Ifastinit -Ibuild/fi_generated)
flags=(-O3 -fno-math-errno -ffp-contract=off -std=c11 -g0 -fopenmp -fPIC
       -DNPY_NO_DEPRECATED_API=NPY_2_0_API_VERSION)
build() {   # module, then its C sources
    local mod=$1; shift
    aarch64-linux-gnu-gcc "${flags[@]}" "${inc[@]}" -shared "$@" -o \
        "$site/fastinit/$mod.cpython-311-aarch64-linux-gnu.so" -ldl -lm
}
build _common fastinit/_common.c
build _random fastinit/_random.c fastinit/src/fills.c fastinit/src/truncnorm.c
build _dense fastinit/_dense.c fastinit/src/activations.c fastinit/src/gemm.c fastinit/src/fixedmm.c
build initializers fastinit/initializers.c
build random fastinit/random.c
arm -c "import fastinit, platform; print(platform.machine(), 'levels', fastinit.simd_levels())"
# the pinned bits of the elementary functions and the data sets (the test that
# starts subprocesses needs binfmt, which this setup does without)
arm -m pytest -q -p no:cacheprovider "$PWD/tests/test_fixed_math.py" -k "not numpys_simd" | tail -1

# 4. the grid of tools/cross_config.sh, per level and thread count
out=$work/json
mkdir -p "$out"
grid=(--depth 3,8 --epochs 8 --samples 400 --init zeros,constant,small,xavier,he --no-progress)
run() {   # name, then VAR=value settings
    local name=$1; shift
    (cd / && env "$@" PYTHONPATH="$site" qemu-aarch64 -L "$root" "$root/usr/bin/python3.11" \
        -m fastinit compare "${grid[@]}" --json "$out/$name.raw" > /dev/null)
    printf 'aarch64 %-20s %s\n' "$name" "$("$py" "$here/json_digest.py" "$out/$name.raw" "$out/$name.json")"
}
levels=$(arm -c "import fastinit; print(' '.join(fastinit.simd_levels()))")
for level in $levels; do run "simd=$level" FASTINIT_SIMD="$level"; done
run threads=1 FASTINIT_NUM_THREADS=1
