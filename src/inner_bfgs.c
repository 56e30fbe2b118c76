/* inner_bfgs.c - GSL's vector_bfgs2 (multimin) on the whole training set:
 * one iteration per step, restarted from the current theta at the start
 * of each outer step (reset) and when its line search makes no progress.
 */
#include "inner.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <stdlib.h>

#include "error.h"

typedef struct {
    gsl_multimin_fdfminimizer *min;
    gsl_multimin_function_fdf fdf;
    const ihg_inner_problem *pb;
    int ready;
} bfgs_state;

static double bfgs_f(const gsl_vector *x, void *params)
{
    const ihg_inner_problem *pb = ((bfgs_state *)params)->pb;
    return pb->model->type->train_loss(pb->model, x, pb->lambda, pb->train, NULL);
}

static void bfgs_df(const gsl_vector *x, void *params, gsl_vector *g)
{
    const ihg_inner_problem *pb = ((bfgs_state *)params)->pb;
    pb->model->type->train_loss(pb->model, x, pb->lambda, pb->train, g);
}

static void bfgs_fdf(const gsl_vector *x, void *params, double *f, gsl_vector *g)
{
    const ihg_inner_problem *pb = ((bfgs_state *)params)->pb;
    *f = pb->model->type->train_loss(pb->model, x, pb->lambda, pb->train, g);
}

static int bfgs_alloc(ihg_inner *o)
{
    bfgs_state *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (BFGS)");
    w->min = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, o->P);
    if (!w->min) {
        free(w);
        return ihg_error_set(IHG_ENOMEM, "out of memory (BFGS)");
    }
    w->fdf.f = bfgs_f;
    w->fdf.df = bfgs_df;
    w->fdf.fdf = bfgs_fdf;
    w->fdf.n = o->P;
    w->fdf.params = w;
    o->state = w;
    return IHG_OK;
}

static void bfgs_free(ihg_inner *o)
{
    bfgs_state *w = o->state;
    if (!w)
        return;
    gsl_multimin_fdfminimizer_free(w->min);
    free(w);
    o->state = NULL;
}

static void bfgs_reset(ihg_inner *o) { ((bfgs_state *)o->state)->ready = 0; }

static int bfgs_step(ihg_inner *o, const ihg_inner_problem *pb, double *loss)
{
    bfgs_state *w = o->state;
    w->pb = pb;
    if (!w->ready) {
        gsl_multimin_fdfminimizer_set(w->min, &w->fdf, pb->theta, 0.01, 0.1);
        w->ready = 1;
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int st = gsl_multimin_fdfminimizer_iterate(w->min);
    gsl_set_error_handler(old);
    gsl_vector_memcpy(pb->theta, gsl_multimin_fdfminimizer_x(w->min));
    *loss = gsl_multimin_fdfminimizer_minimum(w->min);
    if (st == GSL_ENOPROG)
        w->ready = 0; /* the line search can make no progress: restart here */
    return IHG_OK;
}

const ihg_inner_type ihg_inner_bfgs = {
    .name = "bfgs", .flags = IHG_INNER_SOLVER, .alloc = bfgs_alloc,
    .free = bfgs_free, .reset = bfgs_reset, .begin = bfgs_reset, .step = bfgs_step};
