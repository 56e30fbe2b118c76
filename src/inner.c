/* inner.c - the inner optimizers' registry and the first-order ones (sgd,
 * momentum, adam: the update rules of optim.h on minibatch gradients). */
#include "inner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "linalg.h"
#include "optim.h"

const ihg_inner_type *const ihg_inner_types[] = {
    &ihg_inner_sgd, &ihg_inner_momentum, &ihg_inner_adam, &ihg_inner_newton,
    &ihg_inner_bfgs, NULL};

const ihg_inner_type *ihg_inner_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; ihg_inner_types[i]; i++)
        if (strcmp(ihg_inner_types[i]->name, name) == 0)
            return ihg_inner_types[i];
    return NULL;
}

ihg_inner *ihg_inner_alloc(const ihg_inner_type *type, size_t P, double lr,
                           double momentum, double beta1, double beta2, double eps)
{
    ihg_inner *o = calloc(1, sizeof *o);
    if (!o) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    o->type = type;
    o->P = P;
    o->lr = lr;
    o->momentum = momentum;
    o->beta1 = beta1;
    o->beta2 = beta2;
    o->eps = eps;
    if (type->alloc(o) != IHG_OK) {
        free(o);
        return NULL;
    }
    return o;
}

void ihg_inner_free(ihg_inner *o)
{
    if (!o)
        return;
    o->type->free(o);
    free(o);
}

void ihg_inner_reset(ihg_inner *o) { o->type->reset(o); }

void ihg_inner_begin(ihg_inner *o)
{
    if (o->type->begin)
        o->type->begin(o);
}

const gsl_vector *ihg_inner_buffer(const ihg_inner *o)
{
    return o->type->buffer ? o->type->buffer(o) : NULL;
}

size_t ihg_inner_state_size(const ihg_inner *o)
{
    return o->type->state_size ? o->type->state_size(o) : 0;
}

void ihg_inner_state_save(const ihg_inner *o, double *buf)
{
    if (o->type->state_save)
        o->type->state_save(o, buf);
}

void ihg_inner_state_load(ihg_inner *o, const double *buf)
{
    if (o->type->state_load)
        o->type->state_load(o, buf);
}

int ihg_inner_step(ihg_inner *o, const ihg_inner_problem *pb, double *loss)
{
    return o->type->step(o, pb, loss);
}

/* ---- first order: a gradient on the step's minibatch, then optim.h ---- */


static ihg_opt_kind first_order_kind(const ihg_inner_type *t)
{
    return t == &ihg_inner_momentum ? IHG_OPT_MOMENTUM
           : t == &ihg_inner_adam   ? IHG_OPT_ADAM
                                    : IHG_OPT_SGD;
}

static int first_order_alloc(ihg_inner *o)
{
    ihg_optimizer *opt = ihg_optimizer_alloc(first_order_kind(o->type), o->P);
    if (!opt)
        return ihg_error_set(IHG_ENOMEM, "out of memory (inner optimizer, P = %zu)", o->P);
    o->state = opt;
    return IHG_OK;
}

static void first_order_free(ihg_inner *o) { ihg_optimizer_free(o->state); }

static void first_order_reset(ihg_inner *o) { ihg_optimizer_reset(o->state); }

static int first_order_step(ihg_inner *o, const ihg_inner_problem *pb, double *loss)
{
    ihg_optimizer *opt = o->state;
    const ihg_data *b = pb->next_batch(pb->params);
    double f = pb->model->type->train_loss(pb->model, pb->theta, pb->lambda, b, pb->grad);
    *loss = f;
    if (!isfinite(f) || !ihg_vector_finite(pb->grad))
        return IHG_EDIVERGE;
    opt->lr = o->lr;
    opt->momentum = o->momentum;
    opt->beta1 = o->beta1;
    opt->beta2 = o->beta2;
    opt->eps = o->eps;
    ihg_optimizer_step(opt, pb->theta, pb->grad);
    return IHG_OK;
}

static size_t first_order_state_size(const ihg_inner *o)
{
    return ihg_optimizer_state_size(o->state);
}

static void first_order_state_save(const ihg_inner *o, double *buf)
{
    ihg_optimizer_state_save(o->state, buf);
}

static void first_order_state_load(ihg_inner *o, const double *buf)
{
    ihg_optimizer_state_load(o->state, buf);
}

static const gsl_vector *momentum_buffer(const ihg_inner *o)
{
    return ((const ihg_optimizer *)o->state)->m;
}

#define FIRST_ORDER_OPS                                                          \
    .alloc = first_order_alloc, .free = first_order_free,                       \
    .reset = first_order_reset, .step = first_order_step,                       \
    .state_size = first_order_state_size, .state_save = first_order_state_save, \
    .state_load = first_order_state_load

const ihg_inner_type ihg_inner_sgd = {
    .name = "sgd", .flags = IHG_INNER_FIRST_ORDER, FIRST_ORDER_OPS};
const ihg_inner_type ihg_inner_momentum = {
    .name = "momentum", .flags = IHG_INNER_FIRST_ORDER | IHG_INNER_MOMENTUM,
    .buffer = momentum_buffer, FIRST_ORDER_OPS};
const ihg_inner_type ihg_inner_adam = {
    .name = "adam", .flags = IHG_INNER_FIRST_ORDER, FIRST_ORDER_OPS};
