/* test_hypergrad.c - the q ~ H^{-1} v solvers against dense linear algebra.
 *
 * Operators are explicit symmetric matrices with a chosen spectrum
 * (H = Q diag(e) Q^T, Q a random orthogonal matrix), so every expected
 * value is known in closed form:
 *   Neumann  q_K = alpha sum_{j=0..K} (I - alpha H)^j v  (formed by powers)
 *            along an eigenvector with eigenvalue mu the relative error of
 *            q_K is exactly |1 - alpha mu|^(K+1)  (src/hypergrad.c)
 *   CG       exact after at most P iterations in exact arithmetic
 *   exact    Cholesky; LU when H is indefinite; pseudo-inverse when singular
 */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_sort_vector.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "error.h"
#include "hypergrad.h"

typedef struct {
    gsl_matrix *H;
    long calls;
} matop;

static void mat_apply(const gsl_vector *u, gsl_vector *Hu, void *p)
{
    matop *m = p;
    m->calls++;
    gsl_blas_dsymv(CblasUpper, 1.0, m->H, u, 0.0, Hu);
}

/* H = Q diag(e) Q^T with Q from the QR of a Gaussian matrix; returns Q. */
static gsl_matrix *spectrum_matrix(gsl_rng *r, const double *e, size_t n, gsl_matrix *H)
{
    gsl_matrix *A = gsl_matrix_alloc(n, n), *Q = gsl_matrix_alloc(n, n),
               *R = gsl_matrix_alloc(n, n), *T = gsl_matrix_alloc(n, n);
    gsl_vector *tau = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(A, i, j, gsl_ran_gaussian(r, 1.0));
    gsl_linalg_QR_decomp(A, tau);
    gsl_linalg_QR_unpack(A, tau, Q, R);
    gsl_matrix_memcpy(T, Q);
    for (size_t j = 0; j < n; j++) {
        gsl_vector_view col = gsl_matrix_column(T, j);
        gsl_vector_scale(&col.vector, e[j]);
    }
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, T, Q, 0.0, H);
    for (size_t i = 0; i < n; i++) /* exact symmetry */
        for (size_t j = i + 1; j < n; j++) {
            double a = 0.5 * (gsl_matrix_get(H, i, j) + gsl_matrix_get(H, j, i));
            gsl_matrix_set(H, i, j, a);
            gsl_matrix_set(H, j, i, a);
        }
    gsl_matrix_free(A);
    gsl_matrix_free(R);
    gsl_matrix_free(T);
    gsl_vector_free(tau);
    return Q;
}

static double rel_diff(const gsl_vector *a, const gsl_vector *b)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < a->size; i++) {
        double d = gsl_vector_get(a, i) - gsl_vector_get(b, i);
        num += d * d;
        den += gsl_vector_get(b, i) * gsl_vector_get(b, i);
    }
    return sqrt(num) / (den > 0 ? sqrt(den) : 1.0);
}

static void solve_dense(const gsl_matrix *H, const gsl_vector *v, gsl_vector *q)
{
    size_t n = H->size1;
    gsl_matrix *LU = gsl_matrix_alloc(n, n);
    gsl_permutation *p = gsl_permutation_alloc(n);
    int sg;
    gsl_matrix_memcpy(LU, H);
    gsl_linalg_LU_decomp(LU, p, &sg);
    gsl_linalg_LU_solve(LU, p, v, q);
    gsl_matrix_free(LU);
    gsl_permutation_free(p);
}

static void test_neumann_formula(gsl_rng *r)
{
    const size_t n = 6;
    double e[6] = {0.1, 0.5, 1.0, 2.0, 3.0, 4.5};
    gsl_matrix *H = gsl_matrix_alloc(n, n);
    gsl_matrix *Q = spectrum_matrix(r, e, n, H);
    matop m = {H, 0};
    ihg_linop op = {mat_apply, NULL, &m, n, NULL, NULL};
    gsl_vector *v = gsl_vector_alloc(n), *q = gsl_vector_alloc(n);
    gsl_vector *term = gsl_vector_alloc(n), *sum = gsl_vector_alloc(n),
               *tmp = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(v, i, gsl_ran_gaussian(r, 1.0));
    double alpha = 0.3;
    for (long K = 0; K <= 12; K += 3) {
        /* direct: sum_{j=0..K} (I - alpha H)^j v, then times alpha */
        gsl_vector_memcpy(term, v);
        gsl_vector_memcpy(sum, v);
        for (long j = 1; j <= K; j++) {
            gsl_blas_dsymv(CblasUpper, -alpha, H, term, 0.0, tmp);
            gsl_vector_add(term, tmp);
            gsl_vector_add(sum, term);
        }
        gsl_vector_scale(sum, alpha);
        m.calls = 0;
        ihg_solve(IHG_SOLVER_NEUMANN, &op, v, K, alpha, 0, 0, q);
        /* Same arithmetic in a different order: agreement to a few ulps of
         * the largest partial sum, which is at most (K+1) ||v|| here. */
        CHECK(rel_diff(q, sum) < 1e-13 * (K + 1),
              "neumann K=%ld equals alpha sum (I-alpha H)^j v (rel %.2g)", K,
              rel_diff(q, sum));
        CHECK(m.calls == K, "neumann K=%ld uses exactly K HVPs (used %ld)", K, m.calls);
    }
    /* K = 0 gives q = alpha v */
    ihg_solve(IHG_SOLVER_NEUMANN, &op, v, 0, alpha, 0, 0, q);
    gsl_vector_memcpy(tmp, v);
    gsl_vector_scale(tmp, alpha);
    CHECK(rel_diff(q, tmp) == 0, "neumann terms: 0 gives q = alpha v");

    /* the error rate along each eigenvector is |1 - alpha mu|^(K+1) */
    gsl_vector *exact = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++) {
        gsl_vector_view qi = gsl_matrix_column(Q, i);
        gsl_vector_memcpy(v, &qi.vector);
        gsl_vector_memcpy(exact, v);
        gsl_vector_scale(exact, 1.0 / e[i]);
        for (long K = 1; K <= 20; K += 19) {
            ihg_solve(IHG_SOLVER_NEUMANN, &op, v, K, alpha, 0, 0, q);
            double want = pow(fabs(1 - alpha * e[i]), (double)(K + 1));
            double got = rel_diff(q, exact);
            /* the rounding floor is ~1e-15 relative; compare above it */
            CHECK(fabs(got - want) <= 1e-9 * want + 1e-13,
                  "neumann error along eigenvalue %g, K=%ld: %.6g vs predicted %.6g",
                  e[i], K, got, want);
        }
    }
    /* general v: error bounded by rho^(K+1), rho = max |1 - alpha e| */
    double rho = 0;
    for (size_t i = 0; i < n; i++)
        rho = fmax(rho, fabs(1 - alpha * e[i]));
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(v, i, gsl_ran_gaussian(r, 1.0));
    solve_dense(H, v, exact);
    for (long K = 0; K <= 40; K += 10) {
        ihg_solve(IHG_SOLVER_NEUMANN, &op, v, K, alpha, 0, 0, q);
        double err = rel_diff(q, exact);
        CHECK(err <= pow(rho, (double)(K + 1)) * (1 + 1e-9),
              "neumann K=%ld error %.3g <= rho^(K+1) = %.3g", K, err,
              pow(rho, (double)(K + 1)));
    }
    gsl_vector_free(exact);
    gsl_vector_free(v);
    gsl_vector_free(q);
    gsl_vector_free(term);
    gsl_vector_free(sum);
    gsl_vector_free(tmp);
    gsl_matrix_free(H);
    gsl_matrix_free(Q);
}

static void test_neumann_divergence(gsl_rng *r)
{
    const size_t n = 5;
    double e[5] = {0.2, 0.7, 1.0, 1.5, 6.5}; /* alpha = 0.4: alpha*6.5 = 2.6 > 2 */
    gsl_matrix *H = gsl_matrix_alloc(n, n);
    gsl_matrix *Q = spectrum_matrix(r, e, n, H);
    matop m = {H, 0};
    ihg_linop op = {mat_apply, NULL, &m, n, NULL, NULL};
    gsl_vector *v = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(v, i, gsl_ran_gaussian(r, 1.0));
    ihg_solver *s = ihg_solver_alloc(IHG_SOLVER_NEUMANN, n, 0);
    ihg_solver_start(s, &op, v, 50, 0.4, 0);
    ihg_solve_state st = IHG_SOLVE_RUNNING;
    int diverged = 0;
    long at = 0;
    while (!diverged && ihg_solver_done_terms(s) < 50) {
        ihg_solver_iterate(s, &st);
        if (st == IHG_SOLVE_DIVERGED) {
            diverged = 1;
            at = ihg_solver_done_terms(s);
        }
    }
    CHECK(diverged, "neumann with alpha*lambda_max = 2.6 is reported divergent (term %ld)",
          at);
    /* the growth ratio is a lower bound on rho = 1.6 */
    CHECK(ihg_solver_growth(s) > 1 && ihg_solver_growth(s) <= 1.6 + 1e-9,
          "growth ratio %.4f in (1, rho = 1.6]", ihg_solver_growth(s));
    ihg_solver_free(s);

    /* the same spectrum with alpha = 0.25 (alpha*6.5 = 1.625 < 2) converges */
    s = ihg_solver_alloc(IHG_SOLVER_NEUMANN, n, 0);
    ihg_solver_start(s, &op, v, 50, 0.25, 0);
    diverged = 0;
    for (int k = 0; k < 50; k++) {
        ihg_solver_iterate(s, &st);
        if (st == IHG_SOLVE_DIVERGED)
            diverged = 1;
    }
    CHECK(!diverged, "neumann with alpha*lambda_max = 1.625 is not flagged");
    ihg_solver_free(s);

    /* a negative eigenvalue (H not PD) also diverges */
    double e2[5] = {-0.5, 0.7, 1.0, 1.5, 2.0};
    gsl_matrix_free(Q);
    Q = spectrum_matrix(r, e2, n, H);
    s = ihg_solver_alloc(IHG_SOLVER_NEUMANN, n, 0);
    ihg_solver_start(s, &op, v, 60, 0.4, 0);
    diverged = 0;
    for (int k = 0; k < 60; k++) {
        ihg_solver_iterate(s, &st);
        if (st == IHG_SOLVE_DIVERGED)
            diverged = 1;
    }
    CHECK(diverged, "neumann with a negative eigenvalue is reported divergent");
    ihg_solver_free(s);
    gsl_vector_free(v);
    gsl_matrix_free(H);
    gsl_matrix_free(Q);
}

static void test_cg_and_exact(gsl_rng *r)
{
    const size_t n = 30;
    double e[30];
    for (size_t i = 0; i < n; i++)
        e[i] = 0.05 + 10.0 * (double)i / (double)(n - 1); /* condition 200 */
    gsl_matrix *H = gsl_matrix_alloc(n, n);
    gsl_matrix *Q = spectrum_matrix(r, e, n, H);
    matop m = {H, 0};
    ihg_linop op = {mat_apply, NULL, &m, n, NULL, NULL};
    gsl_vector *v = gsl_vector_alloc(n), *q = gsl_vector_alloc(n),
               *want = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(v, i, gsl_ran_gaussian(r, 1.0));
    solve_dense(H, v, want);

    m.calls = 0;
    ihg_solve(IHG_SOLVER_CG, &op, v, (long)n, 0, 0, 0, q);
    /* In exact arithmetic CG terminates in P steps; in floating point with
     * condition number 200 the error after P steps is ~kappa * eps. */
    CHECK(rel_diff(q, want) < 1e-10, "cg reaches the exact solve within P = %zu "
                                     "iterations (rel %.2g)", n, rel_diff(q, want));
    CHECK(m.calls <= (long)n, "cg used %ld <= P HVPs", m.calls);
    ihg_solve(IHG_SOLVER_CG, &op, v, 1000, 0, 1e-12, 0, q);
    CHECK(rel_diff(q, want) < 1e-10, "cg with tolerance 1e-12 stops at the solution");

    m.calls = 0;
    ihg_solve(IHG_SOLVER_EXACT, &op, v, 0, 0, 0, 2000, q);
    /* backward-stable Cholesky: error <= kappa * eps * small constant */
    CHECK(rel_diff(q, want) < 1e-12, "exact (Cholesky) matches LU (rel %.2g)",
          rel_diff(q, want));
    CHECK(m.calls == (long)n, "exact forms H with P = %zu HVPs (%ld)", n, m.calls);

    ihg_solve(IHG_SOLVER_IDENTITY, &op, v, 0, 0, 0, 0, q);
    CHECK(rel_diff(q, v) == 0, "identity gives q = v");

    /* size limit */
    ihg_error_clear();
    ihg_solver *s = ihg_solver_alloc(IHG_SOLVER_EXACT, n, 10);
    CHECK(s == NULL && ihg_error_status() == IHG_ELIMIT,
          "exact refuses P above exact_max: %s", ihg_error_message());

    /* indefinite H: LU fallback, reported */
    for (size_t i = 0; i < n; i++)
        e[i] = (i % 3 == 0 ? -1.0 : 1.0) * (0.5 + (double)i);
    gsl_matrix_free(Q);
    Q = spectrum_matrix(r, e, n, H);
    solve_dense(H, v, want);
    s = ihg_solver_alloc(IHG_SOLVER_EXACT, n, 2000);
    ihg_solve_state st;
    ihg_solver_start(s, &op, v, 0, 0, 0);
    ihg_solver_iterate(s, &st);
    CHECK(ihg_solver_used_fallback(s) == IHG_FALLBACK_LU, "indefinite H: exact falls back to LU");
    CHECK(rel_diff(ihg_solver_q(s), want) < 1e-11, "indefinite H: LU solution correct");
    ihg_solver_free(s);

    /* singular H: pseudo-inverse, reported */
    for (size_t i = 0; i < n; i++)
        e[i] = i < 3 ? 0.0 : (double)i;
    gsl_matrix_free(Q);
    Q = spectrum_matrix(r, e, n, H);
    /* v in the range of H: then the pseudo-inverse solves H q = v */
    gsl_vector *x = gsl_vector_alloc(n), *Hq = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(x, i, gsl_ran_gaussian(r, 1.0));
    gsl_blas_dsymv(CblasUpper, 1.0, H, x, 0.0, v);
    s = ihg_solver_alloc(IHG_SOLVER_EXACT, n, 2000);
    ihg_solver_start(s, &op, v, 0, 0, 0);
    ihg_solver_iterate(s, &st);
    CHECK(ihg_solver_used_fallback(s) == IHG_FALLBACK_PSEUDO_INVERSE, "singular H: exact uses the pseudo-inverse (fallback %d, ||q|| = %.3g)", ihg_solver_used_fallback(s), gsl_blas_dnrm2(ihg_solver_q(s)));
    gsl_blas_dsymv(CblasUpper, 1.0, H, ihg_solver_q(s), 0.0, Hq);
    CHECK(rel_diff(Hq, v) < 1e-10, "singular H: H q = v for v in the range (rel %.2g)",
          rel_diff(Hq, v));
    ihg_solver_free(s);

    /* eigenvalues of the operator */
    gsl_vector *ev = gsl_vector_alloc(n);
    ihg_linop_eigenvalues(&op, 2000, ev);
    CHECK(fabs(gsl_vector_get(ev, 0)) < 1e-12 && fabs(gsl_vector_get(ev, n - 1) - 29) < 1e-11,
          "eigenvalues ascending, min %.3g max %.15g", gsl_vector_get(ev, 0),
          gsl_vector_get(ev, n - 1));
    gsl_vector_free(ev);

    /* known null direction: deflation, no fallback, minimum-norm q */
    {
        gsl_matrix *U = gsl_matrix_alloc(n, 1);
        gsl_vector_view u0 = gsl_matrix_column(Q, 0); /* eigenvalue 0 */
        gsl_matrix_set_col(U, 0, &u0.vector);
        double e2[30];
        for (size_t i = 0; i < n; i++)
            e2[i] = i == 0 ? 0.0 : 0.5 + (double)i;
        /* rebuild H with one zero eigenvalue along Q's first column */
        gsl_matrix *T = gsl_matrix_alloc(n, n);
        gsl_matrix_memcpy(T, Q);
        for (size_t j = 0; j < n; j++) {
            gsl_vector_view col = gsl_matrix_column(T, j);
            gsl_vector_scale(&col.vector, e2[j]);
        }
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, T, Q, 0.0, H);
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                double a = 0.5 * (gsl_matrix_get(H, i, j) + gsl_matrix_get(H, j, i));
                gsl_matrix_set(H, i, j, a);
                gsl_matrix_set(H, j, i, a);
            }
        /* v orthogonal to the null direction */
        for (size_t i = 0; i < n; i++)
            gsl_vector_set(x, i, gsl_ran_gaussian(r, 1.0));
        gsl_blas_dsymv(CblasUpper, 1.0, H, x, 0.0, v);
        ihg_linop dop = op;
        dop.null_basis = U;
        s = ihg_solver_alloc(IHG_SOLVER_EXACT, n, 2000);
        ihg_solver_start(s, &dop, v, 0, 0, 0);
        ihg_solver_iterate(s, &st);
        double along;
        gsl_blas_ddot(&u0.vector, ihg_solver_q(s), &along);
        gsl_blas_dsymv(CblasUpper, 1.0, H, ihg_solver_q(s), 0.0, Hq);
        CHECK(ihg_solver_used_fallback(s) == IHG_FALLBACK_NONE,
              "known null direction: deflated Cholesky, no fallback (%d)",
              ihg_solver_used_fallback(s));
        /* kappa of the deflated matrix ~ 60: solution to ~1e-14 */
        CHECK(rel_diff(Hq, v) < 1e-12 && fabs(along) < 1e-12 * gsl_blas_dnrm2(ihg_solver_q(s)),
              "known null direction: H q = v (rel %.2g), q orthogonal to it (%.2g)",
              rel_diff(Hq, v), along);
        ihg_solver_free(s);
        gsl_matrix_free(T);
        gsl_matrix_free(U);
    }

    gsl_vector_free(x);
    gsl_vector_free(Hq);
    gsl_vector_free(v);
    gsl_vector_free(q);
    gsl_vector_free(want);
    gsl_matrix_free(H);
    gsl_matrix_free(Q);
}

/* ---- damping and Jacobi preconditioning (precond.h) ----
 *
 * On H = S Q diag(e) Q^T S (S a diagonal of scales 1..100: a badly scaled
 * operator whose Jacobi preconditioning matters):
 *   damping: every solver's answer is (H + delta I)^{-1} v (dense LU);
 *   Neumann on D^{-1} H: q_K = alpha sum_{j<=K} (I - alpha D^{-1} H)^j D^{-1} v
 *            formed by powers of the dense matrix (1e-12), and it converges
 *            to H^{-1} v at a step alpha = 1 / lambda_max(D^{-1} H);
 *   PCG: H^{-1} v in at most n iterations (1e-9), and fewer iterations than
 *        CG to a residual of 1e-8 on this operator;
 *   the diagonal: exact from unit vectors (n <= probes), exact from random
 *        signs on a diagonal H, 0 products with a closed form; the
 *        conditioned spectrum equals the eigenvalues of the dense
 *        D^{-1/2} (H + delta I) D^{-1/2}. */
#include "precond.h"

static void diag_of(gsl_vector *d, void *p)
{
    matop *m = p;
    for (size_t i = 0; i < d->size; i++)
        gsl_vector_set(d, i, gsl_matrix_get(m->H, i, i));
}

static gsl_matrix *scaled_operator(gsl_rng *r, size_t n)
{
    double e[8] = {0.05, 0.3, 0.8, 1.0, 1.5, 2.0, 3.0, 4.0};
    gsl_matrix *H = gsl_matrix_alloc(n, n);
    gsl_matrix *Q = spectrum_matrix(r, e, n, H);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double si = pow(100.0, (double)i / (double)(n - 1)),
                   sj = pow(100.0, (double)j / (double)(n - 1));
            *gsl_matrix_ptr(H, i, j) *= si * sj;
        }
    gsl_matrix_free(Q);
    return H;
}

static long run_solver(ihg_solver_kind kind, const ihg_linop *op, const gsl_vector *v, long K,
                       double alpha, double tol, double damping, const gsl_vector *dinv,
                       gsl_vector *q, ihg_solve_state *last)
{
    ihg_solver *s = ihg_solver_alloc(kind, op->n, 100);
    ihg_solver_condition(s, damping, dinv);
    ihg_solver_start(s, op, v, K, alpha, tol);
    ihg_solve_state st = IHG_SOLVE_RUNNING;
    while (st == IHG_SOLVE_RUNNING)
        ihg_solver_iterate(s, &st);
    gsl_vector_memcpy(q, ihg_solver_q(s));
    long done = ihg_solver_done_terms(s);
    if (last)
        *last = st;
    ihg_solver_free(s);
    return done;
}

static void test_conditioning(gsl_rng *r)
{
    const size_t n = 8;
    gsl_matrix *H = scaled_operator(r, n), *Hd = gsl_matrix_alloc(n, n),
               *M = gsl_matrix_alloc(n, n), *T = gsl_matrix_alloc(n, n);
    matop m = {H, 0};
    ihg_linop op = {mat_apply, NULL, &m, n, NULL, NULL};
    gsl_vector *v = gsl_vector_alloc(n), *q = gsl_vector_alloc(n), *want = gsl_vector_alloc(n),
               *dinv = gsl_vector_alloc(n), *z = gsl_vector_alloc(n), *Hz = gsl_vector_alloc(n),
               *t = gsl_vector_alloc(n), *sum = gsl_vector_alloc(n), *ev = gsl_vector_alloc(n),
               *ev2 = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(v, i, gsl_ran_gaussian(r, 1.0));
    const double delta = 0.7;

    /* damping: every solver answers (H + delta I)^-1 v */
    gsl_matrix_memcpy(Hd, H);
    for (size_t i = 0; i < n; i++)
        *gsl_matrix_ptr(Hd, i, i) += delta;
    solve_dense(Hd, v, want);
    run_solver(IHG_SOLVER_EXACT, &op, v, 1, 0, 0, delta, NULL, q, NULL);
    CHECK(rel_diff(q, want) < 1e-10, "damped exact = (H + delta I)^-1 v (%.2g)",
          rel_diff(q, want));
    run_solver(IHG_SOLVER_CG, &op, v, 200, 0, 1e-13, delta, NULL, q, NULL);
    CHECK(rel_diff(q, want) < 1e-9, "damped CG = (H + delta I)^-1 v (%.2g)",
          rel_diff(q, want));

    /* the Jacobi diagonal: unit vectors, random signs on a diagonal H,
     * the closed form */
    long hv = -1;
    m.calls = 0;
    ihg_jacobi_inverse(&op, delta, 20, dinv, z, Hz, &hv);
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(1 / gsl_vector_get(dinv, i) - gsl_matrix_get(Hd, i, i)) /
                                gsl_matrix_get(Hd, i, i));
    CHECK(worst < 1e-14 && hv == (long)n && m.calls == (long)n,
          "Jacobi diagonal from %ld unit vectors: rel err %.2g", hv, worst);
    op.diagonal = diag_of;
    m.calls = 0;
    ihg_jacobi_inverse(&op, delta, 20, z, t, Hz, &hv);
    double derr = rel_diff(z, dinv);
    CHECK(hv == 0 && m.calls == 0 && derr < 1e-15,
          "closed-form diagonal: no products, the same D (%.2g)", derr);
    op.diagonal = NULL;
    {
        gsl_matrix *Dg = gsl_matrix_calloc(n, n);
        matop md = {Dg, 0};
        ihg_linop dop = {mat_apply, NULL, &md, n, NULL, NULL};
        for (size_t i = 0; i < n; i++)
            gsl_matrix_set(Dg, i, i, 1.0 + (double)i);
        ihg_jacobi_inverse(&dop, 0.0, 3, z, t, Hz, &hv);
        worst = 0;
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs(gsl_vector_get(z, i) * (1.0 + (double)i) - 1.0));
        CHECK(hv == 3 && worst < 1e-15,
              "3 random-sign probes give a diagonal H's diagonal exactly (%.2g)", worst);
        gsl_matrix_free(Dg);
    }

    /* Neumann on D^-1 (H + delta I) against its formula by powers:
     * M = I - alpha D^-1 Hd, q_K = alpha sum_j M^j D^-1 v */
    double alpha = 0.3;
    gsl_matrix_set_identity(M);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            *gsl_matrix_ptr(M, i, j) -= alpha * gsl_vector_get(dinv, i) * gsl_matrix_get(Hd, i, j);
    gsl_vector_memcpy(t, v);
    gsl_vector_mul(t, dinv);
    gsl_vector_memcpy(sum, t);
    for (int k = 0; k < 6; k++) {
        gsl_blas_dgemv(CblasNoTrans, 1.0, M, t, 0.0, z);
        gsl_vector_memcpy(t, z);
        gsl_vector_add(sum, t);
    }
    gsl_vector_scale(sum, alpha);
    run_solver(IHG_SOLVER_NEUMANN, &op, v, 6, alpha, 0, delta, dinv, q, NULL);
    CHECK(rel_diff(q, sum) < 1e-12,
          "preconditioned Neumann, 6 terms = alpha sum (I - alpha D^-1 H)^j D^-1 v (%.2g)",
          rel_diff(q, sum));

    /* the spectrum the preconditioned series sees, against the dense
     * D^-1/2 (H + delta I) D^-1/2 */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(T, i, j, gsl_matrix_get(Hd, i, j) * sqrt(gsl_vector_get(dinv, i)) *
                                        sqrt(gsl_vector_get(dinv, j)));
    {
        gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
        gsl_eigen_symm(T, ev2, w);
        gsl_eigen_symm_free(w);
        gsl_sort_vector(ev2);
    }
    int est = ihg_conditioned_eigenvalues(&op, delta, dinv, 100, ev);
    double eerr = rel_diff(ev, ev2);
    CHECK(est == IHG_OK && eerr < 1e-12,
          "conditioned spectrum = eig(D^-1/2 (H + delta I) D^-1/2) (%.2g)", eerr);

    /* undamped: preconditioned Neumann at alpha = 1/mu_max converges to
     * H^-1 v; too large a step is reported as divergence (D-norm ratios) */
    solve_dense(H, v, want);
    ihg_jacobi_inverse(&op, 0.0, 20, dinv, z, Hz, NULL);
    ihg_conditioned_eigenvalues(&op, 0.0, dinv, 100, ev);
    double mu_min = gsl_vector_get(ev, 0), mu_max = gsl_vector_get(ev, n - 1);
    ihg_solve_state last;
    run_solver(IHG_SOLVER_NEUMANN, &op, v, 20000, 1.0 / mu_max, 0, 0.0, dinv, q, &last);
    CHECK(last == IHG_SOLVE_DONE && rel_diff(q, want) < 1e-8,
          "preconditioned Neumann -> H^-1 v (%.2g; mu in [%.3g, %.3g])", rel_diff(q, want),
          mu_min, mu_max);
    run_solver(IHG_SOLVER_NEUMANN, &op, v, 200, 2.5 / mu_max, 0, 0.0, dinv, q, &last);
    CHECK(last == IHG_SOLVE_DIVERGED, "preconditioned Neumann with alpha mu_max = 2.5 is "
          "reported as diverging");

    /* PCG: exact in n iterations, and fewer iterations than CG */
    run_solver(IHG_SOLVER_CG, &op, v, (long)n, 0, 0, 0.0, dinv, q, NULL);
    CHECK(rel_diff(q, want) < 1e-9, "PCG after n = %zu iterations = H^-1 v (%.2g)", n,
          rel_diff(q, want));
    long it_cg = run_solver(IHG_SOLVER_CG, &op, v, 1000, 0, 1e-8, 0.0, NULL, q, NULL);
    long it_pcg = run_solver(IHG_SOLVER_CG, &op, v, 1000, 0, 1e-8, 0.0, dinv, q, NULL);
    CHECK(it_pcg < it_cg, "Jacobi PCG needs fewer iterations than CG on a badly scaled H "
          "(%ld < %ld)", it_pcg, it_cg);

    gsl_vector *vs[] = {v, q, want, dinv, z, Hz, t, sum, ev, ev2};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        gsl_vector_free(vs[i]);
    gsl_matrix_free(H);
    gsl_matrix_free(Hd);
    gsl_matrix_free(M);
    gsl_matrix_free(T);
}

int main(void)
{
    ihg_error_install_gsl_handler();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    test_neumann_formula(r);
    test_neumann_divergence(r);
    test_cg_and_exact(r);
    test_conditioning(r);
    gsl_rng_free(r);
    return check_summary();
}
