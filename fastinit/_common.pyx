"""The argument rules shared by the draw and dense boundaries.

numpy's ``numpy/random/_common.pyx`` is the model: each rule is written once,
here, with the argument's name in its message, and the boundaries of
``_random.pyx`` and ``_dense.pyx`` apply them before any kernel runs. The
common case (a plain int, float, tuple or array) is decided in C without a
Python call; anything else takes the slower path that words the error.
"""
import numbers
import operator
import sys

import numpy as np

cimport numpy as cnp
from libc.math cimport isfinite, isnan

cdef extern from "Python.h":
    # declared here without Cython's error check: check_shape reads the -1
    Py_ssize_t PyLong_AsSsize_t(object) noexcept
    void PyErr_Clear() noexcept

cnp.import_array()

cdef extern from "src/halfconv.h" nogil:
    unsigned short fi_f32_to_f16(float f)
    unsigned short fi_f32_to_bf16(float f)

cdef cnp.dtype F32 = np.dtype(np.float32)
cdef cnp.dtype F64 = np.dtype(np.float64)
cdef double F32_MAX = float(np.finfo(np.float32).max)
cdef double F64_MAX = float(np.finfo(np.float64).max)
# Elements an array may hold: 2**59, so that even float64's bytes stay far
# inside a signed 64-bit size (numpy's own limit is the address space).
cdef Py_ssize_t MAX_SIZE = (<Py_ssize_t>1) << 59

# ---- threads ----------------------------------------------------------------
cdef int n_threads = 1
cdef int max_threads = 1


cdef int threads() noexcept:
    return n_threads


def set_threads(int n, int most):
    """Store the thread count the kernels use (checked by fastinit._threads)."""
    global n_threads, max_threads
    n_threads = n
    max_threads = most


def get_threads():
    return n_threads


# ---- numbers ------------------------------------------------------------------
cdef object check_int(object value, str name, object low=0, object high=None):
    """An int (not a bool) in [low, high): TypeError/ValueError naming ``name``."""
    if type(value) is not int:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be an int, got {value!r}")
        try:
            value = operator.index(value)
        except TypeError:
            raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}") from None
    if (low is not None and value < low) or (high is not None and value >= high):
        lo = "" if low is None else f">= {low}"
        hi = "" if high is None else f"< {high}"
        both = " and ".join(s for s in (lo, hi) if s)
        raise ValueError(f"{name} must be {both}, got {value}")
    return value


cdef double check_real(object value, str name, bint finite=True) except? -1.0:
    """A real number as a double: TypeError for non-numbers, ValueError for NaN
    (and for +-inf when ``finite``)."""
    cdef double v
    if type(value) is float:
        v = <double>value
    else:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
        if isinstance(value, (complex, np.complexfloating)):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
        try:
            v = float(value)
        except OverflowError:
            raise ValueError(f"{name} must be a finite number, got {value!r} (too large)") from None
    if isnan(v) or (finite and not isfinite(v)):
        raise ValueError(f"{name} must be a finite number, got {v}")
    return v


# ---- shapes and dtypes ----------------------------------------------------------
cdef tuple check_shape(object shape, Py_ssize_t *size, str name="shape"):
    """An int or a sequence of non-negative ints, as a tuple; its element
    count in size[0]. A shape too large for memory is a ValueError."""
    cdef Py_ssize_t n = 1, d
    cdef bint zero = False, big = False
    cdef object dim
    if type(shape) is tuple and len(<tuple>shape) <= cnp.NPY_MAXDIMS:
        for dim in <tuple>shape:
            if type(dim) is not int:
                return slow_shape(shape, size, name)
            d = PyLong_AsSsize_t(dim)           # no try block: a cheaper loop
            if d < 0:                           # negative, or -1 for too big
                PyErr_Clear()
                return slow_shape(shape, size, name)
            if d == 0:
                zero = True
            elif n > MAX_SIZE // d:
                big = True
            else:
                n *= d
        if zero:
            size[0] = 0
            return <tuple>shape
        if not big:
            size[0] = n
            return <tuple>shape
    return slow_shape(shape, size, name)


cdef tuple slow_shape(object shape, Py_ssize_t *size, str name):
    """Every shape numpy's ``empty`` accepts: an int or an object with
    ``__index__`` (a 0-d integer array too), or a tuple, list, range or 1-D
    integer array of them; bools and floats are refused."""
    if isinstance(shape, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {type(shape).__name__} {shape!r}")
    if isinstance(shape, np.ndarray):
        if shape.dtype.kind not in "iu" or shape.ndim > 1:
            raise TypeError(f"{name} as an array must be a 0-d or 1-D integer array, "
                            f"got {shape.ndim}-D {shape.dtype}")
        shape = shape.tolist()
    if not isinstance(shape, (tuple, list, range)):
        try:
            shape = (operator.index(shape),)
        except TypeError:
            raise TypeError(f"{name} must be an int or a tuple of ints, "
                            f"got {type(shape).__name__} {shape!r}") from None
    dims = []
    for d in shape:
        if isinstance(d, (bool, np.bool_)):
            raise TypeError(f"{name} must hold ints, got {d!r} in {tuple(shape)!r}")
        try:
            d = operator.index(d)
        except TypeError:
            raise TypeError(f"{name} must hold ints, got {d!r} in {tuple(shape)!r}") from None
        if d < 0:
            raise ValueError(f"{name} must hold non-negative ints, got {tuple(shape)!r}")
        dims.append(d)
    if len(dims) > cnp.NPY_MAXDIMS:
        raise ValueError(f"{name} has {len(dims)} dimensions; at most {cnp.NPY_MAXDIMS} are allowed")
    for d in dims:
        if d > MAX_SIZE:
            raise ValueError(f"{name} {tuple(dims)} has a dimension of {d}: too large for memory "
                             f"(at most {MAX_SIZE} elements)")
    total = 1
    for d in dims:
        total *= d
    if total > MAX_SIZE:
        raise ValueError(f"{name} {tuple(dims)} holds {total} elements: too many for memory "
                         f"(at most {MAX_SIZE})")
    size[0] = total
    return tuple(dims)


# ---- the draws' low-precision dtypes ----------------------------------------------
# float16 and bfloat16 draws are the float32 draw of the same index, rounded to
# nearest-even. bfloat16 arrays come from ml_dtypes when it is installed; without
# it, a uint16 (or int16) out= with dtype="bfloat16" receives the bfloat16 bits.
cdef cnp.dtype F16 = np.dtype(np.float16)
cdef cnp.dtype U16 = np.dtype(np.uint16)        # bfloat16 bits
cdef cnp.dtype I16 = np.dtype(np.int16)         # bfloat16 bits (a torch tensor viewed as int16)
cdef double F16_MAX = 65504.0
cdef double BF16_MAX = 3.3895313892515355e38
cdef object BF16 = None                         # ml_dtypes.bfloat16's dtype, once imported


cdef object bfloat16():
    """ml_dtypes' bfloat16 dtype, or None without ml_dtypes."""
    global BF16
    if BF16 is None:
        try:
            import ml_dtypes
        except ImportError:
            return None
        BF16 = np.dtype(ml_dtypes.bfloat16)
    return BF16


cdef bint names_bfloat16(object dtype):
    if isinstance(dtype, str):
        return dtype == "bfloat16"
    return getattr(dtype, "__name__", None) == "bfloat16" or (
        isinstance(dtype, np.dtype) and dtype.name == "bfloat16")


cdef cnp.dtype check_dtype(object dtype, str name="dtype", bint halves=False):
    """float32 (also for None) or float64 as a numpy dtype; with ``halves``
    (a draw's dtype) also float16 and bfloat16 (ml_dtypes' dtype; without
    ml_dtypes a TypeError that says how to receive the bits). TypeError
    naming ``name`` otherwise."""
    if dtype is None or dtype is np.float32 or dtype is F32:
        return F32
    if dtype is np.float64 or dtype is F64 or dtype is float:
        return F64
    kinds = "float32, float64, float16 or bfloat16" if halves else "float32 or float64"
    if halves and names_bfloat16(dtype):
        bf = bfloat16()
        if bf is None:
            raise TypeError(f"{name} bfloat16 needs the ml_dtypes package for its arrays "
                            "(pip install ml_dtypes); without it, pass out= a uint16 array, "
                            "which receives the bfloat16 bits")
        return <cnp.dtype>bf
    try:
        dt = np.dtype(dtype)
    except Exception:
        raise TypeError(f"{name} must be {kinds}, got {dtype!r}") from None
    if dt == F32:
        return F32
    if dt == F64:
        return F64
    if halves and dt == F16:
        return F16
    raise TypeError(f"{name} must be {kinds}, got {dt}")


cdef double dtype_max(cnp.dtype dtype) noexcept:
    if dtype is F64:
        return F64_MAX
    if dtype is F16:
        return F16_MAX
    if dtype is F32:
        return F32_MAX
    return BF16_MAX


cdef bint single(cnp.dtype dt) noexcept:
    """Whether a draw of ``dt`` is computed in float32 (float32, float16, bfloat16)."""
    return dt is not F64


def float16_bits(double v):
    """The float16 bits of float32(v), as the fills round (tests)."""
    return fi_f32_to_f16(<float>v)


def bfloat16_bits(double v):
    """The bfloat16 bits of float32(v), as the fills round (tests)."""
    return fi_f32_to_bf16(<float>v)


# ---- out= ----------------------------------------------------------------------
cdef object as_out(object out, str name="out", bint checked_later=False):
    """``out`` as an ndarray sharing its memory: an ndarray itself, else a
    DLPack exporter (a torch tensor) or a buffer (a memoryview) seen through
    numpy, zero-copy. None stays None. The layout rules come after.
    ``checked_later``: the caller checks a tensor's storage right before it
    writes (the draws: same_storage), so it is not checked twice; making
    the view writes nothing."""
    if out is None or isinstance(out, cnp.ndarray):
        return out
    cdef bint plain = plain_tensor(out)
    if plain or hasattr(out, "__dlpack__"):
        if plain or hasattr(out, "untyped_storage"):
            if not checked_later:
                check_storage(out, name)
            if out.is_neg() or out.is_conj():
                # DLPack exports such a view, and the values written would
                # read back negated (or conjugated)
                raise TypeError(f"{name} is a torch view with the negative or conjugate bit set: "
                                "values written to its memory would read back negated; fill "
                                "the tensor it views, or use fastinit.torch, which handles it")
            view = tensor_view(out)
            if view is not None:
                return view
        try:
            return np.from_dlpack(out)
        except Exception as e:
            raise TypeError(f"{name} could not be read through DLPack ({e}); pass a CPU array or "
                            "tensor that does not require grad") from None
    try:
        view = memoryview(out)
    except TypeError:
        raise TypeError(f"{name} must be a numpy.ndarray or a writable buffer (DLPack or the buffer "
                        f"protocol), got {type(out).__name__}") from None
    return np.asarray(view)


cdef dict TORCH_TYPES = None      # torch dtype -> numpy type number, made at the first tensor
cdef object TORCH_STRIDED = None
cdef tuple TORCH_PLAIN = ()       # torch.Tensor, torch.nn.Parameter


cdef bint plain_tensor(object t) noexcept:
    """Whether ``t`` is a torch.Tensor or nn.Parameter, not a subclass (known
    once tensor_view has seen a tensor: False before, and the callers then
    probe with hasattr as for any other object)."""
    return type(t) in TORCH_PLAIN


cdef bint know_torch() noexcept:
    """Read torch's types once, when torch is imported (False before)."""
    global TORCH_TYPES, TORCH_STRIDED, TORCH_PLAIN
    if TORCH_TYPES is None:
        torch = sys.modules.get("torch")
        if torch is None:
            return False
        # bfloat16 is viewed as its bits; out_dtype reads the view's base
        TORCH_TYPES = {torch.float32: cnp.NPY_FLOAT32, torch.float64: cnp.NPY_FLOAT64,
                       torch.float16: cnp.NPY_FLOAT16, torch.int16: cnp.NPY_INT16,
                       torch.bfloat16: cnp.NPY_UINT16}
        TORCH_STRIDED = torch.strided
        TORCH_PLAIN = (torch.Tensor, torch.nn.Parameter)
    return True


cdef object tensor_view(object t):
    """A plain CPU torch tensor's memory as an ndarray (its base the
    tensor), made from the tensor's data pointer, shape and strides: a
    fraction of the DLPack round trip's cost, and unlike ``Tensor.numpy()``
    it leaves the storage resizable. None for what DLPack decides (and
    words the error for): a subclass (whose methods may run Python code),
    another device or layout, a dtype numpy lacks, a tensor that requires
    grad. (as_out has refused a negative or conjugate bit already.)"""
    cdef cnp.npy_intp dims[64]
    cdef cnp.npy_intp steps[64]
    cdef int nd, k
    if not know_torch() or type(t) not in TORCH_PLAIN:
        return None
    num = TORCH_TYPES.get(t.dtype)
    if num is None or not t.is_cpu or t.requires_grad or t.layout is not TORCH_STRIDED:
        return None
    nd = t.dim()
    if nd > cnp.NPY_MAXDIMS:
        return None
    shape = t.shape
    strides = t.stride()
    item = t.element_size()
    for k in range(nd):
        dims[k] = shape[k]
        steps[k] = strides[k] * item
    view = cnp.PyArray_New(cnp.ndarray, nd, dims, num, steps, <void *><size_t>t.data_ptr(), 0,
                           cnp.NPY_ARRAY_WRITEABLE, None)   # numpy works out the alignment
    cnp.set_array_base(view, t)
    return view


def fill_view(t):
    """fastinit.torch's way into a tensor it fills in place: the memory of a
    plain, contiguous CPU tensor of float32, float64, float16 or bfloat16
    (its bits), without a negative or conjugate bit, not an inference
    tensor, as an ndarray whose base is the tensor; None for anything else
    (fastinit.torch then takes its general path). A tensor that requires
    grad is viewed too: the caller writes as torch's in-place ops do and
    bumps the version. A draw into the view checks the tensor's storage
    again right before its kernel, with the GIL held to the end (finish),
    as for the tensor itself."""
    cdef cnp.npy_intp dims[64]
    cdef int nd, k, num
    if not know_torch() or type(t) not in TORCH_PLAIN:
        return None
    found = TORCH_TYPES.get(t.dtype)
    if found is None:
        return None
    num = found
    # real dtypes only, so no conjugate bit; contiguous, so C order's
    # strides reach the same memory (torch lets a size-1 axis have any)
    if (num == cnp.NPY_INT16 or not t.is_cpu or t.layout is not TORCH_STRIDED
            or not t.is_contiguous() or t.is_neg() or t.is_inference()):
        return None
    shape = t.shape
    nd = len(shape)
    if nd > cnp.NPY_MAXDIMS:
        return None
    for k in range(nd):
        dims[k] = shape[k]
    cdef size_t data = t.data_ptr()
    if data == 0:                       # a freed storage, or no elements: the general path says
        return None
    view = cnp.PyArray_New(cnp.ndarray, nd, dims, num, NULL, <void *>data, 0,
                           cnp.NPY_ARRAY_WRITEABLE, None)   # numpy works out the rest
    cnp.set_array_base(view, t)
    return view


cdef object torch_base(object out):
    """The plain torch tensor an ndarray views (the base fill_view and
    Tensor.numpy() give it), or None."""
    if TORCH_TYPES is None or type(out) is not cnp.ndarray:
        return None
    base = cnp.get_array_base(<cnp.ndarray>out)
    return base if base is not None and type(base) in TORCH_PLAIN else None


cdef bint bfloat16_tensor(object view):
    """Whether ``view`` is tensor_view's uint16 view of a torch bfloat16 tensor."""
    base = cnp.get_array_base(<cnp.ndarray>view)
    return base is not None and type(base) in TORCH_PLAIN and base.dtype is sys.modules["torch"].bfloat16


cdef Py_ssize_t check_storage(object t, str name) except -2:
    """A torch tensor's storage must hold every element its shape and strides
    reach: a storage resized smaller (frameworks free storages this way)
    still exports a full-size DLPack view, which a fill would overrun. The
    draw holds the GIL from here to its end, so no Python thread resizes
    the storage meanwhile. Returns the address of the tensor's first
    element, or -1 where there is nothing to check (another device, no
    elements)."""
    if not t.is_cpu:
        return -1
    cdef Py_ssize_t item = t.element_size(), offset = t.storage_offset(), reach
    if t.is_contiguous():               # the common case, without a loop over the axes
        reach = t.numel()
        if reach == 0:
            return -1
        reach += offset
    else:
        reach = offset + 1
        for size, stride in zip(t.shape, t.stride()):
            if size == 0:
                return -1
            reach += (size - 1) * stride
    storage = t.untyped_storage()
    have = storage.nbytes()
    if have < reach * item:
        raise ValueError(f"{name}'s storage holds {have} bytes, but its shape and strides reach "
                         f"{reach * item}: it was resized or freed")
    return <Py_ssize_t>(<size_t>storage.data_ptr() + <size_t>(offset * item))


cdef int same_storage(object t, cnp.ndarray view, str name="out") except -1:
    """Right before a kernel writes through ``view`` (a view of the torch
    tensor ``t``), with the GIL held: the storage still holds every
    element, and still at the view's address. Only C methods of torch run
    here, so no other Python thread can run between this check and the
    kernel (exporting the view may run torch's Python ``__dlpack__``, where
    one could resize the storage)."""
    cdef Py_ssize_t first = check_storage(t, name)
    if first != -1 and <size_t>first != <size_t>cnp.PyArray_DATA(view):
        raise ValueError(f"{name}'s storage was resized or moved by another thread while the call "
                         "was being set up; nothing was written")
    return 0


cdef int within_storage(object t, cnp.ndarray view, str name="out") except -1:
    """Right before a kernel writes through ``view``, an ndarray whose base
    is the torch tensor ``t`` (fill_view's, or a slice of ``t.numpy()``),
    with the GIL held: every byte the view reaches lies inside t's storage
    as it is now (a storage resized or freed since the view was made fails,
    unless its new memory still holds the whole view)."""
    if not t.is_cpu or cnp.PyArray_SIZE(view) == 0:
        return 0
    cdef Py_ssize_t k, step, low = 0, high = view.itemsize
    for k in range(view.ndim):
        step = (view.shape[k] - 1) * view.strides[k]
        if step < 0:
            low += step
        else:
            high += step
    storage = t.untyped_storage()
    cdef size_t start = <size_t>storage.data_ptr(), first = <size_t>cnp.PyArray_DATA(view)
    cdef size_t have = storage.nbytes()
    if not start + <size_t>(-low) <= first:
        raise ValueError(f"{name}'s storage was resized or moved: its memory is no longer where "
                         "the array viewing it points; nothing was written")
    if first - start + <size_t>high > have:
        raise ValueError(f"{name}'s storage holds {have} bytes, but the array viewing it reaches "
                         f"{first - start + <size_t>high}: it was resized or freed; nothing was written")
    return 0


def out_view(out, name="out"):
    """as_out for Python callers."""
    return as_out(out, name)


cdef cnp.dtype out_dtype(object out, object dtype, str name="out", bint halves=False):
    """The dtype to fill: ``dtype`` (float32 if None), or with ``out`` given,
    out's, which a given ``dtype`` must match (numpy's rule). ``halves``:
    a draw, which also takes float16 and bfloat16 (a uint16/int16 out= with
    dtype="bfloat16" takes the bits)."""
    cdef cnp.dtype dt
    if out is None:
        return check_dtype(dtype, "dtype", halves)
    if type(out) is not cnp.ndarray and not isinstance(out, cnp.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
    dt = (<cnp.ndarray>out).descr
    if dt is F32 or dt is F64:
        pass
    elif not dt.isnative:
        raise ValueError(f"{name} must be in native byte order, got {dt.str}")
    elif dt == F32:
        dt = F32
    elif dt == F64:
        dt = F64
    elif halves and dt == F16:
        dt = F16
    elif halves and dt.name == "bfloat16":
        dt = <cnp.dtype>bfloat16()
    elif halves and (dt == U16 or dt == I16) and dtype is not None and names_bfloat16(dtype):
        return U16
    elif halves and dt == U16 and bfloat16_tensor(out):
        dt = U16                    # a torch bfloat16 tensor's bits: dtype may name bfloat16
        if dtype is not None and not names_bfloat16(dtype):
            raise TypeError(f"dtype {dtype!r} disagrees with {name}.dtype bfloat16")
        return dt
    else:
        kinds = "float32, float64, float16 or bfloat16" if halves else "float32 or float64"
        hint = (" (a uint16 out= takes bfloat16 bits with dtype='bfloat16')"
                if halves and (dt == U16 or dt == I16) else "")
        got = "bfloat16 (a torch tensor)" if bfloat16_tensor(out) else str(dt)
        raise TypeError(f"{name} must have dtype {kinds}, got {got}{hint}")
    if dtype is not None and check_dtype(dtype, "dtype", halves) is not dt:
        raise TypeError(f"dtype {dtype!r} disagrees with {name}.dtype {dt}")
    return dt


cdef cnp.ndarray check_out(object out, tuple shape, cnp.dtype dtype, str name="out"):
    """``out`` after numpy's check_output rules: an ndarray of ``dtype`` (as
    out_dtype returned it), writable, C-contiguous, aligned, of ``shape``."""
    cdef cnp.ndarray a = <cnp.ndarray>out
    cdef int flags = cnp.PyArray_FLAGS(a)
    if not flags & cnp.NPY_ARRAY_WRITEABLE:
        raise ValueError(f"{name} must be writable")
    if not flags & cnp.NPY_ARRAY_C_CONTIGUOUS:
        raise ValueError(f"{name} must be C-contiguous")
    if not flags & cnp.NPY_ARRAY_ALIGNED:
        raise ValueError(f"{name} must be aligned")
    if shape is not None and not same_shape(a, shape):
        raise ValueError(f"{name} has shape {(<object>a).shape}, expected {shape}")
    return a


cdef inline bint same_shape(cnp.ndarray a, tuple shape):
    cdef int k, nd = cnp.PyArray_NDIM(a)
    if nd != len(shape):
        return False
    for k in range(nd):
        if cnp.PyArray_DIM(a, k) != <cnp.npy_intp>shape[k]:
            return False
    return True


# ---- memory overlap ------------------------------------------------------------
cdef inline void extent(cnp.ndarray a, char **lo, char **hi) noexcept:
    """The bytes [lo, hi) that a's elements can touch."""
    cdef char *p = <char *>cnp.PyArray_DATA(a)
    cdef char *first = p
    cdef char *last = p
    cdef int k
    cdef Py_ssize_t step
    if cnp.PyArray_SIZE(a) == 0:
        lo[0] = hi[0] = p
        return
    for k in range(cnp.PyArray_NDIM(a)):
        step = cnp.PyArray_STRIDE(a, k) * (cnp.PyArray_DIM(a, k) - 1)
        if step < 0:
            first += step
        else:
            last += step
    lo[0] = first
    hi[0] = last + cnp.PyArray_ITEMSIZE(a)


cdef bint overlaps(cnp.ndarray a, cnp.ndarray b) except -1:
    """Whether a and b share memory: decided by their extents when those are
    apart, else exactly (numpy's shares_memory, bounded work; too hard counts
    as shared)."""
    cdef char *alo
    cdef char *ahi
    cdef char *blo
    cdef char *bhi
    extent(a, &alo, &ahi)
    extent(b, &blo, &bhi)
    if ahi <= blo or bhi <= alo:
        return False
    if cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_IS_C_CONTIGUOUS(b):
        return True
    try:
        return np.shares_memory(a, b, max_work=10000)
    except np.exceptions.TooHardError:
        return True


# ---- the same rules for Python callers (initializers, nn, data, cli) --------------
def integer(value, name, low=0, high=None):
    """An int (not a bool) in [low, high): TypeError/ValueError naming ``name``."""
    return check_int(value, name, low, high)


def real(value, name, finite=True):
    """A real number as a float: TypeError/ValueError naming ``name``."""
    return check_real(value, name, finite)


def float_dtype(dtype, name="dtype"):
    """float32 (also for None) or float64 as a numpy dtype; TypeError naming ``name``."""
    return check_dtype(dtype, name)
