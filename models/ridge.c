/* ridge.c - linear least squares with L2 decay on the weights.
 *
 * theta = [w (d), b], P = d + 1; lambda = log decay of w (per-weight:
 * Hn = d, e_j = exp(lambda_j); global: Hn = 1, e_j = exp(lambda_0)).
 * On a data set (X n x d, y n), with residuals r = X w + b 1 - y:
 *
 *   L_T        = 1/(2n) ||r||^2 + 1/2 sum_j e_j w_j^2
 *   dL_T/dw    = X^T r / n + e .* w
 *   dL_T/db    = 1^T r / n
 *   H          = [ X^T X / n + diag(e)   X^T 1 / n ]      (train_hessian;
 *                                       its diagonal: train_hessian_diag)
 *                [ 1^T X / n             1         ]
 *   H u        = [ X^T q / n + e .* u_w ;  1^T q / n ],   q = X u_w + u_b 1
 *   (J^T u)_i  = sum_{j: h(j) = i} e_j w_j u_j
 *   L_V        = 1/(2m) ||r||^2  on the validation rows (no decay)
 *   dL_V/dw    = X^T r / m,  dL_V/db = 1^T r / m,  dL_V/dlambda = 0
 *
 * H does not depend on theta.  The rows are processed in blocks of at most
 * `chunk` rows (the workspace size, from max_rows), so nothing allocates
 * and a data set of any length works.
 *
 * The Gram cache.  Neither H nor its data part
 *
 *   G = [ X^T X / n   X^T 1 / n ]     (P x P, the augmented Gram matrix)
 *       [ 1^T X / n   1         ]
 *
 * depends on theta or lambda, so for the training set the model is bound to
 * (ds->train) G is formed once, by the very code train_hessian used, and
 * then  H u = G u + e .* u_w  (one dsymv/dgemv, P^2 multiply-adds, instead of two
 * dgemv passes over X, 2 n P) and train_hessian = G + diag(e) (a copy
 * instead of n P^2).  Rule: G is kept when P <= RIDGE_GRAM_MAX_P (2000:
 * 32 MB) and P <= n.  The flop break-even of the HVP is P = 2 n; P <= n
 * leaves a factor 2 for dsymv running slower per flop than dgemv, and the
 * one-off n P^2 / 2 of forming G (a level-3 product) costs a few dozen
 * HVPs, paid once per run since H never changes.  train_hessian's result is
 * bitwise the uncached one; the cached H u differs from the two-pass one
 * by rounding only (~1e-16 relative, tests/test_models.c checks 1e-14).
 *
 * Cache key and assumption: G is served only for data == m->ds->train,
 * with the same n, X->data and X->tda as when it was formed.  Any other
 * data set (the validation set, a caller's own, a minibatch, which the
 * session refills in place under one pointer) goes the uncached way.  The
 * training set's contents are assumed not to change during the model's
 * life: the session loads its data set once and allocates the model after
 * it; a reset or reload builds a new session, data set and model (so a new,
 * empty cache).  Memory: G is allocated by init when the rule holds.
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "../src/error.h"
#include "decay.h"

#define RIDGE_MAX_CHUNK 4096
#define RIDGE_GRAM_MAX_P 2000
/* G u by dsymv (half of G read) from this P up, by dgemv below it: with
 * OpenBLAS dsymv always starts its threads (~3 us), dgemv only for larger
 * matrices; measured crossover between P = 100 and 200. */
#define RIDGE_SYMV_MIN_P 150

typedef struct {
    ihg_decay decay;
    ihg_decay_cache ecache; /* exp(lambda)                            */
    size_t chunk;     /* rows per block                           */
    gsl_vector *r;    /* chunk: residuals / directional outputs  */
    gsl_vector *ones; /* chunk                                    */
    /* The Gram cache (NULL when the rule does not hold) and its key. */
    gsl_matrix *G;    /* P x P                                    */
    ihg_cache_key g_key;
} ridge_work;

static void ridge_free(ihg_model *m)
{
    ridge_work *w = m->work;
    if (!w)
        return;
    if (w->r)
        gsl_vector_free(w->r);
    if (w->ones)
        gsl_vector_free(w->ones);
    if (w->G)
        gsl_matrix_free(w->G);
    ihg_decay_cache_free(&w->ecache);
    free(w);
    m->work = NULL;
}

static int ridge_init(ihg_model *m, const ihg_config *cfg,
                      const ihg_dataset *ds, size_t max_rows)
{
    size_t P;
    if (!ds || ds->d == 0)
        return ihg_error_set(IHG_EINVAL, "ridge: the data set has no features");
    if (!ihg_size_add(ds->d, 1, &P))
        return ihg_error_set(IHG_ELIMIT,
                             "ridge: %zu features is too many parameters",
                             ds->d);
    ridge_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (ridge model)");
    m->work = w;
    w->chunk = ihg_model_chunk_rows(ds, max_rows, RIDGE_MAX_CHUNK);
    w->r = gsl_vector_alloc(w->chunk);
    w->ones = gsl_vector_alloc(w->chunk);
    if (!w->r || !w->ones) {
        ridge_free(m);
        return ihg_error_set(IHG_ENOMEM, "out of memory (ridge workspace)");
    }
    gsl_vector_set_all(w->ones, 1.0);
    if (ds->train && P <= RIDGE_GRAM_MAX_P && P <= ds->train->n) {
        w->G = gsl_matrix_alloc(P, P);
        if (!w->G) {
            ridge_free(m);
            return ihg_error_set(IHG_ENOMEM,
                                 "out of memory (ridge Gram matrix, %zu x %zu)",
                                 P, P);
        }
    }
    m->hyper = ((const ihg_decay_options *)cfg->model.opts)->hyper;
    ihg_decay_init(&w->decay, m->hyper);
    ihg_decay_add_range(&w->decay, 0, ds->d);
    if (ihg_decay_cache_init(&w->ecache, &w->decay) != IHG_OK) {
        ridge_free(m);
        return IHG_ENOMEM;
    }
    m->d = ds->d;
    m->k = 1;
    m->P = P;
    m->Hn = ihg_decay_n_hyper(&w->decay);
    return IHG_OK;
}

static void ridge_init_theta(const ihg_model *m, gsl_vector *theta,
                             gsl_rng *rng)
{
    double sd = ((const ihg_decay_options *)m->cfg->model.opts)->init_scale;
    for (size_t j = 0; j < m->d; j++)
        gsl_vector_set(theta, j, sd > 0 ? gsl_ran_gaussian(rng, sd) : 0.0);
    gsl_vector_set(theta, m->d, 0.0);
}

static void ridge_init_lambda(const ihg_model *m, gsl_vector *lambda,
                              gsl_rng *rng)
{
    (void)rng;
    gsl_vector_set_all(lambda, ((const ihg_decay_options *)m->cfg->model.opts)
                                   ->init_log_decay);
}

/* 1/(2n) ||X w + b - y||^2; grad (if not NULL) overwritten with its
 * gradient. */
static double ridge_data_loss(ihg_model *m, const gsl_vector *theta,
                              const ihg_data *data, gsl_vector *grad)
{
    ridge_work *w = m->work;
    size_t d = m->d, n = data->n;
    if (grad)
        gsl_vector_set_zero(grad);
    if (n == 0)
        return 0.0;
    gsl_vector_const_view wv = gsl_vector_const_subvector(theta, 0, d);
    gsl_vector_view gw;
    if (grad)
        gw = gsl_vector_subvector(grad, 0, d);
    double b = gsl_vector_get(theta, d), inv_n = 1.0 / (double)n;
    double ss = 0.0, sr = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_vector_const_view yb = gsl_vector_const_subvector(data->y, i0, nb);
        gsl_vector_view rb = gsl_vector_subvector(w->r, 0, nb);
        gsl_vector_memcpy(&rb.vector, &yb.vector);
        gsl_blas_dgemv(CblasNoTrans, 1.0, &Xb.matrix, &wv.vector, -1.0,
                       &rb.vector); /* X w - y */
        double *r = rb.vector.data;
        for (size_t i = 0; i < nb; i++) {
            r[i] += b;
            ss += r[i] * r[i];
            sr += r[i];
        }
        if (grad)
            gsl_blas_dgemv(CblasTrans, inv_n, &Xb.matrix, &rb.vector, 1.0,
                           &gw.vector);
    }
    if (grad)
        gsl_vector_set(grad, d, sr * inv_n);
    return 0.5 * ss * inv_n;
}

static double ridge_train_loss(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               gsl_vector *grad)
{
    ridge_work *w = m->work;
    if (!ihg_model_data_ok("ridge", m->d, data)) {
        ihg_vector_fill_nan(grad);
        return NAN;
    }
    double loss = ridge_data_loss(m, theta, data, grad);
    const double *e = ihg_decay_factors(&w->ecache, lambda);
    if (grad)
        ihg_decay_add_hvp_e(&w->decay, e, theta, grad);
    return loss + ihg_decay_loss_e(&w->decay, e, theta);
}

/* H = G (the data part of the Hessian, see the file comment) from the n > 0
 * rows of data, in blocks.  Exactly symmetric. */
static void gram_fill(ridge_work *w, size_t d, const ihg_data *data,
                      gsl_matrix *H)
{
    size_t n = data->n;
    double inv_n = 1.0 / (double)n;
    gsl_matrix_set_zero(H);
    gsl_matrix_view Hww = gsl_matrix_submatrix(H, 0, 0, d, d);
    gsl_vector_view hwb = gsl_matrix_subcolumn(H, d, 0, d);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_vector_view ob = gsl_vector_subvector(w->ones, 0, nb);
        /* dgemm rather than dsyrk: several times faster with GSL's
         * own CBLAS, the same with OpenBLAS; the lower triangle is
         * overwritten by the mirror below. */
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_n, &Xb.matrix,
                       &Xb.matrix, 1.0, &Hww.matrix);
        gsl_blas_dgemv(CblasTrans, inv_n, &Xb.matrix, &ob.vector, 1.0,
                       &hwb.vector);
    }
    gsl_matrix_set(H, d, d, 1.0);
    /* Mirror the upper triangle: H is exactly symmetric. */
    for (size_t i = 1; i <= d; i++)
        for (size_t j = 0; j < i; j++)
            gsl_matrix_set(H, i, j, gsl_matrix_get(H, j, i));
}

/* The cached G for data, formed on first use; NULL when data is not the
 * bound training set or the rule does not hold (file comment). */
static const gsl_matrix *gram(ihg_model *m, const ihg_data *data)
{
    ridge_work *w = m->work;
    if (!w->G || !m->ds || data != m->ds->train || data->n < m->P)
        return NULL;
    if (!ihg_cache_key_matches(&w->g_key, data)) {
        gram_fill(w, m->d, data, w->G);
        ihg_cache_key_set(&w->g_key, data);
    }
    return w->G;
}

static void ridge_train_hvp(ihg_model *m, const gsl_vector *theta,
                            const gsl_vector *lambda, const ihg_data *data,
                            const gsl_vector *u, gsl_vector *Hu)
{
    (void)theta;
    ridge_work *w = m->work;
    size_t d = m->d, n = data ? data->n : 0;
    if (!ihg_model_data_ok("ridge", m->d, data)) {
        ihg_vector_fill_nan(Hu);
        return;
    }
    const gsl_matrix *G = gram(m, data);
    if (G && m->P < RIDGE_SYMV_MIN_P)
        gsl_blas_dgemv(CblasNoTrans, 1.0, G, u, 0.0, Hu);
    else if (G)
        gsl_blas_dsymv(CblasUpper, 1.0, G, u, 0.0, Hu);
    else
        gsl_vector_set_zero(Hu);
    if (!G && n > 0) {
        gsl_vector_const_view uw = gsl_vector_const_subvector(u, 0, d);
        gsl_vector_view hw = gsl_vector_subvector(Hu, 0, d);
        double ub = gsl_vector_get(u, d), inv_n = 1.0 / (double)n, sq = 0.0;
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb =
                gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
            gsl_vector_view qb = gsl_vector_subvector(w->r, 0, nb);
            gsl_blas_dgemv(CblasNoTrans, 1.0, &Xb.matrix, &uw.vector, 0.0,
                           &qb.vector);
            double *q = qb.vector.data;
            for (size_t i = 0; i < nb; i++) {
                q[i] += ub;
                sq += q[i];
            }
            gsl_blas_dgemv(CblasTrans, inv_n, &Xb.matrix, &qb.vector, 1.0,
                           &hw.vector);
        }
        gsl_vector_set(Hu, d, sq * inv_n);
    }
    ihg_decay_add_hvp_e(&w->decay, ihg_decay_factors(&w->ecache, lambda), u,
                        Hu);
}

static void ridge_train_jtvp(ihg_model *m, const gsl_vector *theta,
                             const gsl_vector *lambda, const ihg_data *data,
                             const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    ridge_work *w = m->work;
    ihg_decay_jtvp_e(&w->decay, ihg_decay_factors(&w->ecache, lambda), theta,
                     u, out);
}

static void ridge_train_hessian(ihg_model *m, const gsl_vector *theta,
                                const gsl_vector *lambda,
                                const ihg_data *data, gsl_matrix *H)
{
    (void)theta;
    ridge_work *w = m->work;
    size_t n = data ? data->n : 0;
    if (H->size1 != m->P || H->size2 != m->P) {
        ihg_error_set(IHG_EINTERNAL, "ridge: Hessian matrix is not %zux%zu",
                      m->P, m->P);
        gsl_matrix_set_all(H, NAN);
        return;
    }
    if (!ihg_model_data_ok("ridge", m->d, data)) {
        gsl_matrix_set_all(H, NAN);
        return;
    }
    const gsl_matrix *G = gram(m, data);
    if (G)
        gsl_matrix_memcpy(H, G);
    else if (n > 0)
        gram_fill(w, m->d, data, H);
    else
        gsl_matrix_set_zero(H);
    ihg_decay_add_hessian_e(&w->decay, ihg_decay_factors(&w->ecache, lambda),
                            H);
}

/* diag(H) = [sum_i x_ij^2 / n + e_j ; 1] (Jacobi preconditioning) */
static void ridge_train_hessian_diag(ihg_model *m, const gsl_vector *theta,
                                     const gsl_vector *lambda, const ihg_data *data,
                                     gsl_vector *diag)
{
    (void)theta;
    ridge_work *w = m->work;
    size_t d = m->d;
    if (!ihg_model_data_ok("ridge", m->d, data)) {
        ihg_vector_fill_nan(diag);
        return;
    }
    size_t n = data->n;
    gsl_vector_set_zero(diag);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double x = gsl_matrix_get(data->X, i, j);
            *gsl_vector_ptr(diag, j) += x * x;
        }
    if (n > 0) {
        for (size_t j = 0; j < d; j++)
            *gsl_vector_ptr(diag, j) /= (double)n;
        gsl_vector_set(diag, d, 1.0);
    }
    ihg_decay_add_diagonal(&w->decay, lambda, diag);
}

static double ridge_val_loss(ihg_model *m, const gsl_vector *theta,
                             const gsl_vector *lambda, const ihg_data *data,
                             gsl_vector *grad_theta, gsl_vector *grad_lambda)
{
    (void)lambda;
    if (grad_lambda)
        gsl_vector_set_zero(grad_lambda);
    if (!ihg_model_data_ok("ridge", m->d, data)) {
        ihg_vector_fill_nan(grad_theta);
        return NAN;
    }
    return ridge_data_loss(m, theta, data, grad_theta);
}

static int ridge_segments(const ihg_model *m, ihg_hyper_layout *layout)
{
    return ihg_decay_segments(&((const ridge_work *)m->work)->decay, layout);
}

/* J u: lambda enters L_T only through the decay (decay.h) */
static void ridge_train_jvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                         const ihg_data *data, const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    ihg_decay_jvp(&((const ridge_work *)m->work)->decay, theta, lambda, u, out);
}

const ihg_model_type ihg_model_ridge_type = {
    .name = "ridge",
    .task = IHG_TASK_REGRESSION,
    .options = ihg_decay_option_table,
    .options_size = sizeof(ihg_decay_options),
    .hyper_segments = ridge_segments,
    .init = ridge_init,
    .free = ridge_free,
    .init_theta = ridge_init_theta,
    .init_lambda = ridge_init_lambda,
    .train_loss = ridge_train_loss,
    .train_hvp = ridge_train_hvp,
    .train_jtvp = ridge_train_jtvp,
    .train_jvp = ridge_train_jvp,
    .train_hessian = ridge_train_hessian,
    .train_hessian_diag = ridge_train_hessian_diag,
    .val_loss = ridge_val_loss,
    .accuracy = NULL,
    .solve_inner = NULL,
};

const ihg_model_type *const ihg_model_ridge = &ihg_model_ridge_type;
