/* The NEON primitives of the Philox steps on aarch64 (see isa_sse2.h for
 * the names). */
#ifndef FASTINIT_ISA_NEON_H
#define FASTINIT_ISA_NEON_H

#include <arm_neon.h>
#include <stdint.h>

#include "portable.h"

typedef uint32x4_t fi_neon_t;
#define fi_neon_lanes 4
#define fi_neon_ways 2
#define fi_neon_padded 4
#define fi_neon_target

FI_INLINE fi_neon_t fi_neon_set1(uint32_t x) { return vdupq_n_u32(x); }
FI_INLINE fi_neon_t fi_neon_iota(void)
{
    static const uint32_t words[4] = {0, 1, 2, 3};
    return vld1q_u32(words);
}
FI_INLINE fi_neon_t fi_neon_add(fi_neon_t a, fi_neon_t b) { return vaddq_u32(a, b); }
FI_INLINE fi_neon_t fi_neon_xor(fi_neon_t a, fi_neon_t b) { return veorq_u32(a, b); }
FI_INLINE fi_neon_t fi_neon_xor3(fi_neon_t a, fi_neon_t b, fi_neon_t c)
{
    return veorq_u32(veorq_u32(a, b), c);
}
FI_INLINE void fi_neon_store(uint32_t *p, fi_neon_t v) { vst1q_u32(p, v); }

/* vmull_u32 on each half, then the odd (high) and even (low) words of the
 * products gathered back. */
FI_INLINE void fi_neon_mulhilo(fi_neon_t a, fi_neon_t m, fi_neon_t *hi, fi_neon_t *lo)
{
    uint32x4_t p0 = vreinterpretq_u32_u64(vmull_u32(vget_low_u32(a), vget_low_u32(m)));
    uint32x4_t p1 = vreinterpretq_u32_u64(vmull_high_u32(a, m));
    *hi = vuzp2q_u32(p0, p1);
    *lo = vuzp1q_u32(p0, p1);
}

#endif
