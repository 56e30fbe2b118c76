/* bench.c - `make bench`: how fast the engine computes hypergradients.
 *
 * For ridge and logistic regression on synthetic data (n = 1000 training and
 * 1000 validation rows) at P = 10, 100 and 1000 parameters, the median wall
 * time of: one gradient of L_T, one Hessian-vector product, one exact solve
 * (forming H and its Cholesky factorization), a whole 20-term Neumann
 * hypergradient and a whole 20-iteration CG hypergradient (each from
 * dL_V/dtheta to dL_V/dlambda, the same work as bench/torch_bench.py).
 *
 * Medians over repeats (at least 7, and at least 0.2 s of work) because the
 * machine may be shared.  Output: one table row per model and size, and
 * with --json one JSON object per row.
 */
#include "ihg_autoconf.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "config.h"
#include "error.h"
#include "hypergrad.h"
#include "session.h"
#include "timer.h"

typedef void (*bench_fn)(void *ctx);

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds of fn over repeats. */
static double median_time(bench_fn fn, void *ctx)
{
    double t[200];
    int n = 0;
    double total = 0;
    fn(ctx); /* warm up */
    while (n < 200 && (n < 7 || total < 0.2)) {
        double t0 = ihg_now();
        fn(ctx);
        t[n] = ihg_now() - t0;
        total += t[n];
        n++;
    }
    qsort(t, (size_t)n, sizeof t[0], cmp_double);
    return t[n / 2];
}

typedef struct {
    ihg_session *s;
    const ihg_model *m;
    gsl_vector *grad, *u, *Hu, *v, *direct, *q, *jtq, *hg;
    ihg_linop H;
    long exact_max;
} bench_ctx;

static void run_grad(void *p)
{
    bench_ctx *c = p;
    c->m->type->train_loss((ihg_model *)c->m, ihg_session_theta(c->s),
                           ihg_session_lambda(c->s), ihg_session_dataset(c->s)->train,
                           c->grad);
}

static void run_hvp(void *p)
{
    bench_ctx *c = p;
    c->H.apply(c->u, c->Hu, c->H.params);
}

static void run_exact(void *p)
{
    bench_ctx *c = p;
    ihg_solve(IHG_METHOD_EXACT, &c->H, c->v, 0, 0, 0, c->exact_max, c->q);
}

static void hypergrad(bench_ctx *c, ihg_method m, long K)
{
    ihg_session_val_grads(c->s, c->v, c->direct);
    ihg_solve(m, &c->H, c->v, K, 0.01, 0.0, c->exact_max, c->q);
    ihg_session_jtvp(c->s, c->q, c->jtq);
    gsl_vector_memcpy(c->hg, c->direct);
    gsl_vector_sub(c->hg, c->jtq);
}

static void run_neumann(void *p) { hypergrad(p, IHG_METHOD_NEUMANN, 20); }
static void run_cg(void *p) { hypergrad(p, IHG_METHOD_CG, 20); }

static int bench_one(const char *kind, long P, int json)
{
    char yaml[512];
    long d = P - 1;
    snprintf(yaml, sizeof yaml,
             "seed: 1\n"
             "data: {synthetic: {n: 1000, n_val: 1000, d: %ld, noise: 0.5}}\n"
             "model: {kind: %s, init_log_decay: -2}\n"
             "inner: {optimizer: sgd, lr: 0.05, steps: 20}\n"
             "outer: {steps: 1}\n"
             "hypergrad: {method: neumann, terms: 20, exact_max: 2000}\n",
             d, kind);
    ihg_config cfg;
    if (ihg_config_load_string(&cfg, "bench.yaml", yaml, strlen(yaml), NULL) != IHG_OK) {
        fprintf(stderr, "bench: %s\n", ihg_error_message());
        ihg_config_free(&cfg);
        return 1;
    }
    bench_ctx c;
    memset(&c, 0, sizeof c);
    c.s = ihg_session_alloc(&cfg);
    if (!c.s) {
        fprintf(stderr, "bench: %s\n", ihg_error_message());
        ihg_config_free(&cfg);
        return 1;
    }
    /* train a little so theta is a realistic point */
    for (int i = 0; i < 20; i++)
        ihg_session_inner_step(c.s, NULL);
    c.m = ihg_session_model(c.s);
    c.exact_max = cfg.hypergrad.exact_max;
    size_t Pn = c.m->P, Hn = c.m->Hn;
    c.grad = gsl_vector_alloc(Pn);
    c.u = gsl_vector_alloc(Pn);
    c.Hu = gsl_vector_alloc(Pn);
    c.v = gsl_vector_alloc(Pn);
    c.q = gsl_vector_alloc(Pn);
    c.direct = gsl_vector_alloc(Hn);
    c.jtq = gsl_vector_alloc(Hn);
    c.hg = gsl_vector_alloc(Hn);
    for (size_t i = 0; i < Pn; i++)
        gsl_vector_set(c.u, i, sin(1.0 + (double)i));
    ihg_session_hessian_op(c.s, &c.H);
    ihg_session_val_grads(c.s, c.v, c.direct);

    double tg = median_time(run_grad, &c);
    double th = median_time(run_hvp, &c);
    double te = median_time(run_exact, &c);
    double tn = median_time(run_neumann, &c);
    double tc = median_time(run_cg, &c);
    if (json)
        printf("{\"bench\":\"hypergrad\",\"model\":\"%s\",\"P\":%zu,\"n\":1000,"
               "\"grad_s\":%.6g,\"hvp_s\":%.6g,\"exact_s\":%.6g,"
               "\"neumann20_s\":%.6g,\"cg20_s\":%.6g}\n",
               kind, Pn, tg, th, te, tn, tc);
    else
        printf("%-9s %5zu  %10.1f %10.1f %11.1f %12.1f %10.1f\n", kind, Pn, tg * 1e6,
               th * 1e6, te * 1e6, tn * 1e6, tc * 1e6);
    gsl_vector *vs[] = {c.grad, c.u, c.Hu, c.v, c.q, c.direct, c.jtq, c.hg};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        gsl_vector_free(vs[i]);
    ihg_session_free(c.s);
    ihg_config_free(&cfg);
    return 0;
}

int main(int argc, char **argv)
{
    int json = argc > 1 && strcmp(argv[1], "--json") == 0;
    ihg_error_install_gsl_handler();
    if (!json) {
        printf("Hypergradient cost, n = 1000 rows, median wall time in microseconds "
               "(CBLAS: %s)\n", IHG_BLAS_NAME);
        printf("%-9s %5s  %10s %10s %11s %12s %10s\n", "model", "P", "gradient", "HVP",
               "exact", "neumann K=20", "cg K=20");
    }
    const char *kinds[] = {"ridge", "logistic"};
    const long sizes[] = {10, 100, 1000};
    int rc = 0;
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < 3; i++)
            rc |= bench_one(kinds[k], sizes[i], json);
    return rc;
}
