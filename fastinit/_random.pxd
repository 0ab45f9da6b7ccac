# What fastinit._random shares with the other extensions at the C level.
from fastinit._fills cimport fi_family_select_fn

cdef int join_simd_family(fi_family_select_fn select) noexcept
