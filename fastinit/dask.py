"""``dask.array`` constructors for fastinit's draws (``pip install 'fastinit-philox[dask]'``).

Every elementwise initializer and draw, with the same arguments plus
``chunks=`` (anything ``dask.array`` accepts): each chunk is computed as a
tile (``region=``) of the one-process call, so the array is equal bit for bit
to ``fastinit.<name>(shape, ...)`` for any chunking, and no process ever
holds more than its chunks. ``seed=None`` (the global generator) or a
``fastinit.Generator`` reserves its stream when the graph is built, never at
compute time, so computing twice gives the same array.

>>> import fastinit.dask as fd
>>> w = fd.he_normal((10_000, 1024), chunks=(2_500, 1024), seed=0)
>>> round(float(w.std().compute()), 4)                  # sqrt(2 / 10000)
0.0141
>>> bool((w.compute() == fastinit.he_normal((10_000, 1024), seed=0)).all())
True
"""
import numpy as np

try:
    import dask.array as da
except ImportError:
    raise ImportError("fastinit.dask needs dask: pip install 'fastinit-philox[dask]'") from None

import fastinit as _fi
from fastinit import _random

NAMES = ("uniform", "normal", "truncated_normal", "variance_scaling", "he_normal", "he_uniform",
         "kaiming_normal", "kaiming_uniform", "xavier_normal", "xavier_uniform", "glorot_normal",
         "glorot_uniform", "lecun_normal", "lecun_uniform", "zeros", "ones", "constant")
__all__ = list(NAMES)


def _block(name, shape, args, kwargs, block_info=None):
    """One chunk: the tile of the one-process call that the chunk covers."""
    region = tuple(block_info[None]["array-location"])
    return _fi.get(name)(shape, *args, region=region, **kwargs)


def _constructor(name):
    f = _fi.get(name)

    def constructor(shape, *args, chunks="auto", dtype=None, seed=None, stream=None, offset=0,
                    **kwargs):
        shape = tuple(int(d) for d in ((shape,) if np.ndim(shape) == 0 else shape))
        dt = np.dtype(np.float32 if dtype is None else dtype)
        # check every argument now, on a one-value tile of the same call
        f(shape, *args, dtype=dt, seed=seed, stream=0 if stream is None else stream, offset=offset,
          region=tuple((0, min(1, d)) for d in shape), **kwargs)
        if seed is None or isinstance(seed, _fi.Generator):
            gen = _random.get_global() if seed is None else seed
            if stream is None:
                stream = gen.reserve_stream()
            seed = gen
        kw = dict(kwargs, dtype=dt, seed=seed, stream=stream, offset=offset)
        return da.map_blocks(_block, name, shape, args, kw, chunks=da.core.normalize_chunks(
            chunks, shape, dtype=dt), dtype=dt, meta=np.empty((0,) * len(shape), dt))

    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = (f"``fastinit.{name}`` as a dask.array: the same arguments plus "
                           "``chunks=``; each chunk is a tile of the one-process call.")
    return constructor


for _name in NAMES:
    globals()[_name] = _constructor(_name)
