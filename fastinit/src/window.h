/*
 * The Philox window every fill shares: whole Philox blocks are drawn into a
 * small word-planar window on the stack, one vectorisable loop turns them
 * into values, and the part of the window that [offset, offset + n) covers is
 * copied out. Where a window lies wholly inside the output, the values are
 * written there directly.
 *
 *     fi_window_t win = fi_window_start(offset, n, V);
 *     while (fi_window_open(&win)) {
 *         T *dst = win.whole ? out + fi_window_at(&win) : scratch;
 *         blocks(key, win.b0, win.nb, &w);
 *         ... write dst[0 .. V * win.nb) from w ...
 *         fi_window_close(&win, out, scratch, sizeof(T));
 *     }
 */
#ifndef FASTINIT_WINDOW_H
#define FASTINIT_WINDOW_H

#include <stdint.h>
#include <string.h>

#include "dispatch.h"
#include "philox.h"
#include "philox_simd.h"

#define FI_BLOCKS 96 /* Philox blocks per window: a multiple of the SIMD steps (12, 24, 48) */

typedef struct {
    uint32_t w0[FI_BLOCKS], w1[FI_BLOCKS], w2[FI_BLOCKS], w3[FI_BLOCKS];
} fi_words_t;

/* Blocks b0 .. b0 + nb - 1 of the key's stream into w, word-planar. */
typedef void (*fi_blocks_fn)(fi_key_t key, uint64_t b0, int nb, fi_words_t *w);

typedef struct {
    uint64_t offset, end; /* the values asked for: [offset, end) */
    uint64_t i, stop;     /* this window's part of them: [i, stop) */
    uint64_t base;        /* the value index of the window's first value */
    uint64_t b0;          /* its first Philox block */
    uint64_t v;           /* values per block */
    int nb;               /* blocks in the window */
    int whole;            /* the window is exactly [i, stop): write in place */
} fi_window_t;

FI_INLINE fi_window_t fi_window_start(uint64_t offset, int64_t n, int values_per_block)
{
    fi_window_t win;
    memset(&win, 0, sizeof win);
    win.offset = offset;
    win.end = offset + (uint64_t)n;
    win.i = offset;
    win.v = (uint64_t)values_per_block;
    return win;
}

/* Lay out the next window; 0 when every value is done. */
FI_INLINE int fi_window_open(fi_window_t *win)
{
    if (win->i >= win->end)
        return 0;
    win->b0 = win->i / win->v;
    win->base = win->b0 * win->v;
    uint64_t full = win->base + win->v * FI_BLOCKS;
    win->stop = full < win->end ? full : win->end;
    win->nb = (int)((win->stop - win->base + win->v - 1) / win->v);
    win->whole = win->i == win->base && win->stop == win->base + win->v * (uint64_t)win->nb;
    return 1;
}

/* Index into the output of the window's first value (valid when whole). */
FI_INLINE uint64_t fi_window_at(const fi_window_t *win) { return win->i - win->offset; }

/* Copy the wanted part of scratch to out (unless written in place); advance. */
FI_INLINE void fi_window_close(fi_window_t *win, void *out, const void *scratch, size_t size)
{
    if (!win->whole)
        memcpy((char *)out + (win->i - win->offset) * size,
               (const char *)scratch + (win->i - win->base) * size,
               (size_t)(win->stop - win->i) * size);
    win->i = win->stop;
}

/* ---- the Philox block generators of each level --------------------------- */
/* A SIMD block generator: nb a multiple of its step, within one 2^32 run. */
typedef void (*fi_simd_blocks_fn)(uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0,
                                  int nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3);

/* One step of 1 .. ways vectors of a level: lanes * vectors blocks from b0. */
typedef void (*fi_simd_vectors_fn)(int vectors, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1,
                                   uint64_t b0, uint32_t *w0, uint32_t *w1, uint32_t *w2,
                                   uint32_t *w3);

/* The SIMD routines keep counter word 1 fixed: they take the bulk of a
 * window that stays inside one 2^32 run of blocks (a multiple of their
 * step, `ways` vectors of `lanes` blocks). A rest of at least `padded`
 * blocks is one more step of just enough vectors, into a small buffer of
 * which the rest is kept (the blocks past it are pure functions of their
 * counters, simply not used); a shorter rest, or one at the end of a 2^32
 * run, goes block by block. Inlined into each level's wrapper below, so the
 * generators are direct calls compiled for that level. */
#define FI_MAX_STEP 48

FI_INLINE void fi_blocks_bulk(fi_simd_blocks_fn simd, fi_simd_vectors_fn vectors, int lanes,
                              int ways, int padded, fi_key_t key, uint64_t b0, int nb,
                              fi_words_t *w)
{
    int done = 0;
    uint64_t first = (uint32_t)b0;
    if (first + (uint64_t)nb <= 0x100000000ull) {
        int step = lanes * ways;
        done = nb - nb % step;
        if (done > 0)
            simd(key.k0, key.k1, key.s0, key.s1, b0, done, w->w0, w->w1, w->w2, w->w3);
        int rest = nb - done, nv = (rest + lanes - 1) / lanes;
        if (rest >= padded && first + (uint64_t)(done + nv * lanes) <= 0x100000000ull) {
            uint32_t t0[FI_MAX_STEP], t1[FI_MAX_STEP], t2[FI_MAX_STEP], t3[FI_MAX_STEP];
            vectors(nv, key.k0, key.k1, key.s0, key.s1, b0 + (uint64_t)done, t0, t1, t2, t3);
            memcpy(w->w0 + done, t0, (size_t)rest * sizeof(uint32_t));
            memcpy(w->w1 + done, t1, (size_t)rest * sizeof(uint32_t));
            memcpy(w->w2 + done, t2, (size_t)rest * sizeof(uint32_t));
            memcpy(w->w3 + done, t3, (size_t)rest * sizeof(uint32_t));
            return;
        }
    }
    fi_philox_blocks_scalar(key.k0, key.k1, key.s0, key.s1, b0 + (uint64_t)done, nb - done,
                            w->w0 + done, w->w1 + done, w->w2 + done, w->w3 + done);
}

/* A level's block generator over the window: fi_blocks_<isa>, with the
 * ISA's step and its `padded` threshold (where one more SIMD step beats the
 * rest block by block, measured with tools/bench_rest.c). */
#define FI_WINDOW_BLOCKS(isa)                                                              \
    fi_##isa##_target static void fi_blocks_##isa(fi_key_t key, uint64_t b0, int nb,        \
                                                  fi_words_t *w)                            \
    {                                                                                      \
        fi_blocks_bulk(fi_##isa##_philox_blocks, fi_##isa##_philox_vectors,                \
                       fi_##isa##_lanes, fi_##isa##_ways, fi_##isa##_padded, key, b0, nb, w); \
    }

#ifdef FI_X86_SIMD
FI_WINDOW_BLOCKS(sse2)
FI_WINDOW_BLOCKS(avx2)
FI_WINDOW_BLOCKS(avx512)
#define fi_blocks_scalar fi_blocks_sse2   /* SSE2 is the x86-64 baseline */
#else
/* The scalar level elsewhere: plain C. */
static void fi_blocks_scalar(fi_key_t key, uint64_t b0, int nb, fi_words_t *w)
{
    fi_philox_blocks_scalar(key.k0, key.k1, key.s0, key.s1, b0, nb, w->w0, w->w1, w->w2, w->w3);
}
#endif
#ifdef FI_ARM_NEON
FI_WINDOW_BLOCKS(neon)
#endif

/* Define name_scalar, name_avx2 and name_avx512 (declared in levels.h): the
 * body name_body compiled for each level with that level's block generator.
 * A definition, not a statement: params and args are parenthesised lists.
 * FI_FILL_LEVELS_FMA does the same for a body that takes, after the block
 * generator, the kind of multiply-add (vecmath.h) it computes with: FI_FMA_HW
 * where the level's target has the instruction, else FI_FMA_SOFT. On x86-64
 * the scalar level has both, and runs the first where the CPU has FMA
 * (fi_fma_at_scalar, set by fi_simd_select). */
#define FI_EXPAND(...) __VA_ARGS__
extern int fi_fma_at_scalar;
#ifdef FI_X86_SIMD
#define FI_FILL_LEVELS(name, params, args)                                                  \
    void name##_scalar params { name##_body(fi_blocks_scalar, FI_EXPAND args); }            \
    FI_TARGET_AVX2 void name##_avx2 params { name##_body(fi_blocks_avx2, FI_EXPAND args); } \
    FI_TARGET_AVX512 void name##_avx512 params { name##_body(fi_blocks_avx512, FI_EXPAND args); }
/* one level's function of a body that takes the kind of multiply-add */
#define FI_FILL_AT(attr, fn, body, blocks, fma, params, args) \
    attr void fn params { body(blocks, fma, FI_EXPAND args); }
#define FI_FILL_LEVELS_FMA(name, params, args)                                                 \
    FI_FILL_AT(FI_TARGET_FMA static, name##_scalar_hw, name##_body, fi_blocks_scalar, FI_FMA_HW, \
               params, args)                                                                  \
    FI_FILL_AT(static, name##_scalar_soft, name##_body, fi_blocks_scalar, FI_FMA_SOFT, params,  \
               args)                                                                          \
    void name##_scalar params                                                                 \
    {                                                                                         \
        if (fi_fma_at_scalar)                                                                 \
            name##_scalar_hw args;                                                            \
        else                                                                                  \
            name##_scalar_soft args;                                                          \
    }                                                                                         \
    FI_FILL_AT(FI_TARGET_AVX2, name##_avx2, name##_body, fi_blocks_avx2, FI_FMA_HW, params, args) \
    FI_FILL_AT(FI_TARGET_AVX512, name##_avx512, name##_body, fi_blocks_avx512, FI_FMA_HW, params, args)
#else
#if defined(FI_ARM_NEON)   /* levels 1 and 2 are NEON there */
#define fi_blocks_wide fi_blocks_neon
#else
#define fi_blocks_wide fi_blocks_scalar
#endif
#ifdef FI_FMA_BASELINE
#define FI_FMA_HERE FI_FMA_HW
#else
#define FI_FMA_HERE FI_FMA_SOFT
#endif
#define FI_FILL_LEVELS(name, params, args)                                                  \
    void name##_scalar params { name##_body(fi_blocks_scalar, FI_EXPAND args); }            \
    void name##_avx2 params { name##_body(fi_blocks_wide, FI_EXPAND args); }                \
    void name##_avx512 params { name##_body(fi_blocks_wide, FI_EXPAND args); }
#define FI_FILL_LEVELS_FMA(name, params, args)                                              \
    void name##_scalar params { name##_body(fi_blocks_scalar, FI_FMA_HERE, FI_EXPAND args); } \
    void name##_avx2 params { name##_body(fi_blocks_wide, FI_FMA_HERE, FI_EXPAND args); }     \
    void name##_avx512 params { name##_body(fi_blocks_wide, FI_FMA_HERE, FI_EXPAND args); }
#endif

#endif
