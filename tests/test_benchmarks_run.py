"""The benchmark suite runs (never how fast: speed lives in the benchmarks):
it collects, and one quick case of the on-the-CPU file runs to its summary,
with the MKL rows skipping when MKL is absent."""
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow   # a subprocess of pytest: part of the full run, not the inner loop


def test_the_benchmarks_collect_and_a_case_runs():
    pytest.importorskip("pytest_benchmark")
    if not (ROOT / "benchmarks").is_dir():
        pytest.skip("no benchmarks folder beside the tests")
    cmd = [sys.executable, "-m", "pytest", "--benchmark-only", "-p", "no:cacheprovider", "-q",
           "benchmarks/test_bench_cpu.py", "-k", "per_call or mkl"]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "on the CPU, one thread" in res.stdout
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith("he_normal((1, 1), out=b, seed=0)"))
    # the ratio, its spread over the rounds, the target, and MISSED when it is missed
    assert re.search(r"\d+\.\d\dx \(\d+\.\d\d-\d+\.\d\d\)  \(>= 6x\)", line), line
    ratio = float(line.split("x (")[0].split()[-1])
    assert line.endswith("MISSED") == (ratio < 6.0)
    assert "--benchmark-heavy" in res.stdout           # the summary says how to run the rest
    # the cases that time themselves are labelled, not passed off as measurements
    assert "not a measurement" in res.stdout
