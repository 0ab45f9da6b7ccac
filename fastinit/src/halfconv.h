/*
 * float32 -> float16 and float32 -> bfloat16, rounded to nearest-even: the
 * bits that torch's `.to(torch.float16 / torch.bfloat16)` and NumPy's
 * `astype(np.float16)` give (NaN becomes a quiet NaN of the same sign).
 * Plain C on the bit patterns, the same on every CPU; the loops vectorise.
 */
#ifndef FASTINIT_HALFCONV_H
#define FASTINIT_HALFCONV_H

#include <stdint.h>
#include <string.h>

static inline uint32_t fi_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float fi_bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* bfloat16: the top half of the float32, rounded to nearest-even (c10::BFloat16). */
static inline uint16_t fi_f32_to_bf16(float f)
{
    uint32_t u = fi_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x0040u);          /* NaN: quiet, sign kept */
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* float16, rounded to nearest-even, subnormals and overflow to inf included
 * (F. Giesen's float_to_half_fast3_rtne). */
static inline uint16_t fi_f32_to_f16(float f)
{
    const uint32_t f32_inf = 255u << 23;
    const uint32_t f16_max = (127u + 16u) << 23;          /* 65536: inf after rounding */
    const uint32_t denorm_magic_bits = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    uint32_t u = fi_f32_bits(f);
    uint32_t sign = u & 0x80000000u;
    uint16_t o;
    u ^= sign;
    if (u >= f16_max) {
        o = u > f32_inf ? 0x7e00 : 0x7c00;                /* NaN -> quiet NaN, else inf */
    } else if (u < (113u << 23)) {                        /* a subnormal or zero half */
        float x = fi_bits_f32(u) + fi_bits_f32(denorm_magic_bits);
        o = (uint16_t)(fi_f32_bits(x) - denorm_magic_bits);
    } else {
        uint32_t odd = (u >> 13) & 1u;
        u += ((uint32_t)(15 - 127) << 23) + 0xfffu + odd;
        o = (uint16_t)(u >> 13);
    }
    return (uint16_t)(o | (sign >> 16));
}

static inline void fi_f32_to_bf16_n(const float *in, uint16_t *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = fi_f32_to_bf16(in[i]);
}

static inline void fi_f32_to_f16_n(const float *in, uint16_t *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = fi_f32_to_f16(in[i]);
}

#endif
