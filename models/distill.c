/* distill.c - dataset distillation: the hyperparameters are the training
 * set (Lorraine, Vicol & Duvenaud 2020, §5.3, after Wang et al. 2018,
 * "Dataset Distillation").
 *
 * k classes, d pixels.  lambda (Hn = k d) holds one synthetic image per
 * class, row-major as a k x d matrix Xs (image c at lambda[c d .. c d + d)),
 * with the fixed label c.  The model is softmax regression,
 * theta = [W (k x d, row-major), b (k)], P = k (d + 1), trained on the k
 * synthetic images with a fixed decay e = exp(model.distill_log_decay):
 *
 *   Z          = Xs W^T + 1 b^T                 (k x k: row c = logits of image c)
 *   P          = row softmax of Z,  G = (P - I) / k
 *   L_T        = 1/k sum_c (lse(z_c) - z_cc) + 1/2 e ||W||^2
 *   dL_T/dW    = G^T Xs + e W,   dL_T/db = G^T 1
 *   H u        (u = [U, u_b]):  V = Xs U^T + 1 u_b^T,
 *                R_c = p_c .* (v_c - p_c . v_c),
 *                (H u)_W = R^T Xs / k + e U,  (H u)_b = R^T 1 / k
 *   J^T u      J = d2 L_T / dtheta dlambda.  With
 *                f(Xs) = <dL_T/dtheta, u> = 1/k sum_c (p_c - e_c) . v_c + e <W, U>,
 *                df/dx_c = 1/k [U^T (p_c - e_c) + W^T (dp_c/dz_c)^T v_c],
 *                dp_c/dz_c = diag(p_c) - p_c p_c^T, so (dp_c/dz_c) v_c = r_c:
 *                J^T u = (P - I) U / k + R W / k   (k x d, as lambda)
 *                (two k x k times k x d products; the decay does not
 *                depend on lambda and contributes nothing).
 *   L_V        = mean cross-entropy of [W, b] on real validation images
 *                (the `data` argument), no decay;
 *                dL_V/dtheta as for softmax;  dL_V/dlambda = 0 (L_V sees the
 *                pixels only through theta).
 *
 * The `data` passed to train_loss/train_hvp/train_jtvp is ignored: the
 * training set is lambda itself.  init_lambda: the per-class mean of the
 * training images of the bound data set (ds->train); a class with no
 * training image (or no data set) gets N(0, 0.01^2) noise.  init_theta:
 * W ~ N(0, init_scale^2), b = 0 (as softmax).  The decay goes through
 * decay.h with a one-element "global" lambda holding distill_log_decay.
 * accuracy: argmax on `data` (real images).  train_hessian is NULL: P =
 * 7,850 for Fashion-MNIST.
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "../src/error.h"
#include "decay.h"

#define DISTILL_MAX_CHUNK 4096

typedef struct {
    ihg_decay decay;    /* global decay of W, lambda = fixed_lambda      */
    double log_decay;
    gsl_vector_view fixed_lambda;
    size_t chunk;       /* rows per block of real data                    */
    gsl_matrix *Z;      /* chunk x k: logits / probabilities             */
    gsl_matrix *Zs;     /* k x k: synthetic logits / P                   */
    gsl_matrix *Vs;     /* k x k: V, then R                              */
    gsl_matrix *Xbuf;   /* k x d: copies of strided vectors              */
    gsl_matrix *Wbuf;
    gsl_matrix *Ubuf;
    gsl_matrix *Obuf;
} distill_work;

static void distill_free(ihg_model *m)
{
    distill_work *w = m->work;
    if (!w)
        return;
    gsl_matrix *mats[] = {w->Z, w->Zs, w->Vs, w->Xbuf, w->Wbuf, w->Ubuf,
                          w->Obuf};
    for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++)
        if (mats[i])
            gsl_matrix_free(mats[i]);
    free(w);
    m->work = NULL;
}

static int distill_init(ihg_model *m, const ihg_config *cfg,
                        const ihg_dataset *ds, size_t max_rows)
{
    size_t kd, P, cells;
    if (!ds || ds->d == 0)
        return ihg_error_set(IHG_EINVAL,
                             "distill: the data set has no features");
    if (ds->k < 2)
        return ihg_error_set(IHG_EINVAL,
                             "distill: needs at least 2 classes (the data "
                             "set has %zu)", ds->k);
    size_t chunk = ihg_model_chunk_rows(ds, max_rows, DISTILL_MAX_CHUNK);
    if (!ihg_size_mul(ds->k, ds->d, &kd) || !ihg_size_add(kd, ds->k, &P) ||
        !ihg_size_mul(chunk, ds->k, &cells) ||
        !ihg_size_mul(ds->k, ds->k, &cells))
        return ihg_error_set(IHG_ENOMEM,
                             "distill: %zu classes x %zu pixels is too many "
                             "parameters", ds->k, ds->d);
    distill_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (distill model)");
    m->work = w;
    w->chunk = chunk;
    w->Z = gsl_matrix_alloc(chunk, ds->k);
    w->Zs = gsl_matrix_alloc(ds->k, ds->k);
    w->Vs = gsl_matrix_alloc(ds->k, ds->k);
    w->Xbuf = gsl_matrix_alloc(ds->k, ds->d);
    w->Wbuf = gsl_matrix_alloc(ds->k, ds->d);
    w->Ubuf = gsl_matrix_alloc(ds->k, ds->d);
    w->Obuf = gsl_matrix_alloc(ds->k, ds->d);
    if (!w->Z || !w->Zs || !w->Vs || !w->Xbuf || !w->Wbuf || !w->Ubuf ||
        !w->Obuf) {
        distill_free(m);
        return ihg_error_set(IHG_ENOMEM,
                             "out of memory (distill workspace, %zu rows, "
                             "%zu classes, %zu pixels)", chunk, ds->k, ds->d);
    }
    w->log_decay = cfg->model.distill_log_decay;
    w->fixed_lambda = gsl_vector_view_array(&w->log_decay, 1);
    ihg_decay_init(&w->decay, IHG_HYPER_GLOBAL);
    ihg_decay_add_range(&w->decay, 0, kd);
    m->d = ds->d;
    m->k = ds->k;
    m->P = P;
    m->Hn = kd;
    return IHG_OK;
}

static void distill_init_theta(const ihg_model *m, gsl_vector *theta,
                               gsl_rng *rng)
{
    double sd = m->cfg->model.init_scale;
    size_t kd = m->k * m->d;
    for (size_t j = 0; j < kd; j++)
        gsl_vector_set(theta, j, sd > 0 ? gsl_ran_gaussian(rng, sd) : 0.0);
    for (size_t c = 0; c < m->k; c++)
        gsl_vector_set(theta, kd + c, 0.0);
}

static size_t label_of(double y, size_t k)
{
    if (!(y >= 0.0) || y >= (double)k || y != floor(y))
        return k;
    return (size_t)y;
}

static void distill_init_lambda(const ihg_model *m, gsl_vector *lambda,
                                gsl_rng *rng)
{
    size_t k = m->k, d = m->d;
    const ihg_data *tr = m->ds ? m->ds->train : NULL;
    gsl_vector_set_zero(lambda);
    size_t count[4096] = {0}; /* k is at most 1000 (config), else no means */
    int means = tr && tr->X && tr->y && tr->d == d && k <= 4096;
    if (means)
        for (size_t i = 0; i < tr->n; i++) {
            size_t c = label_of(gsl_vector_get(tr->y, i), k);
            if (c == k)
                continue;
            count[c]++;
            for (size_t j = 0; j < d; j++)
                *gsl_vector_ptr(lambda, c * d + j) +=
                    gsl_matrix_get(tr->X, i, j);
        }
    for (size_t c = 0; c < k; c++) {
        if (means && count[c] > 0) {
            double inv = 1.0 / (double)count[c];
            for (size_t j = 0; j < d; j++)
                *gsl_vector_ptr(lambda, c * d + j) *= inv;
        } else {
            for (size_t j = 0; j < d; j++)
                gsl_vector_set(lambda, c * d + j, gsl_ran_gaussian(rng, 0.01));
        }
    }
}

/* The first k*d entries of v as a k x d matrix: a view when contiguous,
 * else a copy in buf. */
static gsl_matrix as_kd(const gsl_vector *v, size_t k, size_t d,
                        gsl_matrix *buf)
{
    if (v->stride != 1)
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < d; j++)
                gsl_matrix_set(buf, c, j, gsl_vector_get(v, c * d + j));
    gsl_matrix_const_view cv = gsl_matrix_const_view_array(
        v->stride == 1 ? v->data : buf->data, k, d);
    return cv.matrix;
}

/* A writable k x d view of v's first k*d entries, or buf when strided
 * (then copy back with store_kd). */
static gsl_matrix_view out_kd(gsl_vector *v, size_t k, size_t d,
                              gsl_matrix *buf)
{
    return gsl_matrix_view_array(v->stride == 1 ? v->data : buf->data, k, d);
}

static void store_kd(gsl_vector *v, const gsl_matrix *buf)
{
    if (v->stride == 1)
        return;
    for (size_t c = 0; c < buf->size1; c++)
        for (size_t j = 0; j < buf->size2; j++)
            gsl_vector_set(v, c * buf->size2 + j, gsl_matrix_get(buf, c, j));
}

/* Z = X W^T + 1 b^T, b the k entries of v from offset kd. */
static void logits(const gsl_matrix *X, const gsl_matrix *W,
                   const gsl_vector *v, size_t kd, gsl_matrix *Z)
{
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, X, W, 0.0, Z);
    for (size_t i = 0; i < Z->size1; i++) {
        double *z = Z->data + i * Z->tda;
        for (size_t c = 0; c < Z->size2; c++)
            z[c] += gsl_vector_get(v, kd + c);
    }
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

/* The synthetic set's P (in w->Zs) and mean cross-entropy.  With
 * minus_eye, Zs becomes P - I. */
static double synth_probs(distill_work *w, const gsl_matrix *Xs,
                          const gsl_matrix *W, const gsl_vector *theta,
                          size_t k, size_t kd, int minus_eye)
{
    logits(Xs, W, theta, kd, w->Zs);
    double sl = 0.0;
    for (size_t c = 0; c < k; c++) {
        double *z = w->Zs->data + c * w->Zs->tda;
        double zc = z[c];
        sl += softmax_row(z, k) - zc;
        if (minus_eye)
            z[c] -= 1.0;
    }
    return sl / (double)k;
}

static double distill_train_loss(ihg_model *m, const gsl_vector *theta,
                                 const gsl_vector *lambda,
                                 const ihg_data *data, gsl_vector *grad)
{
    (void)data;
    distill_work *w = m->work;
    size_t k = m->k, d = m->d, kd = k * d;
    gsl_matrix Xs = as_kd(lambda, k, d, w->Xbuf);
    gsl_matrix W = as_kd(theta, k, d, w->Wbuf);
    double loss = synth_probs(w, &Xs, &W, theta, k, kd, 1);
    if (grad) {
        /* grad_W = (P - I)^T Xs / k, grad_b = (P - I)^T 1 / k */
        double inv_k = 1.0 / (double)k;
        gsl_matrix_view GW = out_kd(grad, k, d, w->Obuf);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_k, w->Zs, &Xs,
                       0.0, &GW.matrix);
        store_kd(grad, &GW.matrix);
        for (size_t a = 0; a < k; a++) {
            double s = 0.0;
            for (size_t c = 0; c < k; c++)
                s += gsl_matrix_get(w->Zs, c, a);
            gsl_vector_set(grad, kd + a, s * inv_k);
        }
        ihg_decay_add_grad(&w->decay, theta, &w->fixed_lambda.vector, grad);
    }
    return loss + ihg_decay_loss(&w->decay, theta, &w->fixed_lambda.vector);
}

/* Shared by hvp and jtvp: Zs <- P (probabilities, minus I when minus_eye),
 * Vs <- R (rows r_c = p_c .* (v_c - p_c . v_c), v_c = U x_c + u_b). */
static void synth_r(distill_work *w, const gsl_matrix *Xs, const gsl_matrix *W,
                    const gsl_vector *theta, const gsl_matrix *U,
                    const gsl_vector *u, size_t k, size_t kd, int minus_eye)
{
    synth_probs(w, Xs, W, theta, k, kd, 0);
    logits(Xs, U, u, kd, w->Vs);
    for (size_t c = 0; c < k; c++) {
        double *p = w->Zs->data + c * w->Zs->tda;
        double *v = w->Vs->data + c * w->Vs->tda;
        double pv = 0.0;
        for (size_t a = 0; a < k; a++)
            pv += p[a] * v[a];
        for (size_t a = 0; a < k; a++)
            v[a] = p[a] * (v[a] - pv);
        if (minus_eye)
            p[c] -= 1.0;
    }
}

static void distill_train_hvp(ihg_model *m, const gsl_vector *theta,
                              const gsl_vector *lambda, const ihg_data *data,
                              const gsl_vector *u, gsl_vector *Hu)
{
    (void)data;
    distill_work *w = m->work;
    size_t k = m->k, d = m->d, kd = k * d;
    double inv_k = 1.0 / (double)k;
    gsl_matrix Xs = as_kd(lambda, k, d, w->Xbuf);
    gsl_matrix W = as_kd(theta, k, d, w->Wbuf);
    gsl_matrix U = as_kd(u, k, d, w->Ubuf);
    synth_r(w, &Xs, &W, theta, &U, u, k, kd, 0);
    gsl_matrix_view HW = out_kd(Hu, k, d, w->Obuf);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_k, w->Vs, &Xs, 0.0,
                   &HW.matrix);
    store_kd(Hu, &HW.matrix);
    for (size_t a = 0; a < k; a++) {
        double s = 0.0;
        for (size_t c = 0; c < k; c++)
            s += gsl_matrix_get(w->Vs, c, a);
        gsl_vector_set(Hu, kd + a, s * inv_k);
    }
    ihg_decay_add_hvp(&w->decay, &w->fixed_lambda.vector, u, Hu);
}

static void distill_train_jtvp(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    distill_work *w = m->work;
    size_t k = m->k, d = m->d, kd = k * d;
    double inv_k = 1.0 / (double)k;
    gsl_matrix Xs = as_kd(lambda, k, d, w->Xbuf);
    gsl_matrix W = as_kd(theta, k, d, w->Wbuf);
    gsl_matrix U = as_kd(u, k, d, w->Ubuf);
    synth_r(w, &Xs, &W, theta, &U, u, k, kd, 1);
    /* out = (P - I) U / k + R W / k */
    gsl_matrix_view O = out_kd(out, k, d, w->Obuf);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, inv_k, w->Zs, &U, 0.0,
                   &O.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, inv_k, w->Vs, &W, 1.0,
                   &O.matrix);
    store_kd(out, &O.matrix);
}

/* Mean cross-entropy on real data; grad (if not NULL) overwritten with its
 * gradient. */
static double real_loss(ihg_model *m, const gsl_vector *theta,
                        const ihg_data *data, gsl_vector *grad)
{
    distill_work *w = m->work;
    size_t d = m->d, k = m->k, kd = k * d, n = data->n;
    if (grad)
        gsl_vector_set_zero(grad);
    if (n == 0)
        return 0.0;
    gsl_matrix W = as_kd(theta, k, d, w->Wbuf);
    gsl_matrix_view GW;
    if (grad) {
        GW = out_kd(grad, k, d, w->Obuf);
        gsl_matrix_set_zero(&GW.matrix);
    }
    double inv_n = 1.0 / (double)n, sl = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_matrix_view Zb = gsl_matrix_submatrix(w->Z, 0, 0, nb, k);
        logits(&Xb.matrix, &W, theta, kd, &Zb.matrix);
        for (size_t i = 0; i < nb; i++) {
            double *z = Zb.matrix.data + i * Zb.matrix.tda;
            size_t y = label_of(gsl_vector_get(data->y, i0 + i), k);
            double zy = y < k ? z[y] : NAN;
            sl += softmax_row(z, k) - zy;
            if (y < k)
                z[y] -= 1.0;
            if (grad)
                for (size_t c = 0; c < k; c++)
                    *gsl_vector_ptr(grad, kd + c) += z[c] * inv_n;
        }
        if (grad)
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_n, &Zb.matrix,
                           &Xb.matrix, 1.0, &GW.matrix);
    }
    if (grad)
        store_kd(grad, &GW.matrix);
    return sl * inv_n;
}

static double distill_val_loss(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               gsl_vector *grad_theta, gsl_vector *grad_lambda)
{
    (void)lambda;
    if (grad_lambda)
        gsl_vector_set_zero(grad_lambda);
    if (!ihg_model_data_ok("distill", m->d, data)) {
        ihg_vector_fill_nan(grad_theta);
        return NAN;
    }
    return real_loss(m, theta, data, grad_theta);
}

static double distill_accuracy(ihg_model *m, const gsl_vector *theta,
                               const ihg_data *data)
{
    distill_work *w = m->work;
    size_t d = m->d, k = m->k, kd = k * d;
    if (!ihg_model_data_ok("distill", m->d, data))
        return NAN;
    size_t n = data->n, right = 0;
    if (n == 0)
        return 0.0;
    gsl_matrix W = as_kd(theta, k, d, w->Wbuf);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_matrix_view Zb = gsl_matrix_submatrix(w->Z, 0, 0, nb, k);
        logits(&Xb.matrix, &W, theta, kd, &Zb.matrix);
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

const ihg_model_type ihg_model_distill_type = {
    .name = "distill",
    .task = IHG_TASK_MULTICLASS,
    .init = distill_init,
    .free = distill_free,
    .init_theta = distill_init_theta,
    .init_lambda = distill_init_lambda,
    .train_loss = distill_train_loss,
    .train_hvp = distill_train_hvp,
    .train_jtvp = distill_train_jtvp,
    .train_hessian = NULL,
    .val_loss = distill_val_loss,
    .accuracy = distill_accuracy,
    .solve_inner = NULL,
};

const ihg_model_type *const ihg_model_distill = &ihg_model_distill_type;
