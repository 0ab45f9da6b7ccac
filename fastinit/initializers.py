"""Weight initializers: the formulas, each one call into a random kernel.

Shape convention (Keras, JAX, and the source documents'
``np.random.randn(n_inputs, n_nodes)``): a 2-D weight is ``(fan_in, fan_out)``.
For more dimensions ``in_axis=-2``, ``out_axis=-1`` name the axes and the
receptive field is the product of the others; PyTorch's ``(out, in, kh, kw)``
is ``in_axis=1, out_axis=0``. A 1-D shape ``(n,)`` has fan_in = fan_out = n.

The source documents call N(0, 1/fan_in) "Xavier normal"; every framework
calls that LeCun normal (:func:`lecun_normal`) and gives Xavier/Glorot the
average of the fans (:func:`xavier_normal`). fastinit follows the frameworks.
"""
import numpy as np

from fastinit import _common, _random
# Every variance-scaling initializer is one call of _scaled: where and how to
# draw (shape ... region), then the formula (scale, gain, nonlinearity, a,
# mode, distribution). Cimported (Cython's pure-Python syntax for cimport;
# this module is compiled as written), so the call is a C call of the cpdef
# function: no 17-argument parse, about 50 ns less a small draw. zeros, ones
# and constant are one call of _constant, likewise.
from cython.cimports.fastinit._random import constant as _constant
from cython.cimports.fastinit._random import scaled as _scaled
from fastinit.random import normal, truncated_normal, uniform

__all__ = [
    "compute_fans", "calculate_gain", "variance_scaling",
    "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform",
    "xavier_normal", "xavier_uniform", "glorot_normal", "glorot_uniform",
    "lecun_normal", "lecun_uniform", "normal", "uniform", "truncated_normal",
    "zeros", "ones", "constant", "orthogonal", "get", "available",
]


def compute_fans(shape, in_axis=-2, out_axis=-1):
    """(fan_in, fan_out) of a weight of ``shape``.

    Parameters
    ----------
    shape : int or tuple of ints
    in_axis, out_axis : int
        The input and output axes for 2 or more dimensions; the others form
        the receptive field.

    Examples
    --------
    >>> fastinit.compute_fans((784, 256))
    (784, 256)
    >>> fastinit.compute_fans((64, 3, 3, 3), in_axis=1, out_axis=0)   # PyTorch conv
    (27, 576)
    """
    return _random.fans(shape, in_axis, out_axis)


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (PyTorch's table).

    ========================= ==============================
    nonlinearity              gain
    ========================= ==============================
    linear, conv*, sigmoid    1
    tanh                      5/3
    relu                      sqrt(2)
    leaky_relu                sqrt(2 / (1 + negative_slope^2)), slope ``param`` (0.01)
    selu                      3/4
    ========================= ==============================

    Examples
    --------
    >>> fastinit.calculate_gain("relu")
    1.4142135623730951
    """
    return _random.gain(nonlinearity, param)


def variance_scaling(shape, scale=1.0, mode="fan_in", distribution="normal", *, in_axis=-2,
                     out_axis=-1, fan_in=None, fan_out=None, dtype=None, out=None, seed=None,
                     stream=None, offset=0, region=None):
    """Zero-mean weights with variance ``scale / n``, ``n`` the chosen fan.

    Parameters
    ----------
    shape : int or tuple of ints
    scale : float > 0
    mode : {"fan_in", "fan_out", "fan_avg"}
    distribution : {"normal", "truncated_normal", "uniform"}
        "normal": std sqrt(scale / n). "uniform": U(-sqrt(3 scale / n),
        +sqrt(3 scale / n)). "truncated_normal": truncated at 2 sigma with
        sigma = sqrt(scale / n) / 0.8796..., so the variance is still
        scale / n (as Keras and JAX).
    in_axis, out_axis, fan_in, fan_out
        Which axes are the fans, or the fans themselves.
    dtype : float32 (default) or float64
    out : ndarray, optional
        Filled in place and returned, allocating nothing.
    seed : None, int or Generator
    stream, offset : int
        See :class:`fastinit.Generator`.

    Examples
    --------
    >>> w = fastinit.variance_scaling((512, 256), 2.0, "fan_in", "truncated_normal", seed=0)
    """
    # variance scale / fan(mode)
    return _scaled(shape, in_axis, out_axis, fan_in, fan_out, dtype, out, seed, stream,
                   offset, region, scale, 1.0, None, None, mode, distribution)


def he_normal(shape, *, a=0.0, nonlinearity="relu", mode="fan_in", in_axis=-2, out_axis=-1,
              fan_in=None, fan_out=None, dtype=None, out=None, seed=None, stream=None, offset=0, region=None):
    """He/Kaiming normal: N(0, gain^2 / fan), std sqrt(2 / fan_in) for ReLU.

    He et al. 2015 ("Delving deep into rectifiers"), for ReLU networks; the
    source documents' ``np.random.randn(n_in, n_out) * np.sqrt(2 / n_in)``.
    Untruncated, as PyTorch's ``kaiming_normal_``.

    Parameters
    ----------
    shape : int or tuple of ints
    a : float
        Negative slope, used when ``nonlinearity="leaky_relu"``.
    nonlinearity : str
        See :func:`calculate_gain`.
    mode : {"fan_in", "fan_out", "fan_avg"}
    in_axis, out_axis, fan_in, fan_out, dtype, out, seed, stream, offset, region
        See :func:`variance_scaling`.

    Examples
    --------
    >>> w = fastinit.he_normal((784, 256), seed=0)        # std sqrt(2/784)
    >>> buf = np.empty((784, 256), np.float32)
    >>> fastinit.he_normal(buf.shape, out=buf, seed=0) is buf
    True
    """
    # N(0, gain^2 / fan(mode)), gain = calculate_gain(nonlinearity, a)
    return _scaled(shape, in_axis, out_axis, fan_in, fan_out, dtype, out, seed, stream,
                   offset, region, 1.0, 1.0, nonlinearity, a, mode, "normal")


def he_uniform(shape, *, a=0.0, nonlinearity="relu", mode="fan_in", in_axis=-2, out_axis=-1,
               fan_in=None, fan_out=None, dtype=None, out=None, seed=None, stream=None, offset=0, region=None):
    """He/Kaiming uniform: U(-gain sqrt(3 / fan), +gain sqrt(3 / fan)); ±sqrt(6 / fan_in) for ReLU.

    Parameters are those of :func:`he_normal`.

    Examples
    --------
    >>> w = fastinit.he_uniform((784, 256), seed=0)
    """
    # U(+-gain sqrt(3 / fan(mode))), gain = calculate_gain(nonlinearity, a)
    return _scaled(shape, in_axis, out_axis, fan_in, fan_out, dtype, out, seed, stream,
                   offset, region, 1.0, 1.0, nonlinearity, a, mode, "uniform")


def xavier_normal(shape, gain=1.0, *, in_axis=-2, out_axis=-1, fan_in=None, fan_out=None,
                  dtype=None, out=None, seed=None, stream=None, offset=0, region=None):
    """Xavier/Glorot normal: N(0, gain^2 2 / (fan_in + fan_out)).

    Glorot & Bengio 2010, for tanh and sigmoid networks. (The source
    documents' "Xavier normal", N(0, 1 / fan_in), is :func:`lecun_normal`.)

    Examples
    --------
    >>> w = fastinit.xavier_normal((256, 128), seed=0)    # std sqrt(2/384)
    """
    # N(0, gain^2 / ((fan_in + fan_out) / 2))
    return _scaled(shape, in_axis, out_axis, fan_in, fan_out, dtype, out, seed, stream,
                   offset, region, 1.0, gain, None, None, "fan_avg", "normal")


def xavier_uniform(shape, gain=1.0, *, in_axis=-2, out_axis=-1, fan_in=None, fan_out=None,
                   dtype=None, out=None, seed=None, stream=None, offset=0, region=None):
    """Xavier/Glorot uniform: U(-gain sqrt(6 / (fan_in + fan_out)), +...).

    Keras' default kernel initializer.

    Examples
    --------
    >>> w = fastinit.xavier_uniform((256, 128), seed=0)
    """
    # U(+-gain sqrt(3 / ((fan_in + fan_out) / 2)))
    return _scaled(shape, in_axis, out_axis, fan_in, fan_out, dtype, out, seed, stream,
                   offset, region, 1.0, gain, None, None, "fan_avg", "uniform")


def lecun_normal(shape, *, in_axis=-2, out_axis=-1, fan_in=None, fan_out=None, dtype=None,
                 out=None, seed=None, stream=None, offset=0, region=None):
    """LeCun normal: N(0, 1 / fan_in).

    This is what the source documents call "Xavier normal"
    (``np.random.randn(n_in, n_out) * np.sqrt(1 / n_in)``).

    Examples
    --------
    >>> w = fastinit.lecun_normal((784, 256), seed=0)
    """
    # N(0, 1 / fan_in)
    return _scaled(shape, in_axis, out_axis, fan_in, fan_out, dtype, out, seed, stream,
                   offset, region, 1.0, 1.0, None, None, "fan_in", "normal")


def lecun_uniform(shape, *, in_axis=-2, out_axis=-1, fan_in=None, fan_out=None, dtype=None,
                  out=None, seed=None, stream=None, offset=0, region=None):
    """LeCun uniform: U(-sqrt(3 / fan_in), +sqrt(3 / fan_in)).

    Examples
    --------
    >>> w = fastinit.lecun_uniform((784, 256), seed=0)
    """
    # U(+-sqrt(3 / fan_in))
    return _scaled(shape, in_axis, out_axis, fan_in, fan_out, dtype, out, seed, stream,
                   offset, region, 1.0, 1.0, None, None, "fan_in", "uniform")


def constant(shape, value=0.0, *, dtype=None, out=None, seed=None, stream=None, offset=0,
             region=None):
    """Every weight ``value``: the documents' "what not to do", for experiments.

    ``seed``, ``stream`` and ``offset`` are accepted and ignored, so
    ``get(name)(shape, seed=...)`` works for every initializer.

    Examples
    --------
    >>> fastinit.constant((2, 3), 0.5)
    array([[0.5, 0.5, 0.5],
           [0.5, 0.5, 0.5]], dtype=float32)
    """
    return _constant(shape, value, dtype, out, seed, stream, offset, region)


def zeros(shape, *, dtype=None, out=None, seed=None, stream=None, offset=0, region=None):
    """All zeros (see :func:`constant`): no learning with ReLU or tanh.

    Examples
    --------
    >>> fastinit.zeros(3)
    array([0., 0., 0.], dtype=float32)
    """
    return _constant(shape, 0.0, dtype, out, seed, stream, offset, region)


def ones(shape, *, dtype=None, out=None, seed=None, stream=None, offset=0, region=None):
    """All ones (see :func:`constant`).

    Examples
    --------
    >>> fastinit.ones(3)
    array([1., 1., 1.], dtype=float32)
    """
    return _constant(shape, 1.0, dtype, out, seed, stream, offset, region)


def orthogonal(shape, gain=1.0, column_axis=-1, *, dtype=None, out=None, seed=None, stream=None,
               offset=0, region=None):
    """A (semi-)orthogonal weight (Saxe et al. 2014), times ``gain``.

    Q of the QR of a float64 normal draw, with the signs of R's diagonal
    folded in so Q is uniform (Haar); the axes other than ``column_axis``
    flatten into rows (JAX's convention). Needs at least 2 dimensions.
    Allocates its work arrays also with ``out=``.

    Examples
    --------
    >>> q = fastinit.orthogonal((64, 64), seed=0, dtype=np.float64)
    >>> np.allclose(q.T @ q, np.eye(64))
    True
    """
    if region is not None:
        raise ValueError("orthogonal cannot be tiled: every value depends on the whole draw "
                         "(QR); draw it whole and slice, or use an elementwise initializer")
    gain = _common.real(gain, "gain")
    shape, arr = _random.prepare(shape, dtype, out)   # out may be a tensor: arr is its view
    result = arr if out is None or isinstance(out, np.ndarray) else out   # the caller's object
    nd = len(shape)
    if nd < 2:
        raise ValueError(f"shape must have at least 2 dimensions for orthogonal, got {shape}")
    column_axis = _common.integer(column_axis, "column_axis", -nd, nd) % nd
    if abs(gain) > float(np.finfo(arr.dtype).max):
        raise ValueError(f"gain {gain} does not fit in {arr.dtype}")
    n_cols = shape[column_axis]
    n_rows = arr.size // n_cols if n_cols else 0
    tall = (n_rows, n_cols) if n_rows >= n_cols else (n_cols, n_rows)
    a = normal(tall, dtype=np.float64, seed=seed, stream=stream, offset=offset)
    if arr.size == 0:
        return result
    q, r = np.linalg.qr(a)
    q *= np.where(np.diagonal(r) >= 0, 1.0, -1.0)
    if n_rows < n_cols:
        q = q.T
    rest = tuple(d for i, d in enumerate(shape) if i != column_axis)
    q = np.moveaxis(q.reshape(rest + (n_cols,)), -1, column_axis)
    np.multiply(q, gain, out=arr, casting="unsafe")
    return result


kaiming_normal = he_normal
kaiming_uniform = he_uniform
glorot_normal = xavier_normal
glorot_uniform = xavier_uniform

_REGISTRY = {
    "he_normal": he_normal, "kaiming_normal": he_normal,
    "he_uniform": he_uniform, "kaiming_uniform": he_uniform,
    "xavier_normal": xavier_normal, "glorot_normal": xavier_normal,
    "xavier_uniform": xavier_uniform, "glorot_uniform": xavier_uniform,
    "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
    "variance_scaling": variance_scaling,
    "normal": normal, "uniform": uniform, "truncated_normal": truncated_normal,
    "zeros": zeros, "ones": ones, "constant": constant, "orthogonal": orthogonal,
}


def available():
    """The names :func:`get` accepts (aliases included), sorted."""
    return sorted(_REGISTRY)


def get(name):
    """The initializer called ``name`` (aliases such as "kaiming_normal" work).

    Examples
    --------
    >>> init = fastinit.get("glorot_uniform")
    >>> w = init((128, 64), seed=0)
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {name!r}")
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown initializer name {name!r}; available: {', '.join(available())}") from None
