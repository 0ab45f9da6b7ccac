/*
 * The fill kernels of fills.h. Each draws whole Philox blocks into a small
 * window on the stack, turns the words into values with one vectorisable
 * loop, and copies the part of the window that [offset, offset + n) covers.
 *
 * Runtime dispatch: the exported fills are compiled three times (baseline,
 * x86-64-v3 = AVX2, x86-64-v4 = AVX-512) with GCC's target_clones, and the
 * loader picks the widest the CPU has. With -ffp-contract=off and the
 * elementary functions of vecmath.h, all three return the same bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fills.h"
#include "philox.h"
#include "philox_simd.h"
#include "dispatch.h"
#include "vecmath.h"

#define FI_BLOCKS 64 /* Philox blocks per window */

typedef struct {
    uint32_t w0[FI_BLOCKS], w1[FI_BLOCKS], w2[FI_BLOCKS], w3[FI_BLOCKS];
} fi_words_t;

/* 2: AVX-512F, 1: AVX2, 0: neither (or not x86). FASTINIT_SIMD=scalar|avx2
 * caps it, so the tests can check that every path gives the same words. */
#ifdef FI_HAVE_X86_SIMD
static int fi_cpu_level(void)
{
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        int l = __builtin_cpu_supports("avx512f") ? 2 : (__builtin_cpu_supports("avx2") ? 1 : 0);
        const char *cap = getenv("FASTINIT_SIMD");
        if (cap && strcmp(cap, "scalar") == 0) l = 0;
        if (cap && strcmp(cap, "avx2") == 0 && l > 1) l = 1;
        level = l;
    }
    return level;
}
#endif

/* Blocks b0 .. b0 + nb - 1 of the key's stream, word-planar: the widest SIMD
 * routine the CPU has for the bulk, the scalar one for the rest. */
static inline void fi_blocks(fi_key_t key, uint64_t b0, int nb, fi_words_t *w)
{
    int done = 0;
#ifdef FI_HAVE_X86_SIMD
    int level = fi_cpu_level();
    int lanes = level == 2 ? 32 : 8;
    /* the SIMD routines keep counter word 1 fixed: stay inside one 2^32 run */
    if (level > 0 && (uint64_t)(uint32_t)b0 + (uint64_t)nb <= 0x100000000ull) {
        done = nb - nb % lanes;
        if (level == 2)
            fi_philox_blocks_avx512(key.k0, key.k1, key.s0, key.s1, b0, done, w->w0, w->w1, w->w2, w->w3);
        else
            fi_philox_blocks_avx2(key.k0, key.k1, key.s0, key.s1, b0, done, w->w0, w->w1, w->w2, w->w3);
    }
#endif
    fi_philox_blocks_scalar(key.k0, key.k1, key.s0, key.s1, b0 + (uint64_t)done, nb - done,
                            w->w0 + done, w->w1 + done, w->w2 + done, w->w3 + done);
}

/* The window loop shared by every fill: V values per Philox block; TRANSFORM
 * (the variadic tail) writes tmp[0 .. V * nb) from the words w[.][0 .. nb);
 * tmp is the output itself where the window lies wholly inside it. */
#define FI_WINDOWED(T, V, ...)                                                          \
    do {                                                                                \
        T window[(V) * FI_BLOCKS];                                                      \
        fi_words_t w;                                                                   \
        uint64_t end = offset + (uint64_t)n;                                            \
        for (uint64_t i = offset; i < end;) {                                           \
            uint64_t b0 = i / (V), base = b0 * (V);                                     \
            uint64_t stop = base + (V) * FI_BLOCKS < end ? base + (V) * FI_BLOCKS : end; \
            int nb = (int)((stop - base + (V) - 1) / (V));                              \
            int whole = i == base && stop == base + (uint64_t)(V) * (uint64_t)nb;       \
            T *tmp = whole ? out + (i - offset) : window;                               \
            fi_blocks(key, b0, nb, &w);                                                 \
            __VA_ARGS__;                                                                \
            if (!whole)                                                                 \
                memcpy(out + (i - offset), window + (i - base), (size_t)(stop - i) * sizeof(T)); \
            i = stop;                                                                   \
        }                                                                               \
    } while (0)

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

/* ---- truncated normal (exact inverse CDF) ----------------------------- */
/* Wichura's AS241 (Appl. Statist. 37, 1988): the standard normal quantile to
 * about 1e-16 relative, for p down to the smallest double. */
double fi_ndtri(double p)
{
    double q = p - 0.5, r, v;
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        return q * (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
               + 6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r
               + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
               + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0)
             / (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
               + 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r
               + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
               + 4.2313330701600911252e+1) * r + 1.0);
    }
    r = q < 0.0 ? p : 1.0 - p;
    if (r <= 0.0) return q < 0.0 ? -INFINITY : INFINITY;
    r = sqrt(-log(r));
    if (r <= 5.0) {
        r -= 1.6;
        v = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
            + 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r
            + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
            + 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0)
          / (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
            + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
            + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
            + 2.05319162663775882187e+0) * r + 1.0);
    } else {
        r -= 5.0;
        v = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
            + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
            + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
            + 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0)
          / (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
            + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
            + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
            + 5.99832206555887937690e-1) * r + 1.0);
    }
    return q < 0.0 ? -v : v;
}

static inline double fi_upper(double x) { return 0.5 * erfc(x * 0.70710678118654752440); }

/* Mills ratio Q(x) / phi(x) for x >= 5, by its continued fraction. */
static double fi_mills(double x)
{
    double t = x;
    for (int k = 40; k >= 1; k--) t = x + k / t;
    return 1.0 / t;
}

/* log Q(x), Q the upper tail of N(0, 1); finite for every finite x. */
double fi_log_ndtr_upper(double x)
{
    if (x < 5.0) return log(fi_upper(x));
    return -0.5 * x * x - 0.91893853320467274178 + log(fi_mills(x));
}

/* The x >= 0 with log Q(x) = y (y <= log 1/2). Newton on the concave log Q
 * from Abramowitz & Stegun 26.2.23's start: after the first step it moves
 * monotonically to the root, so a fixed cap keeps the time bounded. */
static double fi_upper_inv_log(double y)
{
    double t = sqrt(-2.0 * y);
    double x = t - (2.515517 + t * (0.802853 + t * 0.010328))
                 / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
    if (x < 0.0) x = 0.0;
    for (int it = 0; it < 60; it++) {
        double m = x < 5.0 ? fi_upper(x) * 2.50662827463100050242 * exp(0.5 * x * x) : fi_mills(x);
        double step = (fi_log_ndtr_upper(x) - y) * m;
        x += step;
        if (fabs(step) <= 1e-15 * (1.0 + x)) break;
    }
    return x;
}

typedef enum { FI_TRUNC_CENTRAL, FI_TRUNC_TAIL, FI_TRUNC_FAR_TAIL } fi_trunc_mode_t;

typedef struct {
    fi_trunc_mode_t mode;
    int flip;        /* sample on [-b, -a] and negate */
    double pa, pb;   /* central: Phi(a) and Q(b); tail: Q(a) and Q(b) */
    double mass;     /* central: Phi(b) - Phi(a) */
    double la, lb;   /* far tail: log Q(a), log Q(b) */
} fi_trunc_plan_t;

static fi_trunc_plan_t fi_trunc_plan(double a, double b)
{
    fi_trunc_plan_t pl;
    memset(&pl, 0, sizeof pl);
    pl.flip = b <= 0.0;
    if (pl.flip) {
        double t = a;
        a = -b;
        b = -t;
    }
    if (a < 0.0) {
        pl.mode = FI_TRUNC_CENTRAL;
        pl.pa = fi_upper(-a);
        pl.pb = fi_upper(b);
        pl.mass = 1.0 - pl.pa - pl.pb;
    } else {
        pl.pa = fi_upper(a);
        pl.pb = fi_upper(b);
        pl.mode = pl.pa > 1e-280 ? FI_TRUNC_TAIL : FI_TRUNC_FAR_TAIL;
        pl.la = fi_log_ndtr_upper(a);
        pl.lb = isinf(b) ? -INFINITY : fi_log_ndtr_upper(b);
    }
    return pl;
}

/* The standardised draw for u in (0, 1), before flip and clamp. */
static double fi_trunc_standard(const fi_trunc_plan_t *pl, double u)
{
    switch (pl->mode) {
    case FI_TRUNC_CENTRAL: {
        double p = pl->pa + u * pl->mass;
        if (p <= 0.5) return fi_ndtri(p);
        return -fi_ndtri(pl->pb + (1.0 - u) * pl->mass);
    }
    case FI_TRUNC_TAIL:
        return -fi_ndtri(pl->pb + (1.0 - u) * (pl->pa - pl->pb));
    default:
        return fi_upper_inv_log(pl->la + log1p(-u * -expm1(pl->lb - pl->la)));
    }
}

static inline double fi_u01_open(uint32_t a, uint32_t b)
{
    return ((double)(a >> 5) * 67108864.0 + (double)(b >> 6) + 0.5) * 0x1p-53;
}

static inline double fi_trunc_value(const fi_trunc_plan_t *pl, const fi_trunc_t *p, uint32_t a, uint32_t b)
{
    /* x = F^-1(u) for the truncated CDF F, increasing in u in every case:
     * the mirrored side reads 1 - u (exact: u has 53 bits and a half ulp). */
    double u = fi_u01_open(a, b);
    double x = pl->flip ? -fi_trunc_standard(pl, 1.0 - u) : fi_trunc_standard(pl, u);
    x = x < p->a ? p->a : (x > p->b ? p->b : x);
    return p->mean + p->std * x;
}

void fi_fill_truncnorm_f32(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, float *out)
{
    fi_trunc_plan_t pl = fi_trunc_plan(p.a, p.b);
    float lo = (float)p.lo, hi = (float)p.hi;
    FI_WINDOWED(float, 2, {
        for (int j = 0; j < nb; j++) {
            float v0 = (float)fi_trunc_value(&pl, &p, w.w0[j], w.w1[j]);
            float v1 = (float)fi_trunc_value(&pl, &p, w.w2[j], w.w3[j]);
            tmp[2 * j] = v0 < lo ? lo : (v0 > hi ? hi : v0);
            tmp[2 * j + 1] = v1 < lo ? lo : (v1 > hi ? hi : v1);
        }
    });
}

void fi_fill_truncnorm_f64(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, double *out)
{
    fi_trunc_plan_t pl = fi_trunc_plan(p.a, p.b);
    FI_WINDOWED(double, 2, {
        for (int j = 0; j < nb; j++) {
            double v0 = fi_trunc_value(&pl, &p, w.w0[j], w.w1[j]);
            double v1 = fi_trunc_value(&pl, &p, w.w2[j], w.w3[j]);
            tmp[2 * j] = v0 < p.lo ? p.lo : (v0 > p.hi ? p.hi : v0);
            tmp[2 * j + 1] = v1 < p.lo ? p.lo : (v1 > p.hi ? p.hi : v1);
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
