/*
 * The SIMD level of every kernel family, chosen in one place. The fills
 * (fills.c, truncnorm.c) live in the extension that owns the level; the
 * dense passes and small products (activations.c, gemm.c) live in another
 * and join at its import: each family's select function is called with
 * every level chosen, so the one choice switches them all.
 */
#ifndef FASTINIT_SIMD_H
#define FASTINIT_SIMD_H

/* A family's select function: use the CPU's widest level capped at `cap`;
 * returns the level used. */
typedef int (*fi_family_select_fn)(int cap);

/* Use the CPU's widest level capped at cap (FI_LEVEL_SCALAR, FI_LEVEL_AVX2
 * or FI_LEVEL_AVX512 of portable.h) for every kernel family; returns it. */
int fi_simd_select(int cap);
int fi_simd_level(void);
/* A level's name: scalar/avx2/avx512 on x86-64, scalar/neon/neon on aarch64. */
const char *fi_simd_level_name(int level);
/* Make a family follow fi_simd_select; it takes the current level at once.
 * Returns 0, or -1 when the list of families is full. */
int fi_simd_join(fi_family_select_fn select);

/* Whether the scalar level's normal fills use the CPU's fused multiply-add
 * (1) or emulate it (0: x86-64 CPUs without FMA). fi_simd_fma_emulate(1)
 * makes them emulate it on any CPU, so tests can check that both give the
 * same bits; fi_simd_fma_emulate(0) goes back to the CPU's choice. */
int fi_simd_scalar_fma(void);
void fi_simd_fma_emulate(int on);

#endif
