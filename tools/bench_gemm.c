/*
 * The small float32 product (src/gemm.c) at the AVX2 and AVX-512 levels:
 * out = relu(x @ w + b), best of 20000 calls, one thread, and whether both
 * levels give the same bits. Default shape 32x64x64 (the dense
 * case); pass n k m for another. From the repository root:
 *
 *     cc -O3 -fno-math-errno -ffp-contract=off -std=c11 -Ifastinit/src \
 *        tools/bench_gemm.c fastinit/src/gemm.c -o /tmp/bench_gemm
 *     /tmp/bench_gemm 32 64 64
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "gemm.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(size_t count)
{
    float *a = malloc(count * sizeof(float) + 64);
    for (size_t i = 0; i < count; i++)
        a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return a;
}

int main(int argc, char **argv)
{
    int n = argc > 3 ? atoi(argv[1]) : 32, k = argc > 3 ? atoi(argv[2]) : 64;
    int m = argc > 3 ? atoi(argv[3]) : 64;
    float *x = filled((size_t)n * k), *w = filled((size_t)k * m), *b = filled((size_t)m);
    float *out[FI_N_LEVELS];
    double best[FI_N_LEVELS];
    int have = 0;
    for (int level = FI_LEVEL_AVX2; level < FI_N_LEVELS; level++) {
        out[level] = filled((size_t)n * m);
        best[level] = 1e9;
        if (fi_gemm_select(level) != level || !fi_gemm_available())
            break;
        have = level;
        for (int r = 0; r < 20000; r++) {
            double t = now();
            fi_gemm_f32(x, w, b, out[level], n, k, m, 1);
            t = now() - t;
            best[level] = t < best[level] ? t : best[level];
        }
        printf("%dx%dx%d %-7s %.3f us\n", n, k, m, level == FI_LEVEL_AVX2 ? "avx2" : "avx512",
               best[level] * 1e6);
    }
    if (have == FI_LEVEL_AVX512)
        printf("same bits at both levels: %s\n",
               memcmp(out[1], out[2], (size_t)n * m * sizeof(float)) == 0 ? "yes" : "NO");
    return 0;
}
