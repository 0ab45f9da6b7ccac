/*
 * Philox4x32-10 over many consecutive blocks at once, word-planar:
 * block b0 + j of stream (s0, s1) goes to w0[j], w1[j], w2[j], w3[j].
 *
 * GCC does not turn the 32x32->64 products of a plain C loop into vpmuludq
 * (it emits a full 64-bit multiply), so the SIMD generators are written with
 * intrinsics: once, in philox_steps.h, over about ten primitives that each
 * instruction set's header defines (isa_sse2.h, isa_avx2.h, isa_avx512.h,
 * isa_neon.h), as Random123 varies only mulhilo per platform. window.h wraps
 * each in a level's block generator; all give the same words as
 * fi_philox4x32_10.
 *
 * Within one call only counter word 0 differs between blocks: words 1-3
 * (the block's high half and the stream) are the same for all of them. So
 * half of round 0 and of round 1, and a xor of round 2, are the same for
 * every block; fi_philox_head computes them once, and each vector runs
 * 160 of the 180 operations of ten full rounds (AVX2).
 */
#ifndef FASTINIT_PHILOX_SIMD_H
#define FASTINIT_PHILOX_SIMD_H

#include <stdint.h>
#include "dispatch.h"
#include "philox.h"

/* Round keys: round r uses (k0 + r W0, k1 + r W1). */
static inline void fi_round_keys(uint32_t k0, uint32_t k1, uint32_t rk0[10], uint32_t rk1[10])
{
    for (int r = 0; r < 10; r++) {
        rk0[r] = k0 + (uint32_t)r * FI_PHILOX_W0;
        rk1[r] = k1 + (uint32_t)r * FI_PHILOX_W1;
    }
}

/* What rounds 0-2 share across blocks whose counters differ only in word 0
 * (c1 = hi, c2 = s0, c3 = s1). With (hi0, lo0) = M0 c0 and (hi1, lo1) =
 * M1 c2 of each round, the rounds reduce to
 *     round 0: c2 = hi0 ^ x2_0, c3 = lo0              (c0, c1 the same for all)
 *     round 1: c0 = hi1 ^ x0_1, c1 = lo1, c2 = c3 ^ x2_1  (c3 the same)
 *     round 2: c0 = hi1 ^ c1 ^ rk0[2], c1 = lo1, c2 = hi0 ^ x2_2, c3 = lo0
 * and rounds 3-9 are full rounds. */
typedef struct {
    uint32_t x2_0, x0_1, x2_1, x2_2;
} fi_philox_head_t;

static inline fi_philox_head_t fi_philox_head(uint32_t hi, uint32_t s0, uint32_t s1,
                                              const uint32_t rk0[10], const uint32_t rk1[10])
{
    fi_philox_head_t h;
    uint64_t p = (uint64_t)FI_PHILOX_M1 * s0;
    uint32_t a = (uint32_t)(p >> 32) ^ hi ^ rk0[0];  /* c0 after round 0 */
    uint64_t q = (uint64_t)FI_PHILOX_M0 * a;         /* its round-1 product */
    h.x2_0 = s1 ^ rk1[0];
    h.x0_1 = (uint32_t)p ^ rk0[1];
    h.x2_1 = (uint32_t)(q >> 32) ^ rk1[1];
    h.x2_2 = (uint32_t)q ^ rk1[2];
    return h;
}

/* One block at a time: the tail of a window (fewer blocks than a SIMD
 * step) and, off x86-64, the scalar level. (Four blocks interleaved ran 3x
 * slower here once inlined into the AVX-512 wrappers, which vectorised it.) */
static inline void fi_philox_blocks_scalar(uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1,
                                           uint64_t b0, int nb, uint32_t *w0, uint32_t *w1,
                                           uint32_t *w2, uint32_t *w3)
{
    for (int j = 0; j < nb; j++) {
        uint64_t b = b0 + (uint64_t)j;
        uint32_t o[4];
        fi_philox4x32_10((uint32_t)b, (uint32_t)(b >> 32), s0, s1, k0, k1, o);
        w0[j] = o[0];
        w1[j] = o[1];
        w2[j] = o[2];
        w3[j] = o[3];
    }
}

/* The SIMD generators: philox_steps.h, once per instruction set. */
#ifdef FI_X86_SIMD
#include "isa_sse2.h"
#include "isa_avx2.h"
#include "isa_avx512.h"
#define FI_ISA sse2
#include "philox_steps.h"
#undef FI_ISA
#define FI_ISA avx2
#include "philox_steps.h"
#undef FI_ISA
#define FI_ISA avx512
#include "philox_steps.h"
#undef FI_ISA
#endif

#ifdef FI_ARM_NEON
#include "isa_neon.h"
#define FI_ISA neon
#include "philox_steps.h"
#undef FI_ISA
#endif

#endif
