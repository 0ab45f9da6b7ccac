/*
 * Matrix products in a fixed order of operations: out = A @ B, rows row0 ..
 * row1 - 1 of out (n x m, row-major, C-contiguous), where A's element
 * (i, p) is a[i * ars + p * acs] (any strides: A may be a transposed view)
 * and B (k x m) is row-major and C-contiguous. Each element is a sequence
 * of fused multiply-adds along p from 0 (fixedmm.c): the same bits at every
 * SIMD level, thread count and CPU.
 */
#ifndef FASTINIT_FIXEDMM_H
#define FASTINIT_FIXEDMM_H

#include <stdint.h>

int fi_fixedmm_select(int cap);

void fi_fixedmm_f32(const float *a, int64_t ars, int64_t acs, const float *b, float *out,
                    int64_t k, int64_t m, int64_t row0, int64_t row1);
void fi_fixedmm_f64(const double *a, int64_t ars, int64_t acs, const double *b, double *out,
                    int64_t k, int64_t m, int64_t row0, int64_t row1);

#endif
