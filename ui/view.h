/* view.h - what the panes draw: numbers from the engine, the explorer's
 * settings and messages, and the display state.
 *
 * The controller fills it (ihg_ctl_view); the panes only read it.  Every
 * number in it comes from the engine; the view holds plain values and
 * arrays, so tests and the frame benchmark can render a whole screen from
 * a made-up view, without a terminal or an engine, and the UI thread can
 * render a copy while the engine computes.
 */
#ifndef IHG_VIEW_H
#define IHG_VIEW_H

#include <gsl/gsl_vector.h>

#include "../src/compare.h"
#include "../src/lesson.h"
#include "../src/seeds.h"
#include "../src/session.h"
#include "canvas.h"
#include "display.h"
#include "layout.h"
#include "summary.h"

/* A grid of the theta plane: point (i, j) is theta = (x0 + i step,
 * y0 + (ny - 1 - j) step), row j = 0 at the top; for lambda_version. */
typedef struct {
    double x0, y0, step;
    int nx, ny;
    unsigned long lambda_version;
} ihg_plane_frame;

/* Pane 6 for a model of two parameters (src/plane.h): what it draws. */
typedef struct {
    int on;                        /* the 2-D view exists                */
    size_t n_lambda;               /* the model's hyperparameters: 1, 2  */
    double lambda[2];              /* they, now                          */
    double hypergrad[2];           /* their hypergradient                */
    double theta[2];               /* the iterate                        */
    double opt[2];                 /* theta*(lambda) now (NaN: none)     */
    double target[2];              /* validation target t (NaN: none)    */
    double data_opt[2];            /* optimum c of the data term          */
    /* per outer step, oldest first: n_lambda values of the model's
     * lambda, 2 of theta and 2 of theta*(lambda) (NaN where none) */
    const double *lambda_path, *theta_path, *opt_path;
    size_t n_path;
    /* L_T(., lambda) over grid_frame, row-major (NULL: not computed) */
    const double *grid;
    ihg_plane_frame grid_frame;
} ihg_plane_view;

/* A lesson on show (lesson.on): what the caption bar and a question
 * draw.  The strings are the lesson's (they live as long as it). */
typedef struct {
    int on;
    const char *title;             /* the lesson's                      */
    size_t slide, n_slides;        /* slide from 0                      */
    const char *slide_title, *caption, *notes; /* caption, notes: NULL  */
    const ihg_lesson_question *q;  /* NULL: no question                 */
    int playing;                   /* the slide's actions still run      */
    int choice;                    /* the class's choice, -1: none       */
    int revealing;                 /* the reveal's actions run           */
    int revealed;                  /* the answer is known                */
    char answer[64];               /* as the engine computed it          */
    char why[160];                 /* when there is no number            */
    int correct;                   /* the right choice, -1: none         */
    unsigned hidden;               /* bit p: pane p shows ? (until the
                                      reveal)                            */
} ihg_lesson_view;

/* The history on show (history.h): a step of the past, or the live run. */
#define IHG_VIEW_BRANCHES_MAX 8
typedef struct {
    int id, parent, live;
    long base, last, at;           /* at: where dist is taken (-1: none) */
    double dist, rel;              /* ||lambda - the parent's||, relative */
    char label[96];                /* how it was made                     */
} ihg_view_branch;
typedef struct {
    long step;                     /* -1: the live run                   */
    long last;                     /* the last step kept                 */
    int branch, n_branches;        /* where the live run is              */
    /* the other branches, for the losses chart: their validation losses
     * at steps 1..n (NaN before their base: the shared part is drawn
     * once), a label each */
    const double *branch_val[IHG_VIEW_BRANCHES_MAX];
    size_t branch_n[IHG_VIEW_BRANCHES_MAX];
    const char *branch_label[IHG_VIEW_BRANCHES_MAX];
    int n_drawn;
    /* every branch (up to IHG_VIEW_BRANCHES_MAX): how it was made, where
     * it parts from its parent, how far its lambda went from the parent's
     * (history.h, ihg_branch_info) */
    ihg_view_branch listed[IHG_VIEW_BRANCHES_MAX];
    int n_listed;
} ihg_view_history;

typedef struct {
    /* the experiment */
    int quit;                      /* the explorer is asked to end      */
    const char *name;
    unsigned long seed;
    const char *model_kind;
    size_t P, n_lambda;            /* parameters, hyperparameters        */
    const ihg_hyper_layout *layout; /* segments of lambda (names, owners) */
    long exact_max;

    /* progress */
    long outer_done, outer_total;  /* records so far, outer.steps       */
    long inner_all;                /* inner steps in all                */
    ihg_phase phase;
    const char *phase_name;
    long prog_done, prog_total;    /* ihg_session_progress               */

    /* settings */
    const ihg_method_type *method; /* the method table's entry           */
    const char *method_name;
    long terms;
    double alpha;
    int running;                   /* playing                           */
    const char *message;           /* last message, "" when none        */
    int message_role;              /* ihg_role                          */
    int message_sticky;            /* stays until replaced              */
    double message_when;           /* set or cleared at (ihg_now())     */
    const char *stop_reason;       /* ihg_session_message when stopped  */

    /* history (hist_version changes when it starts again: reset) */
    const ihg_record *hist;
    size_t nhist;
    unsigned long hist_version;

    /* the current point */
    const gsl_vector *lambda, *hypergrad;
    unsigned long point_version;   /* changes whenever lambda or the
                                      hypergradient may have changed, so
                                      panes may cache what they derive from
                                      them; 0: unknown, derive every frame */
    unsigned long lambda_version;  /* the same for lambda alone and for  */
    unsigned long hypergrad_version; /* the hypergradient alone (0: use
                                      point_version)                    */
    /* their summaries (above 30 hyperparameters), derived off the UI
     * thread; NULL: the pane derives them itself */
    const ihg_summary *lambda_summary, *hypergrad_summary;

    /* the comparison at the point before outer step cmp_outer's update */
    const ihg_comparison *cmp;     /* NULL: none yet                    */
    unsigned long cmp_version;     /* changes with what cmp points to   */
    long cmp_outer;                /* -1: at the current point           */
    long cmp_done;                 /* outer steps done when it was made  */
    int cmp_moved;                 /* theta or lambda moved since: its
                                      numbers are of an earlier point   */
    int cmp_stale;                 /* settings or point changed since   */
    double cmp_ms;                 /* how long it took                  */
    int cmp_auto;                  /* recomputed after each outer step  */
    const char *cmp_progress;      /* a comparison is running: "Neumann K
                                      12/30" etc.; NULL otherwise        */

    /* the explicit methods (unrolled, forward, fd): the inner loop as
     * they differentiate it, and what its record holds */
    int recording;                 /* the inner loop is recorded         */
    long record_max_p;             /* the explorer records it up to this
                                      P (IHG_CTL_RECORD_MAX_P; 0: a lesson
                                      records always)                   */
    double hg_bytes;               /* ihg_session_hypergrad_bytes        */
    const ihg_inner_type *inner_type; /* cfg inner.optimizer             */
    double inner_lr, inner_momentum; /* as the next inner loop runs     */
    long inner_steps, inner_batch; /* T (0: to a tolerance); 0: full batch */
    int warm_start;
    int checkpoint;                /* hypergrad.checkpoint               */

    /* the seeds comparison (key S): state 0 none, 1 running (spread: the
     * last outer step's so far, when have_spread), 2 done */
    int seeds_state;
    const char *seeds_progress;    /* running: "run 2/5, outer 1/3"      */
    long seeds_S, seeds_outer;     /* runs, outer steps each             */
    int seeds_have_spread;
    ihg_seeds_spread seeds;        /* at the last outer step             */
    ihg_seeds_retrain seeds_retrain; /* state 2                          */

    /* the solve in progress (SOLVE and HYPERGRAD phases; n_qnorm 0 else):
     * ||q_j|| of the partial sums so far, oldest first, j = 1..n_qnorm */
    const double *qnorm;
    long n_qnorm;
    double vnorm;                  /* ||v|| = ||dL_V/dtheta|| of that solve */

    /* pane 6 as the 2-D view (plane.on), and where it writes the grid it
     * needs when plane.grid does not match (NULL: nobody asks) */
    ihg_plane_view plane;
    ihg_plane_frame *plane_want;

    /* pane 6 as the distilled images (img_k 0 otherwise): lambda holds
     * img_k images of img_rows x img_cols pixels, image c at
     * lambda[c rows cols ..], row-major; class_names: img_k names or NULL */
    size_t img_k, img_rows, img_cols;
    const char *const *class_names;
    /* pane 6 as the augmented images (a family with IHG_MODEL_AUGMENTS on
     * image data; aug_n 0 otherwise): aug_n training images (aug_orig)
     * and what the model trains on in their place (aug_img), img_rows x
     * img_cols each, row-major one after the other; aug_draw says when they
     * were made ("now": at the current lambda and the last noise draw) */
    size_t aug_n;
    const double *aug_orig, *aug_img;
    const char *aug_draw;

    /* how it is shown; disp_serial changes when the controller sets the
     * display itself (a lesson's slide), which the UI then takes, with
     * dctx (what the display actions need: it changes with the slide's
     * experiment) */
    ihg_display disp;
    unsigned long disp_serial;
    ihg_display_ctx dctx;

    ihg_lesson_view lesson;
    ihg_view_history history;
    /* the run's input files, never written over (NULL-terminated) */
    const char *const *inputs;
} ihg_view;

/* Name of pane 6 for this view ("2-D view" or "Distilled images"). */
const char *ihg_view_pane_name(const ihg_view *v, ihg_pane_id id);

/* Panes: each draws its frame (title, focus) and its content in r. */
void ihg_pane_status(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_hints(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_loss(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_hyper(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_neumann(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_spectrum(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_theory(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_2d(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_images(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_pane_augment(ihg_canvas *cv, ihg_rect r, const ihg_view *v);
void ihg_help_overlay(ihg_canvas *cv, const ihg_view *v);

/* The frame of pane id in r; returns the inner rectangle. */
ihg_rect ihg_pane_frame(ihg_canvas *cv, ihg_rect r, const ihg_view *v,
                        ihg_pane_id id, const char *extra);

/* Render a whole frame for a w x h screen into cv (resized as needed).
 * available: which panes exist (layout.h). */
void ihg_render(ihg_canvas *cv, const ihg_view *v, const int *available);
/* The rows a lesson's caption bar takes on a w x h screen (0: none). */
int ihg_render_bar_rows(const ihg_view *v, int w, int h);

#endif
