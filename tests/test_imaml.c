/* test_imaml.c - the proximal meta-learning family (models/imaml.c).
 *
 * Derivatives against central differences (derivcheck.h: h = 1e-5,
 * relative 1e-6; exact identities 1e-12): the gradient of L_T, H u and its
 * symmetry, J^T u, J u, dL_V/dtheta, from strided vectors.  The structure:
 * J^T u = -gamma sum_t u_t exactly, H block-diagonal (a task's block only
 * moves that task's entries).  The meta-batch: begin_outer starts every
 * task at lambda, the same outer step draws the same tasks and another
 * draws others.  The IFT hypergradient of a session (exact solve) equals
 * iMAML's 1/B sum_t gamma (H_t)^{-1} grad L_Q^t, with each task's block H_t
 * formed densely here and solved by LU (1e-10).  The held-out test loss:
 * reproducible, blind to theta, and with inner.steps = 0 the query loss of
 * lambda itself.  The explicit methods are refused (theta_0 = lambda).
 */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "derivcheck.h"
#include "error.h"
#include "model.h"
#include "session.h"

#define NET "hidden: [4, 3], gamma: 0.7, meta_batch: 3, queries: 4, test_tasks: 6"
#define KEYS NET ", shots: 5"
/* P_t = 1*4 + 4 + 4*3 + 3 + 3*1 + 1 = 27 */
#define PT 27
#define B 3

static void check_derivatives(gsl_rng *rng)
{
    ihg_config cfg;
    if (cfg_model(&cfg, "imaml", KEYS) != 0)
        return;
    ihg_model *m = ihg_model_alloc(ihg_model_imaml, &cfg, NULL, 0);
    CHECK(m != NULL, "imaml allocates (%s)", m ? "" : ihg_error_message());
    if (!m) {
        ihg_config_free(&cfg);
        return;
    }
    CHECK(m->P == B * PT && m->Hn == PT, "P = %zu (%d), Hn = %zu (%d)", m->P, B * PT, m->Hn,
          PT);
    ctx c = {m, &cfg, NULL, NULL, gsl_vector_alloc(m->P), gsl_vector_alloc(m->Hn),
             "imaml", rng};
    for (size_t i = 0; i < m->Hn; i++)
        gsl_vector_set(c.lambda, i, gsl_ran_gaussian(rng, 0.6));
    /* outer step 0: the meta-batch a fresh model (the blocked check's) has */
    m->type->begin_outer(m, 0, c.lambda, c.theta);
    int tiled = 1;
    for (size_t i = 0; i < m->P; i++)
        tiled &= gsl_vector_get(c.theta, i) == gsl_vector_get(c.lambda, i % PT);
    CHECK(tiled, "imaml: begin_outer starts every task at lambda");
    for (size_t i = 0; i < m->P; i++)
        *gsl_vector_ptr(c.theta, i) += gsl_ran_gaussian(rng, 0.3);
    check_gradient(&c, NULL, "meta-batch 0");
    check_hvp(&c, NULL, "meta-batch 0");
    check_jtvp(&c);
    check_jvp(&c);
    check_val(&c);
    check_blocks_and_strides(&c, NULL);

    /* J^T u = -gamma sum_t u_t */
    gsl_vector *u = gsl_vector_alloc(m->P), *out = gsl_vector_alloc(m->Hn),
               *Hu = gsl_vector_alloc(m->P);
    rand_unit(u, rng);
    m->type->train_jtvp(m, c.theta, c.lambda, NULL, u, out);
    double worst = 0;
    for (size_t j = 0; j < PT; j++) {
        double want = 0;
        for (size_t t = 0; t < B; t++)
            want -= 0.7 * gsl_vector_get(u, t * PT + j);
        worst = fmax(worst, fabs(gsl_vector_get(out, j) - want));
    }
    CHECK(worst < 1e-15, "imaml: J^T u = -gamma sum_t u_t (%.2g)", worst);
    /* block-diagonal H: u in task 1's block only moves task 1's entries */
    gsl_vector_set_zero(u);
    for (size_t j = 0; j < PT; j++)
        gsl_vector_set(u, PT + j, gsl_ran_gaussian(rng, 1.0));
    m->type->train_hvp(m, c.theta, c.lambda, NULL, u, Hu);
    int zero = 1;
    for (size_t i = 0; i < m->P; i++)
        if (i < PT || i >= 2 * PT)
            zero &= gsl_vector_get(Hu, i) == 0.0;
    CHECK(zero, "imaml: H is block-diagonal");

    /* the meta-batch of an outer step is a function of that step */
    gsl_vector *th2 = gsl_vector_alloc(m->P);
    m->type->begin_outer(m, 4, c.lambda, th2);
    double v4 = m->type->val_loss(m, c.theta, c.lambda, NULL, NULL, NULL);
    m->type->begin_outer(m, 5, c.lambda, th2);
    double v5 = m->type->val_loss(m, c.theta, c.lambda, NULL, NULL, NULL);
    m->type->begin_outer(m, 4, c.lambda, th2);
    double v4b = m->type->val_loss(m, c.theta, c.lambda, NULL, NULL, NULL);
    CHECK(v4 == v4b && v4 != v5, "imaml: outer step 4 draws its tasks again (%.17g %.17g), "
          "5 draws others (%.6g)", v4, v4b, v5);

    /* the held-out test: reproducible and blind to theta */
    double acc, t1 = m->type->own_test(m, c.theta, c.lambda, &acc);
    double t2 = m->type->own_test(m, th2, c.lambda, &acc);
    CHECK(t1 == t2 && isfinite(t1) && isnan(acc), "imaml: held-out test loss %.6g, the same "
          "for any theta, no accuracy", t1);
    gsl_vector_free(th2);
    gsl_vector_free(u);
    gsl_vector_free(out);
    gsl_vector_free(Hu);
    gsl_vector_free(c.theta);
    gsl_vector_free(c.lambda);
    ihg_model_free(m);
    ihg_config_free(&cfg);
}

static int load(ihg_config *cfg, const char *yaml)
{
    int st = ihg_config_load_string(cfg, "test.yaml", yaml, strlen(yaml), NULL);
    CHECK(st == IHG_OK, "config loads (%s)", st == IHG_OK ? "" : ihg_error_message());
    return st;
}

/* The session's exact hypergradient against 1/B sum_t gamma H_t^-1 g_t,
 * H_t formed column by column from the model's products on task t's
 * block. */
static void check_meta_gradient(void)
{
    ihg_config cfg;
    const char *yaml = "seed: 2\n"
                       "model: {kind: imaml, " KEYS "}\n"
                       "inner: {lr: 0.05, steps: 30}\n"
                       "outer: {steps: 2}\n"
                       "hypergrad: {method: exact}\n";
    if (load(&cfg, yaml) != IHG_OK) {
        ihg_config_free(&cfg);
        return;
    }
    ihg_session *s = ihg_session_alloc(&cfg);
    CHECK(s != NULL, "imaml session (%s)", s ? "" : ihg_error_message());
    if (!s) {
        ihg_config_free(&cfg);
        return;
    }
    int st = IHG_OK;
    while (st == IHG_OK && ihg_session_phase(s) != IHG_PHASE_UPDATE)
        st = ihg_session_step(s, 1, NULL);
    CHECK(st == IHG_OK, "imaml session reaches its hypergradient (%s)",
          ihg_session_message(s));
    ihg_model *m = (ihg_model *)ihg_session_model(s);
    const gsl_vector *th = ihg_session_theta(s), *lam = ihg_session_lambda(s);
    size_t P = m->P;
    gsl_vector *v = gsl_vector_alloc(P), *e = gsl_vector_alloc(P), *col = gsl_vector_alloc(P),
               *want = gsl_vector_calloc(PT), *vt = gsl_vector_alloc(PT),
               *qt = gsl_vector_alloc(PT);
    gsl_matrix *Ht = gsl_matrix_alloc(PT, PT);
    gsl_permutation *perm = gsl_permutation_alloc(PT);
    m->type->val_loss(m, th, lam, NULL, v, NULL);
    for (size_t t = 0; t < B; t++) {
        for (size_t j = 0; j < PT; j++) {
            gsl_vector_set_basis(e, t * PT + j);
            m->type->train_hvp(m, th, lam, NULL, e, col);
            for (size_t i = 0; i < PT; i++)
                gsl_matrix_set(Ht, i, j, gsl_vector_get(col, t * PT + i));
        }
        for (size_t i = 0; i < PT; i++)
            gsl_vector_set(vt, i, gsl_vector_get(v, t * PT + i)); /* = 1/B grad L_Q^t */
        int sg;
        gsl_linalg_LU_decomp(Ht, perm, &sg);
        gsl_linalg_LU_solve(Ht, perm, vt, qt);
        gsl_blas_daxpy(0.7, qt, want); /* gamma H_t^-1 (1/B grad L_Q^t) */
    }
    const gsl_vector *g = ihg_session_hypergrad(s);
    double num = 0, den = 0;
    for (size_t i = 0; i < PT; i++) {
        double d = gsl_vector_get(g, i) - gsl_vector_get(want, i);
        num += d * d;
        den += gsl_vector_get(want, i) * gsl_vector_get(want, i);
    }
    CHECK(den > 0 && sqrt(num / den) < 1e-10,
          "imaml: exact hypergradient = 1/B sum_t gamma H_t^-1 grad L_Q^t (rel %.2g)",
          sqrt(num / (den > 0 ? den : 1)));
    gsl_vector *vs[] = {v, e, col, want, vt, qt};
    for (size_t i = 0; i < 6; i++)
        gsl_vector_free(vs[i]);
    gsl_matrix_free(Ht);
    gsl_permutation_free(perm);

    /* no explicit method: theta_0 is lambda */
    CHECK(ihg_session_set_method(s, &ihg_method_unrolled) != IHG_OK &&
              strstr(ihg_error_message(), "starts from lambda") != NULL,
          "imaml: unrolled is refused (%s)", ihg_error_message());
    ihg_session_free(s);
    ihg_config_free(&cfg);
}

/* Training from lambda on the support set (40 points per task) lowers
 * the held-out query loss of lambda itself (inner.steps 0). */
static void check_test_loss(void)
{
    ihg_config c0, c1;
    if (load(&c0, "model: {kind: imaml, " NET ", shots: 40}\ninner: {steps: 0}\n") != IHG_OK ||
        load(&c1, "model: {kind: imaml, " NET ", shots: 40}\ninner: {steps: 50, lr: 0.02}\n") !=
            IHG_OK) {
        ihg_config_free(&c0);
        ihg_config_free(&c1);
        return;
    }
    ihg_model *m0 = ihg_model_alloc(ihg_model_imaml, &c0, NULL, 0),
              *m1 = ihg_model_alloc(ihg_model_imaml, &c1, NULL, 0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_vector *lam = gsl_vector_alloc(PT), *th = gsl_vector_alloc(B * PT);
    m0->type->init_lambda(m0, lam, r);
    double a, l0 = m0->type->own_test(m0, th, lam, &a), l1 = m1->type->own_test(m1, th, lam, &a);
    CHECK(isfinite(l0) && l1 < l0, "imaml: 50 steps from lambda lower the held-out query loss "
          "(%.4g -> %.4g)", l0, l1);
    gsl_vector_free(lam);
    gsl_vector_free(th);
    gsl_rng_free(r);
    ihg_model_free(m0);
    ihg_model_free(m1);
    ihg_config_free(&c0);
    ihg_config_free(&c1);
}

int main(void)
{
    ihg_error_install_gsl_handler();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 21);
    check_derivatives(rng);
    check_meta_gradient();
    check_test_loss();
    gsl_rng_free(rng);
    return check_summary();
}
