"""Materialize and initialize a ~500M-parameter model: one process doing the
whole model, against FSDP2 on 2 gloo ranks, each rank drawing its half.
Each process builds the model on the meta device (30 Linear(4096, 4096)
layers, 503M parameters, 2 GB in float32), shards it with ``fully_shard``
(FSDP2 only), materializes it with ``to_empty(device="cpu")`` and runs
``fastinit.torch.reset_parameters_(model, seed=0)``, one thread per
process. It prints one JSON line: the seconds to materialize and
initialize (``to_empty`` and the reset), those of the meta build and
``fully_shard`` before them (torch's, apart), the peak resident memory the
process added after its imports (VmHWM), and the bytes of its (local)
parameters.

    python benchmarks/sharded_init.py single
    python benchmarks/sharded_init.py fsdp RANK WORLD PORT

``benchmarks/test_bench_scale.py::test_sharded_init_at_scale`` runs both
side by side (with --benchmark-heavy) and reports the ratios in the "at
scale" section.
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("FASTINIT_NUM_THREADS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

import fastinit.torch as finit  # noqa: E402

LAYERS, WIDTH = 30, 4096


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux
    carries the parent's high-water mark across fork and exec into it, so a
    process started by a large one (the benchmark suite) reads the
    parent's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def build():
    return nn.Sequential(*(nn.Linear(WIDTH, WIDTH, bias=False) for _ in range(LAYERS)))


def run(layout, rank=0, world=1, port=0):
    torch.set_num_threads(1)
    if layout == "fsdp":
        import torch.distributed as dist
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                                world_size=world)
        mesh = init_device_mesh("cpu", (world,))
        dist.barrier()
    base = rss_bytes()
    t0 = time.perf_counter()
    with torch.device("meta"):
        model = build()
    if layout == "fsdp":
        for layer in model:
            fully_shard(layer, mesh=mesh)
        fully_shard(model, mesh=mesh)
    t1 = time.perf_counter()
    model.to_empty(device="cpu")
    t_empty = time.perf_counter()
    finit.reset_parameters_(model, seed=0)
    t2 = time.perf_counter()
    peak = peak_rss_bytes()
    local = sum((p.to_local() if hasattr(p, "to_local") else p).numel() * p.element_size()
                for p in model.parameters())
    print(json.dumps({"layout": layout, "rank": rank, "seconds": t2 - t1, "build_and_shard": t1 - t0,
                      "to_empty": t_empty - t1, "start": t1,
                      "added": peak - base, "params_bytes": local}), flush=True)
    if layout == "fsdp":
        import torch.distributed as dist
        dist.barrier()
        dist.destroy_process_group()
    sys.stdout.flush()
    os._exit(0)     # before finalization: gloo's threads may still hold tensors (pytorch#179291)


if __name__ == "__main__":
    args = sys.argv[1:]
    run(args[0], *(int(a) for a in args[1:]))
