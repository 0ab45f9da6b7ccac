"""Initializers: fastinit vs NumPy (and PyTorch when installed)."""
import pytest

import fastinit
from fastinit.lab import bench
from fastinit.lab.benchcase import at_level

CASES = bench.fill_cases()


# torch is timed when it is installed (no skipped rows when it is not)
IMPLS = ["fastinit", "numpy"] + (["torch"] if bench.torch_available() else [])


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("case", CASES, ids=[c.group for c in CASES])
def test_init(benchmark, record, case, impl):
    benchmark.group = case.group
    fastinit.set_num_threads(case.threads)
    if impl == "torch":
        import torch
        torch.set_num_threads(case.threads)
    fns = case.make()
    if impl not in fns:
        pytest.skip(f"no {impl} way for this case")   # torch: only the out= cases
    with at_level(case.level):
        benchmark(fns[impl])
    record(case.group, impl, benchmark)
