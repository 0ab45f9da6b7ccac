/*
 * The fused passes of activations.h, compiled for baseline, AVX2 and AVX-512
 * and picked at run time like the fills. tanh and sigmoid are built on the
 * vectorisable exp of vecmath.h: tanh(x) = e / (e + 2) with e = expm1(2|x|),
 * sign restored (a few ulp in float32, ~1e-15 relative in float64);
 * sigmoid(x) = 1 / (1 + exp(-x)) with the exponent clamped to stay finite.
 */
/* Unlike the random fills, these passes need not be bit-identical across
 * CPUs (the BLAS products beside them are not), so the AVX2/AVX-512 clones
 * may fuse multiply-adds. Thread-count invariance is unaffected. */
#pragma GCC optimize("fp-contract=fast")

#include <math.h>
#include <string.h>

#include "activations.h"
#include "dispatch.h"
#include "vecmath.h"

/* expm1 on [0, 45]: 2^k (1 + p) - 1 with p = expm1(r), r = y - k ln 2. */
static inline float fi_expm1_f32(float y)
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

static inline double fi_expm1_f64(double y)
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

/* |x| clamped to lim, sign kept, NaN passed through; on the bit patterns,
 * because a float compare-and-select before the exp makes GCC split the
 * loop into two paths (one constant-folded) and give up vectorising. */
static inline float fi_clamp_abs_f32(float x, float lim)
{
    uint32_t u = fi_f32_bits(x), a = u & 0x7fffffffu, l = fi_f32_bits(lim);
    a = (a > l && a <= 0x7f800000u) ? l : a;
    return fi_bits_f32(a | (u & 0x80000000u));
}

static inline double fi_clamp_abs_f64(double x, double lim)
{
    uint64_t u = fi_f64_bits(x), a = u & 0x7fffffffffffffffull, l = fi_f64_bits(lim);
    a = (a > l && a <= 0x7ff0000000000000ull) ? l : a;
    return fi_bits_f64(a | (u & 0x8000000000000000ull));
}

/* tanh(9) and tanh(22) round to 1 in float32 and float64. */
static inline float fi_tanh_f32(float x)
{
    float ax = fabsf(fi_clamp_abs_f32(x, 9.0f));
    float e = fi_expm1_f32(2.0f * ax);
    return copysignf(e / (e + 2.0f), x);
}

static inline double fi_tanh_f64(double x)
{
    double ax = fabs(fi_clamp_abs_f64(x, 22.0));
    double e = fi_expm1_f64(2.0 * ax);
    return copysign(e / (e + 2.0), x);
}

/* exp(-x) kept finite and normal: |x| <= 87 (float32), 708 (float64). */
static inline float fi_sigmoid_f32(float x)
{
    return 1.0f / (1.0f + fi_exp_f32(-fi_clamp_abs_f32(x, 87.0f)));
}

static inline double fi_sigmoid_f64(double x)
{
    return 1.0 / (1.0 + fi_exp_f64(-fi_clamp_abs_f64(x, 708.0)));
}

/* One row loop per activation, the switch outside, so each loop vectorises. */
#define FI_ROWS(T, EXPR)                                                     \
    for (int64_t i = 0; i < rows; i++) {                                     \
        T *zr = z + i * cols;                                                \
        if (b) {                                                             \
            for (int64_t j = 0; j < cols; j++) { T v = zr[j] + b[j]; zr[j] = (EXPR); } \
        } else {                                                             \
            for (int64_t j = 0; j < cols; j++) { T v = zr[j]; zr[j] = (EXPR); } \
        }                                                                    \
    }

FI_CLONES
void fi_bias_act_f32(float *z, const float *b, int64_t rows, int64_t cols, int act)
{
    switch (act) {
    case FI_RELU: FI_ROWS(float, v > 0.0f ? v : 0.0f); break;
    case FI_TANH: FI_ROWS(float, fi_tanh_f32(v)); break;
    case FI_SIGMOID: FI_ROWS(float, fi_sigmoid_f32(v)); break;
    default: if (b) FI_ROWS(float, v); break;
    }
}

FI_CLONES
void fi_bias_act_f64(double *z, const double *b, int64_t rows, int64_t cols, int act)
{
    switch (act) {
    case FI_RELU: FI_ROWS(double, v > 0.0 ? v : 0.0); break;
    case FI_TANH: FI_ROWS(double, fi_tanh_f64(v)); break;
    case FI_SIGMOID: FI_ROWS(double, fi_sigmoid_f64(v)); break;
    default: if (b) FI_ROWS(double, v); break;
    }
}

/* dz = da * act'(a) and db = sum over the rows of dz, row by row. */
#define FI_GRAD(T, EXPR)                                                     \
    for (int64_t j = 0; j < cols; j++) db[j] = 0;                            \
    for (int64_t i = 0; i < rows; i++) {                                     \
        const T *dar = da + i * cols, *ar = a + i * cols;                    \
        T *dzr = dz + i * cols;                                              \
        for (int64_t j = 0; j < cols; j++) {                                 \
            T g = dar[j], y = ar[j];                                         \
            T d = (EXPR);                                                    \
            (void)y;                                                         \
            dzr[j] = d;                                                      \
            db[j] += d;                                                      \
        }                                                                    \
    }

FI_CLONES
void fi_grad_act_f32(const float *da, const float *a, float *dz, float *db,
                     int64_t rows, int64_t cols, int act)
{
    switch (act) {
    case FI_RELU: FI_GRAD(float, y > 0.0f ? g : 0.0f); break;
    case FI_TANH: FI_GRAD(float, g * (1.0f - y * y)); break;
    case FI_SIGMOID: FI_GRAD(float, g * (y * (1.0f - y))); break;
    default: FI_GRAD(float, g); break;
    }
}

FI_CLONES
void fi_grad_act_f64(const double *da, const double *a, double *dz, double *db,
                     int64_t rows, int64_t cols, int act)
{
    switch (act) {
    case FI_RELU: FI_GRAD(double, y > 0.0 ? g : 0.0); break;
    case FI_TANH: FI_GRAD(double, g * (1.0 - y * y)); break;
    case FI_SIGMOID: FI_GRAD(double, g * (y * (1.0 - y))); break;
    default: FI_GRAD(double, g); break;
    }
}

FI_CLONES
void fi_sum_blocks_f32(const float *partial, int64_t blocks, int64_t cols, float *db)
{
    memcpy(db, partial, (size_t)cols * sizeof(float));
    for (int64_t k = 1; k < blocks; k++)
        for (int64_t j = 0; j < cols; j++) db[j] += partial[k * cols + j];
}

FI_CLONES
void fi_sum_blocks_f64(const double *partial, int64_t blocks, int64_t cols, double *db)
{
    memcpy(db, partial, (size_t)cols * sizeof(double));
    for (int64_t k = 1; k < blocks; k++)
        for (int64_t j = 0; j < cols; j++) db[j] += partial[k * cols + j];
}

/* SGD: w -= lr g, or with momentum v = momentum v - lr g; w += v. */
FI_CLONES
void fi_sgd_f32(float *w, const float *g, float *v, int64_t n, float lr, float momentum)
{
    if (v) {
        for (int64_t i = 0; i < n; i++) { v[i] = momentum * v[i] - lr * g[i]; w[i] += v[i]; }
    } else {
        for (int64_t i = 0; i < n; i++) w[i] -= lr * g[i];
    }
}

FI_CLONES
void fi_sgd_f64(double *w, const double *g, double *v, int64_t n, double lr, double momentum)
{
    if (v) {
        for (int64_t i = 0; i < n; i++) { v[i] = momentum * v[i] - lr * g[i]; w[i] += v[i]; }
    } else {
        for (int64_t i = 0; i < n; i++) w[i] -= lr * g[i];
    }
}

FI_CLONES
void fi_transpose_f32(const float *a, int64_t rows, int64_t cols, float *t)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
}

FI_CLONES
void fi_transpose_f64(const double *a, int64_t rows, int64_t cols, double *t)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
}

void fi_act_f32(float *x, int64_t n, int act) { fi_bias_act_f32(x, NULL, 1, n, act); }
void fi_act_f64(double *x, int64_t n, int act) { fi_bias_act_f64(x, NULL, 1, n, act); }
