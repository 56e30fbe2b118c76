/* trajectory.h - what the inner loop did, step by step, for methods that
 * differentiate through it.
 *
 * Step t of an outer step's inner loop (t = 0 .. T-1) moved theta_t (and,
 * for momentum, the buffer m_t) to theta_{t+1} on the minibatch B_t with
 * step size lr_t and momentum mu_t.  When recording is on, the session
 * stores before each step theta_t and m_t, and after it B_t (as row indices
 * into the training set; none for the whole set), lr_t and mu_t; at the end
 * of the loop, m_T.
 *
 * Checkpointing (every > 1) keeps theta_t and m_t only for t = 0, every,
 * 2 every, ...: a reverse pass recomputes the others from the nearest
 * checkpoint before them (the same steps again), so memory is about
 * (T / every + every) P instead of T P; every = ceil(sqrt T) minimizes it.
 * Everything is allocated up front for a known number of steps: recording
 * never allocates.
 */
#ifndef IHG_TRAJECTORY_H
#define IHG_TRAJECTORY_H

#include <stddef.h>

#include <gsl/gsl_vector.h>

typedef struct ihg_trajectory ihg_trajectory;

/* Room for `steps` steps of P parameters with minibatches of `batch` rows
 * (0: every step uses the whole training set); momentum: also the buffers
 * m_t; every: keep theta_t (and m_t) for t a multiple of every (1: all).
 * NULL with the error recorded (IHG_ENOMEM, or IHG_ELIMIT above
 * max_bytes). */
ihg_trajectory *ihg_trajectory_alloc(size_t P, long steps, size_t batch, int momentum,
                                     long every, double max_bytes);
void ihg_trajectory_free(ihg_trajectory *tr);
/* Forget every step (a new inner loop). */
void ihg_trajectory_clear(ihg_trajectory *tr);

/* Step t = len begins at theta (and momentum buffer m, NULL when there is
 * none: zeros), copied when t is a checkpoint.  IHG_ELIMIT when full. */
int ihg_trajectory_begin(ihg_trajectory *tr, const gsl_vector *theta, const gsl_vector *m);
/* ... and ends: its minibatch rows (batch entries; NULL for the whole set)
 * and its step size and momentum. */
void ihg_trajectory_end(ihg_trajectory *tr, const size_t *rows, double lr,
                        double momentum);
/* The loop is over: m_T, the buffer after the last step (NULL: zeros). */
void ihg_trajectory_finish(ihg_trajectory *tr, const gsl_vector *m);

long ihg_trajectory_len(const ihg_trajectory *tr);     /* completed steps T */
long ihg_trajectory_capacity(const ihg_trajectory *tr);
long ihg_trajectory_every(const ihg_trajectory *tr);   /* checkpoint interval */
int ihg_trajectory_has_momentum(const ihg_trajectory *tr);
/* Whether theta_t (and m_t) are stored: t a multiple of every (and t < T),
 * or t = T for m_T after finish. */
int ihg_trajectory_stored(const ihg_trajectory *tr, long t);
/* theta_t: P doubles in the record (gsl_vector_const_view_array makes a
 * vector of them); NULL when not stored. */
const double *ihg_trajectory_theta(const ihg_trajectory *tr, long t);
/* m_t for a stored t, or m_T (t = T): P doubles; NULL without momentum. */
const double *ihg_trajectory_m(const ihg_trajectory *tr, long t);
/* The rows of step t's minibatch, or NULL for the whole training set. */
const size_t *ihg_trajectory_rows(const ihg_trajectory *tr, long t);
size_t ihg_trajectory_batch(const ihg_trajectory *tr);
double ihg_trajectory_lr(const ihg_trajectory *tr, long t);
double ihg_trajectory_momentum(const ihg_trajectory *tr, long t);
/* Memory held, in bytes. */
double ihg_trajectory_bytes(const ihg_trajectory *tr);
/* The bytes a trajectory with these sizes would hold. */
double ihg_trajectory_size(size_t P, long steps, size_t batch, int momentum, long every);

#endif
