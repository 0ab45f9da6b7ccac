"""Initializers: fastinit vs NumPy (and PyTorch when installed)."""
import pytest

import fastinit
from fastinit.lab import bench
from fastinit.lab.benchcase import at_level

CASES = bench.fill_cases()


# torch is timed where it has a way (the out= cases) and is installed: no
# skipped rows, so the ratio table stays the last thing on screen
PAIRS = [(c, impl) for c in CASES for impl in ("fastinit", "numpy", "torch")
         if impl != "torch" or (c.tags.get("torch") and bench.torch_available())]


@pytest.mark.parametrize("case, impl", PAIRS, ids=[f"{c.group}-{i}" for c, i in PAIRS])
def test_init(benchmark, record, case, impl):
    benchmark.group = case.group
    fastinit.set_num_threads(case.threads)
    if impl == "torch":
        import torch
        torch.set_num_threads(case.threads)
    fns = case.make()
    with at_level(case.level):
        benchmark(fns[impl])
    record(case.group, impl, benchmark)
