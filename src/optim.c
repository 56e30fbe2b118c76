/* optim.c - sgd, momentum, adam and rmsprop on flat vectors (optim.h). */
#include "optim.h"

#include <math.h>
#include <stdlib.h>

ihg_optimizer *ihg_optimizer_alloc(ihg_opt_kind kind, size_t n)
{
    ihg_optimizer *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->kind = kind;
    o->lr = 0.1;
    o->momentum = 0.9;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->eps = 1e-8;
    o->decay = 0.9;
    o->clip_min = -INFINITY;
    o->clip_max = INFINITY;
    o->m = gsl_vector_calloc(n);
    o->s = gsl_vector_calloc(n);
    if (!o->m || !o->s) {
        ihg_optimizer_free(o);
        return NULL;
    }
    return o;
}

void ihg_optimizer_free(ihg_optimizer *o)
{
    if (!o)
        return;
    if (o->m)
        gsl_vector_free(o->m);
    if (o->s)
        gsl_vector_free(o->s);
    free(o);
}

void ihg_optimizer_reset(ihg_optimizer *o)
{
    gsl_vector_set_zero(o->m);
    gsl_vector_set_zero(o->s);
    o->t = 0;
}

void ihg_optimizer_step(ihg_optimizer *o, gsl_vector *x, const gsl_vector *g)
{
    size_t n = x->size;
    o->t++;
    double bc1 = 1.0 - pow(o->beta1, (double)o->t);
    double bc2 = 1.0 - pow(o->beta2, (double)o->t);
    for (size_t i = 0; i < n; i++) {
        double gi = gsl_vector_get(g, i);
        double xi = gsl_vector_get(x, i);
        double step;
        switch (o->kind) {
        case IHG_OPT_MOMENTUM: {
            double m = o->momentum * gsl_vector_get(o->m, i) + gi;
            gsl_vector_set(o->m, i, m);
            step = o->lr * m;
            break;
        }
        case IHG_OPT_ADAM: {
            double m = o->beta1 * gsl_vector_get(o->m, i) + (1 - o->beta1) * gi;
            double s = o->beta2 * gsl_vector_get(o->s, i) + (1 - o->beta2) * gi * gi;
            gsl_vector_set(o->m, i, m);
            gsl_vector_set(o->s, i, s);
            step = o->lr * (m / bc1) / (sqrt(s / bc2) + o->eps);
            break;
        }
        case IHG_OPT_RMSPROP: {
            double s = o->decay * gsl_vector_get(o->s, i) + (1 - o->decay) * gi * gi;
            gsl_vector_set(o->s, i, s);
            step = o->lr * gi / (sqrt(s) + o->eps);
            break;
        }
        case IHG_OPT_SGD:
        default:
            step = o->lr * gi;
            break;
        }
        xi -= step;
        if (xi < o->clip_min)
            xi = o->clip_min;
        if (xi > o->clip_max)
            xi = o->clip_max;
        gsl_vector_set(x, i, xi);
    }
}
