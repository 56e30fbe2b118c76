/* derivcheck.h - the derivative checks shared by the model tests.
 *
 * For one model instance (ctx) at a point (theta, lambda): the gradient,
 * the Hessian-vector product (and its symmetry), J^T u and the validation
 * gradients against central differences along random unit directions,
 * plus small helpers (tiny data sets, row views, vector arithmetic).
 * Header-only like check.h; include it after check.h.
 *
 * Tolerances (see the test files' comments): central differences with
 * h = H_FD = 1e-5 are compared at RTOL_FD = 1e-6 relative to the natural
 * scale of the quantity; two exact computations that differ only in
 * summation order at RTOL_EXACT = 1e-12.
 */
#ifndef IHG_DERIVCHECK_H
#define IHG_DERIVCHECK_H

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "model.h"

#define H_FD 1e-5
#define RTOL_FD 1e-6
#define RTOL_EXACT 1e-12
#define N_DIRS 3

/* ---------- tiny data sets ---------- */

static ihg_data *data_new(size_t n, size_t d)
{
    ihg_data *D = calloc(1, sizeof *D);
    D->n = n;
    D->d = d;
    D->X = gsl_matrix_alloc(n, d);
    D->y = gsl_vector_alloc(n);
    return D;
}

static void data_del(ihg_data *D)
{
    if (!D)
        return;
    gsl_matrix_free(D->X);
    gsl_vector_free(D->y);
    free(D);
}

/* Rows [i0, i0 + nb) of D as a view. */
typedef struct {
    ihg_data data;
    gsl_matrix_view X;
    gsl_vector_view y;
} rows_view;

static void rows_of(rows_view *v, const ihg_data *D, size_t i0, size_t nb)
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

static int all_finite(const gsl_vector *v)
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
    const ihg_config *cfg;
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

#endif
