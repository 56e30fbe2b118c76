/* distill.c - dataset distillation: the hyperparameters are the training
 * set (Lorraine, Vicol & Duvenaud 2020, §5.3, after Wang et al. 2018,
 * "Dataset Distillation").
 *
 * k classes, d pixels.  lambda (Hn = k d) holds one synthetic image per
 * class, row-major as a k x d matrix Xs (image c at lambda[c d .. c d + d)),
 * with the fixed label c.  The model is softmax regression,
 * theta = [W (k x d, row-major), b (k)], P = k (d + 1), trained on the k
 * synthetic images with a fixed decay e = exp(distill_log_decay) (an option):
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
 * training set is lambda itself.  init_lambda (the option distill_init): the
 * per-class mean of the training images of the bound data set (ds->train,
 * default), or one training image per class drawn with the rng
 * (random-real: the baseline of 10 random real images), or N(0, 0.01^2)
 * noise; a class with no training image (or no data set) gets noise.  init_theta:
 * W ~ N(0, init_scale^2), b = 0 (as softmax).  The decay goes through
 * decay.h with a one-element "global" lambda holding distill_log_decay.
 * accuracy: argmax on `data` (real images).  train_hessian is NULL: P =
 * 7,850 for Fashion-MNIST.  The cross-entropy on real data, the softmax
 * R-op and the k x d views are softmax_core.c's (shared with softmax.c).
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "../src/error.h"
#include "decay.h"
#include "softmax_core.h"

#define DISTILL_MAX_CHUNK 4096

/* Where the learned images start (the option distill_init). */
typedef enum {
    DISTILL_CLASS_MEAN = 0, /* the mean training image of each class  */
    DISTILL_RANDOM_REAL,    /* one random training image per class    */
    DISTILL_NOISE           /* N(0, 0.01^2) pixels                    */
} distill_start;

/* The keys of `model` for kind: distill. */
typedef struct {
    double init_scale;
    double log_decay; /* distill_log_decay */
    int start;        /* distill_init: a distill_start */
} distill_options;

static const char *const distill_starts[] = {"class-mean", "random-real",
                                             "noise", NULL};

static const ihg_option distill_option_table[] = {
    IHG_OPTION_INIT_SCALE(distill_options, init_scale),
    {.name = "distill_log_decay", .type = IHG_OPT_REAL,
     .off = offsetof(distill_options, log_decay), .lo = -100, .hi = 100,
     .def = -4, .help = "the fixed log weight decay of the distilled model"},
    {.name = "distill_init", .type = IHG_OPT_ENUM,
     .off = offsetof(distill_options, start), .names = distill_starts,
     .def = DISTILL_CLASS_MEAN, .help = "where the learned images start"},
    {.name = NULL},
};

typedef struct {
    ihg_decay decay;    /* global decay of W, lambda = fixed_lambda      */
    double log_decay;
    gsl_vector_view fixed_lambda;
    ihg_sm_work sm;     /* real data: Z (chunk x k), Wbuf, Gbuf (k x d)  */
    gsl_matrix *Zs;     /* k x k: synthetic logits / P                   */
    gsl_matrix *Vs;     /* k x k: V, then R                              */
    gsl_matrix *Xbuf;   /* k x d: copies of strided vectors              */
    gsl_matrix *Ubuf;
} distill_work;

static void distill_free(ihg_model *m)
{
    distill_work *w = m->work;
    if (!w)
        return;
    gsl_matrix *mats[] = {w->sm.Z, w->Zs, w->Vs, w->Xbuf, w->sm.Wbuf,
                          w->Ubuf, w->sm.Gbuf};
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
        return ihg_error_set(IHG_ELIMIT,
                             "distill: %zu classes x %zu pixels is too many "
                             "parameters", ds->k, ds->d);
    distill_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (distill model)");
    m->work = w;
    w->sm.k = ds->k;
    w->sm.d = ds->d;
    w->sm.chunk = chunk;
    w->sm.Z = gsl_matrix_alloc(chunk, ds->k);
    w->Zs = gsl_matrix_alloc(ds->k, ds->k);
    w->Vs = gsl_matrix_alloc(ds->k, ds->k);
    w->Xbuf = gsl_matrix_alloc(ds->k, ds->d);
    w->sm.Wbuf = gsl_matrix_alloc(ds->k, ds->d);
    w->Ubuf = gsl_matrix_alloc(ds->k, ds->d);
    w->sm.Gbuf = gsl_matrix_alloc(ds->k, ds->d);
    if (!w->sm.Z || !w->Zs || !w->Vs || !w->Xbuf || !w->sm.Wbuf ||
        !w->Ubuf || !w->sm.Gbuf) {
        distill_free(m);
        return ihg_error_set(IHG_ENOMEM,
                             "out of memory (distill workspace, %zu rows, "
                             "%zu classes, %zu pixels)", chunk, ds->k, ds->d);
    }
    const distill_options *o = cfg->model.opts;
    w->log_decay = o->log_decay;
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
    const distill_options *o = m->cfg->model.opts;
    double sd = o->init_scale;
    size_t kd = m->k * m->d;
    for (size_t j = 0; j < kd; j++)
        gsl_vector_set(theta, j, sd > 0 ? gsl_ran_gaussian(rng, sd) : 0.0);
    for (size_t c = 0; c < m->k; c++)
        gsl_vector_set(theta, kd + c, 0.0);
}

static void distill_init_lambda(const ihg_model *m, gsl_vector *lambda,
                                gsl_rng *rng)
{
    size_t k = m->k, d = m->d;
    const ihg_data *tr = m->ds ? m->ds->train : NULL;
    gsl_vector_set_zero(lambda);
    size_t count[4096] = {0}; /* k is at most 1000 (config), else no means */
    const distill_options *o = m->cfg->model.opts;
    distill_start how = (distill_start)o->start;
    int means = tr && tr->X && tr->y && tr->d == d && k <= 4096 &&
                how != DISTILL_NOISE;
    if (means && how == DISTILL_RANDOM_REAL) {
        /* reservoir sampling: row i replaces class c's pick with
         * probability 1/(count so far), one uniform draw per row */
        for (size_t i = 0; i < tr->n; i++) {
            size_t c = ihg_sm_label(gsl_vector_get(tr->y, i), k);
            if (c == k)
                continue;
            count[c]++;
            if (gsl_rng_uniform_int(rng, count[c]) == 0)
                for (size_t j = 0; j < d; j++)
                    gsl_vector_set(lambda, c * d + j, gsl_matrix_get(tr->X, i, j));
        }
        for (size_t c = 0; c < k; c++)
            if (count[c] == 0)
                for (size_t j = 0; j < d; j++)
                    gsl_vector_set(lambda, c * d + j, gsl_ran_gaussian(rng, 0.01));
        return;
    }
    if (means)
        for (size_t i = 0; i < tr->n; i++) {
            size_t c = ihg_sm_label(gsl_vector_get(tr->y, i), k);
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

/* The synthetic set's P (in w->Zs) and mean cross-entropy.  With
 * minus_eye, Zs becomes P - I. */
static double synth_probs(distill_work *w, const gsl_matrix *Xs,
                          const gsl_matrix *W, const gsl_vector *theta,
                          size_t k, size_t kd, int minus_eye)
{
    ihg_sm_logits(Xs, W, theta, kd, w->Zs);
    double sl = 0.0;
    for (size_t c = 0; c < k; c++) {
        double *z = w->Zs->data + c * w->Zs->tda;
        double zc = z[c];
        sl += ihg_sm_row(z, k) - zc;
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
    gsl_matrix Xs = ihg_sm_weights(lambda, k, d, w->Xbuf);
    gsl_matrix W = ihg_sm_weights(theta, k, d, w->sm.Wbuf);
    double loss = synth_probs(w, &Xs, &W, theta, k, kd, 1);
    if (grad) {
        /* grad_W = (P - I)^T Xs / k, grad_b = (P - I)^T 1 / k */
        double inv_k = 1.0 / (double)k;
        gsl_matrix_view GW = ihg_sm_weights_out(grad, k, d, w->sm.Gbuf);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_k, w->Zs, &Xs,
                       0.0, &GW.matrix);
        ihg_sm_weights_store(grad, &GW.matrix);
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
    ihg_sm_logits(Xs, U, u, kd, w->Vs);
    for (size_t c = 0; c < k; c++) {
        double *p = w->Zs->data + c * w->Zs->tda;
        double *v = w->Vs->data + c * w->Vs->tda;
        ihg_sm_rop_row(p, v, v, k, 1.0);
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
    gsl_matrix Xs = ihg_sm_weights(lambda, k, d, w->Xbuf);
    gsl_matrix W = ihg_sm_weights(theta, k, d, w->sm.Wbuf);
    gsl_matrix U = ihg_sm_weights(u, k, d, w->Ubuf);
    synth_r(w, &Xs, &W, theta, &U, u, k, kd, 0);
    gsl_matrix_view HW = ihg_sm_weights_out(Hu, k, d, w->sm.Gbuf);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_k, w->Vs, &Xs, 0.0,
                   &HW.matrix);
    ihg_sm_weights_store(Hu, &HW.matrix);
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
    gsl_matrix Xs = ihg_sm_weights(lambda, k, d, w->Xbuf);
    gsl_matrix W = ihg_sm_weights(theta, k, d, w->sm.Wbuf);
    gsl_matrix U = ihg_sm_weights(u, k, d, w->Ubuf);
    synth_r(w, &Xs, &W, theta, &U, u, k, kd, 1);
    /* out = (P - I) U / k + R W / k */
    gsl_matrix_view O = ihg_sm_weights_out(out, k, d, w->sm.Gbuf);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, inv_k, w->Zs, &U, 0.0,
                   &O.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, inv_k, w->Vs, &W, 1.0,
                   &O.matrix);
    ihg_sm_weights_store(out, &O.matrix);
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
    distill_work *w = m->work;
    return ihg_sm_data_loss(&w->sm, theta, data, grad_theta);
}

static double distill_accuracy(ihg_model *m, const gsl_vector *theta,
                               const ihg_data *data)
{
    distill_work *w = m->work;
    if (!ihg_model_data_ok("distill", m->d, data))
        return NAN;
    return ihg_sm_accuracy(&w->sm, theta, data);
}

/* lambda: the k images' pixels, row-major image after image */
static int distill_segments(const ihg_model *m, ihg_hyper_layout *layout)
{
    return ihg_hyper_layout_add(layout, IHG_OWNER_MODEL, "pixel", m->Hn,
                                IHG_TRANSFORM_IDENTITY, 1);
}

const ihg_model_type ihg_model_distill_type = {
    .name = "distill",
    .task = IHG_TASK_MULTICLASS,
    /* Fashion-MNIST unless files are given; lambda: one image per class */
    .flags = IHG_MODEL_IMAGE_DATA | IHG_MODEL_LAMBDA_IMAGES,
    .options = distill_option_table,
    .options_size = sizeof(distill_options),
    .hyper_segments = distill_segments,
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
    .null_space = ihg_sm_null_space, /* H singular along the bias shift */
};

const ihg_model_type *const ihg_model_distill = &ihg_model_distill_type;
