# Declarations of the OpenMP shim (src/openmp_shim.h): real OpenMP queries when
# the extension was compiled with it, constant single-thread answers otherwise,
# and the build facts show_config() prints.
cdef extern from "src/openmp_shim.h" nogil:
    int fi_have_openmp()
    int fi_omp_max_threads()
    const char *fi_omp_runtime()
    const char *fi_compiler()
    const char *fi_build_flags()
    ctypedef void (*fi_task_fn)(void *ctx, Py_ssize_t i) noexcept nogil
    void fi_parallel_for(Py_ssize_t n, int nt, fi_task_fn fn, void *ctx)
