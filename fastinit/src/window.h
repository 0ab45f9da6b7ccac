/*
 * The Philox window every fill shares: whole Philox blocks drawn into a small
 * window on the stack (word-planar, by the widest SIMD routine the CPU has),
 * turned into values by one vectorisable loop, and the part of the window
 * that [offset, offset + n) covers copied out.
 */
#ifndef FASTINIT_WINDOW_H
#define FASTINIT_WINDOW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fills.h"
#include "philox.h"
#include "philox_simd.h"

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

#endif
