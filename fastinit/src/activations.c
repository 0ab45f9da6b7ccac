/*
 * The fused passes of activations.h, one body each, compiled for the scalar,
 * AVX2 and AVX-512 levels and picked at run time through one table, like
 * the fills. tanh and sigmoid are built on the vectorisable exp of
 * vecmath.h: tanh(x) = e / (e + 2) with e = expm1(2|x|), sign restored (a few
 * ulp in float32, ~1e-15 relative in float64); sigmoid(x) = 1 / (1 + exp(-x))
 * with the exponent clamped to stay finite. NaN in gives NaN out.
 */
/* Like the fills, these passes give the same bits at every level and on
 * every CPU: fastinit.nn's experiments are one result everywhere, so the
 * build's -ffp-contract=off holds here too (no multiply-add is fused
 * unless written so), and every target clone computes the same operations
 * in the same order. */

#include <math.h>
#include <string.h>

#include "activations.h"
#include "dispatch.h"
#include "vecmath.h"

/* |x| clamped to lim, sign kept, NaN passed through; on the bit patterns,
 * because a float compare-and-select before the exp makes GCC split the
 * loop into two paths (one constant-folded) and give up vectorising. */
FI_INLINE float fi_clamp_abs_f32(float x, float lim)
{
    uint32_t u = fi_f32_bits(x), a = u & 0x7fffffffu, l = fi_f32_bits(lim);
    a = (a > l && a <= 0x7f800000u) ? l : a;
    return fi_bits_f32(a | (u & 0x80000000u));
}

FI_INLINE double fi_clamp_abs_f64(double x, double lim)
{
    uint64_t u = fi_f64_bits(x), a = u & 0x7fffffffffffffffull, l = fi_f64_bits(lim);
    a = (a > l && a <= 0x7ff0000000000000ull) ? l : a;
    return fi_bits_f64(a | (u & 0x8000000000000000ull));
}

/* NaN in, NaN out, with no float-to-int conversion of the NaN (undefined
 * behaviour): the exp runs on 0 instead and the NaN is put back at the end.
 * Both on the bit patterns, which GCC vectorises (a float select it would
 * not). mask is all ones for NaN, else 0. */
FI_INLINE uint32_t fi_nan_mask_f32(float x)
{
    return 0u - (uint32_t)((fi_f32_bits(x) & 0x7fffffffu) > 0x7f800000u);
}

FI_INLINE uint64_t fi_nan_mask_f64(double x)
{
    return 0ull - (uint64_t)((fi_f64_bits(x) & 0x7fffffffffffffffull) > 0x7ff0000000000000ull);
}

FI_INLINE float fi_blend_f32(float a, float b, uint32_t mask)
{
    return fi_bits_f32((fi_f32_bits(a) & ~mask) | (fi_f32_bits(b) & mask));
}

FI_INLINE double fi_blend_f64(double a, double b, uint64_t mask)
{
    return fi_bits_f64((fi_f64_bits(a) & ~mask) | (fi_f64_bits(b) & mask));
}

/* tanh(9) and tanh(22) round to 1 in float32 and float64. */
FI_INLINE float fi_tanh_f32(float x)
{
    uint32_t nan = fi_nan_mask_f32(x);
    float ax = fabsf(fi_clamp_abs_f32(fi_blend_f32(x, 0.0f, nan), 9.0f));
    float e = fi_expm1_f32(2.0f * ax);
    return fi_blend_f32(copysignf(e / (e + 2.0f), x), x, nan);
}

FI_INLINE double fi_tanh_f64(double x)
{
    uint64_t nan = fi_nan_mask_f64(x);
    double ax = fabs(fi_clamp_abs_f64(fi_blend_f64(x, 0.0, nan), 22.0));
    double e = fi_expm1_f64(2.0 * ax);
    return fi_blend_f64(copysign(e / (e + 2.0), x), x, nan);
}

/* exp(-x) kept finite and normal: |x| <= 87 (float32), 708 (float64). */
FI_INLINE float fi_sigmoid_f32(float x)
{
    uint32_t nan = fi_nan_mask_f32(x);
    float s = 1.0f / (1.0f + fi_exp_f32(-fi_clamp_abs_f32(fi_blend_f32(x, 0.0f, nan), 87.0f)));
    return fi_blend_f32(s, x, nan);
}

FI_INLINE double fi_sigmoid_f64(double x)
{
    uint64_t nan = fi_nan_mask_f64(x);
    double s = 1.0 / (1.0 + fi_exp_f64(-fi_clamp_abs_f64(fi_blend_f64(x, 0.0, nan), 708.0)));
    return fi_blend_f64(s, x, nan);
}

/* ---- one element of each pass ------------------------------------------- */
FI_INLINE float fi_act_value_f32(float v, int act)
{
    switch (act) {
    case FI_RELU: return v <= 0.0f ? 0.0f : v;   /* NaN stays NaN */
    case FI_TANH: return fi_tanh_f32(v);
    case FI_SIGMOID: return fi_sigmoid_f32(v);
    default: return v;
    }
}

FI_INLINE double fi_act_value_f64(double v, int act)
{
    switch (act) {
    case FI_RELU: return v <= 0.0 ? 0.0 : v;     /* NaN stays NaN */
    case FI_TANH: return fi_tanh_f64(v);
    case FI_SIGMOID: return fi_sigmoid_f64(v);
    default: return v;
    }
}

/* act'(z) times g, from the output y = act(z) alone. */
FI_INLINE float fi_grad_value_f32(float g, float y, int act)
{
    switch (act) {
    case FI_RELU: return y > 0.0f ? g : 0.0f;
    case FI_TANH: return g * (1.0f - y * y);
    case FI_SIGMOID: return g * (y * (1.0f - y));
    default: return g;
    }
}

FI_INLINE double fi_grad_value_f64(double g, double y, int act)
{
    switch (act) {
    case FI_RELU: return y > 0.0 ? g : 0.0;
    case FI_TANH: return g * (1.0 - y * y);
    case FI_SIGMOID: return g * (y * (1.0 - y));
    default: return g;
    }
}

/* ---- the row loops, for one activation known at compile time ------------ */
FI_INLINE void fi_bias_act_rows_f32(float *z, const float *b, int64_t rows, int64_t cols, int act)
{
    for (int64_t i = 0; i < rows; i++) {
        float *zr = z + i * cols;
        if (b)
            for (int64_t j = 0; j < cols; j++) zr[j] = fi_act_value_f32(zr[j] + b[j], act);
        else
            for (int64_t j = 0; j < cols; j++) zr[j] = fi_act_value_f32(zr[j], act);
    }
}

FI_INLINE void fi_bias_act_rows_f64(double *z, const double *b, int64_t rows, int64_t cols, int act)
{
    for (int64_t i = 0; i < rows; i++) {
        double *zr = z + i * cols;
        if (b)
            for (int64_t j = 0; j < cols; j++) zr[j] = fi_act_value_f64(zr[j] + b[j], act);
        else
            for (int64_t j = 0; j < cols; j++) zr[j] = fi_act_value_f64(zr[j], act);
    }
}

/* dz = da * act'(a) and db = the column sums of dz, row by row; dz may be da. */
FI_INLINE void fi_grad_rows_f32(const float *da, const float *a, float *dz, float *db,
                                int64_t rows, int64_t cols, int act)
{
    for (int64_t j = 0; j < cols; j++) db[j] = 0;
    for (int64_t i = 0; i < rows; i++) {
        const float *dar = da + i * cols, *ar = a + i * cols;
        float *dzr = dz + i * cols;
        for (int64_t j = 0; j < cols; j++) {
            float d = fi_grad_value_f32(dar[j], ar[j], act);
            dzr[j] = d;
            db[j] += d;
        }
    }
}

FI_INLINE void fi_grad_rows_f64(const double *da, const double *a, double *dz, double *db,
                                int64_t rows, int64_t cols, int act)
{
    for (int64_t j = 0; j < cols; j++) db[j] = 0;
    for (int64_t i = 0; i < rows; i++) {
        const double *dar = da + i * cols, *ar = a + i * cols;
        double *dzr = dz + i * cols;
        for (int64_t j = 0; j < cols; j++) {
            double d = fi_grad_value_f64(dar[j], ar[j], act);
            dzr[j] = d;
            db[j] += d;
        }
    }
}

/* ---- the bodies: the switch outside, so each loop vectorises -------------- */
FI_INLINE void fi_bias_act_f32_body(float *z, const float *b, int64_t rows, int64_t cols, int act)
{
    switch (act) {
    case FI_RELU: fi_bias_act_rows_f32(z, b, rows, cols, FI_RELU); break;
    case FI_TANH: fi_bias_act_rows_f32(z, b, rows, cols, FI_TANH); break;
    case FI_SIGMOID: fi_bias_act_rows_f32(z, b, rows, cols, FI_SIGMOID); break;
    default: if (b) fi_bias_act_rows_f32(z, b, rows, cols, FI_LINEAR); break;
    }
}

FI_INLINE void fi_bias_act_f64_body(double *z, const double *b, int64_t rows, int64_t cols, int act)
{
    switch (act) {
    case FI_RELU: fi_bias_act_rows_f64(z, b, rows, cols, FI_RELU); break;
    case FI_TANH: fi_bias_act_rows_f64(z, b, rows, cols, FI_TANH); break;
    case FI_SIGMOID: fi_bias_act_rows_f64(z, b, rows, cols, FI_SIGMOID); break;
    default: if (b) fi_bias_act_rows_f64(z, b, rows, cols, FI_LINEAR); break;
    }
}

FI_INLINE void fi_grad_act_f32_body(const float *da, const float *a, float *dz, float *db,
                                    int64_t rows, int64_t cols, int act)
{
    switch (act) {
    case FI_RELU: fi_grad_rows_f32(da, a, dz, db, rows, cols, FI_RELU); break;
    case FI_TANH: fi_grad_rows_f32(da, a, dz, db, rows, cols, FI_TANH); break;
    case FI_SIGMOID: fi_grad_rows_f32(da, a, dz, db, rows, cols, FI_SIGMOID); break;
    default: fi_grad_rows_f32(da, a, dz, db, rows, cols, FI_LINEAR); break;
    }
}

FI_INLINE void fi_grad_act_f64_body(const double *da, const double *a, double *dz, double *db,
                                    int64_t rows, int64_t cols, int act)
{
    switch (act) {
    case FI_RELU: fi_grad_rows_f64(da, a, dz, db, rows, cols, FI_RELU); break;
    case FI_TANH: fi_grad_rows_f64(da, a, dz, db, rows, cols, FI_TANH); break;
    case FI_SIGMOID: fi_grad_rows_f64(da, a, dz, db, rows, cols, FI_SIGMOID); break;
    default: fi_grad_rows_f64(da, a, dz, db, rows, cols, FI_LINEAR); break;
    }
}

FI_INLINE void fi_sum_blocks_f32_body(const float *partial, int64_t blocks, int64_t cols, float *db)
{
    memcpy(db, partial, (size_t)cols * sizeof(float));
    for (int64_t k = 1; k < blocks; k++)
        for (int64_t j = 0; j < cols; j++) db[j] += partial[k * cols + j];
}

FI_INLINE void fi_sum_blocks_f64_body(const double *partial, int64_t blocks, int64_t cols, double *db)
{
    memcpy(db, partial, (size_t)cols * sizeof(double));
    for (int64_t k = 1; k < blocks; k++)
        for (int64_t j = 0; j < cols; j++) db[j] += partial[k * cols + j];
}

/* SGD: w -= lr g, or with momentum v = momentum v - lr g; w += v. */
FI_INLINE void fi_sgd_f32_body(float *w, const float *g, float *v, int64_t n, float lr, float momentum)
{
    if (v) {
        for (int64_t i = 0; i < n; i++) { v[i] = momentum * v[i] - lr * g[i]; w[i] += v[i]; }
    } else {
        for (int64_t i = 0; i < n; i++) w[i] -= lr * g[i];
    }
}

FI_INLINE void fi_sgd_f64_body(double *w, const double *g, double *v, int64_t n, double lr, double momentum)
{
    if (v) {
        for (int64_t i = 0; i < n; i++) { v[i] = momentum * v[i] - lr * g[i]; w[i] += v[i]; }
    } else {
        for (int64_t i = 0; i < n; i++) w[i] -= lr * g[i];
    }
}

/* ---- every level, one table, one choice ----------------------------------- */
/* The one list of passes, as levels.h lists the fills: (name, parameters,
 * arguments). From it come the level versions of each body, the table of
 * every level and the public fi_<name> wrappers of activations.h. */
#define FI_PASSES(X)                                                                              \
    X(bias_act_f32, (float *z, const float *b, int64_t rows, int64_t cols, int act),              \
      (z, b, rows, cols, act))                                                                    \
    X(bias_act_f64, (double *z, const double *b, int64_t rows, int64_t cols, int act),            \
      (z, b, rows, cols, act))                                                                    \
    X(grad_act_f32, (const float *da, const float *a, float *dz, float *db, int64_t rows,         \
                     int64_t cols, int act), (da, a, dz, db, rows, cols, act))                     \
    X(grad_act_f64, (const double *da, const double *a, double *dz, double *db, int64_t rows,     \
                     int64_t cols, int act), (da, a, dz, db, rows, cols, act))                     \
    X(sum_blocks_f32, (const float *partial, int64_t blocks, int64_t cols, float *db),            \
      (partial, blocks, cols, db))                                                                \
    X(sum_blocks_f64, (const double *partial, int64_t blocks, int64_t cols, double *db),          \
      (partial, blocks, cols, db))                                                                \
    X(sgd_f32, (float *w, const float *g, float *v, int64_t n, float lr, float momentum),         \
      (w, g, v, n, lr, momentum))                                                                 \
    X(sgd_f64, (double *w, const double *g, double *v, int64_t n, double lr, double momentum),    \
      (w, g, v, n, lr, momentum))

/* fi_<name>_scalar, _avx2 and _avx512: fi_<name>_body compiled for each level. */
#ifdef FI_X86_SIMD
#define FI_PASS_LEVELS(name, params, args)                                    \
    static void fi_##name##_scalar params { fi_##name##_body args; }           \
    FI_TARGET_AVX2 static void fi_##name##_avx2 params { fi_##name##_body args; } \
    FI_TARGET_AVX512 static void fi_##name##_avx512 params { fi_##name##_body args; }
#else
#define FI_PASS_LEVELS(name, params, args)                                    \
    static void fi_##name##_scalar params { fi_##name##_body args; }           \
    static void fi_##name##_avx2 params { fi_##name##_body args; }             \
    static void fi_##name##_avx512 params { fi_##name##_body args; }
#endif
FI_PASSES(FI_PASS_LEVELS)

#define FI_PASS_MEMBER(name, params, args) void(*name) params;
typedef struct {
    FI_PASSES(FI_PASS_MEMBER)
} fi_pass_table_t;

#define FI_PASS_AT_SCALAR(name, params, args) fi_##name##_scalar,
#define FI_PASS_AT_AVX2(name, params, args) fi_##name##_avx2,
#define FI_PASS_AT_AVX512(name, params, args) fi_##name##_avx512,
static const fi_pass_table_t fi_pass_tables[FI_N_LEVELS] = {
    {FI_PASSES(FI_PASS_AT_SCALAR)},
    {FI_PASSES(FI_PASS_AT_AVX2)},
    {FI_PASSES(FI_PASS_AT_AVX512)},
};

static const fi_pass_table_t *fi_pass = &fi_pass_tables[FI_LEVEL_SCALAR];
static int fi_pass_level = FI_LEVEL_SCALAR;

/* Joins fi_simd_select (simd.h) from the dense extension. */
int fi_passes_select(int cap)
{
    fi_pass_level = fi_pick_level(cap);
    fi_pass = &fi_pass_tables[fi_pass_level];
    return fi_pass_level;
}

int fi_passes_level(void) { return fi_pass_level; }

#define FI_PASS_PUBLIC(name, params, args) \
    void fi_##name params { fi_pass->name args; }
FI_PASSES(FI_PASS_PUBLIC)

void fi_act_f32(float *x, int64_t n, int act) { fi_bias_act_f32(x, NULL, 1, n, act); }
void fi_act_f64(double *x, int64_t n, int act) { fi_bias_act_f64(x, NULL, 1, n, act); }
