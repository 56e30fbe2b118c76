/* method_fd.c - central finite differences of the outer objective as the
 * run defines it (hypergrad.method: fd).
 *
 *     dL_V/dlambda_j ~ (f(lambda + h e_j) - f(lambda - h e_j)) / 2h
 *
 * where f(lambda') re-runs this outer step's inner loop from the theta it
 * started from, with the same minibatches, at lambda' (explicit.h, rerun)
 * and evaluates L_V(theta_T, lambda').  With a fixed number of inner steps
 * f is "L_V after these T steps", and fd agrees with unrolled and forward;
 * when the inner loop runs to a tolerance (inner.tol) f is L_V at theta*,
 * and fd agrees with the implicit function theorem.  The error is
 * truncation O(h^2 f''') plus rounding ~ eps |f| / h, about 1e-10 relative
 * for h = 1e-5 (hypergrad.fd_step).  One unit is one re-run; 2 Hn re-runs in
 * all, so it refuses more than hypergrad.fd_max hyperparameters.
 */
#include "method.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

typedef struct {
    const ihg_explicit *ex;
    gsl_vector *lam, *g;     /* lambda', the result                        */
    size_t j;
    int side;                /* 0: + h, 1: - h                             */
    double fplus;
} fd_state;

static const char *fd_refusal(const ihg_hg_problem *pb, const ihg_method_settings *set)
{
    static char why[200];
    if (!pb->ex || !pb->ex->rerun)
        return pb->ex && pb->ex->why_not_rerun ? pb->ex->why_not_rerun
                                               : "the inner loop cannot be run again";
    if (set->fd_max > 0 && pb->Hn > (size_t)set->fd_max) {
        snprintf(why, sizeof why,
                 "finite differences re-run the inner loop twice per hyperparameter: %zu "
                 "hyperparameters is above hypergrad.fd_max = %ld (use unrolled)",
                 pb->Hn, set->fd_max);
        return why;
    }
    return NULL;
}

static void fd_free(ihg_method *m)
{
    fd_state *w = m->state;
    if (!w)
        return;
    if (w->lam)
        gsl_vector_free(w->lam);
    if (w->g)
        gsl_vector_free(w->g);
    free(w);
    m->state = NULL;
}

static int fd_alloc(ihg_method *m)
{
    if (m->set.fd_max > 0 && m->Hn > (size_t)m->set.fd_max)
        return ihg_error_set(IHG_ELIMIT,
                             "finite differences re-run the inner loop twice for each of "
                             "the %zu hyperparameters: above hypergrad.fd_max = %ld; use "
                             "unrolled", m->Hn, m->set.fd_max);
    fd_state *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    m->state = w;
    w->lam = gsl_vector_alloc(m->Hn);
    w->g = gsl_vector_calloc(m->Hn);
    if (!w->lam || !w->g) {
        fd_free(m);
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    }
    return IHG_OK;
}

static int fd_start(ihg_method *m)
{
    fd_state *w = m->state;
    w->ex = m->pb->ex;
    w->j = 0;
    w->side = 0;
    gsl_vector_set_all(w->g, NAN);
    m->total = 2 * (long)m->Hn;
    m->bytes = 2.0 * (double)m->Hn * sizeof(double);
    return IHG_OK;
}

static int fd_iterate(ihg_method *m, ihg_solve_state *state)
{
    fd_state *w = m->state;
    const ihg_explicit *ex = w->ex;
    if (w->j >= m->Hn) {
        *state = IHG_SOLVE_DONE;
        return IHG_OK;
    }
    double h = m->set.fd_step, f;
    double lj = gsl_vector_get(ex->lambda, w->j);
    gsl_vector_memcpy(w->lam, ex->lambda);
    gsl_vector_set(w->lam, w->j, w->side == 0 ? lj + h : lj - h);
    int st = ex->rerun(ex->params, w->lam, &f);
    if (st != IHG_OK)
        return st;
    m->done++;
    if (w->side == 0) {
        w->fplus = f;
        w->side = 1;
    } else {
        gsl_vector_set(w->g, w->j, (w->fplus - f) / (2 * h));
        w->side = 0;
        w->j++;
    }
    if (!isfinite(f)) {
        *state = IHG_SOLVE_DIVERGED;
        return IHG_OK;
    }
    *state = w->j >= m->Hn ? IHG_SOLVE_DONE : IHG_SOLVE_RUNNING;
    return IHG_OK;
}

static int fd_hypergrad(ihg_method *m, gsl_vector *g)
{
    fd_state *w = m->state;
    gsl_vector_memcpy(g, w->g);
    return IHG_OK;
}

const ihg_method_type ihg_method_fd = {
    .name = "fd", .label = "FD", .title = "finite differences",
    .describe = "central differences of L_V after the inner loop re-run at lambda +- h e_j",
    .unit = "re-run", .k_key = NULL,
    .flags = IHG_METHOD_EXPLICIT, .k_first = 0,
    .alloc = fd_alloc, .free = fd_free, .start = fd_start, .iterate = fd_iterate,
    .q = NULL, .hypergrad = fd_hypergrad, .refusal = fd_refusal};
