"""Counter-based random numbers: Philox4x32-10 streams and distributions.

The bit layout is fixed so anyone can reproduce it (docs/guide/reproducibility.rst):

* the key is ``numpy.random.SeedSequence(seed).generate_state(2, np.uint32)``;
* word ``j`` of stream ``s`` is word ``j % 4`` of
  ``philox4x32((j//4 low 32 bits, j//4 high 32 bits, s low, s high), key)``;
* the value at flat index ``i`` of a draw reads fixed words of index
  ``offset + i``: float32 uniform word ``i``; float64 uniform and truncated
  normal words ``2i, 2i+1``; float32 normal the Box-Muller pair of words
  ``2(i//2), 2(i//2)+1``; float64 normal block ``i//2``.

So a value depends only on (key, stream, offset + i, parameters, dtype): the
same on 1 thread or 16, in one call or in shards.
"""
import os
import threading
import numpy as np

from fastinit import _common, _random
# The draws' one call each. Cimported (Cython's pure-Python syntax for
# cimport; this module is compiled as written): a C call of the cpdef
# function, no argument tuple or parsing, about 25 ns less a small draw.
from cython.cimports.fastinit._random import normal as _normal
from cython.cimports.fastinit._random import truncated_normal as _truncated_normal
from cython.cimports.fastinit._random import uniform as _uniform

__all__ = ["Generator", "seed", "philox4x32", "uniform", "normal", "truncated_normal"]

_U32 = 1 << 32


def philox4x32(counter, key):
    """Philox4x32-10 of one counter under one key (a pure function).

    Parameters
    ----------
    counter : sequence of 4 ints in [0, 2**32)
    key : sequence of 2 ints in [0, 2**32)

    Returns
    -------
    numpy.ndarray of 4 uint32

    Examples
    --------
    >>> [f"{w:08x}" for w in fastinit.philox4x32((0, 0, 0, 0), (0, 0))]
    ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']
    """
    c = _words(counter, 4, "counter")
    k = _words(key, 2, "key")
    return np.array(_random.philox4x32_10(*c, *k), dtype=np.uint32)


def _words(seq, n, name):
    try:
        words = list(seq)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of {n} ints in [0, 2**32), got {seq!r}") from None
    if len(words) != n:
        raise ValueError(f"{name} must have {n} words, got {len(words)}")
    out = []
    for w in words:
        if isinstance(w, (bool, np.bool_)) or not isinstance(w, (int, np.integer)) or not 0 <= w < _U32:
            raise ValueError(f"{name} words must be ints in [0, 2**32), got {w!r}")
        out.append(int(w))
    return out


class Generator(_random.Streams):
    """A Philox4x32-10 key with numbered streams.

    Parameters
    ----------
    seed : int >= 0 or None
        Key material for ``numpy.random.SeedSequence``; None takes OS entropy.

    Notes
    -----
    Each draw uses one stream. ``stream=`` chooses it; otherwise the
    generator reserves its next stream (0, 1, 2, ... in call order, thread
    safe), so two calls differ. ``offset=`` shifts the draw along its stream
    without changing which stream is reserved.

    **Compatibility guarantee.** For a given seed, stream, offset, shape,
    parameters and dtype, every fastinit release, on any machine and any
    thread count, returns the same bits. A change to the stream layout is a
    major-version change and fails the stored-hash tests first.

    Examples
    --------
    >>> g = fastinit.Generator(42)
    >>> w = g.normal((256, 128), std=0.05)           # stream 0
    >>> b = g.uniform((128,), -0.1, 0.1)              # stream 1
    >>> whole = g.normal((10,), stream=7)
    >>> part = g.normal((4,), stream=7, offset=3)     # == whole[3:7]
    """

    def __init__(self, seed=None):
        if seed is None or isinstance(seed, np.random.SeedSequence):
            self._seed_seq = seed if seed is not None else np.random.SeedSequence()
            k = self._seed_seq.generate_state(2, np.uint32)
            self._set_key(int(k[0]), int(k[1]))
        else:
            # an int: the key SeedSequence(seed) gives, from the core's cache
            # (making the SeedSequence costs 5 us, 130 us with cold caches, as
            # at the start of every init_context); the sequence itself is
            # made when first asked for (seed_seq: spawn, pickling)
            self._set_key(*_random.seed_key(seed))
            self._seed = int(seed)
            self._seed_seq = None

    @property
    def seed_seq(self):
        """The ``numpy.random.SeedSequence`` the key came from."""
        seq = self._seed_seq
        if seq is None:
            with _SPAWN_LOCK:           # one sequence, so spawn's count is never reset
                if self._seed_seq is None:
                    self._seed_seq = np.random.SeedSequence(self._seed)
                seq = self._seed_seq
        return seq

    def __repr__(self):
        k0, k1 = self.key
        return f"fastinit.Generator(key=({k0:#010x}, {k1:#010x}), next_stream={self.next_stream})"

    def __reduce__(self):
        """Pickles with its seed sequence and next stream (Dask ships it to workers)."""
        return (_restore, (self.seed_seq, self.next_stream))

    def spawn(self, n):
        """``n`` child generators with independent keys (``SeedSequence.spawn``).

        Safe from many threads: each call gets children no other call gets
        (``SeedSequence.spawn`` alone is not atomic).
        """
        n = _common.integer(n, "n")
        seq = self.seed_seq
        with _SPAWN_LOCK:
            children = seq.spawn(n)
        return [Generator(child) for child in children]

    def random_raw(self, n, *, stream=None, offset=0):
        """Words ``offset .. offset+n-1`` of a stream as uint32."""
        return _random.raw(self, n, stream, offset)

    def uniform(self, shape=None, low=0.0, high=1.0, *, dtype=None, out=None, stream=None,
                offset=0, region=None):
        """Uniform on the half-open ``[low, high)``.

        Never ``high``, also after rounding to float32; ``low == high``
        gives ``low``. float32 uses 24 random bits a value, float64 53.

        Parameters
        ----------
        shape : int or tuple of ints, optional
            None (and no ``out``) draws one scalar.
        low, high : float
            ``low <= high``.
        dtype : float32 (default) or float64
        out : ndarray, optional
            Writable, aligned, C-contiguous, filled in place and returned.
        stream : int, optional
        offset : int, default 0
            Index of the first value along the stream.
        """
        return _uniform(shape, low, high, dtype, out, self, stream, offset, region)

    def normal(self, shape=None, mean=0.0, std=1.0, *, dtype=None, out=None, stream=None, offset=0,
               region=None):
        """Normal with ``mean`` and standard deviation ``std`` (Box-Muller).

        Parameters
        ----------
        shape : int or tuple of ints, optional
            None (and no ``out``) draws one scalar.
        mean : float
        std : float
            ``std >= 0``.
        dtype, out, stream, offset
            As in :meth:`uniform`.
        """
        return _normal(shape, mean, std, dtype, out, self, stream, offset, region)

    def truncated_normal(self, shape=None, mean=0.0, std=1.0, lower=-2.0, upper=2.0, *, dtype=None,
                         out=None, stream=None, offset=0, region=None):
        """Normal truncated to ``[mean + lower std, mean + upper std]``.

        Sampled exactly by the inverse CDF (never by clipping): the value
        is F^-1(u) for the truncated CDF F, in bounded time even far in a
        tail (``lower=30, upper=31``); one side may be infinite. 53 random
        bits a value.

        Parameters
        ----------
        shape : int or tuple of ints, optional
        mean : float
        std : float
            ``std >= 0``.
        lower, upper : float
            Bounds in units of ``std``, ``lower < upper``; ``-inf``/``inf`` allowed.
        dtype, out, stream, offset
            As in :meth:`uniform`.
        """
        return _truncated_normal(shape, mean, std, lower, upper, dtype, out, self, stream,
                                 offset, region)


# ---- the global generator and module-level draws ---------------------------
def _restore(seed_seq, next_stream):
    g = Generator(seed_seq)
    g._set_next(next_stream)
    return g


_SPAWN_LOCK = threading.Lock()
_random.set_global(Generator())


def seed(s=None):
    """Make the global generator ``Generator(s)``: its next draw is stream 0.

    The global generator serves the draws made with ``seed=None``. A forked
    child process (``os.fork``, ``multiprocessing``'s fork start method,
    PyTorch ``DataLoader`` workers) starts with a fresh one from OS entropy,
    as Python's ``random`` does, so parent and children never share such
    draws, whatever ``seed`` the parent called. Draws with an int seed, a
    ``stream=`` or a user's :class:`Generator` are unchanged by a fork (the
    child holds a copy of the generator); for reproducible per-worker draws
    pass those, e.g. ``Generator(base).spawn(n_workers)[worker_id]``, or
    call ``seed(base + worker_id)`` in the worker.
    """
    _random.set_global(Generator(s))


def _fresh_global_after_fork():
    _random.set_global(Generator())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_global_after_fork)


def uniform(shape=None, low=0.0, high=1.0, *, dtype=None, out=None, seed=None, stream=None,
            offset=0, region=None):
    """Uniform on ``[low, high)``; see :meth:`Generator.uniform`. ``seed``: None, int or Generator.

    Examples
    --------
    >>> w = fastinit.uniform((64, 64), seed=0)            # the documents' "large random" U[0, 1)
    """
    return _uniform(shape, low, high, dtype, out, seed, stream, offset, region)


def normal(shape=None, mean=0.0, std=1.0, *, dtype=None, out=None, seed=None, stream=None,
           offset=0, region=None):
    """Normal; see :meth:`Generator.normal`. ``seed``: None, int or Generator.

    Examples
    --------
    >>> w = fastinit.normal((64, 64), std=0.01, seed=0)   # the documents' "small random"
    """
    return _normal(shape, mean, std, dtype, out, seed, stream, offset, region)


def truncated_normal(shape=None, mean=0.0, std=1.0, lower=-2.0, upper=2.0, *, dtype=None, out=None,
                     seed=None, stream=None, offset=0, region=None):
    """Truncated normal; see :meth:`Generator.truncated_normal`. ``seed``: None, int or Generator.

    Examples
    --------
    >>> w = fastinit.truncated_normal((64, 64), std=0.02, seed=0)
    """
    return _truncated_normal(shape, mean, std, lower, upper, dtype, out, seed, stream,
                             offset, region)
