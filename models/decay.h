/* decay.h - the L2 decay term shared by the model families.
 *
 * The regulariser is
 *
 *     R(theta, lambda) = 1/2 sum_{j in D} exp(lambda_{h(j)}) theta_j^2
 *
 * over the "decayed" parameters D (weights, never biases).  D is a list of
 * contiguous ranges [start, start + count) of theta; a linear model has one
 * range, an MLP one per weight matrix.  h maps a decayed parameter to its
 * hyperparameter:
 *
 *   per-weight  h(j) = the position of j in D (ranges in order), Hn = |D|
 *   global      h(j) = 0 for every j,                            Hn = 1
 *
 * Derivatives (e_j = exp(lambda_{h(j)}), zero for j not in D):
 *
 *   dR/dtheta_j          = e_j theta_j
 *   d2R/dtheta_j2        = e_j              (diagonal Hessian)
 *   (J^T u)_i            = sum_{j in D, h(j) = i} e_j theta_j u_j
 *                          where J_ji = d2R / dtheta_j dlambda_i
 *   (J u)_j              = e_j theta_j u_{h(j)}   (j in D; u in lambda's space)
 *
 * Nothing here allocates (except ihg_decay_cache_init, from a family's
 * init()).  theta, lambda, u may have any stride.
 *
 * The factors e = exp(lambda) cost one exp() per hyperparameter and call
 * (~10 ms for 1.8M per-weight lambdas).  The *_e variants take them
 * precomputed, as an array of ihg_decay_n_hyper() values (e[0] for every
 * weight in global mode), usually from an ihg_decay_cache, which keeps a
 * copy of the lambda it last saw and recomputes only when lambda's contents
 * change (a comparison of Hn doubles).  Both variants run the same loops in
 * the same order, so they return bitwise the same numbers.
 */
#ifndef IHG_DECAY_H
#define IHG_DECAY_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "../src/config.h"
#include "../src/data.h"
#include "../src/hyperlayout.h"
#include "../src/option.h"
#include "model.h"

#define IHG_DECAY_MAX_RANGES 16

typedef struct {
    ihg_hyper_mode mode;
    size_t n_ranges;
    size_t start[IHG_DECAY_MAX_RANGES];
    size_t count[IHG_DECAY_MAX_RANGES];
    size_t n_decayed; /* |D| */
} ihg_decay;

/* An empty decayed set. */
void ihg_decay_init(ihg_decay *dc, ihg_hyper_mode mode);
/* Append the range [start, start + count) (ranges must not overlap).
 * IHG_EINVAL when there are already IHG_DECAY_MAX_RANGES ranges. */
int ihg_decay_add_range(ihg_decay *dc, size_t start, size_t count);
/* The number of hyperparameters: |D| (per-weight) or 1 (global). */
size_t ihg_decay_n_hyper(const ihg_decay *dc);

/* The decays as segments of the hyperparameter layout: "log decay" (one
 * range or global mode), or "W1 log decay", "W2 log decay", ... (one per
 * range, per-weight mode with several ranges). */
int ihg_decay_segments(const ihg_decay *dc, ihg_hyper_layout *layout);

/* R(theta, lambda). */
double ihg_decay_loss(const ihg_decay *dc, const gsl_vector *theta,
                      const gsl_vector *lambda);
/* grad += dR/dtheta. */
void ihg_decay_add_grad(const ihg_decay *dc, const gsl_vector *theta,
                        const gsl_vector *lambda, gsl_vector *grad);
/* Hu += (d2R/dtheta2) u. */
void ihg_decay_add_hvp(const ihg_decay *dc, const gsl_vector *lambda,
                       const gsl_vector *u, gsl_vector *Hu);
/* diag += the diagonal of d2R/dtheta2 (e_j on the decayed entries). */
void ihg_decay_add_diagonal(const ihg_decay *dc, const gsl_vector *lambda, gsl_vector *diag);
/* H += d2R/dtheta2 (adds e_j to the diagonal). */
void ihg_decay_add_hessian(const ihg_decay *dc, const gsl_vector *lambda,
                           gsl_matrix *H);
/* out = J^T u (an Hn-vector; overwritten). */
void ihg_decay_jtvp(const ihg_decay *dc, const gsl_vector *theta,
                    const gsl_vector *lambda, const gsl_vector *u,
                    gsl_vector *out);

/* out = J u (a P-vector; overwritten): out_j = e_j theta_j u_{h(j)} for j
 * in D, 0 elsewhere. */
void ihg_decay_jvp(const ihg_decay *dc, const gsl_vector *theta,
                   const gsl_vector *lambda, const gsl_vector *u, gsl_vector *out);

/* The same with the factors e = exp(lambda) precomputed (Hn entries). */
double ihg_decay_loss_e(const ihg_decay *dc, const double *e,
                        const gsl_vector *theta);
/* R(theta, lambda), and grad += dR/dtheta when grad != NULL: one pass. */
double ihg_decay_loss_grad_e(const ihg_decay *dc, const double *e,
                             const gsl_vector *theta, gsl_vector *grad);
void ihg_decay_add_hvp_e(const ihg_decay *dc, const double *e,
                         const gsl_vector *u, gsl_vector *Hu);
void ihg_decay_add_hessian_e(const ihg_decay *dc, const double *e,
                             gsl_matrix *H);
void ihg_decay_jtvp_e(const ihg_decay *dc, const double *e,
                      const gsl_vector *theta, const gsl_vector *u,
                      gsl_vector *out);

/* exp(lambda), cached on lambda's contents. */
typedef struct {
    size_t n;       /* Hn                                        */
    double *lambda; /* the lambda the factors belong to (copy)   */
    double *e;      /* exp(lambda)                               */
    int valid;
} ihg_decay_cache;

/* Allocate for dc's Hn (call after the ranges are added; from init()).
 * IHG_ENOMEM on failure (then ihg_decay_cache_free is still safe). */
int ihg_decay_cache_init(ihg_decay_cache *c, const ihg_decay *dc);
void ihg_decay_cache_free(ihg_decay_cache *c);
/* e = exp(lambda) (c->n entries), recomputed only when lambda differs from
 * the last call's (bitwise; any stride). */
const double *ihg_decay_factors(ihg_decay_cache *c, const gsl_vector *lambda);

/* The options of the families that decay their weights, declared once
 * here and listed in each family's option table (option.h), over a field
 * of the family's options struct of the type given:
 *
 *   IHG_OPTION_HYPER(T, field)                  ihg_hyper_mode
 *   IHG_OPTION_INIT_LOG_DECAY(T, field, dflt)   double (dflt: the default)
 *   IHG_OPTION_INIT_SCALE(T, field)             double
 *
 * ihgtui-experiment(5) documents them under each family. */
extern const char *const ihg_hyper_names[]; /* per-weight, global */
#define IHG_INIT_LOG_DECAY_DEFAULT (-4.0)

#define IHG_OPTION_HYPER(T, field)                                         \
    {.name = "hyper", .type = IHG_OPT_ENUM, .off = offsetof(T, field),    \
     .names = ihg_hyper_names, .def = IHG_HYPER_PER_WEIGHT,                \
     .help = "one hyperparameter per decayed weight, or one for all"}
#define IHG_OPTION_INIT_LOG_DECAY(T, field, dflt)                          \
    {.name = "init_log_decay", .type = IHG_OPT_REAL,                       \
     .off = offsetof(T, field), .lo = -100, .hi = 100, .def = (dflt),      \
     .help = "initial value of every hyperparameter (decay exp(lambda))"}
#define IHG_OPTION_INIT_SCALE(T, field)                                    \
    {.name = "init_scale", .type = IHG_OPT_REAL, .off = offsetof(T, field), \
     .lo = 0, .hi = 100, .def = 0.01,                                      \
     .help = "scale of the random initial weights"}

/* The options of a family whose keys are just these three (ridge,
 * logistic, softmax): .options = ihg_decay_option_table, .options_size =
 * sizeof(ihg_decay_options). */
typedef struct {
    ihg_hyper_mode hyper;
    double init_log_decay; /* default IHG_INIT_LOG_DECAY_DEFAULT */
    double init_scale;
} ihg_decay_options;
extern const ihg_option ihg_decay_option_table[];

/* Helpers for the families, beside the decay term. */

/* Size helpers for the families' init(): *out = a * b (or a + b); return 0
 * on overflow or when the result exceeds IHG_MODEL_MAX_ELEMS. */
/* Is `data` usable by a model with d features (X n x d, y n; n = 0 is
 * fine)?  A mismatch is a programming error: it is recorded (IHG_EINTERNAL,
 * naming `model`) and 0 returned, and the caller returns NaN instead of
 * reading out of bounds. */
int ihg_model_data_ok(const char *model, size_t d, const ihg_data *data);
/* Rows per block for a workspace: max_rows, or when it is 0 the largest of
 * the data set's train/val/test sizes; at least 1, at most cap.  Data sets
 * longer than this are processed block by block. */
size_t ihg_model_chunk_rows(const ihg_dataset *ds, size_t max_rows,
                            size_t cap);
/* Set every element to NaN (v may be NULL). */
void ihg_vector_fill_nan(gsl_vector *v);

/* The key of a per-data-set cache (ridge's Gram matrix, logistic's
 * curvature, softmax's probabilities): the data set it was made from.
 * ihg_cache_key_matches is true when data is that set: the same pointer,
 * n, X->data and X->tda (contents are not compared: a cache is only used
 * for the training set bound at init, whose contents do not change). */
typedef struct {
    const ihg_data *data;
    const double *X;
    size_t n, tda;
    int valid;
} ihg_cache_key;
int ihg_cache_key_matches(const ihg_cache_key *key, const ihg_data *data);
void ihg_cache_key_set(ihg_cache_key *key, const ihg_data *data);
/* Does copy (contiguous) hold exactly v's values (bitwise; v any stride)? */
int ihg_vector_same_bits(const gsl_vector *copy, const gsl_vector *v);

#define IHG_MODEL_MAX_ELEMS ((size_t)1 << 30)
int ihg_size_mul(size_t a, size_t b, size_t *out);
int ihg_size_add(size_t a, size_t b, size_t *out);

#endif
