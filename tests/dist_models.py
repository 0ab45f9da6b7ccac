"""One rank of tests/test_torch_sharded.py (gloo on this machine, one
process per rank, started by the test with a timeout): build a model on the
meta device, shard it (FSDP2, tensor parallel, or both on a 2-D mesh),
materialize it with ``to_empty``, initialize it through fastinit, and check
every parameter's local shard, and its ``full_tensor()``, bit for bit
against the same model built and initialized in one process under the same
seed. Prints one line per check; a failed check raises (the exit code is
nonzero), so the test names the rank and the check.

    python tests/dist_models.py RANK WORLD PORT SCENARIO
"""
import os
import sys
from contextlib import nullcontext

import torch
import torch.distributed as dist
from torch import nn

import fastinit.torch as finit
from dist_worker import end_rank

VOCAB, DIM, HIDDEN, HEADS, LAYERS = 67, 24, 40, 4, 2     # 67, 40: uneven shards at any world size


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.ones_(self.weight)

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight


class Rotary(nn.Module):
    """A rotary table: a non-persistent buffer computed at construction,
    recomputed by reset_parameters (so meta -> to_empty -> reset restores it)."""

    def __init__(self, head_dim, length=16):
        super().__init__()
        self.head_dim, self.length = head_dim, length
        self.register_buffer("cos", torch.empty(length, head_dim // 2), persistent=False)
        self.reset_parameters()

    def reset_parameters(self):
        inv = 1.0 / (10000 ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
        with torch.no_grad():
            self.cos.copy_(torch.cos(torch.outer(torch.arange(self.length, dtype=torch.float32), inv)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention_norm = RMSNorm(DIM)
        self.wq = nn.Linear(DIM, DIM, bias=False)
        self.wk = nn.Linear(DIM, DIM, bias=False)
        self.wv = nn.Linear(DIM, DIM, bias=False)
        self.wo = nn.Linear(DIM, DIM, bias=False)
        self.ffn_norm = RMSNorm(DIM)
        self.w1 = nn.Linear(DIM, HIDDEN, bias=False)
        self.w3 = nn.Linear(DIM, HIDDEN, bias=True)
        self.w2 = nn.Linear(HIDDEN, DIM, bias=False)


class TinyLlama(nn.Module):
    """A Llama-shaped transformer (torchtitan's names), small enough for a test."""

    def __init__(self):
        super().__init__()
        self.tok_embeddings = nn.Embedding(VOCAB, DIM)
        self.rotary = Rotary(DIM // HEADS)
        self.layers = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = RMSNorm(DIM)
        self.output = nn.Linear(DIM, VOCAB, bias=False)

    def init_weights(self):
        """torchtitan's style: the model's own init function (truncated
        normals, scaled per depth), run under fastinit's init_context."""
        nn.init.normal_(self.tok_embeddings.weight)
        for k, layer in enumerate(self.layers):
            for lin in (layer.wq, layer.wk, layer.wv, layer.w1):
                nn.init.trunc_normal_(lin.weight, mean=0.0, std=0.02)
            for lin in (layer.wo, layer.w2, layer.w3):
                nn.init.trunc_normal_(lin.weight, mean=0.0, std=0.02 / (2 * (k + 1)) ** 0.5)
            nn.init.zeros_(layer.w3.bias)
            layer.attention_norm.reset_parameters()
            layer.ffn_norm.reset_parameters()
        self.norm.reset_parameters()
        self.rotary.reset_parameters()
        nn.init.trunc_normal_(self.output.weight, std=DIM ** -0.5, a=-3 * DIM ** -0.5, b=3 * DIM ** -0.5)


class TinyViT(nn.Module):
    """A ViT whose construction writes tensors no reset writes (timm's
    kind): a class token and position embedding drawn in ``__init__``,
    layer-scale gammas, a relative-position table drawn there, and a
    non-persistent buffer computed there from ``torch.tensor`` data. Built
    inside ``init_context``; on the meta device, ``reset_parameters_`` makes
    those tensors again from the recorded construction."""

    def __init__(self, patches=6):
        super().__init__()
        self.patch = nn.Linear(12, DIM)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, DIM))
        with torch.no_grad():              # timm's trunc_normal_: uniform_, then the inverse CDF
            self.cls_token.uniform_(-0.9, 0.9).erfinv_().mul_(0.02 * 2 ** 0.5)
        self.pos_embed = nn.Parameter(torch.randn(1, patches + 1, DIM) * 0.02)
        self.rel_table = nn.Parameter(torch.randn(2 * patches + 1, HEADS) * 0.02)
        self.fc1 = nn.ModuleList(nn.Linear(DIM, HIDDEN) for _ in range(LAYERS))
        self.fc2 = nn.ModuleList(nn.Linear(HIDDEN, DIM) for _ in range(LAYERS))
        self.gamma = nn.ParameterList(nn.Parameter(1e-5 * torch.ones(DIM)) for _ in range(LAYERS))
        scales = torch.tensor([1.0, 0.5, 0.25])
        self.register_buffer("freqs", torch.outer(torch.arange(patches + 1.0), scales).sin(),
                             persistent=False)
        self.head = nn.Linear(DIM, VOCAB)


TP_PLAN = {
    "tok_embeddings": "rowwise",
    "layers.*.wq": "colwise", "layers.*.wk": "colwise", "layers.*.wv": "colwise",
    "layers.*.wo": "rowwise", "layers.*.w1": "colwise", "layers.*.w3": "colwise",
    "layers.*.w2": "rowwise", "output": "colwise",
}
GPT2_TP_PLAN = {"transformer.wte": "rowwise", "lm_head": "colwise"}   # Conv1D has no TP style
VIT_TP_PLAN = {"fc1.*": "colwise", "fc2.*": "rowwise", "head": "colwise"}


def build(name):
    if name == "llama":
        return TinyLlama()
    if name == "vit":
        return TinyViT()
    from transformers import GPT2Config, GPT2LMHeadModel
    cfg = GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=67, n_positions=16,
                     tie_word_embeddings=False)
    return GPT2LMHeadModel(cfg)


def initialize(model, name, how):
    """The two workflows: reset_parameters_ (every module's own reset) and
    the model's own init function under init_context."""
    if how == "reset":
        finit.reset_parameters_(model, seed=0)
    else:
        with finit.init_context(seed=0):
            model.init_weights()


def tensor_parallel(model, name, mesh):
    from torch.distributed.tensor.parallel import (ColwiseParallel, RowwiseParallel,
                                                   parallelize_module)
    plan = {"llama": TP_PLAN, "gpt2": GPT2_TP_PLAN, "vit": VIT_TP_PLAN}[name]
    styles = {"colwise": ColwiseParallel, "rowwise": RowwiseParallel}
    return parallelize_module(model, mesh, {k: styles[v]() for k, v in plan.items()})


def sharded(name, how, layout, world):
    """The model on the meta device, sharded by ``layout``, materialized and
    initialized: torchtitan's workflow."""
    with torch.device("meta"), finit.init_context(seed=0) if name == "vit" else nullcontext():
        model = build(name)           # the ViT's construction recorded, to be made again
    sharded_layout(model, name, layout, world)
    model.to_empty(device="cpu")
    initialize(model, name, how)
    return model


def sharded_layout(model, name, layout, world):
    """Shard ``model`` in place by ``layout``."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    if layout == "fsdp":
        mesh = init_device_mesh("cpu", (world,))
        blocks = {"llama": lambda: model.layers, "gpt2": lambda: model.transformer.h,
                  "vit": lambda: model.fc1}[name]()
        for block in blocks:
            fully_shard(block, mesh=mesh)
        fully_shard(model, mesh=mesh)
    elif layout == "tp":
        tensor_parallel(model, name, init_device_mesh("cpu", (world,)))
    elif layout == "fsdp+tp":
        mesh = init_device_mesh("cpu", (2, world // 2), mesh_dim_names=("dp", "tp"))
        tensor_parallel(model, name, mesh["tp"])
        fully_shard(model, mesh=mesh["dp"])
    elif layout == "mesh2d":      # every parameter Shard(0) x Shard(1) on a (2, 2) mesh
        from torch.distributed.tensor import Shard, distribute_tensor
        mesh = init_device_mesh("cpu", (2, world // 2))
        for mod in model.modules():
            for pname, p in list(mod.named_parameters(recurse=False)):
                placements = [Shard(0), Shard(1)] if p.ndim == 2 else [Shard(0), Shard(0)]
                setattr(mod, pname, nn.Parameter(distribute_tensor(p, mesh, placements,
                                                                   src_data_rank=None)))


def check(rank, world, scenario):
    name, how, layout = scenario.split(":")
    torch.manual_seed(1234 + rank)          # fastinit's bits must not depend on torch's seed
    with finit.init_context(seed=0) if name == "vit" else nullcontext():
        one = build(name)                    # the one-process model, built as usual
    initialize(one, name, how)
    model = sharded(name, how, layout, world)
    want = dict(one.named_parameters())
    want.update(one.named_buffers())
    seen, kinds = 0, set()
    for pname, p in list(model.named_parameters()) + list(model.named_buffers()):
        ref = want[pname]
        if hasattr(p, "full_tensor"):
            from torch.distributed.tensor import distribute_tensor
            mine = distribute_tensor(ref.detach(), p.device_mesh, p.placements,
                                     src_data_rank=None).to_local()
            local = p.to_local()
            if not torch.equal(local, mine):
                raise AssertionError(f"rank {rank}: {scenario} {pname} {p.placements}: the local "
                                     f"shard differs from the one-process values at its indices")
            full = p.full_tensor()
            seen += 1
            kinds.update(str(pl) for pl in p.placements)
        else:
            full = p
        if not torch.equal(full.detach(), ref.detach()):
            raise AssertionError(f"rank {rank}: {scenario} {pname}: differs from the one-process model")
    if layout != "none" and seen == 0:
        raise AssertionError(f"{scenario}: no parameter was sharded")
    print(f"rank {rank}/{world} {scenario}: {len(want)} tensors equal, {seen} sharded "
          f"({', '.join(sorted(kinds))})", flush=True)


def check_unrecorded(rank, world):
    """The ViT built on the meta device without init_context, under FSDP2:
    nothing recorded its construction, so reset_parameters_ names what no
    reset writes (FSDP2's shards share one version counter: a write to one
    must not pass for a write to another)."""
    with torch.device("meta"):
        model = build("vit")
    sharded_layout(model, "vit", "fsdp", world)
    model.to_empty(device="cpu")
    try:
        finit.reset_parameters_(model, seed=0)
    except ValueError as e:
        if "cls_token" not in str(e) or "gamma.0" not in str(e) or "patch.weight" in str(e):
            raise AssertionError(f"rank {rank}: the wrong tensors named: {e}") from None
    else:
        raise AssertionError(f"rank {rank}: an unrecorded construction's tensors passed as written")
    print(f"rank {rank}/{world} unrecorded: refused", flush=True)


FILLS = [("uniform_", {"a": -0.5, "b": 2.0}), ("normal_", {"std": 0.02}), ("trunc_normal_", {"std": 0.5}),
         ("xavier_uniform_", {}), ("xavier_normal_", {"gain": 2.0}), ("kaiming_uniform_", {"a": 5 ** 0.5}),
         ("kaiming_normal_", {"mode": "fan_out"}), ("orthogonal_", {}), ("sparse_", {"sparsity": 0.3})]


def check_fills(rank, world):
    """Every fill of fastinit.torch on DTensors of each placement (1-D mesh,
    and a 2-D one at world size 4), float32 and bfloat16, uneven shapes:
    the full tensor equals the one-process fill, and bad placements raise."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Partial, Replicate, Shard, distribute_tensor

    meshes = [(init_device_mesh("cpu", (world,)), [[Shard(0)], [Shard(1)], [Replicate()]])]
    if world == 4:
        meshes.append((init_device_mesh("cpu", (2, 2)), [[Shard(0), Shard(1)], [Shard(1), Shard(0)],
                                                         [Replicate(), Shard(0)], [Shard(0), Shard(0)]]))
    shape = (13, 7)
    count = 0
    for name, kw in FILLS:
        fill = getattr(finit, name)
        for dtype in (torch.float32, torch.bfloat16):
            if name in ("orthogonal_", "sparse_") and dtype == torch.bfloat16:
                continue
            want = fill(torch.empty(shape, dtype=dtype), seed=5, **kw)
            for mesh, layouts in meshes:
                for placements in layouts:
                    dt = distribute_tensor(torch.empty(shape, dtype=dtype), mesh, placements,
                                           src_data_rank=None)
                    fill(dt, seed=5, **kw)
                    if not torch.equal(dt.full_tensor(), want):
                        raise AssertionError(f"rank {rank}: {name} {dtype} {placements} differs")
                    count += 1
    dt = distribute_tensor(torch.empty(shape), meshes[0][0], [Shard(0)], src_data_rank=None)
    finit.init_shard_(dt, init="normal_", seed=5, std=0.02)
    if not torch.equal(dt.full_tensor(), finit.normal_(torch.empty(shape), std=0.02, seed=5)):
        raise AssertionError("init_shard_ of a DTensor differs")
    try:
        finit.init_shard_(dt, init="normal_", rank=0, world_size=world, seed=5)
    except TypeError as e:
        assert "DTensor brings its own" in str(e), e
    else:
        raise AssertionError("init_shard_ took rank= for a DTensor")
    from torch.distributed.tensor import DTensor
    partial = DTensor.from_local(torch.zeros(shape), meshes[0][0], [Partial()])
    try:
        finit.normal_(partial, seed=5)
    except ValueError as e:
        assert "Partial" in str(e), e
    else:
        raise AssertionError("a Partial DTensor was filled")
    print(f"rank {rank}/{world} fills: {count} DTensor fills equal", flush=True)


def torch_own(rank, world, layout):
    """What torch alone gives on the same workflow: ``torch.manual_seed(0)``
    and every module's ``reset_parameters()`` (children first), one process
    against the sharded model. Prints how many tensors match."""
    from fastinit._torchmode import _post_order, _reset_of

    def reset_all(model):
        torch.manual_seed(0)
        with torch.no_grad():
            for m in _post_order(model, set()):
                reset = _reset_of(m)
                if reset is not None:
                    reset()
    one = build("llama")
    reset_all(one)
    want = dict(one.named_parameters())
    with torch.device("meta"):
        model = build("llama")
    sharded_layout(model, "llama", layout, world)
    model.to_empty(device="cpu")
    reset_all(model)
    equal = [name for name, p in model.named_parameters()
             if torch.equal((p.full_tensor() if hasattr(p, "full_tensor") else p).detach(), want[name])]
    print(f"rank {rank}/{world} torch:{layout}: {len(equal)} of {len(want)} parameters equal the "
          f"one-process ones", flush=True)


def main(rank, world, port, scenario):
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    try:
        for one in scenario.split(","):
            if one == "fills":
                check_fills(rank, world)
            elif one.startswith("torch:"):
                torch_own(rank, world, one.split(":")[1])
            elif one == "unrecorded":
                check_unrecorded(rank, world)
            else:
                check(rank, world, one)
        dist.barrier()
    finally:
        dist.destroy_process_group()
    end_rank()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
