/*
 * Runtime CPU dispatch for the elementwise loops: GCC compiles a function
 * marked FI_CLONES three times (baseline, x86-64-v3 = AVX2, x86-64-v4 =
 * AVX-512) and the loader picks the widest the CPU runs. Elsewhere (other
 * compilers, other architectures, FASTINIT_NO_CLONES) it is a plain function.
 */
#ifndef FASTINIT_DISPATCH_H
#define FASTINIT_DISPATCH_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && !defined(FASTINIT_NO_CLONES)
#define FI_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define FI_CLONES
#endif

#endif
