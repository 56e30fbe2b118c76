/* test_explicit.c - hypergradients through the inner loop (unrolled,
 * forward, fd) against known answers.
 *
 * 1. Gradient descent on a diagonal quadratic, one coordinate at a time:
 *      L_T = 1/2 a (w - c)^2 + 1/2 e^lambda w^2,   L_V = 1/2 (w - t)^2,
 *    so with h = a + e^lambda, w* = a c / h and m = 1 - eta h,
 *      w_T = w* + m^T (w_0 - w*),
 *      dw_T/d eta    = -T h m^(T-1) (w_0 - w*),
 *      dw_T/d lambda = (1 - m^T) dws - T eta e^lambda m^(T-1) (w_0 - w*),
 *      dws           = d w* / dlambda = -a c e^lambda / h^2,
 *    and dL_V/d log eta = eta (w_T - t) dw_T/d eta.  As T grows the decay's
 *    hypergradient tends to the IFT value (w* - t) dws and the
 *    learning rate's to 0.
 * 2. Momentum: the reverse pass against central differences of the outer
 *    objective computed by the session itself (reset, set lambda, run the
 *    inner loop, L_V), for the decays, log lr and logit momentum.
 * 3. forward = unrolled to round-off; truncate = T equals the whole unroll.
 * 4. The bridge: unrolling K + 1 gradient steps from theta* (full batch,
 *    eta = alpha) gives the K-term Neumann hypergradient.
 * 5. Every model family: unrolled against central differences of the T-step
 *    outer objective along random directions.
 * 6. Checkpointing gives the same hypergradient with less memory.
 * 7. An IFT method gives exactly 0 for the learning rate and says why.
 *
 * Tolerances: closed forms and forward vs unrolled agree to round-off
 * (1e-12 relative); central differences with h = 1e-5 have truncation
 * error O(h^2) ~ 1e-10 and rounding eps |f| / h ~ 1e-11, so 1e-6 relative
 * (plus a small absolute floor for near-zero directions) is tight but safe.
 */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"
#include "config.h"
#include "error.h"
#include "session.h"

static int load(ihg_config *cfg, const char *yaml)
{
    int st = ihg_config_load_string(cfg, "test.yaml", yaml, strlen(yaml), NULL);
    if (st != IHG_OK)
        printf("config error: %s\n", ihg_error_message());
    return st;
}

/* Run until the hypergradient of the current outer step is known. */
static int to_update(ihg_session *s)
{
    int st = IHG_OK;
    while (st == IHG_OK && ihg_session_phase(s) != IHG_PHASE_UPDATE &&
           !ihg_session_finished(s))
        st = ihg_session_step(s, 1, NULL);
    return st;
}

/* The first outer step's objective f(lambda) = L_V(theta_T): from the
 * start (same theta_0, same minibatches), inner loop at lambda. */
static double objective(ihg_session *s, const gsl_vector *lambda)
{
    ihg_session_reset(s);
    ihg_session_set_lambda(s, lambda);
    while (ihg_session_phase(s) == IHG_PHASE_INNER)
        if (ihg_session_step(s, 1, NULL) != IHG_OK)
            return NAN;
    return ihg_session_val_loss(s);
}

/* The first outer step's hypergradient at lambda with the session's method. */
static int hypergrad_at(ihg_session *s, const gsl_vector *lambda, gsl_vector *g)
{
    ihg_session_reset(s);
    ihg_session_set_lambda(s, lambda);
    int st = to_update(s);
    if (st == IHG_OK)
        gsl_vector_memcpy(g, ihg_session_hypergrad(s));
    return st;
}

static double rel_diff(const gsl_vector *a, const gsl_vector *b)
{
    double d = 0, n = 0;
    for (size_t i = 0; i < a->size; i++) {
        double x = gsl_vector_get(a, i) - gsl_vector_get(b, i);
        d += x * x;
        n += gsl_vector_get(b, i) * gsl_vector_get(b, i);
    }
    return n > 0 ? sqrt(d / n) : sqrt(d);
}

static ihg_session *open_session(ihg_config *cfg, const char *yaml, const char *what)
{
    if (load(cfg, yaml) != IHG_OK) {
        CHECK(0, "%s: config loads", what);
        ihg_config_free(cfg);
        return NULL;
    }
    ihg_session *s = ihg_session_alloc(cfg);
    CHECK(s != NULL, "%s: session allocates (%s)", what, s ? "ok" : ihg_error_message());
    if (!s)
        ihg_config_free(cfg);
    return s;
}

/* 1. the closed form of gradient descent on a separable quadratic */
static void test_closed_form(void)
{
    const double a[2] = {2.0, 3.0}, c[2] = {1.0, -0.5}, t[2] = {0.3, 0.2};
    const double w0[2] = {0.4, -0.1}, eta = 0.1;
    const long Ts[] = {5, 40, 400};
    for (size_t k = 0; k < sizeof Ts / sizeof Ts[0]; k++) {
        long T = Ts[k];
        char yaml[640];
        snprintf(yaml, sizeof yaml,
                 "model: {kind: quadratic, A: [[%g, 0], [0, %g]], c: [%g, %g], "
                 "t: [%g, %g], theta0: [%g, %g], init_log_decay: -0.5}\n"
                 "inner: {optimizer: sgd, lr: %g, steps: %ld, learn: [lr]}\n"
                 "outer: {steps: 1}\n"
                 "hypergrad: {method: unrolled}\n",
                 a[0], a[1], c[0], c[1], t[0], t[1], w0[0], w0[1], eta, T);
        ihg_config cfg;
        ihg_session *s = open_session(&cfg, yaml, "closed form");
        if (!s)
            return;
        CHECK(ihg_session_n_hyper(s) == 3, "quadratic with learned lr: 2 decays + log lr");
        CHECK(to_update(s) == IHG_OK, "T = %ld: unrolled hypergradient computed (%s)", T,
              ihg_session_message(s));
        const gsl_vector *g = ihg_session_hypergrad(s), *lam = ihg_session_lambda(s);
        double dlr = 0;
        for (int j = 0; j < 2; j++) {
            double el = exp(gsl_vector_get(lam, (size_t)j)), h = a[j] + el;
            double ws = a[j] * c[j] / h, m = 1 - eta * h;
            double mT = pow(m, (double)T), mT1 = pow(m, (double)(T - 1));
            double wT = ws + mT * (w0[j] - ws);
            double dws = -a[j] * c[j] * el / (h * h);
            double dw_dlam = (1 - mT) * dws - (double)T * eta * el * mT1 * (w0[j] - ws);
            double dw_deta = -(double)T * h * mT1 * (w0[j] - ws);
            double want = (wT - t[j]) * dw_dlam;
            dlr += eta * (wT - t[j]) * dw_deta;
            CHECK_REL(gsl_vector_get(g, (size_t)j), want, 1e-10,
                      "closed form: dL_V/dlambda_j after T steps of gradient descent");
            if (T == 400) {
                double ift = (ws - t[j]) * dws;
                CHECK(fabs(gsl_vector_get(g, (size_t)j) - ift) <= 1e-12 + 1e-9 * fabs(ift),
                      "T = 400: the decay's unrolled hypergradient %.15g is the IFT "
                      "value %.15g", gsl_vector_get(g, (size_t)j), ift);
            }
        }
        if (T < 400) /* at T = 400 the true value (~1e-51) is below round-off */
            CHECK_REL(gsl_vector_get(g, 2), dlr, 1e-10,
                      "closed form: dL_V/d log lr after T steps of gradient descent");
        else
            CHECK(fabs(gsl_vector_get(g, 2)) < 1e-12,
                  "T = 400: the learning rate's hypergradient %.3g has gone to 0",
                  gsl_vector_get(g, 2));
        ihg_session_free(s);
        ihg_config_free(&cfg);
    }
}

/* Central differences of the session's own first outer step along ndir
 * random directions against g (from hypergrad_at with its method). */
static void check_against_fd(ihg_session *s, const char *what, int ndir, unsigned long seed,
                             double rtol)
{
    size_t n = ihg_session_n_hyper(s);
    gsl_vector *lam = gsl_vector_alloc(n), *lp = gsl_vector_alloc(n), *g = gsl_vector_alloc(n),
               *dir = gsl_vector_alloc(n);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    ihg_session_reset(s);
    gsl_vector_memcpy(lam, ihg_session_lambda(s));
    for (size_t i = 0; i < n; i++)
        *gsl_vector_ptr(lam, i) += gsl_ran_flat(r, -0.3, 0.3);
    int st = hypergrad_at(s, lam, g);
    CHECK(st == IHG_OK, "%s: hypergradient computed (%s)", what, ihg_session_message(s));
    const double h = 1e-5;
    for (int k = 0; k < ndir && st == IHG_OK; k++) {
        for (size_t i = 0; i < n; i++)
            gsl_vector_set(dir, i, gsl_ran_gaussian(r, 1.0));
        gsl_vector_scale(dir, 1.0 / gsl_blas_dnrm2(dir));
        gsl_vector_memcpy(lp, lam);
        gsl_blas_daxpy(h, dir, lp);
        double fp = objective(s, lp);
        gsl_vector_memcpy(lp, lam);
        gsl_blas_daxpy(-h, dir, lp);
        double fm = objective(s, lp);
        double fd = (fp - fm) / (2 * h), an;
        gsl_blas_ddot(g, dir, &an);
        double scale = fmax(fabs(fd), 1e-3 * gsl_blas_dnrm2(g));
        CHECK(fabs(an - fd) <= rtol * scale + 1e-11,
              "%s: direction %d: %.12g vs central differences %.12g", what, k, an, fd);
    }
    gsl_vector_free(lam);
    gsl_vector_free(lp);
    gsl_vector_free(g);
    gsl_vector_free(dir);
    gsl_rng_free(r);
}

/* One coordinate at a time for a named hyperparameter (lr, momentum). */
static void check_entry_fd(ihg_session *s, size_t idx, const char *what)
{
    size_t n = ihg_session_n_hyper(s);
    gsl_vector *lam = gsl_vector_alloc(n), *g = gsl_vector_alloc(n);
    ihg_session_reset(s);
    gsl_vector_memcpy(lam, ihg_session_lambda(s));
    int st = hypergrad_at(s, lam, g);
    const double h = 1e-5;
    double l0 = gsl_vector_get(lam, idx);
    gsl_vector_set(lam, idx, l0 + h);
    double fp = objective(s, lam);
    gsl_vector_set(lam, idx, l0 - h);
    double fm = objective(s, lam);
    double fd = (fp - fm) / (2 * h);
    CHECK(st == IHG_OK && fabs(gsl_vector_get(g, idx) - fd) <= 1e-6 * fabs(fd) + 1e-11,
          "%s: %.12g vs central differences %.12g", what, gsl_vector_get(g, idx), fd);
    gsl_vector_free(lam);
    gsl_vector_free(g);
}

/* 2. momentum, with learned lr and momentum, minibatches */
static void test_momentum(void)
{
    const char *yaml =
        "seed: 11\n"
        "data: {synthetic: {n: 48, n_val: 30, d: 4}}\n"
        "model: {kind: logistic, init_log_decay: -2}\n"
        "inner: {optimizer: momentum, lr: 0.2, momentum: 0.7, steps: 15, batch: 16, "
        "learn: [lr, momentum]}\n"
        "outer: {steps: 2}\n"
        "hypergrad: {method: unrolled}\n";
    ihg_config cfg;
    ihg_session *s = open_session(&cfg, yaml, "momentum");
    if (!s)
        return;
    const ihg_hyper_layout *lo = ihg_session_layout(s);
    CHECK(lo->nseg == 3 && strcmp(lo->seg[1].name, "log lr") == 0 &&
              strcmp(lo->seg[2].name, "logit momentum") == 0 && !lo->seg[1].in_loss &&
              lo->seg[1].owner == IHG_OWNER_INNER && lo->seg[2].transform == IHG_TRANSFORM_LOGIT,
          "layout: log decays, then log lr, then logit momentum (not in L_T)");
    size_t n = ihg_session_n_hyper(s);
    CHECK(fabs(gsl_vector_get(ihg_session_lambda(s), n - 2) - log(0.2)) < 1e-15 &&
              fabs(gsl_vector_get(ihg_session_lambda(s), n - 1) - log(0.7 / 0.3)) < 1e-15,
          "initial log lr and logit momentum");
    check_against_fd(s, "momentum, unrolled", 4, 5, 1e-6);
    check_entry_fd(s, n - 2, "momentum: d/d log lr");
    check_entry_fd(s, n - 1, "momentum: d/d logit momentum");
    /* forward mode on the same run */
    gsl_vector *lam = gsl_vector_alloc(n), *gu = gsl_vector_alloc(n), *gf = gsl_vector_alloc(n);
    ihg_session_reset(s);
    gsl_vector_memcpy(lam, ihg_session_lambda(s));
    hypergrad_at(s, lam, gu);
    CHECK(ihg_session_set_method(s, &ihg_method_forward) == IHG_OK, "forward accepted");
    hypergrad_at(s, lam, gf);
    CHECK(rel_diff(gf, gu) < 1e-12, "momentum: forward = unrolled (relative %.2g)",
          rel_diff(gf, gu));
    CHECK(ihg_session_set_method(s, &ihg_method_fd) == IHG_OK, "fd accepted");
    hypergrad_at(s, lam, gf);
    CHECK(rel_diff(gf, gu) < 1e-6, "momentum: fd = unrolled (relative %.2g)", rel_diff(gf, gu));
    /* the learned values drive the next outer step */
    ihg_session_set_method(s, &ihg_method_unrolled);
    ihg_session_reset(s);
    unsigned ev;
    ihg_session_outer_step(s, &ev);
    double lr1 = exp(gsl_vector_get(ihg_session_lambda(s), n - 2));
    to_update(s);
    const ihg_trajectory *tr = ihg_session_trajectory(s);
    CHECK(tr && fabs(ihg_trajectory_lr(tr, 0) - lr1) <= 1e-15 * lr1 && lr1 != 0.2,
          "the learned learning rate (%.6g) drives the next outer step's inner loop", lr1);
    gsl_vector_free(lam);
    gsl_vector_free(gu);
    gsl_vector_free(gf);
    ihg_session_free(s);
    ihg_config_free(&cfg);
}

/* 3. forward = unrolled; truncate = T is the whole unroll; K < T differs */
static void test_truncation_and_forward(void)
{
    const char *yaml =
        "seed: 3\n"
        "data: {synthetic: {n: 40, n_val: 30, d: 5, noise: 0.3}}\n"
        "model: {kind: ridge, init_log_decay: -1}\n"
        "inner: {optimizer: sgd, lr: 0.05, steps: 12, learn: [lr]}\n"
        "outer: {steps: 1}\n"
        "hypergrad: {method: unrolled}\n";
    ihg_config cfg;
    ihg_session *s = open_session(&cfg, yaml, "truncation");
    if (!s)
        return;
    size_t n = ihg_session_n_hyper(s);
    gsl_vector *lam = gsl_vector_alloc(n), *full = gsl_vector_alloc(n),
               *g = gsl_vector_alloc(n);
    gsl_vector_memcpy(lam, ihg_session_lambda(s));
    hypergrad_at(s, lam, full);
    ihg_session_set_terms(s, 12);
    hypergrad_at(s, lam, g);
    CHECK(rel_diff(g, full) == 0, "truncate = T gives the whole unroll bit for bit");
    ihg_session_set_terms(s, 500);
    hypergrad_at(s, lam, g);
    CHECK(rel_diff(g, full) == 0, "truncate > T gives the whole unroll");
    ihg_session_set_terms(s, 3);
    hypergrad_at(s, lam, g);
    CHECK(rel_diff(g, full) > 1e-6, "truncate = 3 is biased (%.3g from the whole unroll)",
          rel_diff(g, full));
    CHECK(ihg_session_set_method(s, &ihg_method_forward) == IHG_OK, "forward accepted");
    hypergrad_at(s, lam, g);
    CHECK(rel_diff(g, full) < 1e-12, "ridge: forward = unrolled (relative %.2g)",
          rel_diff(g, full));
    /* the comparison reports the truncation bias against the whole unroll */
    ihg_session_reset(s);
    ihg_session_set_lambda(s, lam);
    to_update(s);
    ihg_comparison *c = ihg_comparison_alloc(n, 10);
    CHECK(c && ihg_compare_run(s, c) == IHG_OK, "comparison runs");
    const ihg_compare_method *cu = c ? ihg_comparison_find(c, "unrolled") : NULL;
    const ihg_compare_method *cf = c ? ihg_comparison_find(c, "forward") : NULL;
    CHECK(cu && cu->ran && cu->kmax == 12 && cu->rel_unrolled[12] == 0 &&
              cu->rel_unrolled[3] > 1e-6,
          "compare: unrolled K = 1..12, bias 0 at K = T and > 0 at K = 3");
    CHECK(cf && cf->ran && cf->rel_unrolled[0] < 1e-12,
          "compare: forward against the whole unroll %.2g", cf ? cf->rel_unrolled[0] : NAN);
    ihg_comparison_free(c);
    gsl_vector_free(lam);
    gsl_vector_free(full);
    gsl_vector_free(g);
    ihg_session_free(s);
    ihg_config_free(&cfg);
}

/* 4. unrolled from theta* = Neumann */
static void test_bridge(void)
{
    /* A = [[3, 1], [1, 2]], c = (1, 1), lambda = (0, 0):
     * theta* = (A + I)^{-1} A c = (4, 3)' solved: (A + I) = [[4, 1], [1, 3]],
     * A c = (4, 3)', theta* = (9/11, 8/11)' */
    const double ts0 = 9.0 / 11.0, ts1 = 8.0 / 11.0, alpha = 0.1;
    for (long K = 0; K <= 6; K += 3) {
        char yaml[600];
        snprintf(yaml, sizeof yaml,
                 "model: {kind: quadratic, A: [[3, 1], [1, 2]], c: [1, 1], t: [0.5, 0.2], "
                 "theta0: [%.17g, %.17g], init_log_decay: 0}\n"
                 "inner: {optimizer: sgd, lr: %g, steps: %ld}\n"
                 "outer: {steps: 1}\n"
                 "hypergrad: {method: unrolled, terms: %ld, alpha: %g}\n",
                 ts0, ts1, alpha, K + 1, K, alpha);
        ihg_config cfg;
        ihg_session *s = open_session(&cfg, yaml, "bridge");
        if (!s)
            return;
        gsl_vector *gu = gsl_vector_alloc(2), *gn = gsl_vector_alloc(2);
        to_update(s);
        gsl_vector_memcpy(gu, ihg_session_hypergrad(s));
        ihg_session_reset(s);
        ihg_session_set_method(s, &ihg_method_neumann);
        ihg_session_set_terms(s, K);
        to_update(s);
        gsl_vector_memcpy(gn, ihg_session_hypergrad(s));
        CHECK(rel_diff(gu, gn) < 1e-12,
              "bridge: %ld unrolled steps from theta* = the %ld-term Neumann hypergradient "
              "(relative %.2g)", K + 1, K, rel_diff(gu, gn));
        gsl_vector_free(gu);
        gsl_vector_free(gn);
        ihg_session_free(s);
        ihg_config_free(&cfg);
    }
}

/* 5. every family: unrolled against central differences */
static void test_families(void)
{
    static const struct {
        const char *what, *yaml;
    } fam[] = {
        {"quadratic", "model: {kind: quadratic, init_log_decay: -0.3}\n"
                      "inner: {optimizer: sgd, lr: 0.1, steps: 20}\n"},
        {"ridge", "seed: 2\ndata: {synthetic: {n: 30, n_val: 20, d: 4}}\n"
                  "model: {kind: ridge, init_log_decay: -1}\n"
                  "inner: {optimizer: sgd, lr: 0.05, steps: 15, batch: 10}\n"},
        {"logistic", "seed: 3\ndata: {synthetic: {n: 30, n_val: 20, d: 4}}\n"
                     "model: {kind: logistic, init_log_decay: -1}\n"
                     "inner: {optimizer: momentum, lr: 0.3, momentum: 0.5, steps: 10}\n"},
        {"softmax", "seed: 4\ndata: {synthetic: {n: 30, n_val: 20, d: 3, k: 3}}\n"
                    "model: {kind: softmax, init_log_decay: -1}\n"
                    "inner: {optimizer: sgd, lr: 0.3, steps: 10, batch: 12}\n"},
        {"mlp", "seed: 5\ndata: {synthetic: {n: 24, n_val: 16, d: 3, k: 3}}\n"
                "model: {kind: mlp, hidden: [4], init_log_decay: -1}\n"
                "inner: {optimizer: sgd, lr: 0.2, steps: 8}\n"},
        {"mlp global softplus", "seed: 6\ndata: {synthetic: {n: 24, n_val: 16, d: 3, k: 2}}\n"
                                "model: {kind: mlp, hidden: [3, 3], activation: softplus, "
                                "hyper: global, init_log_decay: -2}\n"
                                "inner: {optimizer: momentum, lr: 0.2, steps: 6}\n"},
    };
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++) {
        char yaml[800], what[96];
        snprintf(yaml, sizeof yaml, "%souter: {steps: 1}\nhypergrad: {method: unrolled}\n",
                 fam[i].yaml);
        snprintf(what, sizeof what, "%s, unrolled", fam[i].what);
        ihg_config cfg;
        ihg_session *s = open_session(&cfg, yaml, what);
        if (!s)
            continue;
        check_against_fd(s, what, 3, 20 + i, 1e-6);
        ihg_session_free(s);
        ihg_config_free(&cfg);
    }
}

/* 6. checkpointing: same numbers, less memory */
static void test_checkpoint(void)
{
    const char *base =
        "seed: 9\n"
        "data: {synthetic: {n: 40, n_val: 20, d: 6, k: 3}}\n"
        "model: {kind: softmax, init_log_decay: -2}\n"
        "inner: {optimizer: momentum, lr: 0.2, steps: 30, batch: 10, learn: [lr, momentum]}\n"
        "outer: {steps: 1}\n";
    char y1[600], y2[600];
    snprintf(y1, sizeof y1, "%shypergrad: {method: unrolled}\n", base);
    snprintf(y2, sizeof y2, "%shypergrad: {method: unrolled, checkpoint: true}\n", base);
    ihg_config c1, c2;
    ihg_session *s1 = open_session(&c1, y1, "no checkpoint");
    ihg_session *s2 = open_session(&c2, y2, "checkpoint");
    if (!s1 || !s2)
        return;
    to_update(s1);
    to_update(s2);
    CHECK(rel_diff(ihg_session_hypergrad(s2), ihg_session_hypergrad(s1)) == 0,
          "checkpointing replays the same steps: the same hypergradient bit for bit");
    double b1 = ihg_trajectory_bytes(ihg_session_trajectory(s1)),
           b2 = ihg_trajectory_bytes(ihg_session_trajectory(s2));
    /* theta and m kept for 5 of 30 steps: about (5 + 6) / 30 of the memory
     * with the replay buffer, less than half */
    CHECK(ihg_trajectory_every(ihg_session_trajectory(s2)) == 6 && b2 < 0.5 * b1,
          "checkpoint every ceil(sqrt 30) = 6 steps: %.0f bytes instead of %.0f", b2, b1);
    ihg_session_free(s1);
    ihg_session_free(s2);
    ihg_config_free(&c1);
    ihg_config_free(&c2);
}

/* 7. the IFT cannot see the learning rate, and says so */
static void test_ift_blind(void)
{
    const char *yaml =
        "model: {kind: quadratic, init_log_decay: 0}\n"
        "inner: {optimizer: sgd, lr: 0.1, steps: 30, learn: [lr]}\n"
        "outer: {steps: 1}\n"
        "hypergrad: {method: exact}\n";
    ihg_config cfg;
    ihg_session *s = open_session(&cfg, yaml, "ift blind");
    if (!s)
        return;
    to_update(s);
    unsigned ev;
    ihg_session_step(s, 1, &ev);
    const ihg_record *r = &ihg_session_history(s)[0];
    CHECK(gsl_vector_get(ihg_session_hypergrad(s), 2) == 0.0,
          "exact: the learning rate's hypergradient is exactly 0");
    CHECK(r->note && strstr(r->note, "log lr") && strstr(r->note, "not in L_T") &&
              strstr(r->note, "unrolled or forward"),
          "the record says why: '%s'", r->note ? r->note : "(none)");
    ihg_session_free(s);
    ihg_config_free(&cfg);
}

/* Refusals with reasons. */
static void test_refusals(void)
{
    ihg_config cfg;
    const char *adam = "data: {synthetic: {n: 20, n_val: 10, d: 3}}\n"
                       "model: {kind: ridge}\n"
                       "inner: {optimizer: adam, steps: 5}\n"
                       "hypergrad: {method: unrolled}\n";
    CHECK(load(&cfg, adam) == IHG_OK, "adam config loads");
    ihg_session *s = ihg_session_alloc(&cfg);
    CHECK(!s && strstr(ihg_error_message(), ":4:13:") &&
              strstr(ihg_error_message(), "not adam"),
          "unrolled with adam: a located refusal (%s)", ihg_error_message());
    ihg_session_free(s);
    ihg_config_free(&cfg);
    const char *fwd = "seed: 1\ndata: {synthetic: {n: 20, n_val: 10, d: 150}}\n"
                      "model: {kind: ridge}\n"
                      "inner: {optimizer: sgd, steps: 5}\n"
                      "hypergrad: {method: forward}\n";
    CHECK(load(&cfg, fwd) == IHG_OK, "forward config loads");
    s = ihg_session_alloc(&cfg);
    CHECK(!s && strstr(ihg_error_message(), ":5:13:") &&
              strstr(ihg_error_message(), "forward_max") &&
              strstr(ihg_error_message(), "use unrolled"),
          "forward above the cap: a located refusal suggesting unrolled (%s)",
          ihg_error_message());
    ihg_session_free(s);
    ihg_config_free(&cfg);
    const char *learn = "model: {kind: quadratic}\n"
                        "inner: {optimizer: newton, tol: 1e-8, learn: [lr]}\n";
    CHECK(load(&cfg, learn) == IHG_EINVAL && strstr(ihg_error_message(), "test.yaml:2:"),
          "inner.learn with newton: located error (%s)", ihg_error_message());
    ihg_config_free(&cfg);
}

int main(void)
{
    ihg_error_install_gsl_handler();
    test_closed_form();
    test_momentum();
    test_truncation_and_forward();
    test_bridge();
    test_families();
    test_checkpoint();
    test_ift_blind();
    test_refusals();
    return check_summary();
}
