/*
 * The one list of fills. Each entry is (name, parameters, arguments); from
 * it come the level versions' prototypes and the table type here, the
 * definitions (FI_FILL_LEVELS in fills.c and truncnorm.c), the table of
 * every level and the public fi_fill_<name> wrappers (fills.c). Private to
 * the C core: Python reaches the fills through fills.h and the level
 * through simd.h.
 */
#ifndef FASTINIT_LEVELS_H
#define FASTINIT_LEVELS_H

#include "fills.h"

/* raw and uniform: fills.c */
#define FI_FILLS_PLAIN(X)                                                                         \
    X(raw, (fi_key_t key, uint64_t offset, int64_t n, uint32_t *out), (key, offset, n, out))      \
    X(uniform_f32, (fi_key_t key, uint64_t offset, float low, float high, int64_t n, float *out), \
      (key, offset, low, high, n, out))                                                           \
    X(uniform_f64,                                                                                \
      (fi_key_t key, uint64_t offset, double low, double high, int64_t n, double *out),          \
      (key, offset, low, high, n, out))

/* normal, with fused multiply-adds (FI_FILL_LEVELS_FMA): fills.c */
#define FI_FILLS_FUSED(X)                                                                         \
    X(normal_f32, (fi_key_t key, uint64_t offset, float mean, float std, int64_t n, float *out),  \
      (key, offset, mean, std, n, out))                                                           \
    X(normal_f64,                                                                                 \
      (fi_key_t key, uint64_t offset, double mean, double std, int64_t n, double *out),          \
      (key, offset, mean, std, n, out))

/* the truncated normal: truncnorm.c */
#define FI_FILLS_TRUNC(X)                                                                         \
    X(truncnorm_f32, (fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, float *out),        \
      (key, offset, p, n, out))                                                                   \
    X(truncnorm_f64, (fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, double *out),       \
      (key, offset, p, n, out))

#define FI_FILLS(X) FI_FILLS_PLAIN(X) FI_FILLS_FUSED(X) FI_FILLS_TRUNC(X)

/* fi_<name>_scalar, _avx2 and _avx512 */
#define FI_FILL_PROTOTYPES(name, params, args) \
    void fi_##name##_scalar params;            \
    void fi_##name##_avx2 params;              \
    void fi_##name##_avx512 params;
FI_FILLS(FI_FILL_PROTOTYPES)

/* one level's fills */
#define FI_FILL_MEMBER(name, params, args) void(*name) params;
typedef struct {
    FI_FILLS(FI_FILL_MEMBER)
} fi_fill_table_t;

#endif
