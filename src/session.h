/* session.h - one running experiment, advanced by a small state machine.
 *
 * The explorer and the headless runner drive the same session:
 *
 *   s = ihg_session_alloc(cfg);            // loads data, builds the model
 *   while (!ihg_session_finished(s))
 *       ihg_session_step(s, budget, &ev);  // at most `budget` units of work
 *   ihg_session_free(s);
 *
 * A unit of work is one inner optimizer step, one Hessian-vector product
 * (a Neumann term or a CG iteration), the exact solve, the J^T q product or
 * the hyperparameter update.  The caller can redraw and read keys between
 * units.  Phases of one outer step:
 *
 *   INNER -> EVAL (chunks) -> SOLVE (terms 1..K) -> HYPERGRAD -> UPDATE
 *         -> (record) INNER ...
 */
#ifndef IHG_SESSION_H
#define IHG_SESSION_H

#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "../models/model.h"
#include "config.h"
#include "data.h"
#include "hypergrad.h"
#include "hyperlayout.h"
#include "inner.h"
#include "method.h"
#include "trajectory.h"

typedef enum {
    IHG_PHASE_INNER = 0, /* training theta                         */
    IHG_PHASE_SOLVE,     /* q ~ H^{-1} v, one term at a time       */
    IHG_PHASE_HYPERGRAD, /* J^T q and the hypergradient            */
    IHG_PHASE_UPDATE,    /* outer optimizer step on lambda         */
    IHG_PHASE_DONE,      /* outer.steps reached                    */
    IHG_PHASE_STOPPED,   /* diverged or failed: see last_message   */
    IHG_PHASE_EVAL       /* after INNER: accuracies and test metrics,
                            a chunk of rows per unit                */
} ihg_phase;

/* Event bits reported by ihg_session_step. */
enum {
    IHG_EV_INNER_STEP = 1u << 0,
    IHG_EV_INNER_DONE = 1u << 1,
    IHG_EV_SOLVE_TERM = 1u << 2,
    IHG_EV_HYPERGRAD = 1u << 3,
    IHG_EV_OUTER_DONE = 1u << 4, /* a new record was appended   */
    IHG_EV_FINISHED = 1u << 5,
    IHG_EV_STOPPED = 1u << 6     /* divergence or error          */
};

/* One line of history: the state after an outer step. */
typedef struct {
    long outer;          /* 1-based outer step                          */
    long inner_steps;    /* inner steps taken in this outer step        */
    double train_loss, val_loss, test_loss;   /* L_T (with decay), L_V  */
    double train_acc, val_acc, test_acc;      /* NaN when not classifier */
    double grad_norm;    /* ||dL_T/dtheta|| where the hypergradient was taken */
    double hypergrad_norm;
    double direct_norm;  /* ||dL_V/dlambda|| (direct term)              */
    double v_norm;       /* ||dL_V/dtheta||                             */
    double q_norm;       /* ||q||                                       */
    double jtq_norm;     /* ||J^T q||                                   */
    double lambda_norm;
    const ihg_method_type *method;
    long terms;          /* K used (Neumann terms / CG iterations)      */
    double alpha;        /* Neumann alpha used                          */
    long hvps;           /* HVPs spent on this hypergradient            */
    double seconds;      /* wall time of this outer step                */
    ihg_fallback fallback; /* what the solve fell back to              */
    /* Why part of the hypergradient is 0 by construction (hyperparameters
     * outside L_T under an IFT method), or NULL */
    const char *note;
    double inner_lr;     /* the inner loop's learning rate               */
    double outer_lr;     /* the outer optimizer's learning rate          */
    /* The outer step was started again part-way (new lambda, a resume
     * after a stop, an explicit method chosen mid-way): it cannot be
     * recomputed from the state before it (history.h keeps the state after
     * it instead). */
    int restarted;
} ihg_record;

typedef struct ihg_session ihg_session;

/* Build a session from a loaded configuration (the session keeps a
 * pointer to cfg: keep it alive).  NULL on failure, message recorded. */
ihg_session *ihg_session_alloc(const ihg_config *cfg);
void ihg_session_free(ihg_session *s);

/* Back to the start: same seed, same initial theta and lambda, empty
 * history.  Method, K and alpha keep their current (possibly changed)
 * values. */
int ihg_session_reset(ihg_session *s);

/* Advance by at most `budget` units (>= 1).  *events (may be NULL) gets
 * the IHG_EV_* bits of what happened.  Returns IHG_OK, or an error status
 * when the run stopped (divergence: IHG_EDIVERGE) with the reason in
 * ihg_session_message(). */
int ihg_session_step(ihg_session *s, unsigned budget, unsigned *events);

/* Run to the end of the current phase group:
 *   inner_step: exactly one inner optimizer step (stays in INNER);
 *   outer_step: until the next record is appended (or stop). */
int ihg_session_inner_step(ihg_session *s, unsigned *events);
int ihg_session_outer_step(ihg_session *s, unsigned *events);

/* After a stop (divergence), start the current outer step again with the
 * current settings (e.g. a lowered alpha).  Resets when theta is not finite. */
int ihg_session_resume(ihg_session *s);

int ihg_session_finished(const ihg_session *s); /* DONE or STOPPED */
ihg_phase ihg_session_phase(const ihg_session *s);
const char *ihg_phase_name(ihg_phase p);
/* Progress within the phase: inner step k of N (N = 0 in tol mode),
 * or solve term j of K. */
void ihg_session_progress(const ihg_session *s, long *done, long *total);
/* Last message (divergence reason, fallback notice, error); "" if none. */
const char *ihg_session_message(const ihg_session *s);

/* Set lambda and restart the current outer step from its inner loop (for
 * checks by finite differences and for scripted lessons). */
int ihg_session_set_lambda(ihg_session *s, const gsl_vector *lambda);

/* Live settings (take effect at the next solve). */
int ihg_session_set_method(ihg_session *s, const ihg_method_type *m);
int ihg_session_set_terms(ihg_session *s, long K);   /* neumann terms / cg iters */
int ihg_session_set_alpha(ihg_session *s, double alpha);
const ihg_method_type *ihg_session_method(const ihg_session *s);
long ihg_session_terms(const ihg_session *s);
double ihg_session_alpha(const ihg_session *s);  /* effective alpha */
/* The learning rates: the inner one takes effect with the next inner loop
 * (at once before its first step; refused when inner.learn makes it a
 * hyperparameter), the outer one with the next update (0: lambda stays). */
int ihg_session_set_inner_lr(ihg_session *s, double lr);
int ihg_session_set_outer_lr(ihg_session *s, double lr);
double ihg_session_inner_lr(const ihg_session *s);
/* The momentum the next inner steps use (the learned one with
 * inner.learn: [momentum]). */
double ihg_session_inner_momentum(const ihg_session *s);
double ihg_session_outer_lr(const ihg_session *s);

/* ---- the whole state between outer steps ----------------------------- *
 *
 * At a boundary (an outer step about to begin, before its first inner
 * step, or the run done) everything a session carries into the next outer
 * step can be copied out and put back: theta, lambda, the last
 * hypergradient, the inner and outer optimizers' moments and learning
 * rates, the random stream, the minibatch order, the counters, the
 * settings (method, K, alpha) and the records so far.  Restored, the
 * session goes on exactly, bit for bit, as it would have from there. */
typedef struct ihg_session_state ihg_session_state;
/* 1 when s is at a boundary. */
int ihg_session_at_boundary(const ihg_session *s);
/* A copy of the state (NULL with the error recorded: not at a boundary,
 * out of memory). */
ihg_session_state *ihg_session_save(const ihg_session *s);
/* The same into a state of this session made before (its memory reused);
 * IHG_OK or the error. */
int ihg_session_save_into(const ihg_session *s, ihg_session_state *st);
/* Put st back into s (a session of the same experiment). */
int ihg_session_restore(ihg_session *s, const ihg_session_state *st);
void ihg_session_state_free(ihg_session_state *st);
size_t ihg_session_state_bytes(const ihg_session_state *st);
long ihg_session_state_outer(const ihg_session_state *st);
/* The bytes a state of s takes. */
size_t ihg_session_state_size(const ihg_session *s);

/* Read-only views of the state. */
const ihg_config *ihg_session_config(const ihg_session *s);
const ihg_model *ihg_session_model(const ihg_session *s);
/* The same model for engine code that evaluates it at other points
 * between units of work (src/plane.c): its workspace is scratch then. */
ihg_model *ihg_session_model_scratch(ihg_session *s);
const ihg_dataset *ihg_session_dataset(const ihg_session *s);
/* The records have a test loss: the data set has a test set, or the
 * family measures one of its own (model.h own_test: held-out tasks). */
int ihg_session_has_test(const ihg_session *s);
/* For a family that augments its training rows (model.h
 * IHG_MODEL_AUGMENTS): the first count training rows into orig and what
 * the family trains on in their place, at the current lambda and draw (the
 * last inner step's, or the hypergradient's point), into aug (count x d
 * each, row-major).  Returns the rows written (0: not such a family). */
size_t ihg_session_augmented(ihg_session *s, size_t count, double *orig, double *aug);
const gsl_vector *ihg_session_theta(const ihg_session *s);
const gsl_vector *ihg_session_lambda(const ihg_session *s);
/* During SOLVE and HYPERGRAD: the current approximation q of H^{-1} v
 * (the partial Neumann sum or CG iterate), and v itself; NULL otherwise. */
const gsl_vector *ihg_session_partial_q(const ihg_session *s);
const gsl_vector *ihg_session_v(const ihg_session *s);
/* The layout of lambda: named segments (the model's, the inner
 * optimizer's, ...); layout->n hyperparameters in all. */
const ihg_hyper_layout *ihg_session_layout(const ihg_session *s);
size_t ihg_session_n_hyper(const ihg_session *s);  /* = layout->n */
size_t ihg_session_n_params(const ihg_session *s); /* P           */
/* Recording of the inner loop (trajectory.h), for methods that
 * differentiate through it, and re-runs of it (fd): on prepares both for
 * comparisons of the explicit methods (an error, and recording stays off,
 * when the inner loop cannot be recorded: the reason is the message), off
 * stops recording unless the method in use needs it.  Recording is always
 * on for an explicit method.  The record holds the steps of the inner loop
 * under way or just finished. */
int ihg_session_record_trajectory(ihg_session *s, int on);
const ihg_trajectory *ihg_session_trajectory(const ihg_session *s); /* NULL: off */
/* Bytes held for the hypergradient beyond the session's vectors: the
 * recorded trajectory and the method's own buffers (after its start). */
double ihg_session_hypergrad_bytes(const ihg_session *s);
/* The last hypergradient (zeros before the first). */
const gsl_vector *ihg_session_hypergrad(const ihg_session *s);
long ihg_session_outer(const ihg_session *s);       /* records so far */
long ihg_session_inner_total(const ihg_session *s); /* all inner steps */
long ihg_session_inner_done(const ihg_session *s);  /* in this outer step */
size_t ihg_session_history_len(const ihg_session *s);
const ihg_record *ihg_session_history(const ihg_session *s);
/* Current losses (recomputed on request; not free for big models). */
double ihg_session_train_loss(ihg_session *s);
double ihg_session_val_loss(ihg_session *s);
double ihg_session_grad_norm(ihg_session *s);

/* Pieces of the hypergradient at the current (theta, lambda), on the full
 * training and validation sets, for the comparison pane and --compare:
 *   H     the Hessian of L_T as an operator (valid until the next step);
 *   v     dL_V/dtheta, direct = dL_V/dlambda;
 *   J^T u the mixed partial product. */
void ihg_session_hessian_op(ihg_session *s, ihg_linop *H);
double ihg_session_val_grads(ihg_session *s, gsl_vector *v, gsl_vector *direct);
void ihg_session_jtvp(ihg_session *s, const gsl_vector *u, gsl_vector *out);
/* The settings a method gets from the session (K, alpha, caps, ...). */
void ihg_session_method_settings(const ihg_session *s, ihg_method_settings *set);
/* A method's problem at the current point (method.h) with these v and
 * direct term (kept by pointer): H and J^T u as above. */
void ihg_session_problem(ihg_session *s, const gsl_vector *v, const gsl_vector *direct,
                         ihg_hg_problem *pb);

#endif
