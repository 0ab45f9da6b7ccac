"""Build fastinit's Cython kernels.

- ``-O3 -fno-math-errno -ffp-contract=off``: fast vectorised loops whose
  results are the same bits on every CPU (no FMA contraction).
- OpenMP when the compiler has it: probed here; without it the build warns
  and the kernels run on one thread.
- No ``-march=native`` unless ``FASTINIT_NATIVE=1``: every kernel is compiled
  for the scalar, AVX2 and AVX-512 levels (function ``target`` attributes,
  ``src/dispatch.h``) and the level is picked once at import.
- ``FASTINIT_BOUNDSCHECK=1`` turns Cython's bounds and wraparound checks back
  on for debugging.
"""
import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import warnings

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

PROBE = r"""
#include <omp.h>
int main(void) {
    int n = 0;
    #pragma omp parallel reduction(+:n)
    n += 1;
    return n > 0 ? 0 : 1;
}
"""


def compiler_has_openmp():
    """Compile and link a tiny OpenMP program with the C compiler in use."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    cc = cc.split()
    if shutil.which(cc[0]) is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(PROBE)
        try:
            res = subprocess.run(
                cc + ["-fopenmp", src, "-o", os.path.join(tmp, "probe")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
            )
        except (OSError, subprocess.SubprocessError):
            return False
        return res.returncode == 0


def build_flags():
    compile_args = ["-O3", "-fno-math-errno", "-ffp-contract=off", "-std=c11"]
    link_args = []
    if sys.platform == "win32":
        return ["/O2", "/fp:precise"], [], False
    if os.environ.get("FASTINIT_NATIVE") == "1":
        compile_args.append("-march=native")
    openmp = compiler_has_openmp()
    if openmp:
        compile_args.append("-fopenmp")
        link_args.append("-fopenmp")
    else:
        hint = ""
        if "clang" in (os.environ.get("CC") or sysconfig.get_config_var("CC") or ""):
            hint = (" clang finds OpenMP once the LLVM OpenMP runtime is installed: "
                    "apt-get install libomp-dev (Debian/Ubuntu), brew install libomp (macOS).")
        warnings.warn(
            "fastinit: the C compiler has no OpenMP; building single-threaded "
            "kernels (get_num_threads() will be 1)." + hint
        )
    return compile_args, link_args, openmp


compile_args, link_args, _ = build_flags()
debug = os.environ.get("FASTINIT_BOUNDSCHECK") == "1"
directives = {
    "language_level": 3,
    "boundscheck": debug,
    "wraparound": debug,
    "cdivision": True,
    "initializedcheck": debug,
}

# The C headers, so that editing one rebuilds the extensions (setuptools
# otherwise checks only the listed sources, and an incremental `pip install
# -e .` after a header edit would keep the old objects).
# The flags as a string macro, for fastinit.show_config().
build_flags_macro = '"' + " ".join(compile_args + link_args).replace('"', "'") + '"'
common = dict(
    depends=sorted(glob.glob("fastinit/src/*.h")),
    include_dirs=[np.get_include(), "fastinit"],
    extra_compile_args=compile_args,
    extra_link_args=link_args,
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION"),
                   ("FI_BUILD_FLAGS", build_flags_macro)],
    # dladdr (which OpenMP runtime is loaded) lives in libdl before glibc 2.34.
    libraries=["dl"] if sys.platform.startswith("linux") else [],
)
extensions = [
    Extension("fastinit._common", ["fastinit/_common.pyx"], **common),
    Extension("fastinit._random", ["fastinit/_random.pyx", "fastinit/src/fills.c",
                                   "fastinit/src/truncnorm.c"], **common),
    Extension("fastinit._dense", ["fastinit/_dense.pyx", "fastinit/src/activations.c",
                                  "fastinit/src/gemm.c"], **common),
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives))
