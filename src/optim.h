/* optim.h - first-order optimizers on flat vectors.
 *
 * One state per optimized vector (theta or lambda).  Update rules, with g
 * the gradient and t the 1-based step count:
 *   sgd      x <- x - lr g
 *   momentum m <- mu m + g;               x <- x - lr m        (heavy ball)
 *   adam     m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) g^2;
 *            x <- x - lr (m / (1-b1^t)) / (sqrt(s / (1-b2^t)) + eps)
 *   rmsprop  s <- rho s + (1-rho) g^2;    x <- x - lr g / (sqrt(s) + eps)
 * After the step x is clipped to [clip_min, clip_max] (infinite = none).
 */
#ifndef IHG_OPTIM_H
#define IHG_OPTIM_H

#include <gsl/gsl_vector.h>

typedef enum {
    IHG_OPT_SGD = 0,
    IHG_OPT_MOMENTUM,
    IHG_OPT_ADAM,
    IHG_OPT_RMSPROP
} ihg_opt_kind;

typedef struct {
    ihg_opt_kind kind;
    double lr, momentum, beta1, beta2, eps, decay;
    double clip_min, clip_max;
    long t;
    gsl_vector *m, *s;
} ihg_optimizer;

ihg_optimizer *ihg_optimizer_alloc(ihg_opt_kind kind, size_t n);
void ihg_optimizer_free(ihg_optimizer *o);
void ihg_optimizer_reset(ihg_optimizer *o);   /* zero state, t = 0 */
/* One step of x along the gradient g. */
void ihg_optimizer_step(ihg_optimizer *o, gsl_vector *x, const gsl_vector *g);

/* What carries from one step to the next (the step count t, and m for
 * momentum, m and s for adam, s for rmsprop), as doubles: how many, and a
 * copy out and back in, exact. */
size_t ihg_optimizer_state_size(const ihg_optimizer *o);
void ihg_optimizer_state_save(const ihg_optimizer *o, double *buf);
void ihg_optimizer_state_load(ihg_optimizer *o, const double *buf);

#endif
