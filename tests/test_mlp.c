/* test_mlp.c - the mlp and distill families against finite differences and
 * naive reference formulas (the file comments of models/mlp.c and
 * models/distill.c).
 *
 * mlp: every combination of activation (tanh, softplus), head
 * (multiclass k = 3, binary k = 2, regression), hyper mode (per-weight,
 * global) and one or two small hidden layers.  distill: k = 3 classes of
 * d = 6 "pixels", per the paper's §5.3 set-up in miniature.  At a random
 * theta and lambda, along random unit directions:
 *   - L_T and L_V equal a naive row-by-row re-implementation;
 *   - r . grad L_T, H u, s . J^T u, r . dL_V/dtheta, s . dL_V/dlambda equal
 *     central differences (J^T u against d/de <grad_theta L_T(lambda + e s), u>);
 *   - H is symmetric: a . H b = b . H a;
 *   - minibatches (row sub-views), a workspace smaller than the data
 *     (max_rows < n: blocks), strided vectors give the same answers;
 *   - huge inputs give finite losses, gradients and H u;
 * plus initialisation, accuracy and, for distill, that the training data
 * argument is ignored and init_lambda is the per-class mean.
 *
 * Tolerances.  A central difference (f(x+h) - f(x-h)) / 2h has truncation
 * error h^2/6 |f'''| and rounding error about eps |f| / h.  With h = 1e-5,
 * O(1) data and weights ~N(0, 0.7^2) (tanh/softplus derivatives up to
 * third order are O(1); the product of a few layers keeps them within
 * ~1e2), that is below ~2e-9 + ~2e-11 relative to the scale of f and its
 * derivatives, so rtol 1e-6 (relative to the natural scale, e.g.
 * ||grad|| ||r|| for r . grad, which covers cancellation in a dot product)
 * leaves over two orders of margin and still catches a wrong term (a wrong
 * formula is off by O(1) relative).  Two exact computations that differ only
 * in summation order (blocks, BLAS, naive loops over <= 40 rows and <= 10
 * units) agree to ~n eps ~ 1e-14: rtol 1e-12.  The symmetry a.Hb = b.Ha
 * is an identity of the exact R-op up to rounding: rtol 1e-12 relative to
 * ||a|| ||H b||.
 */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "derivcheck.h"
#include "error.h"
#include "model.h"
#include "decay.h"
#include "optim.h"

#define N_TRAIN 40
#define N_VAL 23

/* ---------- tiny data sets ---------- */

static void data_fill(ihg_data *D, ihg_task task, size_t k, gsl_rng *rng)
{
    for (size_t i = 0; i < D->n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < D->d; j++) {
            double x = gsl_ran_gaussian(rng, 1.0);
            gsl_matrix_set(D->X, i, j, x);
            s += (j % 2 ? -1.0 : 1.0) * x;
        }
        double y;
        if (task == IHG_TASK_REGRESSION)
            y = sin(s) + gsl_ran_gaussian(rng, 0.3);
        else
            y = (double)gsl_rng_uniform_int(rng, k);
        gsl_vector_set(D->y, i, y);
    }
}

static void dataset_make(ihg_dataset *ds, ihg_task task, size_t d, size_t k,
                         gsl_rng *rng)
{
    memset(ds, 0, sizeof *ds);
    ds->train = data_new(N_TRAIN, d);
    ds->val = data_new(N_VAL, d);
    data_fill(ds->train, task, k, rng);
    data_fill(ds->val, task, k, rng);
    /* every class present in the training set */
    if (task != IHG_TASK_REGRESSION)
        for (size_t c = 0; c < k; c++)
            gsl_vector_set(ds->train->y, c, (double)c);
    ds->d = d;
    ds->k = task == IHG_TASK_REGRESSION ? 0 : k;
    ds->task = task;
}

/* ---------- naive references ---------- */

typedef struct {
    size_t L, width[10]; /* hidden layers + 2 */
    int regression, softplus;
} mlp_shape;

static double act(int softplus, double z)
{
    if (!softplus)
        return tanh(z);
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* Mean data loss of the MLP on D, row by row, and the prediction of row
 * `want_row` (argmax) through *pred when not NULL. */
static double ref_mlp_loss(const mlp_shape *sh, const gsl_vector *theta,
                           const ihg_data *D, size_t *correct)
{
    double a[2][64], s = 0.0;
    size_t right = 0;
    for (size_t i = 0; i < D->n; i++) {
        for (size_t j = 0; j < D->d; j++)
            a[0][j] = gsl_matrix_get(D->X, i, j);
        size_t off = 0, cur = 0;
        for (size_t l = 1; l <= sh->L; l++) {
            size_t n = sh->width[l], np = sh->width[l - 1];
            for (size_t o = 0; o < n; o++) {
                double z = gsl_vector_get(theta, off + n * np + o);
                for (size_t j = 0; j < np; j++)
                    z += gsl_vector_get(theta, off + o * np + j) * a[cur][j];
                a[1 - cur][o] = l < sh->L ? act(sh->softplus, z) : z;
            }
            off += n * np + n;
            cur = 1 - cur;
        }
        const double *z = a[cur];
        double y = gsl_vector_get(D->y, i);
        if (sh->regression) {
            s += 0.5 * (z[0] - y) * (z[0] - y);
            continue;
        }
        size_t k = sh->width[sh->L], best = 0;
        double se = 0.0;
        for (size_t c = 0; c < k; c++) {
            se += exp(z[c]);
            if (z[c] > z[best])
                best = c;
        }
        s += log(se) - z[(size_t)y];
        right += best == (size_t)y;
    }
    if (correct)
        *correct = right;
    return s / (double)D->n;
}

static double ref_mlp_decay(const mlp_shape *sh, const gsl_vector *theta,
                            const gsl_vector *lambda, int global)
{
    double s = 0.0;
    size_t off = 0, h = 0;
    for (size_t l = 1; l <= sh->L; l++) {
        size_t n = sh->width[l], np = sh->width[l - 1];
        for (size_t j = 0; j < n * np; j++) {
            double t = gsl_vector_get(theta, off + j);
            s += 0.5 * exp(gsl_vector_get(lambda, global ? 0 : h++)) * t * t;
        }
        off += n * np + n;
    }
    return s;
}

/* ---------- mlp ---------- */

/* The values given to the families' keys. */
#define INIT_LOG_DECAY -2.5
#define INIT_SCALE 0.01 /* mlp: gain 1, LeCun's 1/fan_in variance */
#define DISTILL_LOG_DECAY -1.5
#define HIDDEN0 5
#define HIDDEN1 3

static const char *task_name(ihg_task t)
{
    return t == IHG_TASK_REGRESSION ? "regression"
           : t == IHG_TASK_BINARY   ? "binary"
                                    : "multiclass";
}

static void check_mlp_init(ctx *c, const mlp_shape *sh)
{
    ihg_model *m = c->m;
    gsl_vector *t = gsl_vector_alloc(m->P);
    m->type->init_theta(m, t, c->rng);
    check_init_lambda(c, INIT_LOG_DECAY);
    int bias0 = 1;
    size_t off = 0;
    double ratio_min = HUGE_VAL, ratio_max = 0.0;
    for (size_t k = 1; k <= sh->L; k++) {
        size_t n = sh->width[k], np = sh->width[k - 1];
        double ss = 0.0;
        for (size_t j = 0; j < n * np; j++)
            ss += gsl_vector_get(t, off + j) * gsl_vector_get(t, off + j);
        for (size_t j = 0; j < n; j++)
            bias0 &= gsl_vector_get(t, off + n * np + j) == 0.0;
        /* sample std relative to LeCun's 1/sqrt(fan_in) (gain 1 at the
         * default init_scale 0.01) */
        double r = sqrt(ss / (double)(n * np)) * sqrt((double)np);
        ratio_min = fmin(ratio_min, r);
        ratio_max = fmax(ratio_max, r);
        off += n * np + n;
    }
    CHECK(bias0, "%s: init_theta biases are 0", c->tag);
    /* >= 3 normals per layer: the sample std is within a factor 4 of the
     * truth with overwhelming probability (seeded, deterministic). */
    CHECK(ratio_min > 0.25 && ratio_max < 4.0,
          "%s: init_theta weight std * sqrt(fan_in) in [%.3g, %.3g] ~ 1",
          c->tag, ratio_min, ratio_max);
    gsl_vector_free(t);
}

static void check_mlp_huge(ctx *c, const ihg_dataset *ds)
{
    ihg_model *m = c->m;
    ihg_data *D = data_new(ds->train->n, ds->d);
    gsl_matrix_memcpy(D->X, ds->train->X);
    gsl_vector_memcpy(D->y, ds->train->y);
    gsl_matrix_scale(D->X, 1e4);
    gsl_vector *t = gsl_vector_alloc(m->P), *g = gsl_vector_alloc(m->P),
               *u = gsl_vector_alloc(m->P), *Hu = gsl_vector_alloc(m->P),
               *gl = gsl_vector_alloc(m->Hn);
    for (size_t i = 0; i < m->P; i++)
        gsl_vector_set(t, i, gsl_ran_gaussian(c->rng, 30.0));
    rand_unit(u, c->rng);
    double lt = m->type->train_loss(m, t, c->lambda, D, g);
    m->type->train_hvp(m, t, c->lambda, D, u, Hu);
    double lv = m->type->val_loss(m, t, c->lambda, D, g, gl);
    CHECK(isfinite(lt) && isfinite(lv) && all_finite(g) && all_finite(Hu),
          "%s: finite L_T (%.4g), L_V, gradient and H u at inputs ~1e4 and "
          "weights ~30", c->tag, lt);
    gsl_vector_free(t);
    gsl_vector_free(g);
    gsl_vector_free(u);
    gsl_vector_free(Hu);
    gsl_vector_free(gl);
    data_del(D);
}

/* val_metrics: L_V and accuracy from one pass, the same numbers as
 * val_loss and accuracy (same blocks, same order: bitwise). */
static void check_val_metrics(ctx *c)
{
    ihg_model *m = c->m;
    double acc, loss = m->type->val_metrics(m, c->theta, c->lambda, c->val, &acc);
    double l2 = m->type->val_loss(m, c->theta, c->lambda, c->val, NULL, NULL);
    double a2 = m->type->accuracy(m, c->theta, c->val);
    CHECK(loss == l2 && (acc == a2 || (isnan(acc) && isnan(a2))),
          "%s: val_metrics = (val_loss, accuracy): (%.17g, %g) vs (%.17g, %g)", c->tag,
          loss, acc, l2, a2);
}

static void check_mlp(const char *actv, ihg_task task, ihg_hyper_mode mode,
                      size_t n_hidden, gsl_rng *rng)
{
    size_t d = 4, k = task == IHG_TASK_MULTICLASS ? 3 : 2;
    const long hidden[2] = {HIDDEN0, HIDDEN1};
    const char *hyper = mode == IHG_HYPER_GLOBAL ? "global" : "per-weight";
    ihg_config cfg;
    char keys[256], tag[96], widths[32];
    if (n_hidden == 1)
        snprintf(widths, sizeof widths, "[%d]", HIDDEN0);
    else
        snprintf(widths, sizeof widths, "[%d, %d]", HIDDEN0, HIDDEN1);
    snprintf(keys, sizeof keys, "hyper: %s, init_log_decay: %g, "
             "init_scale: %g, activation: %s, hidden: %s", hyper,
             INIT_LOG_DECAY, INIT_SCALE, actv, widths);
    snprintf(tag, sizeof tag, "mlp/%s/%s/%s/%zu hidden", actv,
             task_name(task), hyper, n_hidden);
    if (cfg_model(&cfg, "mlp", keys) != 0)
        return;

    ihg_dataset ds;
    dataset_make(&ds, task, d, k, rng);
    mlp_shape sh = {0};
    sh.L = n_hidden + 1;
    sh.width[0] = d;
    for (size_t l = 1; l < sh.L; l++)
        sh.width[l] = (size_t)hidden[l - 1];
    sh.width[sh.L] = task == IHG_TASK_REGRESSION ? 1 : k;
    sh.regression = task == IHG_TASK_REGRESSION;
    sh.softplus = strcmp(actv, "softplus") == 0;
    size_t want_P = 0, want_W = 0;
    for (size_t l = 1; l <= sh.L; l++) {
        want_W += sh.width[l] * sh.width[l - 1];
        want_P += sh.width[l] * sh.width[l - 1] + sh.width[l];
    }

    ihg_model *m = ihg_model_alloc(ihg_model_mlp, &cfg, &ds, N_TRAIN);
    CHECK(m != NULL, "%s: alloc (%s)", tag, m ? "ok" : ihg_error_message());
    if (!m) {
        dataset_del(&ds);
        ihg_config_free(&cfg);
        return;
    }
    size_t want_Hn = mode == IHG_HYPER_GLOBAL ? 1 : want_W;
    CHECK(m->P == want_P && m->Hn == want_Hn,
          "%s: P = %zu (want %zu), Hn = %zu (want %zu)", tag, m->P, want_P,
          m->Hn, want_Hn);
    ctx c = {m, &cfg, ds.train, ds.val, gsl_vector_alloc(m->P),
             gsl_vector_alloc(m->Hn), tag, rng};
    for (size_t i = 0; i < m->P; i++)
        gsl_vector_set(c.theta, i, gsl_ran_gaussian(rng, 0.7));
    for (size_t i = 0; i < m->Hn; i++)
        gsl_vector_set(c.lambda, i, gsl_ran_flat(rng, -3.0, 1.0));

    check_mlp_init(&c, &sh);
    int global = mode == IHG_HYPER_GLOBAL;
    double lt = LT(&c, c.theta, c.lambda, ds.train, NULL);
    check_close(lt,
                ref_mlp_loss(&sh, c.theta, ds.train, NULL) +
                    ref_mlp_decay(&sh, c.theta, c.lambda, global),
                RTOL_EXACT, 0.0, "L_T equals the naive formula", tag);
    size_t right;
    double lv = m->type->val_loss(m, c.theta, c.lambda, ds.val, NULL, NULL);
    check_close(lv, ref_mlp_loss(&sh, c.theta, ds.val, &right), RTOL_EXACT,
                0.0, "L_V equals the naive formula", tag);
    double acc = m->type->accuracy(m, c.theta, ds.val);
    if (sh.regression)
        CHECK(isnan(acc), "%s: accuracy is NaN for regression", tag);
    else
        check_close(acc, (double)right / N_VAL, 0.0, 1.0,
                    "accuracy equals the naive count", tag);

    check_gradient(&c, ds.train, "full batch");
    check_hvp(&c, ds.train, "full batch");
    check_jtvp(&c);
    check_val(&c);
    check_val_metrics(&c);
    rows_view mb;
    rows_of(&mb, ds.train, 7, 13);
    check_close(LT(&c, c.theta, c.lambda, &mb.data, NULL),
                ref_mlp_loss(&sh, c.theta, &mb.data, NULL) +
                    ref_mlp_decay(&sh, c.theta, c.lambda, global),
                RTOL_EXACT, 0.0, "minibatch L_T equals the naive formula", tag);
    check_gradient(&c, &mb.data, "minibatch");
    check_hvp(&c, &mb.data, "minibatch");
    check_blocks_and_strides(&c, &ds);
    check_mlp_huge(&c, &ds);

    /* mlp caches exp(lambda) (per-weight): changing lambda in place, by one
     * entry, must be seen by the next call. */
    LT(&c, c.theta, c.lambda, ds.train, NULL);
    *gsl_vector_ptr(c.lambda, m->Hn - 1) += 0.5;
    check_close(LT(&c, c.theta, c.lambda, ds.train, NULL),
                ref_mlp_loss(&sh, c.theta, ds.train, NULL) +
                    ref_mlp_decay(&sh, c.theta, c.lambda, global),
                RTOL_EXACT, 0.0, "L_T after changing lambda in place", tag);

    gsl_vector_free(c.theta);
    gsl_vector_free(c.lambda);
    ihg_model_free(m);
    dataset_del(&ds);
    ihg_config_free(&cfg);
}

/* Sizes that cannot be allocated are refused before allocating. */
static void check_mlp_limits(gsl_rng *rng)
{
    ihg_config cfg;
    if (cfg_model(&cfg, "mlp", "hidden: [100000, 100000, 100000]") != 0)
        return;
    ihg_dataset ds;
    dataset_make(&ds, IHG_TASK_MULTICLASS, 4, 3, rng);
    ihg_error_clear();
    ihg_model *m = ihg_model_alloc(ihg_model_mlp, &cfg, &ds, 10);
    CHECK(m == NULL && ihg_error_status() == IHG_ELIMIT &&
              strstr(ihg_error_message(), "too many parameters"),
          "mlp: 3 x 100000 hidden units refused: %s", ihg_error_message());
    ihg_model_free(m);
    dataset_del(&ds);
    ihg_config_free(&cfg);
}

/* ---------- distill ---------- */

/* 1/k sum_c CE(W x_c + b, c) + 1/2 e ||W||^2, x_c = lambda row c. */
static double ref_distill_train(size_t k, size_t d, const gsl_vector *theta,
                                const gsl_vector *lambda, double log_decay)
{
    double s = 0.0, ww = 0.0;
    for (size_t c = 0; c < k; c++) {
        double z[16], se = 0.0;
        for (size_t a = 0; a < k; a++) {
            z[a] = gsl_vector_get(theta, k * d + a);
            for (size_t j = 0; j < d; j++)
                z[a] += gsl_vector_get(theta, a * d + j) *
                        gsl_vector_get(lambda, c * d + j);
            se += exp(z[a]);
        }
        s += log(se) - z[c];
    }
    for (size_t j = 0; j < k * d; j++)
        ww += gsl_vector_get(theta, j) * gsl_vector_get(theta, j);
    return s / (double)k + 0.5 * exp(log_decay) * ww;
}

static double ref_distill_val(size_t k, size_t d, const gsl_vector *theta,
                              const ihg_data *D)
{
    double s = 0.0;
    for (size_t i = 0; i < D->n; i++) {
        double z[16], se = 0.0;
        for (size_t a = 0; a < k; a++) {
            z[a] = gsl_vector_get(theta, k * d + a);
            for (size_t j = 0; j < d; j++)
                z[a] += gsl_vector_get(theta, a * d + j) *
                        gsl_matrix_get(D->X, i, j);
            se += exp(z[a]);
        }
        s += log(se) - z[(size_t)gsl_vector_get(D->y, i)];
    }
    return s / (double)D->n;
}

static void check_distill(gsl_rng *rng)
{
    const char *tag = "distill";
    size_t d = 6, k = 3;
    ihg_config cfg;
    char keys[128];
    snprintf(keys, sizeof keys, "init_scale: %g, distill_log_decay: %g",
             INIT_SCALE, DISTILL_LOG_DECAY);
    if (cfg_model(&cfg, "distill", keys) != 0)
        return;
    ihg_dataset ds;
    dataset_make(&ds, IHG_TASK_MULTICLASS, d, k, rng);
    ihg_model *m = ihg_model_alloc(ihg_model_distill, &cfg, &ds, N_TRAIN);
    CHECK(m != NULL, "%s: alloc (%s)", tag, m ? "ok" : ihg_error_message());
    if (!m) {
        dataset_del(&ds);
        ihg_config_free(&cfg);
        return;
    }
    CHECK(m->P == k * (d + 1) && m->Hn == k * d,
          "%s: P = %zu (want %zu), Hn = %zu (want %zu)", tag, m->P,
          k * (d + 1), m->Hn, k * d);
    ctx c = {m, &cfg, ds.train, ds.val, gsl_vector_alloc(m->P),
             gsl_vector_alloc(m->Hn), tag, rng};

    /* init_lambda: the per-class means of the training images */
    m->type->init_lambda(m, c.lambda, rng);
    double err = 0.0;
    for (size_t cl = 0; cl < k; cl++) {
        double mean[16] = {0};
        size_t cnt = 0;
        for (size_t i = 0; i < ds.train->n; i++)
            if ((size_t)gsl_vector_get(ds.train->y, i) == cl) {
                cnt++;
                for (size_t j = 0; j < d; j++)
                    mean[j] += gsl_matrix_get(ds.train->X, i, j);
            }
        for (size_t j = 0; j < d; j++)
            err = fmax(err, fabs(mean[j] / (double)cnt -
                                 gsl_vector_get(c.lambda, cl * d + j)));
    }
    CHECK(err <= 1e-14, "%s: init_lambda is the per-class mean (max err %.2e)",
          tag, err);
    m->type->init_theta(m, c.theta, rng);
    int bias0 = 1;
    for (size_t a = 0; a < k; a++)
        bias0 &= gsl_vector_get(c.theta, k * d + a) == 0.0;
    CHECK(bias0, "%s: init_theta biases are 0", tag);

    for (size_t i = 0; i < m->P; i++)
        gsl_vector_set(c.theta, i, gsl_ran_gaussian(rng, 0.7));
    for (size_t i = 0; i < m->Hn; i++)
        gsl_vector_set(c.lambda, i, gsl_ran_gaussian(rng, 1.0));

    double lt = LT(&c, c.theta, c.lambda, ds.train, NULL);
    check_close(lt,
                ref_distill_train(k, d, c.theta, c.lambda, DISTILL_LOG_DECAY),
                RTOL_EXACT, 0.0, "L_T equals the naive formula", tag);
    double lv = m->type->val_loss(m, c.theta, c.lambda, ds.val, NULL, NULL);
    check_close(lv, ref_distill_val(k, d, c.theta, ds.val), RTOL_EXACT, 0.0,
                "L_V equals the naive formula", tag);

    /* The data argument of train_* is ignored. */
    rows_view mb;
    rows_of(&mb, ds.train, 7, 13);
    gsl_vector *g1 = gsl_vector_alloc(m->P), *g2 = gsl_vector_alloc(m->P);
    double l1 = LT(&c, c.theta, c.lambda, ds.train, g1);
    double l2 = LT(&c, c.theta, c.lambda, &mb.data, g2);
    CHECK(l1 == l2 && rel_diff(g1, g2, 1e-300) == 0.0,
          "%s: train_loss ignores the data argument", tag);
    double l3 = LT(&c, c.theta, c.lambda, NULL, g2);
    CHECK(l1 == l3 && rel_diff(g1, g2, 1e-300) == 0.0,
          "%s: train_loss works with data = NULL", tag);
    gsl_vector_free(g1);
    gsl_vector_free(g2);

    check_gradient(&c, ds.train, "synthetic set");
    check_hvp(&c, ds.train, "synthetic set");
    check_jtvp(&c);
    check_val(&c);
    check_blocks_and_strides(&c, &ds);

    /* J^T u against finite differences pixel by pixel (every entry). */
    {
        gsl_vector *u = gsl_vector_alloc(m->P), *out = gsl_vector_alloc(m->Hn),
                   *g = gsl_vector_alloc(m->P), *la = gsl_vector_alloc(m->Hn);
        rand_unit(u, rng);
        m->type->train_jtvp(m, c.theta, c.lambda, NULL, u, out);
        double maxerr = 0.0, scale = gsl_blas_dnrm2(out);
        for (size_t i = 0; i < m->Hn; i++) {
            gsl_vector_memcpy(la, c.lambda);
            *gsl_vector_ptr(la, i) += H_FD;
            LT(&c, c.theta, la, NULL, g);
            double fp = dot(g, u);
            *gsl_vector_ptr(la, i) -= 2 * H_FD;
            LT(&c, c.theta, la, NULL, g);
            double fm = dot(g, u);
            maxerr = fmax(maxerr, fabs((fp - fm) / (2 * H_FD) -
                                       gsl_vector_get(out, i)));
        }
        CHECK(maxerr <= RTOL_FD * scale,
              "%s: every (J^T u)_i vs central difference (max err %.2e, "
              "||J^T u|| %.3g)", tag, maxerr, scale);
        gsl_vector_free(u);
        gsl_vector_free(out);
        gsl_vector_free(g);
        gsl_vector_free(la);
    }

    /* Huge pixels and weights: finite everything. */
    {
        gsl_vector *t = gsl_vector_alloc(m->P), *l = gsl_vector_alloc(m->Hn),
                   *g = gsl_vector_alloc(m->P), *u = gsl_vector_alloc(m->P),
                   *Hu = gsl_vector_alloc(m->P), *J = gsl_vector_alloc(m->Hn);
        for (size_t i = 0; i < m->P; i++)
            gsl_vector_set(t, i, gsl_ran_gaussian(rng, 100.0));
        for (size_t i = 0; i < m->Hn; i++)
            gsl_vector_set(l, i, gsl_ran_gaussian(rng, 1e4));
        rand_unit(u, rng);
        double a = LT(&c, t, l, NULL, g);
        m->type->train_hvp(m, t, l, NULL, u, Hu);
        m->type->train_jtvp(m, t, l, NULL, u, J);
        double b = m->type->val_loss(m, t, l, ds.val, g, NULL);
        CHECK(isfinite(a) && isfinite(b) && all_finite(g) && all_finite(Hu) &&
                  all_finite(J),
              "%s: finite L_T (%.4g), L_V, gradient, H u, J^T u at pixels "
              "~1e4", tag, a);
        gsl_vector_free(t);
        gsl_vector_free(l);
        gsl_vector_free(g);
        gsl_vector_free(u);
        gsl_vector_free(Hu);
        gsl_vector_free(J);
    }

    gsl_vector_free(c.theta);
    gsl_vector_free(c.lambda);
    ihg_model_free(m);

    /* Without training data: init_lambda is small noise. */
    ihg_dataset nods = ds;
    nods.train = NULL;
    ihg_model *m2 = ihg_model_alloc(ihg_model_distill, &cfg, &nods, 4);
    if (m2) {
        gsl_vector *l = gsl_vector_alloc(m2->Hn);
        m2->type->init_lambda(m2, l, rng);
        double mx = 0.0;
        for (size_t i = 0; i < l->size; i++)
            mx = fmax(mx, fabs(gsl_vector_get(l, i)));
        CHECK(mx > 0.0 && mx < 0.1,
              "%s: without training data init_lambda is small noise "
              "(max |lambda| %.3g)", tag, mx);
        gsl_vector_free(l);
        ihg_model_free(m2);
    } else {
        CHECK(0, "%s: alloc without training data (%s)", tag,
              ihg_error_message());
    }
    dataset_del(&ds);
    ihg_config_free(&cfg);
}

/* decay.h's exp(lambda) cache and _e variants against the plain functions
 * (bitwise: the same loops with the same factors), the cache following a
 * lambda changed in place; and the optimizers' raw-pointer loops against
 * the update rules of optim.h written per element (bitwise). */
static void check_decay_cache_and_optim(gsl_rng *rng)
{
    const ihg_hyper_mode modes[] = {IHG_HYPER_PER_WEIGHT, IHG_HYPER_GLOBAL};
    for (size_t mi = 0; mi < 2; mi++) {
        ihg_decay dc;
        ihg_decay_init(&dc, modes[mi]);
        ihg_decay_add_range(&dc, 1, 4);
        ihg_decay_add_range(&dc, 7, 3);
        size_t P = 11, Hn = ihg_decay_n_hyper(&dc);
        ihg_decay_cache ec;
        CHECK(ihg_decay_cache_init(&ec, &dc) == IHG_OK && ec.n == Hn,
              "decay cache: init, %zu factors", Hn);
        gsl_vector *th = gsl_vector_alloc(P), *u = gsl_vector_alloc(P),
                   *la = gsl_vector_alloc(Hn), *a = gsl_vector_alloc(P),
                   *b = gsl_vector_alloc(P), *ja = gsl_vector_alloc(Hn),
                   *jb = gsl_vector_alloc(Hn);
        gsl_matrix *Ha = gsl_matrix_calloc(P, P), *Hb = gsl_matrix_calloc(P, P);
        rand_unit(th, rng);
        rand_unit(u, rng);
        for (int round = 0; round < 2; round++) {
            for (size_t i = 0; i < Hn; i++)
                gsl_vector_set(la, i, gsl_ran_flat(rng, -3.0, 1.0));
            /* round 1: lambda changed in place (same pointer) */
            const double *e = ihg_decay_factors(&ec, la);
            int ok = 1;
            for (size_t i = 0; i < Hn; i++)
                ok &= e[i] == exp(gsl_vector_get(la, i));
            CHECK(ok, "decay cache (%s, round %d): factors are exp(lambda)",
                  mi ? "global" : "per-weight", round);
            gsl_vector_set_zero(a);
            gsl_vector_set_zero(b);
            double l1 = ihg_decay_loss(&dc, th, la);
            ihg_decay_add_grad(&dc, th, la, a);
            double l2 = ihg_decay_loss_grad_e(&dc, e, th, b);
            CHECK(l1 == l2 && ihg_decay_loss_e(&dc, e, th) == l1 &&
                      gsl_vector_equal(a, b),
                  "decay _e (%s): loss and gradient bitwise",
                  mi ? "global" : "per-weight");
            ihg_decay_add_hvp(&dc, la, u, a);
            ihg_decay_add_hvp_e(&dc, e, u, b);
            ihg_decay_add_hessian(&dc, la, Ha);
            ihg_decay_add_hessian_e(&dc, e, Hb);
            ihg_decay_jtvp(&dc, th, la, u, ja);
            ihg_decay_jtvp_e(&dc, e, th, u, jb);
            CHECK(gsl_vector_equal(a, b) && gsl_matrix_equal(Ha, Hb) &&
                      gsl_vector_equal(ja, jb),
                  "decay _e (%s): H u, Hessian, J^T u bitwise",
                  mi ? "global" : "per-weight");
        }
        ihg_decay_cache_free(&ec);
        ihg_decay_cache_free(&ec); /* harmless twice */
        gsl_vector_free(th);
        gsl_vector_free(u);
        gsl_vector_free(la);
        gsl_vector_free(a);
        gsl_vector_free(b);
        gsl_vector_free(ja);
        gsl_vector_free(jb);
        gsl_matrix_free(Ha);
        gsl_matrix_free(Hb);
    }

    /* Optimizers: strided x and g (columns of n x 2 matrices), clipping
     * active, five steps, against the rules element by element. */
    const ihg_opt_kind kinds[] = {IHG_OPT_SGD, IHG_OPT_MOMENTUM, IHG_OPT_ADAM,
                                  IHG_OPT_RMSPROP};
    const char *names[] = {"sgd", "momentum", "adam", "rmsprop"};
    size_t n = 9;
    for (size_t k = 0; k < 4; k++) {
        ihg_optimizer *o = ihg_optimizer_alloc(kinds[k], n);
        o->lr = 0.3;
        o->clip_min = -0.8;
        o->clip_max = 0.9;
        gsl_matrix *X = gsl_matrix_alloc(n, 2), *G = gsl_matrix_alloc(n, 2);
        gsl_vector_view x = gsl_matrix_column(X, 1), g = gsl_matrix_column(G, 0);
        double xr[9], mr[9] = {0}, sr[9] = {0};
        for (size_t i = 0; i < n; i++) {
            xr[i] = gsl_ran_flat(rng, -1.0, 1.0);
            gsl_vector_set(&x.vector, i, xr[i]);
        }
        int ok = 1;
        for (long t = 1; t <= 5; t++) {
            for (size_t i = 0; i < n; i++)
                gsl_vector_set(&g.vector, i, gsl_ran_gaussian(rng, 1.0));
            ihg_optimizer_step(o, &x.vector, &g.vector);
            double bc1 = 1.0 - pow(o->beta1, (double)t);
            double bc2 = 1.0 - pow(o->beta2, (double)t);
            for (size_t i = 0; i < n; i++) {
                double gi = gsl_vector_get(&g.vector, i), step;
                if (kinds[k] == IHG_OPT_MOMENTUM) {
                    mr[i] = o->momentum * mr[i] + gi;
                    step = o->lr * mr[i];
                } else if (kinds[k] == IHG_OPT_ADAM) {
                    mr[i] = o->beta1 * mr[i] + (1 - o->beta1) * gi;
                    sr[i] = o->beta2 * sr[i] + (1 - o->beta2) * gi * gi;
                    step = o->lr * (mr[i] / bc1) / (sqrt(sr[i] / bc2) + o->eps);
                } else if (kinds[k] == IHG_OPT_RMSPROP) {
                    sr[i] = o->decay * sr[i] + (1 - o->decay) * gi * gi;
                    step = o->lr * gi / (sqrt(sr[i]) + o->eps);
                } else {
                    step = o->lr * gi;
                }
                xr[i] -= step;
                if (xr[i] < o->clip_min)
                    xr[i] = o->clip_min;
                if (xr[i] > o->clip_max)
                    xr[i] = o->clip_max;
                ok &= memcmp(&xr[i], gsl_vector_const_ptr(&x.vector, i),
                             sizeof(double)) == 0;
            }
        }
        CHECK(ok, "optim %s: strided raw-pointer step == the rule, bitwise",
              names[k]);
        gsl_matrix_free(X);
        gsl_matrix_free(G);
        ihg_optimizer_free(o);
    }
}

int main(void)
{
    ihg_error_install_gsl_handler();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20200);
    const char *acts[] = {"tanh", "softplus"};
    const ihg_task tasks[] = {IHG_TASK_MULTICLASS, IHG_TASK_BINARY,
                              IHG_TASK_REGRESSION};
    const ihg_hyper_mode modes[] = {IHG_HYPER_PER_WEIGHT, IHG_HYPER_GLOBAL};
    for (size_t a = 0; a < 2; a++)
        for (size_t t = 0; t < 3; t++)
            for (size_t h = 0; h < 2; h++)
                check_mlp(acts[a], tasks[t], modes[h], 1 + (a + t + h) % 2,
                          rng);
    check_mlp_limits(rng);
    check_distill(rng);
    check_decay_cache_and_optim(rng);
    gsl_rng_free(rng);
    return check_summary();
}
