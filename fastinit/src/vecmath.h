/*
 * The elementary functions of every kernel, in one place. Branch-free ones
 * that GCC vectorises: log on (0, inf), sin/cos of a fraction of a turn
 * given as integer bits, exp, and expm1 on [0, 45] (the activations'
 * tanh and sigmoid); and scalar ones over their whole range (log, exp,
 * expm1, log1p: the truncated normal).
 *
 * Only +, -, *, /, sqrt and fused multiply-add (all correctly rounded),
 * integer ops and selects are used, and the fills are built with
 * -ffp-contract=off, so every target clone (SSE2, AVX2, AVX-512, NEON)
 * returns the same bits for the same input. That is what keeps fastinit's
 * draws, and fastinit.nn's passes (activations.c), bit-identical across
 * machines.
 */
#ifndef FASTINIT_VECMATH_H
#define FASTINIT_VECMATH_H

#include <stdint.h>
#include <string.h>

#include "dispatch.h"

#if defined(FI_MSVC) && defined(_M_X64)
#include <immintrin.h>
#endif

FI_INLINE uint32_t fi_f32_bits(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
FI_INLINE float fi_bits_f32(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }
FI_INLINE uint64_t fi_f64_bits(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
FI_INLINE double fi_bits_f64(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

/* ---- multiply-add ----------------------------------------------------- */
/* x y + z in one of three ways, named by a constant `fma` at every call (so
 * the choice is made when compiling, inside each level's function):
 *   FI_UNFUSED  rounded twice, x y then + z (0.2.0's polynomials; the
 *               truncated normal's scalar functions keep it);
 *   FI_FMA_HW   rounded once, by the CPU's instruction: only in functions
 *               compiled for a target that has one (FI_TARGET_FMA, the AVX2
 *               and AVX-512 levels, aarch64);
 *   FI_FMA_SOFT rounded once, emulated with correctly rounded operations
 *               (Boldo and Melquiond, "Emulation of FMA and correctly rounded
 *               sums: proved algorithms using rounding to odd", IEEE TC 2008):
 *               x86-64 CPUs without FMA. Valid where nothing overflows or
 *               underflows, true of every kernel that uses it.
 * FI_FMA_HW and FI_FMA_SOFT give the same bits, so the levels agree. */
enum { FI_UNFUSED = 0, FI_FMA_HW = 1, FI_FMA_SOFT = 2 };

/* s + e = a + b exactly (Knuth's TwoSum), in the type of s, e and t_. */
#define FI_TWO_SUM(type, a, b, s, e)                 \
    do {                                            \
        s = (a) + (b);                              \
        type t_ = s - (a);                          \
        e = ((a) - (s - t_)) + ((b) - t_);          \
    } while (0)

/* s rounded to odd, given the exact s + e: where e != 0 and s's last bit
 * is 0, the neighbour of s on e's side (+1 or -1 in the bits). Integer
 * arithmetic only (e != 0 as a carry), so SSE2 vectorises it. */
FI_INLINE float fi_round_odd_f32(float s, float e)
{
    uint32_t b = fi_f32_bits(s), eb = fi_f32_bits(e), m = 0x7fffffffu;
    uint32_t nudge = (((eb & m) + m) >> 31) & ~b & 1u;
    uint32_t toward = (eb ^ b) >> 31;                   /* 1: e points to zero */
    return fi_bits_f32(b + nudge - 2 * (nudge & toward));
}

FI_INLINE double fi_round_odd_f64(double s, double e)
{
    uint64_t b = fi_f64_bits(s), eb = fi_f64_bits(e), m = 0x7fffffffffffffffull;
    uint64_t nudge = (((eb & m) + m) >> 63) & ~b & 1u;
    uint64_t toward = (eb ^ b) >> 63;
    return fi_bits_f64(b + nudge - 2 * (nudge & toward));
}

/* x y = ph + pl exactly (Dekker, with Veltkamp's split by 2^12 + 1 or
 * 2^27 + 1); z + ph = th + tl; the result is RN(th + RO(tl + pl)). */
#define FI_FMA_SOFT_BODY(type, split, round_odd)                              \
    type ph = x * y;                                                        \
    type cx = (split) * x, xh = cx - (cx - x), xl = x - xh;                 \
    type cy = (split) * y, yh = cy - (cy - y), yl = y - yh;                 \
    type pl = ((xh * yh - ph) + xh * yl + xl * yh) + xl * yl;               \
    type th, tl, v, ve;                                                     \
    FI_TWO_SUM(type, z, ph, th, tl);                                        \
    FI_TWO_SUM(type, tl, pl, v, ve);                                        \
    return th + round_odd(v, ve)

FI_INLINE float fi_fma_soft_f32(float x, float y, float z)
{
    FI_FMA_SOFT_BODY(float, 4097.0f, fi_round_odd_f32);
}

FI_INLINE double fi_fma_soft_f64(double x, double y, double z)
{
    FI_FMA_SOFT_BODY(double, 134217729.0, fi_round_odd_f64);
}

#if defined(FI_MSVC) && defined(_M_X64)
FI_INLINE float fi_fma_hw_f32(float x, float y, float z)
{
    return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(x), _mm_set_ss(y), _mm_set_ss(z)));
}
FI_INLINE double fi_fma_hw_f64(double x, double y, double z)
{
    return _mm_cvtsd_f64(_mm_fmadd_sd(_mm_set_sd(x), _mm_set_sd(y), _mm_set_sd(z)));
}
#elif defined(FI_MSVC)
#define fi_fma_hw_f32 fmaf
#define fi_fma_hw_f64 fma
#else
#define fi_fma_hw_f32 __builtin_fmaf
#define fi_fma_hw_f64 __builtin_fma
#endif

FI_INLINE float fi_madd_f32(float x, float y, float z, int fma)
{
    return fma == FI_FMA_HW ? fi_fma_hw_f32(x, y, z)
         : fma == FI_FMA_SOFT ? fi_fma_soft_f32(x, y, z) : x * y + z;
}

FI_INLINE double fi_madd_f64(double x, double y, double z, int fma)
{
    return fma == FI_FMA_HW ? fi_fma_hw_f64(x, y, z)
         : fma == FI_FMA_SOFT ? fi_fma_soft_f64(x, y, z) : x * y + z;
}

/* ---- log ---------------------------------------------------------------- */
/* x = 2^k m with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1),
 * |s| <= 0.1716, as an odd series in s, by Horner's rule with multiply-adds
 * of the kind `fma` names. Valid for normal positive x. */
FI_INLINE float fi_log_f32(float x, int fma)
{
    uint32_t ix = fi_f32_bits(x) + (0x3f800000u - 0x3f3504f3u);
    int32_t k = (int32_t)(ix >> 23) - 0x7f;
    float m = fi_bits_f32((ix & 0x007fffffu) + 0x3f3504f3u);
    float f = m - 1.0f;
    float s = f / (2.0f + f);
    float z = s * s;
    float p = fi_madd_f32(z, 1.0f / 11, 1.0f / 9, fma);
    p = fi_madd_f32(z, p, 1.0f / 7, fma);
    p = fi_madd_f32(z, p, 1.0f / 5, fma);
    p = fi_madd_f32(z, p, 1.0f / 3, fma);
    float r = z * p, t = 2.0f * s, kf = (float)k;
    return fi_madd_f32(kf, 0.693145751953125f,
                       fi_madd_f32(kf, 1.428606765330187e-06f, fi_madd_f32(t, r, t, fma), fma), fma);
}

FI_INLINE double fi_log_f64(double x, int fma)
{
    uint64_t ix = fi_f64_bits(x) + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
    int32_t k = (int32_t)(ix >> 52) - 0x3ff;
    double m = fi_bits_f64((ix & 0x000fffffffffffffull) + 0x3fe6a09e667f3bcdull);
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double p = fi_madd_f64(z, 1.0 / 21, 1.0 / 19, fma);
    p = fi_madd_f64(z, p, 1.0 / 17, fma);
    p = fi_madd_f64(z, p, 1.0 / 15, fma);
    p = fi_madd_f64(z, p, 1.0 / 13, fma);
    p = fi_madd_f64(z, p, 1.0 / 11, fma);
    p = fi_madd_f64(z, p, 1.0 / 9, fma);
    p = fi_madd_f64(z, p, 1.0 / 7, fma);
    p = fi_madd_f64(z, p, 1.0 / 5, fma);
    p = fi_madd_f64(z, p, 1.0 / 3, fma);
    double r = z * p, t = 2.0 * s, kd = (double)k;
    return fi_madd_f64(kd, 6.93147180369123816490e-01,
                       fi_madd_f64(kd, 1.90821492927058770002e-10, fi_madd_f64(t, r, t, fma), fma),
                       fma);
}

/* ---- sin and cos of x in [-pi/4, pi/4] (Taylor, truncation below 1 ulp) --- */
FI_INLINE float fi_sin_kernel_f32(float x, int fma)
{
    float z = x * x;
    float p = fi_madd_f32(z, 1.0f / 362880, -1.0f / 5040, fma);
    p = fi_madd_f32(z, p, 1.0f / 120, fma);
    p = fi_madd_f32(z, p, -1.0f / 6, fma);
    return fi_madd_f32(x * z, p, x, fma);
}

FI_INLINE float fi_cos_kernel_f32(float x, int fma)
{
    float z = x * x;
    float p = fi_madd_f32(z, -1.0f / 3628800, 1.0f / 40320, fma);
    p = fi_madd_f32(z, p, -1.0f / 720, fma);
    p = fi_madd_f32(z, p, 1.0f / 24, fma);
    p = fi_madd_f32(z, p, -0.5f, fma);
    return fi_madd_f32(z, p, 1.0f, fma);
}

FI_INLINE double fi_sin_kernel_f64(double x, int fma)
{
    double z = x * x;
    double p = fi_madd_f64(z, 1.0 / 355687428096000.0, -1.0 / 1307674368000.0, fma);
    p = fi_madd_f64(z, p, 1.0 / 6227020800.0, fma);
    p = fi_madd_f64(z, p, -1.0 / 39916800, fma);
    p = fi_madd_f64(z, p, 1.0 / 362880, fma);
    p = fi_madd_f64(z, p, -1.0 / 5040, fma);
    p = fi_madd_f64(z, p, 1.0 / 120, fma);
    p = fi_madd_f64(z, p, -1.0 / 6, fma);
    return fi_madd_f64(x * z, p, x, fma);
}

FI_INLINE double fi_cos_kernel_f64(double x, int fma)
{
    double z = x * x;
    double p = fi_madd_f64(z, -1.0 / 6402373705728000.0, 1.0 / 20922789888000.0, fma);
    p = fi_madd_f64(z, p, -1.0 / 87178291200.0, fma);
    p = fi_madd_f64(z, p, 1.0 / 479001600.0, fma);
    p = fi_madd_f64(z, p, -1.0 / 3628800, fma);
    p = fi_madd_f64(z, p, 1.0 / 40320, fma);
    p = fi_madd_f64(z, p, -1.0 / 720, fma);
    p = fi_madd_f64(z, p, 1.0 / 24, fma);
    p = fi_madd_f64(z, p, -0.5, fma);
    return fi_madd_f64(z, p, 1.0, fma);
}

/* The turn t / 2^32 (t a uint32) splits into a quadrant q and a signed
 * remainder d in [-2^29, 2^29), so the angle is q pi/2 + 2 pi d / 2^32. */
FI_INLINE uint32_t fi_turn_quadrant(uint32_t t) { return (t + 0x20000000u) >> 30; }
FI_INLINE int32_t fi_turn_remainder(uint32_t t, uint32_t q) { return (int32_t)(t - (q << 30)); }

/* Rotate (c, s) of the reduced angle into quadrant q: flips and swaps as selects. */
FI_INLINE void fi_quadrant_f32(uint32_t q, float s, float c, float *sin_out, float *cos_out)
{
    uint32_t swap = q & 1u;
    float cc = swap ? s : c;
    float ss = swap ? c : s;
    *cos_out = fi_bits_f32(fi_f32_bits(cc) ^ (((q + 1u) & 2u) << 30));
    *sin_out = fi_bits_f32(fi_f32_bits(ss) ^ ((q & 2u) << 30));
}

FI_INLINE void fi_quadrant_f64(uint32_t q, double s, double c, double *sin_out, double *cos_out)
{
    uint64_t swap = q & 1u;
    double cc = swap ? s : c;
    double ss = swap ? c : s;
    *cos_out = fi_bits_f64(fi_f64_bits(cc) ^ ((uint64_t)((q + 1u) & 2u) << 62));
    *sin_out = fi_bits_f64(fi_f64_bits(ss) ^ ((uint64_t)(q & 2u) << 62));
}

/* ---- exp ------------------------------------------------------------------ */
/* exp(x) = 2^k exp(r), r = x - k ln2 in [-ln2/2, ln2/2]; the caller clamps x to
 * a range where 2^k is a normal number and passes no NaN (converting NaN to
 * an int is undefined behaviour). */
FI_INLINE float fi_exp_f32(float x)
{
    float kf = x * 1.44269504088896341f;
    kf = kf + (kf >= 0.0f ? 0.5f : -0.5f);
    int32_t k = (int32_t)kf;
    float fk = (float)k;
    float r = (x - fk * 0.693145751953125f) - fk * 1.428606765330187e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120
            + r * (1.0f / 720 + r * (1.0f / 5040)))))));
    return p * fi_bits_f32((uint32_t)(k + 127) << 23);
}

FI_INLINE double fi_exp_f64(double x)
{
    double kd = x * 1.44269504088896338700e+00;
    kd = kd + (kd >= 0.0 ? 0.5 : -0.5);
    int64_t k = (int64_t)kd;
    double fk = (double)k;
    double r = (x - fk * 6.93147180369123816490e-01) - fk * 1.90821492927058770002e-10;
    double p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120
             + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880
             + r * (1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600.0 + r * (1.0 / 6227020800.0)))))))))))));
    return p * fi_bits_f64((uint64_t)(k + 1023) << 52);
}

/* ---- expm1 --------------------------------------------------------------- */
/* expm1 on [0, 45]: 2^k (1 + p) - 1 with p = expm1(r), r = y - k ln 2.
 * The caller passes no NaN (a float-to-int conversion of NaN is UB). */
FI_INLINE float fi_expm1_f32(float y)
{
    float kf = y * 1.44269504088896341f + 0.5f;
    int32_t k = (int32_t)kf;
    float fk = (float)k;
    float r = (y - fk * 0.693145751953125f) - fk * 1.428606765330187e-06f;
    float p = r + r * r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120
            + r * (1.0f / 720 + r * (1.0f / 5040))))));
    float s = fi_bits_f32((uint32_t)(k + 127) << 23);
    return s * p + (s - 1.0f);
}

FI_INLINE double fi_expm1_f64(double y)
{
    double kd = y * 1.44269504088896338700e+00 + 0.5;
    int64_t k = (int64_t)kd;
    double fk = (double)k;
    double r = (y - fk * 6.93147180369123816490e-01) - fk * 1.90821492927058770002e-10;
    double p = r + r * r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120
             + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880
             + r * (1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600.0
             + r * (1.0 / 6227020800.0))))))))))));
    double s = fi_bits_f64((uint64_t)(k + 1023) << 52);
    return s * p + (s - 1.0);
}

/* ---- scalar elementary functions over their whole range ----------------- */
/* log x for x >= 0 (0 gives -inf), subnormals included. */
static inline double fi_log_d(double x)
{
    if (!(x > 0.0)) return -INFINITY;
    if (isinf(x)) return INFINITY;
    if (x < 0x1p-1022) return fi_log_f64(x * 0x1p54, FI_UNFUSED) - 54.0 * 6.93147180559945309417e-01;
    return fi_log_f64(x, FI_UNFUSED);
}

/* exp x for any x: 0 below the smallest subnormal, inf above DBL_MAX. Out
 * of fi_exp_f64's range the result is exp(x / 2) squared, rounded once. */
static inline double fi_exp_d(double x)
{
    if (x < -745.2) return 0.0;
    if (x > 709.79) return INFINITY;
    if (x < -708.0 || x > 709.0) {
        double y = fi_exp_f64(0.5 * x);
        return y * y;
    }
    return fi_exp_f64(x);
}

/* expm1 x for x <= 0: a Taylor series near 0, where exp(x) - 1 cancels. */
static inline double fi_expm1_d(double x)
{
    if (x < -40.0) return -1.0;
    if (x > -0.5) {
        double t = 0.0;
        for (int k = 18; k >= 2; k--) t = x * (1.0 + t) / k;
        return x + x * t;
    }
    return fi_exp_d(x) - 1.0;
}

/* log1p x for x in (-1, 0]: log(1 + x) corrected by x / ((1 + x) - 1)
 * (Goldberg 1991), exact where 1 + x is. */
static inline double fi_log1p_d(double x)
{
    double u = 1.0 + x;
    if (u == 1.0) return x;
    return fi_log_d(u) * (x / (u - 1.0));
}

#endif
