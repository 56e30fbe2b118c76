/* inner_newton.c - Newton-CG with backtracking on the whole training set.
 *
 * The direction d solves H d = -g approximately by the conjugate gradient
 * of hypergrad.c, stopped at ||r|| <= eta ||g|| with the forcing term
 * eta = min(0.5, sqrt(||g||)) (superlinear convergence: Nocedal & Wright,
 * Numerical Optimization, Algorithm 7.1) and after at most P + 5 (at most
 * NEWTON_CG_MAX) iterations.  At non-positive curvature CG stops where it
 * is (steepest descent if that is at its first iteration).  The step along
 * d is backtracked until the Armijo condition holds.
 */
#include "inner.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "hypergrad.h"

/* At most this many CG iterations for one Newton direction. */
#define NEWTON_CG_MAX 250

typedef struct {
    ihg_solver *cg;
    gsl_vector *negg, *d, *trial;
    /* the operator's parameters: H at (theta, lambda) on the training set */
    const ihg_inner_problem *pb;
    ihg_linop H;
} newton_state;

static void newton_hvp(const gsl_vector *u, gsl_vector *Hu, void *params)
{
    newton_state *w = params;
    const ihg_inner_problem *pb = w->pb;
    pb->model->type->train_hvp(pb->model, pb->theta, pb->lambda, pb->train, u, Hu);
}

static void newton_free(ihg_inner *o)
{
    newton_state *w = o->state;
    if (!w)
        return;
    ihg_solver_free(w->cg);
    gsl_vector *vs[] = {w->negg, w->d, w->trial};
    for (size_t i = 0; i < 3; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    free(w);
    o->state = NULL;
}

static int newton_alloc(ihg_inner *o)
{
    newton_state *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (Newton)");
    o->state = w;
    w->cg = ihg_solver_alloc(IHG_SOLVER_CG, o->P, 0);
    w->negg = gsl_vector_alloc(o->P);
    w->d = gsl_vector_alloc(o->P);
    w->trial = gsl_vector_alloc(o->P);
    if (!w->cg || !w->negg || !w->d || !w->trial) {
        newton_free(o);
        return ihg_error_set(IHG_ENOMEM, "out of memory (Newton, P = %zu)", o->P);
    }
    w->H.apply = newton_hvp;
    w->H.matrix = NULL;
    w->H.params = w;
    w->H.n = o->P;
    w->H.null_basis = NULL;
    return IHG_OK;
}

static void newton_reset(ihg_inner *o) { (void)o; }

static int newton_step(ihg_inner *o, const ihg_inner_problem *pb, double *loss)
{
    newton_state *w = o->state;
    const ihg_model_type *t = pb->model->type;
    w->pb = pb;
    /* in tolerance mode the convergence test has just computed L_T and its
     * gradient at theta (in grad): no need to do it again */
    double f0 = isnan(pb->f_known)
                    ? t->train_loss(pb->model, pb->theta, pb->lambda, pb->train, pb->grad)
                    : pb->f_known;
    double gnorm = gsl_blas_dnrm2(pb->grad);
    *loss = f0;
    if (!isfinite(f0) || !isfinite(gnorm))
        return IHG_EDIVERGE;
    if (gnorm == 0.0)
        return IHG_OK;
    double eta = fmin(0.5, sqrt(gnorm));
    /* CG on H d = -g */
    gsl_vector_memcpy(w->negg, pb->grad);
    gsl_vector_scale(w->negg, -1.0);
    long maxit = o->P < NEWTON_CG_MAX ? (long)o->P + 5 : NEWTON_CG_MAX;
    ihg_solve_state state = IHG_SOLVE_RUNNING;
    int st = ihg_solver_start(w->cg, &w->H, w->negg, maxit, 0.0, eta);
    while (st == IHG_OK && state == IHG_SOLVE_RUNNING)
        st = ihg_solver_iterate(w->cg, &state);
    if (st != IHG_OK)
        return st;
    if (ihg_solver_used_fallback(w->cg) == IHG_FALLBACK_CG_NEGATIVE_CURVATURE &&
        ihg_solver_done_terms(w->cg) == 1)
        gsl_vector_memcpy(w->d, w->negg); /* steepest descent */
    else
        gsl_vector_memcpy(w->d, ihg_solver_q(w->cg));
    double slope;
    gsl_blas_ddot(pb->grad, w->d, &slope);
    if (!(slope < 0)) {
        gsl_vector_memcpy(w->d, w->negg);
        slope = -gnorm * gnorm;
    }
    double step = 1.0;
    /* Near the optimum the predicted decrease -slope/2 falls below the
     * rounding error of L_T itself; the loss can no longer judge a step,
     * and the full Newton step (quadratically convergent there) is taken. */
    int measurable = -slope > 1e3 * 2.2e-16 * (fabs(f0) + 1e-300);
    for (int ls = 0; measurable && ls < 60; ls++) {
        gsl_vector_memcpy(w->trial, pb->theta);
        gsl_blas_daxpy(step, w->d, w->trial);
        double f1 = t->train_loss(pb->model, w->trial, pb->lambda, pb->train, NULL);
        if (isfinite(f1) && f1 <= f0 + 1e-4 * step * slope)
            break;
        step *= 0.5;
    }
    if (!measurable) {
        gsl_vector_memcpy(w->trial, pb->theta);
        gsl_blas_daxpy(1.0, w->d, w->trial);
    }
    gsl_vector_memcpy(pb->theta, w->trial);
    return IHG_OK;
}

const ihg_inner_type ihg_inner_newton = {
    .name = "newton", .flags = IHG_INNER_SOLVER, .alloc = newton_alloc,
    .free = newton_free, .reset = newton_reset, .step = newton_step};
