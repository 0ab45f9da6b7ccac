/*
 * The uniform and normal fills of fills.h, over the Philox window of
 * window.h (the truncated normal is in truncnorm.c).
 *
 * Runtime dispatch: the exported fills are compiled three times (baseline,
 * x86-64-v3 = AVX2, x86-64-v4 = AVX-512) with GCC's target_clones, and the
 * loader picks the widest the CPU has. With -ffp-contract=off and the
 * elementary functions of vecmath.h, all three return the same bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "vecmath.h"
#include "window.h"

/* ---- raw words --------------------------------------------------------- */
FI_CLONES
void fi_fill_raw(fi_key_t key, uint64_t offset, int64_t n, uint32_t *out)
{
    FI_WINDOWED(uint32_t, 4, {
        for (int j = 0; j < nb; j++) {
            tmp[4 * j] = w.w0[j];
            tmp[4 * j + 1] = w.w1[j];
            tmp[4 * j + 2] = w.w2[j];
            tmp[4 * j + 3] = w.w3[j];
        }
    });
}

/* ---- uniform ----------------------------------------------------------- */
/* float32: word i, top 24 bits. float64: words 2i, 2i+1, 27 + 26 bits. */
static inline float fi_u01_f32(uint32_t a) { return (float)(int32_t)(a >> 8) * 0x1p-24f; }

static inline double fi_u01_f64(uint32_t a, uint32_t b)
{
    return ((double)(int32_t)(a >> 5) * 67108864.0 + (double)(int32_t)(b >> 6)) * 0x1p-53;
}

/* low + (high - low) u, kept below high after rounding. */
static inline float fi_affine_f32(float u, float low, float scale, float high, float below)
{
    float v = low + scale * u;
    return v < high ? v : below;
}

static inline double fi_affine_f64(double u, double low, double scale, double high, double below)
{
    double v = low + scale * u;
    return v < high ? v : below;
}

FI_CLONES
void fi_fill_uniform_f32(fi_key_t key, uint64_t offset, float low, float high, int64_t n, float *out)
{
    if (!(low < high)) { /* an empty interval: numpy gives low */
        for (int64_t i = 0; i < n; i++) out[i] = low;
        return;
    }
    float scale = high - low, below = nextafterf(high, -INFINITY);
    FI_WINDOWED(float, 4, {
        for (int j = 0; j < nb; j++) {
            tmp[4 * j] = fi_affine_f32(fi_u01_f32(w.w0[j]), low, scale, high, below);
            tmp[4 * j + 1] = fi_affine_f32(fi_u01_f32(w.w1[j]), low, scale, high, below);
            tmp[4 * j + 2] = fi_affine_f32(fi_u01_f32(w.w2[j]), low, scale, high, below);
            tmp[4 * j + 3] = fi_affine_f32(fi_u01_f32(w.w3[j]), low, scale, high, below);
        }
    });
}

FI_CLONES
void fi_fill_uniform_f64(fi_key_t key, uint64_t offset, double low, double high, int64_t n, double *out)
{
    if (!(low < high)) {
        for (int64_t i = 0; i < n; i++) out[i] = low;
        return;
    }
    double scale = high - low, below = nextafter(high, -INFINITY);
    FI_WINDOWED(double, 2, {
        for (int j = 0; j < nb; j++) {
            tmp[2 * j] = fi_affine_f64(fi_u01_f64(w.w0[j], w.w1[j]), low, scale, high, below);
            tmp[2 * j + 1] = fi_affine_f64(fi_u01_f64(w.w2[j], w.w3[j]), low, scale, high, below);
        }
    });
}

/* ---- normal (Box-Muller) ---------------------------------------------- */
/* float32: the pair of words (2k, 2k+1) gives values 2k (cos) and 2k+1 (sin).
 * The radius word gives u in (0, 1], so |z| <= 6.66. */
static inline void fi_box_muller_f32(uint32_t a, uint32_t b, float *z0, float *z1)
{
    float u = (float)(int32_t)(a >> 1) * 0x1p-31f + 0x1p-32f;
    float r = sqrtf(-2.0f * fi_log_f32(u));
    uint32_t q = fi_turn_quadrant(b);
    float x = (float)fi_turn_remainder(b, q) * (6.28318530717958648f * 0x1p-32f);
    float s, c;
    fi_quadrant_f32(q, fi_sin_kernel_f32(x), fi_cos_kernel_f32(x), &s, &c);
    *z0 = r * c;
    *z1 = r * s;
}

/* float64: block k gives values 2k (cos) and 2k+1 (sin); 53 bits for the
 * radius (u in (0, 1], |z| <= 8.57) and 53 for the angle. */
static inline void fi_box_muller_f64(uint32_t a, uint32_t b, uint32_t c, uint32_t d,
                                     double *z0, double *z1)
{
    double u = 1.0 - fi_u01_f64(a, b);
    double r = sqrt(-2.0 * fi_log_f64(u));
    uint32_t q = fi_turn_quadrant(c);
    double x = ((double)fi_turn_remainder(c, q) * 2097152.0 + (double)(int32_t)(d >> 11))
             * (6.283185307179586476925 * 0x1p-53);
    double s, co;
    fi_quadrant_f64(q, fi_sin_kernel_f64(x), fi_cos_kernel_f64(x), &s, &co);
    *z0 = r * co;
    *z1 = r * s;
}

FI_CLONES
void fi_fill_normal_f32(fi_key_t key, uint64_t offset, float mean, float std, int64_t n, float *out)
{
    FI_WINDOWED(float, 4, {
        for (int j = 0; j < nb; j++) {
            float z0, z1, z2, z3;
            fi_box_muller_f32(w.w0[j], w.w1[j], &z0, &z1);
            fi_box_muller_f32(w.w2[j], w.w3[j], &z2, &z3);
            tmp[4 * j] = mean + std * z0;
            tmp[4 * j + 1] = mean + std * z1;
            tmp[4 * j + 2] = mean + std * z2;
            tmp[4 * j + 3] = mean + std * z3;
        }
    });
}

FI_CLONES
void fi_fill_normal_f64(fi_key_t key, uint64_t offset, double mean, double std, int64_t n, double *out)
{
    FI_WINDOWED(double, 2, {
        for (int j = 0; j < nb; j++) {
            double z0, z1;
            fi_box_muller_f64(w.w0[j], w.w1[j], w.w2[j], w.w3[j], &z0, &z1);
            tmp[2 * j] = mean + std * z0;
            tmp[2 * j + 1] = mean + std * z1;
        }
    });
}

const char *fi_simd_level(void)
{
#ifdef FI_HAVE_X86_SIMD
    static const char *names[] = {"scalar", "avx2", "avx512"};
    return names[fi_cpu_level()];
#else
    return "scalar";
#endif
}
