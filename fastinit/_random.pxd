# What fastinit._random shares with the other extensions at the C level.
from fastinit._fills cimport fi_family_select_fn

cdef int join_simd_family(fi_family_select_fn select) noexcept

# The draws the compiled Python modules (random.py, initializers.py) call
# through cimport: a C call with every argument, no parsing.
cpdef object scaled(object shape, object in_axis, object out_axis, object fan_in, object fan_out,
                    object dtype, object out, object seed, object stream, object offset,
                    object region, object scale=*, object gain=*, object nonlinearity=*,
                    object a=*, object mode=*, object distribution=*)
cpdef object uniform(object shape, object low, object high, object dtype, object out, object seed,
                     object stream, object offset, object region=*)
cpdef object normal(object shape, object mean, object std, object dtype, object out, object seed,
                    object stream, object offset, object region=*)
cpdef object truncated_normal(object shape, object mean, object std, object lower, object upper,
                              object dtype, object out, object seed, object stream, object offset,
                              object region=*)
cpdef object constant(object shape, object value, object dtype, object out, object seed,
                      object stream, object offset, object region=*)
