/* compare.c - all hypergradient methods at one (theta, lambda).
 *
 * The compared methods are those of the method table that do not form H
 * (the exact solve is the reference).  A method with K is run once for
 * Kmax units; after unit K its partial result gives the K-term
 * hypergradient (Neumann's partial sum, CG's iterate), so every K costs one
 * extra J^T q product.  The reference is the exact solve when P <= exact_max, else CG
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
#include <string.h>

#include "error.h"
#include "precond.h"
#include "timer.h"

/* Append an entry for method t (conditioned: its run with the
 * comparison's damping and preconditioner).  0 when out of memory. */
static int add_entry(ihg_comparison *c, const ihg_method_type *t, int conditioned,
                     size_t Hn)
{
    if (c->n_all == IHG_COMPARE_METHODS_MAX)
        return 1;
    ihg_compare_method *cm = &c->method[c->n_all++];
    cm->type = t;
    cm->conditioned = conditioned;
    snprintf(cm->name, sizeof cm->name, "%s", t->name);
    cm->curve = (t->flags & IHG_METHOD_USES_K) != 0;
    cm->k_first = cm->curve ? t->k_first : 0;
    cm->kmax = cm->curve ? c->kmax : 0;
    cm->cap = cm->kmax;
    size_t len = cm->curve ? (size_t)c->kmax + 1 : 1;
    return (cm->rel_err = calloc(len, sizeof(double))) &&
           (cm->cos = calloc(len, sizeof(double))) &&
           (cm->rel_unrolled = calloc(len, sizeof(double))) &&
           (cm->hg = gsl_vector_calloc(Hn));
}

ihg_comparison *ihg_comparison_alloc(size_t Hn, long kmax)
{
    if (kmax < 0 || kmax > 1000000) {
        ihg_error_set(IHG_EINVAL, "comparison: Kmax out of range");
        return NULL;
    }
    ihg_comparison *c = calloc(1, sizeof *c);
    if (!c) {
        ihg_error_set(IHG_ENOMEM, "comparison: out of memory");
        return NULL;
    }
    size_t m = (size_t)kmax + 1;
    c->kmax = kmax;
    int ok = (c->predicted = calloc(m, sizeof(double))) &&
             (c->predicted_seen = calloc(m, sizeof(double))) &&
             (c->hg_reference = gsl_vector_calloc(Hn));
    /* the plain entries (the exact solve is the reference) ... */
    for (size_t i = 0; ok && ihg_method_types[i]; i++)
        if (!(ihg_method_types[i]->flags & IHG_METHOD_NEEDS_MATRIX))
            ok = add_entry(c, ihg_method_types[i], 0, Hn);
    c->n_methods = c->n_plain = c->n_all;
    /* ... then the conditioned runs of the IFT methods with K, compared
     * only when conditioning is on */
    const unsigned want = IHG_METHOD_IFT | IHG_METHOD_USES_K;
    for (size_t i = 0; ok && ihg_method_types[i]; i++)
        if ((ihg_method_types[i]->flags & want) == want &&
            !(ihg_method_types[i]->flags & IHG_METHOD_NEEDS_MATRIX))
            ok = add_entry(c, ihg_method_types[i], 1, Hn);
    if (!ok) {
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
    free(c->predicted);
    free(c->predicted_seen);
    if (c->eig_seen)
        gsl_vector_free(c->eig_seen);
    for (size_t i = 0; i < c->n_all; i++) {
        free(c->method[i].rel_err);
        free(c->method[i].cos);
        free(c->method[i].rel_unrolled);
        if (c->method[i].hg)
            gsl_vector_free(c->method[i].hg);
    }
    if (c->hg_reference)
        gsl_vector_free(c->hg_reference);
    if (c->eigenvalues)
        gsl_vector_free(c->eigenvalues);
    free(c);
}

static int copy_doubles(double **dst, const double *src, size_t n)
{
    double *d;
    if (!src) {
        free(*dst);
        *dst = NULL;
        return IHG_OK;
    }
    d = realloc(*dst, (n ? n : 1) * sizeof *d);
    if (!d)
        return IHG_ENOMEM;
    memcpy(d, src, n * sizeof *d);
    *dst = d;
    return IHG_OK;
}

int ihg_comparison_copy_shown(ihg_comparison *dst, const ihg_comparison *src)
{
    ihg_comparison keep = *dst;
    size_t i;
    int st = IHG_OK;
    /* the scalars and the method descriptions; then the arrays into
     * dst's own buffers, grown as needed */
    *dst = *src;
    dst->predicted = keep.predicted;
    dst->predicted_seen = keep.predicted_seen;
    dst->eigenvalues = keep.eigenvalues;
    dst->eig_seen = keep.eig_seen;
    dst->hg_reference = keep.hg_reference;
    for (i = 0; i < IHG_COMPARE_METHODS_MAX; i++) {
        dst->method[i].rel_err = keep.method[i].rel_err;
        dst->method[i].cos = keep.method[i].cos;
        dst->method[i].rel_unrolled = keep.method[i].rel_unrolled;
        dst->method[i].hg = keep.method[i].hg;
    }
    for (i = src->n_methods; i < keep.n_methods; i++) { /* fewer methods now */
        free(keep.method[i].rel_err);
        free(keep.method[i].cos);
        free(keep.method[i].rel_unrolled);
        if (keep.method[i].hg)
            gsl_vector_free(keep.method[i].hg);
        memset(&dst->method[i], 0, sizeof dst->method[i]);
    }
    st = copy_doubles(&dst->predicted, src->predicted, (size_t)src->kmax + 1);
    if (st == IHG_OK)
        st = copy_doubles(&dst->predicted_seen, src->predicted_seen, (size_t)src->kmax + 1);
    for (i = 0; st == IHG_OK && i < src->n_methods; i++) {
        const ihg_compare_method *a = &src->method[i];
        ihg_compare_method *b = &dst->method[i];
        size_t len = a->curve ? (size_t)a->cap + 1 : 1;
        if ((st = copy_doubles(&b->rel_err, a->rel_err, len)) != IHG_OK ||
            (st = copy_doubles(&b->cos, a->cos, len)) != IHG_OK ||
            (st = copy_doubles(&b->rel_unrolled, a->rel_unrolled, len)) != IHG_OK)
            break;
    }
    if (st == IHG_OK && src->eigenvalues) {
        if (dst->eigenvalues && dst->eigenvalues->size != src->eigenvalues->size) {
            gsl_vector_free(dst->eigenvalues);
            dst->eigenvalues = NULL;
        }
        if (!dst->eigenvalues)
            dst->eigenvalues = gsl_vector_alloc(src->eigenvalues->size);
        if (dst->eigenvalues)
            gsl_vector_memcpy(dst->eigenvalues, src->eigenvalues);
        else
            st = IHG_ENOMEM;
    } else if (st == IHG_OK && dst->eigenvalues) {
        gsl_vector_free(dst->eigenvalues);
        dst->eigenvalues = NULL;
    }
    /* the spectrum the conditioned series sees, likewise */
    if (st == IHG_OK && src->eig_seen) {
        if (dst->eig_seen && dst->eig_seen->size != src->eig_seen->size) {
            gsl_vector_free(dst->eig_seen);
            dst->eig_seen = NULL;
        }
        if (!dst->eig_seen)
            dst->eig_seen = gsl_vector_alloc(src->eig_seen->size);
        if (dst->eig_seen)
            gsl_vector_memcpy(dst->eig_seen, src->eig_seen);
        else
            st = IHG_ENOMEM;
    } else if (st == IHG_OK && dst->eig_seen) {
        gsl_vector_free(dst->eig_seen);
        dst->eig_seen = NULL;
    }
    return st;
}

const ihg_compare_method *ihg_comparison_find(const ihg_comparison *c, const char *name)
{
    for (size_t i = 0; c && i < c->n_methods; i++)
        if (strcmp(c->method[i].name, name) == 0)
            return &c->method[i];
    return NULL;
}

static double method_value(const ihg_comparison *c, const char *name, long K, int cosine)
{
    const ihg_compare_method *cm = ihg_comparison_find(c, name);
    if (!cm || !cm->ran)
        return NAN;
    if (!cm->curve)
        K = 0;
    else if (K < cm->k_first || K > cm->kmax)
        return NAN;
    return cosine ? cm->cos[K] : cm->rel_err[K];
}

double ihg_comparison_error(const ihg_comparison *c, const char *name, long K)
{
    return method_value(c, name, K, 0);
}

double ihg_comparison_cosine(const ihg_comparison *c, const char *name, long K)
{
    return method_value(c, name, K, 1);
}

const char *ihg_compare_stage_name(ihg_compare_stage st)
{
    static const char *const names[] = {"setup", "reference", "eigenvalues",
                                        "conditioned eigenvalues", "method", "done"};
    return (unsigned)st <= IHG_COMPARE_DONE ? names[st] : "?";
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

struct ihg_compare_job {
    ihg_session *s;
    ihg_comparison *c;
    ihg_hg_problem pb;
    size_t P, Hn;
    long exact_max;
    int exact_ok;
    ihg_compare_stage stage;
    size_t mi;                /* the method under way: c->method[mi]    */
    long k;                   /* its K                                  */
    double t0;
    gsl_vector *v, *direct, *jtq, *g, *tmp, *eig;
    gsl_vector *dinv, *z, *Hz;  /* the conditioned spectrum's D^-1     */
    ihg_solver *exact, *cgref;
    ihg_method *run[IHG_COMPARE_METHODS_MAX];
    ihg_method_settings set;  /* the session's settings                 */
    /* unrolled's partial hypergradients (K = 1..T), for its truncation
     * bias against the whole unroll; NULL above PARTIALS_MAX values */
    double *partials;
    const gsl_vector *unrolled;  /* the whole unroll, once known         */
};

/* The most doubles kept for the truncation bias curve (80 MB). */
#define PARTIALS_MAX 10000000.0

void ihg_compare_job_free(ihg_compare_job *j)
{
    if (!j)
        return;
    gsl_vector *vs[] = {j->v, j->direct, j->jtq, j->g, j->tmp, j->eig, j->dinv, j->z, j->Hz};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    ihg_solver_free(j->exact);
    ihg_solver_free(j->cgref);
    for (size_t i = 0; i < IHG_COMPARE_METHODS_MAX; i++)
        ihg_method_free(j->run[i]);
    free(j->partials);
    free(j);
}

/* The settings of an entry: the session's, without damping and
 * preconditioner unless it is a conditioned run. */
static void entry_settings(const ihg_compare_job *j, const ihg_compare_method *cm,
                           ihg_method_settings *set)
{
    *set = j->set;
    if (!cm->conditioned) {
        set->damping = 0.0;
        set->precondition = IHG_PRECOND_NONE;
    }
}

ihg_compare_job *ihg_compare_job_alloc(ihg_session *s, ihg_comparison *c)
{
    const ihg_config *cfg = ihg_session_config(s);
    ihg_compare_job *j = calloc(1, sizeof *j);
    if (!j) {
        ihg_error_set(IHG_ENOMEM, "comparison: out of memory");
        return NULL;
    }
    j->s = s;
    j->c = c;
    j->P = ihg_session_n_params(s);
    j->Hn = ihg_session_n_hyper(s);
    j->exact_max = cfg->hypergrad.exact_max;
    j->exact_ok = j->exact_max >= 0 && j->P <= (size_t)j->exact_max;
    j->v = gsl_vector_alloc(j->P);
    j->direct = gsl_vector_alloc(j->Hn);
    j->jtq = gsl_vector_alloc(j->Hn);
    j->g = gsl_vector_alloc(j->Hn);
    j->tmp = gsl_vector_alloc(j->Hn);
    int ok = j->v && j->direct && j->jtq && j->g && j->tmp;
    if (ok && j->exact_ok) {
        j->eig = gsl_vector_alloc(j->P);
        j->exact = ihg_solver_alloc(IHG_SOLVER_EXACT, j->P, j->exact_max);
        ok = j->eig && j->exact;
    } else if (ok) {
        ok = (j->cgref = ihg_solver_alloc(IHG_SOLVER_CG, j->P, 0)) != NULL;
    }
    if (!ok) {
        ihg_compare_job_free(j);
        ihg_error_set(IHG_ENOMEM, "comparison: out of memory (P = %zu)", j->P);
        return NULL;
    }
    ihg_session_problem(s, j->v, j->direct, &j->pb);
    ihg_session_method_settings(s, &j->set);
    c->damping = j->set.damping;
    c->precondition = j->set.precondition;
    c->conditioned = c->damping > 0 || c->precondition != IHG_PRECOND_NONE;
    c->n_methods = c->conditioned ? c->n_all : c->n_plain;
    if (c->conditioned && c->precondition == IHG_PRECOND_JACOBI && j->exact_ok &&
        (!(j->dinv = gsl_vector_alloc(j->P)) || !(j->z = gsl_vector_alloc(j->P)) ||
         !(j->Hz = gsl_vector_alloc(j->P)))) {
        ihg_compare_job_free(j);
        ihg_error_set(IHG_ENOMEM, "comparison: out of memory (P = %zu)", j->P);
        return NULL;
    }
    /* the recorded inner loop (explicit methods), T steps */
    const ihg_trajectory *tr = j->pb.ex ? j->pb.ex->traj : NULL;
    long T = tr ? ihg_trajectory_len(tr) : 0;
    for (size_t i = 0; i < c->n_methods; i++) {
        ihg_compare_method *cm = &c->method[i];
        const ihg_method_type *t = cm->type;
        cm->ran = 0;
        cm->skipped[0] = '\0';
        if (cm->conditioned)
            snprintf(cm->name, sizeof cm->name, "%s%s%s", t->name,
                     c->damping > 0 ? "+damping" : "",
                     c->precondition == IHG_PRECOND_JACOBI ? "+jacobi" : "");
        if (cm->curve)
            cm->kmax = (t->flags & IHG_METHOD_NEEDS_TRAJECTORY) ? T : c->kmax;
        if (cm->curve && cm->kmax > cm->cap) {
            size_t len = (size_t)cm->kmax + 1;
            double *a = realloc(cm->rel_err, len * sizeof *a), *b, *u;
            if (a)
                cm->rel_err = a;
            b = a ? realloc(cm->cos, len * sizeof *b) : NULL;
            if (b)
                cm->cos = b;
            u = b ? realloc(cm->rel_unrolled, len * sizeof *u) : NULL;
            if (u)
                cm->rel_unrolled = u;
            if (!a || !b || !u) {
                ihg_compare_job_free(j);
                ihg_error_set(IHG_ENOMEM, "comparison: out of memory (K up to %ld)", cm->kmax);
                return NULL;
            }
            cm->cap = cm->kmax;
        }
        ihg_method_settings set;
        entry_settings(j, cm, &set);
        set.K = cm->kmax;
        set.tol = 0.0;
        const char *why = ihg_method_refusal(t, &j->pb, &set);
        if (why) {
            snprintf(cm->skipped, sizeof cm->skipped, "%s", why);
            continue;
        }
        if (!(j->run[i] = ihg_method_alloc(t, j->P, j->Hn, &set))) {
            snprintf(cm->skipped, sizeof cm->skipped, "%s", ihg_error_message());
            continue;
        }
        if (t == &ihg_method_unrolled && (double)T * (double)j->Hn <= PARTIALS_MAX && T > 0)
            j->partials = malloc((size_t)T * j->Hn * sizeof *j->partials);
    }
    j->stage = IHG_COMPARE_SETUP;
    return j;
}

ihg_compare_stage ihg_compare_job_stage(const ihg_compare_job *j,
                                        const ihg_method_type **method, long *k)
{
    if (method)
        *method = j->stage == IHG_COMPARE_METHOD ? j->c->method[j->mi].type : NULL;
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
    c->eig_lo = NAN;
    for (size_t i = 0; i < P; i++) {
        double e = gsl_vector_get(eval, i);
        if (fabs(e) <= 1e-10 * emax) {
            c->n_null++;
            continue;
        }
        if (isnan(c->eig_lo))
            c->eig_lo = e; /* ascending: the first non-null one */
        double r = fabs(1 - alpha * e);
        if (r > c->rho)
            c->rho = r;
        if (!(alpha * e > 0 && alpha * e < 2))
            c->n_unstable++;
    }
    /* the best Richardson step (see compare.h): rho(I - alpha H) =
     * max(|1 - alpha eig_lo|, |1 - alpha eig_max|) is smallest where the
     * two are equal, alpha = 2 / (eig_lo + eig_max) */
    if (c->eig_lo > 0 && c->eig_max > 0) {
        c->kappa = c->eig_max / c->eig_lo;
        c->alpha_best = 2.0 / (c->eig_lo + c->eig_max);
        c->rho_best = (c->kappa - 1.0) / (c->kappa + 1.0);
        c->band_best = c->eig_lo + c->eig_max; /* 2 / alpha_best */
    }
}

/* Begin method mi (or finish when there is none left). */
static int begin_method(ihg_compare_job *j, size_t mi)
{
    ihg_comparison *c = j->c;
    j->mi = mi;
    if (mi >= c->n_methods) {
        j->stage = IHG_COMPARE_DONE;
        return IHG_OK;
    }
    ihg_compare_method *cm = &c->method[mi];
    /* K = kmax units; no early stop at a tolerance: every K is a point */
    ihg_method_settings set;
    entry_settings(j, cm, &set);
    set.K = cm->kmax;
    set.tol = 0.0;
    set.alpha = c->alpha;
    for (long k = 0; k <= (cm->curve ? cm->kmax : 0); k++)
        cm->rel_err[k] = cm->cos[k] = cm->rel_unrolled[k] = NAN;
    cm->seconds = 0;
    j->k = cm->k_first;
    j->stage = IHG_COMPARE_METHOD;
    if (!j->run[mi])
        return begin_method(j, mi + 1); /* skipped: the reason is in cm */
    cm->ran = 1;
    if (cm->curve && cm->k_first > cm->kmax) {
        gsl_vector_memcpy(cm->hg, j->direct);
        return begin_method(j, mi + 1);
    }
    int st = ihg_method_start(j->run[mi], &j->pb, &set);
    if (st != IHG_OK) {
        snprintf(cm->skipped, sizeof cm->skipped, "%s", ihg_error_message());
        cm->ran = 0;
        return begin_method(j, mi + 1);
    }
    return IHG_OK;
}

/* One K of method mi: its hypergradient after K units. */
static int method_unit(ihg_compare_job *j)
{
    ihg_comparison *c = j->c;
    ihg_compare_method *cm = &c->method[j->mi];
    ihg_method *m = j->run[j->mi];
    ihg_solve_state state;
    int st = IHG_OK;
    double t0 = ihg_now();
    if (!cm->curve) {
        /* one unit of the method per step of the job; its result once at
         * the end */
        state = IHG_SOLVE_RUNNING;
        st = ihg_method_iterate(m, &state);
        if (st == IHG_OK && state == IHG_SOLVE_RUNNING) {
            cm->seconds += ihg_now() - t0;
            j->k++;
            return IHG_OK;
        }
        if (st == IHG_OK)
            st = ihg_method_hypergrad(m, cm->hg);
        if (st != IHG_OK)
            return st;
        rel_and_cos(cm->hg, c->hg_reference, j->tmp, &cm->rel_err[0], &cm->cos[0]);
        if (j->unrolled && (cm->type->flags & IHG_METHOD_EXPLICIT)) {
            double cs;
            rel_and_cos(cm->hg, j->unrolled, j->tmp, &cm->rel_unrolled[0], &cs);
        }
        cm->seconds += ihg_now() - t0;
        return begin_method(j, j->mi + 1);
    }
    if (j->k > 0) {
        /* once the method has finished (CG converged or broke down) later
         * K repeat its result */
        long before = m->done;
        if ((st = ihg_method_iterate(m, &state)) != IHG_OK)
            return st;
        if (m->done != before || j->k == cm->k_first)
            st = ihg_method_hypergrad(m, j->g);
    } else {
        st = ihg_method_hypergrad(m, j->g);
    }
    if (st != IHG_OK)
        return st;
    rel_and_cos(j->g, c->hg_reference, j->tmp, &cm->rel_err[j->k], &cm->cos[j->k]);
    int unrolled = cm->type == &ihg_method_unrolled;
    if (unrolled && j->partials && j->k >= 1)
        memcpy(j->partials + (size_t)(j->k - 1) * j->Hn, j->g->data, j->Hn * sizeof(double));
    cm->seconds += ihg_now() - t0;
    if (j->k == cm->kmax) {
        gsl_vector_memcpy(cm->hg, j->g);
        if (unrolled) {
            /* the whole unroll: the reference of the explicit methods, and
             * the truncation bias of each K against it */
            j->unrolled = cm->hg;
            for (long k = cm->k_first; j->partials && k <= cm->kmax; k++) {
                gsl_vector_view pk = gsl_vector_view_array(j->partials + (size_t)(k - 1) * j->Hn,
                                                           j->Hn);
                double cs;
                rel_and_cos(&pk.vector, cm->hg, j->tmp, &cm->rel_unrolled[k], &cs);
            }
        }
        return begin_method(j, j->mi + 1);
    }
    j->k++;
    return IHG_OK;
}

/* The spectrum is known (or cannot be): the predicted envelope, then the
 * methods. */
static int after_spectrum(ihg_compare_job *j)
{
    ihg_comparison *c = j->c;
    for (long k = 0; k <= c->kmax; k++) {
        c->predicted[k] = isfinite(c->rho) ? pow(c->rho, (double)(k + 1)) : NAN;
        c->predicted_seen[k] = NAN;
    }
    c->rho_seen = c->seen_min = c->seen_max = NAN;
    if (c->conditioned && j->exact_ok) {
        j->stage = IHG_COMPARE_SEEN;
        return IHG_OK;
    }
    if (c->eig_seen) {
        gsl_vector_free(c->eig_seen);
        c->eig_seen = NULL;
    }
    return begin_method(j, 0);
}

/* The spectrum of the operator the conditioned series iterates on (its
 * eigenvalues mu), rho_seen = max |1 - alpha mu| over the non-null ones,
 * and the envelope rho_seen^(K+1); then the methods. */
static int seen_spectrum(ihg_compare_job *j)
{
    ihg_comparison *c = j->c;
    j->t0 = ihg_now();
    if (!c->eig_seen && !(c->eig_seen = gsl_vector_alloc(j->P)))
        return ihg_error_set(IHG_ENOMEM, "comparison: out of memory (P = %zu)", j->P);
    if (j->dinv)
        ihg_jacobi_inverse(j->pb.H, c->damping, j->set.probes, j->dinv, j->z, j->Hz, NULL);
    int st = IHG_OK;
    if (!j->dinv && c->eigenvalues) {
        /* damping alone: H's eigenvalues shifted, its null directions
         * (which v has no part along) left out as for rho */
        gsl_vector_memcpy(c->eig_seen, c->eigenvalues);
        gsl_vector_add_constant(c->eig_seen, c->damping);
    } else {
        st = ihg_conditioned_eigenvalues(j->pb.H, c->damping, j->dinv, j->exact_max,
                                         c->eig_seen);
    }
    if (st == IHG_OK) {
        size_t P = c->eig_seen->size;
        c->seen_min = gsl_vector_get(c->eig_seen, 0);
        c->seen_max = gsl_vector_get(c->eig_seen, P - 1);
        double emax = fmax(fabs(c->seen_min), fabs(c->seen_max));
        double hmax = c->eigenvalues ? fmax(fabs(c->eig_min), fabs(c->eig_max)) : 0;
        c->rho_seen = 0;
        for (size_t i = 0; i < P; i++) {
            double e = gsl_vector_get(c->eig_seen, i);
            int null = !j->dinv && c->eigenvalues
                           ? fabs(gsl_vector_get(c->eigenvalues, i)) <= 1e-10 * hmax
                           : fabs(e) <= 1e-10 * emax;
            if (!null)
                c->rho_seen = fmax(c->rho_seen, fabs(1 - c->alpha * e));
        }
        for (long k = 0; k <= c->kmax; k++)
            c->predicted_seen[k] = pow(c->rho_seen, (double)(k + 1));
    } else {
        gsl_vector_free(c->eig_seen);
        c->eig_seen = NULL;
    }
    c->t_eigen += ihg_now() - j->t0;
    return begin_method(j, 0);
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
    case IHG_COMPARE_SETUP:
        c->alpha = ihg_session_alpha(s);
        c->band_top = 2.0 / c->alpha; /* the stable band is 0 < lambda < 2/alpha */
        c->rho = c->eig_min = c->eig_max = NAN;
        c->eig_lo = c->kappa = c->alpha_best = c->rho_best = c->band_best = NAN;
        c->n_unstable = c->n_null = 0;
        c->reference_fallback = IHG_FALLBACK_NONE;
        if (c->eigenvalues && c->eigenvalues->size != j->P) {
            gsl_vector_free(c->eigenvalues);
            c->eigenvalues = NULL;
        }
        ihg_session_val_grads(s, j->v, j->direct);
        j->t0 = ihg_now();
        if (j->exact_ok) {
            ihg_solver_start(j->exact, j->pb.H, j->v, 1, c->alpha, 0);
        } else {
            long iters = 10 * K > 1000 ? 10 * K : 1000;
            ihg_solver_start(j->cgref, j->pb.H, j->v, iters, c->alpha, 1e-12);
        }
        j->stage = IHG_COMPARE_REFERENCE;
        break;
    case IHG_COMPARE_REFERENCE: {
        ihg_solver *sv = j->exact_ok ? j->exact : j->cgref;
        if ((st = ihg_solver_iterate(sv, &state)) != IHG_OK)
            return st;
        if (state == IHG_SOLVE_RUNNING)
            break;
        c->reference_exact = j->exact_ok;
        c->reference_iters = j->exact_ok ? 0 : ihg_solver_done_terms(sv);
        c->reference_fallback = ihg_solver_used_fallback(sv);
        ihg_ift_hypergrad(&j->pb, ihg_solver_q(sv), j->jtq, c->hg_reference);
        c->t_reference = ihg_now() - j->t0;
        j->t0 = ihg_now();
        if (j->exact_ok && ihg_solver_eigenvalues(sv)) {
            /* the singular fallback already has the spectrum */
            spectrum_from(c, ihg_solver_eigenvalues(sv), c->alpha);
            c->t_eigen = 0;
            st = after_spectrum(j);
        } else if (j->exact_ok) {
            j->stage = IHG_COMPARE_SPECTRUM;
        } else {
            if (c->eigenvalues) {
                gsl_vector_free(c->eigenvalues);
                c->eigenvalues = NULL;
            }
            st = after_spectrum(j);
        }
        break;
    }
    case IHG_COMPARE_SPECTRUM:
        if (ihg_linop_eigenvalues(j->pb.H, j->exact_max, j->eig) == IHG_OK)
            spectrum_from(c, j->eig, c->alpha);
        c->t_eigen = ihg_now() - j->t0;
        st = after_spectrum(j);
        break;
    case IHG_COMPARE_SEEN:
        st = seen_spectrum(j);
        break;
    case IHG_COMPARE_METHOD:
        st = method_unit(j);
        break;
    default:
        break;
    }
    *done = j->stage == IHG_COMPARE_DONE;
    return st;
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
