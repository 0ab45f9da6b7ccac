"""The draw boundary: every public draw and initializer call lands here.

One function per kind of call (``uniform``, ``normal``, ``truncated_normal``,
``scaled`` for the variance-scaling initializers, ``constant``, ``raw``)
takes the public call's arguments as they came, applies the argument rules
(docs/guide/initializers.rst, "Bad input"; ``_common.pyx`` holds the shared
ones), works out the fans and the scale, reserves the stream last, so a failed call uses
none, and makes one call into the C fills of ``src/`` with the GIL released.
The Python modules above (``random.py``, ``initializers.py``) hold the
signatures and docstrings, name each initializer's scale, and check only
what is theirs alone (``orthogonal``'s shape, a Generator's own arguments).

The flat output is split into chunks over ``prange``; every value depends
only on its own index, so the split never shows.
"""
import numpy as np

cimport numpy as cnp
from cpython.long cimport PyLong_AsDouble
from cpython.ref cimport Py_INCREF
from cython.parallel cimport prange
from libc.math cimport fabs, isfinite, nextafterf, sqrt, INFINITY, log, exp
from libc.stdint cimport uint16_t, uint32_t, uint64_t, int64_t

from fastinit._common cimport (
    threads, check_int, check_real, check_shape, as_out, out_dtype, check_out,
    dtype_max, single, same_storage, plain_tensor, torch_base,
    within_storage,
)
from fastinit._fills cimport (
    fi_key_t, fi_trunc_t, fi_philox4x32_10, fi_fill_raw,
    fi_fill_uniform_f32, fi_fill_uniform_f64, fi_fill_normal_f32,
    fi_fill_normal_f64, fi_fill_truncnorm_f32, fi_fill_truncnorm_f64,
    fi_ndtri, fi_log_ndtr_upper, fi_cpu_level, fi_simd_select, fi_simd_level, fi_simd_level_name,
    fi_simd_join, fi_family_select_fn, fi_simd_scalar_fma, fi_simd_fma_emulate,
)
from fastinit._openmp cimport (
    fi_have_openmp, fi_omp_max_threads, fi_omp_runtime, fi_compiler, fi_build_flags,
    fi_parallel_for,
)

cnp.import_array()


cdef extern from "numpy/arrayobject.h":
    # subtype a PyTypeObject *, descr a PyArray_Descr * (stolen), obj a PyObject *
    object PyArray_NewFromDescr(void *subtype, void *descr, int nd, cnp.npy_intp *dims,
                                cnp.npy_intp *strides, void *data, int flags, void *obj)

cdef extern from "src/halfconv.h" nogil:
    void fi_f32_to_f16_n(const float *src, uint16_t *out, int64_t n)
    void fi_f32_to_bf16_n(const float *src, uint16_t *out, int64_t n)
    uint16_t fi_f32_to_bf16(float f)
    uint16_t fi_f32_to_f16(float f)

# What a fill writes: float32, float64, or float16/bfloat16 bits (uint16).
ctypedef fused value_t:
    float
    double
    uint16_t

# float16/bfloat16 fills make float32 values this many at a time, then round.
cdef enum:
    HALF_BLOCK = 1024

# Values per parallel task, and the size under which one thread is faster.
cdef Py_ssize_t FILL_CHUNK = 1 << 15
cdef Py_ssize_t FILL_PARALLEL_MIN = 1 << 16
# Fills of at most this many values keep the GIL: releasing and taking it
# back costs more than such a fill (a few microseconds at most).
cdef Py_ssize_t FILL_KEEP_GIL = 1 << 12

cdef uint64_t MAX_INDEX = (<uint64_t>1) << 63
cdef object U64_END = 1 << 64

# |z| of a Box-Muller normal is at most sqrt(-2 ln 2^-32) = 6.6604 (float32)
# and sqrt(-2 ln 2^-53) = 8.5716 (float64); a truncated normal's open side
# reaches at most 9 beyond the finite bound or 0. The range checks use these.
cdef double Z_MAX_F32 = 6.6605
cdef double Z_MAX_F64 = 8.5717
cdef double TAIL_REACH = 10.0
# std of N(0, 1) truncated to [-2, 2]: dividing by it keeps the variance.
cdef double TRUNCATED_STD = 0.87962566103423978

cdef cnp.dtype F32 = np.dtype(np.float32)
cdef cnp.dtype F64 = np.dtype(np.float64)

ctypedef enum dist_t:
    UNIFORM
    NORMAL
    TRUNCNORM

ctypedef struct params_t:
    double a            # uniform: low; normal: mean
    double b            # uniform: high; normal: std
    fi_trunc_t trunc    # truncated normal
    int half            # uint16 output: 1 float16, 2 bfloat16
    bint clamp          # uniform into float16/bfloat16: float32 values kept in [lo16, hi16]
    float lo16          # the smallest value of the half type >= low
    float hi16          # the largest value of the half type < high


# ---- build facts and the SIMD level ---------------------------------------------
# The SIMD levels by name, narrowest first: scalar, avx2, avx512 on x86-64;
# scalar, neon on aarch64.
LEVELS = tuple(dict.fromkeys(fi_simd_level_name(k).decode() for k in range(3)))


def have_openmp():
    return bool(fi_have_openmp())


def omp_max_threads():
    return fi_omp_max_threads()


def omp_runtime():
    """The file of the OpenMP runtime the kernels call ("" without OpenMP or
    where the platform cannot say)."""
    return fi_omp_runtime().decode(errors="replace")


def build_info():
    """(compiler, flags) the extension was built with."""
    return fi_compiler().decode(errors="replace"), fi_build_flags().decode(errors="replace")


def cpu_simd_level():
    """The widest SIMD level this CPU runs."""
    return fi_simd_level_name(fi_cpu_level()).decode()


def simd_level():
    """The SIMD level the fills and the dense passes use now."""
    return fi_simd_level_name(fi_simd_level()).decode()


def set_simd_level(level):
    """Cap the SIMD level of every kernel at ``level`` (a name of LEVELS;
    capped again by the CPU); returns the level in use. Every level gives the
    same bits. Call it while no kernel runs (tests, benchmarks)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    return LEVELS[fi_simd_select(LEVELS.index(level))]


def scalar_fma():
    """Whether the scalar level's normal fills use the CPU's fused
    multiply-add (True) or emulate it exactly (False: an x86-64 CPU without
    FMA; the same bits, about 10x slower normals at that level)."""
    return bool(fi_simd_scalar_fma())


def emulate_fma(bint on):
    """Make the scalar level emulate the fused multiply-add even on a CPU
    that has it (tests: both give the same bits); False goes back."""
    fi_simd_fma_emulate(on)


cdef int join_simd_family(fi_family_select_fn select) noexcept:
    """Make a kernel family compiled into another extension (the dense
    passes) follow every level chosen here; it takes the current one now."""
    return fi_simd_join(select)


# The CPU's widest level until fastinit._threads applies FASTINIT_SIMD.
fi_simd_select(len(LEVELS) - 1)


# ---- scalar helpers for the tests --------------------------------------------------
def philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                  uint32_t k0, uint32_t k1):
    cdef uint32_t out[4]
    fi_philox4x32_10(c0, c1, c2, c3, k0, k1, out)
    return (out[0], out[1], out[2], out[3])


def ndtri(double p):
    """Standard normal quantile (AS241), as the truncated normal uses it."""
    return fi_ndtri(p)


def log_ndtr_upper(double x):
    """log P(Z > x) for Z ~ N(0, 1), as the truncated normal uses it."""
    return fi_log_ndtr_upper(x)


# ---- keys and streams ------------------------------------------------------------------
cdef class Streams:
    """A Philox key and the next stream to reserve: the C-level state of
    :class:`fastinit.Generator`. Reserving happens with the GIL held, so it is
    atomic across Python threads."""
    cdef uint32_t k0, k1
    cdef uint64_t next_stream

    def _set_key(self, uint32_t k0, uint32_t k1):
        self.k0 = k0
        self.k1 = k1
        self.next_stream = 0

    @property
    def key(self):
        """The two Philox key words."""
        return (self.k0, self.k1)

    @property
    def next_stream(self):
        """The stream the next draw without ``stream=`` reserves."""
        return self.next_stream

    def reserve_stream(self):
        """Reserve the next stream now and return its number (atomic under the GIL)."""
        return self.reserve()

    def _set_next(self, uint64_t n):
        self.next_stream = n

    cdef uint64_t reserve(self) except? 0xffffffffffffffff:
        cdef uint64_t s = self.next_stream
        if s == 0xffffffffffffffff:
            raise ValueError("this generator has used all 2**64 streams")
        self.next_stream = s + 1
        return s


cdef Streams global_streams = None
cdef dict KEYS = {}


def set_global(Streams g):
    """Make ``g`` the generator of module-level draws with ``seed=None``."""
    global global_streams
    global_streams = g


def get_global():
    return global_streams


def check_seed(seed):
    """None, or an int >= 0 for numpy.random.SeedSequence."""
    return None if seed is None else check_int(seed, "seed")


cdef object LAST_SEED = None     # the int seed key_of saw last, and its key
cdef tuple LAST_KEY = None


cdef tuple key_of(object seed):
    """The key of ``Generator(seed)`` for an int seed (cached: the same int
    object as the last call's, as small ints and a loop's seed are, costs
    one comparison)."""
    global LAST_SEED, LAST_KEY
    if seed is LAST_SEED and seed is not None:
        return LAST_KEY
    key = KEYS.get(seed) if type(seed) is int else None
    if key is None:
        seed = check_int(seed, "seed")
        k = np.random.SeedSequence(seed).generate_state(2, np.uint32)
        key = (int(k[0]), int(k[1]))
        if len(KEYS) >= 256:
            KEYS.clear()
        KEYS[seed] = key
    if type(seed) is int:
        LAST_SEED, LAST_KEY = seed, <tuple>key
    return <tuple>key


def seed_key(seed):
    """The key words of ``Generator(seed)`` for an int seed (key_of's cache)."""
    return key_of(seed)


cdef struct source_t:
    uint32_t k0, k1
    uint64_t stream
    bint reserve          # take the generator's next stream at the end


cdef Streams resolve(object seed, object stream, source_t *src):
    """Key and stream of a draw (docs/guide/reproducibility.rst): None is the
    global generator, a Generator is used as it is (both reserve their next
    stream unless ``stream=``), an int is Generator(int)'s first stream. Checks
    everything; reserves nothing (``take_stream`` does, last). Returns the
    generator to reserve from, or None."""
    cdef Streams g
    cdef tuple key
    if seed is None or isinstance(seed, Streams):
        g = global_streams if seed is None else <Streams>seed
        src.k0 = g.k0
        src.k1 = g.k1
        src.reserve = stream is None
        src.stream = 0 if stream is None else check_stream(stream)
        return g
    key = key_of(seed)
    src.k0 = key[0]
    src.k1 = key[1]
    src.reserve = False
    src.stream = 0 if stream is None else check_stream(stream)
    return None


cdef inline uint64_t check_stream(object stream) except? 0xffffffffffffffff:
    if type(stream) is int and 0 <= stream < 0x7fffffffffffffff:
        return <uint64_t>stream
    return <uint64_t>check_int(stream, "stream", 0, U64_END)


cdef inline uint64_t check_offset(object offset, Py_ssize_t size) except? 0xffffffffffffffff:
    cdef uint64_t k
    if type(offset) is int and offset == 0:
        return 0
    value = check_int(offset, "offset", 0)
    if value + size > MAX_INDEX:
        raise ValueError(f"offset + size must be <= 2**63, got offset={value}, size={size}")
    k = <uint64_t>value
    return k


cdef inline int take_stream(source_t *src, Streams gen) except -1:
    if src.reserve:
        src.stream = gen.reserve()
    return 0


# ---- the output ----------------------------------------------------------------------
cdef cnp.ndarray new_array(tuple shape, cnp.dtype dt):
    cdef cnp.npy_intp dims[64]
    cdef int nd = len(shape), k
    for k in range(nd):
        dims[k] = shape[k]
    try:
        # np.empty's own constructor, from the dtype object at hand (it
        # steals a reference): no type-number lookup, no fill of floats
        Py_INCREF(dt)
        return PyArray_NewFromDescr(<void *>cnp.ndarray, <void *>dt, nd, dims, NULL, NULL, 0, NULL)
    except MemoryError:
        raise ValueError(f"shape {shape} of {dt} needs {dt.itemsize * np.prod(shape, dtype=object)} "
                         "bytes, which cannot be allocated") from None


cdef struct target_t:
    Py_ssize_t size       # values in the full draw
    bint scalar           # shape None and no out: return a scalar
    bint tiled            # region= given: fill only start[k] .. start[k] + count[k] per axis
    int nd
    Py_ssize_t full[64]
    Py_ssize_t start[64]
    Py_ssize_t count[64]


cdef tuple target_shape(object shape, object out, target_t *t, object region=None):
    """The checked shape of a draw: ``shape`` (None with out: out's; None
    without: a scalar). With ``region`` the full shape must be given."""
    t.scalar = False
    t.tiled = False
    if shape is None and region is not None:
        raise TypeError("shape (the full shape) is required with region")
    if shape is None:
        if out is None:
            t.scalar = True
            t.size = 1
            return ()
        if not isinstance(out, cnp.ndarray):
            raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
        shape = out.shape
    return check_shape(shape, &t.size)


cdef tuple tile(tuple full, object region, target_t *t):
    """The shape of ``full[region]`` for a region of one slice (step 1) or
    one (start, stop) pair per axis, as numpy would clip them; records the
    tile in t. None: the whole draw."""
    cdef int k, nd = len(full)
    if region is None:
        return full
    if not isinstance(region, (tuple, list)):
        raise TypeError(f"region must be a tuple of slices or (start, stop) pairs, one per axis, "
                        f"got {type(region).__name__}")
    if len(region) != nd:
        raise ValueError(f"region must have one entry per axis of shape {full}, got {len(region)}")
    dims = []
    for k in range(nd):
        r = region[k]
        if isinstance(r, slice):
            if r.step not in (None, 1):
                raise ValueError(f"region slices must have step 1, got {r} on axis {k}")
            lo, hi = r.start, r.stop
        elif isinstance(r, (tuple, list)) and len(r) == 2:
            lo, hi = r
        else:
            raise TypeError(f"region entries must be slices or (start, stop) pairs, got {r!r} on axis {k}")
        lo = 0 if lo is None else check_int(lo, "region start", None)
        hi = full[k] if hi is None else check_int(hi, "region stop", None)
        lo, hi, _ = slice(lo, hi).indices(full[k])
        t.full[k] = full[k]
        t.start[k] = lo
        t.count[k] = max(hi - lo, 0)
        dims.append(t.count[k])
    t.nd = nd
    t.tiled = nd > 0
    return tuple(dims)


cdef cnp.ndarray output(tuple shape, cnp.dtype dt, object out):
    if out is None:
        return new_array(shape, dt)
    return check_out(out, shape, dt)


# ---- the fills ----------------------------------------------------------------------------
cdef inline fi_key_t make_key(source_t *src) noexcept nogil:
    cdef fi_key_t key
    key.k0 = src.k0
    key.k1 = src.k1
    key.s0 = <uint32_t>src.stream
    key.s1 = <uint32_t>(src.stream >> 32)
    return key


cdef inline void fill_span(dist_t dist, fi_key_t key, uint64_t start,
                           const params_t *p,
                           value_t *out,  # OUT
                           int64_t n) noexcept nogil:
    if value_t is float:
        if dist == UNIFORM:
            fi_fill_uniform_f32(key, start, <float>p.a, <float>p.b, n, out)
        elif dist == NORMAL:
            fi_fill_normal_f32(key, start, <float>p.a, <float>p.b, n, out)
        else:
            fi_fill_truncnorm_f32(key, start, p.trunc, n, out)
    elif value_t is double:
        if dist == UNIFORM:
            fi_fill_uniform_f64(key, start, p.a, p.b, n, out)
        elif dist == NORMAL:
            fi_fill_normal_f64(key, start, p.a, p.b, n, out)
        else:
            fi_fill_truncnorm_f64(key, start, p.trunc, n, out)
    else:
        fill_span_half(dist, key, start, p, out, n)


cdef void fill_span_half(dist_t dist, fi_key_t key, uint64_t start, const params_t *p,
                         uint16_t *out,  # OUT: float16 or bfloat16 bits
                         int64_t n) noexcept nogil:
    """The float32 values of indices start .. start + n - 1, rounded to
    nearest-even, a block at a time (every value depends on its index alone,
    so the blocks never show)."""
    cdef float buf[HALF_BLOCK]
    cdef int64_t j = 0, m
    while j < n:
        m = n - j if n - j < HALF_BLOCK else HALF_BLOCK
        fill_span(dist, key, start + <uint64_t>j, p, buf, m)
        if dist == UNIFORM and p.clamp:
            clamp_span(buf, m, p.lo16, p.hi16)
        if p.half == 1:
            fi_f32_to_f16_n(buf, out + j, m)
        else:
            fi_f32_to_bf16_n(buf, out + j, m)
        j += m


cdef inline void clamp_span(float *buf,  # IN/OUT
                            int64_t n, float lo, float hi) noexcept nogil:
    cdef int64_t i
    for i in range(n):
        buf[i] = lo if buf[i] < lo else (hi if buf[i] > hi else buf[i])


cdef inline int fill_threads(Py_ssize_t n, int n_threads) noexcept nogil:
    if n < FILL_PARALLEL_MIN or n_threads < 2:
        return 1
    cdef Py_ssize_t most = (n + FILL_CHUNK - 1) // FILL_CHUNK
    return <int>(most if most < n_threads else n_threads)


ctypedef struct job_t:
    # One fill's kernel call, shared by the threads: the values of flat
    # indices offset + i, written to ``out`` (kind 0 float32, 1 float64,
    # 2 float16/bfloat16 bits); ``t`` and ``stride`` for a tile, else NULL.
    dist_t dist
    fi_key_t key
    uint64_t offset
    const params_t *p
    void *out
    int kind
    Py_ssize_t n              # values (a whole fill), or one run's width (a tile)
    const target_t *t
    const Py_ssize_t *stride


cdef inline void job_span(const job_t *j, uint64_t index, Py_ssize_t at, Py_ssize_t count) noexcept nogil:
    """Values of flat indices index .. index + count - 1 into out[at:]."""
    if j.kind == 0:
        fill_span(j.dist, j.key, index, j.p, <float *>j.out + at, count)
    elif j.kind == 1:
        fill_span(j.dist, j.key, index, j.p, <double *>j.out + at, count)
    else:
        fill_span(j.dist, j.key, index, j.p, <uint16_t *>j.out + at, count)


cdef void chunk_task(void *ctx, Py_ssize_t c) noexcept nogil:
    """Chunk ``c`` of a whole fill."""
    cdef const job_t *j = <const job_t *>ctx
    cdef Py_ssize_t start = c * FILL_CHUNK
    cdef Py_ssize_t count = j.n - start if j.n - start < FILL_CHUNK else FILL_CHUNK
    job_span(j, j.offset + <uint64_t>start, start, count)


cdef void run_task(void *ctx, Py_ssize_t r) noexcept nogil:
    """Run ``r`` of a tile (along its last axis): one span of the full
    draw's flat indices."""
    cdef const job_t *j = <const job_t *>ctx
    cdef const target_t *t = j.t
    cdef int k, nd = t.nd
    cdef Py_ssize_t rem = r, flat = t.start[nd - 1]
    for k in range(nd - 2, -1, -1):
        flat = flat + (t.start[k] + rem % t.count[k]) * j.stride[k]
        rem = rem // t.count[k]
    job_span(j, j.offset + <uint64_t>flat, r * j.n, j.n)


cdef void fill(job_t *j, int n_threads) noexcept nogil:
    """A whole fill, in chunks over the threads (the GIL as the caller holds it)."""
    if j.n == 0:
        return
    fi_parallel_for((j.n + FILL_CHUNK - 1) // FILL_CHUNK, fill_threads(j.n, n_threads),
                    chunk_task, j)


cdef void fill_tile(job_t *j, const target_t *t, int n_threads) noexcept nogil:
    """The tile of a draw: each run along the last axis is one span of the
    full draw's flat indices, filled on its own (threads over the runs)."""
    cdef int k, nd = t.nd
    cdef Py_ssize_t width = t.count[nd - 1], runs = 1, flat
    cdef Py_ssize_t stride[64]
    stride[nd - 1] = 1
    for k in range(nd - 2, -1, -1):
        stride[k] = stride[k + 1] * t.full[k + 1]
    for k in range(nd - 1):
        runs *= t.count[k]
    if runs * width == 0:
        return
    if runs == 1:
        flat = t.start[nd - 1]
        for k in range(nd - 1):
            flat += t.start[k] * stride[k]
        j.offset += <uint64_t>flat
        j.n = width
        fill(j, n_threads)
        return
    j.t = t
    j.stride = stride
    j.n = width
    fi_parallel_for(runs, fill_threads(runs * width, n_threads), run_task, j)


cdef void dispatch(dist_t dist, fi_key_t key, uint64_t offset, const params_t *p, void *data,
                   int kind, Py_ssize_t n, const target_t *t, int nt) noexcept nogil:
    """kind: 0 float32, 1 float64, 2 float16/bfloat16 bits (p.half says which)."""
    cdef job_t j
    j.dist, j.key, j.offset, j.p, j.out, j.kind, j.n = dist, key, offset, p, data, kind, n
    j.t, j.stride = NULL, NULL
    if t != NULL and t.tiled:
        fill_tile(&j, t, nt)
    else:
        fill(&j, nt)


cdef object run(dist_t dist, params_t *p, cnp.ndarray arr, source_t *src, uint64_t offset,
                bint scalar, const target_t *t=NULL, bint hold_gil=False):
    """The one kernel call of every draw: arr checked, the stream taken.
    ``hold_gil`` keeps the GIL through the fill: for memory another
    framework owns (a tensor through DLPack), so that no Python thread can
    resize or free it while the kernel writes. Small fills keep it too."""
    cdef fi_key_t key = make_key(src)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(arr)
    cdef void *data = cnp.PyArray_DATA(arr)
    cdef int nt = threads()
    cdef int type_num = cnp.PyArray_TYPE(arr)
    cdef int kind = 0 if type_num == cnp.NPY_FLOAT32 else (1 if type_num == cnp.NPY_FLOAT64 else 2)
    p.half = 1 if type_num == cnp.NPY_FLOAT16 else 2
    if hold_gil or n <= FILL_KEEP_GIL:
        dispatch(dist, key, offset, p, data, kind, n, t, nt)
    else:
        with nogil:
            dispatch(dist, key, offset, p, data, kind, n, t, nt)
    return arr[()] if scalar else arr


# ---- parameters: checked against the dtype they are drawn in ----------------------------
cdef inline float ceil_f32(double x) noexcept:
    """The smallest float32 >= x (x within float32's range)."""
    cdef float f = <float>x
    return nextafterf(f, INFINITY) if f < x else f


cdef inline float floor_f32(double x) noexcept:
    cdef float f = <float>x
    return nextafterf(f, -INFINITY) if f > x else f


cdef int uniform_params(double low, double high, cnp.dtype dt, params_t *p, str names) except -1:
    """low <= high, both finite; the interval [low, high) must hold a value of
    dt and high - low must not overflow it. ``names`` words the error."""
    cdef float l32, h32
    if low > high:
        raise ValueError(f"low must be <= high, got low={low}, high={high}")
    if single(dt):
        if fabs(low) > dtype_max(dt) or fabs(high) > dtype_max(dt):
            raise ValueError(f"{names} must fit in {dt}, got low={low}, high={high}")
        l32 = <float>low
        h32 = <float>high
        if not isfinite(h32 - l32):
            raise ValueError(f"{names}: high - low = {high - low:g} overflows float32")
        if low < high and not l32 < h32 and not (low <= l32 < high):
            raise ValueError(f"no float32 lies in [low, high) = [{low!r}, {high!r}); "
                             "widen the interval or draw float64")
    elif not isfinite(high - low):
        raise ValueError(f"{names}: high - low = {high - low} overflows float64")
    p.a = low
    p.b = high
    p.clamp = False
    if single(dt) and dt is not F32 and low < high:
        half_grid(low, high, dt.num == cnp.NPY_FLOAT16, p)
    return 0


cdef float half_value(uint16_t bits, bint f16):
    """The value of float16 (``f16``) or bfloat16 bits, as a float32."""
    if f16:
        return <float>np.uint16(bits).view(np.float16)
    return <float>np.uint32(<uint32_t>bits << 16).view(np.float32)


cdef int half_grid(double low, double high, bint f16, params_t *p) except -1:
    """U[low, high) into float16 or bfloat16 stays half-open: each value is
    the float32 value rounded to nearest-even, except that one which would
    round to high or above (or below low) becomes the nearest value of the
    half type inside [low, high). Clamping the float32 value to that range
    before rounding gives exactly this, rounding being monotonic."""
    cdef uint16_t hi = fi_f32_to_f16(<float>high) if f16 else fi_f32_to_bf16(<float>high)
    cdef uint16_t lo = fi_f32_to_f16(<float>low) if f16 else fi_f32_to_bf16(<float>low)
    while half_value(hi, f16) >= high:                       # one step down the half grid
        hi = hi + 1 if hi & 0x8000 else (0x8001 if hi == 0 else hi - 1)
    while half_value(lo, f16) < low:                         # one step up
        lo = lo - 1 if (lo & 0x8000 and lo != 0x8000) else (1 if lo & 0x7FFF == 0 else lo + 1)
    p.lo16 = half_value(lo, f16)
    p.hi16 = half_value(hi, f16)
    if p.lo16 > p.hi16:
        raise ValueError(f"no {'float16' if f16 else 'bfloat16'} lies in [low, high) = "
                         f"[{low!r}, {high!r}); widen the interval or draw float32")
    p.clamp = True
    return 0


cdef int normal_params(double mean, double std, cnp.dtype dt, params_t *p, str names) except -1:
    """std >= 0; every value mean + std z must fit dt."""
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    cdef double z = Z_MAX_F32 if single(dt) else Z_MAX_F64
    cdef double reach = fabs(mean) + std * z
    if not reach * (1 + 1e-6) <= dtype_max(dt):
        raise ValueError(f"{names} give values beyond {dt}'s range: |mean| + {z:.3g} std = "
                         f"{reach:g} > {dtype_max(dt):g} (mean={mean}, std={std})")
    p.a = mean
    p.b = std
    return 0


cdef int truncated_params(double mean, double std, double lower, double upper, cnp.dtype dt,
                          params_t *p, str names) except -1:
    """std >= 0, lower < upper (either may be infinite); the range
    [mean + lower std, mean + upper std] must fit dt and, rounded inward to
    dt, still hold a value."""
    cdef double lo, hi, za, zb, vlo, vhi, top = dtype_max(dt)
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    if not lower < upper:
        raise ValueError(f"lower must be < upper, got lower={lower}, upper={upper}")
    if lower == INFINITY or upper == -INFINITY:
        raise ValueError(f"the interval [lower, upper] = [{lower}, {upper}] holds no mass")
    za = lower if isfinite(lower) else min(upper, 0.0) - TAIL_REACH
    zb = upper if isfinite(upper) else max(lower, 0.0) + TAIL_REACH
    vlo = mean + std * za
    vhi = mean + std * zb
    if not (fabs(vlo) * (1 + 1e-6) <= top and fabs(vhi) * (1 + 1e-6) <= top):
        raise ValueError(f"{names} give values beyond {dt}'s range: [mean + lower std, "
                         f"mean + upper std] reaches [{vlo:g}, {vhi:g}]")
    if std > 0:
        lo = mean + std * lower if isfinite(lower) else -INFINITY
        hi = mean + std * upper if isfinite(upper) else INFINITY
    else:
        lo = hi = mean
    if single(dt):
        if std > 0:
            lo = ceil_f32(lo) if isfinite(lo) else lo
            hi = floor_f32(hi) if isfinite(hi) else hi
            if lo > hi:
                raise ValueError(
                    f"no float32 lies in [mean + lower std, mean + upper std] = "
                    f"[{mean + std * lower!r}, {mean + std * upper!r}] ({names}); "
                    "widen it or draw float64")
        else:
            lo = hi = <float>mean
    p.trunc.mean = mean
    p.trunc.std = std
    p.trunc.a = lower
    p.trunc.b = upper
    p.trunc.lo = lo
    p.trunc.hi = hi
    return 0


# ---- the public draws ------------------------------------------------------------------------
cdef object finish(dist_t dist, params_t *p, tuple part, cnp.dtype dt, object out, object given,
                   object seed, object stream, object offset, target_t *t):
    """The end of every draw, once its shape, dtype and parameters passed:
    check out= and the offset, resolve the seed, take the stream (last), run
    the kernel; return the caller's own out= object when one was given."""
    cdef source_t src
    cdef cnp.ndarray arr = output(part, dt, out)
    cdef uint64_t off = check_offset(offset, t.size)
    cdef Streams gen = resolve(seed, stream, &src)
    cdef bint hold = foreign(given, out)
    if hold and (plain_tensor(given) or hasattr(given, "untyped_storage")):
        same_storage(given, arr)            # last, so no Python runs before the kernel
    elif not hold:
        base = torch_base(given)            # an ndarray view of a tensor (fill_view, .numpy())
        if base is not None:
            hold = True
            within_storage(base, arr)
    take_stream(&src, gen)
    result = run(dist, p, arr, &src, off, t.scalar, t, hold)
    return result if given is out else given


cdef inline bint foreign(object given, object out):
    """Whether ``given`` is memory another framework owns and may free (a
    DLPack exporter such as a torch tensor), rather than an ndarray or a
    buffer whose export pins it."""
    return given is not out and given is not None and (plain_tensor(given) or hasattr(given, "__dlpack__"))


cpdef object uniform(object shape, object low, object high, object dtype, object out, object seed,
                     object stream, object offset, object region=None):
    """fastinit.uniform and Generator.uniform."""
    given = out
    out = as_out(out, "out", True)     # same_storage in finish
    cdef target_t t
    cdef params_t p
    cdef tuple dims = target_shape(shape, out, &t, region)
    cdef tuple part = tile(dims, region, &t)
    cdef cnp.dtype dt = out_dtype(out, dtype, "out", True)
    uniform_params(check_real(low, "low"), check_real(high, "high"), dt, &p, "low and high")
    return finish(UNIFORM, &p, part, dt, out, given, seed, stream, offset, &t)


cpdef object normal(object shape, object mean, object std, object dtype, object out, object seed,
                    object stream, object offset, object region=None):
    """fastinit.normal and Generator.normal."""
    given = out
    out = as_out(out, "out", True)     # same_storage in finish
    cdef target_t t
    cdef params_t p
    cdef tuple dims = target_shape(shape, out, &t, region)
    cdef tuple part = tile(dims, region, &t)
    cdef cnp.dtype dt = out_dtype(out, dtype, "out", True)
    normal_params(check_real(mean, "mean"), check_real(std, "std"), dt, &p, "mean and std")
    return finish(NORMAL, &p, part, dt, out, given, seed, stream, offset, &t)


cpdef object truncated_normal(object shape, object mean, object std, object lower, object upper,
                              object dtype, object out, object seed, object stream, object offset,
                              object region=None):
    """fastinit.truncated_normal and Generator.truncated_normal."""
    given = out
    out = as_out(out, "out", True)     # same_storage in finish
    cdef target_t t
    cdef params_t p
    cdef tuple dims = target_shape(shape, out, &t, region)
    cdef tuple part = tile(dims, region, &t)
    cdef cnp.dtype dt = out_dtype(out, dtype, "out", True)
    truncated_params(check_real(mean, "mean"), check_real(std, "std"),
                     check_real(lower, "lower", False), check_real(upper, "upper", False),
                     dt, &p, "mean, std, lower and upper")
    return finish(TRUNCNORM, &p, part, dt, out, given, seed, stream, offset, &t)


def raw(Streams gen, n, stream, offset):
    """Generator.random_raw: words offset .. offset + n - 1 of a stream."""
    cdef source_t src
    cdef Streams g = None
    cdef Py_ssize_t size = <Py_ssize_t>check_int(n, "n", 0, (1 << 59) + 1)
    cdef uint64_t off = check_offset(offset, size)
    g = resolve(gen, stream, &src)
    cdef cnp.npy_intp dim = size
    cdef cnp.ndarray out
    try:
        out = cnp.PyArray_EMPTY(1, &dim, cnp.NPY_UINT32, 0)
    except MemoryError:
        raise ValueError(f"n={size} words need {4 * size} bytes, which cannot be allocated") from None
    take_stream(&src, g)
    cdef uint32_t *data = <uint32_t *>cnp.PyArray_DATA(out)
    cdef fi_key_t key = make_key(&src)
    cdef Py_ssize_t n_chunks = (size + FILL_CHUNK - 1) // FILL_CHUNK
    cdef Py_ssize_t c, start, count
    cdef int nt = fill_threads(size, threads())
    with nogil:
        if nt == 1:
            fi_fill_raw(key, off, size, data)
        else:
            for c in prange(n_chunks, schedule="static", num_threads=nt):
                start = c * FILL_CHUNK
                count = size - start if size - start < FILL_CHUNK else FILL_CHUNK
                fi_fill_raw(key, off + <uint64_t>start, count, data + start)
    return out


def check_draw(seed, stream, offset, Py_ssize_t size):
    """The seed/stream/offset rules alone, for the initializers that draw
    nothing (constant) or draw elsewhere (orthogonal): reserves nothing."""
    cdef source_t src
    check_offset(offset, size)
    resolve(seed, stream, &src)


# ---- fans, gains and the variance-scaling initializers --------------------------------------
cdef int MODE_IN = 0, MODE_OUT = 1, MODE_AVG = 2
cdef object DEFAULT_IN = -2, DEFAULT_OUT = -1      # small ints: one object each


cdef int check_mode(object mode) except -1:
    if mode == "fan_in":
        return MODE_IN
    if mode == "fan_out":
        return MODE_OUT
    if mode == "fan_avg":
        return MODE_AVG
    raise ValueError(f"mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")


cdef dist_t check_distribution(object distribution) except *:
    if distribution == "normal":
        return NORMAL
    if distribution == "uniform":
        return UNIFORM
    if distribution == "truncated_normal":
        return TRUNCNORM
    raise ValueError("distribution must be one of ('normal', 'truncated_normal', 'uniform'), "
                     f"got {distribution!r}")


cdef tuple shape_fans(tuple shape, object in_axis, object out_axis):
    """(fan_in, fan_out) of a checked shape, as Python ints."""
    cdef Py_ssize_t nd = len(shape)
    if nd == 2 and type(in_axis) is int and type(out_axis) is int and in_axis == -2 and out_axis == -1:
        return shape
    if nd == 0:
        raise ValueError("shape must have at least 1 dimension to have fans, got ()")
    if nd == 1:
        return (shape[0], shape[0])
    i = check_int(in_axis, "in_axis", -nd, nd) % nd
    o = check_int(out_axis, "out_axis", -nd, nd) % nd
    if i == o:
        raise ValueError(f"in_axis and out_axis must differ, both are axis {i}")
    receptive = 1
    for k in range(nd):
        if k != i and k != o:
            receptive *= shape[k]
    return (shape[i] * receptive, shape[o] * receptive)


cdef int weight_fans(tuple shape, object in_axis, object out_axis, object fan_in, object fan_out,
                     double *fi, double *fo) except -1:
    """The fans a variance-scaling draw uses: the shape's, or fan_in=/fan_out=
    where given, as doubles. The common 2-D weight with the default axes
    takes no Python numbers (the axes compared by identity: small ints)."""
    if (len(shape) == 2 and in_axis is DEFAULT_IN and out_axis is DEFAULT_OUT
            and fan_in is None and fan_out is None):
        fi[0] = <double>(<Py_ssize_t>shape[0])
        fo[0] = <double>(<Py_ssize_t>shape[1])
        return 0
    both = shape_fans(shape, in_axis, out_axis)
    fi[0] = PyLong_AsDouble(both[0] if fan_in is None else check_int(fan_in, "fan_in", 1))
    fo[0] = PyLong_AsDouble(both[1] if fan_out is None else check_int(fan_out, "fan_out", 1))
    return 0


def fans(shape, in_axis=-2, out_axis=-1):
    """fastinit.compute_fans."""
    cdef Py_ssize_t size
    return shape_fans(check_shape(shape, &size), in_axis, out_axis)


cdef double gain_squared(object nonlinearity, object param, str param_name) except -1.0:
    """gain**2 of PyTorch's table, exact where it is rational (2 for ReLU)."""
    cdef double slope
    if type(nonlinearity) is not str:
        raise TypeError(f"nonlinearity must be a str, got {nonlinearity!r}")
    if nonlinearity == "relu":
        return 2.0
    if nonlinearity in ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 25.0 / 9
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_real(param, param_name)
        if fabs(slope) <= 1e150:
            return 2.0 / (1 + slope * slope)
        return (2.0 / fabs(slope)) / fabs(slope)   # no overflow: 1 + slope**2 is slope**2
    if nonlinearity == "selu":
        return 9.0 / 16
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def gain(nonlinearity, param=None):
    """fastinit.calculate_gain."""
    cdef double slope
    if nonlinearity == "leaky_relu" and param is not None:
        slope = fabs(check_real(param, "param"))
        if slope > 1e150:
            return sqrt(2.0) / slope
    return sqrt(gain_squared(nonlinearity, param, "param"))


cdef double scaled_std(double scale, double gain_, double g2, double n) noexcept:
    """sqrt(scale gain**2 g2 / n) without overflow or underflow on the way;
    exactly sqrt(v / n) when v = scale gain**2 g2 is an ordinary double, so
    the common formulas keep their bits."""
    cdef double v = scale * (gain_ * gain_) * g2
    if isfinite(v) and v >= 2.2250738585072014e-308:
        return sqrt(v / n)
    if gain_ == 0 or g2 == 0:
        return 0.0
    return exp(0.5 * (log(scale) + 2 * log(fabs(gain_)) + log(g2) - log(n)))


cpdef object scaled(object shape, object in_axis, object out_axis, object fan_in, object fan_out,
                    object dtype, object out, object seed, object stream, object offset,
                    object region, object scale=1.0, object gain=1.0, object nonlinearity=None,
                    object a=None, object mode="fan_in", object distribution="normal"):
    """variance_scaling and every named initializer built on it: zero-mean
    weights with variance scale gain**2 gain(nonlinearity, a)**2 / n, n the
    fan ``mode`` picks, drawn from ``distribution``. The positional
    arguments say where and how the draw is made (the same for every
    initializer); the last six are the formula. The initializers call it
    from C (cimported, _random.pxd), every argument given."""
    gain_ = gain
    given = out
    out = as_out(out, "out", True)     # same_storage in finish
    cdef target_t t
    cdef params_t p
    cdef double s = 1.0, g = 1.0, g2 = 1.0, n, std, limit
    cdef str names
    if shape is None and out is None:
        raise TypeError("shape is required when out is not given")
    cdef tuple dims = target_shape(shape, out, &t, region)
    cdef tuple part = tile(dims, region, &t)
    s = check_real(scale, "scale")
    if s <= 0:
        raise ValueError(f"scale must be > 0, got {s}")
    g = check_real(gain_, "gain")
    if nonlinearity is not None:
        g2 = gain_squared(nonlinearity, a, "a")
    cdef int m = check_mode(mode)
    cdef dist_t dist = check_distribution(distribution)
    cdef double fi, fo
    weight_fans(dims, in_axis, out_axis, fan_in, fan_out, &fi, &fo)
    n = fi if m == MODE_IN else (fo if m == MODE_OUT else (fi + fo) / 2)
    cdef cnp.dtype dt = out_dtype(out, dtype, "out", True)
    names = "gain" if g != 1 else "scale"
    std = scaled_std(s, g, g2, n) if n > 0 else 0.0   # n == 0: an empty weight
    if dist == NORMAL:
        normal_params(0.0, std, dt, &p, names)
    elif dist == UNIFORM:
        limit = sqrt(3.0) * std
        uniform_params(-limit, limit, dt, &p, names)
    else:
        truncated_params(0.0, std / TRUNCATED_STD, -2.0, 2.0, dt, &p, names)
    t.scalar = False
    return finish(dist, &p, part, dt, out, given, seed, stream, offset, &t)


cpdef object constant(object shape, object value, object dtype, object out, object seed,
                      object stream, object offset, object region=None):
    """fastinit.constant (zeros, ones): every weight ``value``. The seed,
    stream and offset are checked like any draw's, and then ignored."""
    given = out
    out = as_out(out)
    cdef target_t t
    if shape is None and out is None:
        raise TypeError("shape is required when out is not given")
    cdef tuple dims = target_shape(shape, out, &t, region)
    cdef tuple part = tile(dims, region, &t)
    cdef double v = check_real(value, "value")
    cdef cnp.dtype dt = out_dtype(out, dtype, "out", True)
    if fabs(v) > dtype_max(dt):
        raise ValueError(f"value {v} does not fit in {dt}")
    cdef cnp.ndarray arr = output(part, dt, out)
    check_draw(seed, stream, offset, t.size)
    if dt.kind in "iu":
        fill = fi_f32_to_bf16(<float>v)            # bfloat16 bits in a uint16/int16 out=
        if cnp.PyArray_TYPE(arr) == cnp.NPY_INT16 and fill >= 0x8000:
            fill -= 0x10000                        # the same bits, as an int16
    elif single(dt):
        fill = np.float32(v)                       # float32(v), rounded as every half value
    else:
        fill = v
    cnp.PyArray_FillWithScalar(arr, fill)          # arr.fill(fill), without the method call
    return arr if given is out else given


def prepare(shape, dtype, out):
    """(checked shape, array to fill) for the initializers drawn in Python
    (orthogonal): every out/dtype rule, nothing written. The array is a
    view of out when out is a tensor or another buffer."""
    out = as_out(out)
    cdef target_t t
    if shape is None and out is None:
        raise TypeError("shape is required when out is not given")
    cdef tuple dims = target_shape(shape, out, &t)
    cdef cnp.dtype dt = out_dtype(out, dtype, "out", True)
    if dt.kind in "iu":
        raise TypeError("orthogonal has no per-index float32 values to round into bfloat16 bits; "
                        "pass out= a float array (ml_dtypes.bfloat16 included)")
    return dims, output(dims, dt, out)
