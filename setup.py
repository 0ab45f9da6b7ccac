"""Build fastinit's Cython kernels.

- ``-O3 -fno-math-errno -ffp-contract=off``: fast vectorised loops whose
  results are the same bits on every CPU (no FMA contraction).
- OpenMP when the compiler has it, probed here: ``-fopenmp`` (GCC, clang),
  Apple's ``-Xpreprocessor -fopenmp`` with Homebrew's libomp (or
  ``OMP_PREFIX``), MSVC's ``/openmp:llvm`` or ``/openmp``. Without it the build
  warns, says what to install, and the kernels run on one thread.
- Builds carry no debug info (a wheel's extension modules are about 1 MB);
  ``FASTINIT_DEBUG=1`` builds with it (``-g``), for a debugger or a profiler.
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

OPENMP_HINT = {
    "darwin": "Apple's clang needs LLVM's OpenMP runtime: brew install libomp, then reinstall "
              "fastinit (the build finds it under $(brew --prefix libomp), /opt/homebrew/opt/libomp "
              "or /usr/local/opt/libomp; set OMP_PREFIX=<its prefix> if it lives elsewhere).",
    "win32": "MSVC has OpenMP from Visual Studio 2019 16.9 (/openmp:llvm) or /openmp.",
    "linux": "GCC has OpenMP (libgomp); for clang: apt-get install libomp-dev (Debian/Ubuntu).",
}


def c_compiler():
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return cc.split()


def links(cc, compile_args, link_args):
    """Whether cc compiles and links the OpenMP probe with these flags."""
    if shutil.which(cc[0]) is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(PROBE)
        try:
            res = subprocess.run(cc + compile_args + [src, "-o", os.path.join(tmp, "probe")] + link_args,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
        return res.returncode == 0


def libomp_prefixes():
    """Where LLVM's libomp may live for a clang that takes no bare -fopenmp
    (Apple's): OMP_PREFIX, Homebrew's prefix for it, the usual Homebrew paths."""
    found = [os.environ.get("OMP_PREFIX")]
    if shutil.which("brew"):
        try:
            found.append(subprocess.run(["brew", "--prefix", "libomp"], capture_output=True,
                                        text=True, timeout=60).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    found += ["/opt/homebrew/opt/libomp", "/usr/local/opt/libomp"]
    return [p for p in dict.fromkeys(found) if p and os.path.isfile(os.path.join(p, "include", "omp.h"))]


def unix_openmp():
    """(compile args, link args) for OpenMP, or None: plain -fopenmp (GCC,
    clang with libomp), else Apple's form -Xpreprocessor -fopenmp with
    libomp's headers and library."""
    cc = c_compiler()
    if links(cc, ["-fopenmp"], ["-fopenmp"]):
        return ["-fopenmp"], ["-fopenmp"]
    for prefix in libomp_prefixes():
        inc, lib = os.path.join(prefix, "include"), os.path.join(prefix, "lib")
        compile_args = ["-Xpreprocessor", "-fopenmp", f"-I{inc}"]
        link_args = [f"-L{lib}", "-lomp", f"-Wl,-rpath,{lib}"]
        if links(cc, compile_args, link_args):
            return compile_args, link_args
    return None


def msvc_openmp():
    """/openmp:llvm (OpenMP 3+, VS 2019 16.9+) or /openmp (2.0), whichever
    this MSVC takes, or None."""
    from setuptools._distutils.ccompiler import new_compiler
    compiler = new_compiler()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(PROBE)
        for flag in ("/openmp:llvm", "/openmp"):
            try:
                compiler.compile([src], output_dir=tmp, extra_postargs=[flag])
                return [flag], []
            except Exception:  # noqa: BLE001 - any failure means: not this flag
                continue
    return None


def build_flags():
    """(compile args, link args) of every extension."""
    if sys.platform == "win32":
        # C11, precise floating point (no contraction: the same bits as elsewhere).
        compile_args, link_args = ["/O2", "/fp:precise", "/std:c11"], []
        openmp = msvc_openmp()
    else:
        compile_args = ["-O3", "-fno-math-errno", "-ffp-contract=off", "-std=c11"]
        link_args = []
        if os.environ.get("FASTINIT_NATIVE") == "1":
            compile_args.append("-march=native")
        if os.environ.get("FASTINIT_DEBUG") != "1":         # no debug info unless asked
            compile_args.append("-g0")
            if sys.platform.startswith("linux"):
                link_args.append("-Wl,--strip-debug")
        else:
            compile_args.append("-g")
        openmp = unix_openmp()
    if openmp is None:
        warnings.warn("fastinit: the C compiler has no OpenMP; building single-threaded kernels "
                      "(get_num_threads() will be 1, and asking for more threads warns). "
                      + OPENMP_HINT.get(sys.platform if sys.platform in OPENMP_HINT else "linux", ""), stacklevel=1)
        return compile_args, link_args
    return compile_args + openmp[0], link_args + openmp[1]


compile_args, link_args = build_flags()
debug = os.environ.get("FASTINIT_BOUNDSCHECK") == "1"
directives = {
    "language_level": 3,
    "boundscheck": debug,
    "wraparound": debug,
    "cdivision": True,
    "initializedcheck": debug,
    # doctests are found in the functions' docstrings (pytest --doctest-modules);
    # Cython's __test__ copy of them would run each twice
    "autotestdict": False,
}

# The C headers, so that editing one rebuilds the extensions (setuptools
# otherwise checks only the listed sources, and an incremental `pip install
# -e .` after a header edit would keep the old objects).
# The flags, for fastinit.show_config(): a header written here (under build/,
# never committed), which every compiler includes alike.
generated = os.path.join("build", "fi_generated")
os.makedirs(generated, exist_ok=True)
flags_text = " ".join(dict.fromkeys(compile_args + link_args)).replace("\\", "/").replace('"', "'")
with open(os.path.join(generated, "fi_build_info.h"), "w") as f:
    f.write(f'#define FI_BUILD_FLAGS "{flags_text}"\n')
common = dict(
    depends=sorted(glob.glob("fastinit/src/*.h")),
    include_dirs=[np.get_include(), "fastinit", generated],
    extra_compile_args=compile_args,
    extra_link_args=link_args,
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION")],
    # dladdr (which OpenMP runtime is loaded) lives in libdl before glibc 2.34;
    # fma()/fmaf() of the fixed-order products live in libm.
    libraries=["dl", "m"] if sys.platform.startswith("linux") else [],
)
extensions = [
    Extension("fastinit._common", ["fastinit/_common.pyx"], **common),
    Extension("fastinit._random", ["fastinit/_random.pyx", "fastinit/src/fills.c",
                                   "fastinit/src/truncnorm.c"], **common),
    Extension("fastinit._dense", ["fastinit/_dense.pyx", "fastinit/src/activations.c",
                                  "fastinit/src/gemm.c", "fastinit/src/fixedmm.c"], **common),
    # The public draws and initializers, compiled from the plain Python modules as
    # written (the .py files stay the source, and what a reader opens):
    # Cython parses their keyword-only arguments in C, where CPython fills
    # each one not passed from __kwdefaults__, a quarter of a small call.
    Extension("fastinit.initializers", ["fastinit/initializers.py"], **common),
    Extension("fastinit.random", ["fastinit/random.py"], **common),
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives))
