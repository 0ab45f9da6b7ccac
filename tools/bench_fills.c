/*
 * The C-level fill benchmark, one thread, best of 200 runs over 65536
 * values, at every SIMD level this CPU has:
 *   philox  ns per word of the level's Philox block generator, called window
 *           by window (96 blocks) as every fill calls it;
 *   raw     ns per word of fi_fill_raw (random_raw): the same words
 *           interleaved into the output;
 *   uniform, normal (float32) and normal f64: ns per value.
 * From the repository root:
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
#include "simd.h"
#include "window.h"

/* The block generator of each level, as the fills' table would pick it. */
static void blocks_at(int level, fi_key_t key, uint64_t b0, int nb, fi_words_t *w)
{
#ifdef FI_X86_SIMD
    if (level == FI_LEVEL_AVX512) { fi_blocks_avx512(key, b0, nb, w); return; }
    if (level == FI_LEVEL_AVX2) { fi_blocks_avx2(key, b0, nb, w); return; }
#elif defined(FI_ARM_NEON)
    if (level > 0) { fi_blocks_neon(key, b0, nb, w); return; }
#endif
    fi_blocks_scalar(key, b0, nb, w);
}

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
    double *doubles = aligned_alloc(64, (size_t)n * 8);
    fi_key_t key = {1, 2, 3, 4};
    for (int level = 0; level < 3; level++) {
        if (fi_simd_select(level) != level)
            break;
        double gen = 1e9, raw = 1e9, uni = 1e9, nor = 1e9, nor64 = 1e9;
        static fi_words_t w;
        uint32_t sink = 0;   /* read the words, so no compiler drops the generator */
        for (int r = 0; r < 200; r++) {
            double tg = now();
            for (int64_t b = 0; b < n / 4; b += FI_BLOCKS) {
                blocks_at(level, key, (uint64_t)b, FI_BLOCKS, &w);
                sink ^= w.w0[b % FI_BLOCKS] ^ w.w3[FI_BLOCKS - 1];
            }
            double t0 = now();
            fi_fill_raw(key, 0, n, words);
            double t1 = now();
            fi_fill_uniform_f32(key, 0, -1.0f, 1.0f, n, values);
            double t2 = now();
            fi_fill_normal_f32(key, 0, 0.0f, 1.0f, n, values);
            double t3 = now();
            fi_fill_normal_f64(key, 0, 0.0, 1.0, n, doubles);
            double t4 = now();
            gen = t0 - tg < gen ? t0 - tg : gen;
            raw = t1 - t0 < raw ? t1 - t0 : raw;
            uni = t2 - t1 < uni ? t2 - t1 : uni;
            nor = t3 - t2 < nor ? t3 - t2 : nor;
            nor64 = t4 - t3 < nor64 ? t4 - t3 : nor64;
        }
        printf("%-7s philox %.3f ns/word  raw %.3f ns/word  uniform f32 %.3f ns/value  "
               "normal f32 %.3f ns/value  normal f64 %.3f ns/value\n", fi_simd_level_name(level),
               gen / n * 1e9, raw / n * 1e9, uni / n * 1e9, nor / n * 1e9, nor64 / n * 1e9);
        if (sink == 0x12345678u)
            printf(" ");
    }
    free(words);
    free(values);
    free(doubles);
    return 0;
}
