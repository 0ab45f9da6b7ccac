/*
 * The SIMD Philox block generator, written once over the primitives of an
 * ISA header (isa_*.h). philox_simd.h includes this file once per ISA with
 * FI_ISA set to its prefix (sse2, avx2, avx512, neon); it has no include
 * guard for that reason. Each inclusion defines, for that ISA,
 *
 *     fi_<isa>_philox_blocks(k0, k1, s0, s1, b0, nb, w0, w1, w2, w3)
 *         nb a multiple of lanes * ways, b0 .. b0 + nb - 1 within one 2^32
 *         run of blocks;
 *     fi_<isa>_philox_vectors(vectors, k0, k1, s0, s1, b0, w0, w1, w2, w3)
 *         one step of 1 .. ways vectors: lanes * vectors blocks from b0;
 *
 * both word-planar, giving the words of fi_philox4x32_10. Several
 * independent vectors per step (ways) hide the multiplies' latency; rounds
 * 0-2 take what blocks of one call share from fi_philox_head.
 */
#ifdef FI_ISA   /* (alone, e.g. in a preprocessor check, it defines nothing) */

#define FI_ISA_CAT_(a, b, c) a##b##c
#define FI_ISA_CAT(a, b, c) FI_ISA_CAT_(a, b, c)
/* FIV(op): the ISA's name for op, e.g. fi_avx2_mulhilo */
#define FIV(op) FI_ISA_CAT(fi_, FI_ISA, _##op)

/* One full Philox round on vectors of counters. */
FIV(target) FI_INLINE void
FIV(philox_round)(FIV(t) *c0, FIV(t) *c1, FIV(t) *c2, FIV(t) *c3, FIV(t) m0, FIV(t) m1,
                  FIV(t) k0, FIV(t) k1)
{
    FIV(t) hi0, lo0, hi1, lo1;
    FIV(mulhilo)(*c0, m0, &hi0, &lo0);
    FIV(mulhilo)(*c2, m1, &hi1, &lo1);
    *c0 = FIV(xor3)(hi1, *c1, k0);
    *c2 = FIV(xor3)(hi0, *c3, k1);
    *c1 = lo1;
    *c3 = lo0;
}

/* Steps of `ways` vectors (a compile-time constant once inlined). */
FIV(target) FI_INLINE void
FIV(philox)(int ways, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0, int nb,
            uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    enum { lanes = FIV(lanes), max_ways = FIV(ways) };
    uint32_t rk0[10], rk1[10];
    fi_round_keys(k0, k1, rk0, rk1);
    const FIV(t) m0 = FIV(set1)(FI_PHILOX_M0), m1 = FIV(set1)(FI_PHILOX_M1);
    const FIV(t) iota = FIV(iota)();
    const fi_philox_head_t h = fi_philox_head((uint32_t)(b0 >> 32), s0, s1, rk0, rk1);
    const FIV(t) x2_0 = FIV(set1)(h.x2_0), x0_1 = FIV(set1)(h.x0_1);
    const FIV(t) x2_1 = FIV(set1)(h.x2_1), x2_2 = FIV(set1)(h.x2_2);
    const FIV(t) k0_2 = FIV(set1)(rk0[2]);
    for (int j = 0; j < nb; j += lanes * ways) {
        uint32_t b = (uint32_t)b0 + (uint32_t)j;
        FIV(t) c0[max_ways], c1[max_ways], c2[max_ways], c3[max_ways];
        for (int v = 0; v < ways; v++) {
            FIV(t) hi0, lo0, hi1, lo1;
            c0[v] = FIV(add)(FIV(set1)(b + (uint32_t)(lanes * v)), iota);
            FIV(mulhilo)(c0[v], m0, &hi0, &lo0);                         /* round 0 */
            c2[v] = FIV(xor)(hi0, x2_0);
            FIV(mulhilo)(c2[v], m1, &hi1, &lo1);                         /* round 1 */
            c0[v] = FIV(xor)(hi1, x0_1);
            c1[v] = lo1;
            c2[v] = FIV(xor)(lo0, x2_1);
            FIV(mulhilo)(c0[v], m0, &hi0, &lo0);                         /* round 2 */
            FIV(mulhilo)(c2[v], m1, &hi1, &lo1);
            c0[v] = FIV(xor3)(hi1, c1[v], k0_2);
            c1[v] = lo1;
            c2[v] = FIV(xor)(hi0, x2_2);
            c3[v] = lo0;
        }
        for (int r = 3; r < 10; r++) {
            FIV(t) rk0v = FIV(set1)(rk0[r]), rk1v = FIV(set1)(rk1[r]);
            for (int v = 0; v < ways; v++)
                FIV(philox_round)(&c0[v], &c1[v], &c2[v], &c3[v], m0, m1, rk0v, rk1v);
        }
        for (int v = 0; v < ways; v++) {
            FIV(store)(w0 + j + lanes * v, c0[v]);
            FIV(store)(w1 + j + lanes * v, c1[v]);
            FIV(store)(w2 + j + lanes * v, c2[v]);
            FIV(store)(w3 + j + lanes * v, c3[v]);
        }
    }
}

FIV(target) static void
FIV(philox_blocks)(uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0, int nb,
                   uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    FIV(philox)(FIV(ways), k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}

FIV(target) static void
FIV(philox_vectors)(int vectors, uint32_t k0, uint32_t k1, uint32_t s0, uint32_t s1, uint64_t b0,
                    uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    int nb = FIV(lanes) * vectors;
    if (vectors == 1)
        FIV(philox)(1, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else if (vectors == 2 && FIV(ways) > 2)
        FIV(philox)(2, k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
    else
        FIV(philox)(FIV(ways), k0, k1, s0, s1, b0, nb, w0, w1, w2, w3);
}

#undef FIV
#undef FI_ISA_CAT
#undef FI_ISA_CAT_

#endif
