"""Dense-layer kernels: the fused passes beside BLAS.

``fastinit.dense`` and ``fastinit.nn`` check shapes, dtypes and layouts;
these functions take C-contiguous float32/float64 arrays that already match
and run the C passes of ``src/activations.c`` with the GIL released, over
row blocks in parallel for large outputs.
"""
cimport numpy as cnp
from cython.parallel cimport prange
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free
from cython cimport floating

from fastinit._activations cimport (
    FI_LINEAR, FI_RELU, FI_TANH, FI_SIGMOID, FI_GRAD_BLOCK,
    fi_bias_act_f32, fi_bias_act_f64, fi_grad_act_f32, fi_grad_act_f64,
    fi_sum_blocks_f32, fi_sum_blocks_f64, fi_sgd_f32, fi_sgd_f64, fi_act_f32, fi_act_f64,
    fi_transpose_f32, fi_transpose_f64,
)

cnp.import_array()

ACTIVATIONS = {"linear": FI_LINEAR, "relu": FI_RELU, "tanh": FI_TANH, "sigmoid": FI_SIGMOID}

# Elements under which one thread is faster than a team.
cdef Py_ssize_t PARALLEL_MIN = 1 << 15


cdef int team(Py_ssize_t rows, Py_ssize_t cols, int n_threads) noexcept nogil:
    if rows * cols < PARALLEL_MIN or n_threads < 2:
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


def bias_act(cnp.ndarray z, object b, int act, int n_threads):
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


cdef int grad_rows(const floating *da,  # IN: rows x cols
                   const floating *a,   # IN: rows x cols
                   floating *dz,        # OUT: rows x cols (may be da)
                   floating *db,        # OUT: cols
                   Py_ssize_t rows, Py_ssize_t cols, int act, int nt) noexcept nogil:
    """dz = da * act'(a), db = column sums, summed per 64-row block and then
    over the blocks in order: the same bits for any thread count."""
    cdef Py_ssize_t blocks = (rows + FI_GRAD_BLOCK - 1) // FI_GRAD_BLOCK
    cdef Py_ssize_t k, r0, n
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
    for k in prange(blocks, schedule="static", num_threads=nt, nogil=True):
        r0 = k * FI_GRAD_BLOCK
        n = rows - r0 if rows - r0 < FI_GRAD_BLOCK else FI_GRAD_BLOCK
        if floating is float:
            fi_grad_act_f32(da + r0 * cols, a + r0 * cols, dz + r0 * cols, partial + k * cols, n, cols, act)
        else:
            fi_grad_act_f64(da + r0 * cols, a + r0 * cols, dz + r0 * cols, partial + k * cols, n, cols, act)
    if floating is float:
        fi_sum_blocks_f32(partial, blocks, cols, db)
    else:
        fi_sum_blocks_f64(partial, blocks, cols, db)
    free(partial)
    return 0


def grad_act(cnp.ndarray da, cnp.ndarray a, cnp.ndarray dz, cnp.ndarray db, int act, int n_threads):
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


def transposed(cnp.ndarray a):
    """A new C-contiguous copy of a.T for a C-contiguous 2-D float array.

    OpenBLAS multiplies small matrices by a transposed operand at half speed
    (3.96 us against 1.74 us at 32x64 @ 64x64 here), so the backward pass
    multiplies by this copy of W.T when W is small."""
    return cnp.PyArray_NewCopy(cnp.PyArray_Transpose(a, NULL), cnp.NPY_CORDER)


def activate(cnp.ndarray x, int act):
    """x <- act(x) in place (C-contiguous), as the fused forward computes it."""
    cdef int64_t n = cnp.PyArray_SIZE(x)
    if cnp.PyArray_TYPE(x) == cnp.NPY_FLOAT32:
        with nogil:
            fi_act_f32(<float *>cnp.PyArray_DATA(x), n, act)
    else:
        with nogil:
            fi_act_f64(<double *>cnp.PyArray_DATA(x), n, act)


# ---- fast acceptance of the ordinary call ---------------------------------
# These answer in ~0.1 us whether a call is the common, valid case. Anything
# else (an error, or an input that needs a copy) takes the Python path of
# fastinit.dense, which checks everything and words the error.

cdef inline bint float_type(int t) noexcept:
    return t == cnp.NPY_FLOAT32 or t == cnp.NPY_FLOAT64


cdef inline bint matrix_of(object a, int t) noexcept:
    return (type(a) is cnp.ndarray and cnp.PyArray_NDIM(<cnp.ndarray>a) == 2
            and cnp.PyArray_TYPE(<cnp.ndarray>a) == t
            and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray>a))


cdef inline bint carray_of(object a, int t, Py_ssize_t d0, Py_ssize_t d1) noexcept:
    """A writable, aligned, C-contiguous, native array of type t and shape (d0, d1),
    or of shape (d0,) when d1 < 0."""
    cdef cnp.ndarray x
    if type(a) is not cnp.ndarray:
        return False
    x = <cnp.ndarray>a
    if cnp.PyArray_TYPE(x) != t or not cnp.PyArray_ISCARRAY(x) or not cnp.PyArray_ISNOTSWAPPED(x):
        return False
    if d1 < 0:
        return cnp.PyArray_NDIM(x) == 1 and cnp.PyArray_DIM(x, 0) == d0
    return cnp.PyArray_NDIM(x) == 2 and cnp.PyArray_DIM(x, 0) == d0 and cnp.PyArray_DIM(x, 1) == d1


cdef inline bint apart(cnp.ndarray a, cnp.ndarray b) noexcept:
    """True when the memory extents of a and b cannot overlap (b C-contiguous)."""
    cdef char *a0 = <char *>cnp.PyArray_DATA(a)
    cdef char *b0 = <char *>cnp.PyArray_DATA(b)
    cdef Py_ssize_t na = cnp.PyArray_NBYTES(a), nb = cnp.PyArray_NBYTES(b)
    if not cnp.PyArray_ISCONTIGUOUS(a):
        return False  # let the full check decide
    return a0 + na <= b0 or b0 + nb <= a0


cdef inline bint layer_dims(object X, object W, int t, Py_ssize_t *batch, Py_ssize_t *n_in,
                            Py_ssize_t *n_out) noexcept:
    """X (batch, n_in) and W (n_in, n_out), 2-D, native, of float type t."""
    if not float_type(t) or not matrix_of(X, t) or not matrix_of(W, t):
        return False
    batch[0] = cnp.PyArray_DIM(<cnp.ndarray>X, 0)
    n_in[0] = cnp.PyArray_DIM(<cnp.ndarray>X, 1)
    n_out[0] = cnp.PyArray_DIM(<cnp.ndarray>W, 1)
    return cnp.PyArray_DIM(<cnp.ndarray>W, 0) == n_in[0]


def forward_ok(X, W, b, out):
    """The ordinary dense_forward call: 2-D X, W of one float dtype that
    align; b None or C-contiguous (n_out,); out None or a C array of the
    result's shape apart from b."""
    cdef Py_ssize_t batch, n_in, n_out
    if type(X) is not cnp.ndarray:
        return False
    cdef int t = cnp.PyArray_TYPE(<cnp.ndarray>X)
    if not layer_dims(X, W, t, &batch, &n_in, &n_out):
        return False
    if b is not None and not (type(b) is cnp.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>b) == t
                              and cnp.PyArray_NDIM(<cnp.ndarray>b) == 1
                              and cnp.PyArray_DIM(<cnp.ndarray>b, 0) == n_out
                              and cnp.PyArray_ISCARRAY_RO(<cnp.ndarray>b)
                              and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray>b)):
        return False
    if out is not None:
        if not carray_of(out, t, batch, n_out):
            return False
        if b is not None and not apart(<cnp.ndarray>b, <cnp.ndarray>out):
            return False
    return True


def backward_ok(dA, X, W, A, dX, dW, db):
    """The ordinary dense_backward call: dA and A C-contiguous (batch, n_out),
    X (batch, n_in) and W (n_in, n_out) of the same float dtype; the given
    buffers C arrays of their shapes, db apart from dA and A."""
    cdef Py_ssize_t batch, n_in, n_out
    if type(A) is not cnp.ndarray:
        return False
    cdef int t = cnp.PyArray_TYPE(<cnp.ndarray>A)
    if not layer_dims(X, W, t, &batch, &n_in, &n_out):
        return False
    for a in (dA, A):
        if not (matrix_of(a, t) and cnp.PyArray_ISCARRAY_RO(<cnp.ndarray>a)
                and cnp.PyArray_DIM(<cnp.ndarray>a, 0) == batch
                and cnp.PyArray_DIM(<cnp.ndarray>a, 1) == n_out):
            return False
    if dX is not None and not carray_of(dX, t, batch, n_in):
        return False
    if dW is not None and not carray_of(dW, t, n_in, n_out):
        return False
    if db is not None:
        if not carray_of(db, t, n_out, -1):
            return False
        if not (apart(<cnp.ndarray>dA, <cnp.ndarray>db) and apart(<cnp.ndarray>A, <cnp.ndarray>db)):
            return False
    return True


# ---- the whole fast path in one call ----------------------------------------
# For small layers the Python-level np.dot/np.empty calls cost as much as the
# arithmetic; these make the same NumPy C-API calls directly.

cdef extern from "numpy/arrayobject.h":
    object PyArray_MatrixProduct2(object a, object b, cnp.ndarray out)


cdef Py_ssize_t SMALL_W = 1 << 16
# The same limit for the Python side (nn.Dense keeps a W.T buffer up to it).
SMALL_W_LIMIT = SMALL_W


def forward_into(cnp.ndarray X, cnp.ndarray W, object b, object out, int act, int n_threads):
    """out = act(X @ W + b) for a call forward_ok accepted; returns out."""
    cdef cnp.ndarray o
    if out is None:
        o = cnp.PyArray_EMPTY(2, [cnp.PyArray_DIM(X, 0), cnp.PyArray_DIM(W, 1)], cnp.PyArray_TYPE(X), 0)
    else:
        o = <cnp.ndarray>out
    PyArray_MatrixProduct2(X, W, o)
    bias_act(o, b, act, n_threads)
    return o


def backward_into(cnp.ndarray dA, cnp.ndarray X, cnp.ndarray W, cnp.ndarray A, int act,
                  object dX, object dW, object db, bint need_dX, int n_threads):
    """(dX, dW, db) for a call backward_ok accepted; allocates the missing buffers."""
    cdef int t = cnp.PyArray_TYPE(A)
    cdef Py_ssize_t batch = cnp.PyArray_DIM(X, 0), n_in = cnp.PyArray_DIM(X, 1)
    cdef Py_ssize_t n_out = cnp.PyArray_DIM(W, 1)
    cdef cnp.ndarray dZ = cnp.PyArray_EMPTY(2, [batch, n_out], t, 0)
    cdef cnp.ndarray WT
    if db is None:
        db = cnp.PyArray_EMPTY(1, [n_out], t, 0)
    if dW is None:
        dW = cnp.PyArray_EMPTY(2, [n_in, n_out], t, 0)
    grad_act(dA, A, dZ, <cnp.ndarray>db, act, n_threads)
    PyArray_MatrixProduct2(cnp.PyArray_Transpose(X, NULL), dZ, <cnp.ndarray>dW)
    if not need_dX:
        return None, dW, db
    if dX is None:
        dX = cnp.PyArray_EMPTY(2, [batch, n_in], t, 0)
    if cnp.PyArray_SIZE(W) <= SMALL_W and cnp.PyArray_IS_C_CONTIGUOUS(W):
        WT = transposed(W)   # OpenBLAS's small transposed product runs at half speed
        PyArray_MatrixProduct2(dZ, WT, <cnp.ndarray>dX)
    else:
        PyArray_MatrixProduct2(dZ, cnp.PyArray_Transpose(W, NULL), <cnp.ndarray>dX)
    return dX, dW, db


def matmul_into(a, b, cnp.ndarray out):
    """out = a @ b (2-D, out C-contiguous of the right shape and dtype), through
    the NumPy C-API."""
    PyArray_MatrixProduct2(a, b, out)
    return out


def transpose_into(cnp.ndarray a, cnp.ndarray t):
    """t[...] = a.T for a preallocated C-contiguous t, without allocating."""
    if cnp.PyArray_CopyInto(t, cnp.PyArray_Transpose(a, NULL)) < 0:
        raise ValueError("t must have the shape of a.T")
    return t
