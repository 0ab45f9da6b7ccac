"""A drop-in for ``torch.nn.init`` on fastinit's kernels (``pip install 'fastinit[torch]'``).

``import fastinit.torch as init`` replaces ``import torch.nn.init as init``:
the same names, signatures, defaults and fan convention (``(out, in,
*kernel)``: fan_in = in x receptive field), each filling a CPU tensor in place,
zero-copy, and returning it. Every function also takes fastinit's
keyword-only ``seed``, ``stream`` and ``offset`` (see :class:`fastinit.Generator`);
``generator=`` may be a ``fastinit.Generator``, or a ``torch.Generator``
from which one 62-bit seed is drawn per call. Tensors that are not CPU,
float32/float64 and contiguous are handed to ``torch.nn.init`` itself.

Beyond ``torch.nn.init``: :func:`reset_parameters_` re-initializes a
module's ``nn.Linear``, ``nn.Conv*d`` and ``nn.Embedding`` layers the way
their own ``reset_parameters`` does, and :func:`shard_region` /
:func:`init_shard_` give each rank of a sharded weight its tile, equal bit for
bit to the same slice of the whole weight (torch.distributed).

>>> import torch, fastinit.torch as init
>>> w = init.kaiming_uniform_(torch.empty(256, 128), a=5 ** 0.5, seed=0)
"""
import math

try:
    import torch
    import torch.nn.init as _tinit
except ImportError:
    raise ImportError("fastinit.torch needs PyTorch: pip install torch, then pip install "
                      "'fastinit[torch]'") from None

import fastinit as _fi

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_", "reset_parameters_", "shard_region", "init_shard_"]

calculate_gain = _fi.calculate_gain
_TORCH_FAN = dict(in_axis=1, out_axis=0)   # (out, in, *kernel)


def _view(tensor):
    """A numpy view of a CPU float32/float64 contiguous tensor, or None."""
    if (tensor.device.type != "cpu" or tensor.dtype not in (torch.float32, torch.float64)
            or not tensor.is_contiguous()):
        return None
    return tensor.detach().numpy()


def _seed(generator, seed):
    if generator is None:
        return seed
    if isinstance(generator, _fi.Generator):
        return generator
    if isinstance(generator, torch.Generator):
        return int(torch.randint(0, 2 ** 62, (1,), generator=generator))
    raise TypeError(f"generator must be a torch.Generator or a fastinit.Generator, got {generator!r}")


def _fans(tensor):
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    return _fi.compute_fans(tuple(tensor.shape), **_TORCH_FAN)


def _truncated(mean=0.0, std=1.0, a=-2.0, b=2.0):
    if std <= 0:
        raise ValueError(f"std must be > 0, got {std}")
    return _fi.truncated_normal, (mean, std, (a - mean) / std, (b - mean) / std), {}


# torch.nn.init's arguments -> (fastinit function, its arguments, its keywords):
# the one translation the functions below and init_shard_ share.
_PLANS = {
    "uniform_": lambda a=0.0, b=1.0: (_fi.uniform, (a, b), {}),
    "normal_": lambda mean=0.0, std=1.0: (_fi.normal, (mean, std), {}),
    "trunc_normal_": _truncated,
    "xavier_uniform_": lambda gain=1.0: (_fi.xavier_uniform, (gain,), _TORCH_FAN),
    "xavier_normal_": lambda gain=1.0: (_fi.xavier_normal, (gain,), _TORCH_FAN),
    "kaiming_uniform_": lambda a=0, mode="fan_in", nonlinearity="leaky_relu": (
        _fi.he_uniform, (), dict(a=a, mode=mode, nonlinearity=nonlinearity, **_TORCH_FAN)),
    "kaiming_normal_": lambda a=0, mode="fan_in", nonlinearity="leaky_relu": (
        _fi.he_normal, (), dict(a=a, mode=mode, nonlinearity=nonlinearity, **_TORCH_FAN)),
}
_FAN_BASED = {"xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"}


def _fill(tensor, name, generator, seed, stream, offset, **kw):
    """tensor <- torch.nn.init.<name>(tensor, **kw) through fastinit, in place;
    a tensor fastinit cannot view goes to torch.nn.init itself."""
    v = _view(tensor)
    if v is None:
        return getattr(_tinit, name)(tensor, **kw, generator=generator)
    if name in _FAN_BASED:
        _fans(tensor)
    fn, args, kwargs = _PLANS[name](**kw)
    fn(v.shape, *args, out=v, seed=_seed(generator, seed), stream=stream, offset=offset, **kwargs)
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None, *, seed=None, stream=None, offset=0):
    """U[a, b), in place (``torch.nn.init.uniform_``)."""
    return _fill(tensor, "uniform_", generator, seed, stream, offset, a=a, b=b)


def normal_(tensor, mean=0.0, std=1.0, generator=None, *, seed=None, stream=None, offset=0):
    """N(mean, std**2), in place (``torch.nn.init.normal_``)."""
    return _fill(tensor, "normal_", generator, seed, stream, offset, mean=mean, std=std)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None, *, seed=None,
                  stream=None, offset=0):
    """N(mean, std**2) truncated to the absolute bounds [a, b], in place, sampled
    exactly (``torch.nn.init.trunc_normal_``)."""
    return _fill(tensor, "trunc_normal_", generator, seed, stream, offset, mean=mean, std=std,
                 a=a, b=b)


def constant_(tensor, val):
    """Every value ``val``, in place."""
    v = _view(tensor)
    if v is None:
        return _tinit.constant_(tensor, val)
    _fi.constant(v.shape, val, out=v)
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None, *, seed=None, stream=None, offset=0):
    """U(+-gain sqrt(6 / (fan_in + fan_out))), in place."""
    return _fill(tensor, "xavier_uniform_", generator, seed, stream, offset, gain=gain)


def xavier_normal_(tensor, gain=1.0, generator=None, *, seed=None, stream=None, offset=0):
    """N(0, gain**2 2 / (fan_in + fan_out)), in place."""
    return _fill(tensor, "xavier_normal_", generator, seed, stream, offset, gain=gain)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *,
                     seed=None, stream=None, offset=0):
    """U(+-gain sqrt(3 / fan)), in place (``torch.nn.init.kaiming_uniform_``)."""
    return _fill(tensor, "kaiming_uniform_", generator, seed, stream, offset, a=a, mode=mode,
                 nonlinearity=nonlinearity)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, *,
                    seed=None, stream=None, offset=0):
    """N(0, gain**2 / fan), in place (``torch.nn.init.kaiming_normal_``)."""
    return _fill(tensor, "kaiming_normal_", generator, seed, stream, offset, a=a, mode=mode,
                 nonlinearity=nonlinearity)


def orthogonal_(tensor, gain=1, generator=None, *, seed=None, stream=None, offset=0):
    """A (semi-)orthogonal matrix of ``(rows, numel / rows)``, in place, times gain."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    v = _view(tensor)
    if v is None:
        return _tinit.orthogonal_(tensor, gain, generator)
    rows = v.shape[0]
    _fi.orthogonal((rows, v.size // rows if rows else 0), gain, out=v.reshape(rows, -1),
                   seed=_seed(generator, seed), stream=stream, offset=offset)
    return tensor


def reset_parameters_(module, seed=None):
    """Re-initialize every ``nn.Linear``, ``nn.Conv*d`` and ``nn.Embedding``
    in ``module`` the way their own ``reset_parameters`` does (kaiming
    uniform with a = sqrt(5) and a bias U(+-1/sqrt(fan_in)); N(0, 1) with the
    padding row zeroed), through fastinit. Each parameter takes the next
    stream of ``Generator(seed)`` in module order. Returns the module."""
    gen = seed if isinstance(seed, _fi.Generator) else _fi.Generator(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (torch.nn.Linear, torch.nn.modules.conv._ConvNd)):
                kaiming_uniform_(m.weight, a=math.sqrt(5), seed=gen)
                if m.bias is not None:
                    fan_in = _fans(m.weight)[0]
                    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                    uniform_(m.bias, -bound, bound, seed=gen)
            elif isinstance(m, torch.nn.Embedding):
                normal_(m.weight, seed=gen)
                if m.padding_idx is not None:
                    m.weight[m.padding_idx].fill_(0)
    return module


def shard_region(global_shape, rank, world_size, dim=0, grid=None):
    """The region (one (start, stop) per axis) of ``rank``'s shard of a
    weight of ``global_shape``: split along ``dim`` in ``world_size`` chunks
    as ``torch.chunk`` does (row shard: dim 0, column shard: dim 1), or with
    ``grid=(r, c)`` a 2-D block, rank row-major in the grid."""
    shape = tuple(int(d) for d in global_shape)
    region = [(0, d) for d in shape]

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


def _dtensor_shard(tensor):
    """(local tensor, global shape, rank, world size, dim) of a DTensor on a
    1-D device mesh, sharded on one dim or replicated."""
    from torch.distributed.tensor import Replicate, Shard
    mesh = tensor.device_mesh
    if mesh.ndim != 1:
        raise ValueError("init_shard_ takes DTensors on a 1-D device mesh")
    placement = tensor.placements[0]
    local = tensor.to_local()
    if isinstance(placement, Replicate):
        return local, tuple(tensor.shape), 0, 1, 0
    if not isinstance(placement, Shard):
        raise ValueError(f"init_shard_ takes Shard or Replicate placements, got {placement}")
    return local, tuple(tensor.shape), mesh.get_local_rank(), mesh.size(), placement.dim


def init_shard_(tensor, global_shape=None, init="kaiming_uniform_", *, rank=None, world_size=None,
                dim=0, grid=None, seed=0, stream=None, offset=0, **kwargs):
    """Fill ``tensor`` with this rank's tile of ``init`` applied to a weight of
    ``global_shape``: fans from the global shape, values equal bit for bit to
    the same slice of the whole weight, on any world size. ``rank`` and
    ``world_size`` default to torch.distributed's. ``init`` is a name of
    this module (uniform_, normal_, trunc_normal_, xavier_*_, kaiming_*_).
    ``seed`` must be the same on every rank (an int or a fastinit.Generator
    with the same key and stream). A ``DTensor`` (1-D mesh, ``Shard(dim)`` or
    ``Replicate``) brings its own global shape, rank and dim; its local
    shard is filled and the DTensor returned."""
    whole = tensor
    if hasattr(tensor, "to_local") and hasattr(tensor, "placements"):
        tensor, global_shape, rank, world_size, dim = _dtensor_shard(tensor)
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
    v = _view(tensor)
    if v is None:
        raise TypeError("init_shard_ needs a CPU, contiguous float32/float64 tensor")
    name = init if isinstance(init, str) else init.__name__
    if name not in _PLANS:
        raise ValueError(f"init must be one of {', '.join(_PLANS)}, got {name!r}")
    fn, args, fn_kwargs = _PLANS[name](**kwargs)
    fn(tuple(global_shape), *args, out=v, seed=seed, stream=stream, offset=offset, region=region,
       **fn_kwargs)
    return whole
