/*
 * Matrix products in a fixed order of operations (fixedmm.h): every element
 * of out = A @ B is
 *
 *     s = 0;  for p = 0, 1, ..., k - 1:  s = fma(A[i,p], B[p,j], s)
 *
 * one correctly rounded fused multiply-add a step, so its bits depend on
 * A's row i and B's column j alone: not on the SIMD level (each vector lane
 * is one element's own sequence, the scalar level calls fma()/fmaf(), which
 * C defines as correctly rounded), not on the tiling, the thread count or
 * the CPU. Identical columns of B give identical columns of out wherever
 * they sit. This is what fastinit.nn multiplies with, so its experiments
 * give one result everywhere; BLAS (faster on large products) orders and
 * blocks its sums by its kernel, which differs between CPUs.
 *
 * Loop order, for the cache only: a panel of B's columns (k x one tile
 * width) is reused by every row tile before the next panel, so it stays
 * in L2 while A's rows stream through.
 */
#include <math.h>

#include "dispatch.h"
#include "fixedmm.h"

#define FI_MM_ROWS 4

/* ---- the scalar level: fma() and fmaf(), eight columns at a time ---------------------- */
#define FI_MM_SCALAR_COLS 8

static void fi_mm_f32_scalar(const float *a, int64_t ars, int64_t acs, const float *b, float *out,
                             int64_t k, int64_t m, int64_t row0, int64_t row1)
{
    for (int64_t j0 = 0; j0 < m; j0 += FI_MM_SCALAR_COLS) {
        int64_t cols = m - j0 < FI_MM_SCALAR_COLS ? m - j0 : FI_MM_SCALAR_COLS;
        for (int64_t i = row0; i < row1; i++) {
            float acc[FI_MM_SCALAR_COLS] = {0};
            const float *ai = a + i * ars;
            for (int64_t p = 0; p < k; p++) {
                float x = ai[p * acs];
                const float *bp = b + p * m + j0;
                for (int64_t t = 0; t < cols; t++)
                    acc[t] = fmaf(x, bp[t], acc[t]);
            }
            for (int64_t t = 0; t < cols; t++)
                out[i * m + j0 + t] = acc[t];
        }
    }
}

static void fi_mm_f64_scalar(const double *a, int64_t ars, int64_t acs, const double *b,
                             double *out, int64_t k, int64_t m, int64_t row0, int64_t row1)
{
    for (int64_t j0 = 0; j0 < m; j0 += FI_MM_SCALAR_COLS) {
        int64_t cols = m - j0 < FI_MM_SCALAR_COLS ? m - j0 : FI_MM_SCALAR_COLS;
        for (int64_t i = row0; i < row1; i++) {
            double acc[FI_MM_SCALAR_COLS] = {0};
            const double *ai = a + i * ars;
            for (int64_t p = 0; p < k; p++) {
                double x = ai[p * acs];
                const double *bp = b + p * m + j0;
                for (int64_t t = 0; t < cols; t++)
                    acc[t] = fma(x, bp[t], acc[t]);
            }
            for (int64_t t = 0; t < cols; t++)
                out[i * m + j0 + t] = acc[t];
        }
    }
}

#ifdef FI_X86_SIMD
#include <immintrin.h>

/* ---- AVX2: tiles of 4 rows by two vectors (16 float32 or 8 float64 columns) ---------- */
FI_TARGET_AVX2 FI_INLINE __m256i fi_mm_lanes32(int64_t count)
{
    int c = count < 0 ? 0 : (count > 8 ? 8 : (int)count);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

FI_TARGET_AVX2 FI_INLINE __m256i fi_mm_lanes64(int64_t count)
{
    long long c = count < 0 ? 0 : (count > 4 ? 4 : count);
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(c), _mm256_setr_epi64x(0, 1, 2, 3));
}

FI_TARGET_AVX2 static void fi_mm_f32_avx2(const float *a, int64_t ars, int64_t acs,
                                          const float *b, float *out, int64_t k, int64_t m,
                                          int64_t row0, int64_t row1)
{
    for (int64_t j0 = 0; j0 < m; j0 += 16) {
        const __m256i lo = fi_mm_lanes32(m - j0), hi = fi_mm_lanes32(m - j0 - 8);
        for (int64_t i = row0; i < row1; i += FI_MM_ROWS) {
            int rows = row1 - i < FI_MM_ROWS ? (int)(row1 - i) : FI_MM_ROWS;
            __m256 acc[FI_MM_ROWS][2];
            for (int r = 0; r < FI_MM_ROWS; r++)
                acc[r][0] = acc[r][1] = _mm256_setzero_ps();
            for (int64_t p = 0; p < k; p++) {
                const float *bp = b + p * m + j0;
                __m256 w0 = _mm256_maskload_ps(bp, lo), w1 = _mm256_maskload_ps(bp + 8, hi);
                for (int r = 0; r < rows; r++) {
                    __m256 x = _mm256_set1_ps(a[(i + r) * ars + p * acs]);
                    acc[r][0] = _mm256_fmadd_ps(x, w0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(x, w1, acc[r][1]);
                }
            }
            for (int r = 0; r < rows; r++) {
                _mm256_maskstore_ps(out + (i + r) * m + j0, lo, acc[r][0]);
                _mm256_maskstore_ps(out + (i + r) * m + j0 + 8, hi, acc[r][1]);
            }
        }
    }
}

FI_TARGET_AVX2 static void fi_mm_f64_avx2(const double *a, int64_t ars, int64_t acs,
                                          const double *b, double *out, int64_t k, int64_t m,
                                          int64_t row0, int64_t row1)
{
    for (int64_t j0 = 0; j0 < m; j0 += 8) {
        const __m256i lo = fi_mm_lanes64(m - j0), hi = fi_mm_lanes64(m - j0 - 4);
        for (int64_t i = row0; i < row1; i += FI_MM_ROWS) {
            int rows = row1 - i < FI_MM_ROWS ? (int)(row1 - i) : FI_MM_ROWS;
            __m256d acc[FI_MM_ROWS][2];
            for (int r = 0; r < FI_MM_ROWS; r++)
                acc[r][0] = acc[r][1] = _mm256_setzero_pd();
            for (int64_t p = 0; p < k; p++) {
                const double *bp = b + p * m + j0;
                __m256d w0 = _mm256_maskload_pd(bp, lo), w1 = _mm256_maskload_pd(bp + 4, hi);
                for (int r = 0; r < rows; r++) {
                    __m256d x = _mm256_set1_pd(a[(i + r) * ars + p * acs]);
                    acc[r][0] = _mm256_fmadd_pd(x, w0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_pd(x, w1, acc[r][1]);
                }
            }
            for (int r = 0; r < rows; r++) {
                _mm256_maskstore_pd(out + (i + r) * m + j0, lo, acc[r][0]);
                _mm256_maskstore_pd(out + (i + r) * m + j0 + 4, hi, acc[r][1]);
            }
        }
    }
}

/* ---- AVX-512: tiles of 4 rows by two vectors (32 float32 or 16 float64 columns) ------- */
FI_TARGET_AVX512 FI_INLINE __mmask16 fi_mm_mask16(int64_t count)
{
    return count <= 0 ? 0 : (count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1));
}

FI_TARGET_AVX512 static void fi_mm_f32_avx512(const float *a, int64_t ars, int64_t acs,
                                              const float *b, float *out, int64_t k, int64_t m,
                                              int64_t row0, int64_t row1)
{
    for (int64_t j0 = 0; j0 < m; j0 += 32) {
        const __mmask16 lo = fi_mm_mask16(m - j0), hi = fi_mm_mask16(m - j0 - 16);
        for (int64_t i = row0; i < row1; i += FI_MM_ROWS) {
            int rows = row1 - i < FI_MM_ROWS ? (int)(row1 - i) : FI_MM_ROWS;
            __m512 acc[FI_MM_ROWS][2];
            for (int r = 0; r < FI_MM_ROWS; r++)
                acc[r][0] = acc[r][1] = _mm512_setzero_ps();
            for (int64_t p = 0; p < k; p++) {
                const float *bp = b + p * m + j0;
                __m512 w0 = _mm512_maskz_loadu_ps(lo, bp), w1 = _mm512_maskz_loadu_ps(hi, bp + 16);
                for (int r = 0; r < rows; r++) {
                    __m512 x = _mm512_set1_ps(a[(i + r) * ars + p * acs]);
                    acc[r][0] = _mm512_fmadd_ps(x, w0, acc[r][0]);
                    acc[r][1] = _mm512_fmadd_ps(x, w1, acc[r][1]);
                }
            }
            for (int r = 0; r < rows; r++) {
                _mm512_mask_storeu_ps(out + (i + r) * m + j0, lo, acc[r][0]);
                _mm512_mask_storeu_ps(out + (i + r) * m + j0 + 16, hi, acc[r][1]);
            }
        }
    }
}

FI_TARGET_AVX512 static void fi_mm_f64_avx512(const double *a, int64_t ars, int64_t acs,
                                              const double *b, double *out, int64_t k, int64_t m,
                                              int64_t row0, int64_t row1)
{
    for (int64_t j0 = 0; j0 < m; j0 += 16) {
        __mmask16 l16 = fi_mm_mask16(m - j0), h16 = fi_mm_mask16(m - j0 - 8);
        const __mmask8 lo = (__mmask8)(l16 & 0xFF), hi = (__mmask8)(h16 & 0xFF);
        for (int64_t i = row0; i < row1; i += FI_MM_ROWS) {
            int rows = row1 - i < FI_MM_ROWS ? (int)(row1 - i) : FI_MM_ROWS;
            __m512d acc[FI_MM_ROWS][2];
            for (int r = 0; r < FI_MM_ROWS; r++)
                acc[r][0] = acc[r][1] = _mm512_setzero_pd();
            for (int64_t p = 0; p < k; p++) {
                const double *bp = b + p * m + j0;
                __m512d w0 = _mm512_maskz_loadu_pd(lo, bp), w1 = _mm512_maskz_loadu_pd(hi, bp + 8);
                for (int r = 0; r < rows; r++) {
                    __m512d x = _mm512_set1_pd(a[(i + r) * ars + p * acs]);
                    acc[r][0] = _mm512_fmadd_pd(x, w0, acc[r][0]);
                    acc[r][1] = _mm512_fmadd_pd(x, w1, acc[r][1]);
                }
            }
            for (int r = 0; r < rows; r++) {
                _mm512_mask_storeu_pd(out + (i + r) * m + j0, lo, acc[r][0]);
                _mm512_mask_storeu_pd(out + (i + r) * m + j0 + 8, hi, acc[r][1]);
            }
        }
    }
}
#endif

/* ---- the level's kernels ------------------------------------------------------------ */
typedef void (*fi_mm_f32_fn)(const float *, int64_t, int64_t, const float *, float *, int64_t,
                             int64_t, int64_t, int64_t);
typedef void (*fi_mm_f64_fn)(const double *, int64_t, int64_t, const double *, double *, int64_t,
                             int64_t, int64_t, int64_t);

static fi_mm_f32_fn fi_mm32 = fi_mm_f32_scalar;
static fi_mm_f64_fn fi_mm64 = fi_mm_f64_scalar;

int fi_fixedmm_select(int cap)
{
    int level = fi_pick_level(cap);
    fi_mm32 = fi_mm_f32_scalar;
    fi_mm64 = fi_mm_f64_scalar;
#ifdef FI_X86_SIMD
    if (level == FI_LEVEL_AVX2) {
        fi_mm32 = fi_mm_f32_avx2;
        fi_mm64 = fi_mm_f64_avx2;
    } else if (level == FI_LEVEL_AVX512) {
        fi_mm32 = fi_mm_f32_avx512;
        fi_mm64 = fi_mm_f64_avx512;
    }
#endif
    return level;
}

void fi_fixedmm_f32(const float *a, int64_t ars, int64_t acs, const float *b, float *out,
                    int64_t k, int64_t m, int64_t row0, int64_t row1)
{
    fi_mm32(a, ars, acs, b, out, k, m, row0, row1);
}

void fi_fixedmm_f64(const double *a, int64_t ars, int64_t acs, const double *b, double *out,
                    int64_t k, int64_t m, int64_t row0, int64_t row1)
{
    fi_mm64(a, ars, acs, b, out, k, m, row0, row1);
}
