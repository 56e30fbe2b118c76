/* optim.c - sgd, momentum, adam and rmsprop on flat vectors (optim.h). */
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* x_i <- clip(x_i - step_i).  The loops below run on raw pointers with
 * strides (x and g may be views; m and s are the optimizer's own contiguous
 * vectors), one loop per kind, with exactly the arithmetic of the update
 * rules in optim.h, in the same order: the results are bitwise those of the
 * per-element gsl_vector_get/set version. */
static inline double clip(double xi, double lo, double hi)
{
    if (xi < lo)
        xi = lo;
    if (xi > hi)
        xi = hi;
    return xi;
}

void ihg_optimizer_step(ihg_optimizer *o, gsl_vector *x, const gsl_vector *g)
{
    size_t n = x->size;
    o->t++;
    double bc1 = 1.0 - pow(o->beta1, (double)o->t);
    double bc2 = 1.0 - pow(o->beta2, (double)o->t);
    double *xp = x->data, *mp = o->m->data, *sp = o->s->data;
    const double *gp = g->data;
    size_t xs = x->stride, gs = g->stride, ms = o->m->stride,
           ss = o->s->stride;
    double lr = o->lr, lo = o->clip_min, hi = o->clip_max;
    switch (o->kind) {
    case IHG_OPT_MOMENTUM: {
        double mu = o->momentum;
        for (size_t i = 0; i < n; i++) {
            double gi = gp[i * gs];
            double m = mu * mp[i * ms] + gi;
            mp[i * ms] = m;
            xp[i * xs] = clip(xp[i * xs] - lr * m, lo, hi);
        }
        break;
    }
    case IHG_OPT_ADAM: {
        double b1 = o->beta1, b2 = o->beta2, eps = o->eps;
        double c1 = 1 - b1, c2 = 1 - b2;
        for (size_t i = 0; i < n; i++) {
            double gi = gp[i * gs];
            double m = b1 * mp[i * ms] + c1 * gi;
            double s = b2 * sp[i * ss] + c2 * gi * gi;
            mp[i * ms] = m;
            sp[i * ss] = s;
            double step = lr * (m / bc1) / (sqrt(s / bc2) + eps);
            xp[i * xs] = clip(xp[i * xs] - step, lo, hi);
        }
        break;
    }
    case IHG_OPT_RMSPROP: {
        double rho = o->decay, c = 1 - o->decay, eps = o->eps;
        for (size_t i = 0; i < n; i++) {
            double gi = gp[i * gs];
            double s = rho * sp[i * ss] + c * gi * gi;
            sp[i * ss] = s;
            double step = lr * gi / (sqrt(s) + eps);
            xp[i * xs] = clip(xp[i * xs] - step, lo, hi);
        }
        break;
    }
    case IHG_OPT_SGD:
    default:
        for (size_t i = 0; i < n; i++)
            xp[i * xs] = clip(xp[i * xs] - lr * gp[i * gs], lo, hi);
        break;
    }
}

/* Which of m and s the kind uses. */
static void state_parts(const ihg_optimizer *o, int *m, int *s)
{
    *m = o->kind == IHG_OPT_MOMENTUM || o->kind == IHG_OPT_ADAM;
    *s = o->kind == IHG_OPT_ADAM || o->kind == IHG_OPT_RMSPROP;
}

size_t ihg_optimizer_state_size(const ihg_optimizer *o)
{
    int m, s;
    state_parts(o, &m, &s);
    return 1 + (m ? o->m->size : 0) + (s ? o->s->size : 0);
}

void ihg_optimizer_state_save(const ihg_optimizer *o, double *buf)
{
    int m, s;
    state_parts(o, &m, &s);
    *buf++ = (double)o->t;
    if (m) {
        memcpy(buf, o->m->data, o->m->size * sizeof *buf);
        buf += o->m->size;
    }
    if (s)
        memcpy(buf, o->s->data, o->s->size * sizeof *buf);
}

void ihg_optimizer_state_load(ihg_optimizer *o, const double *buf)
{
    int m, s;
    state_parts(o, &m, &s);
    o->t = (long)*buf++;
    if (m) {
        memcpy(o->m->data, buf, o->m->size * sizeof *buf);
        buf += o->m->size;
    }
    if (s)
        memcpy(o->s->data, buf, o->s->size * sizeof *buf);
}
