"""The C core as MSVC would see it: every source and header under
fastinit/src, preprocessed with MSVC's predefined macros (_MSC_VER, _WIN64,
_M_X64; no __GNUC__ or __clang__), keeps no GNU- or clang-only construct.
No MSVC runs on these machines; the GCC preprocessor stands in, with the
system headers stubbed so only fastinit's own text is checked."""
import pathlib
import re
import shutil
import subprocess

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "fastinit" / "src"
FILES = sorted(p for p in SRC.iterdir() if p.suffix in (".c", ".h"))
SYSTEM = ["stddef.h", "stdint.h", "stdio.h", "stdlib.h", "string.h", "math.h", "immintrin.h", "intrin.h",
          "omp.h", "dlfcn.h", "arm_neon.h"]
MSVC = ["-D_MSC_VER=1930", "-D_MSC_FULL_VER=193030705", "-D_WIN32", "-D_WIN64", "-D_M_X64",
        "-D_M_AMD64", "-D_OPENMP=200203"]
GNU_ONLY = {
    "__attribute__": r"__attribute__", "__builtin_*": r"__builtin_\w+",
    "GCC/clang pragma": r"#\s*pragma\s+(GCC|clang)\b|_Pragma\s*\(",
    "statement expression": r"\(\s*\{", "typeof": r"\b(__)?typeof(__)?\b",
    "inline asm": r"\b__asm__\b|\basm\s*\(", "__extension__": r"__extension__",
    "__int128": r"__int128",
}


def preprocess(path, defines, stubs):
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C preprocessor")
    res = subprocess.run([cc, "-E", "-P", "-undef", "-nostdinc", f"-I{stubs}", f"-I{SRC}", *defines,
                          str(path)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    d = tmp_path_factory.mktemp("stub-include")
    for name in SYSTEM:
        (d / name).write_text("/* stub */\n")
    (d / "fi_build_info.h").write_text('#define FI_BUILD_FLAGS "/O2"\n')   # setup.py writes it
    return d


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_msvc_sees_no_gnu_only_construct(path, stubs):
    text = preprocess(path, MSVC, stubs)
    found = {what: re.findall(rx, text) for what, rx in GNU_ONLY.items()}
    assert not any(found.values()), {k: v[:3] for k, v in found.items() if v}


def test_the_check_would_see_gnu_constructs(stubs):
    # The same files as GCC on x86-64 sees them do use target attributes:
    # the test above is not vacuous.
    text = "".join(preprocess(p, ["-D__GNUC__=12", "-D__x86_64__"], stubs) for p in FILES)
    assert re.search(GNU_ONLY["__attribute__"], text) and re.search(GNU_ONLY["__builtin_*"], text)


def test_msvc_builds_the_simd_kernels_with_its_cpu_detection(stubs):
    text = preprocess(SRC / "dispatch.h", MSVC, stubs)
    assert "__cpuidex" in text and "_xgetbv" in text and "__forceinline" in "".join(
        preprocess(SRC / "fills.c", MSVC, stubs))


@pytest.mark.parametrize("tool", ["bench_fills.c", "bench_rest.c", "bench_gemm.c",
                                  "bench_transforms.c", "bench_fused.c"])
def test_the_c_benchmarks_still_compile(tool):
    # they include the core's private headers: a rename there must not leave them behind
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    root = SRC.parents[1]
    res = subprocess.run([cc, "-fsyntax-only", "-std=gnu11", f"-I{SRC}", str(root / "tools" / tool)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
