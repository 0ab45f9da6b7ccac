/* The AVX2 primitives of the Philox steps (see isa_sse2.h for the names). */
#ifndef FASTINIT_ISA_AVX2_H
#define FASTINIT_ISA_AVX2_H

#include <immintrin.h>
#include <stdint.h>

#include "portable.h"

typedef __m256i fi_avx2_t;
#define fi_avx2_lanes 8
#define fi_avx2_ways 3
#define fi_avx2_padded 5
#define fi_avx2_target FI_TARGET_AVX2

FI_TARGET_AVX2 FI_INLINE fi_avx2_t fi_avx2_set1(uint32_t x) { return _mm256_set1_epi32((int)x); }
FI_TARGET_AVX2 FI_INLINE fi_avx2_t fi_avx2_iota(void)
{
    return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
}
FI_TARGET_AVX2 FI_INLINE fi_avx2_t fi_avx2_add(fi_avx2_t a, fi_avx2_t b)
{
    return _mm256_add_epi32(a, b);
}
FI_TARGET_AVX2 FI_INLINE fi_avx2_t fi_avx2_xor(fi_avx2_t a, fi_avx2_t b)
{
    return _mm256_xor_si256(a, b);
}
FI_TARGET_AVX2 FI_INLINE fi_avx2_t fi_avx2_xor3(fi_avx2_t a, fi_avx2_t b, fi_avx2_t c)
{
    return _mm256_xor_si256(_mm256_xor_si256(a, b), c);
}
FI_TARGET_AVX2 FI_INLINE void fi_avx2_store(uint32_t *p, fi_avx2_t v)
{
    _mm256_storeu_si256((__m256i *)p, v);
}

/* Even lanes multiplied in place, odd lanes after a shift; a blend puts the
 * high and low halves back in their lanes. */
FI_TARGET_AVX2 FI_INLINE void fi_avx2_mulhilo(fi_avx2_t a, fi_avx2_t m, fi_avx2_t *hi, fi_avx2_t *lo)
{
    __m256i pe = _mm256_mul_epu32(a, m);
    __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
    *lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
}

#endif
