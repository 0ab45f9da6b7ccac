/*
 * Fused output, measured (issue 22): the Philox words of each SIMD step
 * transposed in registers, converted and stored straight to the output,
 * with no word-planar window between the generator and the conversion,
 * against the fills as built (window.h), for raw words and uniform float32,
 * at every x86-64 level this CPU has. Whole, aligned outputs only (no
 * window edges): the most the fused form could gain. Checks that both give
 * the same bits. From the repository root:
 *
 *     cc -O3 -fno-math-errno -ffp-contract=off -std=gnu11 -Ifastinit/src \
 *        tools/bench_fused.c fastinit/src/fills.c fastinit/src/truncnorm.c -lm -o /tmp/bench_fused
 *     /tmp/bench_fused [values]
 *
 * On a 2-core AMD EPYC (Zen 4), 65472 values, two runs: raw words 7.5%, 4%
 * and 1.5% faster fused at the scalar (SSE2), AVX2 and AVX-512 levels;
 * uniform float32 0.5% and 1% faster at the first two and 4.5% slower at
 * AVX-512 (conversion, not the window, is its cost). Too little for a
 * second output path per ISA: fastinit keeps the window. (The normal fills
 * need a window anyway: their split loops, fills.c.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fills.h"
#include "simd.h"
#include "window.h"

#ifdef FI_X86_SIMD

/* The Philox step of philox_steps.h for `ways` vectors of block counters
 * b, b + lanes, ..., leaving the words in c0 .. c3 (block 0 of the stream's
 * first 2^32 run; whole steps only). */
#define PHILOX_SETUP(isa)                                                                      \
    uint32_t rk0[10], rk1[10];                                                                 \
    fi_round_keys(key.k0, key.k1, rk0, rk1);                                                   \
    const fi_##isa##_t m0 = fi_##isa##_set1(FI_PHILOX_M0), m1 = fi_##isa##_set1(FI_PHILOX_M1); \
    const fi_##isa##_t iota = fi_##isa##_iota();                                               \
    const fi_philox_head_t h = fi_philox_head(0, key.s0, key.s1, rk0, rk1);                    \
    const fi_##isa##_t x2_0 = fi_##isa##_set1(h.x2_0), x0_1 = fi_##isa##_set1(h.x0_1);         \
    const fi_##isa##_t x2_1 = fi_##isa##_set1(h.x2_1), x2_2 = fi_##isa##_set1(h.x2_2);         \
    const fi_##isa##_t k0_2 = fi_##isa##_set1(rk0[2]);

#define PHILOX_STEP(isa, ways, b)                                                              \
    fi_##isa##_t c0[ways], c1[ways], c2[ways], c3[ways];                                       \
    for (int v = 0; v < ways; v++) {                                                           \
        fi_##isa##_t hi0, lo0, hi1, lo1;                                                       \
        c0[v] = fi_##isa##_add(fi_##isa##_set1((b) + (uint32_t)(fi_##isa##_lanes * v)), iota); \
        fi_##isa##_mulhilo(c0[v], m0, &hi0, &lo0);                                             \
        c2[v] = fi_##isa##_xor(hi0, x2_0);                                                     \
        fi_##isa##_mulhilo(c2[v], m1, &hi1, &lo1);                                             \
        c0[v] = fi_##isa##_xor(hi1, x0_1);                                                     \
        c1[v] = lo1;                                                                           \
        c2[v] = fi_##isa##_xor(lo0, x2_1);                                                     \
        fi_##isa##_mulhilo(c0[v], m0, &hi0, &lo0);                                             \
        fi_##isa##_mulhilo(c2[v], m1, &hi1, &lo1);                                             \
        c0[v] = fi_##isa##_xor3(hi1, c1[v], k0_2);                                             \
        c1[v] = lo1;                                                                           \
        c2[v] = fi_##isa##_xor(hi0, x2_2);                                                     \
        c3[v] = lo0;                                                                           \
    }                                                                                          \
    for (int r = 3; r < 10; r++) {                                                             \
        fi_##isa##_t rk0v = fi_##isa##_set1(rk0[r]), rk1v = fi_##isa##_set1(rk1[r]);           \
        for (int v = 0; v < ways; v++)                                                         \
            fi_##isa##_philox_round(&c0[v], &c1[v], &c2[v], &c3[v], m0, m1, rk0v, rk1v);       \
    }

/* Word-planar vectors (word k of lanes consecutive blocks in ck) to four
 * vectors of consecutive output words. */
static inline void transpose_sse2(__m128i a, __m128i b, __m128i c, __m128i d, __m128i o[4])
{
    __m128i ab_lo = _mm_unpacklo_epi32(a, b), ab_hi = _mm_unpackhi_epi32(a, b);
    __m128i cd_lo = _mm_unpacklo_epi32(c, d), cd_hi = _mm_unpackhi_epi32(c, d);
    o[0] = _mm_unpacklo_epi64(ab_lo, cd_lo);
    o[1] = _mm_unpackhi_epi64(ab_lo, cd_lo);
    o[2] = _mm_unpacklo_epi64(ab_hi, cd_hi);
    o[3] = _mm_unpackhi_epi64(ab_hi, cd_hi);
}

FI_TARGET_AVX2 static inline void transpose_avx2(__m256i a, __m256i b, __m256i c, __m256i d,
                                                 __m256i o[4])
{
    __m256i ab_lo = _mm256_unpacklo_epi32(a, b), ab_hi = _mm256_unpackhi_epi32(a, b);
    __m256i cd_lo = _mm256_unpacklo_epi32(c, d), cd_hi = _mm256_unpackhi_epi32(c, d);
    __m256i t0 = _mm256_unpacklo_epi64(ab_lo, cd_lo), t1 = _mm256_unpackhi_epi64(ab_lo, cd_lo);
    __m256i t2 = _mm256_unpacklo_epi64(ab_hi, cd_hi), t3 = _mm256_unpackhi_epi64(ab_hi, cd_hi);
    o[0] = _mm256_permute2x128_si256(t0, t1, 0x20);   /* blocks 0, 1 */
    o[1] = _mm256_permute2x128_si256(t2, t3, 0x20);   /* 2, 3 */
    o[2] = _mm256_permute2x128_si256(t0, t1, 0x31);   /* 4, 5 */
    o[3] = _mm256_permute2x128_si256(t2, t3, 0x31);   /* 6, 7 */
}

FI_TARGET_AVX512 static inline void transpose_avx512(__m512i a, __m512i b, __m512i c, __m512i d,
                                                     __m512i o[4])
{
    __m512i ab_lo = _mm512_unpacklo_epi32(a, b), ab_hi = _mm512_unpackhi_epi32(a, b);
    __m512i cd_lo = _mm512_unpacklo_epi32(c, d), cd_hi = _mm512_unpackhi_epi32(c, d);
    __m512i t0 = _mm512_unpacklo_epi64(ab_lo, cd_lo), t1 = _mm512_unpackhi_epi64(ab_lo, cd_lo);
    __m512i t2 = _mm512_unpacklo_epi64(ab_hi, cd_hi), t3 = _mm512_unpackhi_epi64(ab_hi, cd_hi);
    /* t0 = blocks 0|4|8|12, t1 = 1|5|9|13, t2 = 2|6|10|14, t3 = 3|7|11|15 */
    __m512i u0 = _mm512_shuffle_i32x4(t0, t1, 0x88), u1 = _mm512_shuffle_i32x4(t2, t3, 0x88);
    __m512i u2 = _mm512_shuffle_i32x4(t0, t1, 0xDD), u3 = _mm512_shuffle_i32x4(t2, t3, 0xDD);
    o[0] = _mm512_shuffle_i32x4(u0, u1, 0x88);   /* blocks 0 .. 3 */
    o[1] = _mm512_shuffle_i32x4(u2, u3, 0x88);   /* 4 .. 7 */
    o[2] = _mm512_shuffle_i32x4(u0, u1, 0xDD);   /* 8 .. 11 */
    o[3] = _mm512_shuffle_i32x4(u2, u3, 0xDD);   /* 12 .. 15 */
}

/* raw and uniform float32 fused, per level: T the vector type, LOAD-free. */
#define FUSED(isa, T, F, storei, cvt, srli, mul, add, set1, storef, below_sel)                 \
    fi_##isa##_target static void raw_fused_##isa(fi_key_t key, int64_t n, uint32_t *out)      \
    {                                                                                          \
        PHILOX_SETUP(isa)                                                                      \
        enum { lanes = fi_##isa##_lanes, ways = fi_##isa##_ways };                             \
        for (int64_t j = 0; j < n / 4; j += lanes * ways) {                                    \
            PHILOX_STEP(isa, ways, (uint32_t)j)                                                \
            for (int v = 0; v < ways; v++) {                                                   \
                T o[4];                                                                        \
                transpose_##isa(c0[v], c1[v], c2[v], c3[v], o);                                \
                for (int k = 0; k < 4; k++)                                                    \
                    storei((T *)(out + 4 * (j + lanes * v) + lanes * k), o[k]);                \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
    fi_##isa##_target static void uniform_fused_##isa(fi_key_t key, float low, float high,     \
                                                      int64_t n, float *out)                   \
    {                                                                                          \
        PHILOX_SETUP(isa)                                                                      \
        enum { lanes = fi_##isa##_lanes, ways = fi_##isa##_ways };                             \
        float below_ = nextafterf(high, -INFINITY);                                            \
        F vlow = set1(low), vscale = set1(high - low), vhigh = set1(high), vbelow = set1(below_); \
        F ulp = set1(0x1p-24f);                                                                \
        for (int64_t j = 0; j < n / 4; j += lanes * ways) {                                    \
            PHILOX_STEP(isa, ways, (uint32_t)j)                                                \
            for (int v = 0; v < ways; v++) {                                                   \
                T o[4];                                                                        \
                transpose_##isa(c0[v], c1[v], c2[v], c3[v], o);                                \
                for (int k = 0; k < 4; k++) {                                                  \
                    F u = mul(cvt(srli(o[k], 8)), ulp);                                        \
                    F x = add(vlow, mul(vscale, u));                                           \
                    storef(out + 4 * (j + lanes * v) + lanes * k, below_sel(x, vhigh, vbelow)); \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

static inline __m128 below_sse2(__m128 x, __m128 high, __m128 below)
{
    __m128 lt = _mm_cmplt_ps(x, high);
    return _mm_or_ps(_mm_and_ps(lt, x), _mm_andnot_ps(lt, below));
}
FI_TARGET_AVX2 static inline __m256 below_avx2(__m256 x, __m256 high, __m256 below)
{
    return _mm256_blendv_ps(below, x, _mm256_cmp_ps(x, high, _CMP_LT_OQ));
}
FI_TARGET_AVX512 static inline __m512 below_avx512(__m512 x, __m512 high, __m512 below)
{
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, high, _CMP_LT_OQ), below, x);
}

FUSED(sse2, __m128i, __m128, _mm_storeu_si128, _mm_cvtepi32_ps, _mm_srli_epi32, _mm_mul_ps,
      _mm_add_ps, _mm_set1_ps, _mm_storeu_ps, below_sse2)
FUSED(avx2, __m256i, __m256, _mm256_storeu_si256, _mm256_cvtepi32_ps, _mm256_srli_epi32,
      _mm256_mul_ps, _mm256_add_ps, _mm256_set1_ps, _mm256_storeu_ps, below_avx2)
FUSED(avx512, __m512i, __m512, _mm512_storeu_si512, _mm512_cvtepi32_ps, _mm512_srli_epi32,
      _mm512_mul_ps, _mm512_add_ps, _mm512_set1_ps, _mm512_storeu_ps, below_avx512)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atol(argv[1]) : 65472;
    n -= n % (4 * 48);   /* whole steps at every level */
    uint32_t *a = aligned_alloc(64, (size_t)n * 4), *b = aligned_alloc(64, (size_t)n * 4);
    float *fa = aligned_alloc(64, (size_t)n * 4), *fb = aligned_alloc(64, (size_t)n * 4);
    fi_key_t key = {1, 2, 3, 4};
    for (int level = 0; level < 3; level++) {
        if (fi_simd_select(level) != level)
            break;
        double rw = 1e9, rf = 1e9, uw = 1e9, uf = 1e9;
        int reps = n > (1 << 20) ? 20 : 300;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            fi_fill_raw(key, 0, n, a);
            double t1 = now();
            if (level == 0) raw_fused_sse2(key, n, b);
            else if (level == 1) raw_fused_avx2(key, n, b);
            else raw_fused_avx512(key, n, b);
            double t2 = now();
            fi_fill_uniform_f32(key, 0, -1.0f, 1.0f, n, fa);
            double t3 = now();
            if (level == 0) uniform_fused_sse2(key, -1.0f, 1.0f, n, fb);
            else if (level == 1) uniform_fused_avx2(key, -1.0f, 1.0f, n, fb);
            else uniform_fused_avx512(key, -1.0f, 1.0f, n, fb);
            double t4 = now();
            rw = fmin(rw, t1 - t0);
            rf = fmin(rf, t2 - t1);
            uw = fmin(uw, t3 - t2);
            uf = fmin(uf, t4 - t3);
        }
        printf("%-7s %ld values: raw window %.3f fused %.3f | uniform f32 window %.3f fused %.3f "
               "ns/value | same bits: %s\n", fi_simd_level_name(level), (long)n, rw / n * 1e9,
               rf / n * 1e9, uw / n * 1e9, uf / n * 1e9,
               !memcmp(a, b, (size_t)n * 4) && !memcmp(fa, fb, (size_t)n * 4) ? "yes" : "NO");
    }
    return 0;
}
#else
int main(void)
{
    printf("x86-64 only\n");
    return 0;
}
#endif
