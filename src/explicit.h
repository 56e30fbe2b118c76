/* explicit.h - what the explicit hypergradient methods (unrolled, forward,
 * fd) need: the inner loop as it ran, and the model on one step's
 * minibatch.
 *
 * The explicit objective of one outer step is f(lambda) = L_V(theta_T,
 * lambda), theta_T the end of the T inner steps that the step ran from its
 * theta_0 on the minibatches B_0 .. B_{T-1}.  For sgd and momentum (heavy
 * ball, as optim.h writes it)
 *
 *     m_{t+1} = mu_t m_t + g_t,   theta_{t+1} = theta_t - lr_t m_{t+1}
 *     g_t = grad L_T(theta_t, lambda; B_t)                  (sgd: mu_t = 0)
 *
 * the session fills an ihg_explicit with the recorded trajectory and the
 * model's products at (theta, the current lambda) on any data.  Where the
 * optimizer's learning rate and momentum are hyperparameters (inner.learn)
 * they sit in lambda at lr_index and mom_index as log lr and logit mu.
 */
#ifndef IHG_EXPLICIT_H
#define IHG_EXPLICIT_H

#include <gsl/gsl_vector.h>

#include "../models/model.h"
#include "hyperlayout.h"
#include "optim.h"
#include "trajectory.h"

typedef struct {
    const ihg_trajectory *traj;   /* the outer step's inner loop          */
    const gsl_vector *lambda;     /* lambda during that loop (Hn)         */
    const ihg_hyper_layout *layout;
    size_t Hm;                    /* the model's part of lambda: [0, Hm)  */
    long lr_index, mom_index;     /* log lr, logit mu in lambda; -1: fixed */
    int momentum;                 /* heavy ball (m_t recorded)            */
    /* Why the reverse and forward passes cannot be taken here (the inner
     * optimizer is not sgd or momentum, nothing was recorded), or NULL. */
    const char *why_not;
    /* The minibatch of step t (the training set when there are none);
     * valid until the next call. */
    const ihg_data *(*batch)(void *params, long t);
    /* On data at theta and the current lambda: L_T and its gradient g;
     * H u; J^T u into out (Hn entries, zero outside [0, Hm)); J u for u in
     * lambda's space (only u[0, Hm) matters) into out (P), IHG_EINVAL when
     * the model has no such product. */
    double (*grad)(void *params, const gsl_vector *theta, const ihg_data *d, gsl_vector *g);
    void (*hvp)(void *params, const gsl_vector *theta, const ihg_data *d,
                const gsl_vector *u, gsl_vector *Hu);
    void (*jtvp)(void *params, const gsl_vector *theta, const ihg_data *d,
                 const gsl_vector *u, gsl_vector *out);
    int (*jvp)(void *params, const gsl_vector *theta, const ihg_data *d,
               const gsl_vector *u, gsl_vector *out);
    /* The outer step's inner loop run again from its theta_0 (same
     * minibatches) at lambda2; *val_loss = L_V(theta_T, lambda2).  NULL
     * when it cannot be run again, with the reason in why_not_rerun. */
    int (*rerun)(void *params, const gsl_vector *lambda2, double *val_loss);
    const char *why_not_rerun;
    void *params;
} ihg_explicit;

/* One recorded step taken again: from (theta, m) = (theta_t, m_t) to
 * (theta_{t+1}, m_{t+1}) with gradient g (computed by ex->grad on B_t into
 * g), by the very update of optim.c (so the result is bitwise the
 * recorded one).  m may be NULL for sgd. */
typedef struct ihg_replayer ihg_replayer;
ihg_replayer *ihg_replayer_alloc(size_t P, int momentum);
void ihg_replayer_free(ihg_replayer *r);
void ihg_replayer_step(ihg_replayer *r, double lr, double mu, gsl_vector *theta,
                       gsl_vector *m, const gsl_vector *g);

#endif
