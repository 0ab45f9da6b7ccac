"""fastinit.torch against torch.nn.init: the same fans, bounds and
distributions, in place and zero-copy; reset_parameters_; and sharded init
on torch.distributed (gloo) equal bit for bit to the one-process weight.
Skipped when torch is not installed."""
import math
import socket

import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")

import fastinit  # noqa: E402
import fastinit.torch as init  # noqa: E402
import torch.nn.init as tinit  # noqa: E402

SHAPES = [(300, 200), (64, 32, 3, 3)]


def same_law(ours, theirs):
    a, b = ours.flatten().double().numpy(), theirs.flatten().double().numpy()
    assert stats.ks_2samp(a, b).pvalue > 1e-6
    assert a.std() == pytest.approx(b.std(), rel=0.05)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name, kw", [
    ("uniform_", {"a": -0.3, "b": 0.7}), ("normal_", {"mean": 0.1, "std": 0.02}),
    ("trunc_normal_", {"std": 0.5, "a": -0.4, "b": 0.9}), ("xavier_uniform_", {"gain": 1.5}),
    ("xavier_normal_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_uniform_", {"nonlinearity": "tanh"}),
])
def test_same_distribution_as_torch(name, kw, shape):
    ours = torch.empty(shape)
    back = getattr(init, name)(ours, seed=1, **kw)
    assert back is ours
    theirs = getattr(tinit, name)(torch.empty(shape), generator=torch.Generator().manual_seed(1), **kw)
    same_law(ours, theirs)


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_and_bounds_match_torch(shape):
    w = torch.empty(shape)
    fan_in, fan_out = tinit._calculate_fan_in_and_fan_out(w)
    bound = tinit.calculate_gain("leaky_relu", math.sqrt(5)) * math.sqrt(3 / fan_in)
    init.kaiming_uniform_(w, a=math.sqrt(5), seed=0)
    assert w.abs().max() <= bound and w.abs().max() > 0.99 * bound
    bound = math.sqrt(6 / (fan_in + fan_out))
    init.xavier_uniform_(w, seed=0)
    assert w.abs().max() <= bound and w.abs().max() > 0.99 * bound
    for nl in ("linear", "relu", "tanh", "selu", "sigmoid"):
        assert init.calculate_gain(nl) == pytest.approx(tinit.calculate_gain(nl), rel=1e-15)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(tinit.calculate_gain("leaky_relu", 0.2))


def test_in_place_zero_copy_on_parameters_and_fallbacks():
    p = torch.nn.Parameter(torch.empty(64, 32))
    ptr = p.data_ptr()
    assert init.normal_(p, std=0.02, seed=3) is p and p.data_ptr() == ptr and p.requires_grad
    assert torch.equal(p.detach(), torch.from_numpy(fastinit.normal((64, 32), 0.0, 0.02, seed=3)))
    h = torch.empty(16, 8, dtype=torch.float16)           # not float32/64: torch's own init
    assert init.kaiming_uniform_(h) is h and torch.isfinite(h).all()
    t = torch.empty(8, 16)[:, ::2]                       # not contiguous: torch's own init
    assert init.xavier_normal_(t) is t
    o = torch.empty(20, 20)
    init.orthogonal_(o, seed=0)
    assert torch.allclose(o @ o.T, torch.eye(20), atol=1e-5)
    z = torch.empty(3, 3)
    assert (init.zeros_(z) == 0).all() and (init.ones_(z) == 1).all() and (init.constant_(z, 2.5) == 2.5).all()
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(torch.empty(5))


def test_core_functions_take_tensors_and_buffers_as_out():
    t = torch.empty(32, 16)
    assert fastinit.he_normal((32, 16), out=t, seed=0) is t
    assert torch.equal(t, torch.from_numpy(fastinit.he_normal((32, 16), seed=0)))
    m = memoryview(bytearray(4 * 8)).cast("f")
    assert fastinit.uniform((8,), out=m, seed=0) is m
    with pytest.raises(ValueError, match="C-contiguous"):
        fastinit.normal((4, 4), out=torch.empty(4, 8)[:, ::2])
    with pytest.raises(ValueError, match="writable"):
        fastinit.normal((4,), out=memoryview(bytes(16)).cast("f"))
    with pytest.raises(TypeError, match="out"):
        fastinit.normal((2,), out=torch.empty(2, dtype=torch.int32))


class ViaDLPack(torch.Tensor):
    """A subclass: out= views it through DLPack, not its data pointer."""


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_a_tensor_out_is_viewed_by_its_data_pointer_as_dlpack_would(dtype):
    # plain CPU tensors skip the DLPack round trip (a fifth of its cost): same
    # bits, same memory, the storage still resizable (Tensor.numpy() would pin it)
    np_dtype = {torch.float32: "float32", torch.float64: "float64", torch.float16: "float16"}[dtype]
    want = fastinit.normal((6, 5), seed=4, dtype=np_dtype)
    for t in (torch.empty(6, 5, dtype=dtype), torch.nn.Parameter(torch.empty(6, 5, dtype=dtype)).detach(),
              torch.empty(6, 5, dtype=dtype).as_subclass(ViaDLPack)):
        ptr = t.data_ptr()
        assert fastinit.normal((6, 5), out=t, seed=4) is t and t.data_ptr() == ptr
        assert torch.equal(t.as_subclass(torch.Tensor), torch.from_numpy(want))
        t.resize_(1000)
    bits = torch.empty(3, 4, dtype=torch.bfloat16)
    fastinit.normal((3, 4), out=bits.view(torch.int16), dtype="bfloat16", seed=1)
    assert torch.equal(bits, torch.from_numpy(fastinit.normal((3, 4), seed=1)).to(torch.bfloat16))
    with pytest.raises(TypeError, match="require grad"):
        fastinit.normal((2,), out=torch.empty(2, requires_grad=True), seed=0)
    # a bfloat16 tensor is filled through its bits, as out=t.view(torch.int16) with dtype="bfloat16"
    bf = torch.empty(3, 4, dtype=torch.bfloat16)
    assert fastinit.normal((3, 4), out=bf, seed=1) is bf and torch.equal(bf, bits)
    assert fastinit.normal(out=bf, dtype="bfloat16", seed=1) is bf and torch.equal(bf, bits)
    with pytest.raises(TypeError, match="disagrees"):
        fastinit.normal(out=bf, dtype="float32", seed=1)
    with pytest.raises(TypeError, match="got bfloat16"):
        fastinit.dense_forward(torch.ones(2, 3).numpy(), torch.ones(3, 4).numpy(), out=bf[:2])
    misaligned = torch.frombuffer(bytearray(68), dtype=torch.float32, offset=2, count=16)
    with pytest.raises(ValueError, match="aligned"):
        fastinit.normal((16,), out=misaligned, seed=0)
    with pytest.raises(ValueError, match="C-contiguous"):
        fastinit.normal((4, 4), out=torch.empty(4, 4).t(), seed=0)
    neg = torch._neg_view(torch.zeros(4))        # DLPack would export it, values negated
    with pytest.raises(TypeError, match="negative"):
        fastinit.normal((4,), out=neg, seed=0)
    assert torch.equal(neg, torch.zeros(4))
    assert torch.equal(init.normal_(neg, seed=0), torch.from_numpy(fastinit.normal((4,), seed=0)))


def test_reset_parameters_like_the_modules_own():
    m = torch.nn.Sequential(torch.nn.Linear(400, 300), torch.nn.Conv2d(16, 32, 3),
                            torch.nn.Embedding(1000, 64, padding_idx=3))
    init.reset_parameters_(m, seed=0)
    lin, conv, emb = m
    for layer in (lin, conv):
        fan_in = tinit._calculate_fan_in_and_fan_out(layer.weight)[0]
        wb = 1 / math.sqrt(fan_in)   # kaiming_uniform with a = sqrt(5)
        assert layer.weight.abs().max() <= wb and layer.weight.abs().max() > 0.98 * wb
        assert layer.bias.abs().max() <= 1 / math.sqrt(fan_in)
        ref = layer.weight.detach().clone()
        layer.reset_parameters()
        same_law(ref, layer.weight.detach())
    assert (emb.weight[3] == 0).all() and abs(emb.weight.std().item() - 1) < 0.02
    a = init.reset_parameters_(torch.nn.Linear(10, 10), seed=5).weight.detach().clone()
    b = init.reset_parameters_(torch.nn.Linear(10, 10), seed=5).weight.detach()
    assert torch.equal(a, b)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("world_size", [1, 2, 4])
def test_sharded_init_on_gloo_equals_one_process(world_size):
    import torch.multiprocessing as mp
    import dist_worker
    mp.spawn(dist_worker.run, args=(world_size, _free_port()), nprocs=world_size, join=True)
