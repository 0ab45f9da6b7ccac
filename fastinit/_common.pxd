# The argument rules every kernel family's boundary applies (see _common.pyx).
cimport numpy as cnp
from libc.stdint cimport uint64_t

cdef int threads() noexcept
cdef object check_int(object value, str name, object low=*, object high=*)
cdef double check_real(object value, str name, bint finite=*) except? -1.0
cdef tuple check_shape(object shape, Py_ssize_t *size, str name=*)
cdef cnp.dtype check_dtype(object dtype, str name=*, bint halves=*)
cdef object as_out(object out, str name=*, bint checked_later=*)
cdef int same_storage(object t, cnp.ndarray view, str name=*) except -1
cdef bint plain_tensor(object t) noexcept
cdef object torch_base(object out)
cdef int within_storage(object t, cnp.ndarray view, str name=*) except -1
cdef cnp.dtype out_dtype(object out, object dtype, str name=*, bint halves=*)
cdef bint single(cnp.dtype dt) noexcept
cdef cnp.ndarray check_out(object out, tuple shape, cnp.dtype dtype, str name=*)
cdef bint overlaps(cnp.ndarray a, cnp.ndarray b) except -1
cdef double dtype_max(cnp.dtype dtype) noexcept
