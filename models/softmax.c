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
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "../src/error.h"
#include "decay.h"

#define SOFTMAX_MAX_CHUNK 4096

typedef struct {
    ihg_decay decay;
    size_t chunk;
    gsl_matrix *Z;    /* chunk x k: logits, then probabilities      */
    gsl_matrix *V;    /* chunk x k: directional logits, R           */
    gsl_matrix *XW;   /* chunk x d: diag(w) X (Hessian)             */
    gsl_vector *wv;   /* chunk: w^{ac}                              */
    gsl_matrix *Wbuf; /* k x d: copies when a vector is strided     */
    gsl_matrix *Ubuf; /* k x d                                      */
    gsl_matrix *Gbuf; /* k x d                                      */
} softmax_work;

static void softmax_free(ihg_model *m)
{
    softmax_work *w = m->work;
    if (!w)
        return;
    gsl_matrix *mats[] = {w->Z, w->V, w->XW, w->Wbuf, w->Ubuf, w->Gbuf};
    for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++)
        if (mats[i])
            gsl_matrix_free(mats[i]);
    if (w->wv)
        gsl_vector_free(w->wv);
    free(w);
    m->work = NULL;
}

static int softmax_init(ihg_model *m, const ihg_config *cfg,
                        const ihg_dataset *ds, size_t max_rows)
{
    (void)cfg;
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
        return ihg_error_set(IHG_ENOMEM,
                             "softmax: %zu classes x %zu features is too many "
                             "parameters", ds->k, ds->d);
    softmax_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (softmax model)");
    m->work = w;
    w->chunk = chunk;
    w->Z = gsl_matrix_alloc(chunk, ds->k);
    w->V = gsl_matrix_alloc(chunk, ds->k);
    w->XW = gsl_matrix_alloc(chunk, ds->d);
    w->wv = gsl_vector_alloc(chunk);
    w->Wbuf = gsl_matrix_alloc(ds->k, ds->d);
    w->Ubuf = gsl_matrix_alloc(ds->k, ds->d);
    w->Gbuf = gsl_matrix_alloc(ds->k, ds->d);
    if (!w->Z || !w->V || !w->XW || !w->wv || !w->Wbuf || !w->Ubuf ||
        !w->Gbuf) {
        softmax_free(m);
        return ihg_error_set(IHG_ENOMEM,
                             "out of memory (softmax workspace, %zu rows, "
                             "%zu classes, %zu features)", chunk, ds->k, ds->d);
    }
    ihg_decay_init(&w->decay, m->hyper);
    ihg_decay_add_range(&w->decay, 0, kd);
    m->d = ds->d;
    m->k = ds->k;
    m->P = P;
    m->Hn = ihg_decay_n_hyper(&w->decay);
    return IHG_OK;
}

static void softmax_init_theta(const ihg_model *m, gsl_vector *theta,
                               gsl_rng *rng)
{
    double sd = m->cfg->model.init_scale;
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
    gsl_vector_set_all(lambda, m->cfg->model.init_log_decay);
}

/* *out = the first k*d entries of v as a k x d matrix: a view when v is
 * contiguous, else a copy into buf.  Read only. */
static void weights_of(const gsl_vector *v, size_t k, size_t d,
                       gsl_matrix *buf, gsl_matrix *out)
{
    if (v->stride == 1) {
        gsl_matrix_const_view cv = gsl_matrix_const_view_array(v->data, k, d);
        *out = cv.matrix;
        return;
    }
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(buf, c, j, gsl_vector_get(v, c * d + j));
    *out = *buf;
}

/* A writable k x d view of the first k*d entries of v, or buf when v is
 * strided (then copy back with weights_store). */
static gsl_matrix_view weights_out(gsl_vector *v, size_t k, size_t d,
                                   gsl_matrix *buf)
{
    if (v->stride == 1)
        return gsl_matrix_view_array(v->data, k, d);
    return gsl_matrix_submatrix(buf, 0, 0, k, d);
}

static void weights_store(gsl_vector *v, const gsl_matrix *buf)
{
    if (v->stride == 1)
        return;
    for (size_t c = 0; c < buf->size1; c++)
        for (size_t j = 0; j < buf->size2; j++)
            gsl_vector_set(v, c * buf->size2 + j, gsl_matrix_get(buf, c, j));
}

/* Zb = X_b W^T + 1 b^T, b the k entries of v from offset k*d. */
static void block_logits(const gsl_matrix *Xb, const gsl_matrix *W,
                         const gsl_vector *v, size_t kd, gsl_matrix *Zb)
{
    size_t k = Zb->size2;
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, Xb, W, 0.0, Zb);
    for (size_t i = 0; i < Zb->size1; i++) {
        double *z = Zb->data + i * Zb->tda;
        for (size_t c = 0; c < k; c++)
            z[c] += gsl_vector_get(v, kd + c);
    }
}

/* The class of a label, or k when it is not an integer in 0..k-1. */
static size_t label_of(double y, size_t k)
{
    if (!(y >= 0.0) || y >= (double)k || y != floor(y))
        return k;
    return (size_t)y;
}

/* Overwrite the logits z (k) with probabilities; return lse. */
static double softmax_row(double *z, size_t k)
{
    double mx = z[0];
    for (size_t c = 1; c < k; c++)
        if (z[c] > mx)
            mx = z[c];
    double s = 0.0;
    for (size_t c = 0; c < k; c++) {
        z[c] = exp(z[c] - mx);
        s += z[c];
    }
    for (size_t c = 0; c < k; c++)
        z[c] /= s;
    return mx + log(s);
}

/* Mean cross-entropy; grad (if not NULL) overwritten with its gradient. */
static double softmax_data_loss(ihg_model *m, const gsl_vector *theta,
                                const ihg_data *data, gsl_vector *grad)
{
    softmax_work *w = m->work;
    size_t d = m->d, k = m->k, kd = k * d, n = data->n;
    if (grad)
        gsl_vector_set_zero(grad);
    if (n == 0)
        return 0.0;
    gsl_matrix W;
    weights_of(theta, k, d, w->Wbuf, &W);
    gsl_matrix_view GW;
    if (grad) {
        GW = weights_out(grad, k, d, w->Gbuf);
        gsl_matrix_set_zero(&GW.matrix);
    }
    double inv_n = 1.0 / (double)n, sl = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_matrix_view Zb = gsl_matrix_submatrix(w->Z, 0, 0, nb, k);
        block_logits(&Xb.matrix, &W, theta, kd, &Zb.matrix);
        for (size_t i = 0; i < nb; i++) {
            double *z = Zb.matrix.data + i * Zb.matrix.tda;
            size_t y = label_of(gsl_vector_get(data->y, i0 + i), k);
            double zy = y < k ? z[y] : NAN;
            sl += softmax_row(z, k) - zy;
            if (y < k)
                z[y] -= 1.0; /* row of P - Y */
            if (grad)
                for (size_t c = 0; c < k; c++)
                    *gsl_vector_ptr(grad, kd + c) += z[c] * inv_n;
        }
        if (grad)
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_n, &Zb.matrix,
                           &Xb.matrix, 1.0, &GW.matrix);
    }
    if (grad)
        weights_store(grad, &GW.matrix);
    return sl * inv_n;
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
    double loss = softmax_data_loss(m, theta, data, grad);
    if (grad)
        ihg_decay_add_grad(&w->decay, theta, lambda, grad);
    return loss + ihg_decay_loss(&w->decay, theta, lambda);
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
        gsl_matrix W;
        weights_of(theta, k, d, w->Wbuf, &W);
        gsl_matrix U;
        weights_of(u, k, d, w->Ubuf, &U);
        gsl_matrix_view HW = weights_out(Hu, k, d, w->Gbuf);
        gsl_matrix_set_zero(&HW.matrix);
        double inv_n = 1.0 / (double)n;
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb =
                gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
            gsl_matrix_view Zb = gsl_matrix_submatrix(w->Z, 0, 0, nb, k);
            gsl_matrix_view Vb = gsl_matrix_submatrix(w->V, 0, 0, nb, k);
            block_logits(&Xb.matrix, &W, theta, kd, &Zb.matrix);
            block_logits(&Xb.matrix, &U, u, kd, &Vb.matrix);
            for (size_t i = 0; i < nb; i++) {
                double *p = Zb.matrix.data + i * Zb.matrix.tda;
                double *v = Vb.matrix.data + i * Vb.matrix.tda;
                softmax_row(p, k);
                double pv = 0.0;
                for (size_t c = 0; c < k; c++)
                    pv += p[c] * v[c];
                for (size_t c = 0; c < k; c++) {
                    v[c] = p[c] * (v[c] - pv);
                    *gsl_vector_ptr(Hu, kd + c) += v[c] * inv_n;
                }
            }
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_n, &Vb.matrix,
                           &Xb.matrix, 1.0, &HW.matrix);
        }
        weights_store(Hu, &HW.matrix);
    }
    ihg_decay_add_hvp(&w->decay, lambda, u, Hu);
}

static void softmax_train_jtvp(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    softmax_work *w = m->work;
    ihg_decay_jtvp(&w->decay, theta, lambda, u, out);
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
        gsl_matrix W;
        weights_of(theta, k, d, w->Wbuf, &W);
        double inv_n = 1.0 / (double)n;
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb =
                gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
            gsl_matrix_view Zb = gsl_matrix_submatrix(w->Z, 0, 0, nb, k);
            gsl_matrix_view XWb = gsl_matrix_submatrix(w->XW, 0, 0, nb, d);
            gsl_vector_view wb = gsl_vector_subvector(w->wv, 0, nb);
            block_logits(&Xb.matrix, &W, theta, kd, &Zb.matrix);
            for (size_t i = 0; i < nb; i++)
                softmax_row(Zb.matrix.data + i * Zb.matrix.tda, k);
            /* The upper block triangle a <= c; mirrored below. */
            for (size_t a = 0; a < k; a++)
                for (size_t c = a; c < k; c++) {
                    double sw = 0.0;
                    for (size_t i = 0; i < nb; i++) {
                        const double *p = Zb.matrix.data + i * Zb.matrix.tda;
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
    ihg_decay_add_hessian(&w->decay, lambda, H);
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
    return softmax_data_loss(m, theta, data, grad_theta);
}

static double softmax_accuracy(ihg_model *m, const gsl_vector *theta,
                               const ihg_data *data)
{
    softmax_work *w = m->work;
    size_t d = m->d, k = m->k, kd = k * d;
    if (!ihg_model_data_ok("softmax", m->d, data))
        return NAN;
    size_t n = data->n, right = 0;
    if (n == 0)
        return 0.0;
    gsl_matrix W;
    weights_of(theta, k, d, w->Wbuf, &W);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_matrix_view Zb = gsl_matrix_submatrix(w->Z, 0, 0, nb, k);
        block_logits(&Xb.matrix, &W, theta, kd, &Zb.matrix);
        for (size_t i = 0; i < nb; i++) {
            const double *z = Zb.matrix.data + i * Zb.matrix.tda;
            size_t best = 0;
            for (size_t c = 1; c < k; c++)
                if (z[c] > z[best])
                    best = c;
            right += best == label_of(gsl_vector_get(data->y, i0 + i), k);
        }
    }
    return (double)right / (double)n;
}

const ihg_model_type ihg_model_softmax_type = {
    .name = "softmax",
    .task = IHG_TASK_MULTICLASS,
    .init = softmax_init,
    .free = softmax_free,
    .init_theta = softmax_init_theta,
    .init_lambda = softmax_init_lambda,
    .train_loss = softmax_train_loss,
    .train_hvp = softmax_train_hvp,
    .train_jtvp = softmax_train_jtvp,
    .train_hessian = softmax_train_hessian,
    .val_loss = softmax_val_loss,
    .accuracy = softmax_accuracy,
    .solve_inner = NULL,
};

const ihg_model_type *const ihg_model_softmax = &ihg_model_softmax_type;
