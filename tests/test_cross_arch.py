"""The C core gives the same bits on aarch64 and on Windows as on x86-64 Linux: the
driver tests/cross/driver.c is cross-compiled with aarch64-linux-gnu-gcc and
run under qemu-aarch64 at its scalar and NEON levels, and natively at every
level this CPU has; each output is compared, bit for bit, with the stored
x86-64 table. No fill calls libm, whose results differ between C libraries
(glibc's aarch64 erfc is built with fused multiply-adds, its x86-64 one is
not). (tools: apt-get install gcc-aarch64-linux-gnu qemu-user)
"""
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = ROOT / "fastinit" / "src"
DRIVER = ROOT / "tests" / "cross" / "driver.c"
TABLE = ROOT / "tests" / "data" / "cross_table.txt"
FLAGS = ["-O3", "-fno-math-errno", "-ffp-contract=off", "-std=gnu11", f"-I{SRC}"]
SOURCES = [str(DRIVER), str(SRC / "fills.c"), str(SRC / "truncnorm.c")]


def stored():
    return [line for line in TABLE.read_text().splitlines() if line and not line.startswith("#")]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout.splitlines()


def compare(got, where):
    want = stored()
    assert len(got) == len(want), where
    for g, w in zip(got, want):
        name = w.split()[0]
        assert g == w, f"{where}: {name} differs:\n got  {g}\n want {w}"


def test_native_build_matches_the_stored_table(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    exe = tmp_path / "driver"
    subprocess.run([cc, *FLAGS, *SOURCES, "-lm", "-o", str(exe)], check=True, timeout=300)
    for level in (0, 1, 2):   # the driver caps at what the CPU has
        compare(run([str(exe), str(level)]), f"x86-64 level {level}")
    # the scalar level as a CPU without FMA runs it: the emulated multiply-add
    compare(run([str(exe), "0", "soft"]), "x86-64 scalar level, emulated fma")


def test_aarch64_build_under_qemu_matches_x86(tmp_path):
    gcc, qemu = shutil.which("aarch64-linux-gnu-gcc"), shutil.which("qemu-aarch64")
    if gcc is None or qemu is None:
        pytest.skip("needs aarch64-linux-gnu-gcc and qemu-aarch64 "
                    "(apt-get install gcc-aarch64-linux-gnu qemu-user)")
    exe = tmp_path / "driver-aarch64"
    subprocess.run([gcc, *FLAGS, "-static", *SOURCES, "-lm", "-o", str(exe)], check=True, timeout=300)
    for level in (0, 1):      # scalar, NEON
        compare(run([qemu, str(exe), str(level)]), f"aarch64 level {level}")


def test_windows_build_under_wine_matches_linux(tmp_path):
    # LLP64 (long is 32 bits on Windows), alignment and printf formats: what a
    # Linux build cannot catch. (apt-get install gcc-mingw-w64-x86-64 wine64)
    gcc, wine = shutil.which("x86_64-w64-mingw32-gcc"), shutil.which("wine64") or shutil.which("wine")
    if gcc is None or wine is None:
        pytest.skip("needs x86_64-w64-mingw32-gcc and wine64 "
                    "(apt-get install gcc-mingw-w64-x86-64 wine64)")
    exe = tmp_path / "driver.exe"
    subprocess.run([gcc, *FLAGS, "-static", *SOURCES, "-o", str(exe)], check=True, timeout=300)
    # The sanitizer leg preloads ASan into every process; wine is not the
    # sanitized build and does not start with it.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    env.update(WINEPREFIX=str(tmp_path / "wine"), WINEDEBUG="-all")
    for args in (["0"], ["1"], ["2"], ["0", "soft"]):   # the driver caps at what the CPU has
        out = subprocess.run([wine, str(exe), *args], capture_output=True, text=True, check=True,
                             timeout=600, env=env).stdout
        compare([line.rstrip("\r") for line in out.splitlines()], f"windows level {' '.join(args)}")
