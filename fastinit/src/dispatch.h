/*
 * One run-time SIMD dispatch for every kernel family.
 *
 * Each kernel has one body (a static inline function) compiled three times:
 * as is, inside a function marked FI_TARGET_AVX2 and inside one marked
 * FI_TARGET_AVX512; the compiler inlines the body and vectorises it for that
 * target. Function-level target attributes work in GCC and clang alike (no
 * target_clones). A table per family holds the three versions; the package
 * picks one level at import (fi_cpu_level, capped by FASTINIT_SIMD) and every
 * call goes through that table, so the cap applies to the Philox blocks and
 * to the value loops at once.
 *
 * All levels give the same bits: the value loops use only correctly rounded
 * operations and the build turns FMA contraction off (-ffp-contract=off).
 */
#ifndef FASTINIT_DISPATCH_H
#define FASTINIT_DISPATCH_H

enum { FI_LEVEL_SCALAR = 0, FI_LEVEL_AVX2 = 1, FI_LEVEL_AVX512 = 2, FI_N_LEVELS = 3 };

#define FI_INLINE static inline __attribute__((always_inline))

/* Before a vectorised loop whose iterations are long chains of dependent
 * operations (the Box-Muller loops): clang runs one vector per iteration
 * there unless asked to interleave more, and was 20% slower than GCC at
 * AVX2 without it. GCC's schedule needs no hint. */
#if defined(__clang__)
#define FI_INTERLEAVE _Pragma("clang loop interleave_count(4)")
#else
#define FI_INTERLEAVE
#endif

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(FASTINIT_NO_SIMD)
#define FI_X86_SIMD 1
#define FI_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2,popcnt")))
#define FI_TARGET_AVX512 \
    __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi,bmi2,popcnt")))

/* The widest level this CPU (and its OS) runs. */
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
#elif defined(__aarch64__) && !defined(FASTINIT_NO_SIMD)
/* NEON is part of every aarch64 CPU: chosen at compile time. Level 1 (and
 * 2, which adds nothing there) runs the NEON Philox; level 0 the scalar one. */
#define FI_ARM_NEON 1
static inline int fi_cpu_level(void) { return FI_LEVEL_AVX2; }
#else
static inline int fi_cpu_level(void) { return FI_LEVEL_SCALAR; }
#endif

/* The name of a level on this architecture (FASTINIT_SIMD takes these). */
static inline const char *fi_level_name(int level)
{
#ifdef FI_ARM_NEON
    static const char *names[FI_N_LEVELS] = {"scalar", "neon", "neon"};
#else
    static const char *names[FI_N_LEVELS] = {"scalar", "avx2", "avx512"};
#endif
    return names[level < 0 ? 0 : (level >= FI_N_LEVELS ? FI_N_LEVELS - 1 : level)];
}

/* The level to use: the CPU's, capped at `cap` (a FI_LEVEL_*). */
static inline int fi_pick_level(int cap)
{
    int level = fi_cpu_level();
    return cap < level ? (cap < 0 ? 0 : cap) : level;
}

#endif
