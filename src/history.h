/* history.h - every outer step of a run, kept to look at again (scrubbing)
 * and to go on from with other settings (branches).
 *
 *   h = ihg_history_alloc(s, IHG_HISTORY_BUDGET);  // s at its start
 *   ... after every outer step (IHG_EV_OUTER_DONE):
 *   ihg_history_capture(h, s, cmp);                // cmp: made at it, or NULL
 *   ihg_history_view(h, branch, k, &v);            // step k, at once
 *   ihg_history_restore(h, s, branch, k);          // s back at step k
 *   ihg_history_branch(h, s, branch, k);           // ... and a new branch
 *
 * What is kept of each step (a view): its record, lambda after its
 * update, its hypergradient, theta for small models (at most
 * IHG_HISTORY_THETA_MAX parameters), the settings in force after it and a
 * summary of a comparison made at it.  lambda and the hypergradient are
 * kept as doubles up to IHG_HISTORY_EXACT_MAX hyperparameters, in single
 * precision (7 significant digits) above: 16 or 8 bytes per
 * hyperparameter and step.
 *
 * The whole state of the session (session.h) is kept every `every`-th
 * step: every starts at 1 and doubles, dropping the checkpoints off the
 * new grid, whenever the checkpoints would pass the budget.  The start,
 * the state where a branch begins and the state after a restarted step
 * (record.restarted) are always kept, the budget notwithstanding.
 *
 * Restoring step k loads the nearest checkpoint at or before k on the
 * branch's lineage and recomputes the outer steps in between with the
 * settings each was made with; a recomputed record that differs from the
 * kept one (bit for bit, seconds aside) is an error.
 *
 * Branches: a branch starts at a step (its base) of its parent and holds
 * the steps after it; steps up to the base are the parent's.  After a
 * restore to a step before a branch's last, the next captured step
 * follows the branch when its record is the kept one (same settings) and
 * starts a new branch from there when it is not; ihg_history_branch()
 * starts one at once.
 */
#ifndef IHG_HISTORY_H
#define IHG_HISTORY_H

#include <stddef.h>

#include "compare.h"
#include "session.h"

/* Checkpoints' budget when none is asked for: 512 MiB. */
#define IHG_HISTORY_BUDGET (512.0 * 1048576.0)
/* Views keep lambda and the hypergradient as doubles up to this many. */
#define IHG_HISTORY_EXACT_MAX 65536
/* Views keep theta up to this many parameters. */
#define IHG_HISTORY_THETA_MAX 4096
/* The most branches. */
#define IHG_HISTORY_BRANCHES_MAX 64

typedef struct ihg_history ihg_history;

/* The settings in force after a step (what the next would be made with). */
typedef struct {
    const ihg_method_type *method;
    long K;
    double alpha, inner_lr, outer_lr;
} ihg_history_settings;

/* One step as it was.  Pointers are valid until the next call of
 * ihg_history_view or any change of the history. */
typedef struct {
    int branch;
    long step;                  /* 0: the start                             */
    const ihg_record *records;  /* the records of steps 1..step, in order   */
    size_t n_records;           /* = step                                   */
    const double *lambda;       /* after the step's update (Hn)             */
    const double *hypergrad;    /* the step's (zeros at the start)          */
    size_t n_hyper;
    int exact;                  /* 1: as computed; 0: single precision      */
    const double *theta;        /* after the step, NULL: not kept           */
    size_t n_theta;
    const ihg_comparison *cmp;  /* a comparison made at this step, or NULL  */
    ihg_history_settings settings;
} ihg_step_view;

typedef struct {
    int id, parent;             /* parent -1: the first branch              */
    long base;                  /* steps up to here are the parent's        */
    long last;                  /* its last step                            */
    char label[96];             /* how it was made: "cg K=20 alpha=0.1 ..." */
    /* lambda at its last step against the parent's at the same step (or
     * the parent's last when it stops earlier): ||difference||, and that
     * relative to ||lambda of the parent||; 0 for the first branch */
    double lambda_distance, lambda_distance_rel;
    long compared_at;           /* the parent's step they were taken at     */
} ihg_branch_info;

/* A history of s from where it is (between outer steps: its start, or a
 * later step whose records before are kept as records only; the steps
 * before cannot be viewed or restored); budget_bytes for the checkpoints
 * (<= 0: IHG_HISTORY_BUDGET).  NULL with the error recorded. */
ihg_history *ihg_history_alloc(ihg_session *s, double budget_bytes);
void ihg_history_free(ihg_history *h);
/* Forget everything and start again from where s is (after a reset). */
int ihg_history_reset(ihg_history *h, ihg_session *s);
/* The first step that can be viewed (where the history began). */
long ihg_history_first(const ihg_history *h);

/* Keep the outer step s just finished (s at a boundary, one step after the
 * history's position).  cmp (may be NULL): a comparison made at that step,
 * kept as a summary. */
int ihg_history_capture(ihg_history *h, ihg_session *s, const ihg_comparison *cmp);
/* Keep a comparison made at the position's step (replacing one kept). */
int ihg_history_attach_comparison(ihg_history *h, const ihg_comparison *cmp);

/* Step `step` (first..last) of a branch. */
int ihg_history_view(ihg_history *h, int branch, long step, ihg_step_view *v);
/* Put s back at step `step` of a branch (recomputing from a checkpoint);
 * the history's position becomes (branch, step). */
int ihg_history_restore(ihg_history *h, ihg_session *s, int branch, long step);
/* Restore, then start a new branch there: the steps captured next are its
 * own.  Returns the new branch's id (>= 0) or -1 with the error recorded. */
int ihg_history_branch(ihg_history *h, ihg_session *s, int branch, long step);

/* Where the session is: the branch (returned) and the step. */
int ihg_history_position(const ihg_history *h, long *step);
size_t ihg_history_n_branches(const ihg_history *h);
int ihg_history_branch_info(const ihg_history *h, int branch, ihg_branch_info *info);
long ihg_history_last(const ihg_history *h, int branch);
/* The record of step (1..last) on a branch's lineage, NULL outside. */
const ihg_record *ihg_history_record(const ihg_history *h, int branch, long step);

/* Memory held: by the views and by the checkpoints (bytes), how many
 * checkpoints, and the current spacing of the checkpoints. */
typedef struct {
    double view_bytes, checkpoint_bytes, budget;
    size_t checkpoints;
    long every;
} ihg_history_memory;
void ihg_history_memory_used(const ihg_history *h, ihg_history_memory *m);

#endif
