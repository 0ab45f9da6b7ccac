"""A construction recorded on the meta device and made again: the tensors
no reset writes (class tokens, position embeddings, layer-scale gammas,
tables computed in ``__init__``) get, after ``to_empty`` and
``reset_parameters_``, the values the same construction on the CPU gives
under the same seed, bit for bit; what cannot be made again raises."""
import pytest

torch = pytest.importorskip("torch")
import fastinit.torch as finit  # noqa: E402
from torch import nn  # noqa: E402


class Construction(nn.Module):
    """Every way a construction writes what no reset writes."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 4)
        self.cls = nn.Parameter(torch.zeros(1, 1, 8))
        with torch.no_grad():
            self.cls.uniform_(-0.9, 0.9).erfinv_().mul_(0.02)      # timm's trunc_normal_
        self.pos = nn.Parameter(torch.randn(1, 5, 8) * 0.02)
        self.gamma = nn.Parameter(1e-5 * torch.ones(8))
        self.register_buffer("freqs", torch.outer(torch.arange(5.0), torch.tensor([1.0, 2.0, 3.0])).cos(),
                             persistent=False)
        self.register_buffer("order", torch.randperm(7))
        self.register_buffer("ids", torch.randint(0, 9, (6,)))
        self.emb = nn.Parameter(torch.empty(3, 8))
        self.emb.data = torch.randn(3, 8)                        # replaced after registration
        self.low = nn.Parameter(torch.empty(4, 6, dtype=torch.bfloat16))
        with torch.no_grad():
            self.low[:, 1:].normal_(0, 0.5)                     # a view, written in part
            self.low[:, 0].fill_(3.0)
        self.table = nn.Parameter(torch.empty(6, 4))
        finit.kaiming_uniform_(self.table, a=1.0)                # fastinit's own fill, no seed


def _tensors(m):
    out = dict(m.named_parameters())
    out.update(m.named_buffers())
    return out


def _one_process(cls, seed):
    with finit.init_context(seed=seed):
        one = cls()
    return finit.reset_parameters_(one, seed=seed)


def _meta(cls, seed):
    with torch.device("meta"), finit.init_context(seed=seed):
        meta = cls()
    meta.to_empty(device="cpu")
    return meta


@pytest.mark.parametrize("seed", [0, 7])
def test_meta_construction_made_again_equals_the_cpu_one(seed):
    one = _one_process(Construction, seed)
    meta = finit.reset_parameters_(_meta(Construction, seed), seed=seed)
    want, got = _tensors(one), _tensors(meta)
    assert want.keys() == got.keys()
    for name, t in want.items():
        assert torch.equal(t.detach(), got[name].detach()), name
    assert not torch.equal(one.cls, torch.zeros_like(one.cls))


def test_recording_leaves_torch_as_it_was():
    mm = torch.nn.modules.module
    dispatch, function = torch._C._len_torch_dispatch_stack(), torch._C._len_torch_function_stack()
    with pytest.raises(RuntimeError, match="boom"):
        with torch.device("meta"), finit.init_context(seed=0):
            Construction()
            raise RuntimeError("boom")
    assert torch._C._len_torch_dispatch_stack() == dispatch
    assert torch._C._len_torch_function_stack() == function
    assert not mm._global_parameter_registration_hooks and not mm._global_buffer_registration_hooks


class TorchTrunc(nn.Module):
    """torch.nn.init.trunc_normal_ skips meta tensors: the CPU construction
    draws, the meta one does not."""

    def __init__(self):
        super().__init__()
        self.cls = nn.Parameter(torch.zeros(1, 8))
        nn.init.trunc_normal_(self.cls, std=0.02)


def test_a_construction_that_branches_on_meta_is_refused():
    with pytest.raises(ValueError, match=r"cannot make cls again .* asked whether"):
        finit.reset_parameters_(_meta(TorchTrunc, 0), seed=0)


class OnlyAllocated(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.empty(3, 4))


class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = nn.Parameter(torch.randn(2, 3) * 0.02)


@pytest.mark.parametrize("cls", [OnlyAllocated, Tokens])
def test_what_nothing_wrote_is_still_named(cls):
    # allocated and never written; or built on meta without a recording
    if cls is OnlyAllocated:
        meta = _meta(cls, 0)
    else:
        with torch.device("meta"):
            meta = cls()
        meta.to_empty(device="cpu")
    with pytest.raises(ValueError, match="could not re-initialize"):
        finit.reset_parameters_(meta, seed=0)


def test_a_cpu_construction_in_a_context_keeps_its_values():
    with finit.init_context(seed=3):
        m = Construction()
    before = {k: v.clone() for k, v in _tensors(m).items()}
    finit.reset_parameters_(m, seed=3)
    assert torch.equal(m.pos, before["pos"]) and torch.equal(m.gamma, before["gamma"])
    assert not torch.equal(m.lin.weight, before["lin.weight"])
    with pytest.raises(ValueError, match="could not re-initialize"):
        finit.reset_parameters_(Construction(), seed=3)       # built outside any context


def test_only_the_recording_task_is_recorded():
    """Another thread building on the meta device meanwhile is neither
    recorded nor remembered; its modules raise as without fastinit."""
    import threading

    from fastinit import _torchrecord
    started, done, other = threading.Event(), threading.Event(), {}

    def build_elsewhere():
        started.wait(10)
        with torch.device("meta"):
            other["m"] = Tokens()
        done.set()

    t = threading.Thread(target=build_elsewhere)
    t.start()
    with torch.device("meta"), finit.init_context(seed=0):
        started.set()
        assert done.wait(10)
        mine = Tokens()
    t.join(10)
    assert other["m"] not in _torchrecord.MADE and mine in _torchrecord.MADE
    meta = other["m"].to_empty(device="cpu")
    with pytest.raises(ValueError, match="could not re-initialize pos"):
        finit.reset_parameters_(meta, seed=0)
    mine.to_empty(device="cpu")
    finit.reset_parameters_(mine, seed=0)
    with finit.init_context(seed=0):
        assert torch.equal(mine.pos, Tokens().pos)


class Dropped(nn.Module):
    """A draw below the Python calls the context sees: torch's own RNG."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(4, 4))
        with torch.no_grad():
            self.w.copy_(torch.ops.aten.native_dropout(torch.ones(4, 4), 0.5, True)[0])


def test_a_draw_of_torch_own_generator_is_refused():
    with pytest.raises(ValueError, match="native_dropout.* torch's own generator"):
        finit.reset_parameters_(_meta(Dropped, 0), seed=0)


class DrawAfterBranch(nn.Module):
    """torch's trunc_normal_ draws a data-dependent number of streams on the
    CPU and none on the meta device: a draw after it may take another
    stream on the CPU, so what is made from it is refused too."""

    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.zeros(4, 8))
        nn.init.trunc_normal_(self.a, std=0.02)
        self.b = nn.Parameter(torch.randn(3) * 0.02)
        self.c = nn.Parameter(torch.ones(3) * 0.5)                # no draw: made again


def test_a_draw_after_a_branch_on_meta_is_refused():
    with pytest.raises(ValueError, match=r"cannot make a, b again"):
        finit.reset_parameters_(_meta(DrawAfterBranch, 0), seed=0)
    one, meta = _one_process(_DropAB, 0), finit.reset_parameters_(_meta(_DropAB, 0), seed=0)
    assert torch.equal(one.c, meta.c)


class _DropAB(DrawAfterBranch):
    def __init__(self):
        super().__init__()
        del self.a, self.b
