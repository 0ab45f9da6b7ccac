"""init_context and reset_parameters_ as a PyTorch user's programs meet them
(fastinit/_torchmode.py). Each test runs a program inside a context and the
same calls drawing at once through fastinit.torch with the same generator,
and compares what the program read, bit for bit (or asserts the clear
error). Skipped without torch."""

import asyncio
import gc
import io
import logging
import pickle
import random
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fastinit  # noqa: E402
import fastinit.torch as init  # noqa: E402
from torch import nn  # noqa: E402


def same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


class Draws:
    """A program's random calls, two ways: as torch code inside
    init_context(seed) (``context=True``), or as the same calls to
    fastinit.torch drawing at once from Generator(seed)."""

    def __init__(self, seed, context):
        self.context = context
        self.gen = None if context else fastinit.Generator(seed)

    def __call__(self, name, tensor, *args, **kwargs):
        if self.context:
            if name == "normal_method":
                return tensor.normal_(*args, **kwargs)
            return getattr(nn.init, name)(tensor, *args, **kwargs)
        name = "normal_" if name == "normal_method" else name
        return getattr(init, name)(tensor, *args, generator=self.gen, **kwargs)


def both(program, seed=0):
    """program(draw) inside init_context(seed), and drawing at once."""
    with init.init_context(seed=seed):
        inside = program(Draws(seed, True))
    return inside, program(Draws(seed, False))


ORIGINALS = (torch.nn.init.trunc_normal_, torch.nn.init.normal_, torch.utils.dlpack.to_dlpack,
             torch.Tensor.normal_, torch.randn)


def clean():
    """torch as it was: no mode on this thread's stack, nothing replaced."""
    return (torch._C._len_torch_function_stack() == 0
            and (torch.nn.init.trunc_normal_, torch.nn.init.normal_, torch.utils.dlpack.to_dlpack,
                 torch.Tensor.normal_, torch.randn) == ORIGINALS)


# ---- 1. every read sees the values of drawing at once ----------------------------------------------
@torch.jit.script
def scripted_copy(x: torch.Tensor) -> torch.Tensor:
    return x * 1.0


class Scripted(nn.Module):
    def forward(self, x):
        return x + 0.0


READS = {
    "clone": lambda t, arr: t.clone(),
    "torchscript function": lambda t, arr: scripted_copy(t),
    "scripted module": lambda t, arr: torch.jit.script(Scripted())(t),
    "numpy view taken before the draw": lambda t, arr: arr.copy(),
    "dlpack": lambda t, arr: torch.from_dlpack(torch.utils.dlpack.to_dlpack(t)).clone(),
    "numpy from_dlpack": lambda t, arr: np.from_dlpack(t).copy(),
    "pickle": lambda t, arr: pickle.loads(pickle.dumps(t)),
    "storage bytes": lambda t, arr: bytes(t.untyped_storage()),
    "tolist": lambda t, arr: t.tolist(),
    "another thread": lambda t, arr: in_thread(t.clone),
}


def in_thread(fn):
    out = []
    th = threading.Thread(target=lambda: out.append(fn()))
    th.start()
    th.join(timeout=30)
    assert out, "the reading thread did not finish"
    return out[0]


@pytest.mark.parametrize("read", READS)
def test_every_read_sees_the_values_of_drawing_at_once(read):
    def program(draw):
        arr = np.empty((24, 16), np.float32)
        t = torch.from_numpy(arr)             # NumPy owns the memory
        view = t.numpy()                      # a NumPy view taken before the draw
        draw("normal_", t, std=0.5)
        first = READS[read](t, view)
        draw("kaiming_uniform_", t, a=5 ** 0.5)
        return first, READS[read](t, arr), t.clone()
    assert same(*both(program))


def test_two_storages_at_one_address():
    def program(draw):
        arr = np.empty(8, np.float32)
        whole, head = torch.from_numpy(arr), torch.from_numpy(arr[:4])
        draw("normal_", whole)
        draw("uniform_", head)
        return arr.copy(), whole.clone(), head.clone()
    inside, at_once = both(program)
    assert same(inside, at_once) and np.isfinite(inside[0]).all()


class Writes(torch.Tensor):
    """A subclass whose __torch_function__ writes another tensor."""
    target = None
    draw = None

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func is torch.Tensor.add and cls.target is not None:
            cls.draw("uniform_", cls.target)
        return super().__torch_function__(func, types, args, kwargs or {})


def test_a_subclass_writing_another_tensor():
    def program(draw):
        w, v = torch.empty(6, 6), torch.empty(5)
        draw("normal_", w)
        Writes.target, Writes.draw = v, draw
        try:
            s = w.as_subclass(Writes).add(1.0)
        finally:
            Writes.target = Writes.draw = None
        return w.clone(), v.clone(), s.as_subclass(torch.Tensor)
    assert same(*both(program))


def test_writes_and_draws_in_any_order():
    def program(draw):
        w = torch.empty(8, 8)
        draw("normal_", w)
        w[0].fill_(1.0)
        w[1] = 2.0
        draw("uniform_", w[2:4])
        w.mul_(3.0)
        lin = nn.Linear(8, 4, device="meta").to_empty(device="cpu")
        draw("normal_", lin.weight, std=0.02)
        draw("uniform_", lin.bias)
        return w, lin.weight.detach().clone(), lin(torch.ones(2, 8)).detach()
    assert same(*both(program))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64], ids=str)
def test_every_dtype(dtype):
    def program(draw):
        w = torch.empty(12, 7, dtype=dtype)
        draw("kaiming_normal_", w)
        u = torch.empty(9, dtype=dtype)
        draw("uniform_", u, -1, 1)
        c = torch.empty(7, 12, dtype=dtype).t()           # not contiguous
        draw("xavier_uniform_", c)
        return w.float().sum(), w, u, c.clone()
    assert same(*both(program))


def _consume(queue, done):
    t = queue.get(timeout=30)
    done.put((t.numpy().copy(), t.sum().item()))      # plain values back: this process ends


def test_a_tensor_sent_to_another_process():
    ctx = torch.multiprocessing.get_context("fork")

    def program(draw):
        w = torch.empty(32, 8)
        draw("normal_", w)
        queue, done = ctx.Queue(), ctx.Queue()
        p = ctx.Process(target=_consume, args=(queue, done))
        p.start()
        try:
            queue.put(w)
            got = done.get(timeout=60)
        finally:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
        return got[0], got[1], w.clone()
    inside, at_once = both(program)
    assert same(inside, at_once)


OPS = ["draw", "read", "write"]


@pytest.mark.parametrize("case", range(12))
def test_random_programs_compose_the_read_paths(case):
    rng = random.Random(case)
    steps = []
    for _ in range(14):
        op = rng.choice(OPS)
        steps.append((op, rng.randrange(3), rng.choice(sorted(READS)),
                      rng.choice(["normal_", "uniform_", "kaiming_uniform_", "normal_method"])))
    dtypes = [rng.choice([np.float32, np.float64]) for _ in range(3)]

    def program(draw):
        arrays = [np.zeros((10, 6), dt) for dt in dtypes]
        tensors = [torch.from_numpy(a) for a in arrays]
        seen = []
        for op, k, read, name in steps:
            if op == "draw":
                draw(name, tensors[k])
            elif op == "read":
                seen.append(READS[read](tensors[k], arrays[k]))
            else:
                tensors[k][k].add_(1.0)
        return seen, [a.copy() for a in arrays]
    assert same(*both(program, seed=case))


# ---- 2. scoped, re-entrant, per task and thread -----------------------------------------------------
def linears(n, draw=None):
    return [nn.Linear(6, 4) for _ in range(n)]


def state(mods):
    return [(m.weight.detach().clone(), m.bias.detach().clone()) for m in mods]


def built(seed, n):
    with init.init_context(seed=seed):
        return state(linears(n))


def test_the_same_context_entered_again_continues_its_streams():
    ctx = init.init_context(seed=3)
    with ctx:
        a = linears(1)
        with ctx:                          # nested
            b = linears(1)
        c = linears(1)
    with ctx:                              # again, later
        d = linears(1)
    assert same(state(a + b + c + d), built(3, 4)) and clean()


def test_asyncio_tasks_keep_their_own_contexts():
    async def build(seed, pause):
        with init.init_context(seed=seed):
            mods = []
            for _ in range(3):
                mods += linears(1)
                await asyncio.sleep(pause)
        return state(mods)

    async def main():
        # interleaved, and the first task exits last
        return await asyncio.gather(build(1, 0.02), build(2, 0.001), build(3, 0.0))
    r1, r2, r3 = asyncio.run(main())
    assert same(r1, built(1, 3)) and same(r2, built(2, 3)) and same(r3, built(3, 3))
    assert clean()


def test_a_generator_collected_inside_another_context():
    def holder():
        with init.init_context(seed=5):
            yield linears(1)
            yield linears(1)

    g = holder()
    first = next(g)
    with init.init_context(seed=7):
        a = linears(1)
        del g
        gc.collect()                       # its context exits here, inside this one
        b = linears(1)
    assert same(state(first), built(5, 1)) and same(state(a + b), built(7, 2)) and clean()
    w = init.normal_(torch.empty(4, 4), generator=fastinit.Generator(0))
    assert same(w, torch.from_numpy(fastinit.Generator(0).normal((4, 4), stream=0)))


def test_out_of_order_exits():
    a, b = init.init_context(seed=1), init.init_context(seed=2)
    a.__enter__()
    b.__enter__()
    x = linears(1)                         # b's
    a.__exit__(None, None, None)
    y = linears(1)                         # still b's
    b.__exit__(None, None, None)
    assert same(state(x + y), built(2, 2)) and clean()
    with pytest.raises(RuntimeError, match="not open"):
        a.__exit__(None, None, None)


def test_an_exception_inside_leaves_torch_as_it_was():
    with pytest.raises(KeyError):
        with init.init_context(seed=0):
            w = linears(1)
            raise KeyError("boom")
    assert same(state(w), built(0, 1)) and clean()


def test_threads_never_see_each_others_contexts():
    barrier = threading.Barrier(3, timeout=30)
    results = {}

    def with_context(seed):
        with init.init_context(seed=seed):
            barrier.wait()                 # all three threads are inside here at once
            results[seed] = state(linears(2))
            barrier.wait()

    def without():
        barrier.wait()
        torch.manual_seed(11)
        t = nn.init.trunc_normal_(torch.empty(50))
        results["torch"] = (t, torch._C._len_torch_function_stack())
        barrier.wait()

    threads = [threading.Thread(target=with_context, args=(s,)) for s in (1, 2)]
    threads.append(threading.Thread(target=without))
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    torch.manual_seed(11)
    assert same(results[1], built(1, 2)) and same(results[2], built(2, 2))
    assert same(results["torch"][0], nn.init.trunc_normal_(torch.empty(50))) and results["torch"][1] == 0
    assert clean()


def test_a_forked_child_draws_through_torch():
    # a DataLoader worker forked inside a context: torch's own RNG, as without fastinit
    code = textwrap.dedent("""
        import os, torch, fastinit.torch as init
        with init.init_context(seed=0):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                torch.manual_seed(4)
                os.write(w, b"%r" % torch.randn(3).tolist())
                os._exit(0)
            os.waitpid(pid, 0)
            got = os.read(r, 4096).decode()
        torch.manual_seed(4)
        assert got == repr(torch.randn(3).tolist()), got
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


# ---- 3. a failing draw is reported, the others are made -------------------------------------------
def test_a_failing_draw_raises_at_its_call_and_the_rest_are_made():
    def program(draw):
        a, b, c = torch.empty(16, 4), torch.empty(16, 4), torch.empty(16, 4)
        draw("normal_", a)
        b.untyped_storage().resize_(0)     # freed through a handle, as FSDP frees a shard
        with pytest.raises(ValueError, match="resized or freed"):
            draw("normal_", b)
        draw("uniform_", c)
        return a, c
    assert same(*both(program))


# ---- 4. the storage is held for the whole fill --------------------------------------------------
def test_a_resizing_thread_never_crashes_a_two_thread_fill():
    # run in a child, so a crash fails this test instead of the suite
    code = textwrap.dedent("""
        import threading, torch, fastinit, fastinit.torch as init
        fastinit.set_num_threads(2)
        t = torch.empty(1 << 18)
        stop = threading.Event()
        def resize():
            while not stop.is_set():
                t.untyped_storage().resize_(0)
                t.untyped_storage().resize_(4 << 18)
        th = threading.Thread(target=resize)
        th.start()
        filled = refused = 0
        try:
            for _ in range(300):
                try:
                    init.normal_(t, seed=1)
                    fastinit.uniform(out=t, seed=2)
                    filled += 1
                except ValueError:
                    refused += 1
        finally:
            stop.set()
            th.join()
        t.untyped_storage().resize_(4 << 18)
        assert torch.equal(init.normal_(t, seed=1), torch.from_numpy(fastinit.normal((1 << 18,), seed=1)))
        print("ok", filled, refused)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0 and out.stdout.startswith("ok"), (out.returncode, out.stderr[-2000:])


# ---- 5. torch features inside the context -------------------------------------------------------
def _features():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    x = torch.linspace(-1, 1, 24).reshape(3, 8)
    out = {}

    def scaled(v):
        y = v.clone()
        y.mul_(2.0)
        return y
    out["vmap"] = torch.vmap(scaled)(x)
    out["grad"] = torch.func.grad(lambda v: v.clone().mul_(3.0).sum())(x)
    s = torch.eye(3).to_sparse()
    s.mul_(2.0)
    out["sparse"] = s.to_dense()
    out["trace"] = torch.equal(torch.jit.trace(m, x)(x), m(x))      # m's weights follow the seed
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    wa, wb = a.weight.detach().clone(), b.weight.detach().clone()
    torch.utils.swap_tensors(a.weight, b.weight)
    out["swap"] = (torch.equal(a.weight, wb), torch.equal(b.weight, wa))
    out["compile"] = torch.equal(torch.compile(m, backend="eager")(x), m(x))
    data = torch.utils.data.TensorDataset(torch.arange(20.0))
    out["loader"] = sorted(float(v) for (batch,) in torch.utils.data.DataLoader(data, batch_size=6, shuffle=True)
                           for v in batch)
    return out


def test_torch_features_work_as_without_fastinit():
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger("torch").addHandler(handler)
    try:
        with init.init_context(seed=0):
            inside = _features()
    finally:
        logging.getLogger("torch").removeHandler(handler)
    without = _features()
    for k in without:
        assert same(inside[k], without[k]), k
    assert log.getvalue() == ""
    assert clean()


def test_dataloader_workers_and_shuffling_inside_the_context():
    data = torch.utils.data.TensorDataset(torch.arange(40.0))

    def epoch(workers):
        loader = torch.utils.data.DataLoader(data, batch_size=8, shuffle=True, num_workers=workers,
                                             multiprocessing_context="fork" if workers else None,
                                             timeout=60 if workers else 0)
        return [b[0].tolist() for b in loader]
    with init.init_context(seed=0):
        a, w = epoch(0), epoch(2)
    with init.init_context(seed=0):
        b = epoch(0)
    assert a == b and sorted(sum(a, [])) == list(range(40)) and sorted(sum(w, [])) == list(range(40))


# ---- 6. the smaller promises ---------------------------------------------------------------------
def test_a_torch_generator_is_honoured_the_same_way_inside_and_outside():
    def program(draw):
        g = torch.Generator().manual_seed(3)
        w, v = torch.empty(5, 5), torch.empty(5, 5)
        nn.init.normal_(w, generator=g)
        init.normal_(v, generator=g)
        return w, v
    with init.init_context(seed=0):
        inside = program(None)
    g = torch.Generator().manual_seed(3)
    at_once = (init.normal_(torch.empty(5, 5), generator=g), init.normal_(torch.empty(5, 5), generator=g))
    assert same(inside, at_once)


def test_fastinit_torch_without_a_seed_draws_from_the_context():
    with init.init_context(seed=4):
        w = init.normal_(torch.empty(3, 3))
        v = nn.init.normal_(torch.empty(3, 3))
    g = fastinit.Generator(4)
    assert same((w, v), (init.normal_(torch.empty(3, 3), generator=g),
                         init.normal_(torch.empty(3, 3), generator=g)))


# Each call form of the draws the mode answers without fastinit.torch's
# layers (_torchmode's _uniform, _uniform_method, _normal, _kaiming_uniform),
# and forms those handlers hand on to fastinit.torch: (inside the context,
# the same draw at once with generator g).
FORMS = {
    "init.uniform_": (lambda t: nn.init.uniform_(t, -0.5, 0.25),
                      lambda t, g: init.uniform_(t, -0.5, 0.25, generator=g)),
    "init.uniform_ by name": (lambda t: nn.init.uniform_(t, b=3, a=-2),
                              lambda t, g: init.uniform_(t, -2, 3, generator=g)),
    "init.uniform_ numpy bounds": (lambda t: nn.init.uniform_(t, np.float32(-1), np.float64(1)),
                                   lambda t, g: init.uniform_(t, -1.0, 1.0, generator=g)),
    "Tensor.uniform_": (lambda t: t.uniform_(-0.5, 0.25),
                        lambda t, g: init.uniform_(t, -0.5, 0.25, generator=g)),
    "Tensor.uniform_ ints": (lambda t: t.uniform_(-2, 3), lambda t, g: init.uniform_(t, -2, 3, generator=g)),
    "Tensor.uniform_ defaults": (lambda t: t.uniform_(), lambda t, g: init.uniform_(t, generator=g)),
    "Tensor.uniform_ from/to": (lambda t: t.uniform_(**{"from": -1.0, "to": 0.5}),
                                lambda t, g: init.uniform_(t, -1.0, 0.5, generator=g)),
    "init.normal_": (lambda t: nn.init.normal_(t, 0.5, 0.02),
                     lambda t, g: init.normal_(t, 0.5, 0.02, generator=g)),
    "Tensor.normal_": (lambda t: t.normal_(0, 3), lambda t, g: init.normal_(t, 0, 3, generator=g)),
    "Tensor.normal_ std=": (lambda t: t.normal_(std=0.02), lambda t, g: init.normal_(t, std=0.02, generator=g)),
    "init.kaiming_uniform_": (lambda t: nn.init.kaiming_uniform_(t, a=5 ** 0.5),
                              lambda t, g: init.kaiming_uniform_(t, a=5 ** 0.5, generator=g)),
    "init.kaiming_uniform_ fan_out relu": (
        lambda t: nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
        lambda t, g: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", generator=g)),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("shape", [(64, 32), (6, 4, 3, 3)], ids=str)
def test_every_call_form_draws_what_fastinit_torch_draws(form, dtype, shape):
    inside, at_once = FORMS[form]
    made = [torch.empty(shape, dtype=dtype), nn.Parameter(torch.empty(shape, dtype=dtype)),
            torch.empty(shape[::-1], dtype=dtype).permute(*range(len(shape))[::-1])]   # a parameter, a view
    drawn = []
    with init.init_context(seed=3):
        for t in made + made[:1]:                         # twice: torch's checks cached
            with torch.no_grad():
                assert inside(t) is t
            drawn.append(t.detach().clone())
    g = fastinit.Generator(3)
    for t, got in zip(made + made[:1], drawn):
        expected = torch.empty(t.shape, dtype=dtype)
        with torch.no_grad():
            at_once(expected, g)
        assert same(got, expected), form
    assert made[1]._version > 0 and clean()


def test_the_short_handlers_leave_the_rest_to_fastinit_torch():
    """Zero elements, a bad mode, bounds torch refuses, a negative std, a
    generator: the same warning or error as torch gives, inside and out."""
    calls = [lambda t: nn.init.kaiming_uniform_(t[:, :0]),
             lambda t: nn.init.kaiming_uniform_(t, mode="fan_avg"),
             lambda t: nn.init.kaiming_uniform_(t[0]),
             lambda t: t.uniform_(1.0, -1.0),
             lambda t: nn.init.uniform_(t, float("nan"), 1.0),
             lambda t: nn.init.normal_(t, 0.0, -1.0),
             lambda t: t.normal_(0.0, float("nan"))]
    for call in calls:
        outcome = []
        for inside in (False, True):
            t = torch.zeros(8, 4)
            try:
                with init.init_context(seed=0) if inside else torch.no_grad():
                    with warnings.catch_warnings(record=True) as w:
                        warnings.simplefilter("always")
                        call(t)
                outcome.append(("ok", [str(x.message) for x in w], t.count_nonzero().item() == 0))
            except (RuntimeError, ValueError) as e:
                outcome.append((type(e), str(e), t.count_nonzero().item() == 0))
        assert outcome[0] == outcome[1]
    g = torch.Generator().manual_seed(1)
    with init.init_context(seed=0):
        a = nn.init.uniform_(torch.empty(5), generator=g)
    b = init.uniform_(torch.empty(5), generator=torch.Generator().manual_seed(1))
    assert same(a, b) and clean()


def test_reset_parameters_is_unchanged_by_the_context_machinery():
    m = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.MultiheadAttention(8, 2))
    a = init.reset_parameters_(m, seed=5).state_dict()
    b = init.reset_parameters_(m, seed=5).state_dict()
    assert same(dict(a), dict(b)) and clean()


def test_shard_arguments_are_checked_by_name():
    for kw, match in [(dict(rank=2, world_size=2), "rank must be in"), (dict(rank=-1, world_size=2), "rank must be in"),
                      (dict(rank=0, world_size=0), "world_size must be >= 1"),
                      (dict(rank=0, world_size=2, dim=2), "dim 2 is out of range"),
                      (dict(rank=0, world_size=4, grid=(0, 4)), "grid must be")]:
        with pytest.raises(ValueError, match=match):
            init.shard_region((8, 6), **kw)
        with pytest.raises(ValueError, match=match):
            init.init_shard_(torch.empty(4, 6), (8, 6), seed=0, **kw)
    with pytest.raises(TypeError, match="rank must be an int"):
        init.shard_region((8, 6), 0.5, 2)


def test_a_negative_bfloat16_constant_into_int16_bits():
    bits = torch.empty(5, dtype=torch.bfloat16)
    fastinit.constant((5,), -1.5, dtype="bfloat16", out=bits.view(torch.int16).numpy())
    assert torch.equal(bits, torch.full((5,), -1.5, dtype=torch.bfloat16))
    assert torch.equal(fastinit.constant(None, -2.25, out=torch.empty(3, dtype=torch.bfloat16)),
                       torch.full((3,), -2.25, dtype=torch.bfloat16))
