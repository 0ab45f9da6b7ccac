/*
 * The truncated normal of fills.h, sampled exactly by its inverse CDF: the
 * value is F^-1(u) for the truncated CDF F, increasing in u. AS241 quantiles
 * in probability space; in the far tail (Q(a) < 1e-280), Newton's method on
 * log Q, which stays finite where Q underflows; beyond a = 1e9 every draw
 * rounds to the bound itself (the tail's scale is 1/a). Bounded time
 * everywhere.
 *
 * Unlike the other fills, this one calls libm (erfc, log, exp, log1p,
 * expm1) while it plans the draw and for every value: its bits are the same
 * on every thread count, shard split and SIMD level, but may differ in the
 * last place between C libraries (glibc, musl, macOS, MSVC).
 */
#include <math.h>
#include <string.h>

#include "levels.h"
#include "window.h"

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

typedef enum { FI_TRUNC_CENTRAL, FI_TRUNC_TAIL, FI_TRUNC_FAR_TAIL, FI_TRUNC_POINT } fi_trunc_mode_t;

/* From here on, a + Exp(1)/a rounds to a: the draw is the bound. */
#define FI_TRUNC_POINT_FROM 1e9

typedef struct {
    fi_trunc_mode_t mode;
    int flip;        /* sample on [-b, -a] and negate */
    double pa, pb;   /* central: Phi(a) and Q(b); tail: Q(a) and Q(b) */
    double mass;     /* central: Phi(b) - Phi(a) */
    double la, lb;   /* far tail: log Q(a), log Q(b); point: la = a */
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
    } else if (a >= FI_TRUNC_POINT_FROM) {
        pl.mode = FI_TRUNC_POINT;
        pl.la = a;
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
    case FI_TRUNC_POINT:
        return pl->la;
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

/* p.lo and p.hi are the output's closed range in the output dtype, rounded
 * inward by the caller; the clamp only catches the last rounding. */
FI_INLINE void fi_truncnorm_f32_body(fi_blocks_fn blocks, fi_key_t key, uint64_t offset,
                                     fi_trunc_t p, int64_t n, float *out)
{
    fi_trunc_plan_t pl = fi_trunc_plan(p.a, p.b);
    float lo = (float)p.lo, hi = (float)p.hi;
    float scratch[2 * FI_BLOCKS];
    fi_words_t w;
    fi_window_t win = fi_window_start(offset, n, 2);
    while (fi_window_open(&win)) {
        float *dst = win.whole ? out + fi_window_at(&win) : scratch;
        blocks(key, win.b0, win.nb, &w);
        for (int j = 0; j < win.nb; j++) {
            float v0 = (float)fi_trunc_value(&pl, &p, w.w0[j], w.w1[j]);
            float v1 = (float)fi_trunc_value(&pl, &p, w.w2[j], w.w3[j]);
            dst[2 * j] = v0 < lo ? lo : (v0 > hi ? hi : v0);
            dst[2 * j + 1] = v1 < lo ? lo : (v1 > hi ? hi : v1);
        }
        fi_window_close(&win, out, scratch, sizeof(float));
    }
}

FI_INLINE void fi_truncnorm_f64_body(fi_blocks_fn blocks, fi_key_t key, uint64_t offset,
                                     fi_trunc_t p, int64_t n, double *out)
{
    fi_trunc_plan_t pl = fi_trunc_plan(p.a, p.b);
    double scratch[2 * FI_BLOCKS];
    fi_words_t w;
    fi_window_t win = fi_window_start(offset, n, 2);
    while (fi_window_open(&win)) {
        double *dst = win.whole ? out + fi_window_at(&win) : scratch;
        blocks(key, win.b0, win.nb, &w);
        for (int j = 0; j < win.nb; j++) {
            double v0 = fi_trunc_value(&pl, &p, w.w0[j], w.w1[j]);
            double v1 = fi_trunc_value(&pl, &p, w.w2[j], w.w3[j]);
            dst[2 * j] = v0 < p.lo ? p.lo : (v0 > p.hi ? p.hi : v0);
            dst[2 * j + 1] = v1 < p.lo ? p.lo : (v1 > p.hi ? p.hi : v1);
        }
        fi_window_close(&win, out, scratch, sizeof(double));
    }
}

FI_FILL_LEVELS(fi_truncnorm_f32, (fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, float *out),
               (key, offset, p, n, out))
FI_FILL_LEVELS(fi_truncnorm_f64, (fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, double *out),
               (key, offset, p, n, out))
