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
 *
 * Then the MLP figures of issue 4, on experiments/fashion_overfit.yaml
 * (784-1000-1000-10 tanh MLP, 1,796,000 per-weight decays, 50 training and
 * 50 validation Fashion-MNIST images; skipped with a message when the data
 * set is not installed):
 *   dgemm      the machine's own rate: a square 1000 x 1000 x 1000
 *              gsl_blas_dgemm (2 n^3 flops), median, in GFLOP/s;
 *   HVP        one Hessian-vector product of L_T (Pearlmutter R-op) in
 *              GFLOP/s, counting the flops of its dgemms (2 m n k each) as
 *              models/mlp.c issues them, with n the training rows:
 *                first layer   Z = X W^T, R{Z} = X V^T, R{dW} = R{G}^T X:
 *                              3 dgemms, 6 n n_0 n_1 flops;
 *                layer l >= 2  [Z; R{Z}] = [A; R{A}] W^T (inner size n_{l-1},
 *                              2n rows), R{Z} += A V^T, R{dW} =
 *                              [R{G}; G]^T [A; R{A}] (inner 2n),
 *                              [R{G}; G] W, R{dA} += G V:
 *                              16 n n_{l-1} n_l flops;
 *              the element-wise work (activations, softmax, biases, the
 *              decay term e .* u over P entries) is not counted: it is
 *              the price of the HVP, not flops of the BLAS;
 *   hypergradient  v = dL_V/dtheta, 5 Neumann terms (alpha 0.02, as the
 *              experiment), J^T q: the work bench/torch_bench.py repeats
 *              in PyTorch; also for a small MLP (hidden [10], 7,940
 *              hyperparameters) on the same images;
 *   outer step the experiment as shipped, ihg_session_outer_step (5 inner
 *              SGD steps, the losses and accuracies of the record
 *              including the test subset, 5 Neumann HVPs, J^T q, the Adam
 *              update), median of 5 after one warm-up;
 *   peak RSS   of `ihgtui --batch fashion_overfit.yaml --outer 2` run as a
 *              child: getrusage(RUSAGE_CHILDREN).ru_maxrss, the figure
 *              /usr/bin/time -v prints as "Maximum resident set size".
 *
 * Then the unrolled hypergradient (hypergrad.method: unrolled) of a
 * 784-100-10 tanh MLP with per-weight decays (79,400 hyperparameters), T = 20
 * SGD steps (lr 0.1) on the experiment's 50 training images, L_V on its 50
 * validation images: the median time of one outer step up to its
 * hypergradient (the 20 recorded inner steps, the accuracies of the
 * record, the 20 reverse steps), of the reverse pass alone, and the bytes
 * held (trajectory and buffers) against T P doubles; the same with
 * hypergrad.checkpoint.  bench/torch_unrolled.py times the same loop
 * differentiated by PyTorch autograd.
 *
 * Then the history (src/history.h) of the 1.8M-hyperparameter run: 12
 * outer steps, each captured (a view of every step, the whole state every
 * few within the checkpoint budget), then scrubbing back 1 to 10 outer
 * steps: the time to get the view of step k (records, lambda and the
 * hypergradient as doubles), median and largest; the time a capture adds
 * to an outer step; restoring the session at 10 steps back (a checkpoint
 * and the outer steps recomputed after it); the memory the history holds
 * (views, checkpoints against the budget) and the growth of the resident
 * set while it was kept.
 * Then issue 11's families, as shipped (beside this source file), the
 * median of 5 outer steps after one warm-up (ihg_session_outer_step):
 *   augment  experiments/fashion_augment.yaml: 20 minibatch SGD steps (100
 *            augmented images each), the record's metrics (accuracy on
 *            1,000 training and 1,000 validation images, loss and accuracy
 *            on 10,000 test images), v on the validation images, 20 CG
 *            iterations (hypergrad.tol = 0: all 20) on the 1,000 augmented
 *            training images, J^T q through the augmenter, the Adam step on
 *            102,224 hyperparameters; P = 7,850;
 *   imaml    experiments/sinusoid_imaml.yaml without its held-out test
 *            (model.test_tasks = 0): one meta-batch of 10 sinusoid tasks,
 *            40 gradient steps each from lambda, v on the query points, 10
 *            CG iterations on the block-diagonal H (P = 17,610), J^T q and
 *            the Adam step on 1,761 hyperparameters.
 * bench/torch_families.py runs the same two steps in PyTorch.
 *
 * Options: --json; --experiment FILE (default: experiments/
 * fashion_overfit.yaml beside this source file); --no-mlp; --mlp-only;
 * --no-outer (skip the outer-step and RSS rows; torch_bench.py uses it);
 * --unrolled-only; --history-only; --families-only (the augment and imaml
 * rows only); --no-families.
 */
#include "ihg_autoconf.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compare.h"
#include "config.h"
#include "error.h"
#include "history.h"
#include "hypergrad.h"
#include "idx.h"
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
    ihg_solve(IHG_SOLVER_EXACT, &c->H, c->v, 0, 0, 0, c->exact_max, c->q);
}

static void hypergrad(bench_ctx *c, ihg_solver_kind m, long K)
{
    ihg_session_val_grads(c->s, c->v, c->direct);
    ihg_solve(m, &c->H, c->v, K, 0.01, 0.0, c->exact_max, c->q);
    ihg_session_jtvp(c->s, c->q, c->jtq);
    gsl_vector_memcpy(c->hg, c->direct);
    gsl_vector_sub(c->hg, c->jtq);
}

static void run_neumann(void *p) { hypergrad(p, IHG_SOLVER_NEUMANN, 20); }
static void run_cg(void *p) { hypergrad(p, IHG_SOLVER_CG, 20); }

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

/* ---------------------------------------------------------------- MLP */

typedef struct {
    gsl_matrix *A, *B, *C;
} dgemm_ctx;

static void run_dgemm(void *p)
{
    dgemm_ctx *c = p;
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, c->A, c->B, 0.0, c->C);
}

/* GFLOP/s of a square n x n x n dgemm (median time), or 0 on failure. */
static double bench_dgemm(size_t n, int json)
{
    dgemm_ctx c = {gsl_matrix_alloc(n, n), gsl_matrix_alloc(n, n),
                   gsl_matrix_alloc(n, n)};
    if (!c.A || !c.B || !c.C) {
        fprintf(stderr, "bench: out of memory (dgemm %zu)\n", n);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            gsl_matrix_set(c.A, i, j, sin((double)(i * n + j)));
            gsl_matrix_set(c.B, i, j, cos((double)(i + 3 * j)));
        }
    double t = median_time(run_dgemm, &c);
    double gf = 2.0 * (double)n * (double)n * (double)n / t * 1e-9;
    if (json)
        printf("{\"bench\":\"dgemm\",\"n\":%zu,\"seconds\":%.6g,\"gflops\":%.4g}\n",
               n, t, gf);
    else
        printf("dgemm %zu x %zu x %zu (gsl_blas_dgemm, %s): %.1f ms, %.1f GFLOP/s\n",
               n, n, n, IHG_BLAS_NAME, t * 1e3, gf);
    gsl_matrix_free(c.A);
    gsl_matrix_free(c.B);
    gsl_matrix_free(c.C);
    return gf;
}

/* The mlp's hidden widths (its option hidden): how many, and *widths. */
static size_t mlp_hidden(const ihg_config *cfg, const long **widths)
{
    const ihg_option *row = NULL;
    *widths = ihg_config_model_option(cfg, "hidden", &row);
    return *widths ? ihg_option_ints_count(row, cfg->model.opts) : 0;
}

/* The flops of the dgemms of one MLP HVP on n rows (see the file comment):
 * 6 n n_0 n_1 for the first weight layer, 16 n n_{l-1} n_l for each
 * further one. */
static double mlp_hvp_flops(const ihg_session *s, double n)
{
    const ihg_config *cfg = ihg_session_config(s);
    const ihg_model *m = ihg_session_model(s);
    const long *hidden;
    size_t L = mlp_hidden(cfg, &hidden) + 1;
    double w[16];
    if (L + 1 > sizeof w / sizeof w[0])
        return NAN;
    w[0] = (double)m->d;
    for (size_t l = 1; l < L; l++)
        w[l] = (double)hidden[l - 1];
    w[L] = (double)m->k;
    double f = 6.0 * n * w[0] * w[1];
    for (size_t l = 2; l <= L; l++)
        f += 16.0 * n * w[l - 1] * w[l];
    return f;
}

/* Is the IDX training-image file of the experiment present? */
static int images_present(const ihg_config *cfg)
{
    char *dir = cfg->data.images_dir ? ihg_config_resolve(cfg, cfg->data.images_dir)
                                     : strdup(IHG_IDX_DEFAULT_DIR);
    if (!dir)
        return 0;
    char path[4096];
    int ok = 0;
    const char *names[] = {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"};
    for (size_t i = 0; i < 2 && !ok; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        ok = access(path, R_OK) == 0;
    }
    free(dir);
    return ok;
}

/* Load the experiment with overrides and build its session; NULL (with a
 * message) on failure. */
static ihg_session *mlp_session(const char *path, char *const *overrides,
                                ihg_config *cfg)
{
    if (ihg_config_load(cfg, path, overrides) != IHG_OK) {
        fprintf(stderr, "bench: %s\n", ihg_error_message());
        return NULL;
    }
    ihg_session *s = ihg_session_alloc(cfg);
    if (!s)
        fprintf(stderr, "bench: %s\n", ihg_error_message());
    return s;
}

/* HVP throughput and the 5-term Neumann hypergradient of one MLP. */
static int bench_mlp_hypergrad(const char *path, const char *tag,
                               char *const *overrides, double dgemm_gf, int json)
{
    ihg_config cfg;
    bench_ctx c;
    memset(&c, 0, sizeof c);
    c.s = mlp_session(path, overrides, &cfg);
    if (!c.s) {
        ihg_config_free(&cfg);
        return 1;
    }
    /* the inner loop of the first outer step: a realistic theta */
    for (long i = 0; i < cfg.inner.steps; i++)
        ihg_session_inner_step(c.s, NULL);
    c.m = ihg_session_model(c.s);
    c.exact_max = cfg.hypergrad.exact_max;
    size_t Pn = c.m->P, Hn = c.m->Hn;
    double n = (double)ihg_session_dataset(c.s)->train->n;
    c.u = gsl_vector_alloc(Pn);
    c.Hu = gsl_vector_alloc(Pn);
    c.v = gsl_vector_alloc(Pn);
    c.q = gsl_vector_alloc(Pn);
    c.direct = gsl_vector_alloc(Hn);
    c.jtq = gsl_vector_alloc(Hn);
    c.hg = gsl_vector_alloc(Hn);
    for (size_t i = 0; i < Pn; i++)
        gsl_vector_set(c.u, i, 1e-2 * sin(1.0 + (double)i));
    ihg_session_hessian_op(c.s, &c.H);
    double alpha = ihg_session_alpha(c.s);
    long K = cfg.hypergrad.terms;

    double th = median_time(run_hvp, &c);
    double flops = mlp_hvp_flops(c.s, n);
    double gf = flops / th * 1e-9;
    /* the whole hypergradient as the session computes it */
    double tn;
    {
        double t[200], total = 0;
        int cnt = 0;
        for (int warm = 1; cnt < 200 && (cnt < 7 || total < 0.2); warm = 0) {
            double t0 = ihg_now();
            ihg_session_val_grads(c.s, c.v, c.direct);
            ihg_solve(IHG_SOLVER_NEUMANN, &c.H, c.v, K, alpha, 0.0, c.exact_max, c.q);
            ihg_session_jtvp(c.s, c.q, c.jtq);
            gsl_vector_memcpy(c.hg, c.direct);
            gsl_vector_sub(c.hg, c.jtq);
            double dt = ihg_now() - t0;
            if (warm)
                continue;
            t[cnt++] = dt;
            total += dt;
        }
        qsort(t, (size_t)cnt, sizeof t[0], cmp_double);
        tn = t[cnt / 2];
    }
    char widths[256], activation[32];
    const long *hidden;
    size_t n_hidden = mlp_hidden(&cfg, &hidden);
    const ihg_option *act_row = NULL;
    int off = snprintf(widths, sizeof widths, "[%zu", c.m->d);
    for (size_t l = 0; l < n_hidden; l++)
        off += snprintf(widths + off, sizeof widths - (size_t)off, ",%ld",
                        hidden[l]);
    snprintf(widths + off, sizeof widths - (size_t)off, ",%zu]", c.m->k);
    activation[0] = '\0';
    if (ihg_config_model_option(&cfg, "activation", &act_row))
        ihg_option_format(act_row, cfg.model.opts, activation, sizeof activation);
    if (json)
        printf("{\"bench\":\"mlp\",\"tag\":\"%s\",\"widths\":%s,\"activation\":\"%s\","
               "\"P\":%zu,\"Hn\":%zu,\"n_train\":%zu,\"n_val\":%zu,\"terms\":%ld,"
               "\"alpha\":%.6g,\"hvp_s\":%.6g,\"hvp_flops\":%.6g,\"hvp_gflops\":%.4g,"
               "\"dgemm_gflops\":%.4g,\"neumann_s\":%.6g}\n",
               tag, widths, activation,
               Pn, Hn, ihg_session_dataset(c.s)->train->n,
               ihg_session_dataset(c.s)->val->n, K, alpha, th, flops, gf, dgemm_gf, tn);
    else
        printf("%-8s %-16s %9zu %9zu %4.0f  %9.3f %8.1f %7.1f%%  %12.3f\n", tag,
               widths, Pn, Hn, n, th * 1e3, gf,
               dgemm_gf > 0 ? 100.0 * gf / dgemm_gf : 0.0, tn * 1e3);
    gsl_vector *vs[] = {c.u, c.Hu, c.v, c.q, c.direct, c.jtq, c.hg};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        gsl_vector_free(vs[i]);
    ihg_session_free(c.s);
    ihg_config_free(&cfg);
    return 0;
}

/* Seconds per outer step of the experiment as shipped. */
static int bench_mlp_outer(const char *path, int json)
{
    ihg_config cfg;
    char *ov[] = {"outer.steps=100", NULL};
    ihg_session *s = mlp_session(path, ov, &cfg);
    if (!s) {
        ihg_config_free(&cfg);
        return 1;
    }
    enum { N_OUTER = 5 };
    double t[N_OUTER], rec[N_OUTER];
    int rc = 0;
    for (int i = -1; i < N_OUTER && rc == 0; i++) {
        double t0 = ihg_now();
        if (ihg_session_outer_step(s, NULL) != IHG_OK) {
            fprintf(stderr, "bench: outer step stopped: %s\n", ihg_session_message(s));
            rc = 1;
            break;
        }
        if (i >= 0) {
            t[i] = ihg_now() - t0;
            rec[i] = ihg_session_history(s)[ihg_session_history_len(s) - 1].seconds;
        }
    }
    if (rc == 0) {
        qsort(t, N_OUTER, sizeof t[0], cmp_double);
        qsort(rec, N_OUTER, sizeof rec[0], cmp_double);
        const ihg_record *r = &ihg_session_history(s)[ihg_session_history_len(s) - 1];
        if (json)
            printf("{\"bench\":\"mlp_outer\",\"Hn\":%zu,\"inner_steps\":%ld,\"terms\":%ld,"
                   "\"n_test\":%zu,\"outer_s\":%.6g,\"record_s\":%.6g,\"min_s\":%.6g,"
                   "\"max_s\":%.6g}\n",
                   ihg_session_model(s)->Hn, r->inner_steps, r->terms,
                   ihg_session_dataset(s)->test ? ihg_session_dataset(s)->test->n : 0,
                   t[N_OUTER / 2], rec[N_OUTER / 2], t[0], t[N_OUTER - 1]);
        else
            printf("outer step (%ld inner steps + %ld Neumann terms, %zu hyperparameters,"
                   " metrics on %zu test images): median %.3f s of %d (min %.3f, max"
                   " %.3f); goal < 1 s\n",
                   r->inner_steps, r->terms, ihg_session_model(s)->Hn,
                   ihg_session_dataset(s)->test ? ihg_session_dataset(s)->test->n : 0,
                   t[N_OUTER / 2], N_OUTER, t[0], t[N_OUTER - 1]);
    }
    ihg_session_free(s);
    ihg_config_free(&cfg);
    return rc;
}

/* Peak resident memory of `ihgtui --batch path --outer 2`, ihgtui being the
 * program beside this one. */
static int bench_mlp_rss(const char *argv0, const char *path, int json)
{
    char prog[4096];
    const char *slash = strrchr(argv0, '/');
    if (slash)
        snprintf(prog, sizeof prog, "%.*s/ihgtui", (int)(slash - argv0), argv0);
    else
        snprintf(prog, sizeof prog, "./ihgtui");
    if (access(prog, X_OK) != 0) {
        printf("peak RSS: skipped (%s not built)\n", prog);
        return 0;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench: fork");
        return 1;
    }
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        execl(prog, prog, "--batch", path, "--outer", "2", (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    double t0 = ihg_now();
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("bench: wait4");
        return 1;
    }
    double wall = ihg_now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: %s --batch %s failed (status %d)\n", prog, path, status);
        return 1;
    }
    double mib = (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB */
    if (json)
        printf("{\"bench\":\"mlp_rss\",\"max_rss_mib\":%.1f,\"wall_s\":%.3f}\n", mib, wall);
    else
        printf("peak RSS of ihgtui --batch %s --outer 2: %.0f MiB (%.2f GiB; goal < 1 GiB)"
               ", %.1f s\n", path, mib, mib / 1024.0, wall);
    return 0;
}

/* The unrolled hypergradient of a 784-100-10 MLP, T = 20 (see the top). */
static int bench_unrolled(const char *path, int checkpoint, int json)
{
    char *ov[] = {"model.hidden=[100]", "inner.steps=20", "inner.lr=0.1",
                  "inner.optimizer=sgd", "hypergrad.method=unrolled",
                  "data.images.n_test=0", "outer.steps=1000000",
                  checkpoint ? "hypergrad.checkpoint=true" : "hypergrad.checkpoint=false",
                  NULL};
    ihg_config cfg;
    ihg_session *s = mlp_session(path, ov, &cfg);
    if (!s) {
        ihg_config_free(&cfg);
        return 1;
    }
    double whole[64], rev[64];
    int cnt = 0;
    double total = 0;
    for (int warm = 1; cnt < 64 && (cnt < 7 || total < 1.0); warm = 0) {
        ihg_session_reset(s);
        double t0 = ihg_now(), t1 = t0;
        while (ihg_session_phase(s) != IHG_PHASE_UPDATE && !ihg_session_finished(s)) {
            if (ihg_session_phase(s) == IHG_PHASE_SOLVE && t1 == t0)
                t1 = ihg_now();
            ihg_session_step(s, 1, NULL);
        }
        double t2 = ihg_now();
        if (ihg_session_finished(s)) {
            fprintf(stderr, "bench: unrolled run stopped: %s\n", ihg_session_message(s));
            break;
        }
        if (warm)
            continue;
        whole[cnt] = t2 - t0;
        rev[cnt] = t2 - t1;
        total += t2 - t0;
        cnt++;
    }
    int rc = cnt > 0 ? 0 : 1;
    if (cnt > 0) {
        qsort(whole, (size_t)cnt, sizeof whole[0], cmp_double);
        qsort(rev, (size_t)cnt, sizeof rev[0], cmp_double);
        size_t P = ihg_session_n_params(s), Hn = ihg_session_n_hyper(s);
        double bytes = ihg_session_hypergrad_bytes(s), tp = 20.0 * (double)P * sizeof(double);
        if (json)
            printf("{\"bench\":\"unrolled\",\"checkpoint\":%s,\"P\":%zu,\"Hn\":%zu,"
                   "\"T\":20,\"n_train\":%zu,\"whole_s\":%.6g,\"reverse_s\":%.6g,"
                   "\"bytes\":%.0f,\"tp_bytes\":%.0f}\n",
                   checkpoint ? "true" : "false", P, Hn, ihg_session_dataset(s)->train->n,
                   whole[cnt / 2], rev[cnt / 2], bytes, tp);
        else
            printf("unrolled%-12s %9zu %9zu %4d  %10.2f %10.2f %10.1f MB (T P: %.1f MB)\n",
                   checkpoint ? " checkpoint" : "", P, Hn, 20, whole[cnt / 2] * 1e3,
                   rev[cnt / 2] * 1e3, bytes / 1048576.0, tp / 1048576.0);
    }
    ihg_session_free(s);
    ihg_config_free(&cfg);
    return rc;
}

static int bench_unrolled_rows(const char *path, int json)
{
    ihg_config probe;
    if (ihg_config_load(&probe, path, NULL) != IHG_OK || !images_present(&probe)) {
        ihg_config_free(&probe);
        printf("unrolled MLP: skipped (Fashion-MNIST not installed)\n");
        return 0;
    }
    ihg_config_free(&probe);
    if (!json) {
        printf("\nUnrolled hypergradient, MLP 784-100-10 tanh, per-weight decays, T = 20 "
               "SGD steps, 50 images; median ms\n");
        printf("%-20s %9s %9s %4s  %10s %10s %10s\n", "", "P", "hypers", "T",
               "step+rev", "reverse", "memory");
    }
    return bench_unrolled(path, 0, json) | bench_unrolled(path, 1, json);
}

/* Whether the experiment's image data are installed: 1, 0, or -1 (with a
 * message) when the experiment does not load. */
static int experiment_images(const char *path)
{
    ihg_config cfg;
    if (ihg_config_load(&cfg, path, NULL) != IHG_OK) {
        fprintf(stderr, "bench: %s\n", ihg_error_message());
        ihg_config_free(&cfg);
        return -1;
    }
    int present = images_present(&cfg);
    ihg_config_free(&cfg);
    return present;
}

static int bench_mlp(const char *argv0, const char *path, int json, int outer)
{
    int present = experiment_images(path);
    if (present < 0)
        return 1;
    if (!present) {
        printf("MLP figures skipped: Fashion-MNIST not installed (Debian package "
               "dataset-fashion-mnist, or data.images.dir in %s)\n", path);
        return 0;
    }
    if (!json)
        printf("\nMLP on Fashion-MNIST (%s), medians; CBLAS %s\n", path, IHG_BLAS_NAME);
    double gf = bench_dgemm(1000, json);
    if (!json)
        printf("%-8s %-16s %9s %9s %4s  %9s %8s %8s  %12s\n", "mlp", "widths", "P",
               "hypers", "n", "HVP ms", "GFLOP/s", "of dgemm", "hypergrad ms");
    int rc = bench_mlp_hypergrad(path, "large", NULL, gf, json);
    char *small[] = {"model.hidden=[10]", NULL};
    rc |= bench_mlp_hypergrad(path, "small", small, gf, json);
    if (!json)
        printf("(HVP GFLOP/s: flops of the R-op's dgemms, 6 n n0 n1 + 16 n n_l-1 n_l "
               "per further layer; hypergrad: dL_V/dtheta + Neumann %s + J^T q)\n",
               "K=5");
    if (outer) {
        rc |= bench_mlp_outer(path, json);
        rc |= bench_mlp_rss(argv0, path, json);
    }
    return rc;
}

/* The median outer step of a shipped experiment of issue 11 (5 after one
 * warm-up), with overrides. */
static int bench_family_outer(const char *path, const char *tag, char *const *ov,
                              const char *what, int json)
{
    ihg_config cfg;
    if (ihg_config_load(&cfg, path, ov) != IHG_OK) {
        fprintf(stderr, "bench: %s\n", ihg_error_message());
        return 1;
    }
    if (cfg.data.images && !images_present(&cfg)) {
        printf("%s: skipped (the image data set is not installed)\n", tag);
        ihg_config_free(&cfg);
        return 0;
    }
    ihg_session *s = ihg_session_alloc(&cfg);
    if (!s) {
        fprintf(stderr, "bench: %s\n", ihg_error_message());
        ihg_config_free(&cfg);
        return 1;
    }
    enum { N_OUTER = 5 };
    double t[N_OUTER];
    int rc = 0;
    for (int i = -1; i < N_OUTER && rc == 0; i++) {
        double t0 = ihg_now();
        if (ihg_session_outer_step(s, NULL) != IHG_OK) {
            fprintf(stderr, "bench: %s: outer step stopped: %s\n", tag,
                    ihg_session_message(s));
            rc = 1;
        } else if (i >= 0) {
            t[i] = ihg_now() - t0;
        }
    }
    if (rc == 0) {
        qsort(t, N_OUTER, sizeof t[0], cmp_double);
        const ihg_record *r = &ihg_session_history(s)[ihg_session_history_len(s) - 1];
        if (json)
            printf("{\"bench\":\"%s_outer\",\"P\":%zu,\"Hn\":%zu,\"inner_steps\":%ld,"
                   "\"hvps\":%ld,\"outer_s\":%.6g,\"min_s\":%.6g,\"max_s\":%.6g}\n",
                   tag, ihg_session_n_params(s), ihg_session_n_hyper(s), r->inner_steps,
                   r->hvps, t[N_OUTER / 2], t[0], t[N_OUTER - 1]);
        else
            printf("%s outer step (%s; P = %zu, %zu hyperparameters, %ld inner steps, "
                   "%ld HVPs): median %.1f ms of %d (min %.1f, max %.1f)\n",
                   tag, what, ihg_session_n_params(s), ihg_session_n_hyper(s),
                   r->inner_steps, r->hvps, 1e3 * t[N_OUTER / 2], N_OUTER, 1e3 * t[0],
                   1e3 * t[N_OUTER - 1]);
    }
    ihg_session_free(s);
    ihg_config_free(&cfg);
    return rc;
}

/* Resident set size now, in bytes (Linux /proc; 0 elsewhere). */
static double resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

#define HISTORY_STEPS 12
#define HISTORY_BACK 10

static int bench_history(const char *path, int json)
{
    ihg_config cfg;
    int present = experiment_images(path);
    if (present <= 0) {
        if (present == 0)
            printf("history: skipped (Fashion-MNIST not installed)\n");
        return present < 0;
    }
    char *ov[] = {"outer.steps=100", NULL};
    ihg_session *s = mlp_session(path, ov, &cfg);
    if (!s) {
        ihg_config_free(&cfg);
        return 1;
    }
    double rss0 = resident_bytes();
    ihg_history *h = ihg_history_alloc(s, IHG_HISTORY_BUDGET);
    double capture[HISTORY_STEPS], view_t[HISTORY_BACK];
    int rc = h ? 0 : 1;
    for (int i = 0; i < HISTORY_STEPS && rc == 0; i++) {
        if (ihg_session_outer_step(s, NULL) != IHG_OK) {
            fprintf(stderr, "bench: outer step stopped: %s\n", ihg_session_message(s));
            rc = 1;
            break;
        }
        double t0 = ihg_now();
        if (ihg_history_capture(h, s, NULL) != IHG_OK)
            rc = 1;
        capture[i] = ihg_now() - t0;
    }
    double rss1 = resident_bytes();
    long tip = ihg_session_outer(s);
    double sum_check = 0;
    for (int back = 1; back <= HISTORY_BACK && rc == 0; back++) {
        ihg_step_view v;
        double t0 = ihg_now();
        if (ihg_history_view(h, 0, tip - back, &v) != IHG_OK)
            rc = 1;
        view_t[back - 1] = ihg_now() - t0;
        sum_check += v.lambda[0] + v.hypergrad[v.n_hyper - 1] + v.records[v.n_records - 1].val_loss;
    }
    /* restoring: at a checkpoint or not, whichever 10 and 9 back are */
    double restore_t[2] = {0, 0};
    for (int i = 0; i < 2 && rc == 0; i++) {
        double t0 = ihg_now();
        if (ihg_history_restore(h, s, 0, tip - HISTORY_BACK + i) != IHG_OK) {
            fprintf(stderr, "bench: restore: %s\n", ihg_error_message());
            rc = 1;
        }
        restore_t[i] = ihg_now() - t0;
    }
    if (rc == 0) {
        ihg_history_memory mem;
        ihg_history_memory_used(h, &mem);
        double last_view = view_t[HISTORY_BACK - 1];
        qsort(view_t, HISTORY_BACK, sizeof view_t[0], cmp_double);
        qsort(capture, HISTORY_STEPS, sizeof capture[0], cmp_double);
        const double mib = 1048576.0;
        if (json)
            printf("{\"bench\":\"history\",\"Hn\":%zu,\"steps\":%ld,\"view_back10_s\":%.6g,"
                   "\"view_median_s\":%.6g,\"view_max_s\":%.6g,\"capture_median_s\":%.6g,"
                   "\"restore_back10_s\":%.6g,\"restore_back9_s\":%.6g,\"view_mib\":%.1f,\"checkpoint_mib\":%.1f,"
                   "\"budget_mib\":%.1f,\"checkpoints\":%zu,\"every\":%ld,"
                   "\"rss_growth_mib\":%.1f}\n",
                   ihg_session_n_hyper(s), tip, last_view, view_t[HISTORY_BACK / 2],
                   view_t[HISTORY_BACK - 1], capture[HISTORY_STEPS / 2], restore_t[0],
                   restore_t[1],
                   mem.view_bytes / mib, mem.checkpoint_bytes / mib, mem.budget / mib,
                   mem.checkpoints, mem.every, (rss1 - rss0) / mib);
        else {
            printf("\nHistory of %s (%zu hyperparameters), %ld outer steps kept:\n", path,
                   ihg_session_n_hyper(s), tip);
            printf("  view of the step %d back: %.1f ms (1..%d back: median %.1f ms, max "
                   "%.1f ms; goal < 100 ms)\n", HISTORY_BACK, last_view * 1e3, HISTORY_BACK,
                   view_t[HISTORY_BACK / 2] * 1e3, view_t[HISTORY_BACK - 1] * 1e3);
            printf("  capture after an outer step: median %.1f ms\n",
                   capture[HISTORY_STEPS / 2] * 1e3);
            printf("  restore the session %d steps back: %.2f s, %d back: %.2f s (the nearest "
                   "checkpoint, then the outer steps after it recomputed)\n", HISTORY_BACK,
                   restore_t[0], HISTORY_BACK - 1, restore_t[1]);
            printf("  memory: views %.0f MiB (%.1f MiB a step), checkpoints %.0f MiB in %zu "
                   "(every %ld-th step; budget %.0f MiB); resident set +%.0f MiB\n",
                   mem.view_bytes / mib, mem.view_bytes / mib / (double)(tip + 1),
                   mem.checkpoint_bytes / mib, mem.checkpoints, mem.every, mem.budget / mib,
                   (rss1 - rss0) / mib);
        }
    }
    if (!isfinite(sum_check) && rc == 0)
        fprintf(stderr, "bench: the views hold non-finite numbers\n");
    ihg_history_free(h);
    ihg_session_free(s);
    ihg_config_free(&cfg);
    return rc;
}

static int bench_families(const char *src_root, int json)
{
    char p1[4096], p2[4096];
    snprintf(p1, sizeof p1, "%sexperiments/fashion_augment.yaml", src_root);
    snprintf(p2, sizeof p2, "%sexperiments/sinusoid_imaml.yaml", src_root);
    char *ov1[] = {"hypergrad.tol=0", NULL};
    char *ov2[] = {"hypergrad.tol=0", "model.test_tasks=0", NULL};
    int rc = bench_family_outer(p1, "augment", ov1,
                                "fashion_augment.yaml: 20 SGD steps on 100 augmented images, "
                                "metrics, 20 CG iterations on 1,000, J^T q", json);
    rc |= bench_family_outer(p2, "imaml", ov2,
                             "sinusoid_imaml.yaml, one meta-batch: 10 tasks x 40 steps, "
                             "10 CG iterations, no held-out test", json);
    return rc;
}

int main(int argc, char **argv)
{
    int json = 0, mlp = 1, linear = 1, outer = 1, unrolled = 1, history = 1, families = 1;
    /* experiments/fashion_overfit.yaml beside this source file, so that
     * in-tree and VPATH builds find it (the compiler is given the path) */
    char defpath[4096];
    const char *src = __FILE__, *cut = strstr(src, "bench/bench.c");
    snprintf(defpath, sizeof defpath, "%.*sexperiments/fashion_overfit.yaml",
             cut ? (int)(cut - src) : 0, src);
    const char *path = defpath;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--no-mlp") == 0)
            mlp = 0;
        else if (strcmp(argv[i], "--mlp-only") == 0)
            linear = 0;
        else if (strcmp(argv[i], "--no-outer") == 0)
            outer = 0;
        else if (strcmp(argv[i], "--unrolled-only") == 0)
            linear = mlp = history = families = 0;
        else if (strcmp(argv[i], "--history-only") == 0)
            linear = mlp = unrolled = families = 0;
        else if (strcmp(argv[i], "--families-only") == 0)
            linear = mlp = unrolled = history = 0;
        else if (strcmp(argv[i], "--no-families") == 0)
            families = 0;
        else if (strcmp(argv[i], "--experiment") == 0 && i + 1 < argc)
            path = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--json] [--no-mlp | --mlp-only] [--no-outer] "
                            "[--unrolled-only] [--history-only] [--families-only | "
                            "--no-families] [--experiment FILE]\n", argv[0]);
            return 2;
        }
    }
    ihg_error_install_gsl_handler();
    int rc = 0;
    if (linear) {
        if (!json) {
            printf("Hypergradient cost, n = 1000 rows, median wall time in microseconds "
                   "(CBLAS: %s)\n", IHG_BLAS_NAME);
            printf("%-9s %5s  %10s %10s %11s %12s %10s\n", "model", "P", "gradient",
                   "HVP", "exact", "neumann K=20", "cg K=20");
        }
        const char *kinds[] = {"ridge", "logistic"};
        const long sizes[] = {10, 100, 1000};
        for (size_t k = 0; k < 2; k++)
            for (size_t i = 0; i < 3; i++)
                rc |= bench_one(kinds[k], sizes[i], json);
    }
    if (mlp)
        rc |= bench_mlp(argv[0], path, json, outer);
    if (unrolled && (mlp || !linear))
        rc |= bench_unrolled_rows(path, json);
    if (history && (mlp || !linear) && outer)
        rc |= bench_history(path, json);
    if (families) {
        char root[4096];
        snprintf(root, sizeof root, "%.*s", cut ? (int)(cut - src) : 0, src);
        rc |= bench_families(root, json);
    }
    return rc;
}
