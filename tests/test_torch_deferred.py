"""init_context defers draws into whole CPU tensors (fastinit/_torchmode.py):
whatever reads or writes the memory meanwhile, and whatever becomes of the
tensor, the values are bit for bit those of drawing at once. Each test
builds the same thing twice, deferring and not, and compares. Skipped
without torch."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fastinit.torch as init  # noqa: E402
from fastinit import _torchmode  # noqa: E402
from torch import nn  # noqa: E402


def both(build, seed=0):
    """build() under init_context(seed), deferring and drawing at once."""
    with init.init_context(seed=seed):
        deferred = build()
    original = _torchmode.InitMode.can_defer
    _torchmode.InitMode.can_defer = lambda self, tensor: False
    try:
        with init.init_context(seed=seed):
            eager = build()
    finally:
        _torchmode.InitMode.can_defer = original
    return deferred, eager


def same(a, b):
    if isinstance(a, torch.Tensor):
        return a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def test_a_draw_is_deferred_and_made_at_exit():
    mode = init.init_context(seed=0)
    with mode:
        w = torch.empty(64, 32)
        nn.init.normal_(w)
        assert mode.pending                                   # not drawn yet
    assert not mode.pending
    assert torch.equal(w, init.normal_(torch.empty(64, 32), seed=init_seed_stream(0, 0)))


def init_seed_stream(seed, stream):
    import fastinit
    g = fastinit.Generator(seed)
    for _ in range(stream):
        g.reserve_stream()
    return g


@pytest.mark.parametrize("read", [
    lambda w: w.clone(), lambda w: w.sum(), lambda w: w.numpy().copy(), lambda w: w.tolist(),
    lambda w: w @ torch.ones(32, 2), lambda w: w[3], lambda w: w.view(-1)[:5].clone(),
    lambda w: torch.cat([w, w]), lambda w: {"x": w}["x"].mean(), lambda w: w.data_ptr() and w.clone(),
    lambda w: w.t().contiguous(), lambda w: w.to(torch.float64),
    lambda w: torch.from_dlpack(torch.utils.dlpack.to_dlpack(w)).clone(),
    lambda w: np.from_dlpack(w).copy(), lambda w: __import__("pickle").loads(__import__("pickle").dumps(w)),
])
def test_a_read_inside_the_context_sees_the_draw(read):
    def build():
        w = torch.empty(64, 32)
        nn.init.normal_(w)
        return read(w), w
    deferred, eager = both(build)
    assert same(deferred, eager)


def test_a_forward_pass_inside_the_context():
    def build():
        lin = nn.Linear(16, 8)
        return lin(torch.ones(2, 16)), lin.weight.detach().clone()
    assert same(*both(build))


def test_a_partial_write_after_a_deferred_draw():
    def build():
        w = torch.empty(8, 8)
        nn.init.normal_(w)
        w[0].fill_(1.0)            # a write through a view
        w[1] = 2.0                 # __setitem__
        nn.init.uniform_(w[2:4])      # a draw into part of the memory
        w.mul_(3.0)
        return w
    assert same(*both(build))


def test_a_replaced_draw_and_a_shape_read_leave_the_values_exact():
    def build():
        w = torch.empty(16, 8)
        nn.init.kaiming_uniform_(w, a=5 ** 0.5)
        _ = w.shape, w.size(1), w.dim(), w.data, w.is_contiguous()
        w.data.normal_(std=0.02)   # the second draw replaces the first whole
        return w
    mode = init.init_context(seed=0)
    with mode:
        w = torch.empty(16, 8)
        nn.init.kaiming_uniform_(w, a=5 ** 0.5)
        w.data.normal_(std=0.02)
        assert len(mode.pending) == 1
    assert same(*both(build))


def test_a_parameter_made_of_the_tensor_gets_the_draw_after_the_tensor_is_gone():
    def build():
        t = torch.empty(10, 6)
        nn.init.normal_(t)
        p = nn.Parameter(t)
        del t
        return p
    deferred, eager = both(build)
    assert torch.equal(deferred, eager)


def test_a_freed_tensor_is_never_drawn_and_later_streams_do_not_move():
    def build():
        w = torch.empty(100, 100)
        nn.init.normal_(w)
        del w                      # freed: its draw is never made
        v = torch.empty(5)
        nn.init.uniform_(v)
        return v
    assert same(*both(build))


def test_the_version_moves_at_the_call():
    with init.init_context(seed=0):
        w = torch.empty(4, 4)
        v = w._version
        nn.init.normal_(w)
        assert w._version == v + 1


def test_an_exception_inside_the_context_still_makes_the_draws():
    holder = []

    def build():
        with pytest.raises(KeyError):
            with init.init_context(seed=0):
                w = torch.empty(6, 6)
                nn.init.normal_(w)
                holder.append(w)
                raise KeyError("boom")
        return holder[-1]
    deferred = build()
    eager = init.normal_(torch.empty(6, 6), seed=init_seed_stream(0, 0))
    assert torch.equal(deferred, eager)


def test_a_module_passed_whole_settles_every_draw():
    def build():
        lin = nn.Linear(8, 4)
        out = torch.func.functional_call(lin, dict(lin.named_parameters()), (torch.ones(1, 8),))
        return out, lin.weight
    assert same(*both(build))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_every_direct_dtype(dtype):
    def build():
        w = torch.empty(12, 7, dtype=dtype)
        nn.init.kaiming_normal_(w)
        x = w.float().sum()
        u = torch.empty(9, dtype=dtype)
        nn.init.uniform_(u, -1, 1)
        return x, w, u
    assert same(*both(build))


def test_bad_arguments_raise_at_the_call():
    mode = init.init_context(seed=0)
    with mode:
        w = torch.empty(4, 4)
        with pytest.raises(RuntimeError, match="std"):    # as torch raises it
            nn.init.normal_(w, std=-1.0)
        with pytest.raises(ValueError, match="fan_sideways"):
            nn.init.kaiming_uniform_(w, mode="fan_sideways")
        assert not mode.pending


def test_reset_parameters_defers_too_and_matches():
    def build():
        m = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.MultiheadAttention(8, 2))
        return init.reset_parameters_(m, seed=5).state_dict()
    deferred, eager = both(build)
    assert same(dict(deferred), dict(eager))
    assert all(np.isfinite(v.numpy()).all() for v in deferred.values())


def test_nested_contexts_keep_the_order_of_the_draws():
    def build():
        w = torch.empty(6, 5)
        nn.init.normal_(w)
        with init.init_context(seed=9):
            nn.init.uniform_(w)
            v = torch.empty(3)
            nn.init.normal_(v)
        nn.init.uniform_(v[:2])
        return w, v
    assert same(*both(build))
