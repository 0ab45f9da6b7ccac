#!/usr/bin/env bash
# A clang that behaves like Apple's driver towards OpenMP, for testing the
# build's OpenMP probe on Linux: a bare -fopenmp is refused as Apple's clang
# refuses it; -Xpreprocessor -fopenmp is passed on (with libomp's headers and
# -lomp, as on a Mac with Homebrew's libomp).
#
#   CC=tools/apple-clang.sh OMP_PREFIX=<dir with include/omp.h, lib/libomp.*> pip install .
prev=""
for arg in "$@"; do
    if [ "$arg" = "-fopenmp" ] && [ "$prev" != "-Xpreprocessor" ]; then
        echo "clang: error: unsupported option '-fopenmp'" >&2
        exit 1
    fi
    prev=$arg
done
exec clang "$@"
