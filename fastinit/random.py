"""Counter-based random numbers: Philox4x32-10 streams and distributions.

The bit layout is fixed so anyone can reproduce it (SPEC section 1):

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
import functools
import threading

import numpy as np

from fastinit import _random
from fastinit._threads import get_num_threads
from fastinit._validation import (
    check_int, check_offset, check_real, check_shape, prepare_out,
)

__all__ = ["Generator", "seed", "philox4x32", "uniform", "normal", "truncated_normal"]

_U32 = 1 << 32
_U64 = 1 << 64


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


@functools.lru_cache(maxsize=256)
def _key_of(seed):
    k = np.random.SeedSequence(seed).generate_state(2, np.uint32)
    return int(k[0]), int(k[1])


def _check_seed(seed):
    if seed is None:
        return None
    return check_int(seed, "seed")


class Generator:
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
        if isinstance(seed, np.random.SeedSequence):
            self._seed_seq = seed
        else:
            self._seed_seq = np.random.SeedSequence(_check_seed(seed))
        k = self._seed_seq.generate_state(2, np.uint32)
        self._key = (int(k[0]), int(k[1]))
        self._next = 0
        self._lock = threading.Lock()

    @property
    def key(self):
        """The two Philox key words."""
        return self._key

    @property
    def seed_seq(self):
        """The ``numpy.random.SeedSequence`` the key came from."""
        return self._seed_seq

    def __repr__(self):
        return f"fastinit.Generator(key=({self._key[0]:#010x}, {self._key[1]:#010x}), next_stream={self._next})"

    def _stream(self, stream):
        if stream is not None:
            return check_int(stream, "stream", high=_U64)
        with self._lock:
            s = self._next
            self._next += 1
        return s

    def spawn(self, n):
        """``n`` child generators with independent keys (``SeedSequence.spawn``)."""
        n = check_int(n, "n")
        return [Generator(child) for child in self._seed_seq.spawn(n)]

    def random_raw(self, n, *, stream=None, offset=0):
        """Words ``offset .. offset+n-1`` of a stream as uint32."""
        n = check_int(n, "n")
        offset = check_offset(offset, n)
        out = np.empty(n, dtype=np.uint32)
        s = self._stream(stream)
        _random.fill_raw(self._key[0], self._key[1], s, offset, out, get_num_threads())
        return out

    def uniform(self, shape=None, low=0.0, high=1.0, *, dtype=None, out=None, stream=None, offset=0):
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
        return _draw(UNIFORM, check_shape_or_none(shape), uniform_params(low, high, dtype, out),
                     dtype, out, self, stream, offset)

    def normal(self, shape=None, mean=0.0, std=1.0, *, dtype=None, out=None, stream=None, offset=0):
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
        return _draw(NORMAL, check_shape_or_none(shape), normal_params(mean, std),
                     dtype, out, self, stream, offset)

    def truncated_normal(self, shape=None, mean=0.0, std=1.0, lower=-2.0, upper=2.0, *,
                         dtype=None, out=None, stream=None, offset=0):
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
        return _draw(TRUNCATED, check_shape_or_none(shape),
                     truncated_params(mean, std, lower, upper), dtype, out, self, stream, offset)


# ---- parameters, checked once --------------------------------------------
UNIFORM, NORMAL, TRUNCATED = "uniform", "normal", "truncated_normal"
_F32_MAX = float(np.finfo(np.float32).max)


def check_shape_or_none(shape):
    return None if shape is None else check_shape(shape)


def uniform_params(low, high, dtype=None, out=None):
    low = check_real(low, "low")
    high = check_real(high, "high")
    if low > high:
        raise ValueError(f"low must be <= high, got low={low}, high={high}")
    if max(abs(low), abs(high)) > _F32_MAX:
        dt = out.dtype if isinstance(out, np.ndarray) else np.dtype(np.float32 if dtype is None else dtype)
        if dt == np.float32:
            raise ValueError(f"low and high must fit in float32, got {low}, {high}")
    return (low, high)


def normal_params(mean, std):
    mean = check_real(mean, "mean")
    std = check_real(std, "std")
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    return (mean, std)


def truncated_params(mean, std, lower, upper):
    mean, std = normal_params(mean, std)
    lower = check_real(lower, "lower", finite=False)
    upper = check_real(upper, "upper", finite=False)
    if not lower < upper:
        raise ValueError(f"lower must be < upper, got lower={lower}, upper={upper}")
    if lower == np.inf or upper == -np.inf:
        raise ValueError(f"the interval [lower, upper] = [{lower}, {upper}] holds no mass")
    return (mean, std, lower, upper)


def _draw(kind, shape, params, dtype, out, seed, stream, offset):
    """The one path every draw takes: ``shape`` already a checked tuple (or
    None), ``params`` checked; checks out/dtype/offset/seed/stream, then
    reserves the stream and makes one kernel call."""
    arr, scalar = prepare_out(shape, dtype, out)
    offset = check_offset(offset, arr.size)
    g, stream = resolve(seed, stream)
    s = g._stream(stream)
    k0, k1 = g._key
    nt = get_num_threads()
    if kind is NORMAL:
        _random.fill_normal(k0, k1, s, offset, params[0], params[1], arr, nt)
    elif kind is UNIFORM:
        _random.fill_uniform(k0, k1, s, offset, params[0], params[1], arr, nt)
    else:
        mean, std, lower, upper = params
        lo, hi = _bounds(mean, std, lower, upper, arr.dtype)
        _random.fill_truncated_normal(k0, k1, s, offset, mean, std, lower, upper, lo, hi, arr, nt)
    return arr[()] if scalar else arr


def _bounds(mean, std, lower, upper, dtype):
    """The closed range the output must stay in, as representable values of dtype."""
    with np.errstate(invalid="ignore", over="ignore"):
        lo = mean + std * lower if std > 0 else mean
        hi = mean + std * upper if std > 0 else mean
    if dtype == np.float32:
        lo32, hi32 = np.float32(lo), np.float32(hi)
        if lo32 < lo:
            lo32 = np.nextafter(lo32, np.float32(np.inf))
        if hi32 > hi:
            hi32 = np.nextafter(hi32, np.float32(-np.inf))
        return float(lo32), float(hi32)
    return lo, hi


# ---- the global generator and module-level draws ---------------------------
_global = Generator()
_global_lock = threading.Lock()


def seed(s=None):
    """Make the global generator ``Generator(s)``: its next draw is stream 0."""
    global _global
    g = Generator(s)
    with _global_lock:
        _global = g


def resolve(seed, stream):
    """(generator, stream) for a module-level draw.

    None uses the global generator (its next stream unless ``stream=``); an
    int ``s`` is ``Generator(s)``'s first stream (the same array every
    call); a Generator is used as it is.
    """
    if seed is None:
        return _global, stream
    if isinstance(seed, Generator):
        return seed, stream
    key = _key_of(check_int(seed, "seed"))
    return _Keyed(key), 0 if stream is None else stream


class _Keyed(Generator):
    """A Generator for a cached int key, without the SeedSequence work."""

    def __init__(self, key):  # noqa: D401 - internal
        self._key = key
        self._next = 0
        self._lock = threading.Lock()

    @property
    def seed_seq(self):
        raise AttributeError("seed_seq")


def uniform(shape=None, low=0.0, high=1.0, *, dtype=None, out=None, seed=None, stream=None, offset=0):
    """Uniform on ``[low, high)``; see :meth:`Generator.uniform`. ``seed``: None, int or Generator.

    Examples
    --------
    >>> w = fastinit.uniform((64, 64), seed=0)            # the documents' "large random" U[0, 1)
    """
    return _draw(UNIFORM, check_shape_or_none(shape), uniform_params(low, high, dtype, out),
                 dtype, out, seed, stream, offset)


def normal(shape=None, mean=0.0, std=1.0, *, dtype=None, out=None, seed=None, stream=None, offset=0):
    """Normal; see :meth:`Generator.normal`. ``seed``: None, int or Generator.

    Examples
    --------
    >>> w = fastinit.normal((64, 64), std=0.01, seed=0)   # the documents' "small random"
    """
    return _draw(NORMAL, check_shape_or_none(shape), normal_params(mean, std), dtype, out, seed,
                 stream, offset)


def truncated_normal(shape=None, mean=0.0, std=1.0, lower=-2.0, upper=2.0, *, dtype=None,
                     out=None, seed=None, stream=None, offset=0):
    """Truncated normal; see :meth:`Generator.truncated_normal`. ``seed``: None, int or Generator.

    Examples
    --------
    >>> w = fastinit.truncated_normal((64, 64), std=0.02, seed=0)
    """
    return _draw(TRUNCATED, check_shape_or_none(shape), truncated_params(mean, std, lower, upper),
                 dtype, out, seed, stream, offset)
