# Declarations of the fused dense passes (src/activations.h).
from libc.stdint cimport int64_t

cdef extern from "src/activations.h" nogil:
    enum:
        FI_LINEAR
        FI_RELU
        FI_TANH
        FI_SIGMOID
        FI_GRAD_BLOCK
    void fi_bias_act_f32(float *z, const float *b, int64_t rows, int64_t cols, int act)
    void fi_bias_act_f64(double *z, const double *b, int64_t rows, int64_t cols, int act)
    void fi_grad_act_f32(const float *da, const float *a, float *dz, float *db,
                         int64_t rows, int64_t cols, int act)
    void fi_grad_act_f64(const double *da, const double *a, double *dz, double *db,
                         int64_t rows, int64_t cols, int act)
    void fi_sum_blocks_f32(const float *partial, int64_t blocks, int64_t cols, float *db)
    void fi_sum_blocks_f64(const double *partial, int64_t blocks, int64_t cols, double *db)
    void fi_sgd_f32(float *w, const float *g, float *v, int64_t n, float lr, float momentum)
    void fi_sgd_f64(double *w, const double *g, double *v, int64_t n, double lr, double momentum)
    void fi_act_f32(float *x, int64_t n, int act)
    void fi_act_f64(double *x, int64_t n, int act)
    int fi_passes_select(int cap)
    int fi_passes_level()
