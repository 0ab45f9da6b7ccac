/*
 * The C core's answers, for comparing builds and machines bit for bit
 * (tests/test_cross_arch.py): the Random123 known answers, then for every
 * fill in both dtypes the first values (hex) and an FNV-1a hash of 4096
 * values, at the SIMD level named on the command line.
 *
 *     driver LEVEL [soft]   LEVEL: 0 scalar, 1 avx2/neon, 2 avx512; soft: the
 *                           scalar level emulates the fused multiply-add, as
 *                           on an x86-64 CPU without FMA
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fills.h"
#include "simd.h"
#include "philox.h"

#define N 4096

static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 1099511628211ull;
    return h;
}

static void show(const char *name, const void *data, size_t size)
{
    const uint32_t *w = data;
    printf("%s", name);
    for (int i = 0; i < 8; i++) printf(" %08x", w[i]);
    printf(" fnv=%016llx\n", (unsigned long long)fnv(data, N * size));
}

int main(int argc, char **argv)
{
    static const uint32_t kat[3][6] = {
        {0, 0, 0, 0, 0, 0},
        {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
        {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u},
    };
    static float f[N];
    static double d[N];
    static uint32_t u[N];
    fi_simd_fma_emulate(argc > 2 && strcmp(argv[2], "soft") == 0);
    int level = fi_simd_select(argc > 1 ? atoi(argv[1]) : 0);
    fprintf(stderr, "level %s, scalar fma %s\n", fi_simd_level_name(level),
            fi_simd_scalar_fma() ? "hardware" : "emulated");
    for (int k = 0; k < 3; k++) {
        uint32_t o[4];
        fi_philox4x32_10(kat[k][0], kat[k][1], kat[k][2], kat[k][3], kat[k][4], kat[k][5], o);
        printf("kat %08x %08x %08x %08x\n", o[0], o[1], o[2], o[3]);
    }
    fi_key_t key = {0x9e3779b9u, 0x7f4a7c15u, 7u, 1u};
    fi_trunc_t central = {0.5, 2.0, -1.0, 3.0, 0.5 - 2.0, 0.5 + 6.0};
    fi_trunc_t tail = {0.0, 1.0, 30.0, 31.0, 30.0, 31.0};
    fi_trunc_t upper = {0.0, 1.0, 2.5, INFINITY, 2.5, INFINITY};          /* one side */
    fi_trunc_t lower = {0.0, 1.0, -INFINITY, -1.0, -INFINITY, -1.0};      /* mirrored */
    fi_trunc_t far = {0.0, 1.0, 40.0, 40.5, 40.0, 40.5};                  /* log space */
    fi_fill_raw(key, 13, N, u);                         show("raw", u, 4);
    fi_fill_uniform_f32(key, 13, -2.0f, 5.0f, N, f);    show("uniform_f32", f, 4);
    fi_fill_uniform_f64(key, 13, -2.0, 5.0, N, d);      show("uniform_f64", d, 8);
    fi_fill_normal_f32(key, 13, 1.0f, 3.0f, N, f);      show("normal_f32", f, 4);
    fi_fill_normal_f64(key, 13, 1.0, 3.0, N, d);        show("normal_f64", d, 8);
    fi_fill_truncnorm_f32(key, 13, central, N, f);      show("truncnorm_f32", f, 4);
    fi_fill_truncnorm_f64(key, 13, central, N, d);      show("truncnorm_f64", d, 8);
    fi_fill_truncnorm_f64(key, 13, tail, N, d);         show("truncnorm_tail_f64", d, 8);
    fi_fill_truncnorm_f64(key, 13, upper, N, d);        show("truncnorm_upper_f64", d, 8);
    fi_fill_truncnorm_f64(key, 13, lower, N, d);        show("truncnorm_lower_f64", d, 8);
    fi_fill_truncnorm_f64(key, 13, far, N, d);          show("truncnorm_far_f64", d, 8);
    return 0;
}
