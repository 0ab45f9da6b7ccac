"""One rank of tests/test_torch.py's torch.distributed test (gloo, on this
machine): fill this rank's shards, gather them all, and compare the
assembled weights with the single-process fastinit.torch result."""
import os
import sys

import torch
import torch.distributed as dist

import fastinit.torch as init

SHAPE = (12, 8)
INITS = [("kaiming_uniform_", {"a": 5 ** 0.5}), ("normal_", {"std": 0.02}),
         ("xavier_normal_", {}), ("trunc_normal_", {"std": 0.5})]


def run(rank, world_size, port):
    os.environ["OMP_NUM_THREADS"] = "1"
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world_size)
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Shard, distribute_tensor
    mesh = init_device_mesh("cpu", (world_size,))   # one mesh: new groups per init race at exit
    try:
        for name, kw in INITS:
            whole = getattr(init, name)(torch.empty(SHAPE), seed=7, **kw)
            for dim, grid in ((0, None), (1, None), (None, (2, world_size // 2))):
                if grid is not None and (world_size < 2 or world_size % 2):
                    continue
                region = init.shard_region(SHAPE, rank, world_size, dim or 0, grid)
                mine = torch.empty(tuple(b - a for a, b in region))
                init.init_shard_(mine, SHAPE, name, dim=dim or 0, grid=grid, seed=7, **kw)
                parts = [None] * world_size
                dist.all_gather_object(parts, (region, mine))
                assembled = torch.full(SHAPE, float("nan"))
                for reg, t in parts:
                    (r0, r1), (c0, c1) = reg
                    assembled[r0:r1, c0:c1] = t
                if not torch.equal(assembled, whole):
                    raise AssertionError(f"{name} dim={dim} grid={grid} world={world_size}: shards differ")
            # the same through a DTensor sharded on each dim
            for d in (0, 1):
                dt = distribute_tensor(torch.empty(SHAPE), mesh, [Shard(d)])
                init.init_shard_(dt, init=name, seed=7, **kw)
                if not torch.equal(dt.full_tensor(), whole):
                    raise AssertionError(f"{name} DTensor Shard({d}) world={world_size}: differs")
        dist.barrier()
    finally:
        dist.destroy_process_group()
    end_rank()


def end_rank():
    """Every check passed: end here, before interpreter finalization. gloo's
    worker threads can still hold tensors then, and freeing one there
    aborts the process (SIGABRT, "terminate called without an active
    exception"; pytorch/pytorch#179291), about one CI run in twenty."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
