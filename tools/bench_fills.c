/*
 * The C-level fill benchmark: ns per word (raw Philox) and per value
 * (uniform, normal; float32) at every SIMD level this CPU has, best of 200
 * runs over 65536 values, one thread. From the repository root:
 *
 *     cc -O3 -fno-math-errno -ffp-contract=off -std=gnu11 -Ifastinit/src \
 *        tools/bench_fills.c fastinit/src/fills.c fastinit/src/truncnorm.c -lm -o /tmp/bench_fills
 *     /tmp/bench_fills
 *
 * (CC=clang works the same.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fills.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void)
{
    int64_t n = 1 << 16;
    uint32_t *words = aligned_alloc(64, (size_t)n * 4);
    float *values = aligned_alloc(64, (size_t)n * 4);
    fi_key_t key = {1, 2, 3, 4};
    for (int level = 0; level < 3; level++) {
        if (fi_fills_select(level) != level)
            break;
        double raw = 1e9, uni = 1e9, nor = 1e9;
        for (int r = 0; r < 200; r++) {
            double t0 = now();
            fi_fill_raw(key, 0, n, words);
            double t1 = now();
            fi_fill_uniform_f32(key, 0, -1.0f, 1.0f, n, values);
            double t2 = now();
            fi_fill_normal_f32(key, 0, 0.0f, 1.0f, n, values);
            double t3 = now();
            raw = t1 - t0 < raw ? t1 - t0 : raw;
            uni = t2 - t1 < uni ? t2 - t1 : uni;
            nor = t3 - t2 < nor ? t3 - t2 : nor;
        }
        printf("%-7s raw %.3f ns/word  uniform f32 %.3f ns/value  normal f32 %.3f ns/value\n",
               fi_fills_level_name(level), raw / n * 1e9, uni / n * 1e9, nor / n * 1e9);
    }
    free(words);
    free(values);
    return 0;
}
