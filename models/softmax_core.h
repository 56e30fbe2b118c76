/* softmax_core.h - softmax cross-entropy pieces shared by softmax.c,
 * distill.c and mlp.c.
 *
 * A linear softmax layer on k classes and d features keeps its parameters
 * in a flat vector v as W (k x d, row-major, W_cj at c d + j) followed by
 * b (k, at k d + c).  For rows x_i (X, n x d) and labels y_i in 0..k-1:
 *
 *   z_i   = W x_i + b                    (Z = X W^T + 1 b^T)
 *   p_i   = softmax(z_i),  lse_i = m + log sum_c exp(z_ic - m),
 *           m = max_c z_ic
 *   l     = 1/n sum_i (lse_i - z_{i,y_i})   (mean cross-entropy)
 *   dl/dW = (P - Y)^T X / n,   dl/db = (P - Y)^T 1 / n
 *   R-op  r_i = p_i .* (v_i - p_i . v_i)   (the softmax Jacobian applied
 *           to a direction v_i of the logits; the Hessian of lse is
 *           diag(p) - p p^T)
 *
 * A label that is not an integer in 0..k-1 makes the loss NaN.  Nothing
 * here allocates: the callers pass their workspaces.
 */
#ifndef IHG_SOFTMAX_CORE_H
#define IHG_SOFTMAX_CORE_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "../src/data.h"
#include "model.h"

/* The class of a label, or k when it is not an integer in 0..k-1. */
size_t ihg_sm_label(double y, size_t k);

/* The first c with the largest z_c. */
size_t ihg_sm_argmax(const double *z, size_t k);

/* Overwrite the logits z (k) with probabilities; return lse(z). */
double ihg_sm_row(double *z, size_t k);

/* out = r (k entries, out may be v): out_c = p_c (v_c - p . v) scale. */
void ihg_sm_rop_row(const double *p, const double *v, double *out, size_t k,
                    double scale);

/* The first k d entries of v as a k x d matrix: a view when v is
 * contiguous, else a copy in buf (k x d).  Read only. */
gsl_matrix ihg_sm_weights(const gsl_vector *v, size_t k, size_t d,
                          gsl_matrix *buf);
/* A writable k x d view of v's first k d entries, or of buf when v is
 * strided (then copy back with ihg_sm_weights_store). */
gsl_matrix_view ihg_sm_weights_out(gsl_vector *v, size_t k, size_t d,
                                   gsl_matrix *buf);
void ihg_sm_weights_store(gsl_vector *v, const gsl_matrix *buf);

/* Z = X W^T + 1 b^T, b the k entries of v from offset kd = k d. */
void ihg_sm_logits(const gsl_matrix *X, const gsl_matrix *W,
                   const gsl_vector *v, size_t kd, gsl_matrix *Z);

/* Workspace of the data-set functions below. */
typedef struct {
    size_t k, d, chunk; /* classes, features, rows per block    */
    gsl_matrix *Z;      /* chunk x k                            */
    gsl_matrix *Wbuf;   /* k x d: copy of strided weights       */
    gsl_matrix *Gbuf;   /* k x d: gradient of a strided vector  */
} ihg_sm_work;

/* Mean cross-entropy of the layer v on data (n > 0 rows, in blocks of
 * chunk); grad (if not NULL) overwritten with its gradient (P = k (d + 1)
 * entries).  n = 0 gives 0 and a zero gradient. */
double ihg_sm_data_loss(ihg_sm_work *w, const gsl_vector *v,
                        const ihg_data *data, gsl_vector *grad);
/* Fraction of rows whose argmax_c z_ic (first on ties) is the label. */
double ihg_sm_accuracy(ihg_sm_work *w, const gsl_vector *v,
                       const ihg_data *data);

/* The null direction of a softmax cross-entropy in its biases: adding one
 * constant to all k biases (theta[offset .. offset+k)) changes no
 * probability, so H u = 0 for u = 1/sqrt(k) on those entries (and the
 * validation loss has the same symmetry).  Writes u as column 0 of U and
 * returns 1 (0 when U has no column or k < 2). */
size_t ihg_sm_bias_null_space(size_t offset, size_t k, gsl_matrix *U);
/* The model table's null_space for theta = [W (k x d), b (k)] (softmax,
 * distill): the bias shift at offset k*d. */
size_t ihg_sm_null_space(const ihg_model *m, gsl_matrix *U);

#endif
