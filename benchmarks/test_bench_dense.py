"""Dense kernels and one MLP epoch: fastinit vs the NumPy code people write.
BLAS and fastinit on 1 thread (OPENBLAS_NUM_THREADS=1 set in conftest)."""
import pytest

import fastinit
from fastinit.lab import bench_dense

CASES = bench_dense.dense_cases()


@pytest.mark.parametrize("impl", ["fastinit", "numpy"])
@pytest.mark.parametrize("case", CASES, ids=[c.group for c in CASES])
def test_dense(benchmark, record, case, impl):
    benchmark.group = case.group
    fastinit.set_num_threads(case.threads)
    fn = case.make()[impl]
    benchmark(fn)
    record(case.group, impl, benchmark)
