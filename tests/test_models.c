/* test_models.c - every model family against finite differences and naive
 * reference formulas (the losses of ihgtui-experiment(5) and of each
 * family's file comment).
 *
 * The data sets are built here directly (no src/data.c).  For each family
 * and hyper mode (per-weight, global), at a random theta and lambda ~
 * U(-3, 1), along random unit directions:
 *   - the losses equal a naive re-implementation of the formula;
 *   - r . grad L_T, H u, s . J^T u, r . dL_V/dtheta, s . dL_V/dlambda equal
 *     central differences;
 *   - train_hessian equals H e_j column by column and is symmetric;
 *   - minibatches (row views), strided vectors and a workspace smaller than
 *     the data (max_rows < n) give the same answers;
 * plus the quadratic's closed-form inner solution, logistic/softmax at huge
 * logits, accuracy, initialisation and the registry.
 *
 * Tolerances.  A central difference (f(x+h) - f(x-h)) / 2h has truncation
 * error h^2/6 |f'''| and rounding error about eps |f| / h.  With h = 1e-5
 * and O(1) data that is ~1e-11 + ~2e-11 relative to the size of f and its
 * derivatives, so comparing with rtol 1e-6 (relative to the natural scale
 * of the quantity, e.g. ||grad|| ||r|| for r . grad, which also covers the
 * cancellation in a dot product) leaves five orders of margin and still
 * catches any wrong term (an error in a formula is O(1) relative).
 * Comparisons of two exact computations that only differ in summation order
 * (BLAS blocks, chunks, naive loops over <= 100 rows) use rtol 1e-12:
 * rounding is ~n eps ~ 1e-14 relative.
 */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "derivcheck.h"
#include "error.h"
#include "model.h"


/* ---------- tiny local data sets ---------- */

static void data_fill(ihg_data *D, ihg_task task, size_t k, const double *wt,
                      gsl_rng *rng)
{
    size_t d = D->d;
    for (size_t i = 0; i < D->n; i++) {
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(D->X, i, j, gsl_ran_gaussian(rng, 1.0));
        const double *x = D->X->data + i * D->X->tda;
        double y = 0.0;
        if (task == IHG_TASK_MULTICLASS) {
            double best = -HUGE_VAL;
            for (size_t c = 0; c < k; c++) {
                double z = gsl_ran_gaussian(rng, 0.5);
                for (size_t j = 0; j < d; j++)
                    z += wt[c * d + j] * x[j];
                if (z > best) {
                    best = z;
                    y = (double)c;
                }
            }
        } else {
            double z = gsl_ran_gaussian(rng, 0.5);
            for (size_t j = 0; j < d; j++)
                z += wt[j] * x[j];
            y = task == IHG_TASK_BINARY ? (z > 0 ? 1.0 : 0.0) : z;
        }
        gsl_vector_set(D->y, i, y);
    }
}

static void dataset_make(ihg_dataset *ds, ihg_task task, size_t n, size_t nv,
                         size_t d, size_t k, gsl_rng *rng)
{
    memset(ds, 0, sizeof *ds);
    double wt[64];
    for (size_t j = 0; j < sizeof wt / sizeof wt[0]; j++)
        wt[j] = gsl_ran_gaussian(rng, 1.0);
    ds->train = data_new(n, d);
    ds->val = data_new(nv, d);
    data_fill(ds->train, task, k, wt, rng);
    data_fill(ds->val, task, k, wt, rng);
    ds->d = d;
    ds->k = task == IHG_TASK_MULTICLASS ? k : task == IHG_TASK_BINARY ? 2 : 0;
    ds->task = task;
}

/* ---------- the options of each family ---------- */

/* The values given to the families' keys (the quadratic's A, c, t, theta0
 * are what its reference formulas below use). */
#define INIT_LOG_DECAY -2.5
#define INIT_SCALE 0.1
static const double QA[4] = {3.0, 1.0, 1.0, 2.0};
static const double QC[2] = {1.0, -2.0};
static const double QT[2] = {0.5, 0.25};
static const double QTHETA0[2] = {-1.0, 1.5};

/* cfg for family `name` in hyper mode `mode`, with the values above;
 * 0 or -1 (a failed check). */
static int cfg_make(ihg_config *cfg, const char *name, ihg_hyper_mode mode)
{
    char keys[512];
    const char *hyper = mode == IHG_HYPER_GLOBAL ? "global" : "per-weight";
    if (strcmp(name, "quadratic") == 0)
        snprintf(keys, sizeof keys,
                 "hyper: %s, init_log_decay: %.17g, A: [%.17g, %.17g, %.17g, "
                 "%.17g], c: [%.17g, %.17g], t: [%.17g, %.17g], "
                 "theta0: [%.17g, %.17g]", hyper, INIT_LOG_DECAY, QA[0],
                 QA[1], QA[2], QA[3], QC[0], QC[1], QT[0], QT[1], QTHETA0[0],
                 QTHETA0[1]);
    else
        snprintf(keys, sizeof keys,
                 "hyper: %s, init_log_decay: %.17g, init_scale: %.17g", hyper,
                 INIT_LOG_DECAY, INIT_SCALE);
    return cfg_model(cfg, name, keys);
}

/* ---------- vector helpers ---------- */

static double ref_decay(const ihg_model *m, const gsl_vector *theta,
                        const gsl_vector *lambda)
{
    /* The decayed weights come first in theta: both coordinates of the
     * quadratic, w for ridge/logistic, W (k x d) for softmax. */
    const char *name = m->type->name;
    size_t nw = strcmp(name, "quadratic") == 0 ? 2
                : strcmp(name, "softmax") == 0 ? m->k * m->d
                                               : m->d;
    double s = 0.0;
    for (size_t j = 0; j < nw; j++) {
        double l = gsl_vector_get(lambda, m->hyper == IHG_HYPER_GLOBAL ? 0 : j);
        double t = gsl_vector_get(theta, j);
        s += 0.5 * exp(l) * t * t;
    }
    return s;
}

/* Mean data loss of the family's formula (its file comment), row by row. */
static double ref_data_loss(const ihg_model *m, const gsl_vector *theta,
                            const ihg_data *D)
{
    const char *name = m->type->name;
    size_t d = m->d, k = m->k;
    if (strcmp(name, "quadratic") == 0) {
        double r0 = gsl_vector_get(theta, 0) - QC[0];
        double r1 = gsl_vector_get(theta, 1) - QC[1];
        const double *A = QA;
        return 0.5 * (r0 * (A[0] * r0 + A[1] * r1) + r1 * (A[2] * r0 + A[3] * r1));
    }
    double s = 0.0;
    for (size_t i = 0; i < D->n; i++) {
        double y = gsl_vector_get(D->y, i);
        if (strcmp(name, "softmax") == 0) {
            double z[16], se = 0.0;
            for (size_t c = 0; c < k; c++) {
                z[c] = gsl_vector_get(theta, k * d + c);
                for (size_t j = 0; j < d; j++)
                    z[c] += gsl_vector_get(theta, c * d + j) *
                            gsl_matrix_get(D->X, i, j);
                se += exp(z[c]);
            }
            s += log(se) - z[(size_t)y];
            continue;
        }
        double z = gsl_vector_get(theta, d);
        for (size_t j = 0; j < d; j++)
            z += gsl_vector_get(theta, j) * gsl_matrix_get(D->X, i, j);
        if (strcmp(name, "ridge") == 0)
            s += 0.5 * (z - y) * (z - y);
        else
            s += log(1.0 + exp(-(2.0 * y - 1.0) * z));
    }
    return s / (double)D->n;
}

static double ref_val_loss(const ihg_model *m, const gsl_vector *theta,
                           const ihg_data *D)
{
    if (strcmp(m->type->name, "quadratic") == 0) {
        double r0 = gsl_vector_get(theta, 0) - QT[0];
        double r1 = gsl_vector_get(theta, 1) - QT[1];
        return 0.5 * (r0 * r0 + r1 * r1);
    }
    return ref_data_loss(m, theta, D);
}

static double ref_accuracy(const ihg_model *m, const gsl_vector *theta,
                           const ihg_data *D)
{
    size_t d = m->d, k = m->k, right = 0;
    for (size_t i = 0; i < D->n; i++) {
        size_t y = (size_t)gsl_vector_get(D->y, i), pred = 0;
        if (k == 2) {
            double z = gsl_vector_get(theta, d);
            for (size_t j = 0; j < d; j++)
                z += gsl_vector_get(theta, j) * gsl_matrix_get(D->X, i, j);
            pred = z > 0;
        } else {
            double best = -HUGE_VAL;
            for (size_t c = 0; c < k; c++) {
                double z = gsl_vector_get(theta, k * d + c);
                for (size_t j = 0; j < d; j++)
                    z += gsl_vector_get(theta, c * d + j) *
                         gsl_matrix_get(D->X, i, j);
                if (z > best) {
                    best = z;
                    pred = c;
                }
            }
        }
        right += pred == y;
    }
    return (double)right / (double)D->n;
}

/* ---------- the generic checks ---------- */

static void check_losses(ctx *c)
{
    ihg_model *m = c->m;
    size_t P = m->P;
    gsl_vector *g = gsl_vector_alloc(P);
    double lt = LT(c, c->theta, c->lambda, c->train, g);
    double want = ref_data_loss(m, c->theta, c->train) +
                  ref_decay(m, c->theta, c->lambda);
    check_close(lt, want, RTOL_EXACT, 0.0, "L_T equals the formula", c->tag);
    double lt2 = LT(c, c->theta, c->lambda, c->train, NULL);
    check_close(lt2, lt, RTOL_EXACT, 0.0, "L_T without gradient", c->tag);
    double lv = m->type->val_loss(m, c->theta, c->lambda, c->val, NULL, NULL);
    check_close(lv, ref_val_loss(m, c->theta, c->val), RTOL_EXACT, 0.0,
                "L_V equals the formula", c->tag);
    gsl_vector_free(g);
}

static void check_hessian(ctx *c, const ihg_data *D, const char *where)
{
    ihg_model *m = c->m;
    if (!m->type->train_hessian)
        return;
    size_t P = m->P;
    gsl_matrix *H = gsl_matrix_alloc(P, P);
    gsl_vector *e = gsl_vector_alloc(P), *He = gsl_vector_alloc(P);
    m->type->train_hessian(m, c->theta, c->lambda, D, H);
    double hmax = 0.0, asym = 0.0, err = 0.0;
    for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < P; j++) {
            double h = gsl_matrix_get(H, i, j);
            hmax = fmax(hmax, fabs(h));
            asym = fmax(asym, fabs(h - gsl_matrix_get(H, j, i)));
        }
    for (size_t j = 0; j < P; j++) {
        gsl_vector_set_basis(e, j);
        m->type->train_hvp(m, c->theta, c->lambda, D, e, He);
        for (size_t i = 0; i < P; i++)
            err = fmax(err, fabs(gsl_vector_get(He, i) - gsl_matrix_get(H, i, j)));
    }
    CHECK(isfinite(hmax) && err <= RTOL_EXACT * hmax,
          "%s: %s train_hessian equals H e_j (max err %.2e, max |H| %.3g)",
          c->tag, where, err, hmax);
    CHECK(isfinite(hmax) && asym <= RTOL_EXACT * hmax,
          "%s: %s train_hessian symmetric (max |H - H^T| %.2e)", c->tag, where,
          asym);
    gsl_matrix_free(H);
    gsl_vector_free(e);
    gsl_vector_free(He);
}

/* Rows [i0, i0 + nb) of D as a view. */
static void check_minibatch(ctx *c)
{
    if (!c->train)
        return;
    rows_view mb;
    rows_of(&mb, c->train, 7, 13);
    double lt = LT(c, c->theta, c->lambda, &mb.data, NULL);
    double want = ref_data_loss(c->m, c->theta, &mb.data) +
                  ref_decay(c->m, c->theta, c->lambda);
    check_close(lt, want, RTOL_EXACT, 0.0, "minibatch L_T equals the formula",
                c->tag);
    check_gradient(c, &mb.data, "minibatch");
    check_hvp(c, &mb.data, "minibatch");
    check_hessian(c, &mb.data, "minibatch");
}

/* ---------- the caches (ridge's Gram matrix, logistic's curvature,
 * softmax's probabilities, decay.h's exp(lambda)) ---------- */

static ihg_data *data_copy(const ihg_data *D)
{
    ihg_data *C = data_new(D->n, D->d);
    gsl_matrix_memcpy(C->X, D->X);
    gsl_vector_memcpy(C->y, D->y);
    return C;
}

static int same_bits(const gsl_vector *a, const gsl_vector *b)
{
    for (size_t i = 0; i < a->size; i++) {
        double x = gsl_vector_get(a, i), y = gsl_vector_get(b, i);
        if (memcmp(&x, &y, sizeof x) != 0)
            return 0;
    }
    return 1;
}

static int same_bits_m(const gsl_matrix *A, const gsl_matrix *B)
{
    for (size_t i = 0; i < A->size1; i++)
        for (size_t j = 0; j < A->size2; j++) {
            double x = gsl_matrix_get(A, i, j), y = gsl_matrix_get(B, i, j);
            if (memcmp(&x, &y, sizeof x) != 0)
                return 0;
        }
    return 1;
}

/* The caches serve only the bound training set (ds->train) and only at the
 * theta they were made for.  "Uncached" below is the same computation on a
 * copy of the data under another pointer, which never hits the cache.
 * Ridge's cached H u (G u) differs from the two-pass one by rounding only
 * (rtol 1e-14); logistic's and softmax's caches hold what the uncached path
 * computes, so their H u is bitwise the uncached one; train_hessian is
 * bitwise the uncached one for all three. */
static void check_caches(ctx *c, const ihg_dataset *ds)
{
    ihg_model *m = c->m;
    const ihg_model_type *t = m->type;
    size_t P = m->P;
    int ridge = strcmp(t->name, "ridge") == 0;
    double rtol = ridge ? 1e-14 : 0.0;
    ihg_data *copy = data_copy(c->train);
    gsl_vector *u = gsl_vector_alloc(P), *th = gsl_vector_alloc(P),
               *Hu1 = gsl_vector_alloc(P), *Hu2 = gsl_vector_alloc(P),
               *Huc = gsl_vector_alloc(P), *Huf = gsl_vector_alloc(P);
    gsl_matrix *H1 = gsl_matrix_alloc(P, P), *H2 = gsl_matrix_alloc(P, P);
    rand_unit(u, c->rng);
    gsl_vector_memcpy(th, c->theta);

    /* Fresh model: the first HVP fills the cache, the second reads it. */
    ihg_model *f = ihg_model_alloc(t, c->cfg, ds, ds->train->n);
    t->train_hvp(f, th, c->lambda, ds->train, u, Hu1);
    t->train_hvp(f, th, c->lambda, ds->train, u, Hu2);
    CHECK(same_bits(Hu1, Hu2), "%s: cached H u (2nd call) == filling call",
          c->tag);
    t->train_hvp(f, th, c->lambda, copy, u, Huc);
    double e = rel_diff(Hu2, Huc, 1e-300);
    CHECK(ridge ? e <= rtol : same_bits(Hu2, Huc),
          "%s: cached H u vs uncached (copy of the data): rel %.2e (want %s)",
          c->tag, e, ridge ? "<= 1e-14" : "bitwise");
    t->train_hessian(f, th, c->lambda, ds->train, H1);
    t->train_hessian(f, th, c->lambda, copy, H2);
    CHECK(same_bits_m(H1, H2), "%s: cached train_hessian == uncached, bitwise",
          c->tag);
    /* H u from the (cached) Hessian agrees too. */
    gsl_blas_dgemv(CblasNoTrans, 1.0, H1, u, 0.0, Huf);
    CHECK(rel_diff(Hu2, Huf, 1e-300) <= RTOL_EXACT,
          "%s: cached H u == cached train_hessian times u", c->tag);

    /* A different data set with the same sizes is not served from the
     * cache: scale the copy's X by 2 (H u changes: x4 for ridge's X^T X
     * part) and compare with a model bound to that data set. */
    gsl_matrix_scale(copy->X, 2.0);
    ihg_dataset ds2 = *ds;
    ds2.train = copy;
    ihg_model *g = ihg_model_alloc(t, c->cfg, &ds2, copy->n);
    t->train_hvp(f, th, c->lambda, copy, u, Huc);
    t->train_hvp(g, th, c->lambda, copy, u, Huf); /* cached in g */
    CHECK(rel_diff(Huc, Hu2, 1e-300) > 1e-3,
          "%s: another data set under another pointer: H u differs (%.2e)",
          c->tag, rel_diff(Huc, Hu2, 1e-300));
    e = rel_diff(Huc, Huf, 1e-300);
    CHECK(ridge ? e <= rtol : same_bits(Huc, Huf),
          "%s: ... and equals that data set's own (cached) H u: rel %.2e",
          c->tag, e);
    t->train_hvp(f, th, c->lambda, ds->train, u, Huc);
    CHECK(same_bits(Huc, Hu2), "%s: the bound set's cache survives it",
          c->tag);

    /* theta changed in place (same pointer): logistic and softmax must
     * recompute; ridge's H does not depend on theta. */
    gsl_vector_set(th, 0, gsl_vector_get(th, 0) + 0.25);
    gsl_vector_set(th, P - 1, gsl_vector_get(th, P - 1) - 0.5);
    t->train_hvp(f, th, c->lambda, ds->train, u, Huc);
    ihg_model *h = ihg_model_alloc(t, c->cfg, ds, ds->train->n);
    t->train_hvp(h, th, c->lambda, ds->train, u, Huf); /* fresh */
    CHECK(same_bits(Huc, Huf),
          "%s: theta changed in place: H u == a fresh model's, bitwise",
          c->tag);
    if (!ridge)
        CHECK(rel_diff(Huc, Hu2, 1e-300) > 1e-6,
              "%s: ... and differs from the old theta's (%.2e)", c->tag,
              rel_diff(Huc, Hu2, 1e-300));
    /* Back to the old theta: equal to the first answers again. */
    gsl_vector_memcpy(th, c->theta);
    t->train_hvp(f, th, c->lambda, ds->train, u, Huc);
    CHECK(same_bits(Huc, Hu2), "%s: theta restored: H u as before", c->tag);

    /* A minibatch (row view of the training set: another pointer) is never
     * cached and interleaving it leaves the cache right. */
    rows_view mb;
    rows_of(&mb, ds->train, 3, 17);
    ihg_data *mbc = data_copy(&mb.data);
    t->train_hvp(f, th, c->lambda, &mb.data, u, Huc);
    t->train_hvp(f, th, c->lambda, mbc, u, Huf);
    CHECK(same_bits(Huc, Huf), "%s: minibatch H u == its copy's, bitwise",
          c->tag);
    CHECK(rel_diff(Huc, Hu2, 1e-300) > 1e-6,
          "%s: minibatch H u is not the full set's", c->tag);
    t->train_hvp(f, th, c->lambda, ds->train, u, Huc);
    CHECK(same_bits(Huc, Hu2), "%s: full set after a minibatch: as before",
          c->tag);
    /* The minibatch refilled in place (same pointer, new rows). */
    gsl_matrix_view rows2 = gsl_matrix_submatrix(ds->train->X, 30, 0, 17,
                                                 ds->train->d);
    gsl_vector_view y2 = gsl_vector_subvector(ds->train->y, 30, 17);
    gsl_matrix_memcpy(mbc->X, &rows2.matrix);
    gsl_vector_memcpy(mbc->y, &y2.vector);
    t->train_hvp(f, th, c->lambda, mbc, u, Huc);
    rows_of(&mb, ds->train, 30, 17);
    t->train_hvp(h, th, c->lambda, &mb.data, u, Huf);
    CHECK(same_bits(Huc, Huf),
          "%s: minibatch refilled in place: H u of the new rows", c->tag);

    ihg_model_free(f);
    ihg_model_free(g);
    ihg_model_free(h);
    data_del(copy);
    data_del(mbc);
    gsl_vector_free(u);
    gsl_vector_free(th);
    gsl_vector_free(Hu1);
    gsl_vector_free(Hu2);
    gsl_vector_free(Huc);
    gsl_vector_free(Huf);
    gsl_matrix_free(H1);
    gsl_matrix_free(H2);
}

static void check_init(ctx *c)
{
    ihg_model *m = c->m;
    gsl_vector *t = gsl_vector_alloc(m->P);
    m->type->init_theta(m, t, c->rng);
    check_init_lambda(c, INIT_LOG_DECAY);
    if (strcmp(m->type->name, "quadratic") == 0) {
        CHECK(gsl_vector_get(t, 0) == QTHETA0[0] &&
                  gsl_vector_get(t, 1) == QTHETA0[1],
              "%s: init_theta is theta0", c->tag);
    } else {
        size_t nw = m->P - (m->k == 2 || m->k == 1 ? 1 : m->k);
        int bias0 = 1;
        double ss = 0.0;
        for (size_t i = nw; i < m->P; i++)
            bias0 &= gsl_vector_get(t, i) == 0.0;
        for (size_t i = 0; i < nw; i++)
            ss += gsl_vector_get(t, i) * gsl_vector_get(t, i);
        double sd = sqrt(ss / (double)nw);
        CHECK(bias0, "%s: init_theta biases are 0", c->tag);
        /* The sample std of nw >= 6 normals is within a factor 3 of the
         * truth with overwhelming probability (seeded, deterministic). */
        CHECK(sd > INIT_SCALE / 3 && sd < INIT_SCALE * 3,
              "%s: init_theta weights have std %.3g ~ init_scale %.3g",
              c->tag, sd, INIT_SCALE);
    }
    gsl_vector_free(t);
}

static void check_family(const char *name, ihg_hyper_mode mode,
                         const ihg_dataset *ds, size_t want_P,
                         size_t want_Hn_pw, gsl_rng *rng)
{
    ihg_config cfg;
    char tag[64];
    snprintf(tag, sizeof tag, "%s/%s", name,
             mode == IHG_HYPER_GLOBAL ? "global" : "per-weight");
    const ihg_model_type *type = ihg_model_lookup(name);
    CHECK(type != NULL, "%s: lookup", tag);
    if (!type || cfg_make(&cfg, name, mode) != 0)
        return;
    ihg_model *m = ihg_model_alloc(type, &cfg, ds, ds ? ds->train->n : 0);
    CHECK(m != NULL, "%s: alloc (%s)", tag, m ? "ok" : ihg_error_message());
    if (!m) {
        ihg_config_free(&cfg);
        return;
    }
    size_t want_Hn = mode == IHG_HYPER_GLOBAL ? 1 : want_Hn_pw;
    CHECK(m->P == want_P && m->Hn == want_Hn && m->hyper == mode,
          "%s: P = %zu (want %zu), Hn = %zu (want %zu)", tag, m->P, want_P,
          m->Hn, want_Hn);

    ctx c = {m, &cfg, ds ? ds->train : NULL, ds ? ds->val : NULL,
             gsl_vector_alloc(m->P), gsl_vector_alloc(m->Hn), tag, rng};
    for (size_t i = 0; i < m->P; i++)
        gsl_vector_set(c.theta, i, gsl_ran_gaussian(rng, 0.7));
    for (size_t i = 0; i < m->Hn; i++)
        gsl_vector_set(c.lambda, i, gsl_ran_flat(rng, -3.0, 1.0));

    check_init(&c);
    check_losses(&c);
    check_gradient(&c, c.train, "full batch");
    check_hvp(&c, c.train, "full batch");
    check_jtvp(&c);
    check_val(&c);
    check_hessian(&c, c.train, "full batch");
    check_hessian_diag(&c, c.train);
    if (ds) {
        check_minibatch(&c);
        check_blocks_and_strides(&c, ds);
        check_caches(&c, ds);
    }
    if (type->accuracy)
        check_close(type->accuracy(m, c.theta, c.val),
                    ref_accuracy(m, c.theta, c.val), 0.0, 1.0,
                    "accuracy equals the naive count", tag);

    gsl_vector_free(c.theta);
    gsl_vector_free(c.lambda);
    ihg_model_free(m);
    ihg_config_free(&cfg);
}

/* ---------- family-specific checks ---------- */

static void check_quadratic_solve(ihg_hyper_mode mode, gsl_rng *rng)
{
    ihg_config cfg, cfg_i;
    const char *tag = mode == IHG_HYPER_GLOBAL ? "quadratic/global"
                                               : "quadratic/per-weight";
    if (cfg_make(&cfg, "quadratic", mode) != 0)
        return;
    ihg_model *m = ihg_model_alloc(ihg_model_quadratic, &cfg, NULL, 0);
    gsl_vector *t = gsl_vector_alloc(2), *l = gsl_vector_alloc(m->Hn),
               *g = gsl_vector_alloc(2);
    for (int trial = 0; trial < 3; trial++) {
        for (size_t i = 0; i < m->Hn; i++)
            gsl_vector_set(l, i, gsl_ran_flat(rng, -3.0, 1.0));
        int st = m->type->solve_inner(m, l, t);
        m->type->train_loss(m, t, l, NULL, g);
        /* grad = (A + D) theta* - A c: rounding ~ eps ||A|| ||c||. */
        CHECK(st == IHG_OK && gsl_blas_dnrm2(g) <= 1e-12 * 4.0 * 2.3,
              "%s: solve_inner gives grad L_T = 0 (||grad|| %.2e) #%d", tag,
              gsl_blas_dnrm2(g), trial);
    }
    /* A = I, lambda = 0: theta* = c / 2 exactly. */
    char keys[200];
    snprintf(keys, sizeof keys, "hyper: %s, A: [[1, 0], [0, 1]], c: [%.17g, "
             "%.17g]", mode == IHG_HYPER_GLOBAL ? "global" : "per-weight",
             QC[0], QC[1]);
    if (cfg_model(&cfg_i, "quadratic", keys) == 0) {
        ihg_model *mi = ihg_model_alloc(ihg_model_quadratic, &cfg_i, NULL, 0);
        gsl_vector_set_zero(l);
        mi->type->solve_inner(mi, l, t);
        CHECK(gsl_vector_get(t, 0) == 0.5 && gsl_vector_get(t, 1) == -1.0,
              "%s: A = I, lambda = 0 gives theta* = c/2 (%g, %g)", tag,
              gsl_vector_get(t, 0), gsl_vector_get(t, 1));
        ihg_model_free(mi);
    }
    ihg_config_free(&cfg_i);
    /* Indefinite A + D: refused.  The loader refuses such an A, so it is
     * written into the options past it, where the option table says. */
    const ihg_option *row = ihg_option_find(ihg_model_quadratic->options, "A");
    CHECK(row && row->type == IHG_OPT_MAT2, "%s: the option A is a 2x2 matrix",
          tag);
    if (!row)
        return;
    double N[4] = {-5, 0, 0, 1};
    memcpy(ihg_option_ptr(row, cfg.model.opts), N, sizeof N);
    ihg_model *mn = ihg_model_alloc(ihg_model_quadratic, &cfg, NULL, 0);
    ihg_error_clear();
    int st = mn->type->solve_inner(mn, l, t);
    CHECK(st == IHG_ENOTPD && ihg_error_message()[0] != '\0',
          "%s: indefinite A + diag(e^lambda) refused (%s)", tag,
          ihg_error_message());
    ihg_model_free(mn);
    gsl_vector_free(t);
    gsl_vector_free(l);
    gsl_vector_free(g);
    ihg_model_free(m);
    ihg_config_free(&cfg);
}

/* Logits of size ~1e4..1e5: every exp() would overflow in a naive form. */
static void check_huge_logits(const char *name, const ihg_dataset *ds,
                              gsl_rng *rng)
{
    ihg_config cfg;
    if (cfg_make(&cfg, name, IHG_HYPER_PER_WEIGHT) != 0)
        return;
    ihg_model *m = ihg_model_alloc(ihg_model_lookup(name), &cfg, ds,
                                   ds->train->n);
    size_t P = m->P, d = m->d, k = m->k;
    gsl_vector *t = gsl_vector_alloc(P), *l = gsl_vector_alloc(m->Hn),
               *g = gsl_vector_alloc(P), *u = gsl_vector_alloc(P),
               *Hu = gsl_vector_alloc(P), *gl = gsl_vector_alloc(m->Hn);
    gsl_matrix *H = gsl_matrix_alloc(P, P);
    for (size_t i = 0; i < P; i++)
        gsl_vector_set(t, i, gsl_ran_gaussian(rng, 2e4));
    gsl_vector_set_all(l, -30.0); /* decay ~1e-13: the data term dominates */
    rand_unit(u, rng);
    double lt = m->type->train_loss(m, t, l, ds->train, g);
    m->type->train_hvp(m, t, l, ds->train, u, Hu);
    m->type->train_hessian(m, t, l, ds->train, H);
    double lv = m->type->val_loss(m, t, l, ds->val, g, gl);
    gsl_vector_view hv = gsl_vector_view_array(H->data, P * P);
    CHECK(isfinite(lt) && isfinite(lv) && all_finite(g) && all_finite(Hu) &&
              all_finite(&hv.vector),
          "%s: finite loss (%.4g), gradient, H u, Hessian at |z| ~ 1e5", name,
          lt);
    /* For gaps of hundreds the loss is exactly max(0, -s z) (logistic) or
     * max_c z_c - z_y (softmax), up to exp(-gap) ~ 0. */
    double want = 0.0;
    const ihg_data *D = ds->val;
    for (size_t i = 0; i < D->n; i++) {
        double y = gsl_vector_get(D->y, i);
        if (k == 2) {
            double z = gsl_vector_get(t, d);
            for (size_t j = 0; j < d; j++)
                z += gsl_vector_get(t, j) * gsl_matrix_get(D->X, i, j);
            double a = -(2 * y - 1) * z;
            want += a > 0 ? a : 0;
        } else {
            double mx = -HUGE_VAL, zy = 0;
            for (size_t c = 0; c < k; c++) {
                double z = gsl_vector_get(t, k * d + c);
                for (size_t j = 0; j < d; j++)
                    z += gsl_vector_get(t, c * d + j) * gsl_matrix_get(D->X, i, j);
                mx = fmax(mx, z);
                if (c == (size_t)y)
                    zy = z;
            }
            want += mx - zy;
        }
    }
    want /= (double)D->n;
    /* Rounding of z ~ 1e5 is ~1e-11 absolute; relative 1e-9 is ample. */
    check_close(lv, want, 1e-9, 1.0, "L_V at huge logits equals the limit",
                name);
    gsl_vector_free(t);
    gsl_vector_free(l);
    gsl_vector_free(g);
    gsl_vector_free(u);
    gsl_vector_free(Hu);
    gsl_vector_free(gl);
    gsl_matrix_free(H);
    ihg_model_free(m);
    ihg_config_free(&cfg);
}

static void check_registry(const ihg_dataset *dreg, const ihg_dataset *dbin,
                           const ihg_dataset *dmul)
{
    const char *names[] = {"quadratic", "ridge", "logistic", "softmax"};
    const ihg_model_type *ptrs[] = {ihg_model_quadratic, ihg_model_ridge,
                                    ihg_model_logistic, ihg_model_softmax};
    size_t n = 0;
    while (ihg_model_types[n])
        n++;
    CHECK(n >= 4, "registry: %zu families listed, NULL-terminated", n);
    for (size_t i = 0; i < 4; i++) {
        int listed = 0;
        for (size_t j = 0; j < n; j++)
            listed |= ihg_model_types[j] == ptrs[i];
        CHECK(ihg_model_lookup(names[i]) == ptrs[i] && listed &&
                  strcmp(ptrs[i]->name, names[i]) == 0,
              "registry: lookup(\"%s\") and the list agree", names[i]);
    }
    CHECK(ihg_model_lookup("nonesuch") == NULL && ihg_model_lookup(NULL) == NULL,
          "registry: unknown kind gives NULL");
    int names_ok = 1;
    for (size_t i = 0; i < n; i++)
        names_ok &= ihg_model_types[i]->name &&
                    ihg_model_lookup(ihg_model_types[i]->name) ==
                        ihg_model_types[i];
    CHECK(names_ok, "registry: every family found by its own name (no two "
                    "share one)");
    ihg_error_clear();
    ihg_model_free(NULL);
    CHECK(ihg_error_status() == IHG_OK && ihg_error_message()[0] == '\0',
          "registry: ihg_model_free(NULL) does nothing (%s)",
          ihg_error_message());

    /* cfg[i]: the options of names[i] */
    ihg_config cfg[4];
    for (size_t i = 0; i < 4; i++)
        if (cfg_make(&cfg[i], names[i], IHG_HYPER_PER_WEIGHT) != 0) {
            for (size_t j = 0; j < i; j++)
                ihg_config_free(&cfg[j]);
            return;
        }
    ihg_config *cridge = &cfg[1], *clogistic = &cfg[2], *csoftmax = &cfg[3];
    ihg_error_clear();
    ihg_model *m = ihg_model_alloc(ihg_model_ridge, cridge, NULL, 10);
    CHECK(m == NULL && ihg_error_status() == IHG_EINVAL,
          "registry: ridge without data refused (%s)", ihg_error_message());
    ihg_error_clear();
    m = ihg_model_alloc(ihg_model_ridge, clogistic, dreg, 10);
    CHECK(m == NULL && ihg_error_status() == IHG_EINVAL &&
              strstr(ihg_error_message(), "'ridge'") &&
              strstr(ihg_error_message(), "'logistic'"),
          "registry: ridge with logistic's options refused (%s)",
          ihg_error_message());

    ihg_error_clear();
    m = ihg_model_alloc(ihg_model_logistic, clogistic, dmul, 10);
    CHECK(m == NULL && ihg_error_status() == IHG_EINVAL,
          "registry: logistic on %zu-class labels refused (%s)", dmul->k,
          ihg_error_message());
    ihg_error_clear();
    m = ihg_model_alloc(ihg_model_softmax, csoftmax, dreg, 10);
    CHECK(m == NULL && ihg_error_status() == IHG_EINVAL,
          "registry: softmax on regression targets refused (%s)",
          ihg_error_message());
    m = ihg_model_alloc(ihg_model_softmax, csoftmax, dbin, 10);
    CHECK(m != NULL && m->k == 2 && m->P == 2 * (dbin->d + 1),
          "registry: softmax on binary labels has k = 2");
    ihg_model_free(m);

    /* Absurd sizes: refused before allocating anything. */
    ihg_dataset big = *dmul;
    size_t ds_d[] = {SIZE_MAX, SIZE_MAX / 2, (size_t)1 << 20};
    size_t ds_k[] = {0, 2, (size_t)1 << 20};
    for (size_t i = 0; i < 3; i++) {
        const char *fam = names[i + 1]; /* ridge, logistic, softmax */
        big.d = ds_d[i];
        big.k = ds_k[i];
        big.task = i == 0 ? IHG_TASK_REGRESSION
                   : i == 1 ? IHG_TASK_BINARY : IHG_TASK_MULTICLASS;
        ihg_error_clear();
        m = ihg_model_alloc(ihg_model_lookup(fam), &cfg[i + 1], &big, 1000);
        CHECK(m == NULL && ihg_error_status() == IHG_ELIMIT &&
                  strstr(ihg_error_message(), fam) != NULL,
              "registry: %s with d = %zu, k = %zu refused (%s)", fam,
              big.d, big.k, ihg_error_message());
    }
    for (size_t i = 0; i < 4; i++)
        ihg_config_free(&cfg[i]);
}

static void check_bad_label(const ihg_dataset *ds)
{
    ihg_config cfg;
    if (cfg_make(&cfg, "softmax", IHG_HYPER_GLOBAL) != 0)
        return;
    ihg_model *m = ihg_model_alloc(ihg_model_softmax, &cfg, ds, ds->val->n);
    gsl_vector *t = gsl_vector_calloc(m->P), *l = gsl_vector_calloc(1);
    double keep = gsl_vector_get(ds->val->y, 3);
    gsl_vector_set(ds->val->y, 3, (double)ds->k); /* out of range */
    double lv = m->type->val_loss(m, t, l, ds->val, NULL, NULL);
    CHECK(isnan(lv), "softmax: a label outside 0..k-1 makes L_V NaN");
    gsl_vector_set(ds->val->y, 3, keep);
    /* A data set with other features than the model: error, NaN. */
    ihg_data *wrong = data_new(4, ds->d + 1);
    gsl_matrix_set_zero(wrong->X);
    gsl_vector_set_zero(wrong->y);
    ihg_error_clear();
    lv = m->type->val_loss(m, t, l, wrong, NULL, NULL);
    CHECK(isnan(lv) && ihg_error_status() == IHG_EINTERNAL,
          "softmax: mismatched data refused (%s)", ihg_error_message());
    data_del(wrong);
    gsl_vector_free(t);
    gsl_vector_free(l);
    ihg_model_free(m);
    ihg_config_free(&cfg);
}

int main(void)
{
    gsl_rng_env_setup();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20200826);

    ihg_dataset dreg, dbin, dmul;
    const size_t n = 60, nv = 40, d = 6, dm = 5, k = 4;
    dataset_make(&dreg, IHG_TASK_REGRESSION, n, nv, d, 0, rng);
    dataset_make(&dbin, IHG_TASK_BINARY, n, nv, d, 2, rng);
    dataset_make(&dmul, IHG_TASK_MULTICLASS, n, nv, dm, k, rng);

    for (int mode = 0; mode < 2; mode++) {
        ihg_hyper_mode hm = mode ? IHG_HYPER_GLOBAL : IHG_HYPER_PER_WEIGHT;
        check_family("quadratic", hm, NULL, 2, 2, rng);
        check_quadratic_solve(hm, rng);
        check_family("ridge", hm, &dreg, d + 1, d, rng);
        check_family("logistic", hm, &dbin, d + 1, d, rng);
        check_family("softmax", hm, &dmul, k * (dm + 1), k * dm, rng);
    }
    check_huge_logits("logistic", &dbin, rng);
    check_huge_logits("softmax", &dmul, rng);
    check_bad_label(&dmul);
    check_registry(&dreg, &dbin, &dmul);

    dataset_del(&dreg);
    dataset_del(&dbin);
    dataset_del(&dmul);
    gsl_rng_free(rng);
    return check_summary();
}
