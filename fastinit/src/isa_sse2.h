/*
 * The SSE2 primitives of the Philox steps (philox_steps.h): the x86-64
 * baseline, every x86-64 CPU has it, and the scalar level's block generator
 * there. Each ISA header gives the same names with its own prefix: the
 * vector type, its lanes, how many vectors a step interleaves (ways), the
 * shortest rest worth one more step (padded), the function attribute that
 * lets the compiler emit it (target), and set1, iota, add, xor, xor3,
 * mulhilo and store.
 */
#ifndef FASTINIT_ISA_SSE2_H
#define FASTINIT_ISA_SSE2_H

#include <immintrin.h>
#include <stdint.h>

#include "portable.h"

typedef __m128i fi_sse2_t;
#define fi_sse2_lanes 4
#define fi_sse2_ways 3
#define fi_sse2_padded 3
#define fi_sse2_target

FI_INLINE fi_sse2_t fi_sse2_set1(uint32_t x) { return _mm_set1_epi32((int)x); }
FI_INLINE fi_sse2_t fi_sse2_iota(void) { return _mm_setr_epi32(0, 1, 2, 3); }
FI_INLINE fi_sse2_t fi_sse2_add(fi_sse2_t a, fi_sse2_t b) { return _mm_add_epi32(a, b); }
FI_INLINE fi_sse2_t fi_sse2_xor(fi_sse2_t a, fi_sse2_t b) { return _mm_xor_si128(a, b); }
FI_INLINE fi_sse2_t fi_sse2_xor3(fi_sse2_t a, fi_sse2_t b, fi_sse2_t c)
{
    return _mm_xor_si128(_mm_xor_si128(a, b), c);
}
FI_INLINE void fi_sse2_store(uint32_t *p, fi_sse2_t v) { _mm_storeu_si128((__m128i *)p, v); }

/* hi and lo halves of a * m per lane: even lanes multiplied in place, odd
 * lanes after a 64-bit shift; SSE2 has no blend, so masks put them back. */
FI_INLINE void fi_sse2_mulhilo(fi_sse2_t a, fi_sse2_t m, fi_sse2_t *hi, fi_sse2_t *lo)
{
    const __m128i high = _mm_set_epi32(-1, 0, -1, 0);
    __m128i pe = _mm_mul_epu32(a, m);
    __m128i po = _mm_mul_epu32(_mm_srli_epi64(a, 32), m);
    *hi = _mm_or_si128(_mm_srli_epi64(pe, 32), _mm_and_si128(po, high));
    *lo = _mm_or_si128(_mm_andnot_si128(high, pe), _mm_slli_epi64(po, 32));
}

#endif
