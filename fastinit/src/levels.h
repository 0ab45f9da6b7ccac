/*
 * The fills of every SIMD level, as fills.c's table holds them (private to
 * the C core: Python reaches them only through fi_fills_select).
 */
#ifndef FASTINIT_LEVELS_H
#define FASTINIT_LEVELS_H

#include "fills.h"

typedef struct {
    void (*raw)(fi_key_t, uint64_t, int64_t, uint32_t *);
    void (*uniform_f32)(fi_key_t, uint64_t, float, float, int64_t, float *);
    void (*uniform_f64)(fi_key_t, uint64_t, double, double, int64_t, double *);
    void (*normal_f32)(fi_key_t, uint64_t, float, float, int64_t, float *);
    void (*normal_f64)(fi_key_t, uint64_t, double, double, int64_t, double *);
    void (*truncnorm_f32)(fi_key_t, uint64_t, fi_trunc_t, int64_t, float *);
    void (*truncnorm_f64)(fi_key_t, uint64_t, fi_trunc_t, int64_t, double *);
} fi_fill_table_t;

/* Defined by FI_FILL_LEVELS in fills.c and truncnorm.c. */
void fi_raw_scalar(fi_key_t key, uint64_t offset, int64_t n, uint32_t *out);
void fi_raw_avx2(fi_key_t key, uint64_t offset, int64_t n, uint32_t *out);
void fi_raw_avx512(fi_key_t key, uint64_t offset, int64_t n, uint32_t *out);
void fi_uniform_f32_scalar(fi_key_t key, uint64_t offset, float low, float high, int64_t n, float *out);
void fi_uniform_f32_avx2(fi_key_t key, uint64_t offset, float low, float high, int64_t n, float *out);
void fi_uniform_f32_avx512(fi_key_t key, uint64_t offset, float low, float high, int64_t n, float *out);
void fi_uniform_f64_scalar(fi_key_t key, uint64_t offset, double low, double high, int64_t n, double *out);
void fi_uniform_f64_avx2(fi_key_t key, uint64_t offset, double low, double high, int64_t n, double *out);
void fi_uniform_f64_avx512(fi_key_t key, uint64_t offset, double low, double high, int64_t n, double *out);
void fi_normal_f32_scalar(fi_key_t key, uint64_t offset, float mean, float std, int64_t n, float *out);
void fi_normal_f32_avx2(fi_key_t key, uint64_t offset, float mean, float std, int64_t n, float *out);
void fi_normal_f32_avx512(fi_key_t key, uint64_t offset, float mean, float std, int64_t n, float *out);
void fi_normal_f64_scalar(fi_key_t key, uint64_t offset, double mean, double std, int64_t n, double *out);
void fi_normal_f64_avx2(fi_key_t key, uint64_t offset, double mean, double std, int64_t n, double *out);
void fi_normal_f64_avx512(fi_key_t key, uint64_t offset, double mean, double std, int64_t n, double *out);
void fi_truncnorm_f32_scalar(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, float *out);
void fi_truncnorm_f32_avx2(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, float *out);
void fi_truncnorm_f32_avx512(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, float *out);
void fi_truncnorm_f64_scalar(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, double *out);
void fi_truncnorm_f64_avx2(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, double *out);
void fi_truncnorm_f64_avx512(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, double *out);

#endif
