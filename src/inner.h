/* inner.h - inner optimizers (training theta) as a const type table.
 *
 * One step of an inner optimizer moves theta on the training loss L_T at
 * fixed lambda:
 *
 *   sgd       theta <- theta - lr g_t                     (g_t on minibatch B_t)
 *   momentum  m <- mu m + g_t;  theta <- theta - lr m     (heavy ball)
 *   adam      the update of optim.h with beta1, beta2, eps
 *   newton    one Newton-CG step with backtracking on the whole training set
 *             (the CG of hypergrad.c, forcing term min(0.5, sqrt ||g||))
 *   bfgs      one iteration of GSL's vector_bfgs2 on the whole training set
 *
 * The session fills an ihg_inner_problem and calls step(); nothing here
 * allocates after alloc().  Adding an optimizer: its file (or table line),
 * one registry line in inner.c, the man page and tests.
 */
#ifndef IHG_INNER_H
#define IHG_INNER_H

#include <gsl/gsl_vector.h>

#include "../models/model.h"

/* Flags of an inner optimizer type. */
enum {
    IHG_INNER_FIRST_ORDER = 1u << 0, /* gradient steps on minibatches, inner.lr  */
    IHG_INNER_SOLVER = 1u << 1,      /* whole-set solver: tolerance mode's default */
    IHG_INNER_MOMENTUM = 1u << 2     /* keeps a momentum buffer (inner.momentum)  */
};

/* What a step works on, filled by the session. */
typedef struct {
    ihg_model *model;
    const gsl_vector *lambda;  /* the model's hyperparameters               */
    const ihg_data *train;     /* the whole training set                    */
    gsl_vector *theta;         /* moved in place                            */
    gsl_vector *grad;          /* scratch (P); after a first-order step the
                                  gradient the step took                    */
    /* The minibatch of this step (first-order optimizers call it once per
     * step; without minibatches it returns the training set). */
    const ihg_data *(*next_batch)(void *params);
    void *params;
    /* L_T and its gradient (in grad) at theta on the whole training set
     * when the caller has just computed them (tolerance mode), else NaN. */
    double f_known;
} ihg_inner_problem;

typedef struct ihg_inner ihg_inner;

typedef struct ihg_inner_type {
    const char *name;   /* inner.optimizer */
    unsigned flags;
    int (*alloc)(ihg_inner *o);      /* o->type, o->P, settings filled  */
    void (*free)(ihg_inner *o);
    void (*reset)(ihg_inner *o);     /* forget the state (moments, BFGS) */
    /* Optional: an inner loop begins (every outer step, warm or cold). */
    void (*begin)(ihg_inner *o);
    /* One step.  IHG_OK, or IHG_EDIVERGE when the loss it met was not
     * finite (*loss holds it). */
    int (*step)(ihg_inner *o, const ihg_inner_problem *pb, double *loss);
    /* Optional: the momentum buffer m (IHG_INNER_MOMENTUM), for recording. */
    const gsl_vector *(*buffer)(const ihg_inner *o);
    /* Optional: what the optimizer carries from one outer step to the next
     * (its moments with a warm start), as doubles: how many, a copy out and
     * back in.  Absent: nothing carries over (begin() starts afresh). */
    size_t (*state_size)(const ihg_inner *o);
    void (*state_save)(const ihg_inner *o, double *buf);
    void (*state_load)(ihg_inner *o, const double *buf);
} ihg_inner_type;

struct ihg_inner {
    const ihg_inner_type *type;
    size_t P;
    /* settings (inner.*); the session may change lr and momentum between
     * outer steps */
    double lr, momentum, beta1, beta2, eps;
    void *state;
};

/* The registry, NULL-terminated. */
extern const ihg_inner_type *const ihg_inner_types[];
const ihg_inner_type *ihg_inner_lookup(const char *name);

extern const ihg_inner_type ihg_inner_sgd;
extern const ihg_inner_type ihg_inner_momentum;
extern const ihg_inner_type ihg_inner_adam;
extern const ihg_inner_type ihg_inner_newton;
extern const ihg_inner_type ihg_inner_bfgs;

/* NULL with the error recorded on failure. */
ihg_inner *ihg_inner_alloc(const ihg_inner_type *type, size_t P, double lr,
                           double momentum, double beta1, double beta2, double eps);
void ihg_inner_free(ihg_inner *o);
void ihg_inner_reset(ihg_inner *o);
void ihg_inner_begin(ihg_inner *o);
/* The momentum buffer, or NULL when the optimizer keeps none. */
const gsl_vector *ihg_inner_buffer(const ihg_inner *o);
/* The type's state_size / save / load, 0 and nothing without them. */
size_t ihg_inner_state_size(const ihg_inner *o);
void ihg_inner_state_save(const ihg_inner *o, double *buf);
void ihg_inner_state_load(ihg_inner *o, const double *buf);
int ihg_inner_step(ihg_inner *o, const ihg_inner_problem *pb, double *loss);

#endif
