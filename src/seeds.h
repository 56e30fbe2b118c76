/* seeds.h - one experiment from S initial weights side by side (--seeds,
 * and the explorer's key S): the spread of losses, solutions and
 * hypergradients across them, and warm against cold retraining with the
 * learned hyperparameters (seeds.c). */
#ifndef IHG_SEEDS_H
#define IHG_SEEDS_H

#include <stdio.h>

#include "config.h"
#include "method.h"

/* The most runs side by side. */
#define IHG_SEEDS_MAX 1000

/* mean, sd (n - 1), min and max of one number over the runs */
typedef struct {
    double mean, sd, min, max;
} ihg_seeds_stat;

/* The S runs at one outer step, where each has its hypergradient and
 * before the update. */
typedef struct {
    long outer;                  /* 1-based                               */
    long S;
    unsigned long base;          /* init_seed of run 0 (then base + 1, ...) */
    ihg_seeds_stat val_loss, train_loss;
    /* pairwise ||theta_i - theta_j||: mean, max, and mean / mean ||theta_i|| */
    double dist_mean, dist_max, dist_rel;
    /* the hypergradient of the runs' method ("mine") and of the other kind
     * (an IFT method against unrolled): pairwise cosines, mean norm */
    char mine[24], other[24];    /* their method names                    */
    int mine_ift;                /* mine is an IFT method                 */
    double mine_cos_mean, mine_cos_min, mine_norm;
    int other_ok;                /* 0: the other could not be computed    */
    double other_cos_mean, other_cos_min, other_norm;
    ihg_seeds_stat ift_vs_unrolled; /* per run, the cosine of the two     */
} ihg_seeds_spread;

/* After the last outer step each run trains once more with its final
 * lambda, warm (from where it is) and cold (from its theta_0). */
typedef struct {
    long S;
    int have_test;
    ihg_seeds_stat val_warm, val_cold, test_warm, test_cold;
} ihg_seeds_retrain;

/* The same in small units, so an interactive caller can redraw between
 * them.  S >= 2 copies of cfg (which must outlive the job) with init_seed
 * = base, base + 1, ... (base: init_seed when given, else seed), run for
 * `outer` outer steps (0: cfg's outer.steps), then retrained warm and
 * cold.  method (NULL: cfg's), K (< 0: cfg's) and alpha (<= 0: cfg's) are
 * the settings of the runs' hypergradient.  NULL with the error
 * recorded. */
typedef struct ihg_seeds_job ihg_seeds_job;
ihg_seeds_job *ihg_seeds_job_alloc(const ihg_config *cfg, long S, long outer,
                                   const ihg_method_type *method, long K, double alpha);
void ihg_seeds_job_free(ihg_seeds_job *j);

/* Events of ihg_seeds_job_step. */
enum {
    IHG_SEEDS_SPREAD = 1u << 0,  /* a spread is ready (ihg_seeds_job_spread) */
    IHG_SEEDS_DONE = 1u << 1     /* the retraining is ready: the job is done */
};
/* One unit: one unit of work of one run (an inner step, a Hessian-vector
 * product, the update), one unit of the other hypergradient, the spread,
 * or the allocation of a cold run.  IHG_OK with *events, or an error with
 * the message recorded (IHG_EDIVERGE: a run stopped, "run with init_seed
 * N stopped at outer step M: ..."). */
int ihg_seeds_job_step(ihg_seeds_job *j, unsigned *events);
/* The last spread (NULL before the first) and the retraining (NULL until
 * done). */
const ihg_seeds_spread *ihg_seeds_job_spread(const ihg_seeds_job *j);
const ihg_seeds_retrain *ihg_seeds_job_retrain(const ihg_seeds_job *j);
/* Where it is, for people: "run 2/5, outer 1/3", "cold retrain 3/5". */
void ihg_seeds_job_progress(const ihg_seeds_job *j, char *buf, size_t size);

/* Run the job to its end, writing one JSON line per outer step and a last
 * "cold_retrain" line to out.  Returns the exit status of ihg_batch_run's
 * convention (0, 1, 2, 3). */
int ihg_seeds_run(const ihg_config *cfg, long S, FILE *out);

#endif
