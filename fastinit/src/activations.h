/*
 * Fused dense-layer passes over a row-major (rows x cols) block:
 *   forward:  z <- act(z + b)                       (in place on X @ W)
 *   backward: dz <- da * act'(a), db <- column sums  (one pass; dz may be da)
 * The derivative reads the output a alone: ReLU a > 0, tanh 1 - a^2,
 * sigmoid a (1 - a).
 */
#ifndef FASTINIT_ACTIVATIONS_H
#define FASTINIT_ACTIVATIONS_H

#include <stdint.h>

enum { FI_LINEAR = 0, FI_RELU = 1, FI_TANH = 2, FI_SIGMOID = 3 };

/* Rows per block of the backward pass: db is summed per block, then the
 * blocks in order, so the result is the same for every thread count. */
#define FI_GRAD_BLOCK 64

void fi_bias_act_f32(float *z, const float *b, int64_t rows, int64_t cols, int act);
void fi_bias_act_f64(double *z, const double *b, int64_t rows, int64_t cols, int act);
void fi_grad_act_f32(const float *da, const float *a, float *dz, float *db,
                     int64_t rows, int64_t cols, int act);
void fi_grad_act_f64(const double *da, const double *a, double *dz, double *db,
                     int64_t rows, int64_t cols, int act);
void fi_sum_blocks_f32(const float *partial, int64_t blocks, int64_t cols, float *db);
void fi_sum_blocks_f64(const double *partial, int64_t blocks, int64_t cols, double *db);
void fi_sgd_f32(float *w, const float *g, float *v, int64_t n, float lr, float momentum);
void fi_sgd_f64(double *w, const double *g, double *v, int64_t n, double lr, double momentum);

/* Pick the SIMD level of the passes (dispatch.h), as fi_fills_select does
 * for the fills; returns the level chosen. */
int fi_passes_select(int cap);
int fi_passes_level(void);   /* the level the passes run at now */

/* Elementwise, for the tests: tanh and sigmoid as the kernels compute them. */
void fi_act_f32(float *x, int64_t n, int act);
void fi_act_f64(double *x, int64_t n, int act);

#endif
