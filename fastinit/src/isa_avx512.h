/* The AVX-512 primitives of the Philox steps (see isa_sse2.h for the names). */
#ifndef FASTINIT_ISA_AVX512_H
#define FASTINIT_ISA_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#include "portable.h"

typedef __m512i fi_avx512_t;
#define fi_avx512_lanes 16
#define fi_avx512_ways 3
#define fi_avx512_padded 5
#define fi_avx512_target FI_TARGET_AVX512

FI_TARGET_AVX512 FI_INLINE fi_avx512_t fi_avx512_set1(uint32_t x)
{
    return _mm512_set1_epi32((int)x);
}
FI_TARGET_AVX512 FI_INLINE fi_avx512_t fi_avx512_iota(void)
{
    return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
FI_TARGET_AVX512 FI_INLINE fi_avx512_t fi_avx512_add(fi_avx512_t a, fi_avx512_t b)
{
    return _mm512_add_epi32(a, b);
}
FI_TARGET_AVX512 FI_INLINE fi_avx512_t fi_avx512_xor(fi_avx512_t a, fi_avx512_t b)
{
    return _mm512_xor_si512(a, b);
}
/* three-way xor in one instruction */
FI_TARGET_AVX512 FI_INLINE fi_avx512_t fi_avx512_xor3(fi_avx512_t a, fi_avx512_t b, fi_avx512_t c)
{
    return _mm512_ternarylogic_epi32(a, b, c, 0x96);
}
FI_TARGET_AVX512 FI_INLINE void fi_avx512_store(uint32_t *p, fi_avx512_t v)
{
    _mm512_storeu_si512((void *)p, v);
}

/* The high halves of the even products swap into the even lanes, the low
 * halves of the odd products into the odd lanes: one masked shuffle each. */
FI_TARGET_AVX512 FI_INLINE void
fi_avx512_mulhilo(fi_avx512_t a, fi_avx512_t m, fi_avx512_t *hi, fi_avx512_t *lo)
{
    __m512i pe = _mm512_mul_epu32(a, m);
    __m512i po = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
    *hi = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_CDAB);
    *lo = _mm512_mask_shuffle_epi32(pe, 0xAAAA, po, _MM_PERM_CDAB);
}

#endif
