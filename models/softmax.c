/* softmax.c - multinomial logistic regression with L2 decay on W.
 *
 * k classes, d features; theta = [W (k x d, row-major: W_cj at c*d + j),
 * b (k, at k*d + c)], P = k (d + 1); labels y_i in {0..k-1} (doubles);
 * lambda = log decay of W (per-weight: Hn = k d, one per W_cj in theta
 * order; global: Hn = 1); e = exp(lambda) spread over W as in decay.h.
 *
 *   z_i        = W x_i + b                      (k logits, Z = X W^T + 1 b^T)
 *   p_i        = softmax(z_i),  lse_i = log sum_c exp(z_ic)
 *                (computed as m + log sum_c exp(z_ic - m), m = max_c z_ic)
 *   L_T        = 1/n sum_i (lse_i - z_{i,y_i}) + 1/2 sum_{c,j} e_cj W_cj^2
 *   G          = (P - Y) / n                    (n x k, Y one-hot)
 *   dL_T/dW    = G^T X + e .* W,       dL_T/db = G^T 1
 *   H u        (u = [U, u_b]):  V = X U^T + 1 u_b^T,
 *                R_ic = p_ic (v_ic - sum_a p_ia v_ia),
 *                (H u)_W = R^T X / n + e .* U,  (H u)_b = R^T 1 / n
 *   H          (train_hessian), with w^{ac}_i = p_ia (delta_ac - p_ic):
 *                H[W_a., W_c.] = X^T diag(w^{ac}) X / n  (+ diag(e) if a = c)
 *                H[W_a., b_c]  = X^T w^{ac} / n
 *                H[b_a,  b_c]  = 1^T w^{ac} / n
 *   (J^T u)_i  = sum_{(c,j): h(c,j) = i} e_cj W_cj u_cj
 *   L_V        = 1/m sum_val (lse_i - z_{i,y_i}) (no decay);
 *                dL_V/dtheta as above without decay;  dL_V/dlambda = 0
 *
 * H is only positive semidefinite in b: adding a constant to every b_c
 * changes nothing (H (0, 1_k) = 0).  accuracy: argmax_c z_ic (first on
 * ties).  A label that is not an integer in 0..k-1 makes the loss NaN.
 * Rows are processed in blocks of at most `chunk` rows (the workspace).
 * The cross-entropy pieces shared with distill.c and mlp.c (loss and
 * gradient on a data set, the softmax R-op, accuracy) are softmax_core.c.
 *
 * The probability cache.  theta does not change during a Neumann or CG
 * solve (K HVPs in a row), nor does P.  For the training set the model is
 * bound to (ds->train), the HVP keeps p_i for every row (n x k doubles,
 * allocated by init when n k <= SOFTMAX_CACHE_MAX) with its key: the data
 * pointer, n, X->data, X->tda and a copy of theta (compared bitwise, P
 * doubles; a theta changed in place misses).  A hit skips the product
 * X W^T (n k d) and the n k exp(): two passes over X instead of three.
 * P is computed by the same code with or without the cache, so H u is
 * bitwise the same either way; train_hessian reads the same cache.  Other
 * data sets (validation, minibatches refilled in place under one pointer,
 * a caller's own) are never cached.  The training set's contents are
 * assumed fixed for the model's life (the session loads it once; a
 * reset/reload makes a new model).
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "../src/error.h"
#include "decay.h"
#include "softmax_core.h"

#define SOFTMAX_MAX_CHUNK 4096
#define SOFTMAX_CACHE_MAX ((size_t)1 << 24) /* doubles (128 MB) */

typedef struct {
    ihg_decay decay;
    ihg_decay_cache ecache; /* exp(lambda)                         */
    ihg_sm_work sm;   /* Z (chunk x k: logits, then probabilities),
                         Wbuf, Gbuf (k x d: copies of strided vectors) */
    size_t chunk;
    gsl_matrix *V;    /* chunk x k: directional logits, R           */
    gsl_matrix *XW;   /* chunk x d: diag(w) X (Hessian)             */
    gsl_vector *wv;   /* chunk: w^{ac}                              */
    gsl_matrix *Ubuf; /* k x d                                      */
    /* The probability cache (NULL when not allocated) and its key. */
    gsl_matrix *pc;   /* n_train x k                                */
    gsl_vector *pc_theta; /* P                                      */
    ihg_cache_key pc_key;
} softmax_work;

static void softmax_free(ihg_model *m)
{
    softmax_work *w = m->work;
    if (!w)
        return;
    gsl_matrix *mats[] = {w->sm.Z, w->V, w->XW, w->sm.Wbuf, w->Ubuf,
                          w->sm.Gbuf, w->pc};
    for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++)
        if (mats[i])
            gsl_matrix_free(mats[i]);
    if (w->wv)
        gsl_vector_free(w->wv);
    if (w->pc_theta)
        gsl_vector_free(w->pc_theta);
    ihg_decay_cache_free(&w->ecache);
    free(w);
    m->work = NULL;
}

static int softmax_init(ihg_model *m, const ihg_config *cfg,
                        const ihg_dataset *ds, size_t max_rows)
{
    size_t kd, P, cells_d, cells_k;
    if (!ds || ds->d == 0)
        return ihg_error_set(IHG_EINVAL, "softmax: the data set has no features");
    if (ds->k < 2)
        return ihg_error_set(IHG_EINVAL,
                             "softmax: needs at least 2 classes (the data set "
                             "has %zu)", ds->k);
    size_t chunk = ihg_model_chunk_rows(ds, max_rows, SOFTMAX_MAX_CHUNK);
    if (!ihg_size_mul(ds->k, ds->d, &kd) || !ihg_size_add(kd, ds->k, &P) ||
        !ihg_size_mul(chunk, ds->d, &cells_d) ||
        !ihg_size_mul(chunk, ds->k, &cells_k))
        return ihg_error_set(IHG_ELIMIT,
                             "softmax: %zu classes x %zu features is too many "
                             "parameters", ds->k, ds->d);
    softmax_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (softmax model)");
    m->work = w;
    w->chunk = chunk;
    w->sm.k = ds->k;
    w->sm.d = ds->d;
    w->sm.chunk = chunk;
    w->sm.Z = gsl_matrix_alloc(chunk, ds->k);
    w->V = gsl_matrix_alloc(chunk, ds->k);
    w->XW = gsl_matrix_alloc(chunk, ds->d);
    w->wv = gsl_vector_alloc(chunk);
    w->sm.Wbuf = gsl_matrix_alloc(ds->k, ds->d);
    w->Ubuf = gsl_matrix_alloc(ds->k, ds->d);
    w->sm.Gbuf = gsl_matrix_alloc(ds->k, ds->d);
    size_t cells_p;
    int cache = ds->train && ds->train->n > 0 &&
                ihg_size_mul(ds->train->n, ds->k, &cells_p) &&
                cells_p <= SOFTMAX_CACHE_MAX;
    if (cache) {
        w->pc = gsl_matrix_alloc(ds->train->n, ds->k);
        w->pc_theta = gsl_vector_alloc(P);
    }
    if (!w->sm.Z || !w->V || !w->XW || !w->wv || !w->sm.Wbuf || !w->Ubuf ||
        !w->sm.Gbuf || (cache && (!w->pc || !w->pc_theta))) {
        softmax_free(m);
        return ihg_error_set(IHG_ENOMEM,
                             "out of memory (softmax workspace, %zu rows, "
                             "%zu classes, %zu features)", chunk, ds->k, ds->d);
    }
    m->hyper = ((const ihg_decay_options *)cfg->model.opts)->hyper;
    ihg_decay_init(&w->decay, m->hyper);
    ihg_decay_add_range(&w->decay, 0, kd);
    if (ihg_decay_cache_init(&w->ecache, &w->decay) != IHG_OK) {
        softmax_free(m);
        return IHG_ENOMEM;
    }
    m->d = ds->d;
    m->k = ds->k;
    m->P = P;
    m->Hn = ihg_decay_n_hyper(&w->decay);
    return IHG_OK;
}

static void softmax_init_theta(const ihg_model *m, gsl_vector *theta,
                               gsl_rng *rng)
{
    double sd = ((const ihg_decay_options *)m->cfg->model.opts)->init_scale;
    size_t kd = m->k * m->d;
    for (size_t j = 0; j < kd; j++)
        gsl_vector_set(theta, j, sd > 0 ? gsl_ran_gaussian(rng, sd) : 0.0);
    for (size_t c = 0; c < m->k; c++)
        gsl_vector_set(theta, kd + c, 0.0);
}

static void softmax_init_lambda(const ihg_model *m, gsl_vector *lambda,
                                gsl_rng *rng)
{
    (void)rng;
    gsl_vector_set_all(lambda, ((const ihg_decay_options *)m->cfg->model.opts)
                                   ->init_log_decay);
}

/* Zb = X_b W^T + 1 b^T, b the k entries of v from offset kd, then each
 * row overwritten with its probabilities. */
static void block_probs(const gsl_matrix *Xb, const gsl_matrix *W,
                        const gsl_vector *v, size_t kd, gsl_matrix *Zb)
{
    ihg_sm_logits(Xb, W, v, kd, Zb);
    for (size_t i = 0; i < Zb->size1; i++)
        ihg_sm_row(Zb->data + i * Zb->tda, Zb->size2);
}

/* p_i for every row of data at theta (n x k) from the cache (filled on a
 * miss), or NULL when data is not cached (see the file comment).  n > 0. */
static const gsl_matrix *probs(ihg_model *m, const gsl_vector *theta,
                               const gsl_matrix *W, const ihg_data *data)
{
    softmax_work *w = m->work;
    size_t d = m->d, k = m->k, n = data->n;
    if (!w->pc || !m->ds || data != m->ds->train || n > w->pc->size1)
        return NULL;
    if (ihg_cache_key_matches(&w->pc_key, data) &&
        ihg_vector_same_bits(w->pc_theta, theta))
        return w->pc;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_matrix_view Pb = gsl_matrix_submatrix(w->pc, i0, 0, nb, k);
        block_probs(&Xb.matrix, W, theta, k * d, &Pb.matrix);
    }
    gsl_vector_memcpy(w->pc_theta, theta);
    ihg_cache_key_set(&w->pc_key, data);
    return w->pc;
}

/* The probabilities of rows [i0, i0 + nb): rows of the cache pc, or
 * computed into the workspace. */
static gsl_matrix block_p(softmax_work *w, const gsl_matrix *pc, size_t i0,
                          size_t nb, const gsl_matrix *Xb, const gsl_matrix *W,
                          const gsl_vector *theta, size_t kd)
{
    size_t k = w->sm.k;
    if (pc) {
        gsl_matrix_const_view Pb =
            gsl_matrix_const_submatrix(pc, i0, 0, nb, k);
        return Pb.matrix;
    }
    gsl_matrix_view Zb = gsl_matrix_submatrix(w->sm.Z, 0, 0, nb, k);
    block_probs(Xb, W, theta, kd, &Zb.matrix);
    return Zb.matrix;
}

static double softmax_train_loss(ihg_model *m, const gsl_vector *theta,
                                 const gsl_vector *lambda,
                                 const ihg_data *data, gsl_vector *grad)
{
    softmax_work *w = m->work;
    if (!ihg_model_data_ok("softmax", m->d, data)) {
        ihg_vector_fill_nan(grad);
        return NAN;
    }
    double loss = ihg_sm_data_loss(&w->sm, theta, data, grad);
    const double *e = ihg_decay_factors(&w->ecache, lambda);
    if (grad)
        ihg_decay_add_hvp_e(&w->decay, e, theta, grad);
    return loss + ihg_decay_loss_e(&w->decay, e, theta);
}

static void softmax_train_hvp(ihg_model *m, const gsl_vector *theta,
                              const gsl_vector *lambda, const ihg_data *data,
                              const gsl_vector *u, gsl_vector *Hu)
{
    softmax_work *w = m->work;
    size_t d = m->d, k = m->k, kd = k * d;
    if (!ihg_model_data_ok("softmax", m->d, data)) {
        ihg_vector_fill_nan(Hu);
        return;
    }
    size_t n = data->n;
    gsl_vector_set_zero(Hu);
    if (n > 0) {
        gsl_matrix W = ihg_sm_weights(theta, k, d, w->sm.Wbuf);
        gsl_matrix U = ihg_sm_weights(u, k, d, w->Ubuf);
        gsl_matrix_view HW = ihg_sm_weights_out(Hu, k, d, w->sm.Gbuf);
        gsl_matrix_set_zero(&HW.matrix);
        double inv_n = 1.0 / (double)n;
        const gsl_matrix *pc = probs(m, theta, &W, data);
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb =
                gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
            gsl_matrix_view Vb = gsl_matrix_submatrix(w->V, 0, 0, nb, k);
            gsl_matrix Pb = block_p(w, pc, i0, nb, &Xb.matrix, &W, theta, kd);
            ihg_sm_logits(&Xb.matrix, &U, u, kd, &Vb.matrix);
            for (size_t i = 0; i < nb; i++) {
                const double *p = Pb.data + i * Pb.tda;
                double *v = Vb.matrix.data + i * Vb.matrix.tda;
                ihg_sm_rop_row(p, v, v, k, 1.0);
                for (size_t c = 0; c < k; c++)
                    *gsl_vector_ptr(Hu, kd + c) += v[c] * inv_n;
            }
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_n, &Vb.matrix,
                           &Xb.matrix, 1.0, &HW.matrix);
        }
        ihg_sm_weights_store(Hu, &HW.matrix);
    }
    ihg_decay_add_hvp_e(&w->decay, ihg_decay_factors(&w->ecache, lambda), u,
                        Hu);
}

static void softmax_train_jtvp(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    softmax_work *w = m->work;
    ihg_decay_jtvp_e(&w->decay, ihg_decay_factors(&w->ecache, lambda), theta,
                     u, out);
}

static void softmax_train_hessian(ihg_model *m, const gsl_vector *theta,
                                  const gsl_vector *lambda,
                                  const ihg_data *data, gsl_matrix *H)
{
    softmax_work *w = m->work;
    size_t d = m->d, k = m->k, kd = k * d;
    if (H->size1 != m->P || H->size2 != m->P) {
        ihg_error_set(IHG_EINTERNAL, "softmax: Hessian matrix is not %zux%zu",
                      m->P, m->P);
        gsl_matrix_set_all(H, NAN);
        return;
    }
    if (!ihg_model_data_ok("softmax", m->d, data)) {
        gsl_matrix_set_all(H, NAN);
        return;
    }
    size_t n = data->n;
    gsl_matrix_set_zero(H);
    if (n > 0) {
        gsl_matrix W = ihg_sm_weights(theta, k, d, w->sm.Wbuf);
        double inv_n = 1.0 / (double)n;
        const gsl_matrix *pc = probs(m, theta, &W, data);
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb =
                gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
            gsl_matrix_view XWb = gsl_matrix_submatrix(w->XW, 0, 0, nb, d);
            gsl_vector_view wb = gsl_vector_subvector(w->wv, 0, nb);
            gsl_matrix Pb = block_p(w, pc, i0, nb, &Xb.matrix, &W, theta, kd);
            /* The upper block triangle a <= c; mirrored below. */
            for (size_t a = 0; a < k; a++)
                for (size_t c = a; c < k; c++) {
                    double sw = 0.0;
                    for (size_t i = 0; i < nb; i++) {
                        const double *p = Pb.data + i * Pb.tda;
                        double wi = p[a] * ((a == c ? 1.0 : 0.0) - p[c]);
                        wb.vector.data[i] = wi;
                        sw += wi;
                        const double *x = Xb.matrix.data + i * Xb.matrix.tda;
                        double *xw = XWb.matrix.data + i * XWb.matrix.tda;
                        for (size_t j = 0; j < d; j++)
                            xw[j] = wi * x[j];
                    }
                    gsl_matrix_view Hac =
                        gsl_matrix_submatrix(H, a * d, c * d, d, d);
                    gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_n,
                                   &Xb.matrix, &XWb.matrix, 1.0,
                                   &Hac.matrix);
                    gsl_vector_view hab =
                        gsl_matrix_subcolumn(H, kd + c, a * d, d);
                    gsl_blas_dgemv(CblasTrans, inv_n, &Xb.matrix, &wb.vector,
                                   1.0, &hab.vector);
                    if (a != c) {
                        gsl_vector_view hcb =
                            gsl_matrix_subcolumn(H, kd + a, c * d, d);
                        gsl_blas_dgemv(CblasTrans, inv_n, &Xb.matrix,
                                       &wb.vector, 1.0, &hcb.vector);
                    }
                    *gsl_matrix_ptr(H, kd + a, kd + c) += sw * inv_n;
                }
        }
        /* Every entry above the diagonal is set: mirror it. */
        size_t P = m->P;
        for (size_t i = 1; i < P; i++)
            for (size_t j = 0; j < i; j++)
                H->data[i * H->tda + j] = H->data[j * H->tda + i];
    }
    ihg_decay_add_hessian_e(&w->decay, ihg_decay_factors(&w->ecache, lambda),
                            H);
}

static double softmax_val_loss(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               gsl_vector *grad_theta, gsl_vector *grad_lambda)
{
    (void)lambda;
    if (grad_lambda)
        gsl_vector_set_zero(grad_lambda);
    if (!ihg_model_data_ok("softmax", m->d, data)) {
        ihg_vector_fill_nan(grad_theta);
        return NAN;
    }
    softmax_work *w = m->work;
    return ihg_sm_data_loss(&w->sm, theta, data, grad_theta);
}

static double softmax_accuracy(ihg_model *m, const gsl_vector *theta,
                               const ihg_data *data)
{
    softmax_work *w = m->work;
    if (!ihg_model_data_ok("softmax", m->d, data))
        return NAN;
    return ihg_sm_accuracy(&w->sm, theta, data);
}

static int softmax_segments(const ihg_model *m, ihg_hyper_layout *layout)
{
    return ihg_decay_segments(&((const softmax_work *)m->work)->decay, layout);
}

/* J u: lambda enters L_T only through the decay (decay.h) */
static void softmax_train_jvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                         const ihg_data *data, const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    ihg_decay_jvp(&((const softmax_work *)m->work)->decay, theta, lambda, u, out);
}

const ihg_model_type ihg_model_softmax_type = {
    .name = "softmax",
    .task = IHG_TASK_MULTICLASS,
    .options = ihg_decay_option_table,
    .options_size = sizeof(ihg_decay_options),
    .hyper_segments = softmax_segments,
    .init = softmax_init,
    .free = softmax_free,
    .init_theta = softmax_init_theta,
    .init_lambda = softmax_init_lambda,
    .train_loss = softmax_train_loss,
    .train_hvp = softmax_train_hvp,
    .train_jtvp = softmax_train_jtvp,
    .train_jvp = softmax_train_jvp,
    .train_hessian = softmax_train_hessian,
    .val_loss = softmax_val_loss,
    .accuracy = softmax_accuracy,
    .solve_inner = NULL,
    .null_space = ihg_sm_null_space, /* H singular along the bias shift */
};

const ihg_model_type *const ihg_model_softmax = &ihg_model_softmax_type;
