/* snapshot.h - a copy of a view that stays valid while the engine works.
 *
 * The controller's view points into the live session; the explorer's UI
 * thread cannot read that while the engine thread computes.  A snapshot
 * copies everything a view points to into buffers of its own, so it can
 * be rendered at any time.  Large parts (lambda and the hypergradient: 1.8
 * million values for fashion_overfit, the history, the comparison, the
 * 2-D view's grid) are copied only when their version in the view moved.
 */
#ifndef IHG_SNAPSHOT_H
#define IHG_SNAPSHOT_H

#include "view.h"

typedef struct {
    ihg_view v;                   /* points into the buffers below      */
    /* the buffers, and the versions they hold */
    ihg_record *hist;
    size_t hist_cap;
    unsigned long hist_version;
    gsl_vector *lambda, *hypergrad;
    unsigned long lambda_version, hypergrad_version;
    ihg_comparison *cmp;
    unsigned long cmp_version;
    double *qnorm;
    long qnorm_cap;
    double *lambda_path, *theta_path, *opt_path;
    size_t lambda_path_cap, theta_path_cap, opt_path_cap;
    double *grid;
    size_t grid_cap;
    double *aug_orig, *aug_img;   /* the augmented images' pairs        */
    size_t aug_orig_cap, aug_img_cap;
    ihg_plane_frame grid_frame;
    int have_grid;
    ihg_summary *lambda_summary, *hypergrad_summary;
    double *branch_val[IHG_VIEW_BRANCHES_MAX];
    size_t branch_cap[IHG_VIEW_BRANCHES_MAX];
    char branch_label[IHG_VIEW_BRANCHES_MAX][112];
    char message[600], stop_reason[600], cmp_progress[96], method_name[48];
    char seeds_progress[96];
    int valid;                    /* a copy has been taken              */
} ihg_snapshot;

void ihg_snapshot_init(ihg_snapshot *s);
void ihg_snapshot_free(ihg_snapshot *s);

/* Copy the view (as the controller filled it) into s, with the summaries
 * of lambda and the hypergradient when given (NULL: none).  IHG_OK, or
 * IHG_ENOMEM with s left as the last complete copy where possible. */
int ihg_snapshot_take(ihg_snapshot *s, const ihg_view *live, const ihg_summary *lsum,
                      const ihg_summary *gsum);

#endif
