/*
 * Small float32 matrix products out = x @ w (+ b) (then ReLU) for the dense layers,
 * all row-major and C-contiguous: x (n x k), w (k x m), b (m) or NULL,
 * out (n x m); relu 1 applies v > 0 ? v : 0 as activations.c does.
 *
 * For the small shapes of a training loop, a BLAS call spends more time in
 * its interface and packing than in arithmetic; these kernels use neither,
 * in one thread. Larger products go to BLAS (fastinit/_dense.pyx decides).
 */
#ifndef FASTINIT_GEMM_H
#define FASTINIT_GEMM_H

#include <stdint.h>

/* Whether the chosen SIMD level has the kernel (AVX2 and AVX-512 on
 * x86-64); without them the caller uses BLAS. */
int fi_gemm_select(int cap);
int fi_gemm_available(void);

void fi_gemm_f32(const float *x, const float *w, const float *b, float *out, int64_t n, int64_t k,
                 int64_t m, int relu);

#endif
