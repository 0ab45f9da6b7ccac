"""A drop-in for ``torch.nn.init`` on fastinit's kernels (``pip install 'fastinit-philox[torch]'``).

``import fastinit.torch as init`` replaces ``import torch.nn.init as init``:
every public name of ``torch.nn.init``, with the same signatures, defaults,
fan convention (``(out, in, *kernel)``: fan_in = in x receptive field),
return values, exceptions and warnings (the deprecated aliases warn with
``FutureWarning``). Every random function also takes fastinit's keyword-only
``seed``, ``stream`` and ``offset`` (see :class:`fastinit.Generator`);
``generator=`` may be a ``fastinit.Generator``, or a ``torch.Generator`` from
which one 62-bit seed is drawn per call (``generator=`` and ``seed=``
together are a TypeError).

The seed is honoured for every tensor, never dropped:

* a CPU float32/float64 contiguous tensor is filled in place, zero-copy;
* float16 and bfloat16 tensors get the float32 draw of the same call rounded
  to nearest-even (the bits ``.to(dtype)`` gives; a uniform value that
  would round to the top stays below it, as torch's does); non-contiguous tensors
  and views get exactly the values of a contiguous tensor of the same
  shape; tensors on other devices get the CPU draw, copied;
* a meta tensor has no memory to fill and raises (``init_context`` leaves
  meta tensors to torch, which skips them);
* a non-floating tensor raises.

Every fill is an in-place operation as torch sees it: the tensor's version
counter moves (autograd raises on a saved tensor re-initialized, as with
``torch.nn.init``), its storage stays resizable, inference tensors are
refused outside inference mode, negative-bit views are filled through
their sign. ``eye_``, ``dirac_``, ``constant_``, ``zeros_`` and ``ones_`` draw
nothing and are torch's own.

Beyond ``torch.nn.init``: :func:`reset_parameters_` re-initializes any module
exactly as its own reset does, each draw on its own fastinit stream;
:func:`init_context` routes every initial value drawn while a model is built
through fastinit; :func:`shard_region` / :func:`init_shard_` give each rank of
a sharded weight its tile, equal bit for bit to the same slice of the whole
weight (torch.distributed).

>>> import torch, fastinit.torch as init
>>> w = init.kaiming_uniform_(torch.empty(256, 128), a=5 ** 0.5, seed=0)
"""
import math
import warnings

import numpy as np

try:
    import torch
    import torch.nn.init as _tinit
except ImportError:
    raise ImportError("fastinit.torch needs PyTorch: pip install torch, then pip install "
                      "'fastinit-philox[torch]'") from None

import fastinit as _fi
from fastinit import _random
from fastinit._common import fill_view as _fill_view
from fastinit._torchrecord import on_meta as _on_meta

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
    "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "orthogonal_", "sparse_",
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
    "reset_parameters_", "init_context", "shard_region", "init_shard_",
]

_TORCH_FAN = dict(in_axis=1, out_axis=0)   # (out, in, *kernel)
# dtypes fastinit writes in place, and the core dtype it draws them as
# (bfloat16 as its bits, through an int16 view of the tensor).
_DIRECT = {torch.float32: None, torch.float64: None, torch.float16: None, torch.bfloat16: "bfloat16"}
_PLAIN = (torch.Tensor, torch.nn.Parameter)
# What torch's in-place ops do to a tensor they write (autograd's checks
# read it): torch.autograd.graph.increment_version's own call, without its
# wrapper (a tenth of a small fill's cost) where this torch has it.
_increment_version = getattr(torch._C, "_increment_version", None)
if _increment_version is None:
    _bump_version = torch.autograd.graph.increment_version
else:
    def _bump_version(tensor):
        _increment_version((tensor,))


# Pure functions and the fills that draw nothing: torch's own, exactly.
calculate_gain = _tinit.calculate_gain
constant_ = _tinit.constant_
ones_ = _tinit.ones_
zeros_ = _tinit.zeros_
eye_ = _tinit.eye_
dirac_ = _tinit.dirac_


# ---- the seed and the target -------------------------------------------------------------
def _source(generator, seed):
    """What the draw's ``seed=`` is: the seed, a fastinit.Generator, or one
    seed drawn from a torch.Generator; with neither, the generator of the
    init_context the calling task is inside (fastinit's global one outside
    any)."""
    if generator is None:
        if seed is None:
            context = _torchmode.current()
            if context is not None:
                return context.gen
        return seed
    if seed is not None:
        raise TypeError("pass generator= or seed=, not both: each chooses the random stream")
    if isinstance(generator, _fi.Generator):
        return generator
    if isinstance(generator, torch.Generator):
        with torch._C.DisableTorchFunction():       # torch's own draw, never a context's
            return int(torch.randint(0, 2 ** 62, (1,), generator=generator))
    raise TypeError(f"generator must be a torch.Generator or a fastinit.Generator, got {generator!r}")


def _check_target(tensor):
    """The rules every random fill applies before it draws (so a refused
    call uses no stream)."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if _on_meta(tensor):
        raise ValueError("a meta tensor has no memory to fill, so its seed cannot be honoured: "
                         "materialize it first (module.to_empty(device='cpu'), then "
                         "fastinit.torch.reset_parameters_(module, seed=...))")
    if not tensor.is_floating_point():
        raise TypeError(f"fastinit.torch fills real floating-point tensors, got {tensor.dtype}")
    if tensor.is_inference() and not torch.is_inference_mode_enabled():
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not "
                           "allowed.You can make a clone to get a normal tensor before doing "
                           "inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                           "details.")


def _direct(tensor, halves=True):
    """Whether fastinit can write the tensor's own memory: a plain CPU
    contiguous tensor of a dtype the core fills (float16/bfloat16 when
    ``halves``), without a negative or conjugate bit."""
    return (type(tensor) in _PLAIN and tensor.is_cpu and tensor.dtype in _DIRECT
            and (halves or tensor.dtype in (torch.float32, torch.float64))
            and tensor.is_contiguous() and not tensor.is_neg() and not tensor.is_conj())


def _direct_target(tensor):
    """(dtype, out) of a core draw into a ``_direct`` tensor's own memory: a
    detached view, so no autograd op and no no_grad() (which costs more than
    a small draw); bfloat16 as its bits, through an int16 view."""
    if tensor.dtype is torch.bfloat16:
        return "bfloat16", tensor.detach().view(torch.int16)
    return None, tensor.detach()


def _write(tensor, draw, halves=True):
    """tensor <- draw(shape, dtype, out) in place, as torch's in-place ops
    do it. ``draw`` makes the values with fastinit: into the tensor's memory
    (zero-copy; float16 and bfloat16 rounded from float32 by the core; the
    GIL held from the storage check to the kernel's end, at any thread
    count, so no Python thread frees or resizes the storage meanwhile), or
    into a contiguous CPU tensor of the same dtype that torch copies in
    (other devices, layouts, negative-bit views), or, where ``halves`` is
    false, into a scratch array of float32 (float64 for float64 tensors)
    that torch copies in converting the dtype (``.to(dtype)`` rounds as the
    core does)."""
    shape = tuple(tensor.shape)
    if _is_dtensor(tensor):
        return _write_dtensor(tensor, draw, halves)
    if _direct(tensor, halves):
        draw(shape, *_direct_target(tensor))
        _bump_version(tensor)
    elif halves and tensor.dtype in _DIRECT:
        # the same dtype's values made contiguous on the CPU (halves keep
        # their own rules, uniform's top included), then copied in as they are
        values = _write(torch.empty(shape, dtype=tensor.dtype), draw)
        with torch.no_grad():
            tensor.copy_(values)
    else:
        dtype = np.float64 if tensor.dtype == torch.float64 else np.float32
        values = torch.from_numpy(draw(shape, dtype, None))
        with torch.no_grad():
            # Convert first: copy_ into a negative-bit view drops the sign
            # when it also converts the dtype (torch 2.13).
            tensor.copy_(values.to(device=tensor.device, dtype=tensor.dtype))
    return tensor


# ---- DTensors (torch.distributed.tensor): each rank fills its own shard ---------------------
def _is_dtensor(tensor):
    """A DTensor (by its API, so torch.distributed is never imported): a
    plain tensor is told apart by its type first, at no cost per fill."""
    return (type(tensor) not in _PLAIN and hasattr(tensor, "device_mesh")
            and hasattr(tensor, "placements") and hasattr(tensor, "to_local"))


def _pinned(src, stream):
    """(seed source, stream) with the stream fixed now, for a draw made in
    pieces that must all read one stream: a DTensor's blocks, sparse_'s
    values and its row keys."""
    if stream is not None:
        return src, stream
    if src is None:
        src = _random.get_global()
    if isinstance(src, _fi.Generator):
        return src, src.reserve_stream()
    return src, None          # an int seed: its first stream, every time


def _index_runs(tensor):
    """The local shard of a DTensor as blocks: a list of (local slices,
    global region), one per combination of contiguous runs of global
    indices along each dimension.

    Which global indices a rank holds along dimension d is computed by
    torch's own splitting: every placement that shards d (``Shard(d)``,
    FSDP2's ``_StridedShard(d)``), in mesh order as ``distribute_tensor``
    applies them, splits a tensor of the indices 0 .. n_d - 1 (length 1 on
    the other dimensions), and this rank's chunk is kept. Placements on
    other dimensions leave d's indices alone, and ``Replicate`` keeps them
    all, so the blocks are exactly the elements the local tensor holds,
    uneven shards included, by construction rather than by a formula of
    ours. A mismatch with the local shape (a sharding torch added later)
    raises instead of filling wrong values."""
    from torch.distributed.tensor import Partial, Replicate, Shard
    try:
        from torch.distributed.tensor.placement_types import _StridedShard
        sharding = (Shard, _StridedShard)
    except ImportError:
        sharding = (Shard,)
    mesh, placements = tensor.device_mesh, tuple(tensor.placements)
    shape = tuple(tensor.shape)
    coord = mesh.get_coordinate()
    if coord is None:                     # this rank is not in the mesh: it holds nothing
        return []
    per_dim = []
    for d, n in enumerate(shape):
        probe = torch.arange(n).reshape([n if i == d else 1 for i in range(len(shape))])
        for m, p in enumerate(placements):
            if isinstance(p, Partial):
                raise ValueError(f"a DTensor with a Partial placement ({p}) holds no values of its "
                                 "own to initialize: redistribute it to Shard or Replicate first")
            if isinstance(p, sharding) and p.dim % len(shape) == d:
                chunks, _ = p._split_tensor(probe, mesh.size(m), with_padding=False,
                                            contiguous=False)
                probe = chunks[coord[m]] if coord[m] < len(chunks) else probe.narrow(d, 0, 0)
            elif not isinstance(p, (Replicate,) + sharding):
                raise ValueError(f"fastinit fills DTensors placed by Shard, Replicate and FSDP2's "
                                 f"strided shards, got {p}")
        per_dim.append(probe.reshape(-1).numpy())
    local_shape = tuple(tensor.to_local().shape)
    if tuple(len(ix) for ix in per_dim) != local_shape:
        raise RuntimeError(f"fastinit computed a local shard of {tuple(len(ix) for ix in per_dim)} "
                           f"for this DTensor ({placements}), but its local tensor is {local_shape}; "
                           "nothing was written. Please report this torch version to fastinit.")
    runs = []
    for ix in per_dim:
        cuts = np.flatnonzero(np.diff(ix) != 1) + 1
        starts = np.concatenate([[0], cuts]) if len(ix) else np.array([], int)
        stops = np.concatenate([cuts, [len(ix)]]) if len(ix) else np.array([], int)
        runs.append([(int(a), int(b), int(ix[a])) for a, b in zip(starts, stops)])
    blocks = [((), ())]
    for dim_runs in runs:
        blocks = [(sl + (slice(a, b),), reg + ((g, g + b - a),))
                  for sl, reg in blocks for a, b, g in dim_runs]
    return blocks


def _copy_blocks(local, blocks, whole):
    """A DTensor's local shard <- its blocks (``_index_runs``) of ``whole``,
    the values of the whole tensor."""
    for sl, reg in blocks:
        local[sl].copy_(whole[tuple(slice(a, b) for a, b in reg)])


def _copy_whole(tensor, whole):
    """tensor <- whole, the values of the whole tensor: a DTensor takes this
    rank's blocks of it."""
    with torch.no_grad():
        if _is_dtensor(tensor):
            _copy_blocks(tensor.to_local(), _index_runs(tensor), whole)
        else:
            tensor.copy_(whole)
    return tensor


def _write_dtensor(tensor, draw, halves):
    """A DTensor's local shard <- the values the whole tensor would get at
    its global indices (fans from the global shape): each block of the
    local shard drawn as a ``region`` tile, no rank allocating the whole
    tensor. Draws that are not tileable (``orthogonal_``, ``sparse_``:
    ``halves`` false) are made whole on every rank and sliced."""
    shape = tuple(tensor.shape)
    with torch.no_grad():
        blocks = _index_runs(tensor)
        local = tensor.to_local()
        if not halves:
            dtype = np.float64 if tensor.dtype == torch.float64 else np.float32
            _copy_blocks(local, blocks, torch.from_numpy(draw(shape, dtype, None)).to(local.dtype))
        else:
            for sl, reg in blocks:
                _write(local[sl] if len(blocks) > 1 else local,
                       lambda _shape, dtype, out, reg=reg: draw(shape, dtype, out, region=reg))
    _bump_version(tensor)
    return tensor


def _recorded(tensor, again, generator, seed, stream):
    """A draw into a meta tensor while a construction is recorded (an
    ``init_context`` entered on the meta device): the stream it takes is
    reserved now, in call order, and ``again(src, stream)`` (the same fill,
    that stream pinned) goes into the log; True. Anything else: False."""
    if not (isinstance(tensor, torch.Tensor) and _on_meta(tensor)):
        return False
    log = _torchmode.recording()
    if log is None:
        return False
    if not tensor.is_floating_point():
        raise TypeError(f"fastinit.torch fills real floating-point tensors, got {tensor.dtype}")
    src, stream = _pinned(_source(generator, seed), stream)
    log.draw(tensor, again(src, stream))
    return True


def _fill(tensor, fn, args, kwargs, generator, seed, stream, offset):
    """tensor <- fn(shape, *args, **kwargs) of fastinit, in place, now."""
    view = _fill_view(tensor)
    if view is not None:
        # a plain contiguous CPU tensor of a dtype the core fills, so it
        # passes _check_target: _write's direct path without its closure,
        # branches and detach(), a good part of a small fill's cost (the
        # core checks the storage right before its kernel, as for a tensor)
        fn(None, *args, out=view, stream=stream, offset=offset, **kwargs,
           seed=seed if generator is None and seed is not None else _source(generator, seed))
        _bump_version(tensor)
        return tensor
    if _recorded(tensor, lambda src, stream: lambda t: _fill(
            t, fn, args, kwargs, None, src, stream, offset), generator, seed, stream):
        return tensor
    _check_target(tensor)
    src = _source(generator, seed)
    if _is_dtensor(tensor):
        # One stream for the whole tensor, reserved here (every rank makes
        # the same calls, so every rank reserves the same one).
        src, stream = _pinned(src, stream)
    return _write(tensor, lambda shape, dtype, out, region=None: fn(
        shape, *args, dtype=dtype, out=out, seed=src, stream=stream, offset=offset,
        **({} if region is None else {"region": region}), **kwargs))


# ---- torch.nn.init's checks, raised as torch raises them -----------------------------------
def _uniform_bounds(a, b, dtype):
    if -math.inf < a <= b < math.inf:   # the common case, decided at once
        return
    name = "float" if dtype in (torch.float32, torch.float16, torch.bfloat16) else "double"
    if not math.isfinite(a):
        raise RuntimeError(f"from is out of bounds for {name}")
    if not math.isfinite(b):
        raise RuntimeError(f"to is out of bounds for {name}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")


def _normal_std(std):
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def _zero_element(tensor):
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=4)
        return True
    return False


# ---- the random functions ---------------------------------------------------------------------
def uniform_(tensor, a=0.0, b=1.0, generator=None, *, seed=None, stream=None, offset=0):
    """U[a, b), in place (``torch.nn.init.uniform_``)."""
    _uniform_bounds(a, b, tensor.dtype)
    return _fill(tensor, _fi.uniform, (a, b), {}, generator, seed, stream, offset)


def normal_(tensor, mean=0.0, std=1.0, generator=None, *, seed=None, stream=None, offset=0):
    """N(mean, std**2), in place (``torch.nn.init.normal_``)."""
    _normal_std(std)
    return _fill(tensor, _fi.normal, (mean, std), {}, generator, seed, stream, offset)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None, *, seed=None,
                  stream=None, offset=0):
    """N(mean, std**2) truncated to the absolute bounds [a, b], in place,
    sampled exactly by the inverse CDF (``torch.nn.init.trunc_normal_``)."""
    if isinstance(tensor, torch.Tensor) and _on_meta(tensor) and _torchmode.recording() is None:
        return tensor                  # as torch: nothing to sample
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    if std == 0:
        raise ZeroDivisionError("float division by zero")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    return _fill(tensor, _fi.truncated_normal, (mean, std, (a - mean) / std, (b - mean) / std), {},
                 generator, seed, stream, offset)


def xavier_uniform_(tensor, gain=1.0, generator=None, *, seed=None, stream=None, offset=0):
    """U(+-gain sqrt(6 / (fan_in + fan_out))), in place."""
    _tinit._calculate_fan_in_and_fan_out(tensor)
    return _fill(tensor, _fi.xavier_uniform, (gain,), _TORCH_FAN, generator, seed, stream, offset)


def xavier_normal_(tensor, gain=1.0, generator=None, *, seed=None, stream=None, offset=0):
    """N(0, gain**2 2 / (fan_in + fan_out)), in place."""
    _tinit._calculate_fan_in_and_fan_out(tensor)
    return _fill(tensor, _fi.xavier_normal, (gain,), _TORCH_FAN, generator, seed, stream, offset)


# (mode, nonlinearity, a, ndim >= 2) of kaiming calls whose arguments torch's
# own checks accepted: those checks are pure functions of exactly these, so a
# call with the same ones passes them again and skips their cost.
_TORCH_ACCEPTED: set[tuple] = set()
_SCALARS = (int, float, type(None))


def _kaiming(fn, tensor, a, mode, nonlinearity, generator, seed, stream, offset):
    shape = tensor.shape
    if 0 in shape and _zero_element(tensor):
        return tensor
    key = None
    if type(mode) is str and type(nonlinearity) is str and type(a) in _SCALARS:
        key = (mode, nonlinearity, a, len(shape) >= 2)
    if key is None or key not in _TORCH_ACCEPTED:
        _tinit._calculate_correct_fan(tensor, mode)       # torch's ValueError for a bad mode or dim
        calculate_gain(nonlinearity, a)                   # and for a bad nonlinearity or slope
        if key is not None and len(_TORCH_ACCEPTED) < 1024:
            _TORCH_ACCEPTED.add(key)
    return _fill(tensor, fn, (), {"a": a, "mode": mode.lower(), "nonlinearity": nonlinearity,
                                  "in_axis": 1, "out_axis": 0}, generator, seed, stream, offset)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *,
                     seed=None, stream=None, offset=0):
    """U(+-gain sqrt(3 / fan)), in place (``torch.nn.init.kaiming_uniform_``)."""
    return _kaiming(_fi.he_uniform, tensor, a, mode, nonlinearity, generator, seed, stream, offset)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *,
                    seed=None, stream=None, offset=0):
    """N(0, gain**2 / fan), in place (``torch.nn.init.kaiming_normal_``)."""
    return _kaiming(_fi.he_normal, tensor, a, mode, nonlinearity, generator, seed, stream, offset)


def orthogonal_(tensor, gain=1, generator=None, *, seed=None, stream=None, offset=0):
    """A (semi-)orthogonal matrix of ``(rows, numel / rows)``, in place, times gain."""
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    if _recorded(tensor, lambda src, stream: lambda t: orthogonal_(
            t, gain, seed=src, stream=stream, offset=offset), generator, seed, stream):
        return tensor
    _check_target(tensor)
    src = _source(generator, seed)
    rows = tensor.shape[0]

    def draw(shape, dtype, out):
        flat = None if out is None else out.reshape(rows, -1)
        q = _fi.orthogonal((rows, tensor.numel() // rows), gain, dtype=dtype, out=flat, seed=src,
                           stream=stream, offset=offset)
        return q.reshape(shape)
    return _write(tensor, draw, halves=False)


def sparse_(tensor, sparsity, std=0.01, generator=None, *, seed=None, stream=None, offset=0):
    """N(0, std**2) with ``ceil(sparsity * rows)`` zeros in each column, in
    place (``torch.nn.init.sparse_``). The rows to zero come from the same
    stream as the values (float64 uniform keys at ``offset + numel``, sorted
    per column), so one seed fixes both."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if _on_meta(tensor) and _torchmode.recording() is None:
        return tensor
    _normal_std(std)
    if _recorded(tensor, lambda src, stream: lambda t: sparse_(
            t, sparsity, std, seed=src, stream=stream, offset=offset), generator, seed, stream):
        return tensor
    _check_target(tensor)
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    src, stream = _pinned(_source(generator, seed), stream)   # values and keys: one stream
    n = rows * cols

    def draw(shape, dtype, out):
        w = _fi.normal(shape, 0.0, std, dtype=dtype, out=out, seed=src, stream=stream, offset=offset)
        keys = _fi.uniform(shape, dtype=np.float64, seed=src, stream=stream, offset=offset + n)
        zero = np.argsort(keys, axis=0, kind="stable")[:num_zeros]
        np.put_along_axis(w, zero, 0.0, axis=0)
        return w
    return _write(tensor, draw, halves=False)


# ---- the deprecated aliases, as torch words them ------------------------------------------------
def _deprecated(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = f"{old_name}(...): deprecated, use :func:`{new_name}`."
    deprecated_init.__name__ = old_name
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)


# ---- whole models ----------------------------------------------------------------------------------
def reset_parameters_(module, seed=None):
    """Re-initialize every parameter and buffer of ``module`` exactly as its
    own reset does, through fastinit; returns the module.

    Each submodule's reset (``reset_parameters()``, else
    ``_reset_parameters()``) runs children first, then the parent, as
    construction does (so ``nn.MultiheadAttention`` zeroes ``out_proj.bias``
    after the Linear's own reset, and ``nn.Transformer``'s xavier pass comes
    last). Every random value those resets draw (``torch.nn.init`` and the
    tensor methods ``normal_``, ``uniform_``, ...) comes from its own stream of
    ``Generator(seed)``, in call order from stream 2**63 (an int seed; a
    Generator is used as it is), so the result depends only on the
    seed: not on ``torch.manual_seed``, the thread count, or what the
    parameters held (uninitialized memory after ``meta`` → ``to_empty``
    included), and never repeats a stream of ``init_context(seed)``, which
    counts from 0. A module's own ``init_weights()`` runs after its reset, as
    construction calls it, where that call can be repeated exactly (no
    arguments, as timm's blocks; or timm's
    ``init_weights(needs_reset=False)``, whose models store their mode).
    A transformers model (or one inside ``module``) then runs
    its own whole-model init as its construction did (``initialize_weights``:
    every module's ``_init_weights``), which writes what no module reset
    does (GPT-2's ``Conv1D``, BERT's, T5's, Llama's and ViT's weights and
    tokens).

    A tensor that none of these writes keeps what the model's construction
    wrote, if the model was built inside ``init_context``: on the CPU, the
    values it holds; on the meta device, the construction was recorded, and
    the part of it that makes the tensor runs again on the CPU (its random
    calls on the streams they took), giving the values the same
    construction gives on the CPU, bit for bit (class tokens, layer-scale
    gammas, tables computed in ``__init__``). A tensor that nothing wrote,
    or that cannot be made again exactly (its construction asked whether a
    tensor was on the meta device, as ``torch.nn.init.trunc_normal_`` does;
    or drew with torch's own generator below Python), is named in a
    ValueError, never skipped or made wrong.

    DTensor parameters (FSDP2's ``fully_shard``, tensor parallel, any
    ``DeviceMesh``) are filled on each rank with their local shard of the
    values the unsharded model gets, so ``with torch.device("meta"),
    init_context(seed=s):`` build, shard, ``to_empty(device="cpu")`` and
    ``reset_parameters_(model, seed=s)`` give the one-process weights at
    any world size (the docs' "Initialize a sharded model").

    Parameters
    ----------
    module : torch.nn.Module
    seed : int, fastinit.Generator or None
        None draws from OS entropy.
    """
    return _torchmode.reset_module(module, seed)


def init_context(seed=None):
    """A context manager under which every initial value drawn while a model
    is built comes from fastinit: the ``torch.nn.init`` functions, the
    tensor methods ``normal_``, ``uniform_`` and ``random_``,
    ``torch.randn``/``rand``/``randint``/``randperm`` and their ``_like``
    forms, and ``fastinit.torch``'s own fills called without a seed, each
    draw on its own stream of ``Generator(seed)`` in call order.

    >>> import torch
    >>> from fastinit.torch import init_context
    >>> with init_context(seed=0):
    ...     a = torch.nn.Linear(64, 32)
    >>> with init_context(seed=0):
    ...     b = torch.nn.Linear(64, 32)
    >>> torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    True

    gives the same parameters on every run and thread count (a whole
    ``transformers.GPT2LMHeadModel(GPT2Config())`` too). Entered on the
    meta device (``with torch.device("meta"), init_context(seed=0):``), it
    records the construction instead, so that ``reset_parameters_`` can
    make what no reset writes after ``to_empty``; random calls reserve
    their streams as on the CPU. A random call that cannot be
    honoured (a non-floating tensor for ``normal_``, ``torch.bernoulli``)
    raises; a ``generator=`` is honoured as ``fastinit.torch`` honours it.

    Every draw is made at its call, into the tensor's memory, so whatever
    reads that memory afterwards (torch, TorchScript, NumPy, DLPack, another
    thread or process) reads the values drawing at once gives. The context
    belongs to the task, thread and process that entered it: the same
    object may be entered again (its entries share one generator, so no
    stream repeats), asyncio tasks and generators may hold contexts across
    suspensions and exit them in any order, other threads and forked
    children (DataLoader workers) draw through torch as usual, and after
    the last exit torch is exactly as before. TorchScript and C++ code draw
    with torch's own generator: the context sees Python-level torch calls.
    """
    return _torchmode.InitContext(seed)


# ---- shards (torch.distributed) --------------------------------------------------------------------
_SHARD_PLANS = {
    "uniform_": lambda a=0.0, b=1.0: (_fi.uniform, (a, b), {}),
    "normal_": lambda mean=0.0, std=1.0: (_fi.normal, (mean, std), {}),
    "trunc_normal_": lambda mean=0.0, std=1.0, a=-2.0, b=2.0: (
        _fi.truncated_normal, (mean, std, (a - mean) / std, (b - mean) / std), {}),
    "xavier_uniform_": lambda gain=1.0: (_fi.xavier_uniform, (gain,), _TORCH_FAN),
    "xavier_normal_": lambda gain=1.0: (_fi.xavier_normal, (gain,), _TORCH_FAN),
    "kaiming_uniform_": lambda a=0, mode="fan_in", nonlinearity="leaky_relu": (
        _fi.he_uniform, (), dict(a=a, mode=mode, nonlinearity=nonlinearity, **_TORCH_FAN)),
    "kaiming_normal_": lambda a=0, mode="fan_in", nonlinearity="leaky_relu": (
        _fi.he_normal, (), dict(a=a, mode=mode, nonlinearity=nonlinearity, **_TORCH_FAN)),
}


def shard_region(global_shape, rank, world_size, dim=0, grid=None):
    """The region (one (start, stop) per axis) of ``rank``'s shard of a
    weight of ``global_shape``: split along ``dim`` in ``world_size`` chunks
    as ``torch.chunk`` does (row shard: dim 0, column shard: dim 1), or with
    ``grid=(r, c)`` a 2-D block, rank row-major in the grid."""
    shape = tuple(int(d) for d in global_shape)
    region = [(0, d) for d in shape]
    for name, v in (("rank", rank), ("world_size", world_size)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {v!r}")
    if world_size < 1:
        raise ValueError(f"world_size must be >= 1, got {world_size}")
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, world_size) = [0, {world_size}), got {rank}")
    if grid is None and not -len(shape) <= dim < len(shape):
        raise ValueError(f"dim {dim} is out of range for a {len(shape)}-D global_shape")
    if grid is not None and (len(grid) != 2 or min(grid) < 1 or len(shape) < 2):
        raise ValueError(f"grid must be two positive ints over a >= 2-D global_shape, got {grid}")

    def chunk(n, parts, k):
        size = -(-n // parts)
        return min(k * size, n), min((k + 1) * size, n)

    if grid is None:
        region[dim] = chunk(shape[dim], world_size, rank)
    else:
        r, c = grid
        if r * c != world_size:
            raise ValueError(f"grid {grid} does not hold world_size {world_size} ranks")
        region[0] = chunk(shape[0], r, rank // c)
        region[1] = chunk(shape[1], c, rank % c)
    return tuple(region)


def init_shard_(tensor, global_shape=None, init="kaiming_uniform_", *, rank=None, world_size=None,
                dim=0, grid=None, seed=0, stream=None, offset=0, **kwargs):
    """Fill ``tensor`` with this rank's tile of ``init`` applied to a weight of
    ``global_shape``: fans from the global shape, values equal bit for bit to
    the same slice of the whole weight, on any world size. ``rank`` and
    ``world_size`` default to torch.distributed's. ``init`` is a name of
    this module (``uniform_``, ``normal_``, ``trunc_normal_``, ``xavier_*_``, ``kaiming_*_``).
    ``seed`` must be the same on every rank (an int or a fastinit.Generator
    with the same key and stream).

    A ``DTensor`` brings its own global shape and placements: this is then
    the same as calling ``init`` on it (every fill of this module takes
    DTensors on any mesh, see "Initialize a sharded model" in the docs),
    and ``rank``, ``world_size``, ``dim`` and ``grid`` must not be given."""
    name = init if isinstance(init, str) else getattr(init, "__name__", repr(init))
    if name not in _SHARD_PLANS:
        raise ValueError(f"init must be one of {', '.join(_SHARD_PLANS)}, got {name!r}")
    if _is_dtensor(tensor):
        given = [k for k, v in (("rank", rank), ("world_size", world_size), ("grid", grid),
                                ("global_shape", global_shape)) if v is not None]
        if given or dim != 0:
            raise TypeError(f"a DTensor brings its own shape and placements; do not pass "
                            f"{', '.join(given) or 'dim'}")
        return globals()[name](tensor, seed=seed, stream=stream, offset=offset, **kwargs)
    if global_shape is None:
        raise TypeError("global_shape is required for a plain tensor")
    if rank is None or world_size is None:
        import torch.distributed as dist
        rank = dist.get_rank() if rank is None else rank
        world_size = dist.get_world_size() if world_size is None else world_size
    region = shard_region(global_shape, rank, world_size, dim, grid)
    want = tuple(b - a for a, b in region)
    if tuple(tensor.shape) != want:
        raise ValueError(f"tensor has shape {tuple(tensor.shape)}, rank {rank}'s shard is {want}")
    _check_target(tensor)
    fn, args, fn_kwargs = _SHARD_PLANS[name](**kwargs)
    _write(tensor, lambda shape, dtype, out: fn(tuple(global_shape), *args, dtype=dtype, out=out,
                                                 seed=seed, stream=stream, offset=offset,
                                                 region=region, **fn_kwargs))
    return tensor


from fastinit import _torchmode  # noqa: E402  (it builds on the fills above)
