/*
 * The float32 normal transforms measured for 0.3.0 (issue 22), on the same
 * Philox window and words, at every x86-64 level this CPU has, in ns per
 * value, one thread, best of 300 runs over 65536 values:
 *   Box-Muller   fastinit's fill as built (fills.c): two words, two values;
 *   ICDF Giles   an inverse CDF reading one word a value: Giles' float32
 *                erfinv ("Approximating the erfinv function", GPU Computing
 *                Gems, 2010), both branches computed and one selected, as a
 *                vectorised loop must, the tails from all 32 bits of the word;
 *   central      a floor for any log-free rational inverse CDF: Acklam's
 *                central rational for every value, wrong in the 4.85% of
 *                tails it leaves out, so only a cost.
 * It also prints the Giles draw's moments and checks its levels agree.
 * From the repository root:
 *
 *     cc -O3 -fno-math-errno -ffp-contract=off -std=gnu11 -Ifastinit/src \
 *        tools/bench_transforms.c fastinit/src/fills.c fastinit/src/truncnorm.c -lm -o /tmp/bench_transforms
 *     /tmp/bench_transforms
 *
 * On a 2-core AMD EPYC (Zen 4): Box-Muller 2.07 / 0.95 / 0.70 ns at the
 * scalar / AVX2 / AVX-512 levels, ICDF 4.48 / 2.15 / 1.40, central floor
 * 1.83 / 0.81 / 0.64. An inverse CDF is twice Box-Muller's cost, and even
 * with free tails it would save 8-14%: fastinit keeps Box-Muller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <math.h>
#include "fills.h"
#include "simd.h"
#include "vecmath.h"
#include "window.h"

/* sqrt(2) erfinv(2u - 1), Giles (2010), both branches, an integer select
 * (a float select leaves GCC a branch it will not vectorise below AVX-512). */
FI_INLINE float icdf_giles(uint32_t a, int fma)
{
    uint32_t s = a >> 31;
    uint32_t k = (a ^ (s - 1u)) & 0x7fffffffu;
    uint32_t m = 0x7fffffffu - k;
    float t = (float)(int32_t)m * 0x1p-32f + 0x1p-33f;
    float ax = (float)(int32_t)k * 0x1p-31f + 0x1p-32f;
    float w = -fi_log_f32(4.0f * t * (1.0f - t), fma);
    float v = w - 2.5f;
    float p = 2.81022636e-08f;
    p = fi_madd_f32(p, v, 3.43273939e-07f, fma);
    p = fi_madd_f32(p, v, -3.5233877e-06f, fma);
    p = fi_madd_f32(p, v, -4.39150654e-06f, fma);
    p = fi_madd_f32(p, v, 0.00021858087f, fma);
    p = fi_madd_f32(p, v, -0.00125372503f, fma);
    p = fi_madd_f32(p, v, -0.00417768164f, fma);
    p = fi_madd_f32(p, v, 0.246640727f, fma);
    p = fi_madd_f32(p, v, 1.50140941f, fma);
    float u = sqrtf(w) - 3.0f;
    float q = -0.000200214257f;
    q = fi_madd_f32(q, u, 0.000100950558f, fma);
    q = fi_madd_f32(q, u, 0.00134934322f, fma);
    q = fi_madd_f32(q, u, -0.00367342844f, fma);
    q = fi_madd_f32(q, u, 0.00573950773f, fma);
    q = fi_madd_f32(q, u, -0.0076224613f, fma);
    q = fi_madd_f32(q, u, 0.00943887047f, fma);
    q = fi_madd_f32(q, u, 1.00167406f, fma);
    q = fi_madd_f32(q, u, 2.83297682f, fma);
    uint32_t sel = 0u - (uint32_t)(w < 5.0f);
    float r = fi_bits_f32((fi_f32_bits(p) & sel) | (fi_f32_bits(q) & ~sel));
    float z = r * ax * 1.41421356f;
    return fi_bits_f32(fi_f32_bits(z) ^ ((s ^ 1u) << 31));
}

/* Lower bound of any log-free rational ICDF: Acklam's central rational for
 * every value (wrong in the 4.85% tails; a cost floor only). */
FI_INLINE float icdf_central(uint32_t a, int fma)
{
    float q = ((float)(int32_t)(a ^ 0x80000000u) + 0.5f) * 0x1p-32f;
    float r = q * q;
    float n = -3.969683028665376e+01f;
    n = fi_madd_f32(n, r, 2.209460984245205e+02f, fma);
    n = fi_madd_f32(n, r, -2.759285104469687e+02f, fma);
    n = fi_madd_f32(n, r, 1.383577518672690e+02f, fma);
    n = fi_madd_f32(n, r, -3.066479806614716e+01f, fma);
    n = fi_madd_f32(n, r, 2.506628277459239e+00f, fma);
    float d = -5.447609879822406e+01f;
    d = fi_madd_f32(d, r, 1.615858368580409e+02f, fma);
    d = fi_madd_f32(d, r, -1.556989798598866e+02f, fma);
    d = fi_madd_f32(d, r, 6.680131188771972e+01f, fma);
    d = fi_madd_f32(d, r, -1.328068155288572e+01f, fma);
    d = fi_madd_f32(d, r, 1.0f, fma);
    return n * q / d;
}

#define ICDF_BODY(NAME, FN)                                                                   \
FI_INLINE void NAME##_body(fi_blocks_fn blocks, int fma, fi_key_t key, uint64_t offset,       \
                           float mean, float std, int64_t n, float *out)                      \
{                                                                                             \
    float scratch[4 * FI_BLOCKS];                                                             \
    float z0[FI_BLOCKS], z1[FI_BLOCKS], z2[FI_BLOCKS], z3[FI_BLOCKS];                         \
    fi_words_t w;                                                                             \
    fi_window_t win = fi_window_start(offset, n, 4);                                          \
    while (fi_window_open(&win)) {                                                            \
        float *dst = win.whole ? out + fi_window_at(&win) : scratch;                          \
        blocks(key, win.b0, win.nb, &w);                                                      \
        FI_INTERLEAVE                                                                         \
        for (int j = 0; j < win.nb; j++) {                                                    \
            z0[j] = fi_madd_f32(std, FN(w.w0[j], fma), mean, fma);                            \
            z1[j] = fi_madd_f32(std, FN(w.w1[j], fma), mean, fma);                            \
            z2[j] = fi_madd_f32(std, FN(w.w2[j], fma), mean, fma);                            \
            z3[j] = fi_madd_f32(std, FN(w.w3[j], fma), mean, fma);                            \
        }                                                                                     \
        for (int j = 0; j < win.nb; j++) {                                                    \
            dst[4 * j] = z0[j]; dst[4 * j + 1] = z1[j];                                       \
            dst[4 * j + 2] = z2[j]; dst[4 * j + 3] = z3[j];                                   \
        }                                                                                     \
        fi_window_close(&win, out, scratch, sizeof(float));                                   \
    }                                                                                         \
}
ICDF_BODY(giles, icdf_giles)
ICDF_BODY(central, icdf_central)
#define P (fi_key_t key, uint64_t offset, float mean, float std, int64_t n, float *out)
#define A (key, offset, mean, std, n, out)
FI_FILL_LEVELS_FMA(giles, P, A)
FI_FILL_LEVELS_FMA(central, P, A)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef void (*fill_fn) P;
int main(void)
{
    int64_t n = 1 << 16;
    float *values = aligned_alloc(64, (size_t)n * 4);
    fi_key_t key = {1, 2, 3, 4};
    fill_fn g[3] = {giles_scalar, giles_avx2, giles_avx512};
    fill_fn c[3] = {central_scalar, central_avx2, central_avx512};
    for (int level = 0; level < 3; level++) {
        if (fi_simd_select(level) != level) break;
        double bm = 1e9, gi = 1e9, ce = 1e9;
        for (int r = 0; r < 300; r++) {
            double t0 = now();
            fi_fill_normal_f32(key, 0, 0.0f, 1.0f, n, values);
            double t1 = now();
            g[level](key, 0, 0.0f, 1.0f, n, values);
            double t2 = now();
            c[level](key, 0, 0.0f, 1.0f, n, values);
            double t3 = now();
            bm = fmin(bm, t1 - t0); gi = fmin(gi, t2 - t1); ce = fmin(ce, t3 - t2);
        }
        printf("%-7s Box-Muller %.3f  ICDF Giles %.3f  central-only rational (floor) %.3f ns/value\n",
               fi_simd_level_name(level), bm / n * 1e9, gi / n * 1e9, ce / n * 1e9);
    }
    /* sanity: moments of the Giles ICDF over 2^22 values */
    int64_t N = 1 << 22; float *v = aligned_alloc(64, N * 4);
    fi_simd_select(2); giles_avx512(key, 0, 0.0f, 1.0f, N, v);
    double s1 = 0, s2 = 0, s4 = 0, mx = 0;
    for (int64_t i = 0; i < N; i++) { double x = v[i]; s1 += x; s2 += x * x; s4 += x * x * x * x; if (fabs(x) > mx) mx = fabs(x); }
    printf("giles: mean %.5f var %.5f kurt %.4f max %.3f\n", s1 / N, s2 / N, s4 / N / (s2 / N) / (s2 / N), mx);
    float *v2 = aligned_alloc(64, N * 4); giles_scalar(key, 0, 0.0f, 1.0f, N, v2);
    printf("scalar==avx512: %d\n", memcmp(v, v2, N * 4) == 0);
    return 0;
}
