/*
 * Compiler differences, in one place: GCC, clang (Apple's driver included),
 * MinGW-w64 (GCC on Windows) and MSVC.
 *
 *   FI_INLINE         a function always inlined into its caller
 *   FI_INTERLEAVE     before a vectorised loop of long dependency chains:
 *                     ask clang to interleave 4 vectors (GCC needs no hint)
 *   FI_X86_SIMD       defined when the SSE2/AVX2/AVX-512 kernels are built
 *   FI_ARM_NEON       defined on aarch64 (NEON is part of every such CPU)
 *   FI_TARGET_AVX2,   function attributes that let GCC and clang emit
 *   FI_TARGET_AVX512  AVX2/AVX-512 code in one function of a portable build;
 *                     MSVC needs none for intrinsics (empty there)
 *   FI_TARGET_FMA     the scalar level with fused multiply-adds: FMA
 *                     instructions at SSE's width (GCC; clang takes FMA
 *                     alone, MSVC nothing)
 *   FI_FMA_BASELINE   defined where every CPU of the build's target has a
 *                     fused multiply-add instruction (aarch64, or a build
 *                     for such a target, e.g. -march=native on one)
 *   fi_cpu_level()    the widest level this CPU and its OS run
 *   fi_cpu_has_fma()  whether this CPU and its OS run FI_TARGET_FMA code
 *
 * Nothing else in src/ uses a compiler-specific token outside a guard of
 * its own (tests/test_portability.py preprocesses every file as MSVC would
 * and checks).
 */
#ifndef FASTINIT_PORTABLE_H
#define FASTINIT_PORTABLE_H

enum { FI_LEVEL_SCALAR = 0, FI_LEVEL_AVX2 = 1, FI_LEVEL_AVX512 = 2, FI_N_LEVELS = 3 };

#if defined(_MSC_VER) && !defined(__clang__)
#define FI_MSVC 1
#define FI_INLINE static __forceinline
#else
#define FI_INLINE static inline __attribute__((always_inline))
#endif

#if defined(__clang__)
#define FI_INTERLEAVE _Pragma("clang loop interleave_count(4)")
#else
#define FI_INTERLEAVE
#endif

#if defined(FASTINIT_NO_SIMD)
/* a plain C build (no SIMD kernels): the scalar level only */
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define FI_X86_SIMD 1
#define FI_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2,popcnt")))
#define FI_TARGET_AVX512 \
    __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi,bmi2,popcnt")))
#if defined(__clang__)
#define FI_TARGET_FMA __attribute__((target("fma")))
#else
#define FI_TARGET_FMA __attribute__((target("fma,prefer-vector-width=128")))
#endif
#elif defined(FI_MSVC) && defined(_M_X64)
#define FI_X86_SIMD 1
#define FI_TARGET_AVX2
#define FI_TARGET_AVX512
#define FI_TARGET_FMA
#elif defined(__aarch64__) || defined(_M_ARM64)
#define FI_ARM_NEON 1
#endif

#if defined(__aarch64__) || defined(_M_ARM64) || defined(__FMA__) \
    || (!defined(FI_X86_SIMD) && defined(__FP_FAST_FMA) && defined(__FP_FAST_FMAF))
#define FI_FMA_BASELINE 1
#endif

#if defined(FI_X86_SIMD) && !defined(FI_MSVC)
static inline int fi_cpu_level(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
        return FI_LEVEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
        && __builtin_cpu_supports("bmi2"))
        return FI_LEVEL_AVX2;
    return FI_LEVEL_SCALAR;
}

/* libgcc clears AVX and FMA when the OS does not save the YMM registers. */
static inline int fi_cpu_has_fma(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx");
}
#elif defined(FI_X86_SIMD)
#include <intrin.h>
/* CPUID for the instruction sets, and XGETBV for whether the OS saves the
 * registers: YMM state (XCR0 bits 1-2) for AVX2, opmask and ZMM state
 * (bits 5-7) as well for AVX-512. */
static inline int fi_cpu_level(void)
{
    int r[4];
    unsigned long long xcr0;
    int avx2, fma, bmi2, avx512;
    __cpuid(r, 0);
    if (r[0] < 7)
        return FI_LEVEL_SCALAR;
    __cpuid(r, 1);
    fma = (r[2] >> 12) & 1;
    if (!((r[2] >> 27) & 1) || !((r[2] >> 28) & 1))      /* OSXSAVE, AVX */
        return FI_LEVEL_SCALAR;
    xcr0 = _xgetbv(0);
    if ((xcr0 & 0x6) != 0x6)
        return FI_LEVEL_SCALAR;
    __cpuidex(r, 7, 0);
    avx2 = (r[1] >> 5) & 1;
    bmi2 = (r[1] >> 8) & 1;
    avx512 = ((r[1] >> 16) & 1) && ((r[1] >> 17) & 1)   /* F, DQ */
             && ((r[1] >> 30) & 1) && ((r[1] >> 31) & 1); /* BW, VL */
    if (avx512 && avx2 && fma && bmi2 && (xcr0 & 0xe6) == 0xe6)
        return FI_LEVEL_AVX512;
    if (avx2 && fma && bmi2)
        return FI_LEVEL_AVX2;
    return FI_LEVEL_SCALAR;
}

static inline int fi_cpu_has_fma(void)
{
    int r[4];
    __cpuid(r, 1);
    /* FMA, OSXSAVE and AVX, and the OS saves the YMM registers */
    return ((r[2] >> 12) & 1) && ((r[2] >> 27) & 1) && ((r[2] >> 28) & 1)
           && (_xgetbv(0) & 0x6) == 0x6;
}
#elif defined(FI_ARM_NEON)
/* Level 1 (and 2, which adds nothing there) runs the NEON Philox; level 0
 * the scalar one. */
static inline int fi_cpu_level(void) { return FI_LEVEL_AVX2; }
static inline int fi_cpu_has_fma(void) { return 1; }
#else
static inline int fi_cpu_level(void) { return FI_LEVEL_SCALAR; }
#ifdef FI_FMA_BASELINE
static inline int fi_cpu_has_fma(void) { return 1; }
#else
static inline int fi_cpu_has_fma(void) { return 0; }
#endif
#endif

#endif
