"""The benchmark suite runs (never how fast: speed lives in the benchmarks):
it collects, and one quick case of the on-the-CPU file runs to its summary,
with the MKL rows skipping when MKL is absent."""
import pathlib
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
    assert "he_normal((1, 1), out=b, seed=0)" in res.stdout
