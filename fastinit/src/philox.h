/*
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy
 * as 1, 2, 3", SC'11), as an inline C core: the round, the key bump and the
 * ten-round bijection, and the key type the fills take.
 *
 * Checked against the Random123 known-answer vectors (tests/data/kat_vectors.txt).
 */
#ifndef FASTINIT_PHILOX_H
#define FASTINIT_PHILOX_H

#include <stdint.h>

/* A key and a stream: what every fill draws from. */
typedef struct {
    uint32_t k0, k1;   /* Philox key */
    uint32_t s0, s1;   /* stream: counter words 2 and 3 */
} fi_key_t;

#define FI_PHILOX_M0 0xD2511F53u
#define FI_PHILOX_M1 0xCD9E8D57u
#define FI_PHILOX_W0 0x9E3779B9u
#define FI_PHILOX_W1 0xBB67AE85u

/* One Philox round on (c0, c1, c2, c3) with round key (k0, k1). */
static inline void fi_philox_round(uint32_t *c0, uint32_t *c1, uint32_t *c2,
                                   uint32_t *c3, uint32_t k0, uint32_t k1)
{
    uint64_t p0 = (uint64_t)FI_PHILOX_M0 * (uint64_t)(*c0);
    uint64_t p1 = (uint64_t)FI_PHILOX_M1 * (uint64_t)(*c2);
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    *c0 = hi1 ^ *c1 ^ k0;
    *c1 = lo1;
    *c2 = hi0 ^ *c3 ^ k1;
    *c3 = lo0;
}

/* Philox4x32-10: ctr[4], key[2] -> out[4]. A pure function. */
static inline void fi_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2,
                                    uint32_t c3, uint32_t k0, uint32_t k1,
                                    uint32_t out[4])
{
    fi_philox_round(&c0, &c1, &c2, &c3, k0, k1);
    for (int r = 1; r < 10; r++) {
        k0 += FI_PHILOX_W0;
        k1 += FI_PHILOX_W1;
        fi_philox_round(&c0, &c1, &c2, &c3, k0, k1);
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

#endif
