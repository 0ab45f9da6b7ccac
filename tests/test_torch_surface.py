"""fastinit.torch as a torch.nn.init drop-in: the same names, signatures,
defaults, exceptions and warnings; seed= honoured for every dtype, layout
and device, or a clear error; fills that behave as torch's own in-place
operations (version counter, resizable storage, inference tensors,
negative-bit views). Skipped without torch."""
import inspect
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fastinit  # noqa: E402
import fastinit.torch as init  # noqa: E402
import torch.nn.init as tinit  # noqa: E402

RANDOM = {   # name -> keyword arguments of a typical call
    "uniform_": dict(a=-0.3, b=0.7), "normal_": dict(mean=0.1, std=0.02),
    "trunc_normal_": dict(std=0.5, a=-0.4, b=0.9), "xavier_uniform_": dict(gain=1.5),
    "xavier_normal_": dict(), "kaiming_uniform_": dict(a=5 ** 0.5),
    "kaiming_normal_": dict(mode="fan_out", nonlinearity="relu"),
    "orthogonal_": dict(gain=2.0), "sparse_": dict(sparsity=0.3),
}


# ---- the surface ---------------------------------------------------------------------------
def test_every_public_name_of_torch_nn_init_is_here():
    theirs = {n for n in dir(tinit) if not n.startswith("_") and inspect.isfunction(getattr(tinit, n))
              and getattr(tinit, n).__module__ == "torch.nn.init"}
    assert set(tinit.__all__) <= set(init.__all__)
    missing = [n for n in sorted(theirs | set(tinit.__all__)) if not hasattr(init, n)]
    assert not missing, missing


@pytest.mark.parametrize("name", [n for n in tinit.__all__ if not n.endswith("_")
                                  and n != "calculate_gain"] + [n for n in tinit.__all__ if n.endswith("_")])
def test_signatures_and_defaults_match(name):
    ours, theirs = getattr(init, name), getattr(tinit, name)
    if not name.endswith("_"):           # deprecated aliases: *args, **kwargs in both
        return
    p_ours = list(inspect.signature(ours).parameters.values())
    p_theirs = list(inspect.signature(theirs).parameters.values())
    assert [(p.name, p.default, p.kind) for p in p_ours[:len(p_theirs)]] == \
        [(p.name, p.default, p.kind) for p in p_theirs]
    assert all(p.kind is p.KEYWORD_ONLY for p in p_ours[len(p_theirs):])


@pytest.mark.parametrize("old", ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform",
                                 "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
                                 "sparse"])
def test_deprecated_aliases_warn_as_torch(old):
    args = {"constant": (0.5,), "sparse": (0.1,)}.get(old, ())
    shape = (4, 4, 3) if old == "dirac" else (4, 4)
    with pytest.warns(FutureWarning) as ours:
        getattr(init, old)(torch.empty(shape), *args)
    with pytest.warns(FutureWarning) as theirs:
        getattr(tinit, old)(torch.empty(shape), *args)
    assert str(ours[0].message) == str(theirs[0].message)
    assert ours[0].filename == __file__


BAD_CALLS = [
    ("uniform_", (1.0, 0.0), {}), ("uniform_", (0.0, float("inf")), {}),
    ("normal_", (0.0, -1.0), {}), ("normal_", (0.0, float("nan")), {}),
    ("trunc_normal_", (0.0, 0.0), {}), ("trunc_normal_", (0.0, 1.0, 2.0, -2.0), {}),
    ("kaiming_uniform_", (), dict(mode="fan_avg")), ("kaiming_normal_", (), dict(nonlinearity="gelu")),
    ("kaiming_normal_", (), dict(a=True, nonlinearity="leaky_relu")),
    ("kaiming_uniform_", (), dict(a="0.1")), ("kaiming_uniform_", (), dict(nonlinearity=["relu"])),
    ("kaiming_uniform_", (), dict(mode="fan")), ("kaiming_normal_", (), dict(nonlinearity="Relu")),
    ("kaiming_uniform_", (), dict(shape=(5,))),
    ("xavier_uniform_", (), {}), ("orthogonal_", (), {}), ("sparse_", (0.1,), {}),
    ("eye_", (), {}), ("dirac_", (), {}),
]


@pytest.mark.parametrize("name, args, kw", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_exceptions_match_torch(name, args, kw):
    kw = dict(kw)
    shape = (5,) if name in ("xavier_uniform_", "orthogonal_", "sparse_", "eye_", "dirac_") else (4, 4)
    shape = kw.pop("shape", shape)
    with pytest.raises(Exception) as theirs:
        getattr(tinit, name)(torch.empty(shape), *args, **kw)
    with pytest.raises(theirs.type) as ours:
        getattr(init, name)(torch.empty(shape), *args, **kw)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kw", [dict(mode="FAN_OUT"), dict(a=np.float64(0.2)), dict(a=None),
                                dict(nonlinearity="tanh", a=True), dict(nonlinearity="selu")])
def test_kaiming_accepts_what_torch_accepts(kw):
    # the fast path skips torch's checks only for arguments they pass; these
    # go the other way and must draw as the fast path would have
    ours = init.kaiming_uniform_(torch.empty(6, 5), seed=3, **kw)
    tinit.kaiming_uniform_(torch.empty(6, 5), **kw)          # torch takes them too
    mode = kw.get("mode", "fan_in").lower()
    expect = fastinit.he_uniform((6, 5), in_axis=1, out_axis=0, mode=mode, seed=3,
                                 nonlinearity=kw.get("nonlinearity", "leaky_relu"), a=kw.get("a", 0))
    np.testing.assert_array_equal(ours.numpy(), expect)


def test_calculate_gain_is_torchs():
    for nl in ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu"):
        assert init.calculate_gain(nl) == tinit.calculate_gain(nl)
    with pytest.raises(ValueError, match="negative_slope True"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("name", ["kaiming_uniform_", "kaiming_normal_"])
def test_zero_element_tensors_warn_as_torch(name):
    t = torch.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op") as w:
        assert getattr(init, name)(t) is t
    assert w[0].filename == __file__


def test_trunc_normal_far_mean_warns_as_torch():
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        init.trunc_normal_(torch.empty(100), mean=10.0, std=1.0, a=-2.0, b=2.0, seed=0)


# ---- seed= for every tensor ---------------------------------------------------------------------
LAYOUTS = {
    "contiguous": lambda dt: torch.empty(48, 40, dtype=dt),
    "transposed": lambda dt: torch.empty(40, 48, dtype=dt).T,
    "qkv slice": lambda dt: torch.empty(3 * 48, 40, dtype=dt)[48:96],
    "columns": lambda dt: torch.empty(48, 80, dtype=dt)[:, ::2],
    "neg view": lambda dt: torch.zeros(48, 40, dtype=dt)._neg_view(),
}
DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]


def reference(name, dtype, kw, seed):
    """The values of a contiguous tensor of the same shape: float64's own
    draw, float32's, or for float16/bfloat16 the float32 draw rounded as
    .to(dtype) rounds (test_halves checks the core's rule at a uniform's
    top, where a value that would round to the top stays below it)."""
    if dtype in (torch.float16, torch.bfloat16) and "uniform" in name:
        return getattr(init, name)(torch.empty(48, 40, dtype=dtype), **kw, seed=seed)
    base = torch.empty(48, 40, dtype=torch.float64 if dtype == torch.float64 else torch.float32)
    return getattr(init, name)(base, **kw, seed=seed).to(dtype)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", RANDOM)
def test_seed_is_honoured_for_every_dtype_and_layout(name, dtype, layout):
    kw = RANDOM[name]
    want = reference(name, dtype, kw, seed=7)
    for _ in range(2):
        t = LAYOUTS[layout](dtype)
        assert getattr(init, name)(t, **kw, seed=7) is t
        assert torch.equal(t, want), (name, dtype, layout)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_half_tensors_are_filled_in_place_with_to_dtype_bits(dtype):
    t = torch.empty(300, 70, dtype=dtype)
    ptr = t.data_ptr()
    init.normal_(t, std=0.02, seed=3)
    assert t.data_ptr() == ptr
    f32 = torch.from_numpy(fastinit.normal((300, 70), 0.0, 0.02, seed=3))
    assert torch.equal(t.view(torch.int16), f32.to(dtype).view(torch.int16))


def test_other_devices_get_the_cpu_draw():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device here")
    t = torch.empty(64, 32, device="cuda")
    init.normal_(t, seed=1)
    assert torch.equal(t.cpu(), init.normal_(torch.empty(64, 32), seed=1))


def test_meta_and_integer_tensors_raise_instead_of_dropping_the_seed():
    with pytest.raises(ValueError, match="meta tensor"):
        init.normal_(torch.empty(3, 3, device="meta"), seed=0)
    with pytest.raises(TypeError, match="floating-point"):
        init.uniform_(torch.empty(3, 3, dtype=torch.int32), seed=0)
    g = fastinit.Generator(0)
    with pytest.raises(ValueError):
        init.normal_(torch.empty(3, device="meta"), seed=g)
    assert g.next_stream == 0                 # a refused call uses no stream


def test_generator_and_seed_together_raise():
    with pytest.raises(TypeError, match="not both"):
        init.normal_(torch.empty(3), generator=torch.Generator().manual_seed(0), seed=1)
    a = init.normal_(torch.empty(8), generator=torch.Generator().manual_seed(5))
    b = init.normal_(torch.empty(8), generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    c = init.normal_(torch.empty(8), generator=fastinit.Generator(2))
    assert torch.equal(c, torch.from_numpy(fastinit.Generator(2).normal((8,))))


# ---- a good torch citizen ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("module", [init, tinit], ids=["fastinit", "torch"])
def test_refilling_a_saved_tensor_makes_backward_raise(module, dtype):
    w = torch.nn.Parameter(torch.empty(4, 4, dtype=dtype))
    x = torch.ones(2, 4, dtype=dtype, requires_grad=True)
    loss = (x @ w).sum()
    version = w._version
    module.normal_(w)
    assert w._version == version + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_filled_tensors_stay_resizable(dtype):
    t = init.kaiming_uniform_(torch.empty(16, 8, dtype=dtype), seed=0)
    t.resize_(1000)
    t.untyped_storage().resize_(0)
    lin = init.reset_parameters_(torch.nn.Linear(8, 8), seed=0)
    lin.weight.data.resize_(3)


def test_inference_tensors_as_torch():
    with torch.inference_mode():
        t = torch.empty(4, 4)
    with pytest.raises(RuntimeError) as theirs:
        tinit.normal_(t)
    with pytest.raises(RuntimeError) as ours:
        init.normal_(t, seed=0)
    assert str(ours.value) == str(theirs.value)
    with torch.inference_mode():
        assert torch.equal(init.normal_(t, seed=0), init.normal_(torch.empty(4, 4), seed=0))


def test_negative_bit_views_are_filled_through_their_sign():
    base = torch.zeros(6, 5)
    neg = base._neg_view()
    init.uniform_(neg, 0.0, 1.0, seed=4)
    want = torch.from_numpy(fastinit.uniform((6, 5), seed=4))
    assert torch.equal(neg.resolve_neg(), want) and torch.equal(base, -want)


def test_a_shrunk_storage_is_refused_not_overrun():
    t = torch.empty(100)
    t.untyped_storage().resize_(16)
    with pytest.raises(ValueError, match="storage holds 16 bytes"):
        fastinit.normal((100,), out=t, seed=0)
    with pytest.raises(ValueError, match="storage holds 16 bytes"):
        init.normal_(t, seed=0)


def test_an_array_viewing_a_tensor_is_filled_where_it_points():
    # an ndarray whose base is a tensor (Tensor.numpy(), fastinit.torch's
    # own view) is checked against the tensor's storage, and a slice of it
    # is not mistaken for a moved storage
    t = torch.zeros(12)
    fastinit.normal(None, out=t.numpy()[3:9], seed=0)
    assert np.array_equal(t.numpy()[3:9], fastinit.normal((6,), seed=0))
    assert not t[:3].any() and not t[9:].any()
    m = torch.zeros(4, 5, dtype=torch.float64)
    fastinit.uniform(None, out=m.numpy()[1:3], seed=2)
    assert np.array_equal(m.numpy()[1:3], fastinit.uniform((2, 5), dtype=np.float64, seed=2))


def test_fastinit_torchs_in_place_view_only_where_it_may_write():
    from fastinit._common import fill_view
    for dtype, np_dtype in [(torch.float32, np.float32), (torch.float64, np.float64),
                            (torch.float16, np.float16), (torch.bfloat16, np.uint16)]:
        t = torch.empty(3, 4, dtype=dtype)
        v = fill_view(t)
        assert v.base is t and v.dtype == np_dtype and v.shape == (3, 4)
        assert v.__array_interface__["data"][0] == t.data_ptr() and v.flags.c_contiguous
    p = torch.nn.Parameter(torch.empty(2, 3))           # requires grad: fastinit.torch writes it
    assert fill_view(p).base is p
    with torch.inference_mode():
        inference = torch.empty(4)
    for refused in [torch.empty(4, 4).t(), torch.empty(8)[::2], torch.empty(4)._neg_view(),
                    torch.empty(4, dtype=torch.int16), torch.empty(4, device="meta"), inference,
                    torch.empty(4).as_subclass(ShrinksOnExport), torch.empty(0)]:
        assert fill_view(refused) is None


def test_a_storage_shrunk_after_its_view_was_made_is_refused():
    from fastinit._common import fill_view
    t = torch.empty(100)
    view = fill_view(t)
    t.untyped_storage().resize_(16)       # another thread, between the view and the kernel
    with pytest.raises(ValueError, match="resized"):
        fastinit.normal(None, out=view, seed=0)


class ShrinksOnExport(torch.Tensor):
    """Resizes its storage to nothing while exporting its DLPack view: the
    window in which another thread could free a tensor mid-call."""

    def __dlpack__(self, *args, **kwargs):
        capsule = super().__dlpack__(*args, **kwargs)
        self.untyped_storage().resize_(0)
        return capsule


def test_a_storage_freed_during_the_call_is_refused_before_the_kernel():
    t = torch.empty(1 << 16).as_subclass(ShrinksOnExport)
    with pytest.raises(ValueError, match="storage"):
        fastinit.normal((1 << 16,), out=t, seed=0)


def test_readme_torch_out_example_has_torchs_fans():
    w = torch.empty(256, 784)                          # nn.Linear(784, 256).weight: (out, in)
    fastinit.he_normal((256, 784), out=w, in_axis=1, out_axis=0, seed=0)
    assert abs(w.std().item() - (2 / 784) ** 0.5) < 0.002
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.equal(init.kaiming_normal_(torch.empty(256, 784), nonlinearity="relu", seed=0), w)
