/* logistic.c - binary logistic regression with L2 decay on the weights.
 *
 * theta = [w (d), b], P = d + 1; labels y_i in {0, 1}; lambda = log decay
 * of w (per-weight: Hn = d, e_j = exp(lambda_j); global: Hn = 1).  With
 * z_i = x_i . w + b,  s_i = 2 y_i - 1,  a_i = -s_i z_i,  sigma the logistic
 * function and softplus(a) = log(1 + exp(a)):
 *
 *   l_i        = softplus(a_i) = log(1 + exp(-(2 y_i - 1) z_i))
 *   dl_i/dz    = g_i = -s_i sigma(a_i)            (= sigma(z_i) - y_i)
 *   d2l_i/dz2  = h_i = s_i^2 sigma(a_i) (1 - sigma(a_i))
 *                                                 (= sigma(z_i)(1 - sigma(z_i)))
 *   L_T        = 1/n sum_i l_i + 1/2 sum_j e_j w_j^2
 *   dL_T/dw    = X^T g / n + e .* w,     dL_T/db = 1^T g / n
 *   H          = [ X^T diag(h) X / n + diag(e)   X^T h / n ]  (train_hessian;
 *                                   its diagonal: train_hessian_diag)
 *                [ h^T X / n                     1^T h / n ]
 *   H u        = [ X^T (h .* q) / n + e .* u_w ; 1^T (h .* q) / n ],
 *                q = X u_w + u_b 1
 *   (J^T u)_i  = sum_{j: h(j) = i} e_j w_j u_j
 *   L_V        = 1/m sum_val l_i (no decay);  dL_V/dw = X^T g / m,
 *                dL_V/db = 1^T g / m,  dL_V/dlambda = 0
 *
 * Numerically stable forms (no overflow for any finite z):
 *   softplus(a) = max(a, 0) + log1p(exp(-|a|))
 *   sigma(a)    = 1 / (1 + exp(-a)) for a >= 0, exp(a) / (1 + exp(a)) else
 *   sigma (1 - sigma) = exp(-|a|) / (1 + exp(-|a|))^2
 *
 * accuracy: predict class 1 iff z > 0.
 * Rows are processed in blocks of at most `chunk` rows (the workspace).
 *
 * The curvature cache.  theta does not change during a Neumann or CG solve
 * (K HVPs in a row), nor does h.  For the training set the model is bound
 * to (ds->train) the HVP keeps h_i for every row (n doubles, allocated by
 * init when n <= LOGISTIC_CACHE_MAX_ROWS) with its key: the data pointer,
 * n, X->data, X->tda and a copy of theta (compared bitwise, P doubles; a
 * theta changed in place misses).  A hit skips the pass X w over the data
 * and the n exp(): the HVP is two passes over X instead of three.  h is
 * computed by the same code with or without the cache, so H u is bitwise
 * the same either way; train_hessian reads the same cache.  Other data
 * sets (validation, minibatches refilled in place under one pointer, a
 * caller's own) are never cached.  As in ridge.c the training set's
 * contents are assumed fixed for the model's life (the session loads it
 * once; a reset/reload makes a new model).
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "../src/error.h"
#include "decay.h"

#define LOGISTIC_MAX_CHUNK 4096
#define LOGISTIC_CACHE_MAX_ROWS ((size_t)1 << 24)

typedef struct {
    ihg_decay decay;
    ihg_decay_cache ecache; /* exp(lambda)                   */
    size_t chunk;
    gsl_vector *z;  /* chunk: logits                          */
    gsl_vector *q;  /* chunk: directional logits / weights    */
    gsl_matrix *Xs; /* chunk x d: rows scaled by sqrt(h_i)    */
    /* The curvature cache (NULL when not allocated) and its key. */
    gsl_vector *hc;     /* n_train: h_i                       */
    gsl_vector *hc_theta; /* P: the theta of hc               */
    ihg_cache_key hc_key;
} logistic_work;

static void logistic_free(ihg_model *m)
{
    logistic_work *w = m->work;
    if (!w)
        return;
    if (w->z)
        gsl_vector_free(w->z);
    if (w->q)
        gsl_vector_free(w->q);
    if (w->Xs)
        gsl_matrix_free(w->Xs);
    if (w->hc)
        gsl_vector_free(w->hc);
    if (w->hc_theta)
        gsl_vector_free(w->hc_theta);
    ihg_decay_cache_free(&w->ecache);
    free(w);
    m->work = NULL;
}

static int logistic_init(ihg_model *m, const ihg_config *cfg,
                         const ihg_dataset *ds, size_t max_rows)
{
    size_t P, cells;
    if (!ds || ds->d == 0)
        return ihg_error_set(IHG_EINVAL,
                             "logistic: the data set has no features");
    if (ds->task != IHG_TASK_BINARY && ds->k != 2)
        return ihg_error_set(IHG_EINVAL,
                             "logistic: needs binary labels 0/1 (the data set "
                             "has %zu classes)", ds->k);
    size_t chunk = ihg_model_chunk_rows(ds, max_rows, LOGISTIC_MAX_CHUNK);
    if (!ihg_size_add(ds->d, 1, &P) || !ihg_size_mul(chunk, ds->d, &cells))
        return ihg_error_set(IHG_ELIMIT,
                             "logistic: %zu features is too many parameters",
                             ds->d);
    logistic_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (logistic model)");
    m->work = w;
    w->chunk = chunk;
    w->z = gsl_vector_alloc(chunk);
    w->q = gsl_vector_alloc(chunk);
    w->Xs = gsl_matrix_alloc(chunk, ds->d);
    if (!w->z || !w->q || !w->Xs) {
        logistic_free(m);
        return ihg_error_set(IHG_ENOMEM,
                             "out of memory (logistic workspace, %zu x %zu)",
                             chunk, ds->d);
    }
    if (ds->train && ds->train->n > 0 &&
        ds->train->n <= LOGISTIC_CACHE_MAX_ROWS) {
        w->hc = gsl_vector_alloc(ds->train->n);
        w->hc_theta = gsl_vector_alloc(P);
        if (!w->hc || !w->hc_theta) {
            logistic_free(m);
            return ihg_error_set(IHG_ENOMEM,
                                 "out of memory (logistic curvature cache, "
                                 "%zu rows)", ds->train->n);
        }
    }
    m->hyper = ((const ihg_decay_options *)cfg->model.opts)->hyper;
    ihg_decay_init(&w->decay, m->hyper);
    ihg_decay_add_range(&w->decay, 0, ds->d);
    if (ihg_decay_cache_init(&w->ecache, &w->decay) != IHG_OK) {
        logistic_free(m);
        return IHG_ENOMEM;
    }
    m->d = ds->d;
    m->k = 2;
    m->P = P;
    m->Hn = ihg_decay_n_hyper(&w->decay);
    return IHG_OK;
}

static void logistic_init_theta(const ihg_model *m, gsl_vector *theta,
                                gsl_rng *rng)
{
    double sd = ((const ihg_decay_options *)m->cfg->model.opts)->init_scale;
    for (size_t j = 0; j < m->d; j++)
        gsl_vector_set(theta, j, sd > 0 ? gsl_ran_gaussian(rng, sd) : 0.0);
    gsl_vector_set(theta, m->d, 0.0);
}

static void logistic_init_lambda(const ihg_model *m, gsl_vector *lambda,
                                 gsl_rng *rng)
{
    (void)rng;
    gsl_vector_set_all(lambda, ((const ihg_decay_options *)m->cfg->model.opts)
                                   ->init_log_decay);
}

static double softplus(double a)
{
    return (a > 0.0 ? a : 0.0) + log1p(exp(-fabs(a)));
}

static double sigmoid(double a)
{
    if (a >= 0.0)
        return 1.0 / (1.0 + exp(-a));
    double e = exp(a);
    return e / (1.0 + e);
}

/* sigma(a) (1 - sigma(a)), even in a. */
static double sigmoid_curv(double a)
{
    double e = exp(-fabs(a));
    double t = 1.0 + e;
    return e / (t * t);
}

/* zb = X_b w + b for one block. */
static void block_logits(const gsl_matrix *Xb, const gsl_vector *wv, double b,
                         gsl_vector *zb)
{
    gsl_blas_dgemv(CblasNoTrans, 1.0, Xb, wv, 0.0, zb);
    for (size_t i = 0; i < zb->size; i++)
        zb->data[i] += b;
}

/* Mean log-loss on data; grad (if not NULL) overwritten with its gradient. */
static double logistic_data_loss(ihg_model *m, const gsl_vector *theta,
                                 const ihg_data *data, gsl_vector *grad)
{
    logistic_work *w = m->work;
    size_t d = m->d, n = data->n;
    if (grad)
        gsl_vector_set_zero(grad);
    if (n == 0)
        return 0.0;
    gsl_vector_const_view wv = gsl_vector_const_subvector(theta, 0, d);
    double b = gsl_vector_get(theta, d), inv_n = 1.0 / (double)n;
    double sl = 0.0, sg = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_vector_view zb = gsl_vector_subvector(w->z, 0, nb);
        block_logits(&Xb.matrix, &wv.vector, b, &zb.vector);
        double *z = zb.vector.data;
        for (size_t i = 0; i < nb; i++) {
            double s = 2.0 * gsl_vector_get(data->y, i0 + i) - 1.0;
            double a = -s * z[i];
            sl += softplus(a);
            z[i] = -s * sigmoid(a); /* g_i */
            sg += z[i];
        }
        if (grad) {
            gsl_vector_view gw = gsl_vector_subvector(grad, 0, d);
            gsl_blas_dgemv(CblasTrans, inv_n, &Xb.matrix, &zb.vector, 1.0,
                           &gw.vector);
        }
    }
    if (grad)
        gsl_vector_set(grad, d, sg * inv_n);
    return sl * inv_n;
}

static double logistic_train_loss(ihg_model *m, const gsl_vector *theta,
                                  const gsl_vector *lambda,
                                  const ihg_data *data, gsl_vector *grad)
{
    logistic_work *w = m->work;
    if (!ihg_model_data_ok("logistic", m->d, data)) {
        ihg_vector_fill_nan(grad);
        return NAN;
    }
    double loss = logistic_data_loss(m, theta, data, grad);
    const double *e = ihg_decay_factors(&w->ecache, lambda);
    if (grad)
        ihg_decay_add_hvp_e(&w->decay, e, theta, grad);
    return loss + ihg_decay_loss_e(&w->decay, e, theta);
}

/* h_i for the rows of one block, from the logits zb (in place). */
static void block_curvature(const ihg_data *data, size_t i0, gsl_vector *zb)
{
    for (size_t i = 0; i < zb->size; i++) {
        double s = 2.0 * gsl_vector_get(data->y, i0 + i) - 1.0;
        zb->data[i] = s * s * sigmoid_curv(-s * zb->data[i]);
    }
}

/* h_i for every row of data at theta from the cache (filled on a miss), or
 * NULL when data is not cached (see the file comment).  n > 0. */
static const double *curvature(ihg_model *m, const gsl_vector *theta,
                               const ihg_data *data)
{
    logistic_work *w = m->work;
    size_t d = m->d, n = data->n;
    if (!w->hc || !m->ds || data != m->ds->train || n > w->hc->size)
        return NULL;
    if (ihg_cache_key_matches(&w->hc_key, data) &&
        ihg_vector_same_bits(w->hc_theta, theta))
        return w->hc->data;
    gsl_vector_const_view wv = gsl_vector_const_subvector(theta, 0, d);
    double b = gsl_vector_get(theta, d);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_vector_view hb = gsl_vector_subvector(w->hc, i0, nb);
        block_logits(&Xb.matrix, &wv.vector, b, &hb.vector);
        block_curvature(data, i0, &hb.vector);
    }
    gsl_vector_memcpy(w->hc_theta, theta);
    ihg_cache_key_set(&w->hc_key, data);
    return w->hc->data;
}

/* h for the rows [i0, i0 + nb) in zb: from the cache hc when not NULL,
 * else computed. */
static void block_h(const double *hc, const ihg_data *data, size_t i0,
                    const gsl_matrix *Xb, const gsl_vector *wv, double b,
                    gsl_vector *zb)
{
    if (hc) {
        for (size_t i = 0; i < zb->size; i++)
            zb->data[i] = hc[i0 + i];
        return;
    }
    block_logits(Xb, wv, b, zb);
    block_curvature(data, i0, zb);
}

static void logistic_train_hvp(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               const gsl_vector *u, gsl_vector *Hu)
{
    logistic_work *w = m->work;
    size_t d = m->d;
    if (!ihg_model_data_ok("logistic", m->d, data)) {
        ihg_vector_fill_nan(Hu);
        return;
    }
    size_t n = data->n;
    gsl_vector_set_zero(Hu);
    if (n > 0) {
        gsl_vector_const_view wv = gsl_vector_const_subvector(theta, 0, d);
        gsl_vector_const_view uw = gsl_vector_const_subvector(u, 0, d);
        gsl_vector_view hw = gsl_vector_subvector(Hu, 0, d);
        double b = gsl_vector_get(theta, d), ub = gsl_vector_get(u, d);
        double inv_n = 1.0 / (double)n, sq = 0.0;
        const double *hc = curvature(m, theta, data);
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb =
                gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
            gsl_vector_view qb = gsl_vector_subvector(w->q, 0, nb);
            const double *h = hc ? hc + i0 : w->z->data;
            if (!hc) {
                gsl_vector_view zb = gsl_vector_subvector(w->z, 0, nb);
                block_h(NULL, data, i0, &Xb.matrix, &wv.vector, b,
                        &zb.vector);
            }
            block_logits(&Xb.matrix, &uw.vector, ub, &qb.vector);
            for (size_t i = 0; i < nb; i++) {
                qb.vector.data[i] *= h[i];
                sq += qb.vector.data[i];
            }
            gsl_blas_dgemv(CblasTrans, inv_n, &Xb.matrix, &qb.vector, 1.0,
                           &hw.vector);
        }
        gsl_vector_set(Hu, d, sq * inv_n);
    }
    ihg_decay_add_hvp_e(&w->decay, ihg_decay_factors(&w->ecache, lambda), u,
                        Hu);
}

static void logistic_train_jtvp(ihg_model *m, const gsl_vector *theta,
                                const gsl_vector *lambda,
                                const ihg_data *data, const gsl_vector *u,
                                gsl_vector *out)
{
    (void)data;
    logistic_work *w = m->work;
    ihg_decay_jtvp_e(&w->decay, ihg_decay_factors(&w->ecache, lambda), theta,
                     u, out);
}

static void logistic_train_hessian(ihg_model *m, const gsl_vector *theta,
                                   const gsl_vector *lambda,
                                   const ihg_data *data, gsl_matrix *H)
{
    logistic_work *w = m->work;
    size_t d = m->d;
    if (H->size1 != m->P || H->size2 != m->P) {
        ihg_error_set(IHG_EINTERNAL,
                      "logistic: Hessian matrix is not %zux%zu", m->P, m->P);
        gsl_matrix_set_all(H, NAN);
        return;
    }
    if (!ihg_model_data_ok("logistic", m->d, data)) {
        gsl_matrix_set_all(H, NAN);
        return;
    }
    size_t n = data->n;
    gsl_matrix_set_zero(H);
    if (n > 0) {
        gsl_vector_const_view wv = gsl_vector_const_subvector(theta, 0, d);
        double b = gsl_vector_get(theta, d), inv_n = 1.0 / (double)n;
        double sh = 0.0;
        gsl_matrix_view Hww = gsl_matrix_submatrix(H, 0, 0, d, d);
        gsl_vector_view hwb = gsl_matrix_subcolumn(H, d, 0, d);
        const double *hc = curvature(m, theta, data);
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb =
                gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
            gsl_matrix_view Xs = gsl_matrix_submatrix(w->Xs, 0, 0, nb, d);
            gsl_vector_view zb = gsl_vector_subvector(w->z, 0, nb);
            block_h(hc, data, i0, &Xb.matrix, &wv.vector, b, &zb.vector);
            gsl_matrix_memcpy(&Xs.matrix, &Xb.matrix);
            for (size_t i = 0; i < nb; i++) {
                double h = zb.vector.data[i];
                sh += h;
                gsl_vector_view row = gsl_matrix_row(&Xs.matrix, i);
                gsl_vector_scale(&row.vector, sqrt(h));
            }
            /* H_ww += Xs^T Xs / n = X^T diag(h) X / n (dgemm: see
             * ridge.c) */
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_n, &Xs.matrix,
                           &Xs.matrix, 1.0, &Hww.matrix);
            gsl_blas_dgemv(CblasTrans, inv_n, &Xb.matrix, &zb.vector, 1.0,
                           &hwb.vector);
        }
        gsl_matrix_set(H, d, d, sh * inv_n);
        for (size_t i = 1; i <= d; i++)
            for (size_t j = 0; j < i; j++)
                gsl_matrix_set(H, i, j, gsl_matrix_get(H, j, i));
    }
    ihg_decay_add_hessian_e(&w->decay, ihg_decay_factors(&w->ecache, lambda),
                            H);
}

/* diag(H) = [sum_i h_i x_ij^2 / n + e_j ; sum_i h_i / n] (Jacobi
 * preconditioning), h from the same code (and cache) as the HVP */
static void logistic_train_hessian_diag(ihg_model *m, const gsl_vector *theta,
                                        const gsl_vector *lambda, const ihg_data *data,
                                        gsl_vector *diag)
{
    logistic_work *w = m->work;
    size_t d = m->d;
    if (!ihg_model_data_ok("logistic", m->d, data)) {
        ihg_vector_fill_nan(diag);
        return;
    }
    size_t n = data->n;
    gsl_vector_set_zero(diag);
    if (n > 0) {
        gsl_vector_const_view wv = gsl_vector_const_subvector(theta, 0, d);
        double b = gsl_vector_get(theta, d), inv_n = 1.0 / (double)n, sh = 0.0;
        const double *hc = curvature(m, theta, data);
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb = gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
            gsl_vector_view zb = gsl_vector_subvector(w->z, 0, nb);
            block_h(hc, data, i0, &Xb.matrix, &wv.vector, b, &zb.vector);
            for (size_t i = 0; i < nb; i++) {
                double h = zb.vector.data[i];
                sh += h;
                for (size_t j = 0; j < d; j++) {
                    double x = gsl_matrix_get(&Xb.matrix, i, j);
                    *gsl_vector_ptr(diag, j) += h * x * x;
                }
            }
        }
        for (size_t j = 0; j < d; j++)
            *gsl_vector_ptr(diag, j) *= inv_n;
        gsl_vector_set(diag, d, sh * inv_n);
    }
    ihg_decay_add_diagonal(&w->decay, lambda, diag);
}

static double logistic_val_loss(ihg_model *m, const gsl_vector *theta,
                                const gsl_vector *lambda,
                                const ihg_data *data, gsl_vector *grad_theta,
                                gsl_vector *grad_lambda)
{
    (void)lambda;
    if (grad_lambda)
        gsl_vector_set_zero(grad_lambda);
    if (!ihg_model_data_ok("logistic", m->d, data)) {
        ihg_vector_fill_nan(grad_theta);
        return NAN;
    }
    return logistic_data_loss(m, theta, data, grad_theta);
}

static double logistic_accuracy(ihg_model *m, const gsl_vector *theta,
                                const ihg_data *data)
{
    logistic_work *w = m->work;
    size_t d = m->d;
    if (!ihg_model_data_ok("logistic", m->d, data))
        return NAN;
    size_t n = data->n, right = 0;
    if (n == 0)
        return 0.0;
    gsl_vector_const_view wv = gsl_vector_const_subvector(theta, 0, d);
    double b = gsl_vector_get(theta, d);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_vector_view zb = gsl_vector_subvector(w->z, 0, nb);
        block_logits(&Xb.matrix, &wv.vector, b, &zb.vector);
        for (size_t i = 0; i < nb; i++) {
            int predict = zb.vector.data[i] > 0.0;
            int truth = gsl_vector_get(data->y, i0 + i) > 0.5;
            right += predict == truth;
        }
    }
    return (double)right / (double)n;
}

static int logistic_segments(const ihg_model *m, ihg_hyper_layout *layout)
{
    return ihg_decay_segments(&((const logistic_work *)m->work)->decay, layout);
}

/* J u: lambda enters L_T only through the decay (decay.h) */
static void logistic_train_jvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                         const ihg_data *data, const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    ihg_decay_jvp(&((const logistic_work *)m->work)->decay, theta, lambda, u, out);
}

const ihg_model_type ihg_model_logistic_type = {
    .name = "logistic",
    .task = IHG_TASK_BINARY,
    .options = ihg_decay_option_table,
    .options_size = sizeof(ihg_decay_options),
    .hyper_segments = logistic_segments,
    .init = logistic_init,
    .free = logistic_free,
    .init_theta = logistic_init_theta,
    .init_lambda = logistic_init_lambda,
    .train_loss = logistic_train_loss,
    .train_hvp = logistic_train_hvp,
    .train_jtvp = logistic_train_jtvp,
    .train_jvp = logistic_train_jvp,
    .train_hessian = logistic_train_hessian,
    .train_hessian_diag = logistic_train_hessian_diag,
    .val_loss = logistic_val_loss,
    .accuracy = logistic_accuracy,
    .solve_inner = NULL,
};

const ihg_model_type *const ihg_model_logistic = &ihg_model_logistic_type;
