/*
 * Where a window's rest should be one more SIMD step rather than block by
 * block (FI_PADDED_* in window.h): for every rest of 1 .. step - 1 blocks,
 * the ns of fi_blocks_bulk both ways, best of 200 runs, at each x86-64
 * level, and the first rest from which the SIMD step wins. From the
 * repository root:
 *
 *     cc -O3 -fno-math-errno -ffp-contract=off -std=gnu11 -Ifastinit/src \
 *        tools/bench_rest.c fastinit/src/fills.c fastinit/src/truncnorm.c -lm -o /tmp/bench_rest
 *     /tmp/bench_rest
 */
#include <stdio.h>
#include <time.h>

#include "fills.h"
#include "simd.h"
#include "window.h"

#ifdef FI_X86_SIMD
#define NEVER 1000 /* a `padded` no rest reaches: block by block */

/* A level's generator with `padded` 1 (every rest one more SIMD step) and
 * NEVER (every rest block by block). */
#define REST_VARIANTS(isa)                                                                   \
    fi_##isa##_target static void isa##_simd(fi_key_t k, uint64_t b0, int nb, fi_words_t *w)  \
    {                                                                                        \
        fi_blocks_bulk(fi_##isa##_philox_blocks, fi_##isa##_philox_vectors, fi_##isa##_lanes, \
                       fi_##isa##_ways, 1, k, b0, nb, w);                                     \
    }                                                                                        \
    fi_##isa##_target static void isa##_blocks(fi_key_t k, uint64_t b0, int nb, fi_words_t *w) \
    {                                                                                        \
        fi_blocks_bulk(fi_##isa##_philox_blocks, fi_##isa##_philox_vectors, fi_##isa##_lanes, \
                       fi_##isa##_ways, NEVER, k, b0, nb, w);                                 \
    }
REST_VARIANTS(sse2)
REST_VARIANTS(avx2)
REST_VARIANTS(avx512)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double ns(fi_blocks_fn f, int nb)
{
    static fi_words_t w;
    fi_key_t key = {1, 2, 3, 4};
    double best = 1e9;
    for (int r = 0; r < 200; r++) {
        double t = now();
        for (int i = 0; i < 100; i++)
            f(key, (uint64_t)i * 64, nb, &w);
        double d = (now() - t) / 100;
        best = d < best ? d : best;
    }
    return best * 1e9;
}

int main(void)
{
    fi_blocks_fn simd[3] = {sse2_simd, avx2_simd, avx512_simd};
    fi_blocks_fn blocks[3] = {sse2_blocks, avx2_blocks, avx512_blocks};
    const char *name[3] = {"sse2", "avx2", "avx512"};
    int step[3] = {fi_sse2_lanes * fi_sse2_ways, fi_avx2_lanes * fi_avx2_ways,
                   fi_avx512_lanes * fi_avx512_ways};
    for (int level = 0; level < 3; level++) {
        if (fi_simd_select(level == 0 ? 0 : level) != level)
            break;
        int from = -1;
        printf("%s (rest: simd/blocks ns):", name[level]);
        for (int r = 1; r < step[level]; r++) {
            double a = ns(simd[level], r), b = ns(blocks[level], r);
            printf(" %d:%.0f/%.0f", r, a, b);
            if (from < 0 && a < b)
                from = r;
        }
        printf("\n  the SIMD step wins from a rest of %d\n", from);
    }
    return 0;
}
#else
int main(void)
{
    puts("x86-64 only");
    return 0;
}
#endif
