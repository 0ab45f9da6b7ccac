/*
 * The small float32 product of gemm.h. A tile is 4 rows of out by two
 * vectors of columns (16 columns at AVX2, 32 at AVX-512): 8 accumulators,
 * and for each
 * step along k two loads of w's row and one broadcast of x per row, so the
 * loop is bound by its fused multiply-adds. w and x stay in the L1/L2 cache
 * at the sizes the caller sends here, so nothing is packed.
 *
 * Every element is the same sum in the same order on every path (whole
 * tiles, the last rows, the masked last columns): s = fma(x[i,p], w[p,j], s)
 * for p = 0, 1, ..., k - 1 from s = 0. The kernels run in one thread, so the
 * result depends on neither the thread count nor the tiling; the AVX2 and
 * AVX-512 levels agree bit for bit. BLAS, used at the scalar level and for
 * larger products, may round differently in the last place, as BLAS builds
 * do among themselves.
 *
 * float64 has no kernel here: written the same way it was slower than
 * OpenBLAS's own AVX-512 dgemm (tools/bench_gemm.c), so float64 products
 * stay with BLAS.
 *
 * The AVX2 and AVX-512 bodies stay two, unlike the Philox generator's one
 * over per-ISA primitives (philox_steps.h): their tiles differ in shape and
 * the AVX-512 body's last columns use mask registers, which AVX2 has no
 * counterpart of, so one body over primitives would hide more than it saves.
 */
#include "dispatch.h"
#include "gemm.h"

#define FI_TILE_ROWS 4

#ifdef FI_X86_SIMD
#include <immintrin.h>

/* All-ones in the first `count` lanes (count may be <= 0 or past the end). */
FI_TARGET_AVX2 FI_INLINE __m256i fi_first_lanes_f32(int64_t count)
{
    int c = count < 0 ? 0 : (count > 8 ? 8 : (int)count);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The pass of activations.c for linear and ReLU, on a tile in registers:
 * v + b, then v <= 0 ? 0 : v, as a mask of !(v <= 0) (true for NaN, so a
 * NaN passes through as in np.maximum and torch.relu; -0 gives +0). Same
 * operations, same bits as the separate pass. */
FI_TARGET_AVX2 FI_INLINE __m256 fi_epilogue_f32(__m256 v, __m256 b, int bias, int relu)
{
    if (bias)
        v = _mm256_add_ps(v, b);
    return relu ? _mm256_and_ps(v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NLE_UQ)) : v;
}

/* out[0 .. rows) x [0 .. cols) of a tile, rows <= 4, cols <= 16; x, w and
 * out point at the tile's first row, column and element, b (NULL: none) at
 * the tile's first bias. With masked = 0, cols is 16. The second vector is
 * touched only when cols > 8. */
FI_TARGET_AVX2 FI_INLINE void fi_tile_f32(const float *x, const float *w, const float *b,
                                          float *out, int64_t k, int64_t m, int relu, int rows,
                                          int64_t cols, int masked)
{
    __m256 acc[FI_TILE_ROWS][2];
    const __m256i lo = fi_first_lanes_f32(cols), hi = fi_first_lanes_f32(cols - 8);
    const int two = cols > 8;
    for (int r = 0; r < FI_TILE_ROWS; r++)
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int64_t p = 0; p < k; p++) {
        const float *wp = w + p * m;
        __m256 w0 = masked ? _mm256_maskload_ps(wp, lo) : _mm256_loadu_ps(wp);
        __m256 w1 = !masked ? _mm256_loadu_ps(wp + 8)
                  : (two ? _mm256_maskload_ps(wp + 8, hi) : _mm256_setzero_ps());
        for (int r = 0; r < FI_TILE_ROWS; r++) {
            if (r < rows) {
                __m256 xv = _mm256_broadcast_ss(x + r * k + p);
                acc[r][0] = _mm256_fmadd_ps(xv, w0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(xv, w1, acc[r][1]);
            }
        }
    }
    if (b || relu) {
        __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
        if (b) {
            b0 = masked ? _mm256_maskload_ps(b, lo) : _mm256_loadu_ps(b);
            b1 = !masked ? _mm256_loadu_ps(b + 8) : (two ? _mm256_maskload_ps(b + 8, hi) : b1);
        }
        for (int r = 0; r < FI_TILE_ROWS; r++) {
            acc[r][0] = fi_epilogue_f32(acc[r][0], b0, b != 0, relu);
            acc[r][1] = fi_epilogue_f32(acc[r][1], b1, b != 0, relu);
        }
    }
    for (int r = 0; r < FI_TILE_ROWS; r++) {
        if (r >= rows)
            continue;
        float *o = out + r * m;
        if (!masked) {
            _mm256_storeu_ps(o, acc[r][0]);
            _mm256_storeu_ps(o + 8, acc[r][1]);
        } else {
            _mm256_maskstore_ps(o, lo, acc[r][0]);
            if (two)
                _mm256_maskstore_ps(o + 8, hi, acc[r][1]);
        }
    }
}

/* Whole tiles with constant rows and columns (unrolled, unmasked); the last
 * rows and the last columns through the same tile, masked. */
FI_TARGET_AVX2 FI_INLINE void fi_gemm_f32_body(const float *x, const float *w, const float *b,
                                               float *out, int64_t n, int64_t k, int64_t m,
                                               int relu)
{
    int64_t whole = m - m % 16;
    for (int64_t i = 0; i < n; i += FI_TILE_ROWS) {
        int rows = n - i < FI_TILE_ROWS ? (int)(n - i) : FI_TILE_ROWS;
        const float *xi = x + i * k;
        float *oi = out + i * m;
        for (int64_t j = 0; j < whole; j += 16) {
            const float *bj = b ? b + j : b;
            if (rows == FI_TILE_ROWS)
                fi_tile_f32(xi, w + j, bj, oi + j, k, m, relu, FI_TILE_ROWS, 16, 0);
            else
                fi_tile_f32(xi, w + j, bj, oi + j, k, m, relu, rows, 16, 0);
        }
        if (whole < m)
            fi_tile_f32(xi, w + whole, b ? b + whole : b, oi + whole, k, m, relu, rows, m - whole,
                        1);
    }
}

FI_TARGET_AVX2 static void fi_gemm_f32_avx2(const float *x, const float *w, const float *b,
                                            float *out, int64_t n, int64_t k, int64_t m, int relu)
{
    fi_gemm_f32_body(x, w, b, out, n, k, m, relu);
}

/* The AVX-512 level: the same sums (fma along p from 0) in tiles of
 * FI_TILE_ROWS_512 rows by two 16-lane vectors (32 columns), with masks
 * for the last columns: half the tiles of the AVX2 body, so half the
 * per-tile cost (zeroing, epilogue, stores). Same bits as AVX2. 6 or 8
 * rows a tile were no faster (tools/bench_gemm.c). */
#define FI_TILE_ROWS_512 4

/* The first `count` lanes (count may be <= 0 or past the end). */
FI_TARGET_AVX512 FI_INLINE __mmask16 fi_first_lanes_512(int64_t count)
{
    if (count <= 0)
        return 0;
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

FI_TARGET_AVX512 FI_INLINE __m512 fi_epilogue_512(__m512 v, __m512 b, int bias, int relu)
{
    if (bias)
        v = _mm512_add_ps(v, b);
    return relu ? _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NLE_UQ), v) : v;
}

FI_TARGET_AVX512 FI_INLINE void fi_tile512_f32(const float *x, const float *w, const float *b,
                                               float *out, int64_t k, int64_t m, int relu,
                                               int rows, int64_t cols, int masked)
{
    __m512 acc[FI_TILE_ROWS_512][2];
    const __mmask16 lo = fi_first_lanes_512(cols), hi = fi_first_lanes_512(cols - 16);
    for (int r = 0; r < FI_TILE_ROWS_512; r++)
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p++) {
        const float *wp = w + p * m;
        __m512 w0 = masked ? _mm512_maskz_loadu_ps(lo, wp) : _mm512_loadu_ps(wp);
        __m512 w1 = masked ? _mm512_maskz_loadu_ps(hi, wp + 16) : _mm512_loadu_ps(wp + 16);
        for (int r = 0; r < FI_TILE_ROWS_512; r++) {
            if (r < rows) {
                __m512 xv = _mm512_set1_ps(x[r * k + p]);
                acc[r][0] = _mm512_fmadd_ps(xv, w0, acc[r][0]);
                acc[r][1] = _mm512_fmadd_ps(xv, w1, acc[r][1]);
            }
        }
    }
    if (b || relu) {
        __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
        if (b) {
            b0 = masked ? _mm512_maskz_loadu_ps(lo, b) : _mm512_loadu_ps(b);
            b1 = masked ? _mm512_maskz_loadu_ps(hi, b + 16) : _mm512_loadu_ps(b + 16);
        }
        for (int r = 0; r < FI_TILE_ROWS_512; r++) {
            acc[r][0] = fi_epilogue_512(acc[r][0], b0, b != 0, relu);
            acc[r][1] = fi_epilogue_512(acc[r][1], b1, b != 0, relu);
        }
    }
    for (int r = 0; r < FI_TILE_ROWS_512; r++) {
        if (r >= rows)
            continue;
        float *o = out + r * m;
        if (!masked) {
            _mm512_storeu_ps(o, acc[r][0]);
            _mm512_storeu_ps(o + 16, acc[r][1]);
        } else {
            _mm512_mask_storeu_ps(o, lo, acc[r][0]);
            _mm512_mask_storeu_ps(o + 16, hi, acc[r][1]);
        }
    }
}

FI_TARGET_AVX512 static void fi_gemm_f32_avx512(const float *x, const float *w, const float *b,
                                                float *out, int64_t n, int64_t k, int64_t m,
                                                int relu)
{
    int64_t whole = m - m % 32;
    for (int64_t i = 0; i < n; i += FI_TILE_ROWS_512) {
        int rows = n - i < FI_TILE_ROWS_512 ? (int)(n - i) : FI_TILE_ROWS_512;
        const float *xi = x + i * k;
        float *oi = out + i * m;
        for (int64_t j = 0; j < whole; j += 32) {
            const float *bj = b ? b + j : b;
            if (rows == FI_TILE_ROWS_512)
                fi_tile512_f32(xi, w + j, bj, oi + j, k, m, relu, FI_TILE_ROWS_512, 32, 0);
            else
                fi_tile512_f32(xi, w + j, bj, oi + j, k, m, relu, rows, 32, 0);
        }
        if (whole < m)
            fi_tile512_f32(xi, w + whole, b ? b + whole : b, oi + whole, k, m, relu, rows,
                           m - whole, 1);
    }
}

#endif

/* Without a vector level the caller uses BLAS (fi_gemm_available is 0);
 * this plain loop (unfused sums) only keeps fi_gemm_f32 safe to call. */
static void fi_gemm_f32_plain(const float *x, const float *w, const float *b, float *out, int64_t n,
                              int64_t k, int64_t m, int relu)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++) {
            float s = 0.0f;
            for (int64_t p = 0; p < k; p++)
                s += x[i * k + p] * w[p * m + j];
            if (b)
                s += b[j];
            out[i * m + j] = relu ? (s <= 0.0f ? 0.0f : s) : s;
        }
}

typedef void (*fi_gemm_f32_fn)(const float *, const float *, const float *, float *, int64_t,
                               int64_t, int64_t, int);

static fi_gemm_f32_fn fi_gemm32 = fi_gemm_f32_plain;
static int fi_gemm_vector = 0;

int fi_gemm_select(int cap)
{
    int level = fi_pick_level(cap);
    fi_gemm32 = fi_gemm_f32_plain;
    fi_gemm_vector = 0;
#ifdef FI_X86_SIMD
    if (level == FI_LEVEL_AVX2) {
        fi_gemm32 = fi_gemm_f32_avx2;
        fi_gemm_vector = 1;
    } else if (level == FI_LEVEL_AVX512) {
        fi_gemm32 = fi_gemm_f32_avx512;
        fi_gemm_vector = 1;
    }
#endif
    return level;
}

int fi_gemm_available(void) { return fi_gemm_vector; }

void fi_gemm_f32(const float *x, const float *w, const float *b, float *out, int64_t n, int64_t k,
                 int64_t m, int relu)
{
    fi_gemm32(x, w, b, out, n, k, m, relu);
}
