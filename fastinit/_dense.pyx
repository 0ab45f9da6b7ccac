"""The dense boundary: ``dense_forward``/``dense_backward`` land here.

``forward`` and ``backward`` own every rule of the dense contract (the docstrings of
``fastinit.dense``, in docs/api.rst: activation,
dtypes, shapes, layouts, overlap between outputs and inputs), checked once,
before anything is written. Small float32 products then run in the kernel
of ``src/gemm.c`` (bias and a linear/ReLU activation in its registers), the
others in NumPy's BLAS through the C-API; the bias, activation, derivative
and bias gradient run as fused C passes of ``src/activations.c`` with the
GIL released, over row blocks in parallel for large outputs.

Internal seam for ``fastinit.nn`` (documented, not public): ``forward_into``,
``backward_into`` and ``sgd`` run the same kernels on buffers nn allocated
itself, C-contiguous and of one dtype, without checking them again.
"""
import numpy as np

cimport numpy as cnp
from cython.parallel cimport prange
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free
from cython cimport floating

from fastinit._common cimport threads, check_out, out_dtype, overlaps, as_out
from fastinit._activations cimport (
    FI_LINEAR, FI_RELU, FI_TANH, FI_SIGMOID, FI_GRAD_BLOCK,
    fi_bias_act_f32, fi_bias_act_f64, fi_grad_act_f32, fi_grad_act_f64,
    fi_sum_blocks_f32, fi_sum_blocks_f64, fi_sgd_f32, fi_sgd_f64, fi_act_f32, fi_act_f64,
    fi_passes_select, fi_passes_level,
)
from fastinit._random cimport join_simd_family

cdef extern from "src/gemm.h" nogil:
    int fi_gemm_select(int cap)
    int fi_gemm_available()
    void fi_gemm_f32(const float *x, const float *w, const float *b, float *out,
                     int64_t n, int64_t k, int64_t m, int relu)

cdef extern from "src/fixedmm.h" nogil:
    int fi_fixedmm_select(int cap)
    void fi_fixedmm_f32(const float *a, int64_t ars, int64_t acs, const float *b, float *out,
                        int64_t k, int64_t m, int64_t row0, int64_t row1)
    void fi_fixedmm_f64(const double *a, int64_t ars, int64_t acs, const double *b, double *out,
                        int64_t k, int64_t m, int64_t row0, int64_t row1)

from fastinit._openmp cimport fi_parallel_for

cnp.import_array()

ACTIVATIONS = {"linear": FI_LINEAR, "relu": FI_RELU, "tanh": FI_TANH, "sigmoid": FI_SIGMOID}
NAMES = tuple(ACTIVATIONS)

# Elements under which one thread is faster than a team for a fused pass.
cdef Py_ssize_t PASS_PARALLEL_MIN = 1 << 15
# W with at most this many elements is multiplied through a C-contiguous
# copy of W.T: OpenBLAS multiplies small matrices by a transposed operand
# at about half speed (tools/bench_gemm.c and the benchmarks show it).
cdef Py_ssize_t SMALL_W = 1 << 16
SMALL_W_LIMIT = SMALL_W

cdef cnp.dtype F32 = np.dtype(np.float32)
cdef cnp.dtype F64 = np.dtype(np.float64)


# The passes and the small products follow the one SIMD level, which
# fastinit._random owns (src/simd.h).
join_simd_family(fi_passes_select)
join_simd_family(fi_gemm_select)
join_simd_family(fi_fixedmm_select)


def passes_level():
    """The SIMD level (an index of fastinit._random.LEVELS) the fused passes
    run at now: the one fi_simd_select chose."""
    return fi_passes_level()


# ---- the fused passes ----------------------------------------------------------------
cdef int team(Py_ssize_t rows, Py_ssize_t cols, int n_threads) noexcept nogil:
    if rows * cols < PASS_PARALLEL_MIN or n_threads < 2:
        return 1
    cdef Py_ssize_t blocks = (rows + FI_GRAD_BLOCK - 1) // FI_GRAD_BLOCK
    return <int>(blocks if blocks < n_threads else n_threads)


cdef void bias_act_rows(floating *z,  # IN/OUT: rows x cols
                        const floating *b,  # IN: cols, or NULL
                        Py_ssize_t rows, Py_ssize_t cols, int act, int nt) noexcept nogil:
    cdef Py_ssize_t blocks = (rows + FI_GRAD_BLOCK - 1) // FI_GRAD_BLOCK
    cdef Py_ssize_t k, r0, n
    if nt == 1:
        if floating is float:
            fi_bias_act_f32(z, b, rows, cols, act)
        else:
            fi_bias_act_f64(z, b, rows, cols, act)
        return
    for k in prange(blocks, schedule="static", num_threads=nt, nogil=True):
        r0 = k * FI_GRAD_BLOCK
        n = rows - r0 if rows - r0 < FI_GRAD_BLOCK else FI_GRAD_BLOCK
        if floating is float:
            fi_bias_act_f32(z + r0 * cols, b, n, cols, act)
        else:
            fi_bias_act_f64(z + r0 * cols, b, n, cols, act)


cdef bias_act(cnp.ndarray z, object b, int act, int n_threads):
    """z <- act(z + b) in place; z (rows, cols) C-contiguous, b (cols,) or None."""
    cdef Py_ssize_t rows = cnp.PyArray_DIM(z, 0), cols = cnp.PyArray_DIM(z, 1)
    cdef void *zp = cnp.PyArray_DATA(z)
    cdef void *bp = NULL
    cdef int nt = team(rows, cols, n_threads)
    if b is not None:
        bp = cnp.PyArray_DATA(<cnp.ndarray>b)
    if act == FI_LINEAR and bp == NULL:
        return
    if cnp.PyArray_TYPE(z) == cnp.NPY_FLOAT32:
        with nogil:
            bias_act_rows(<float *>zp, <const float *>bp, rows, cols, act, nt)
    else:
        with nogil:
            bias_act_rows(<double *>zp, <const double *>bp, rows, cols, act, nt)


cdef inline void grad_block(const floating *da, const floating *a, floating *dz,
                            floating *partial,  # OUT: block k's column sums
                            Py_ssize_t k, Py_ssize_t rows, Py_ssize_t cols, int act) noexcept nogil:
    cdef Py_ssize_t r0 = k * FI_GRAD_BLOCK
    cdef Py_ssize_t n = rows - r0 if rows - r0 < FI_GRAD_BLOCK else FI_GRAD_BLOCK
    if floating is float:
        fi_grad_act_f32(da + r0 * cols, a + r0 * cols, dz + r0 * cols, partial + k * cols, n, cols, act)
    else:
        fi_grad_act_f64(da + r0 * cols, a + r0 * cols, dz + r0 * cols, partial + k * cols, n, cols, act)


cdef int grad_rows(const floating *da,  # IN: rows x cols
                   const floating *a,   # IN: rows x cols
                   floating *dz,        # OUT: rows x cols (may be da)
                   floating *db,        # OUT: cols
                   Py_ssize_t rows, Py_ssize_t cols, int act, int nt) noexcept nogil:
    """dz = da * act'(a), db = column sums, summed per 64-row block and then
    over the blocks in order: the same bits for any thread count."""
    cdef Py_ssize_t blocks = (rows + FI_GRAD_BLOCK - 1) // FI_GRAD_BLOCK
    cdef Py_ssize_t k
    cdef floating *partial
    if blocks <= 1:
        if floating is float:
            fi_grad_act_f32(da, a, dz, db, rows, cols, act)
        else:
            fi_grad_act_f64(da, a, dz, db, rows, cols, act)
        return 0
    partial = <floating *>malloc(blocks * cols * sizeof(floating))
    if partial == NULL:
        return -1
    if nt == 1:     # no OpenMP region at all (a forked child must not open one)
        for k in range(blocks):
            grad_block(da, a, dz, partial, k, rows, cols, act)
    else:
        for k in prange(blocks, schedule="static", num_threads=nt, nogil=True):
            grad_block(da, a, dz, partial, k, rows, cols, act)
    if floating is float:
        fi_sum_blocks_f32(partial, blocks, cols, db)
    else:
        fi_sum_blocks_f64(partial, blocks, cols, db)
    free(partial)
    return 0


cdef grad_act(cnp.ndarray da, cnp.ndarray a, cnp.ndarray dz, cnp.ndarray db, int act, int n_threads):
    """dz = da * act'(a) (dz may be da) and db = dz.sum(0), in one pass."""
    cdef Py_ssize_t rows = cnp.PyArray_DIM(a, 0), cols = cnp.PyArray_DIM(a, 1)
    cdef int nt = team(rows, cols, n_threads)
    cdef int err
    if cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT32:
        with nogil:
            err = grad_rows(<const float *>cnp.PyArray_DATA(da), <const float *>cnp.PyArray_DATA(a),
                            <float *>cnp.PyArray_DATA(dz), <float *>cnp.PyArray_DATA(db),
                            rows, cols, act, nt)
    else:
        with nogil:
            err = grad_rows(<const double *>cnp.PyArray_DATA(da), <const double *>cnp.PyArray_DATA(a),
                            <double *>cnp.PyArray_DATA(dz), <double *>cnp.PyArray_DATA(db),
                            rows, cols, act, nt)
    if err:
        raise MemoryError("no memory for the bias-gradient partial sums")


def activate(cnp.ndarray x, int act):
    """x <- act(x) in place (C-contiguous), as the fused forward computes it (tests)."""
    cdef int64_t n = cnp.PyArray_SIZE(x)
    if cnp.PyArray_TYPE(x) == cnp.NPY_FLOAT32:
        with nogil:
            fi_act_f32(<float *>cnp.PyArray_DATA(x), n, act)
    else:
        with nogil:
            fi_act_f64(<double *>cnp.PyArray_DATA(x), n, act)


# ---- the products -------------------------------------------------------------------
cdef extern from "numpy/arrayobject.h":
    object PyArray_MatrixProduct2(object a, object b, cnp.ndarray out)


# float32 products with at most this many multiply-adds, whose right operand
# has at most SMALL_RIGHT elements, run in src/gemm.c's one-thread kernel (at
# the AVX2 and AVX-512 levels): below that size the kernel beat OpenBLAS
# (tools/bench_gemm.c and the benchmarks' dense rows measure it), above it
# BLAS's threads pay off. A float64 kernel written the same way never beat
# OpenBLAS's dgemm, so float64 always goes to BLAS. The choice depends on
# the shape alone, never on a thread count.
cdef int64_t SMALL_PRODUCT = 1 << 18
cdef int64_t SMALL_RIGHT = 1 << 14


cdef bint small(cnp.ndarray a, cnp.ndarray b) noexcept:
    """Whether a @ b goes to src/gemm.c: small, C-contiguous and aligned
    operands (of one native dtype, as every caller here has checked)."""
    cdef int64_t n = cnp.PyArray_DIM(a, 0), k = cnp.PyArray_DIM(a, 1), m = cnp.PyArray_DIM(b, 1)
    cdef int need = cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_ALIGNED
    return (cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT32
            and n * k * m <= SMALL_PRODUCT and k * m <= SMALL_RIGHT and fi_gemm_available()
            and (cnp.PyArray_FLAGS(a) & need) == need and (cnp.PyArray_FLAGS(b) & need) == need)


cdef void gemm(cnp.ndarray a, cnp.ndarray b, object bias, cnp.ndarray out, bint relu) noexcept:
    """out = a @ b (+ bias) (then ReLU) by src/gemm.c; small(a, b) holds (float32)."""
    cdef int64_t n = cnp.PyArray_DIM(a, 0), k = cnp.PyArray_DIM(a, 1), m = cnp.PyArray_DIM(b, 1)
    cdef void *ap = cnp.PyArray_DATA(a)
    cdef void *bp = cnp.PyArray_DATA(b)
    cdef void *op = cnp.PyArray_DATA(out)
    cdef void *cp = NULL if bias is None else cnp.PyArray_DATA(<cnp.ndarray>bias)
    with nogil:
        fi_gemm_f32(<const float *>ap, <const float *>bp, <const float *>cp, <float *>op,
                    n, k, m, relu)


cdef product(cnp.ndarray a, cnp.ndarray b, cnp.ndarray out):
    """out = a @ b: src/gemm.c when small, else BLAS."""
    if small(a, b):
        gemm(a, b, None, out, False)
    else:
        PyArray_MatrixProduct2(a, b, out)


cdef dense(cnp.ndarray x, cnp.ndarray w, object b, cnp.ndarray out, int act, int n_threads):
    """out = act(x @ w + b): the bias and a linear or ReLU activation ride in
    the small kernel's registers; otherwise the fused pass follows."""
    if small(x, w):
        if act == FI_LINEAR or act == FI_RELU:
            gemm(x, w, b, out, act == FI_RELU)
            return
        gemm(x, w, None, out, False)
    else:
        PyArray_MatrixProduct2(x, w, out)
    bias_act(out, b, act, n_threads)


cdef cnp.ndarray empty2(Py_ssize_t d0, Py_ssize_t d1, int t):
    cdef cnp.npy_intp dims[2]
    dims[0] = d0
    dims[1] = d1
    return cnp.PyArray_EMPTY(2, dims, t, 0)


cdef cnp.ndarray transposed_copy(cnp.ndarray w, object wt):
    """A C-contiguous W.T: into ``wt`` when given, else a new array."""
    if wt is None:
        return cnp.PyArray_NewCopy(cnp.PyArray_Transpose(w, NULL), cnp.NPY_CORDER)
    if cnp.PyArray_CopyInto(<cnp.ndarray>wt, cnp.PyArray_Transpose(w, NULL)) < 0:
        raise ValueError("WT must have the shape of W.T")
    return <cnp.ndarray>wt


cdef backward_core(cnp.ndarray da, cnp.ndarray x, cnp.ndarray w, cnp.ndarray a, int act,
                   object dx, cnp.ndarray dw, cnp.ndarray db, cnp.ndarray dz, object wt, int nt):
    """The one backward of a dense layer: dZ = dA act'(A) and db in one
    fused pass, then dW = X.T @ dZ and dX = dZ @ W.T (dX None: skipped)."""
    grad_act(da, a, dz, db, act, nt)
    PyArray_MatrixProduct2(cnp.PyArray_Transpose(x, NULL), dz, dw)
    if dx is None:
        return
    if wt is not None or (cnp.PyArray_SIZE(w) <= SMALL_W and cnp.PyArray_IS_C_CONTIGUOUS(w)):
        product(dz, transposed_copy(w, wt), <cnp.ndarray>dx)
    else:
        PyArray_MatrixProduct2(dz, cnp.PyArray_Transpose(w, NULL), <cnp.ndarray>dx)


# ---- products in a fixed order (src/fixedmm.c): what fastinit.nn multiplies with ------
# Multiply-adds under which one thread does a product (a team costs more).
cdef int64_t FIXED_PARALLEL_MIN = 1 << 18

ctypedef struct mm_job_t:
    const void *a
    int64_t ars, acs        # A's element strides
    const void *b
    void *out
    int64_t n, k, m
    int64_t per             # rows a part, a multiple of the kernels' 4-row tiles
    bint f64


cdef void mm_part(void *ctx, Py_ssize_t t) noexcept nogil:
    cdef const mm_job_t *j = <const mm_job_t *>ctx
    cdef int64_t row0 = t * j.per
    cdef int64_t row1 = row0 + j.per if row0 + j.per < j.n else j.n
    if row0 >= row1:
        return
    if j.f64:
        fi_fixedmm_f64(<const double *>j.a, j.ars, j.acs, <const double *>j.b, <double *>j.out,
                       j.k, j.m, row0, row1)
    else:
        fi_fixedmm_f32(<const float *>j.a, j.ars, j.acs, <const float *>j.b, <float *>j.out,
                       j.k, j.m, row0, row1)


cdef void fixed_product(cnp.ndarray a, cnp.ndarray b, cnp.ndarray out, int nt) noexcept:
    """out = a @ b, each element a chain of fused multiply-adds along the
    inner axis from 0: the same bits at any SIMD level, thread count and on
    any CPU. a: a 2-D view of any strides; b, out: C-contiguous, one dtype.
    Threads take whole row blocks, so they change no element's sums."""
    cdef mm_job_t j
    cdef int64_t item = cnp.PyArray_ITEMSIZE(a), tiles
    cdef int parts
    j.a, j.b, j.out = cnp.PyArray_DATA(a), cnp.PyArray_DATA(b), cnp.PyArray_DATA(out)
    j.ars, j.acs = cnp.PyArray_STRIDE(a, 0) // item, cnp.PyArray_STRIDE(a, 1) // item
    j.n, j.k, j.m = cnp.PyArray_DIM(a, 0), cnp.PyArray_DIM(a, 1), cnp.PyArray_DIM(b, 1)
    j.f64 = cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT64
    tiles = (j.n + 3) // 4
    parts = nt if j.n * j.k * j.m >= FIXED_PARALLEL_MIN and tiles >= nt else 1
    j.per = (tiles + parts - 1) // parts * 4
    with nogil:
        fi_parallel_for(parts, parts, mm_part, &j)


def fixed_matmul(a, b, out=None, n_threads=1):
    """a @ b in the fixed order (tests and the benchmark): a of any strides,
    b made C-contiguous; float32 or float64, one dtype."""
    a = np.asarray(a)
    b = np.ascontiguousarray(b, dtype=a.dtype)
    if a.dtype not in (F32, F64) or a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"fixed_matmul takes 2-D float32/float64 a (n, k) and b (k, m), got "
                         f"{a.dtype} {a.shape} and {b.shape}")
    if a.strides[0] % a.itemsize or a.strides[1] % a.itemsize or a.strides[0] < 0 or a.strides[1] < 0:
        a = np.ascontiguousarray(a)
    if out is None:
        out = np.empty((a.shape[0], b.shape[1]), a.dtype)
    elif (not isinstance(out, np.ndarray) or out.shape != (a.shape[0], b.shape[1])
          or out.dtype != a.dtype or not out.flags.c_contiguous or not out.flags.writeable):
        raise ValueError(f"out must be a writable C-contiguous {a.dtype} array of shape "
                         f"{(a.shape[0], b.shape[1])}")
    fixed_product(a, b, out, n_threads)
    return out


# ---- exp, log, sin and cos in a fixed order (src/fixedmath.h) -------------------------
cdef extern from "src/fixedmath.h" nogil:
    float fi_exp_total_f32(float x) noexcept
    double fi_exp_total_f64(double x) noexcept
    float fi_log_total_f32(float x) noexcept
    double fi_log_total_f64(double x) noexcept
    void fi_sincos_turns_f64(double v, double *s, double *c)


cdef cnp.ndarray elementwise_out(object x, object out, str name):
    """x as a C-contiguous float32/float64 array, and the out it is written
    to: a new array, or ``out`` (C-contiguous, writable, x's shape and
    dtype; it may be x itself)."""
    if not isinstance(x, np.ndarray) or x.dtype not in (F32, F64):
        raise TypeError(f"{name} takes a float32 or float64 ndarray, got "
                        f"{getattr(x, 'dtype', type(x).__name__)}")
    if out is None:
        return np.empty(x.shape, x.dtype)
    if (not isinstance(out, np.ndarray) or out.shape != x.shape or out.dtype != x.dtype
            or not out.flags.c_contiguous or not out.flags.writeable):
        raise ValueError(f"{name}: out must be a writable C-contiguous {x.dtype} array of shape "
                         f"{x.shape}")
    return out


ctypedef float (*unary_f32)(float) noexcept nogil
ctypedef double (*unary_f64)(double) noexcept nogil


cdef cnp.ndarray elementwise(object x, object out, str name, unary_f32 f32, unary_f64 f64):
    """y[i] = f(x[i]) over x (float32: f32, float64: f64), into out or a new array."""
    cdef cnp.ndarray y = elementwise_out(x, out, name)
    cdef cnp.ndarray a = np.ascontiguousarray(x)
    cdef Py_ssize_t i, n = a.size
    cdef float *af
    cdef float *yf
    cdef double *ad
    cdef double *yd
    if a.dtype == F32:
        af, yf = <float *>cnp.PyArray_DATA(a), <float *>cnp.PyArray_DATA(y)
        with nogil:
            for i in range(n):
                yf[i] = f32(af[i])
    else:
        ad, yd = <double *>cnp.PyArray_DATA(a), <double *>cnp.PyArray_DATA(y)
        with nogil:
            for i in range(n):
                yd[i] = f64(ad[i])
    return y


def fixed_exp(x, out=None):
    """exp(x) elementwise, the same bits on every machine (src/fixedmath.h);
    float32 or float64; ``out`` may be ``x``."""
    return elementwise(x, out, "fixed_exp", fi_exp_total_f32, fi_exp_total_f64)


def fixed_log(x, out=None):
    """log(x) elementwise, the same bits on every machine (src/fixedmath.h);
    float32 or float64; 0 gives -inf, a negative or NaN x gives NaN; ``out``
    may be ``x``."""
    return elementwise(x, out, "fixed_log", fi_log_total_f32, fi_log_total_f64)


def sincos_turns(v):
    """(sin 2 pi v, cos 2 pi v) elementwise for float64 ``v`` in turns, the
    same bits on every machine (src/fixedmath.h)."""
    cdef cnp.ndarray a = np.ascontiguousarray(v, dtype=np.float64)
    cdef cnp.ndarray s = np.empty_like(a), c = np.empty_like(a)
    cdef double *ap = <double *>cnp.PyArray_DATA(a)
    cdef double *sp = <double *>cnp.PyArray_DATA(s)
    cdef double *cp = <double *>cnp.PyArray_DATA(c)
    cdef Py_ssize_t i, n = a.size
    with nogil:
        for i in range(n):
            fi_sincos_turns_f64(ap[i], &sp[i], &cp[i])
    return s, c


# ---- the nn seam: trusted buffers, no checks ------------------------------------------
def forward_into(cnp.ndarray X, cnp.ndarray W, object b, cnp.ndarray out, int act, int n_threads):
    """out = act(X @ W + b) on buffers fastinit.nn made (C-contiguous, one dtype)."""
    dense(X, W, b, out, act, n_threads)
    return out


def forward_fixed(cnp.ndarray X, cnp.ndarray W, object b, cnp.ndarray out, int act, int n_threads):
    """forward_into with the product in the fixed order (fixed_product)."""
    fixed_product(X, W, out, n_threads)
    bias_act(out, b, act, n_threads)
    return out


def backward_fixed(cnp.ndarray dA, cnp.ndarray X, cnp.ndarray W, cnp.ndarray A, int act,
                   object dX, cnp.ndarray dW, cnp.ndarray db, cnp.ndarray dZ, object WT,
                   int n_threads):
    """backward_into with the products in the fixed order: dZ and db in the
    fused pass (blocks summed in a fixed order), dW = X.T @ dZ, dX = dZ @ W.T
    (through a C-contiguous copy of W.T, into WT when given)."""
    grad_act(dA, A, dZ, db, act, n_threads)
    fixed_product(cnp.PyArray_Transpose(X, NULL), dZ, dW, n_threads)
    if dX is not None:
        fixed_product(dZ, transposed_copy(W, WT), <cnp.ndarray>dX, n_threads)


def backward_into(cnp.ndarray dA, cnp.ndarray X, cnp.ndarray W, cnp.ndarray A, int act,
                  object dX, cnp.ndarray dW, cnp.ndarray db, cnp.ndarray dZ, object WT,
                  int n_threads):
    """The backward of dense_backward on buffers fastinit.nn made; dZ may be
    dA (then dA is overwritten), WT an optional buffer for W.T."""
    backward_core(dA, X, W, A, act, dX, dW, db, dZ, WT, n_threads)


def sgd(cnp.ndarray w, cnp.ndarray g, object v, double lr, double momentum):
    """w -= lr g; with a velocity v: v = momentum v - lr g, w += v. All C-contiguous, same dtype."""
    cdef int64_t n = cnp.PyArray_SIZE(w)
    cdef void *vp = NULL
    if v is not None:
        vp = cnp.PyArray_DATA(<cnp.ndarray>v)
    if cnp.PyArray_TYPE(w) == cnp.NPY_FLOAT32:
        with nogil:
            fi_sgd_f32(<float *>cnp.PyArray_DATA(w), <const float *>cnp.PyArray_DATA(g),
                       <float *>vp, n, <float>lr, <float>momentum)
    else:
        with nogil:
            fi_sgd_f64(<double *>cnp.PyArray_DATA(w), <const double *>cnp.PyArray_DATA(g),
                       <double *>vp, n, lr, momentum)


# ---- the one check ----------------------------------------------------------------------
cdef dict CODES = ACTIVATIONS


cdef int act_code(object activation) except -1:
    if type(activation) is not str:
        raise TypeError(f"activation must be a str, got {activation!r}")
    code = CODES.get(activation)
    if code is None:
        raise ValueError(f"activation must be one of {NAMES}, got {activation!r}")
    return <int>code


def activation_code(activation):
    """The kernel code of an activation name; TypeError/ValueError naming it."""
    return act_code(activation)


cdef cnp.ndarray matrix(object x, str name):
    if not isinstance(x, cnp.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if cnp.PyArray_NDIM(<cnp.ndarray>x) != 2:
        raise ValueError(f"{name} must be 2-D, got shape {x.shape}")
    return <cnp.ndarray>x


cdef cnp.dtype float_type(cnp.ndarray x, str name):
    """float32 or float64 (in any byte order), as the native dtype."""
    cdef int t = cnp.PyArray_TYPE(x)
    if t == cnp.NPY_FLOAT32:
        return F32
    if t == cnp.NPY_FLOAT64:
        return F64
    raise TypeError(f"{name} must have dtype float32 or float64, got {x.dtype}")


cdef same_type(cnp.ndarray x, str name, cnp.dtype dt, str first):
    if cnp.PyArray_TYPE(x) != dt.type_num:
        raise TypeError(f"mixed dtypes: {first} is {dt} but {name} is {x.dtype}; "
                        "use one dtype per call")


cdef cnp.ndarray native(cnp.ndarray x, cnp.dtype dt, bint contiguous):
    """x itself when the kernels can read it (native, aligned, and
    C-contiguous if asked), else such a copy."""
    cdef int need = cnp.NPY_ARRAY_ALIGNED | (cnp.NPY_ARRAY_C_CONTIGUOUS if contiguous else 0)
    if cnp.PyArray_ISNOTSWAPPED(x) and (cnp.PyArray_FLAGS(x) & need) == need:
        return x
    return np.array(x, dtype=dt, order="C")


cdef cnp.ndarray bias(object b, Py_ssize_t n_out, cnp.dtype dt, cnp.ndarray w):
    """b as an (n_out,) array of the call's dtype: an ndarray, or a view of
    any array-like numpy converts without a copy (a memoryview, a tensor),
    else a converted copy. Not yet native: the overlap check reads it first."""
    cdef cnp.ndarray v
    if isinstance(b, cnp.ndarray):
        v = <cnp.ndarray>b
        if cnp.PyArray_TYPE(v) != dt.type_num:
            raise TypeError(f"mixed dtypes: X is {dt} but b is {v.dtype}; use one dtype per call")
    else:
        try:
            v = np.asarray(b, dtype=dt)
        except (TypeError, ValueError) as e:
            raise TypeError(f"b must be a numpy.ndarray, an array-like of numbers or None, "
                            f"got {type(b).__name__}: {e}") from None
    if not (cnp.PyArray_NDIM(v) == 1 and cnp.PyArray_DIM(v, 0) == n_out):
        if not (cnp.PyArray_NDIM(v) == 2 and cnp.PyArray_DIM(v, 0) == 1 and cnp.PyArray_DIM(v, 1) == n_out):
            raise ValueError(f"b has shape {(<object>v).shape}, but W {(<object>w).shape} needs ({n_out},)")
        v = v.reshape(n_out)
    return v


cdef cnp.ndarray output(object out, tuple shape, cnp.dtype dt, str name):
    """A given output buffer checked (C-contiguous, writable, aligned, the
    call's dtype and this shape), seen as an ndarray when it is another
    buffer (a memoryview, a torch tensor); None: a new array."""
    cdef cnp.dtype odt
    cdef cnp.npy_intp n
    if out is None:
        if len(shape) == 2:
            return empty2(shape[0], shape[1], dt.type_num)
        n = shape[0]
        return cnp.PyArray_EMPTY(1, &n, dt.type_num, 0)
    out = as_out(out, name)
    odt = out_dtype(out, None, name)
    if odt is not dt:
        raise TypeError(f"mixed dtypes: the inputs are {dt} but {name} is {odt}; "
                        "use one dtype per call")
    return check_out(out, shape, dt, name)


cdef inline int apart1(cnp.ndarray o, str o_name, object x, str x_name) except -1:
    if x is not None and overlaps(o, <cnp.ndarray>x):
        raise ValueError(f"{o_name} must not share memory with {x_name}")
    return 0


cdef apart(tuple outputs, tuple inputs):
    """No output may share memory with an input or another output."""
    cdef Py_ssize_t i, j
    for i in range(len(outputs)):
        o_name, o = outputs[i]
        if o is None:
            continue
        for in_name, x in inputs:
            apart1(<cnp.ndarray>o, o_name, x, in_name)
        for j in range(i + 1, len(outputs)):
            apart1(<cnp.ndarray>o, o_name, outputs[j][1], outputs[j][0])


def forward(X, W, b, activation, out):
    """fastinit.dense_forward: check everything, then act(X @ W + b)."""
    cdef int act = act_code(activation)
    cdef cnp.ndarray x = matrix(X, "X"), w = matrix(W, "W"), bv = None, o
    cdef cnp.dtype dt = float_type(x, "X")
    same_type(w, "W", dt, "X")
    cdef Py_ssize_t batch = x.shape[0], n_in = x.shape[1], n_out = w.shape[1]
    if w.shape[0] != n_in:
        raise ValueError(f"X {(<object>x).shape} and W {(<object>w).shape} do not align: X has {n_in} columns, "
                         f"W has {w.shape[0]} rows")
    if b is not None:
        bv = bias(b, n_out, dt, w)
    o = output(out, (batch, n_out), dt, "out")
    if out is not None:
        apart((("out", o),), (("X", x), ("W", w), ("b", bv)))
    if bv is not None:
        bv = native(bv, dt, True)
    dense(native(x, dt, False), native(w, dt, False), bv, o, act, threads())
    return o if out is None else out


def backward(dA, X, W, A, activation, dX, dW, db, need_dX):
    """fastinit.dense_backward: check everything, then the one backward."""
    cdef int act = act_code(activation)
    cdef cnp.ndarray da = matrix(dA, "dA"), x = matrix(X, "X"), w = matrix(W, "W")
    cdef cnp.ndarray a = matrix(A, "A"), gx = None, gw, gb
    cdef cnp.dtype dt = float_type(da, "dA")
    same_type(x, "X", dt, "dA")
    same_type(w, "W", dt, "dA")
    same_type(a, "A", dt, "dA")
    cdef Py_ssize_t batch = x.shape[0], n_in = x.shape[1], n_out = w.shape[1]
    if w.shape[0] != n_in:
        raise ValueError(f"X {(<object>x).shape} and W {(<object>w).shape} do not align: X has {n_in} columns, "
                         f"W has {w.shape[0]} rows")
    if (<object>a).shape != (batch, n_out):
        raise ValueError(f"A has shape {(<object>a).shape}, but X {(<object>x).shape} @ W "
                         f"{(<object>w).shape} is ({batch}, {n_out})")
    if (<object>da).shape != (<object>a).shape:
        raise ValueError(f"dA has shape {(<object>da).shape}, but A has shape {(<object>a).shape}")
    gb = output(db, (n_out,), dt, "db")
    gw = output(dW, (n_in, n_out), dt, "dW")
    need = bool(need_dX)
    if need:
        gx = output(dX, (batch, n_in), dt, "dX")
    apart((("dX", gx if dX is not None and need else None), ("dW", gw if dW is not None else None),
           ("db", gb if db is not None else None)),
          (("dA", da), ("X", x), ("W", w), ("A", a)))
    backward_core(native(da, dt, True), native(x, dt, False), native(w, dt, False),
                  native(a, dt, True), act, gx, gw, gb, empty2(batch, n_out, dt.type_num), None,
                  threads())
    return ((None if gx is None else gx if dX is None else dX),
            gw if dW is None else dW, gb if db is None else db)
