/* OpenMP when the compiler has it, single-threaded stand-ins when it has not
 * (the build probes and warns; see setup.py). */
#ifndef FASTINIT_OPENMP_SHIM_H
#define FASTINIT_OPENMP_SHIM_H

#ifdef _OPENMP
#include <omp.h>
static inline int fi_have_openmp(void) { return 1; }
static inline int fi_omp_max_threads(void) { return omp_get_max_threads(); }
#else
static inline int fi_have_openmp(void) { return 0; }
static inline int fi_omp_max_threads(void) { return 1; }
#endif

#endif
