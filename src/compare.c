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
    if (kmax < 0 || kmax > 1000000) {
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
    /* a zero reference hypergradient (e.g. theta = 0 in the quadratic
     * lesson, where J = 0) leaves both undefined: NaN, shown as n/a */
    *rel = nref > 0 ? nd / nref : NAN;
    *cosine = (ng > 0 && nref > 0) ? dot / (ng * nref) : NAN;
    if (isinf(*rel) || (nref > 0 && isnan(*rel)))
        *rel = INFINITY;
}

/* The stages of a comparison; each ihg_compare_job_step does one unit. */
enum {
    STAGE_SETUP = 0,  /* v, direct                                  */
    STAGE_REFERENCE,  /* exact solve (1 unit) or CG reference (1/HVP) */
    STAGE_SPECTRUM,   /* eigenvalues of H (1 unit)                   */
    STAGE_IDENTITY,
    STAGE_NEUMANN,    /* one term per unit                           */
    STAGE_CG,         /* one iteration per unit                      */
    STAGE_DONE
};

struct ihg_compare_job {
    ihg_session *s;
    ihg_comparison *c;
    ihg_linop H;
    size_t P, Hn;
    long exact_max;
    int exact_ok, stage;
    long k;
    double t0;
    gsl_vector *v, *direct, *jtq, *g, *tmp, *eig;
    ihg_solver *exact, *cgref, *neumann, *cg;
};

void ihg_compare_job_free(ihg_compare_job *j)
{
    if (!j)
        return;
    gsl_vector *vs[] = {j->v, j->direct, j->jtq, j->g, j->tmp, j->eig};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    ihg_solver_free(j->exact);
    ihg_solver_free(j->cgref);
    ihg_solver_free(j->neumann);
    ihg_solver_free(j->cg);
    free(j);
}

ihg_compare_job *ihg_compare_job_alloc(ihg_session *s, ihg_comparison *c)
{
    const ihg_config *cfg = ihg_session_config(s);
    const ihg_model *m = ihg_session_model(s);
    ihg_compare_job *j = calloc(1, sizeof *j);
    if (!j) {
        ihg_error_set(IHG_ENOMEM, "comparison: out of memory");
        return NULL;
    }
    j->s = s;
    j->c = c;
    j->P = m->P;
    j->Hn = m->Hn;
    j->exact_max = cfg->hypergrad.exact_max;
    j->exact_ok = j->exact_max >= 0 && j->P <= (size_t)j->exact_max;
    j->v = gsl_vector_alloc(j->P);
    j->direct = gsl_vector_alloc(j->Hn);
    j->jtq = gsl_vector_alloc(j->Hn);
    j->g = gsl_vector_alloc(j->Hn);
    j->tmp = gsl_vector_alloc(j->Hn);
    if (j->exact_ok) {
        j->eig = gsl_vector_alloc(j->P);
        j->exact = ihg_solver_alloc(IHG_METHOD_EXACT, j->P, j->exact_max);
    } else {
        j->cgref = ihg_solver_alloc(IHG_METHOD_CG, j->P, 0);
    }
    j->neumann = ihg_solver_alloc(IHG_METHOD_NEUMANN, j->P, 0);
    j->cg = ihg_solver_alloc(IHG_METHOD_CG, j->P, 0);
    if (!j->v || !j->direct || !j->jtq || !j->g || !j->tmp || !j->neumann || !j->cg ||
        (j->exact_ok && (!j->eig || !j->exact)) || (!j->exact_ok && !j->cgref)) {
        ihg_compare_job_free(j);
        ihg_error_set(IHG_ENOMEM, "comparison: out of memory (P = %zu)", m->P);
        return NULL;
    }
    j->stage = STAGE_SETUP;
    return j;
}

int ihg_compare_job_stage(const ihg_compare_job *j, long *k)
{
    if (k)
        *k = j->k;
    return j->stage;
}

static void spectrum_from(ihg_comparison *c, const gsl_vector *eval, double alpha)
{
    size_t P = eval->size;
    if (!c->eigenvalues)
        c->eigenvalues = gsl_vector_alloc(P);
    if (!c->eigenvalues)
        return;
    gsl_vector_memcpy(c->eigenvalues, eval);
    c->eig_min = gsl_vector_get(eval, 0);
    c->eig_max = gsl_vector_get(eval, P - 1);
    double emax = fmax(fabs(c->eig_min), fabs(c->eig_max));
    c->rho = 0;
    for (size_t i = 0; i < P; i++) {
        double e = gsl_vector_get(eval, i);
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
}

int ihg_compare_job_step(ihg_compare_job *j, int *done)
{
    ihg_comparison *c = j->c;
    ihg_session *s = j->s;
    long K = c->kmax;
    int st = IHG_OK;
    ihg_solve_state state;
    *done = 0;
    switch (j->stage) {
    case STAGE_SETUP:
        ihg_session_hessian_op(s, &j->H);
        c->alpha = ihg_session_alpha(s);
        c->rho = c->eig_min = c->eig_max = NAN;
        c->n_unstable = c->n_null = 0;
        c->exact_fallback = 0;
        if (c->eigenvalues && c->eigenvalues->size != j->P) {
            gsl_vector_free(c->eigenvalues);
            c->eigenvalues = NULL;
        }
        ihg_session_val_grads(s, j->v, j->direct);
        j->t0 = ihg_now();
        if (j->exact_ok) {
            ihg_solver_start(j->exact, &j->H, j->v, 1, c->alpha, 0);
        } else {
            long iters = 10 * K > 1000 ? 10 * K : 1000;
            ihg_solver_start(j->cgref, &j->H, j->v, iters, c->alpha, 1e-12);
        }
        j->stage = STAGE_REFERENCE;
        break;
    case STAGE_REFERENCE: {
        ihg_solver *sv = j->exact_ok ? j->exact : j->cgref;
        if ((st = ihg_solver_iterate(sv, &state)) != IHG_OK)
            return st;
        if (state == IHG_SOLVE_RUNNING)
            break;
        c->reference_exact = j->exact_ok;
        c->reference_iters = j->exact_ok ? 0 : ihg_solver_done_terms(sv);
        c->exact_fallback = ihg_solver_used_fallback(sv);
        hypergrad_of(s, j->direct, ihg_solver_q(sv), j->jtq, c->hg_reference);
        c->t_exact = ihg_now() - j->t0;
        j->t0 = ihg_now();
        if (j->exact_ok && ihg_solver_eigenvalues(sv)) {
            /* the singular fallback already has the spectrum */
            spectrum_from(c, ihg_solver_eigenvalues(sv), c->alpha);
            c->t_eigen = 0;
            j->stage = STAGE_IDENTITY;
        } else {
            j->stage = j->exact_ok ? STAGE_SPECTRUM : STAGE_IDENTITY;
            if (!j->exact_ok && c->eigenvalues) {
                gsl_vector_free(c->eigenvalues);
                c->eigenvalues = NULL;
            }
        }
        break;
    }
    case STAGE_SPECTRUM:
        if (ihg_linop_eigenvalues(&j->H, j->exact_max, j->eig) == IHG_OK)
            spectrum_from(c, j->eig, c->alpha);
        c->t_eigen = ihg_now() - j->t0;
        j->stage = STAGE_IDENTITY;
        break;
    case STAGE_IDENTITY:
        for (long k = 0; k <= K; k++)
            c->predicted[k] = isfinite(c->rho) ? pow(c->rho, (double)(k + 1)) : NAN;
        j->t0 = ihg_now();
        hypergrad_of(s, j->direct, j->v, j->jtq, c->hg_identity);
        c->t_identity = ihg_now() - j->t0;
        rel_and_cos(c->hg_identity, c->hg_reference, j->tmp, &c->identity_rel_err,
                    &c->identity_cos);
        ihg_solver_start(j->neumann, &j->H, j->v, K, c->alpha, 0);
        j->k = 0;
        c->t_neumann = 0;
        j->stage = STAGE_NEUMANN;
        break;
    case STAGE_NEUMANN: {
        /* K-term hypergradient from the running partial sum */
        double t0 = ihg_now();
        if (j->k > 0)
            ihg_solver_iterate(j->neumann, &state);
        hypergrad_of(s, j->direct, ihg_solver_q(j->neumann), j->jtq, j->g);
        rel_and_cos(j->g, c->hg_reference, j->tmp, &c->neumann_rel_err[j->k],
                    &c->neumann_cos[j->k]);
        c->t_neumann += ihg_now() - t0;
        if (j->k == K) {
            gsl_vector_memcpy(c->hg_neumann, j->g);
            c->cg_rel_err[0] = c->cg_cos[0] = NAN;
            gsl_vector_memcpy(c->hg_cg, j->direct);
            ihg_solver_start(j->cg, &j->H, j->v, K, c->alpha, 0.0);
            j->k = 1;
            c->t_cg = 0;
            j->stage = K >= 1 ? STAGE_CG : STAGE_DONE;
        } else {
            j->k++;
        }
        break;
    }
    case STAGE_CG: {
        double t0 = ihg_now();
        long before = ihg_solver_done_terms(j->cg);
        ihg_solver_iterate(j->cg, &state);
        /* once CG has converged (or broken down) later K repeat the result */
        if (ihg_solver_done_terms(j->cg) != before || j->k == 1)
            hypergrad_of(s, j->direct, ihg_solver_q(j->cg), j->jtq, j->g);
        rel_and_cos(j->g, c->hg_reference, j->tmp, &c->cg_rel_err[j->k],
                    &c->cg_cos[j->k]);
        c->t_cg += ihg_now() - t0;
        if (j->k == K) {
            gsl_vector_memcpy(c->hg_cg, j->g);
            j->stage = STAGE_DONE;
        } else {
            j->k++;
        }
        break;
    }
    default:
        break;
    }
    *done = j->stage == STAGE_DONE;
    return IHG_OK;
}

int ihg_compare_run(ihg_session *s, ihg_comparison *c)
{
    ihg_compare_job *j = ihg_compare_job_alloc(s, c);
    if (!j)
        return ihg_error_status();
    int done = 0, st = IHG_OK;
    while (!done && st == IHG_OK)
        st = ihg_compare_job_step(j, &done);
    ihg_compare_job_free(j);
    return st;
}
