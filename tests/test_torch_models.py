"""Whole models through fastinit.torch: reset_parameters_ on every kind of
torch.nn module (each parameter's distribution against the module's own
reset, exact zeros and ones, running stats), the meta-device workflow,
reproducibility across torch seeds and thread counts, and init_context
around a transformers GPT-2 built from a config. Skipped without torch."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")

import fastinit  # noqa: E402
import fastinit.torch as init  # noqa: E402
from fastinit._torchmode import _post_order  # noqa: E402
from torch import nn  # noqa: E402


def zoo():
    """One module of every kind reset_parameters_ must handle."""
    return nn.ModuleDict({
        "linear": nn.Linear(40, 30), "conv1d": nn.Conv1d(4, 8, 3),
        "conv2d": nn.Conv2d(4, 8, 3, groups=2), "conv3d": nn.Conv3d(2, 4, 2),
        "convt1d": nn.ConvTranspose1d(4, 6, 3, groups=2), "convt2d": nn.ConvTranspose2d(4, 4, 3),
        "convt3d": nn.ConvTranspose3d(2, 2, 2),
        "embedding": nn.Embedding(60, 16, padding_idx=0), "embbag": nn.EmbeddingBag(60, 16, padding_idx=2),
        "rnn": nn.RNN(8, 16), "lstm": nn.LSTM(8, 16, num_layers=2, proj_size=4),
        "gru": nn.GRU(8, 16, bidirectional=True), "rnncell": nn.RNNCell(8, 16),
        "lstmcell": nn.LSTMCell(8, 16), "grucell": nn.GRUCell(8, 16),
        "mha": nn.MultiheadAttention(16, 4),
        "mha_kv": nn.MultiheadAttention(16, 4, kdim=8, vdim=12, add_bias_kv=True),
        "encoder": nn.TransformerEncoderLayer(16, 4, 32), "decoder": nn.TransformerDecoderLayer(16, 4, 32),
        "transformer": nn.Transformer(16, 2, 1, 1, 32),
        "bilinear": nn.Bilinear(6, 7, 8), "layernorm": nn.LayerNorm(16), "groupnorm": nn.GroupNorm(2, 8),
        "rmsnorm": nn.RMSNorm(16), "bn1d": nn.BatchNorm1d(8), "bn2d": nn.BatchNorm2d(8),
        "instancenorm": nn.InstanceNorm1d(8, affine=True, track_running_stats=True),
        "prelu": nn.PReLU(8),
    })


def own_reset(model):
    """Each module's own reset, children first: what construction does."""
    with torch.no_grad():
        for m in _post_order(model, set()):
            reset = getattr(m, "reset_parameters", None) or getattr(m, "_reset_parameters", None)
            if callable(reset):
                reset()
    return model


def tensors(model):
    return {**dict(model.named_parameters()), **dict(model.named_buffers())}


def build(torch_seed):
    torch.manual_seed(torch_seed)
    return zoo()


def test_reset_is_reproducible_across_torch_seeds_and_threads():
    results = []
    for torch_seed, threads in [(1, 1), (2, 2), (3, 2)]:
        fastinit.set_num_threads(threads)
        torch.set_num_threads(threads)
        results.append(tensors(init.reset_parameters_(build(torch_seed), seed=0)))
    first = results[0]
    for other in results[1:]:
        assert first.keys() == other.keys()
        for name in first:
            assert torch.equal(first[name], other[name]), name
    different = tensors(init.reset_parameters_(build(1), seed=1))
    assert not torch.equal(first["linear.weight"], different["linear.weight"])


def test_each_parameter_follows_its_modules_own_reset():
    ours = tensors(init.reset_parameters_(build(0), seed=0))
    theirs = [tensors(own_reset(build(s))) for s in (10, 11)]
    checked = 0
    for name, t in ours.items():
        a, b = theirs[0][name], theirs[1][name]
        if torch.equal(a, b):              # deterministic in the module's own reset
            assert torch.equal(t, a), f"{name}: the module sets it exactly"
            continue
        x, y = t.detach().double().flatten().numpy(), a.detach().double().flatten().numpy()
        assert np.abs(x).max() <= np.abs(np.concatenate([y, b.detach().double().flatten().numpy()])).max() * 1.5 + 1e-12
        if x.size >= 64:
            assert stats.ks_2samp(x, y).pvalue > 1e-6, name
        checked += 1
    assert checked >= 40


def test_exact_values_the_modules_set():
    m = init.reset_parameters_(build(0), seed=0)
    assert (m["mha"].out_proj.bias == 0).all() and (m["mha"].in_proj_bias == 0).all()
    assert (m["layernorm"].weight == 1).all() and (m["layernorm"].bias == 0).all()
    assert (m["bn1d"].running_var == 1).all() and (m["bn1d"].running_mean == 0).all()
    assert m["bn1d"].num_batches_tracked.item() == 0
    assert (m["embedding"].weight[0] == 0).all() and (m["embbag"].weight[2] == 0).all()
    assert (m["prelu"].weight == 0.25).all()


def test_transformer_ends_with_its_own_xavier_pass():
    t = init.reset_parameters_(nn.Transformer(32, 2, 1, 1, 64), seed=0)
    w = t.encoder.layers[0].linear1.weight                    # (64, 32): xavier, not kaiming
    bound = (6 / (32 + 64)) ** 0.5
    assert w.abs().max() <= bound and w.abs().max() > 0.95 * bound


def test_meta_device_workflow_leaves_nothing_uninitialized():
    with torch.device("meta"):
        m = zoo()
    m.to_empty(device="cpu")
    with torch.no_grad():
        for t in tensors(m).values():
            t.fill_(float("nan") if t.is_floating_point() else 12345)
    init.reset_parameters_(m, seed=0)
    want = tensors(init.reset_parameters_(build(5), seed=0))
    for name, t in tensors(m).items():
        assert torch.equal(t, want[name]), name


def test_meta_tensors_are_named_not_skipped():
    with torch.device("meta"):
        m = nn.Linear(3, 3)
    with pytest.raises(ValueError, match="weight is on the meta device"):
        init.reset_parameters_(m, seed=0)


def test_a_parameter_no_reset_writes_is_named():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.randn(4))
            self.proj = nn.Linear(4, 4)

    with pytest.raises(ValueError, match="could not re-initialize scale"):
        init.reset_parameters_(Custom(), seed=0)


def test_third_party_resets_through_tensor_methods_follow_the_seed():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.empty(50, 20))
            self.b = nn.Parameter(torch.empty(20))
            self.reset_parameters()

        def reset_parameters(self):
            self.w.data.normal_(0.0, 0.02)
            nn.init.trunc_normal_(self.b, std=0.1)

    a = init.reset_parameters_(Custom(), seed=3)
    b = init.reset_parameters_(Custom(), seed=3)
    assert torch.equal(a.w, b.w) and torch.equal(a.b, b.b)
    assert abs(a.w.std().item() - 0.02) < 0.002 and a.b.abs().max() <= 2.0   # a, b are absolute


# ---- init_context ------------------------------------------------------------------------------------
def test_init_context_makes_construction_reproducible():
    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.Parameter(torch.randn(7))           # a constructor-time draw

    def make(torch_seed):
        torch.manual_seed(torch_seed)
        with init.init_context(seed=0):
            return nn.ModuleDict({"lin": nn.Linear(30, 20), "ln": nn.LayerNorm(20),
                                  "emb": nn.Embedding(10, 5), "holder": Holder()})
    a, b = tensors(make(1)), tensors(make(2))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_init_context_leaves_meta_to_torch_and_refuses_what_it_cannot_seed():
    with torch.device("meta"), init.init_context(seed=0):
        assert nn.Linear(3, 3).weight.is_meta
    with init.init_context(seed=0):
        with pytest.raises(TypeError, match="torch.bernoulli"):
            torch.bernoulli(torch.full((5,), 0.5))
        x = torch.randn(4, 3)
    assert torch.equal(x, torch.from_numpy(fastinit.Generator(0).normal((4, 3), stream=0)))


def test_init_context_routes_integer_draws_through_the_seed():
    # randperm, randint and random_ (a DataLoader's sampler, sparse_) follow the seed
    def draws(seed):
        with init.init_context(seed=seed):
            return (torch.randperm(50), torch.randint(3, 9, (40,)), torch.randint(5, size=(7,)),
                    torch.empty(30, dtype=torch.int64).random_(), torch.empty(30).random_(4, 10),
                    torch.empty(20, dtype=torch.uint8).random_(), torch.empty(9, dtype=torch.bool).random_())
    a, b, c = draws(0), draws(0), draws(1)
    assert all(torch.equal(x, y) for x, y in zip(a, b)) and not torch.equal(a[0], c[0])
    perm, r, r5, big, f, u8, flags = a
    assert sorted(perm.tolist()) == list(range(50)) and perm.dtype == torch.int64
    assert r.min() >= 3 and r.max() < 9 and r.dtype == torch.int64 and r5.max() < 5
    assert big.min() >= 0 and f.min() >= 4 and f.max() < 10 and torch.equal(f, f.round())
    assert u8.dtype == torch.uint8 and flags.dtype == torch.bool
    with init.init_context(seed=0):
        w = nn.init.sparse_(torch.empty(20, 10), 0.3)
    assert ((w == 0).sum(0) == 6).all()


def test_init_context_replaces_nothing_of_torch():
    before = (torch.nn.init.trunc_normal_, torch.utils.dlpack.to_dlpack,
              torch._C._len_torch_function_stack())
    with init.init_context(seed=0):
        assert torch.nn.init.trunc_normal_ is before[0]
        assert torch.utils.dlpack.to_dlpack is before[1]
    assert (torch.nn.init.trunc_normal_, torch.utils.dlpack.to_dlpack,
            torch._C._len_torch_function_stack()) == before


@pytest.fixture
def gpt2():
    transformers = pytest.importorskip("transformers")
    cfg = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=500, n_positions=64)
    return lambda: transformers.GPT2LMHeadModel(cfg)


def test_gpt2_under_init_context_is_reproducible_at_any_thread_count(gpt2):
    runs = []
    for threads in (1, 2):
        fastinit.set_num_threads(threads)
        torch.set_num_threads(threads)
        torch.manual_seed(threads)
        with init.init_context(seed=0):
            runs.append(gpt2().state_dict())
    assert runs[0].keys() == runs[1].keys()
    for k in runs[0]:
        assert torch.equal(runs[0][k], runs[1][k]), k


def test_gpt2_parameters_follow_transformers_own_init(gpt2):
    with init.init_context(seed=0):
        ours = gpt2().state_dict()
    torch.manual_seed(0)
    theirs = gpt2().state_dict()
    torch.manual_seed(1)
    theirs2 = gpt2().state_dict()
    for k, t in ours.items():
        if torch.equal(theirs[k], theirs2[k]):
            assert torch.equal(t, theirs[k]), k          # LayerNorm ones, zero biases, masks
        else:
            x, y = t.double().flatten().numpy(), theirs[k].double().flatten().numpy()
            assert stats.ks_2samp(x, y).pvalue > 1e-6, k


def test_gpt2_meta_workflow_resets_whole_with_transformers_own_init(gpt2):
    """reset_parameters_ reruns transformers' _init_weights after the module
    resets: GPT-2's Conv1D weights (no reset_parameters) are written, the
    residual projections get the scaled std, and meta -> to_empty -> reset
    equals the model built on the CPU and reset, whatever torch's seed."""
    torch.manual_seed(1)
    one = init.reset_parameters_(gpt2(), seed=0)
    with torch.device("meta"):
        meta = gpt2()
    meta.to_empty(device="cpu")
    torch.manual_seed(2)
    init.reset_parameters_(meta, seed=0)
    for (name, a), (_, b) in zip(one.named_parameters(), meta.named_parameters()):
        assert torch.equal(a, b), name
    h = one.transformer.h[0]
    std = one.config.initializer_range
    assert abs(h.attn.c_attn.weight.std().item() - std) < 0.1 * std
    scaled = std / (2 * one.config.n_layer) ** 0.5          # GPT-2's residual scaling
    assert abs(h.attn.c_proj.weight.std().item() - scaled) < 0.1 * scaled
    assert abs(h.mlp.c_proj.weight.std().item() - scaled) < 0.1 * scaled


def test_init_weights_runs_where_construction_called_it():
    """A module's init_weights() runs after its reset, as construction calls
    it: with no arguments, or timm's needs_reset convention (mode stored on
    the module); one taking a mode it does not store is not called, so its
    tensors must be written by a reset or named."""
    class LayerScale(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(8)
            self.init_weights()

        def init_weights(self):
            nn.init.constant_(self.norm.weight, 1e-5)

    class Model(nn.Module):
        def __init__(self, mode="small"):
            super().__init__()
            self.block = LayerScale()
            self.token = nn.Parameter(torch.empty(1, 8))
            self.mode = mode
            self.init_weights(needs_reset=False)

        def init_weights(self, mode="", needs_reset=True):
            nn.init.normal_(self.token, std=1e-6 if (mode or self.mode) == "small" else 1.0)

    built = Model()
    m = init.reset_parameters_(Model(), seed=0)
    assert torch.equal(m.block.norm.weight, torch.full((8,), 1e-5))     # after LayerNorm's own reset
    assert m.token.abs().max() < 1e-4                                    # the stored mode
    with torch.device("meta"):
        meta = Model()
    meta.to_empty(device="cpu")
    init.reset_parameters_(meta, seed=0)
    assert torch.equal(meta.token, m.token) and torch.equal(meta.block.norm.weight, built.block.norm.weight)

    class OldStyle(nn.Module):
        def __init__(self):
            super().__init__()
            self.token = nn.Parameter(torch.zeros(4))

        def init_weights(self, mode=""):           # construction's mode is not stored: not called
            nn.init.normal_(self.token)

    with pytest.raises(ValueError, match="could not re-initialize token"):
        init.reset_parameters_(OldStyle(), seed=0)
