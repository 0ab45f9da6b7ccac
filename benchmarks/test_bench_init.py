"""Initializers: fastinit vs NumPy (and PyTorch when installed)."""
import pytest

import fastinit
from fastinit import bench
from fastinit.benchcase import at_level

CASES = bench.fill_cases()


@pytest.mark.parametrize("impl", ["fastinit", "numpy", "torch"])
@pytest.mark.parametrize("case", CASES, ids=[c.group for c in CASES])
def test_init(benchmark, record, case, impl):
    if impl == "torch" and not bench.torch_available():
        pytest.skip("PyTorch is not installed")
    benchmark.group = case.group
    fastinit.set_num_threads(case.threads)
    if impl == "torch":
        import torch
        torch.set_num_threads(case.threads)
    fns = case.make()
    if impl not in fns:
        pytest.skip(f"no {impl} way for this case")
    with at_level(case.level):
        benchmark(fns[impl])
    record(case.group, impl, benchmark)
