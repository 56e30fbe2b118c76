/* compare.c - all hypergradient methods at one (theta, lambda).
 *
 * Neumann is run once for Kmax terms; after term K its partial sum gives
 * the K-term hypergradient, so every K costs one extra J^T q product.  CG
 * likewise.  The reference is the exact solve when P <= exact_max, else CG
 * run to a relative residual of 1e-12 (at most max(10 Kmax, 1000) steps).
 *
 * Relative error   ||g_K - g_ref|| / ||g_ref||
 * Cosine           g_K . g_ref / (||g_K|| ||g_ref||)
 * Predicted        rho^(K+1), rho = max_i |1 - alpha lambda_i(H)|: the
 *                  bound on ||q_K - q|| / ||q|| in the eigenbasis of H.
 *
 * Null directions: when H is singular (softmax biases are shift-invariant)
 * v = dL_V/dtheta has no component along the null space either, so those
 * eigenvalues (|lambda| <= 1e-10 max|lambda|) never enter the Neumann error;
 * they are counted in n_null and left out of rho.
 */
#include "compare.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "timer.h"

ihg_comparison *ihg_comparison_alloc(size_t Hn, long kmax)
{
    if (kmax < 0 || kmax > 100000) {
        ihg_error_set(IHG_EINVAL, "comparison: Kmax out of range");
        return NULL;
    }
    ihg_comparison *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t m = (size_t)kmax + 1;
    c->kmax = kmax;
    c->neumann_rel_err = calloc(m, sizeof(double));
    c->neumann_cos = calloc(m, sizeof(double));
    c->cg_rel_err = calloc(m, sizeof(double));
    c->cg_cos = calloc(m, sizeof(double));
    c->predicted = calloc(m, sizeof(double));
    c->hg_reference = gsl_vector_calloc(Hn);
    c->hg_neumann = gsl_vector_calloc(Hn);
    c->hg_cg = gsl_vector_calloc(Hn);
    c->hg_identity = gsl_vector_calloc(Hn);
    if (!c->neumann_rel_err || !c->neumann_cos || !c->cg_rel_err || !c->cg_cos ||
        !c->predicted || !c->hg_reference || !c->hg_neumann || !c->hg_cg ||
        !c->hg_identity) {
        ihg_comparison_free(c);
        ihg_error_set(IHG_ENOMEM, "comparison: out of memory");
        return NULL;
    }
    return c;
}

void ihg_comparison_free(ihg_comparison *c)
{
    if (!c)
        return;
    free(c->neumann_rel_err);
    free(c->neumann_cos);
    free(c->cg_rel_err);
    free(c->cg_cos);
    free(c->predicted);
    gsl_vector *vs[] = {c->hg_reference, c->hg_neumann, c->hg_cg, c->hg_identity,
                        c->eigenvalues};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    free(c);
}

/* g = direct - J^T q */
static void hypergrad_of(ihg_session *s, const gsl_vector *direct,
                         const gsl_vector *q, gsl_vector *jtq, gsl_vector *g)
{
    ihg_session_jtvp(s, q, jtq);
    gsl_vector_memcpy(g, direct);
    gsl_vector_sub(g, jtq);
}

static void rel_and_cos(const gsl_vector *g, const gsl_vector *ref, gsl_vector *tmp,
                        double *rel, double *cosine)
{
    double nref = gsl_blas_dnrm2(ref), ng = gsl_blas_dnrm2(g), dot;
    gsl_vector_memcpy(tmp, g);
    gsl_vector_sub(tmp, ref);
    double nd = gsl_blas_dnrm2(tmp);
    gsl_blas_ddot(g, ref, &dot);
    *rel = nref > 0 ? nd / nref : (nd == 0 ? 0.0 : INFINITY);
    *cosine = (ng > 0 && nref > 0) ? dot / (ng * nref) : (ng == nref ? 1.0 : 0.0);
    if (!isfinite(*rel))
        *rel = INFINITY;
    if (!isfinite(*cosine))
        *cosine = NAN;
}

int ihg_compare_run(ihg_session *s, ihg_comparison *c)
{
    const ihg_config *cfg = ihg_session_config(s);
    const ihg_model *m = ihg_session_model(s);
    size_t P = m->P, Hn = m->Hn;
    long K = c->kmax;
    double alpha = ihg_session_alpha(s);
    ihg_linop H;
    ihg_session_hessian_op(s, &H);
    c->alpha = alpha;

    int st = IHG_OK;
    gsl_vector *v = gsl_vector_alloc(P), *direct = gsl_vector_alloc(Hn);
    gsl_vector *q = gsl_vector_alloc(P), *jtq = gsl_vector_alloc(Hn);
    gsl_vector *g = gsl_vector_alloc(Hn), *tmp = gsl_vector_alloc(Hn);
    ihg_solver *sv = NULL;
    gsl_vector *eig_from_solve = NULL;
    if (!v || !direct || !q || !jtq || !g || !tmp) {
        st = ihg_error_set(IHG_ENOMEM, "comparison: out of memory");
        goto done;
    }
    ihg_session_val_grads(s, v, direct);

    /* reference */
    int exact_ok = cfg->hypergrad.exact_max >= 0 && P <= (size_t)cfg->hypergrad.exact_max;
    double t0 = ihg_now();
    if (exact_ok) {
        sv = ihg_solver_alloc(IHG_METHOD_EXACT, P, cfg->hypergrad.exact_max);
        if (!sv) {
            st = ihg_error_status();
            goto done;
        }
        ihg_solve_state state;
        ihg_solver_start(sv, &H, v, 1, alpha, 0);
        if ((st = ihg_solver_iterate(sv, &state)) != IHG_OK)
            goto done;
        c->reference_exact = 1;
        c->reference_iters = 0;
        c->exact_fallback = ihg_solver_used_fallback(sv);
        hypergrad_of(s, direct, ihg_solver_q(sv), jtq, c->hg_reference);
        if (ihg_solver_eigenvalues(sv)) {
            eig_from_solve = gsl_vector_alloc(P);
            if (eig_from_solve)
                gsl_vector_memcpy(eig_from_solve, ihg_solver_eigenvalues(sv));
        }
        ihg_solver_free(sv);
        sv = NULL;
    } else {
        long iters = 10 * K > 1000 ? 10 * K : 1000;
        sv = ihg_solver_alloc(IHG_METHOD_CG, P, 0);
        if (!sv) {
            st = ihg_error_status();
            goto done;
        }
        ihg_solve_state state = IHG_SOLVE_RUNNING;
        ihg_solver_start(sv, &H, v, iters, alpha, 1e-12);
        while (state == IHG_SOLVE_RUNNING)
            ihg_solver_iterate(sv, &state);
        c->reference_exact = 0;
        c->reference_iters = ihg_solver_done_terms(sv);
        c->exact_fallback = ihg_solver_used_fallback(sv);
        hypergrad_of(s, direct, ihg_solver_q(sv), jtq, c->hg_reference);
        ihg_solver_free(sv);
        sv = NULL;
    }
    c->t_exact = ihg_now() - t0;

    /* spectrum */
    t0 = ihg_now();
    if (c->eigenvalues) {
        gsl_vector_free(c->eigenvalues);
        c->eigenvalues = NULL;
    }
    c->rho = c->eig_min = c->eig_max = NAN;
    c->n_unstable = 0;
    c->n_null = 0;
    if (exact_ok) {
        c->eigenvalues = gsl_vector_alloc(P);
        int have = 0;
        if (c->eigenvalues && eig_from_solve) {
            gsl_vector_memcpy(c->eigenvalues, eig_from_solve);
            have = 1;
        } else if (c->eigenvalues &&
                   ihg_linop_eigenvalues(&H, cfg->hypergrad.exact_max, c->eigenvalues) ==
                       IHG_OK) {
            have = 1;
        }
        if (have) {
            c->eig_min = gsl_vector_get(c->eigenvalues, 0);
            c->eig_max = gsl_vector_get(c->eigenvalues, P - 1);
            double emax = fmax(fabs(c->eig_min), fabs(c->eig_max));
            c->rho = 0;
            for (size_t i = 0; i < P; i++) {
                double e = gsl_vector_get(c->eigenvalues, i);
                if (fabs(e) <= 1e-10 * emax) {
                    c->n_null++;
                    continue;
                }
                double r = fabs(1 - alpha * e);
                if (r > c->rho)
                    c->rho = r;
                if (!(alpha * e > 0 && alpha * e < 2))
                    c->n_unstable++;
            }
        } else if (c->eigenvalues) {
            gsl_vector_free(c->eigenvalues);
            c->eigenvalues = NULL;
        }
    }
    c->t_eigen = ihg_now() - t0;
    for (long k = 0; k <= K; k++)
        c->predicted[k] = isfinite(c->rho) ? pow(c->rho, (double)(k + 1)) : NAN;

    /* identity */
    t0 = ihg_now();
    hypergrad_of(s, direct, v, jtq, c->hg_identity);
    c->t_identity = ihg_now() - t0;
    rel_and_cos(c->hg_identity, c->hg_reference, tmp, &c->identity_rel_err,
                &c->identity_cos);

    /* Neumann K = 0..Kmax from one run */
    t0 = ihg_now();
    sv = ihg_solver_alloc(IHG_METHOD_NEUMANN, P, 0);
    if (!sv) {
        st = ihg_error_status();
        goto done;
    }
    ihg_solver_start(sv, &H, v, K, alpha, 0);
    for (long k = 0;; k++) {
        hypergrad_of(s, direct, ihg_solver_q(sv), jtq, g);
        rel_and_cos(g, c->hg_reference, tmp, &c->neumann_rel_err[k], &c->neumann_cos[k]);
        if (k == K) {
            gsl_vector_memcpy(c->hg_neumann, g);
            break;
        }
        ihg_solve_state state;
        ihg_solver_iterate(sv, &state);
    }
    ihg_solver_free(sv);
    sv = NULL;
    c->t_neumann = ihg_now() - t0;

    /* CG K = 1..Kmax */
    t0 = ihg_now();
    c->cg_rel_err[0] = c->cg_cos[0] = NAN;
    sv = ihg_solver_alloc(IHG_METHOD_CG, P, 0);
    if (!sv) {
        st = ihg_error_status();
        goto done;
    }
    ihg_solver_start(sv, &H, v, K, alpha, 0.0);
    gsl_vector_set_zero(c->hg_cg);
    gsl_vector_memcpy(c->hg_cg, direct);
    for (long k = 1; k <= K; k++) {
        ihg_solve_state state;
        long before = ihg_solver_done_terms(sv);
        ihg_solver_iterate(sv, &state);
        if (ihg_solver_done_terms(sv) != before || k == 1)
            hypergrad_of(s, direct, ihg_solver_q(sv), jtq, g);
        /* once CG has converged (or broken down) later K repeat the result */
        rel_and_cos(g, c->hg_reference, tmp, &c->cg_rel_err[k], &c->cg_cos[k]);
        if (k == K)
            gsl_vector_memcpy(c->hg_cg, g);
    }
    c->t_cg = ihg_now() - t0;

done:
    ihg_solver_free(sv);
    gsl_vector *vs[] = {v, direct, q, jtq, g, tmp, eig_from_solve};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    return st;
}
