# Declarations of the OpenMP shim (src/openmp_shim.h): real OpenMP queries when
# the extension was compiled with it, constant single-thread answers otherwise,
# and the build facts show_config() prints.
cdef extern from "src/openmp_shim.h" nogil:
    int fi_have_openmp()
    int fi_omp_max_threads()
    const char *fi_omp_runtime()
    const char *fi_compiler()
    const char *fi_build_flags()
