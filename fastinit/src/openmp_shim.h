/* OpenMP when the compiler has it, single-threaded stand-ins when it has not
 * (the build probes and warns; see setup.py), and the build facts that
 * fastinit.show_config() prints. */
#ifndef FASTINIT_OPENMP_SHIM_H
#define FASTINIT_OPENMP_SHIM_H

#include <stddef.h>

#ifdef _OPENMP
#include <omp.h>
#if defined(__linux__) || defined(__APPLE__)
#include <dlfcn.h>
#define FI_HAVE_DLADDR 1
#endif
static inline int fi_have_openmp(void) { return 1; }
static inline int fi_omp_max_threads(void) { return omp_get_max_threads(); }

/* The file of the OpenMP runtime this extension calls (libgomp, libomp,
 * libiomp5, ...), or "" where the platform cannot say. GNU libgomp keeps
 * no thread pool across fork(), so the caller must know which it is. */
static inline const char *fi_omp_runtime(void)
{
#ifdef FI_HAVE_DLADDR
    Dl_info info;
    if (dladdr((void *)&omp_get_max_threads, &info) && info.dli_fname)
        return info.dli_fname;
#endif
    return "";
}
#else
static inline int fi_have_openmp(void) { return 0; }
static inline int fi_omp_max_threads(void) { return 1; }
static inline const char *fi_omp_runtime(void) { return ""; }
#endif

/* fn(ctx, i) for i in [0, n) on nt threads, schedule static, with the GIL
 * exactly as the caller holds it: a fill into memory another framework owns
 * keeps the GIL through its whole parallel region (Cython's prange would
 * release and retake it around the region), so no Python thread can resize
 * or free that memory meanwhile. With nt == 1 no OpenMP region is opened
 * (a forked child must not open one). */
typedef void (*fi_task_fn)(void *ctx, ptrdiff_t i);

static inline void fi_parallel_for(ptrdiff_t n, int nt, fi_task_fn fn, void *ctx)
{
    ptrdiff_t i;
    if (nt <= 1) {
        for (i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt)
#endif
    for (i = 0; i < n; i++)
        fn(ctx, i);
}

/* The compiler and the flags setup.py built with (fi_build_info.h is
 * written by setup.py into build/, on the include path). */
#include "fi_build_info.h"
static inline const char *fi_build_flags(void) { return FI_BUILD_FLAGS; }

static inline const char *fi_compiler(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#elif defined(_MSC_VER)
#define FI_STR2(x) #x
#define FI_STR(x) FI_STR2(x)
    return "msvc " FI_STR(_MSC_FULL_VER);
#else
    return "unknown";
#endif
}

#endif
