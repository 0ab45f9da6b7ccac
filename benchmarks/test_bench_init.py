"""Initializers: fastinit vs NumPy (and PyTorch when installed)."""
import pytest

import fastinit
from fastinit import bench

CASES = bench.fill_cases()


@pytest.mark.parametrize("impl", ["fastinit", "numpy"])
@pytest.mark.parametrize("case", CASES, ids=[c.group for c in CASES])
def test_init(benchmark, record, case, impl):
    benchmark.group = case.group
    fastinit.set_num_threads(case.threads)
    fn = case.make()[impl]
    benchmark(fn)
    record(case.group, impl, benchmark)


@pytest.mark.skipif(not bench.torch_available(), reason="PyTorch is not installed")
@pytest.mark.parametrize("size", ["1024x1024"])
def test_init_torch(benchmark, record, size):
    import numpy as np
    group = f"he_normal out= float32 {size} t1"
    fn = bench._torch_normal(bench.SIZES[size], np.float32)()["torch"]
    import torch
    torch.set_num_threads(1)
    benchmark.group = group
    benchmark(fn)
    record(group, "torch", benchmark)
