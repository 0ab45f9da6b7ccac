/*
 * One run-time SIMD dispatch for every kernel family.
 *
 * Each kernel has one body (a static inline function) compiled three times:
 * as is, inside a function marked FI_TARGET_AVX2 and inside one marked
 * FI_TARGET_AVX512; the compiler inlines the body and vectorises it for that
 * target. Function-level target attributes work in GCC and clang alike (no
 * target_clones). A table per family holds the three versions; one choice
 * (fi_simd_select, simd.h: the CPU's level capped by FASTINIT_SIMD) sets
 * every family's table, so the cap applies to the Philox blocks and to the
 * value loops at once.
 *
 * The random fills and the dense passes give the same bits at every level:
 * their value loops use only correctly rounded operations (the build passes
 * -ffp-contract=off), and fixedmm.c's products call fma explicitly. (gemm.c,
 * the public dense_forward's small product, fuses by level too, but only
 * where the level has it.) Compiler differences live in portable.h.
 */
#ifndef FASTINIT_DISPATCH_H
#define FASTINIT_DISPATCH_H

#include "portable.h"

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
