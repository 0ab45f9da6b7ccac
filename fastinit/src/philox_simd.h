/*
 * Philox4x32-10 over many consecutive blocks at once, word-planar:
 * block b0 + j of stream (s0, s1) goes to w0[j], w1[j], w2[j], w3[j].
 *
 * GCC does not turn the 32x32->64 products of a plain C loop into vpmuludq
 * (it emits a full 64-bit multiply), so the AVX2 and AVX-512 versions here
 * are written with intrinsics: even lanes are multiplied in place, odd lanes
 * after a 32-bit shift, and a blend puts high and low halves back in their
 * lanes. Several independent vectors per step hide the multiplies' latency.
 * On aarch64 a NEON version (vmull_u32) plays the same part. window.h wraps
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

#ifdef FI_X86_SIMD
#include <immintrin.h>

/* The x86-64 baseline (SSE2, every x86-64 CPU): the scalar level's block
 * generator there, so GCC and clang give it the same code. SSE2 has no
 * blend: the halves are put together with masks. */
static inline void fi_mulhilo_sse2(__m128i a, __m128i m, __m128i *hi, __m128i *lo)
{
    const __m128i high = _mm_set_epi32(-1, 0, -1, 0);
    __m128i pe = _mm_mul_epu32(a, m);
    __m128i po = _mm_mul_epu32(_mm_srli_epi64(a, 32), m);
    *hi = _mm_or_si128(_mm_srli_epi64(pe, 32), _mm_and_si128(po, high));
    *lo = _mm_or_si128(_mm_andnot_si128(high, pe), _mm_slli_epi64(po, 32));
}

static inline void fi_philox_round_sse2(__m128i *c0, __m128i *c1, __m128i *c2, __m128i *c3,
                                        __m128i m0, __m128i m1, __m128i k0, __m128i k1)
{
    __m128i hi0, lo0, hi1, lo1;
    fi_mulhilo_sse2(*c0, m0, &hi0, &lo0);
    fi_mulhilo_sse2(*c2, m1, &hi1, &lo1);
    *c0 = _mm_xor_si128(_mm_xor_si128(hi1, *c1), k0);
    *c2 = _mm_xor_si128(_mm_xor_si128(hi0, *c3), k1);
    *c1 = lo1;
    *c3 = lo0;
}

/* Blocks per step of fi_philox_blocks_sse2: FI_SSE2_WAYS vectors of 4. */
#define FI_SSE2_WAYS 3
#define FI_SSE2_BLOCKS (4 * FI_SSE2_WAYS)

/* Steps of `ways` vectors: nb a multiple of 4 * ways, and b0 .. b0 + nb - 1
 * within one 2^32 run. */
FI_INLINE void
fi_philox_sse2(int ways, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0, int nb,
           uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    uint32_t rk0[10], rk1[10];
    fi_round_keys(k0, k1, rk0, rk1);
    const __m128i m0 = _mm_set1_epi32((int)FI_PHILOX_M0), m1 = _mm_set1_epi32((int)FI_PHILOX_M1);
    const __m128i iota = _mm_setr_epi32(0, 1, 2, 3);
    const fi_philox_head_t h = fi_philox_head((uint32_t)(b0 >> 32), s0, s1, rk0, rk1);
    const __m128i x2_0 = _mm_set1_epi32((int)h.x2_0), x0_1 = _mm_set1_epi32((int)h.x0_1);
    const __m128i x2_1 = _mm_set1_epi32((int)h.x2_1), x2_2 = _mm_set1_epi32((int)h.x2_2);
    const __m128i k0_2 = _mm_set1_epi32((int)rk0[2]);
    for (int j = 0; j < nb; j += 4 * ways) {
        uint32_t b = (uint32_t)b0 + (uint32_t)j;
        __m128i c0[FI_SSE2_WAYS], c1[FI_SSE2_WAYS], c2[FI_SSE2_WAYS], c3[FI_SSE2_WAYS];
        for (int v = 0; v < ways; v++) {
            __m128i hi0, lo0, hi1, lo1;
            c0[v] = _mm_add_epi32(_mm_set1_epi32((int)(b + 4u * (uint32_t)v)), iota);
            fi_mulhilo_sse2(c0[v], m0, &hi0, &lo0);                      /* round 0 */
            c2[v] = _mm_xor_si128(hi0, x2_0);
            fi_mulhilo_sse2(c2[v], m1, &hi1, &lo1);                      /* round 1 */
            c0[v] = _mm_xor_si128(hi1, x0_1);
            c1[v] = lo1;
            c2[v] = _mm_xor_si128(lo0, x2_1);
            fi_mulhilo_sse2(c0[v], m0, &hi0, &lo0);                      /* round 2 */
            fi_mulhilo_sse2(c2[v], m1, &hi1, &lo1);
            c0[v] = _mm_xor_si128(_mm_xor_si128(hi1, c1[v]), k0_2);
            c1[v] = lo1;
            c2[v] = _mm_xor_si128(hi0, x2_2);
            c3[v] = lo0;
        }
        for (int r = 3; r < 10; r++) {
            __m128i rk0v = _mm_set1_epi32((int)rk0[r]), rk1v = _mm_set1_epi32((int)rk1[r]);
            for (int v = 0; v < ways; v++)
                fi_philox_round_sse2(&c0[v], &c1[v], &c2[v], &c3[v], m0, m1, rk0v, rk1v);
        }
        for (int v = 0; v < ways; v++) {
            _mm_storeu_si128((__m128i *)(w0 + j + 4 * v), c0[v]);
            _mm_storeu_si128((__m128i *)(w1 + j + 4 * v), c1[v]);
            _mm_storeu_si128((__m128i *)(w2 + j + 4 * v), c2[v]);
            _mm_storeu_si128((__m128i *)(w3 + j + 4 * v), c3[v]);
        }
    }
}

/* nb a multiple of FI_SSE2_BLOCKS, and b0 .. b0 + nb - 1 within one 2^32 run. */
static void fi_philox_blocks_sse2(uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0,
                                  int nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    fi_philox_sse2(FI_SSE2_WAYS, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}

/* One step of 1 .. FI_SSE2_WAYS vectors: 4 * vectors blocks from b0. */
static void
fi_philox_vectors_sse2(int vectors, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1,
                       uint64_t b0, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    int nb = 4 * vectors;
    if (vectors == 1)
        fi_philox_sse2(1, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else if (vectors == 2)
        fi_philox_sse2(2, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else
        fi_philox_sse2(FI_SSE2_WAYS, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}

FI_TARGET_AVX2 static inline void
fi_mulhilo_avx2(__m256i a, __m256i m, __m256i *hi, __m256i *lo)
{
    __m256i pe = _mm256_mul_epu32(a, m);
    __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
    *lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
}

FI_TARGET_AVX2 static inline void
fi_philox_round_avx2(__m256i *c0, __m256i *c1, __m256i *c2, __m256i *c3,
                     __m256i m0, __m256i m1, __m256i k0, __m256i k1)
{
    __m256i hi0, lo0, hi1, lo1;
    fi_mulhilo_avx2(*c0, m0, &hi0, &lo0);
    fi_mulhilo_avx2(*c2, m1, &hi1, &lo1);
    *c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, *c1), k0);
    *c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, *c3), k1);
    *c1 = lo1;
    *c3 = lo0;
}

/* Blocks per step of fi_philox_blocks_avx2: FI_AVX2_WAYS vectors of 8. */
#define FI_AVX2_WAYS 3
#define FI_AVX2_BLOCKS (8 * FI_AVX2_WAYS)

/* Steps of `ways` vectors: nb a multiple of 8 * ways, and b0 .. b0 + nb - 1
 * within one 2^32 run. */
FI_TARGET_AVX2 FI_INLINE void
fi_philox_avx2(int ways, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0, int nb,
           uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    uint32_t rk0[10], rk1[10];
    fi_round_keys(k0, k1, rk0, rk1);
    const __m256i m0 = _mm256_set1_epi32((int)FI_PHILOX_M0), m1 = _mm256_set1_epi32((int)FI_PHILOX_M1);
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const fi_philox_head_t h = fi_philox_head((uint32_t)(b0 >> 32), s0, s1, rk0, rk1);
    const __m256i x2_0 = _mm256_set1_epi32((int)h.x2_0), x0_1 = _mm256_set1_epi32((int)h.x0_1);
    const __m256i x2_1 = _mm256_set1_epi32((int)h.x2_1), x2_2 = _mm256_set1_epi32((int)h.x2_2);
    const __m256i k0_2 = _mm256_set1_epi32((int)rk0[2]);
    for (int j = 0; j < nb; j += 8 * ways) {
        uint32_t b = (uint32_t)b0 + (uint32_t)j;
        __m256i c0[FI_AVX2_WAYS], c1[FI_AVX2_WAYS], c2[FI_AVX2_WAYS], c3[FI_AVX2_WAYS];
        for (int v = 0; v < ways; v++) {
            __m256i hi0, lo0, hi1, lo1;
            c0[v] = _mm256_add_epi32(_mm256_set1_epi32((int)(b + 8u * (uint32_t)v)), iota);
            fi_mulhilo_avx2(c0[v], m0, &hi0, &lo0);                      /* round 0 */
            c2[v] = _mm256_xor_si256(hi0, x2_0);
            fi_mulhilo_avx2(c2[v], m1, &hi1, &lo1);                      /* round 1 */
            c0[v] = _mm256_xor_si256(hi1, x0_1);
            c1[v] = lo1;
            c2[v] = _mm256_xor_si256(lo0, x2_1);
            fi_mulhilo_avx2(c0[v], m0, &hi0, &lo0);                      /* round 2 */
            fi_mulhilo_avx2(c2[v], m1, &hi1, &lo1);
            c0[v] = _mm256_xor_si256(_mm256_xor_si256(hi1, c1[v]), k0_2);
            c1[v] = lo1;
            c2[v] = _mm256_xor_si256(hi0, x2_2);
            c3[v] = lo0;
        }
        for (int r = 3; r < 10; r++) {
            __m256i rk0v = _mm256_set1_epi32((int)rk0[r]), rk1v = _mm256_set1_epi32((int)rk1[r]);
            for (int v = 0; v < ways; v++)
                fi_philox_round_avx2(&c0[v], &c1[v], &c2[v], &c3[v], m0, m1, rk0v, rk1v);
        }
        for (int v = 0; v < ways; v++) {
            _mm256_storeu_si256((__m256i *)(w0 + j + 8 * v), c0[v]);
            _mm256_storeu_si256((__m256i *)(w1 + j + 8 * v), c1[v]);
            _mm256_storeu_si256((__m256i *)(w2 + j + 8 * v), c2[v]);
            _mm256_storeu_si256((__m256i *)(w3 + j + 8 * v), c3[v]);
        }
    }
}

/* nb a multiple of FI_AVX2_BLOCKS, and b0 .. b0 + nb - 1 within one 2^32 run. */
FI_TARGET_AVX2 static void
fi_philox_blocks_avx2(uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0, int nb,
                      uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    fi_philox_avx2(FI_AVX2_WAYS, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}

/* One step of 1 .. FI_AVX2_WAYS vectors: 8 * vectors blocks from b0. */
FI_TARGET_AVX2 static void
fi_philox_vectors_avx2(int vectors, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1,
                       uint64_t b0, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    int nb = 8 * vectors;
    if (vectors == 1)
        fi_philox_avx2(1, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else if (vectors == 2)
        fi_philox_avx2(2, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else
        fi_philox_avx2(FI_AVX2_WAYS, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}

/* The high halves of the even products swap into the even lanes, the low
 * halves of the odd products into the odd lanes: one masked shuffle each. */
FI_TARGET_AVX512 static inline void
fi_mulhilo_avx512(__m512i a, __m512i m, __m512i *hi, __m512i *lo)
{
    __m512i pe = _mm512_mul_epu32(a, m);
    __m512i po = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
    *hi = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_CDAB);
    *lo = _mm512_mask_shuffle_epi32(pe, 0xAAAA, po, _MM_PERM_CDAB);
}

FI_TARGET_AVX512 static inline void
fi_philox_round_avx512(__m512i *c0, __m512i *c1, __m512i *c2, __m512i *c3,
                       __m512i m0, __m512i m1, __m512i k0, __m512i k1)
{
    __m512i hi0, lo0, hi1, lo1;
    fi_mulhilo_avx512(*c0, m0, &hi0, &lo0);
    fi_mulhilo_avx512(*c2, m1, &hi1, &lo1);
    *c0 = _mm512_ternarylogic_epi32(hi1, *c1, k0, 0x96); /* three-way xor */
    *c2 = _mm512_ternarylogic_epi32(hi0, *c3, k1, 0x96);
    *c1 = lo1;
    *c3 = lo0;
}

/* Blocks per step of fi_philox_blocks_avx512: FI_AVX512_WAYS vectors of 16. */
#define FI_AVX512_WAYS 3
#define FI_AVX512_BLOCKS (16 * FI_AVX512_WAYS)

/* Steps of `ways` vectors: nb a multiple of 16 * ways, and b0 .. b0 + nb - 1
 * within one 2^32 run. */
FI_TARGET_AVX512 FI_INLINE void
fi_philox_avx512(int ways, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0, int nb,
           uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    uint32_t rk0[10], rk1[10];
    fi_round_keys(k0, k1, rk0, rk1);
    const __m512i m0 = _mm512_set1_epi32((int)FI_PHILOX_M0), m1 = _mm512_set1_epi32((int)FI_PHILOX_M1);
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const fi_philox_head_t h = fi_philox_head((uint32_t)(b0 >> 32), s0, s1, rk0, rk1);
    const __m512i x2_0 = _mm512_set1_epi32((int)h.x2_0), x0_1 = _mm512_set1_epi32((int)h.x0_1);
    const __m512i x2_1 = _mm512_set1_epi32((int)h.x2_1), x2_2 = _mm512_set1_epi32((int)h.x2_2);
    const __m512i k0_2 = _mm512_set1_epi32((int)rk0[2]);
    for (int j = 0; j < nb; j += 16 * ways) {
        uint32_t b = (uint32_t)b0 + (uint32_t)j;
        __m512i c0[FI_AVX512_WAYS], c1[FI_AVX512_WAYS], c2[FI_AVX512_WAYS], c3[FI_AVX512_WAYS];
        for (int v = 0; v < ways; v++) {
            __m512i hi0, lo0, hi1, lo1;
            c0[v] = _mm512_add_epi32(_mm512_set1_epi32((int)(b + 16u * (uint32_t)v)), iota);
            fi_mulhilo_avx512(c0[v], m0, &hi0, &lo0);                    /* round 0 */
            c2[v] = _mm512_xor_si512(hi0, x2_0);
            fi_mulhilo_avx512(c2[v], m1, &hi1, &lo1);                    /* round 1 */
            c0[v] = _mm512_xor_si512(hi1, x0_1);
            c1[v] = lo1;
            c2[v] = _mm512_xor_si512(lo0, x2_1);
            fi_mulhilo_avx512(c0[v], m0, &hi0, &lo0);                    /* round 2 */
            fi_mulhilo_avx512(c2[v], m1, &hi1, &lo1);
            c0[v] = _mm512_ternarylogic_epi32(hi1, c1[v], k0_2, 0x96);
            c1[v] = lo1;
            c2[v] = _mm512_xor_si512(hi0, x2_2);
            c3[v] = lo0;
        }
        for (int r = 3; r < 10; r++) {
            __m512i rk0v = _mm512_set1_epi32((int)rk0[r]), rk1v = _mm512_set1_epi32((int)rk1[r]);
            for (int v = 0; v < ways; v++)
                fi_philox_round_avx512(&c0[v], &c1[v], &c2[v], &c3[v], m0, m1, rk0v, rk1v);
        }
        for (int v = 0; v < ways; v++) {
            _mm512_storeu_si512((void *)(w0 + j + 16 * v), c0[v]);
            _mm512_storeu_si512((void *)(w1 + j + 16 * v), c1[v]);
            _mm512_storeu_si512((void *)(w2 + j + 16 * v), c2[v]);
            _mm512_storeu_si512((void *)(w3 + j + 16 * v), c3[v]);
        }
    }
}

/* nb a multiple of FI_AVX512_BLOCKS, and b0 .. b0 + nb - 1 within one 2^32 run. */
FI_TARGET_AVX512 static void
fi_philox_blocks_avx512(uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0, int nb,
                        uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    fi_philox_avx512(FI_AVX512_WAYS, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}

/* One step of 1 .. FI_AVX512_WAYS vectors: 16 * vectors blocks from b0. */
FI_TARGET_AVX512 static void
fi_philox_vectors_avx512(int vectors, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1,
                         uint64_t b0, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    int nb = 16 * vectors;
    if (vectors == 1)
        fi_philox_avx512(1, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else if (vectors == 2)
        fi_philox_avx512(2, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else
        fi_philox_avx512(FI_AVX512_WAYS, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}
#endif


#ifdef FI_ARM_NEON
#include <arm_neon.h>

/* hi and lo 32-bit halves of a * m, four lanes: vmull_u32 on each half, then
 * the odd (high) and even (low) words of the products gathered back. */
static inline void fi_mulhilo_neon(uint32x4_t a, uint32x4_t m, uint32x4_t *hi, uint32x4_t *lo)
{
    uint32x4_t p0 = vreinterpretq_u32_u64(vmull_u32(vget_low_u32(a), vget_low_u32(m)));
    uint32x4_t p1 = vreinterpretq_u32_u64(vmull_high_u32(a, m));
    *hi = vuzp2q_u32(p0, p1);
    *lo = vuzp1q_u32(p0, p1);
}

static inline void fi_philox_round_neon(uint32x4_t *c0, uint32x4_t *c1, uint32x4_t *c2,
                                        uint32x4_t *c3, uint32x4_t m0, uint32x4_t m1,
                                        uint32x4_t k0, uint32x4_t k1)
{
    uint32x4_t hi0, lo0, hi1, lo1;
    fi_mulhilo_neon(*c0, m0, &hi0, &lo0);
    fi_mulhilo_neon(*c2, m1, &hi1, &lo1);
    *c0 = veorq_u32(veorq_u32(hi1, *c1), k0);
    *c2 = veorq_u32(veorq_u32(hi0, *c3), k1);
    *c1 = lo1;
    *c3 = lo0;
}

/* Blocks per step of fi_philox_blocks_neon: FI_NEON_WAYS vectors of 4. */
#define FI_NEON_WAYS 2
#define FI_NEON_BLOCKS (4 * FI_NEON_WAYS)

/* Steps of `ways` vectors: nb a multiple of 4 * ways, and b0 .. b0 + nb - 1
 * within one 2^32 run. */
FI_INLINE void
fi_philox_neon(int ways, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0, int nb,
           uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    uint32_t rk0[10], rk1[10];
    fi_round_keys(k0, k1, rk0, rk1);
    const uint32x4_t m0 = vdupq_n_u32(FI_PHILOX_M0), m1 = vdupq_n_u32(FI_PHILOX_M1);
    const uint32_t iota_words[4] = {0, 1, 2, 3};
    const uint32x4_t iota = vld1q_u32(iota_words);
    const fi_philox_head_t h = fi_philox_head((uint32_t)(b0 >> 32), s0, s1, rk0, rk1);
    const uint32x4_t x2_0 = vdupq_n_u32(h.x2_0), x0_1 = vdupq_n_u32(h.x0_1);
    const uint32x4_t x2_1 = vdupq_n_u32(h.x2_1), x2_2 = vdupq_n_u32(h.x2_2);
    const uint32x4_t k0_2 = vdupq_n_u32(rk0[2]);
    for (int j = 0; j < nb; j += 4 * ways) {
        uint32_t b = (uint32_t)b0 + (uint32_t)j;
        uint32x4_t c0[FI_NEON_WAYS], c1[FI_NEON_WAYS], c2[FI_NEON_WAYS], c3[FI_NEON_WAYS];
        for (int v = 0; v < ways; v++) {
            uint32x4_t hi0, lo0, hi1, lo1;
            c0[v] = vaddq_u32(vdupq_n_u32(b + 4u * (uint32_t)v), iota);
            fi_mulhilo_neon(c0[v], m0, &hi0, &lo0);                      /* round 0 */
            c2[v] = veorq_u32(hi0, x2_0);
            fi_mulhilo_neon(c2[v], m1, &hi1, &lo1);                      /* round 1 */
            c0[v] = veorq_u32(hi1, x0_1);
            c1[v] = lo1;
            c2[v] = veorq_u32(lo0, x2_1);
            fi_mulhilo_neon(c0[v], m0, &hi0, &lo0);                      /* round 2 */
            fi_mulhilo_neon(c2[v], m1, &hi1, &lo1);
            c0[v] = veorq_u32(veorq_u32(hi1, c1[v]), k0_2);
            c1[v] = lo1;
            c2[v] = veorq_u32(hi0, x2_2);
            c3[v] = lo0;
        }
        for (int r = 3; r < 10; r++) {
            uint32x4_t rk0v = vdupq_n_u32(rk0[r]), rk1v = vdupq_n_u32(rk1[r]);
            for (int v = 0; v < ways; v++)
                fi_philox_round_neon(&c0[v], &c1[v], &c2[v], &c3[v], m0, m1, rk0v, rk1v);
        }
        for (int v = 0; v < ways; v++) {
            vst1q_u32(w0 + j + 4 * v, c0[v]);
            vst1q_u32(w1 + j + 4 * v, c1[v]);
            vst1q_u32(w2 + j + 4 * v, c2[v]);
            vst1q_u32(w3 + j + 4 * v, c3[v]);
        }
    }
}

/* nb a multiple of FI_NEON_BLOCKS, and b0 .. b0 + nb - 1 within one 2^32 run. */
static void fi_philox_blocks_neon(uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0,
                                  int nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    fi_philox_neon(FI_NEON_WAYS, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}

/* One step of 1 .. FI_NEON_WAYS vectors: 4 * vectors blocks from b0. */
static void
fi_philox_vectors_neon(int vectors, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1,
                       uint64_t b0, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    int nb = 4 * vectors;
    if (vectors == 1)
        fi_philox_neon(1, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else if (vectors == 2)
        fi_philox_neon(2, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else
        fi_philox_neon(FI_NEON_WAYS, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}
#endif

#endif
