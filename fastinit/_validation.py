"""Argument checks shared by the random, initializer and dense modules.

Every check raises before anything is written, with the argument's name in
the message (numpy's ``check_output`` rules for ``out=``).
"""
import math
import numbers
import operator

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
MAX_INDEX = 1 << 63


def check_int(value, name, *, low=0, high=None):
    """An int (not a bool) in [low, high); TypeError/ValueError otherwise."""
    if type(value) is int and value >= low and (high is None or value < high):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}") from None
    if value < low or (high is not None and value >= high):
        upper = "" if high is None else f" and < {high}"
        raise ValueError(f"{name} must be >= {low}{upper}, got {value}")
    return value


def check_real(value, name, *, finite=True):
    """A real number as a float; TypeError for non-numbers, ValueError for NaN."""
    if type(value) is float and (math.isfinite(value) or (not finite and not math.isnan(value))):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value) or (finite and math.isinf(value)):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def check_shape(shape, name="shape"):
    """An int or a sequence of non-negative ints, as a tuple."""
    if type(shape) is tuple and all(type(d) is int and d >= 0 for d in shape):
        return shape
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(
            f"{name} must be an int or a tuple of ints, got {type(shape).__name__} {shape!r}"
        )
    dims = []
    for d in shape:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} must hold ints, got {d!r} in {tuple(shape)!r}")
        if d < 0:
            raise ValueError(f"{name} must hold non-negative ints, got {tuple(shape)!r}")
        dims.append(int(d))
    return tuple(dims)


def check_dtype(dtype, name="dtype"):
    """float32 or float64 as a numpy dtype; TypeError otherwise."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{name} must be float32 or float64, got {dt}")
    return dt


def check_out(out, shape, dtype, name="out"):
    """The dtype to fill, after checking ``out`` against ``shape``/``dtype``.

    ``shape`` may be None (take out's); ``dtype`` may be None (take out's).
    """
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
    dt = out.dtype
    if not dt.isnative:
        raise ValueError(f"{name} must be in native byte order, got {dt.str}")
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{name} must have dtype float32 or float64, got {dt}")
    if dtype is not None and check_dtype(dtype) != dt:
        raise TypeError(f"dtype {np.dtype(dtype)} disagrees with {name}.dtype {dt}")
    flags = out.flags
    if not flags.writeable:
        raise ValueError(f"{name} must be writable")
    if not flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
    if not flags.aligned:
        raise ValueError(f"{name} must be aligned")
    if shape is not None and out.shape != shape:
        raise ValueError(f"{name} has shape {out.shape}, expected {tuple(shape)}")
    return dt


def prepare_out(shape, dtype, out):
    """(array to fill, scalar result wanted) for a draw of ``shape``.

    ``shape`` is a checked tuple or None. None with no out is a scalar draw;
    with out, None means out's shape. Checks everything, writes nothing.
    """
    if out is not None:
        check_out(out, shape, dtype)
        return out, False
    dt = _F32 if dtype is None else check_dtype(dtype)
    if shape is None:
        return np.empty((), dtype=dt), True
    return np.empty(shape, dtype=dt), False


_F32 = np.dtype(np.float32)


def check_offset(offset, size):
    offset = check_int(offset, "offset")
    if offset + size > MAX_INDEX:
        raise ValueError(f"offset + size must be <= 2**63, got offset={offset}, size={size}")
    return offset
