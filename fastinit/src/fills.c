/*
 * The raw, uniform and normal fills of fills.h, over the Philox window of
 * window.h (the truncated normal is in truncnorm.c); the table of every fill
 * at every SIMD level, built from the list in levels.h; and the one SIMD
 * level of every kernel family (simd.h).
 *
 * Each fill has one body; FI_FILL_LEVELS compiles it for the scalar, AVX2
 * and AVX-512 levels. The fills use only correctly rounded operations: the
 * build passes -ffp-contract=off, so the compiler fuses nothing, and the
 * normal fills' fused multiply-adds are explicit (FI_FILL_LEVELS_FMA: the
 * CPU's instruction, or its exact emulation where a CPU has none), with the
 * elementary functions of vecmath.h, so every level returns the same bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "levels.h"
#include "simd.h"
#include "vecmath.h"
#include "window.h"

/* ---- raw words --------------------------------------------------------- */
FI_INLINE void fi_raw_body(fi_blocks_fn blocks, fi_key_t key, uint64_t offset, int64_t n,
                           uint32_t *out)
{
    uint32_t scratch[4 * FI_BLOCKS];
    fi_words_t w;
    fi_window_t win = fi_window_start(offset, n, 4);
    while (fi_window_open(&win)) {
        uint32_t *dst = win.whole ? out + fi_window_at(&win) : scratch;
        blocks(key, win.b0, win.nb, &w);
        for (int j = 0; j < win.nb; j++) {
            dst[4 * j] = w.w0[j];
            dst[4 * j + 1] = w.w1[j];
            dst[4 * j + 2] = w.w2[j];
            dst[4 * j + 3] = w.w3[j];
        }
        fi_window_close(&win, out, scratch, sizeof(uint32_t));
    }
}

/* ---- uniform ----------------------------------------------------------- */
/* float32: word i, top 24 bits. float64: words 2i, 2i+1, 27 + 26 bits. */
FI_INLINE float fi_u01_f32(uint32_t a) { return (float)(int32_t)(a >> 8) * 0x1p-24f; }

FI_INLINE double fi_u01_f64(uint32_t a, uint32_t b)
{
    return ((double)(int32_t)(a >> 5) * 67108864.0 + (double)(int32_t)(b >> 6)) * 0x1p-53;
}

/* low + (high - low) u, kept below high after rounding. */
FI_INLINE float fi_affine_f32(float u, float low, float scale, float high, float below)
{
    float v = low + scale * u;
    return v < high ? v : below;
}

FI_INLINE double fi_affine_f64(double u, double low, double scale, double high, double below)
{
    double v = low + scale * u;
    return v < high ? v : below;
}

/* The caller guarantees high - low is finite. low >= high gives low (numpy). */
FI_INLINE void fi_uniform_f32_body(fi_blocks_fn blocks, fi_key_t key, uint64_t offset, float low,
                                   float high, int64_t n, float *out)
{
    if (!(low < high)) {
        for (int64_t i = 0; i < n; i++) out[i] = low;
        return;
    }
    float scale = high - low, below = nextafterf(high, -INFINITY);
    float scratch[4 * FI_BLOCKS];
    fi_words_t w;
    fi_window_t win = fi_window_start(offset, n, 4);
    while (fi_window_open(&win)) {
        float *dst = win.whole ? out + fi_window_at(&win) : scratch;
        blocks(key, win.b0, win.nb, &w);
        for (int j = 0; j < win.nb; j++) {
            dst[4 * j] = fi_affine_f32(fi_u01_f32(w.w0[j]), low, scale, high, below);
            dst[4 * j + 1] = fi_affine_f32(fi_u01_f32(w.w1[j]), low, scale, high, below);
            dst[4 * j + 2] = fi_affine_f32(fi_u01_f32(w.w2[j]), low, scale, high, below);
            dst[4 * j + 3] = fi_affine_f32(fi_u01_f32(w.w3[j]), low, scale, high, below);
        }
        fi_window_close(&win, out, scratch, sizeof(float));
    }
}

FI_INLINE void fi_uniform_f64_body(fi_blocks_fn blocks, fi_key_t key, uint64_t offset, double low,
                                   double high, int64_t n, double *out)
{
    if (!(low < high)) {
        for (int64_t i = 0; i < n; i++) out[i] = low;
        return;
    }
    double scale = high - low, below = nextafter(high, -INFINITY);
    double scratch[2 * FI_BLOCKS];
    fi_words_t w;
    fi_window_t win = fi_window_start(offset, n, 2);
    while (fi_window_open(&win)) {
        double *dst = win.whole ? out + fi_window_at(&win) : scratch;
        blocks(key, win.b0, win.nb, &w);
        for (int j = 0; j < win.nb; j++) {
            dst[2 * j] = fi_affine_f64(fi_u01_f64(w.w0[j], w.w1[j]), low, scale, high, below);
            dst[2 * j + 1] = fi_affine_f64(fi_u01_f64(w.w2[j], w.w3[j]), low, scale, high, below);
        }
        fi_window_close(&win, out, scratch, sizeof(double));
    }
}

/* ---- normal (Box-Muller) ---------------------------------------------- */
/* z = sqrt(-2 log u) (cos, sin) of the turn. Each fill takes it in loops of
 * its own over the window: -2 log u first, then the square root, the turn
 * and the scaling, then (float32) the interleaving. One loop doing it all
 * has a chain of dependent operations (the division, two polynomials, the
 * square root) longer than the CPU can overlap across iterations; the split
 * is faster at every level (tools/bench_fills.c measures it), with the
 * same operations, so the same bits.
 *
 * float32: the pair of words (2k, 2k+1) gives values 2k (cos) and 2k+1 (sin).
 * The radius word gives u in (0, 1], so |z| <= sqrt(64 ln 2) = 6.66. */
FI_INLINE float fi_radius2_f32(uint32_t a, int fma)
{
    float u = (float)(int32_t)(a >> 1) * 0x1p-31f + 0x1p-32f;
    return -2.0f * fi_log_f32(u, fma);
}

FI_INLINE void fi_turn_f32(uint32_t b, int fma, float *sin_out, float *cos_out)
{
    uint32_t q = fi_turn_quadrant(b);
    float x = (float)fi_turn_remainder(b, q) * (6.28318530717958648f * 0x1p-32f);
    fi_quadrant_f32(q, fi_sin_kernel_f32(x, fma), fi_cos_kernel_f32(x, fma), sin_out, cos_out);
}

/* float64: block k gives values 2k (cos) and 2k+1 (sin); 53 bits for the
 * radius (u in (0, 1], |z| <= sqrt(106 ln 2) = 8.57) and 53 for the angle. */
FI_INLINE double fi_radius2_f64(uint32_t a, uint32_t b, int fma)
{
    double u = 1.0 - fi_u01_f64(a, b);
    return -2.0 * fi_log_f64(u, fma);
}

FI_INLINE void fi_turn_f64(uint32_t c, uint32_t d, int fma, double *sin_out, double *cos_out)
{
    uint32_t q = fi_turn_quadrant(c);
    double x = ((double)fi_turn_remainder(c, q) * 2097152.0 + (double)(int32_t)(d >> 11))
             * (6.283185307179586476925 * 0x1p-53);
    fi_quadrant_f64(q, fi_sin_kernel_f64(x, fma), fi_cos_kernel_f64(x, fma), sin_out, cos_out);
}

FI_INLINE void fi_normal_f32_body(fi_blocks_fn blocks, int fma, fi_key_t key, uint64_t offset,
                                  float mean, float std, int64_t n, float *out)
{
    float scratch[4 * FI_BLOCKS];
    float r0[FI_BLOCKS], r2[FI_BLOCKS];
    float z0[FI_BLOCKS], z1[FI_BLOCKS], z2[FI_BLOCKS], z3[FI_BLOCKS];
    fi_words_t w;
    fi_window_t win = fi_window_start(offset, n, 4);
    while (fi_window_open(&win)) {
        float *dst = win.whole ? out + fi_window_at(&win) : scratch;
        blocks(key, win.b0, win.nb, &w);
        FI_INTERLEAVE
        for (int j = 0; j < win.nb; j++) {
            r0[j] = fi_radius2_f32(w.w0[j], fma);
            r2[j] = fi_radius2_f32(w.w2[j], fma);
        }
        FI_INTERLEAVE
        for (int j = 0; j < win.nb; j++) {
            float s0, c0, s2, c2, q0 = sqrtf(r0[j]), q2 = sqrtf(r2[j]);
            fi_turn_f32(w.w1[j], fma, &s0, &c0);
            fi_turn_f32(w.w3[j], fma, &s2, &c2);
            z0[j] = fi_madd_f32(std, q0 * c0, mean, fma);
            z1[j] = fi_madd_f32(std, q0 * s0, mean, fma);
            z2[j] = fi_madd_f32(std, q2 * c2, mean, fma);
            z3[j] = fi_madd_f32(std, q2 * s2, mean, fma);
        }
        for (int j = 0; j < win.nb; j++) {
            dst[4 * j] = z0[j];
            dst[4 * j + 1] = z1[j];
            dst[4 * j + 2] = z2[j];
            dst[4 * j + 3] = z3[j];
        }
        fi_window_close(&win, out, scratch, sizeof(float));
    }
}

FI_INLINE void fi_normal_f64_body(fi_blocks_fn blocks, int fma, fi_key_t key, uint64_t offset,
                                  double mean, double std, int64_t n, double *out)
{
    double scratch[2 * FI_BLOCKS];
    double r2[FI_BLOCKS];
    fi_words_t w;
    fi_window_t win = fi_window_start(offset, n, 2);
    while (fi_window_open(&win)) {
        double *dst = win.whole ? out + fi_window_at(&win) : scratch;
        blocks(key, win.b0, win.nb, &w);
        FI_INTERLEAVE
        for (int j = 0; j < win.nb; j++)
            r2[j] = fi_radius2_f64(w.w0[j], w.w1[j], fma);
        FI_INTERLEAVE
        for (int j = 0; j < win.nb; j++) {
            double s, c, r = sqrt(r2[j]);
            fi_turn_f64(w.w2[j], w.w3[j], fma, &s, &c);
            dst[2 * j] = fi_madd_f64(std, r * c, mean, fma);
            dst[2 * j + 1] = fi_madd_f64(std, r * s, mean, fma);
        }
        fi_window_close(&win, out, scratch, sizeof(double));
    }
}

int fi_fma_at_scalar = 0;   /* window.h; set by fi_simd_select */
static int fi_fma_emulated = 0;

#define FI_FILL_DEFINE(name, params, args) FI_FILL_LEVELS(fi_##name, params, args)
#define FI_FILL_DEFINE_FMA(name, params, args) FI_FILL_LEVELS_FMA(fi_##name, params, args)
FI_FILLS_PLAIN(FI_FILL_DEFINE)
FI_FILLS_FUSED(FI_FILL_DEFINE_FMA)

/* ---- the table of every level, and the public fills ----------------------- */
#define FI_AT_SCALAR(name, params, args) fi_##name##_scalar,
#define FI_AT_AVX2(name, params, args) fi_##name##_avx2,
#define FI_AT_AVX512(name, params, args) fi_##name##_avx512,
static const fi_fill_table_t fi_fill_tables[FI_N_LEVELS] = {
    {FI_FILLS(FI_AT_SCALAR)},
    {FI_FILLS(FI_AT_AVX2)},
    {FI_FILLS(FI_AT_AVX512)},
};

static const fi_fill_table_t *fi_fill = &fi_fill_tables[FI_LEVEL_SCALAR];

#define FI_FILL_PUBLIC(name, params, args) \
    void fi_fill_##name params { fi_fill->name args; }
FI_FILLS(FI_FILL_PUBLIC)

/* ---- the one SIMD level (simd.h) ------------------------------------------ */
#define FI_MAX_FAMILIES 4
static fi_family_select_fn fi_families[FI_MAX_FAMILIES];
static int fi_n_families = 0;
static int fi_level = FI_LEVEL_SCALAR;

int fi_simd_select(int cap)
{
    fi_simd_fma_emulate(fi_fma_emulated);   /* the scalar level's multiply-add */
    fi_level = fi_pick_level(cap);
    fi_fill = &fi_fill_tables[fi_level];
    for (int k = 0; k < fi_n_families; k++)
        fi_families[k](fi_level);
    return fi_level;
}

int fi_simd_level(void) { return fi_level; }

const char *fi_simd_level_name(int level) { return fi_level_name(level); }

int fi_simd_scalar_fma(void) { return fi_fma_at_scalar; }

void fi_simd_fma_emulate(int on)
{
    fi_fma_emulated = on != 0;
    fi_fma_at_scalar = fi_cpu_has_fma() && !fi_fma_emulated;
}

int fi_simd_join(fi_family_select_fn select)
{
    for (int k = 0; k < fi_n_families; k++)
        if (fi_families[k] == select) {
            select(fi_level);
            return 0;
        }
    if (fi_n_families == FI_MAX_FAMILIES)
        return -1;
    fi_families[fi_n_families++] = select;
    select(fi_level);
    return 0;
}
