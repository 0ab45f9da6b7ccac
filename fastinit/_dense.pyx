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


def activate(cnp.ndarray x, int act):
    """x <- act(x) in place (C-contiguous), as the fused forward computes it."""
    cdef int64_t n = cnp.PyArray_SIZE(x)
    if cnp.PyArray_TYPE(x) == cnp.NPY_FLOAT32:
        with nogil:
            fi_act_f32(<float *>cnp.PyArray_DATA(x), n, act)
    else:
        with nogil:
            fi_act_f64(<double *>cnp.PyArray_DATA(x), n, act)
