/* derivcheck.h - the derivative checks shared by the model tests.
 *
 * For one model instance (ctx) at a point (theta, lambda): the gradient,
 * the Hessian-vector product (and its symmetry), J^T u and the validation
 * gradients against central differences along random unit directions; the
 * same answers from a blocked workspace and from strided vectors; plus
 * small helpers (a family's options from YAML, tiny data sets, row views,
 * vector arithmetic).  Header-only like check.h; include it after check.h.
 *
 * Tolerances (see the test files' comments): central differences with
 * h = H_FD = 1e-5 are compared at RTOL_FD = 1e-6 relative to the natural
 * scale of the quantity; two exact computations that differ only in
 * summation order at RTOL_EXACT = 1e-12.  Helpers that not every test
 * uses are marked unused.
 */
#ifndef IHG_DERIVCHECK_H
#define IHG_DERIVCHECK_H

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "model.h"

#define H_FD 1e-5
#define RTOL_FD 1e-6
#define RTOL_EXACT 1e-12
#define N_DIRS 3

/* ---------- a family's options ---------- */

/* cfg for the family `kind` with the model keys `keys` (the inside of a
 * YAML flow mapping, e.g. "hyper: global, init_scale: 0.1"; NULL or "" for
 * the defaults), read by the experiment loader as a file would be.
 * Returns 0, or -1 (a failed check) when the loader refuses them. */
static int cfg_model(ihg_config *cfg, const char *kind, const char *keys)
{
    char text[1024];
    snprintf(text, sizeof text, "model: {kind: %s%s%s}\n", kind,
             keys && *keys ? ", " : "", keys ? keys : "");
    if (ihg_config_load_string(cfg, "test.yaml", text, strlen(text), NULL) ==
        IHG_OK)
        return 0;
    CHECK(0, "options of %s load: %s", kind, ihg_error_message());
    return -1;
}

/* ---------- tiny data sets ---------- */

__attribute__((unused)) static ihg_data *data_new(size_t n, size_t d)
{
    ihg_data *D = calloc(1, sizeof *D);
    D->n = n;
    D->d = d;
    D->X = gsl_matrix_alloc(n, d);
    D->y = gsl_vector_alloc(n);
    return D;
}

__attribute__((unused)) static void data_del(ihg_data *D)
{
    if (!D)
        return;
    gsl_matrix_free(D->X);
    gsl_vector_free(D->y);
    free(D);
}

__attribute__((unused)) static void dataset_del(ihg_dataset *ds)
{
    data_del(ds->train);
    data_del(ds->val);
}

/* Rows [i0, i0 + nb) of D as a view. */
typedef struct {
    ihg_data data;
    gsl_matrix_view X;
    gsl_vector_view y;
} rows_view;

__attribute__((unused)) static void rows_of(rows_view *v, const ihg_data *D, size_t i0, size_t nb)
{
    v->X = gsl_matrix_submatrix(D->X, i0, 0, nb, D->d);
    v->y = gsl_vector_subvector(D->y, i0, nb);
    v->data.n = nb;
    v->data.d = D->d;
    v->data.X = &v->X.matrix;
    v->data.y = &v->y.vector;
}

/* ---------- vector helpers ---------- */

static void rand_unit(gsl_vector *v, gsl_rng *rng)
{
    for (size_t i = 0; i < v->size; i++)
        gsl_vector_set(v, i, gsl_ran_gaussian(rng, 1.0));
    gsl_vector_scale(v, 1.0 / gsl_blas_dnrm2(v));
}

static double dot(const gsl_vector *a, const gsl_vector *b)
{
    double s;
    gsl_blas_ddot(a, b, &s);
    return s;
}

static double rel_diff(const gsl_vector *a, const gsl_vector *b, double floor_)
{
    double s = 0.0, nb = gsl_blas_dnrm2(b);
    for (size_t i = 0; i < a->size; i++) {
        double e = gsl_vector_get(a, i) - gsl_vector_get(b, i);
        s += e * e;
    }
    if (!isfinite(s))
        return HUGE_VAL;
    return sqrt(s) / (nb > floor_ ? nb : floor_);
}

__attribute__((unused)) static int all_finite(const gsl_vector *v)
{
    for (size_t i = 0; i < v->size; i++)
        if (!isfinite(gsl_vector_get(v, i)))
            return 0;
    return 1;
}

static void check_close(double got, double want, double rtol, double scale,
                        const char *what, const char *tag)
{
    check_report(check_rel(got, want, rtol, scale),
                 "%s: %s: got %.15g want %.15g (rtol %g, scale %.3g)", tag,
                 what, got, want, rtol, scale);
}

/* ---------- the generic checks ---------- */

typedef struct {
    ihg_model *m;
    const ihg_config *cfg; /* the options m was made with */
    const ihg_data *train, *val;
    gsl_vector *theta, *lambda;
    const char *tag; /* "family/mode" */
    gsl_rng *rng;
} ctx;

static double LT(ctx *c, const gsl_vector *th, const gsl_vector *la,
                 const ihg_data *D, gsl_vector *g)
{
    return c->m->type->train_loss(c->m, th, la, D, g);
}

static void check_gradient(ctx *c, const ihg_data *D, const char *where)
{
    size_t P = c->m->P;
    gsl_vector *g = gsl_vector_alloc(P), *r = gsl_vector_alloc(P),
               *tp = gsl_vector_alloc(P), *tm = gsl_vector_alloc(P);
    char what[128];
    LT(c, c->theta, c->lambda, D, g);
    double gn = gsl_blas_dnrm2(g);
    for (int dir = 0; dir < N_DIRS; dir++) {
        rand_unit(r, c->rng);
        gsl_vector_memcpy(tp, c->theta);
        gsl_blas_daxpy(H_FD, r, tp);
        gsl_vector_memcpy(tm, c->theta);
        gsl_blas_daxpy(-H_FD, r, tm);
        double fd = (LT(c, tp, c->lambda, D, NULL) -
                     LT(c, tm, c->lambda, D, NULL)) / (2 * H_FD);
        snprintf(what, sizeof what, "%s r.grad L_T vs central difference #%d",
                 where, dir);
        check_close(dot(r, g), fd, RTOL_FD, gn, what, c->tag);
    }
    gsl_vector_free(g);
    gsl_vector_free(r);
    gsl_vector_free(tp);
    gsl_vector_free(tm);
}

static void check_hvp(ctx *c, const ihg_data *D, const char *where)
{
    size_t P = c->m->P;
    gsl_vector *u = gsl_vector_alloc(P), *Hu = gsl_vector_alloc(P),
               *tp = gsl_vector_alloc(P), *tm = gsl_vector_alloc(P),
               *gp = gsl_vector_alloc(P), *gm = gsl_vector_alloc(P),
               *a = gsl_vector_alloc(P), *Ha = gsl_vector_alloc(P);
    for (int dir = 0; dir < N_DIRS; dir++) {
        rand_unit(u, c->rng);
        c->m->type->train_hvp(c->m, c->theta, c->lambda, D, u, Hu);
        gsl_vector_memcpy(tp, c->theta);
        gsl_blas_daxpy(H_FD, u, tp);
        gsl_vector_memcpy(tm, c->theta);
        gsl_blas_daxpy(-H_FD, u, tm);
        LT(c, tp, c->lambda, D, gp);
        LT(c, tm, c->lambda, D, gm);
        gsl_vector_sub(gp, gm);
        gsl_vector_scale(gp, 1.0 / (2 * H_FD));
        double e = rel_diff(Hu, gp, 1e-300);
        CHECK(e <= RTOL_FD,
              "%s: %s H u vs central difference of grad #%d: rel err %.2e",
              c->tag, where, dir, e);
        /* symmetry: a . H u = u . H a */
        rand_unit(a, c->rng);
        c->m->type->train_hvp(c->m, c->theta, c->lambda, D, a, Ha);
        double s1 = dot(a, Hu), s2 = dot(u, Ha);
        double scale = fmax(gsl_blas_dnrm2(Hu), gsl_blas_dnrm2(Ha));
        check_close(s1, s2, RTOL_EXACT, scale, "a.(H u) = u.(H a)", c->tag);
    }
    gsl_vector_free(u);
    gsl_vector_free(Hu);
    gsl_vector_free(tp);
    gsl_vector_free(tm);
    gsl_vector_free(gp);
    gsl_vector_free(gm);
    gsl_vector_free(a);
    gsl_vector_free(Ha);
}

static void check_jtvp(ctx *c)
{
    size_t P = c->m->P, Hn = c->m->Hn;
    gsl_vector *u = gsl_vector_alloc(P), *s = gsl_vector_alloc(Hn),
               *out = gsl_vector_alloc(Hn), *lp = gsl_vector_alloc(Hn),
               *lm = gsl_vector_alloc(Hn), *g = gsl_vector_alloc(P);
    for (int dir = 0; dir < N_DIRS; dir++) {
        rand_unit(u, c->rng);
        rand_unit(s, c->rng);
        c->m->type->train_jtvp(c->m, c->theta, c->lambda, c->train, u, out);
        gsl_vector_memcpy(lp, c->lambda);
        gsl_blas_daxpy(H_FD, s, lp);
        gsl_vector_memcpy(lm, c->lambda);
        gsl_blas_daxpy(-H_FD, s, lm);
        LT(c, c->theta, lp, c->train, g);
        double fp = dot(g, u);
        LT(c, c->theta, lm, c->train, g);
        double fm = dot(g, u);
        double fd = (fp - fm) / (2 * H_FD);
        char what[128];
        snprintf(what, sizeof what,
                 "s.(J^T u) vs d/de <grad L_T(lambda + e s), u> #%d", dir);
        check_close(dot(s, out), fd, RTOL_FD, gsl_blas_dnrm2(out), what,
                    c->tag);
    }
    gsl_vector_free(u);
    gsl_vector_free(s);
    gsl_vector_free(out);
    gsl_vector_free(lp);
    gsl_vector_free(lm);
    gsl_vector_free(g);
}

/* The family's closed-form diagonal of H (train_hessian_diag) against
 * e_j . H e_j from Hessian-vector products (summation order: RTOL_EXACT of
 * the largest entry). */
__attribute__((unused)) static void check_hessian_diag(ctx *c, const ihg_data *D)
{
    size_t P = c->m->P;
    if (!c->m->type->train_hessian_diag)
        return;
    gsl_vector *dg = gsl_vector_alloc(P), *e = gsl_vector_alloc(P), *He = gsl_vector_alloc(P);
    c->m->type->train_hessian_diag(c->m, c->theta, c->lambda, D, dg);
    double worst = 0, big = 0;
    for (size_t j = 0; j < P; j++) {
        gsl_vector_set_basis(e, j);
        c->m->type->train_hvp(c->m, c->theta, c->lambda, D, e, He);
        worst = fmax(worst, fabs(gsl_vector_get(dg, j) - gsl_vector_get(He, j)));
        big = fmax(big, fabs(gsl_vector_get(He, j)));
    }
    CHECK(worst <= RTOL_EXACT * big, "%s: diag(H) in closed form = e_j.H e_j (max diff %.2g "
          "of %.3g)", c->tag, worst, big);
    gsl_vector_free(dg);
    gsl_vector_free(e);
    gsl_vector_free(He);
}

/* J u (model.h train_jvp) against central differences of grad L_T along
 * lambda, and against J^T: w.(J u) = u.(J^T w). */
__attribute__((unused)) static void check_jvp(ctx *c)
{
    size_t P = c->m->P, Hn = c->m->Hn;
    gsl_vector *s = gsl_vector_alloc(Hn), *Ju = gsl_vector_alloc(P),
               *lp = gsl_vector_alloc(Hn), *lm = gsl_vector_alloc(Hn),
               *gp = gsl_vector_alloc(P), *gm = gsl_vector_alloc(P),
               *w = gsl_vector_alloc(P), *Jtw = gsl_vector_alloc(Hn);
    for (int dir = 0; dir < N_DIRS; dir++) {
        rand_unit(s, c->rng);
        c->m->type->train_jvp(c->m, c->theta, c->lambda, c->train, s, Ju);
        gsl_vector_memcpy(lp, c->lambda);
        gsl_blas_daxpy(H_FD, s, lp);
        gsl_vector_memcpy(lm, c->lambda);
        gsl_blas_daxpy(-H_FD, s, lm);
        LT(c, c->theta, lp, c->train, gp);
        LT(c, c->theta, lm, c->train, gm);
        gsl_vector_sub(gp, gm);
        gsl_vector_scale(gp, 1.0 / (2 * H_FD));
        double e = rel_diff(Ju, gp, 1e-300);
        CHECK(e <= RTOL_FD, "%s: J u vs central difference of grad L_T along lambda #%d: "
              "rel err %.2e", c->tag, dir, e);
        rand_unit(w, c->rng);
        c->m->type->train_jtvp(c->m, c->theta, c->lambda, c->train, w, Jtw);
        check_close(dot(w, Ju), dot(s, Jtw), RTOL_EXACT,
                    fmax(gsl_blas_dnrm2(Ju), gsl_blas_dnrm2(Jtw)), "w.(J u) = u.(J^T w)",
                    c->tag);
    }
    gsl_vector *vs[] = {s, Ju, lp, lm, gp, gm, w, Jtw};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        gsl_vector_free(vs[i]);
}

static void check_val(ctx *c)
{
    ihg_model *m = c->m;
    size_t P = m->P, Hn = m->Hn;
    gsl_vector *gt = gsl_vector_alloc(P), *gl = gsl_vector_alloc(Hn),
               *r = gsl_vector_alloc(P), *s = gsl_vector_alloc(Hn),
               *tp = gsl_vector_alloc(P), *tm = gsl_vector_alloc(P),
               *lp = gsl_vector_alloc(Hn), *lm = gsl_vector_alloc(Hn);
    double lv = m->type->val_loss(m, c->theta, c->lambda, c->val, gt, gl);
    double lv0 = m->type->val_loss(m, c->theta, c->lambda, c->val, NULL, NULL);
    check_close(lv, lv0, RTOL_EXACT, 0.0, "L_V with and without gradients",
                c->tag);
    double gn = gsl_blas_dnrm2(gt);
    for (int dir = 0; dir < N_DIRS; dir++) {
        char what[128];
        rand_unit(r, c->rng);
        gsl_vector_memcpy(tp, c->theta);
        gsl_blas_daxpy(H_FD, r, tp);
        gsl_vector_memcpy(tm, c->theta);
        gsl_blas_daxpy(-H_FD, r, tm);
        double fd = (m->type->val_loss(m, tp, c->lambda, c->val, NULL, NULL) -
                     m->type->val_loss(m, tm, c->lambda, c->val, NULL, NULL)) /
                    (2 * H_FD);
        snprintf(what, sizeof what, "r.dL_V/dtheta vs central difference #%d",
                 dir);
        check_close(dot(r, gt), fd, RTOL_FD, gn, what, c->tag);
        rand_unit(s, c->rng);
        gsl_vector_memcpy(lp, c->lambda);
        gsl_blas_daxpy(H_FD, s, lp);
        gsl_vector_memcpy(lm, c->lambda);
        gsl_blas_daxpy(-H_FD, s, lm);
        fd = (m->type->val_loss(m, c->theta, lp, c->val, NULL, NULL) -
              m->type->val_loss(m, c->theta, lm, c->val, NULL, NULL)) /
             (2 * H_FD);
        /* L_V does not depend on lambda directly: both sides are 0. */
        snprintf(what, sizeof what, "s.dL_V/dlambda vs central difference #%d",
                 dir);
        check_close(dot(s, gl), fd, RTOL_FD, gn, what, c->tag);
    }
    gsl_vector_free(gt);
    gsl_vector_free(gl);
    gsl_vector_free(r);
    gsl_vector_free(s);
    gsl_vector_free(tp);
    gsl_vector_free(tm);
    gsl_vector_free(lp);
    gsl_vector_free(lm);
}

/* init_lambda sets every hyperparameter to `want` (init_log_decay). */
__attribute__((unused)) static void check_init_lambda(ctx *c, double want)
{
    ihg_model *m = c->m;
    gsl_vector *l = gsl_vector_alloc(m->Hn);
    int ok = 1;
    m->type->init_lambda(m, l, c->rng);
    for (size_t i = 0; i < m->Hn; i++)
        ok &= gsl_vector_get(l, i) == want;
    CHECK(ok, "%s: init_lambda is init_log_decay (%g) everywhere", c->tag,
          want);
    gsl_vector_free(l);
}

/* Accuracies agree, NaN (regression) included. */
static int same_accuracy(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Same answers from a model whose workspace holds 7 rows (fewer than the
 * data: processed in blocks), and from strided theta, lambda, u and
 * output vectors (columns of P x 3 and Hn x 2 matrices). */
static void check_blocks_and_strides(ctx *c, const ihg_dataset *ds)
{
    ihg_model *m = c->m;
    size_t P = m->P, Hn = m->Hn;
    ihg_model *m7 = ihg_model_alloc(m->type, c->cfg, ds, 7);
    CHECK(m7 != NULL, "%s: alloc with max_rows 7 < n", c->tag);
    if (!m7)
        return;
    gsl_vector *g = gsl_vector_alloc(P), *g7 = gsl_vector_alloc(P),
               *u = gsl_vector_alloc(P), *Hu = gsl_vector_alloc(P),
               *Hu7 = gsl_vector_alloc(P), *J = gsl_vector_alloc(Hn);
    rand_unit(u, c->rng);
    double l = LT(c, c->theta, c->lambda, c->train, g);
    double l7 = m7->type->train_loss(m7, c->theta, c->lambda, c->train, g7);
    check_close(l7, l, RTOL_EXACT, 0.0, "blocked L_T", c->tag);
    CHECK(rel_diff(g7, g, 1e-300) <= RTOL_EXACT, "%s: blocked grad L_T",
          c->tag);
    m->type->train_hvp(m, c->theta, c->lambda, c->train, u, Hu);
    m7->type->train_hvp(m7, c->theta, c->lambda, c->train, u, Hu7);
    CHECK(rel_diff(Hu7, Hu, 1e-300) <= RTOL_EXACT, "%s: blocked H u", c->tag);
    if (m->type->train_hessian) {
        gsl_matrix *H = gsl_matrix_alloc(P, P), *H7 = gsl_matrix_alloc(P, P);
        m->type->train_hessian(m, c->theta, c->lambda, c->train, H);
        m7->type->train_hessian(m7, c->theta, c->lambda, c->train, H7);
        gsl_vector_view hv = gsl_vector_view_array(H->data, P * P);
        gsl_vector_view hv7 = gsl_vector_view_array(H7->data, P * P);
        CHECK(rel_diff(&hv7.vector, &hv.vector, 1e-300) <= RTOL_EXACT,
              "%s: blocked train_hessian", c->tag);
        gsl_matrix_free(H);
        gsl_matrix_free(H7);
    }
    double v = m->type->val_loss(m, c->theta, c->lambda, c->val, g, NULL);
    double v7 = m7->type->val_loss(m7, c->theta, c->lambda, c->val, g7, NULL);
    check_close(v7, v, RTOL_EXACT, 0.0, "blocked L_V", c->tag);
    CHECK(rel_diff(g7, g, 1e-300) <= RTOL_EXACT, "%s: blocked dL_V/dtheta",
          c->tag);
    if (m->type->accuracy)
        CHECK(same_accuracy(m7->type->accuracy(m7, c->theta, c->val),
                            m->type->accuracy(m, c->theta, c->val)),
              "%s: blocked accuracy", c->tag);

    gsl_matrix *S = gsl_matrix_alloc(P, 3), *O = gsl_matrix_alloc(P, 3);
    gsl_matrix *SL = gsl_matrix_alloc(Hn, 2), *OL = gsl_matrix_alloc(Hn, 2);
    gsl_vector_view st = gsl_matrix_column(S, 0), su = gsl_matrix_column(S, 2);
    gsl_vector_view og = gsl_matrix_column(O, 1), oh = gsl_matrix_column(O, 2);
    gsl_vector_view sl = gsl_matrix_column(SL, 1), oj = gsl_matrix_column(OL, 0);
    gsl_vector_memcpy(&st.vector, c->theta);
    gsl_vector_memcpy(&su.vector, u);
    gsl_vector_memcpy(&sl.vector, c->lambda);
    double ls = LT(c, &st.vector, &sl.vector, c->train, &og.vector);
    LT(c, c->theta, c->lambda, c->train, g);
    check_close(ls, l, RTOL_EXACT, 0.0, "strided L_T", c->tag);
    CHECK(rel_diff(&og.vector, g, 1e-300) <= RTOL_EXACT,
          "%s: strided grad L_T", c->tag);
    m->type->train_hvp(m, &st.vector, &sl.vector, c->train, &su.vector,
                       &oh.vector);
    CHECK(rel_diff(&oh.vector, Hu, 1e-300) <= RTOL_EXACT, "%s: strided H u",
          c->tag);
    m->type->train_jtvp(m, c->theta, c->lambda, c->train, u, J);
    m->type->train_jtvp(m, &st.vector, &sl.vector, c->train, &su.vector,
                        &oj.vector);
    CHECK(rel_diff(&oj.vector, J, 1e-300) <= RTOL_EXACT,
          "%s: strided J^T u", c->tag);
    double vs = m->type->val_loss(m, &st.vector, &sl.vector, c->val,
                                  &og.vector, NULL);
    m->type->val_loss(m, c->theta, c->lambda, c->val, g, NULL);
    check_close(vs, v, RTOL_EXACT, 0.0, "strided L_V", c->tag);
    CHECK(rel_diff(&og.vector, g, 1e-300) <= RTOL_EXACT,
          "%s: strided dL_V/dtheta", c->tag);
    gsl_matrix_free(S);
    gsl_matrix_free(O);
    gsl_matrix_free(SL);
    gsl_matrix_free(OL);
    ihg_model_free(m7);
    gsl_vector_free(g);
    gsl_vector_free(g7);
    gsl_vector_free(u);
    gsl_vector_free(Hu);
    gsl_vector_free(Hu7);
    gsl_vector_free(J);
}

#endif
