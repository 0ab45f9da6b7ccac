/*
 * The truncated normal of fills.h, sampled exactly by its inverse CDF: the
 * value is F^-1(u) for the truncated CDF F, increasing in u. AS241 quantiles
 * in probability space; in the far tail (Q(a) < 1e-280), Newton's method on
 * log Q, which stays finite where Q underflows; beyond a = 1e9 every draw
 * rounds to the bound itself (the tail's scale is 1/a). Bounded time
 * everywhere.
 *
 * Like the other fills it calls no libm function: log, exp, expm1, log1p
 * (vecmath.h) and the normal tail Q (here) are written from +, -, *, / and sqrt (all
 * correctly rounded) with FMA contraction off, so its bits are the same on
 * every machine and C library, not only on every thread count, shard split
 * and SIMD level. Accuracy: a few units in the last place, far below what
 * the statistical tests can see.
 */
#include <math.h>
#include <string.h>

#include "levels.h"
#include "vecmath.h"
#include "window.h"

/* ---- the normal tail ------------------------------------------------------ */
/* Mills ratio R(x) = Q(x) / phi(x) for x >= 0. Below 5.5, R's Taylor
 * polynomial about the nearest integer z (|x - z| <= 1/2, 22 terms, from
 * tools/mills_table.py); from 5.5 on, Laplace's continued fraction with 28,
 * 16 or 10 terms from 5.5, 8 or 16 on (relative error < 2e-18). */
static const double FI_MILLS_TAYLOR[6][22] = {
    { /* z = 0 */
        1.2533141373155003, -1.0, 0.6266570686577502, -0.3333333333333333,
        0.15666426716443754, -0.06666666666666667, 0.026110711194072923, -0.009523809523809525,
        0.0032638388992591153, -0.0010582010582010583, 0.0003263838899259115, -9.62000962000962e-05,
        2.719865749382596e-05, -7.4000074000074e-06, 1.942761249558997e-06, -4.9333382666716e-07,
        1.2142257809743732e-07, -2.901963686277412e-08, 6.7456987831909625e-09, -1.5273493085670588e-09,
        3.3728493915954813e-10, -7.273091945557423e-11},
    { /* z = 1 */
        0.6556795424187984, -0.34432045758120156, 0.15567954241879847, -0.06288030505413435,
        0.02319980934116603, -0.007936099142593665, 0.002543951699762061, -0.000770306777547372,
        0.00022170561527683612, -6.0955684696726205e-05, 1.607499305801099e-05, -4.080062876246838e-06,
        9.99577515147013e-07, -2.369604123922942e-07, 5.4472650196765616e-08, -1.2165850813035238e-08,
        2.6441749614831486e-09, -5.600985795030642e-10, 1.157820212211158e-10, -2.3385082014839385e-11,
        4.619846960313821e-12, -8.935826216440745e-13},
    { /* z = 2 */
        0.4213692292880545, -0.15726154142389107, 0.05342307322013618, -0.01680513166120623,
        0.0049532024744309315, -0.0013797453424688733, 0.0003656186315821974, -9.264401132921121e-05,
        2.2541326115471873e-05, -5.284595455363052e-06, 1.1972135204745768e-06, -2.627425831285363e-07,
        5.597736285145869e-08, -1.1599065955816837e-08, 2.3413736385589296e-09, -4.6108791191326514e-10,
        8.869986342077496e-11, -1.668754029833619e-11, 3.0735990457834767e-12, -5.547548529878545e-13,
        9.820446699038838e-14, -1.706409138128942e-14},
    { /* z = 3 */
        0.3045902987101033, -0.08622910386969011, 0.02295149355051648, -0.005791541072713559,
        0.0013942175830939504, -0.0003217776646863415, 7.148076483915433e-05, -1.533362430983979e-05,
        3.1849864887043694e-06, -6.420738715251868e-07, 1.258764874128809e-07, -2.4040400844231287e-08,
        4.47960707334892e-09, -8.155061249372713e-10, 1.4522062132407898e-10, -2.5322950731002293e-11,
        4.328235570692006e-12, -7.257790599368398e-13, 1.1949435504897143e-13, -1.9331368146838188e-14,
        3.075012530422844e-15, -4.812538359795075e-16},
    { /* z = 4 */
        0.23665238291356067, -0.053390468345757315, 0.011545254765265701, -0.002403149761564839,
        0.0004831639297515863, -9.40988085116987e-05, 1.7794782617465252e-05, -3.2742397202625286e-06,
        5.872279670518922e-07, -1.0281420578388443e-07, 1.7597114391635446e-08, -2.9477952924856947e-09,
        4.838277684743889e-10, -7.788340142985685e-11, 1.2306725911068678e-11, -1.9104331857054763e-12,
        2.9156207301542327e-13, -4.3775581979046066e-14, 6.469985838846611e-15, -9.41875717034717e-16,
        1.3512414853538717e-16, -1.9113291566341352e-17},
    { /* z = 5 */
        0.19280810471531576, -0.03595947642342118, 0.006505361299104943, -0.0011442233092988196,
        0.00019606118815271143, -3.278347370705246e-05, 5.357303269574857e-06, -8.567081941683109e-07,
        1.342202873416628e-07, -2.0622973051110766e-08, 3.1105422086108982e-09, -4.609329098232976e-10,
        6.715647162453419e-11, -9.626965515432818e-12, 1.3586888605264352e-12, -1.889014141867095e-13,
        2.5886361849555475e-14, -3.498212055231303e-15, 4.664056429666089e-16, -6.137809686306623e-17,
        7.975757932563886e-18, -1.0237765333450858e-18},
};

static double fi_mills(double x)
{
    if (x < 5.5) {
        const double *c = FI_MILLS_TAYLOR[(int)(x + 0.5)];
        double h = x - (double)(int)(x + 0.5), s = 0.0;
        for (int n = 21; n >= 0; n--) s = c[n] + h * s;
        return s;
    }
    double t = x;
    for (int k = x < 8.0 ? 28 : (x < 16.0 ? 16 : 10); k >= 1; k--) t = x + k / t;
    return 1.0 / t;
}

/* Q(x) = P(N(0, 1) > x) for x >= 0: R(x) phi(x), with x^2 = hi + lo split
 * exactly (Dekker), so exp(-x^2 / 2) loses nothing to its rounding;
 * exp(-lo / 2) is a cubic (|lo / 2| < 5e-5, error < 3e-19). Q(39) is below
 * half the smallest subnormal. */
static double fi_upper(double x)
{
    if (x >= 39.0) return 0.0;
    double xh = fi_bits_f64(fi_f64_bits(x) & 0xfffffffff8000000ull), xl = x - xh;
    double t = -0.5 * (xl * (x + xh));
    double e = 1.0 + t * (1.0 + t * (0.5 + t * (1.0 / 6)));
    return fi_mills(x) * 0.39894228040143267794 * e * fi_exp_d(-0.5 * (xh * xh));
}

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
    r = sqrt(-fi_log_d(r));
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

/* log Q(x) for x >= 0 from m = R(x): log m - log sqrt(2 pi) - x^2 / 2, with
 * x^2 split exactly (Dekker) as in fi_upper. Finite for every finite x
 * below 1e154. */
static double fi_log_upper(double x, double m)
{
    double xh = fi_bits_f64(fi_f64_bits(x) & 0xfffffffff8000000ull), xl = x - xh;
    return ((fi_log_d(m) - 0.91893853320467274178) - 0.5 * (xl * (x + xh))) - 0.5 * (xh * xh);
}

/* log Q(x), Q the upper tail of N(0, 1); finite for every finite x. */
double fi_log_ndtr_upper(double x)
{
    if (x < 0.0) return fi_log1p_d(-fi_upper(-x));
    return fi_log_upper(x, fi_mills(x));
}

/* The x >= 0 with log Q(x) = y (y <= log 1/2). Newton on the concave log Q
 * (its slope is -1/R) from Abramowitz & Stegun 26.2.23's start: after the
 * first step it moves monotonically to the root, so a fixed cap keeps the
 * time bounded. */
static double fi_upper_inv_log(double y)
{
    double t = sqrt(-2.0 * y);
    double x = t - (2.515517 + t * (0.802853 + t * 0.010328))
                 / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
    if (x < 0.0) x = 0.0;
    for (int it = 0; it < 60; it++) {
        double m = fi_mills(x);
        double step = (fi_log_upper(x, m) - y) * m;
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
        return fi_upper_inv_log(pl->la + fi_log1p_d(-u * -fi_expm1_d(pl->lb - pl->la)));
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

#define FI_FILL_DEFINE(name, params, args) FI_FILL_LEVELS(fi_##name, params, args)
FI_FILLS_TRUNC(FI_FILL_DEFINE)
