/*
 * exp, log and the sine and cosine of a fraction of a turn, over their whole
 * range, in a fixed order of correctly rounded operations: vecmath.h's
 * polynomials with every multiply-add rounded twice (FI_UNFUSED; built with
 * -ffp-contract=off), so they return the same bits on every CPU, compiler
 * and C library. libm's and NumPy's do not: NumPy uses SVML on AVX-512
 * CPUs, its own SIMD code on AVX2 ones and libm elsewhere, and glibc picks
 * FMA builds of exp and log where the CPU has FMA. fastinit.nn's softmax
 * and losses and the lab's data sets use these, so the experiment is one
 * result everywhere. Accuracy: within a few ulp (tests/test_fixed_math.py);
 * results below the smallest normal number flush to 0.
 */
#ifndef FASTINIT_FIXEDMATH_H
#define FASTINIT_FIXEDMATH_H

#include <math.h>

#include "vecmath.h"

/* ln of the smallest normal number: below it exp flushes to 0. */
#define FI_EXP_LOW_F32 (-87.33654475f)
#define FI_EXP_LOW_F64 (-708.3964185322641)

FI_INLINE float fi_exp_total_f32(float x)
{
    if (x != x)
        return x;
    if (x < FI_EXP_LOW_F32)
        return 0.0f;
    if (x <= 88.0f)                     /* 2^k stays a normal number */
        return fi_exp_f32(x);
    if (x > 176.0f)
        return INFINITY;
    float h = fi_exp_f32(0.5f * x);     /* exact halving; the square overflows past 88.72 */
    return h * h;
}

FI_INLINE double fi_exp_total_f64(double x)
{
    if (x != x)
        return x;
    if (x < FI_EXP_LOW_F64)
        return 0.0;
    if (x <= 709.0)
        return fi_exp_f64(x);
    if (x > 1418.0)
        return INFINITY;
    double h = fi_exp_f64(0.5 * x);
    return h * h;
}

FI_INLINE float fi_log_total_f32(float x)
{
    if (!(x > 0.0f))
        return x == 0.0f ? -INFINITY : NAN;     /* negative or NaN: NaN */
    if (x == INFINITY)
        return x;
    if (x < 1.17549435e-38f)            /* subnormal: scale by 2^24 first */
        return fi_log_f32(x * 16777216.0f, FI_UNFUSED) - 16.635532333438687f;
    return fi_log_f32(x, FI_UNFUSED);
}

FI_INLINE double fi_log_total_f64(double x)
{
    if (!(x > 0.0))
        return x == 0.0 ? -INFINITY : NAN;
    if (x == INFINITY)
        return x;
    if (x < 2.2250738585072014e-308)    /* subnormal: scale by 2^54 first */
        return fi_log_f64(x * 18014398509481984.0, FI_UNFUSED) - 37.429947750237046;
    return fi_log_f64(x, FI_UNFUSED);
}

/* sin and cos of 2 pi v (v in turns, |v| < 2^52): v's fraction f = v -
 * floor(v) (exact) splits into a quadrant q and r = f - q/4 in [-1/8, 1/8]
 * (exact); the kernels take x = 2 pi r, one rounding, |x| <= pi/4. NaN or
 * infinite v gives NaN. */
FI_INLINE void fi_sincos_turns_f64(double v, double *sin_out, double *cos_out)
{
    if (!(v - v == 0.0)) {
        *sin_out = *cos_out = NAN;
        return;
    }
    double f = v - floor(v);
    double qd = floor(4.0 * f + 0.5);
    double x = (f - 0.25 * qd) * 6.283185307179586;
    fi_quadrant_f64((uint32_t)qd & 3u, fi_sin_kernel_f64(x, FI_UNFUSED),
                    fi_cos_kernel_f64(x, FI_UNFUSED), sin_out, cos_out);
}

#endif
