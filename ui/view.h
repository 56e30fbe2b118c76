/* view.h - what the panes draw: a snapshot of the session plus the
 * explorer's own display state.
 *
 * tui.c fills it from the session between units of work; the panes only
 * read it.  Keeping the panes off the session lets tests and the frame
 * benchmark render a full screen from a made-up view, without a terminal
 * or an engine.  Every number in it comes from the engine.
 */
#ifndef IHG_VIEW_H
#define IHG_VIEW_H

#include <gsl/gsl_vector.h>

#include "../models/model.h"
#include "../src/compare.h"
#include "../src/session.h"
#include "canvas.h"
#include "layout.h"

typedef struct {
    /* the experiment */
    const char *name;
    unsigned long seed;
    const char *model_kind;
    size_t P, Hn;
    const ihg_hyper_layout *layout; /* segments of lambda (names, owners)  */
    long exact_max;

    /* progress */
    long outer_done, outer_total;  /* records so far, outer.steps       */
    long inner_all;                /* inner steps in all                */
    ihg_phase phase;
    const char *phase_name;
    long prog_done, prog_total;    /* ihg_session_progress               */

    /* settings */
    const char *method_name;
    const ihg_method_type *method;
    long terms;
    double alpha;
    int running;                   /* playing                           */
    const char *message;           /* last message, "" when none        */
    int message_role;              /* ihg_role                          */
    const char *stop_reason;       /* ihg_session_message when stopped  */

    /* history */
    const ihg_record *hist;
    size_t nhist;

    /* the current point */
    const gsl_vector *lambda, *hypergrad, *theta;
    unsigned long point_version;   /* changes whenever lambda or the
                                      hypergradient may have changed, so
                                      panes may cache what they derive from
                                      them; 0: unknown, derive every frame */
    unsigned long lambda_version;  /* the same for lambda alone and for  */
    unsigned long hypergrad_version; /* the hypergradient alone (0: use
                                      point_version)                    */

    /* the comparison at the point before outer step cmp_outer's update */
    const ihg_comparison *cmp;     /* NULL: none yet                    */
    long cmp_outer;                /* -1: at the current point           */
    int cmp_stale;                 /* settings or point changed since   */
    double cmp_ms;                 /* how long it took                  */
    int cmp_auto;                  /* recomputed after each outer step  */
    const char *cmp_progress;      /* a comparison is running: "Neumann K
                                      12/30" etc.; NULL otherwise        */

    /* the solve in progress (SOLVE and HYPERGRAD phases; n_qnorm 0 else):
     * ||q_j|| of the partial sums so far, oldest first, j = 1..n_qnorm */
    const double *qnorm;
    long n_qnorm;
    double vnorm;                  /* ||v|| = ||dL_V/dtheta|| of that solve */

    /* the 2-D view (quadratic model only; model NULL otherwise) */
    ihg_model *model;
    const ihg_dataset *ds;
    const double *lambda_path;     /* Hn values per outer step, oldest first */
    size_t n_lambda_path;
    const double *theta_path;      /* 2 values per outer step            */
    size_t n_theta_path;
    const double *target;          /* validation optimum t (2 values)   */

    /* the distilled images (model kind distill on image data; img_k 0
     * otherwise): lambda holds img_k images of img_rows x img_cols
     * pixels, image c at lambda[c rows cols ..], row-major */
    size_t img_k, img_rows, img_cols;
    int img_fashion;               /* Fashion-MNIST: class names        */

    /* display state */
    int log_y;                     /* losses chart on a log axis        */
    int show_acc;                  /* losses pane: accuracy instead     */
    int img_minmax;                /* images: grey per image min..max
                                      instead of the fixed 0..1         */
    int focus, zoom;               /* pane ids; zoom -1: none           */
    int scroll_x[IHG_PANE_COUNT], scroll_y[IHG_PANE_COUNT];
    int help;                      /* help overlay shown                */
    int theme_contrast;            /* for the legend text only          */
} ihg_view;

/* Fill the fields that come straight from the session (experiment,
 * progress, settings, history, the current point).  Display state, the
 * message, the comparison and the 2-D paths are the caller's. */
void ihg_view_from_session(ihg_view *v, const ihg_session *s);
/* Which panes exist for this model (pane 6: the 2-D view for the
 * quadratic, the distilled images for distill on image data). */
void ihg_view_available(const ihg_model *m, const ihg_dataset *ds, int *available);
/* The image geometry of a distill model on image data: 1 and the fields
 * set, else 0 (img_k = 0). */
int ihg_view_images(ihg_view *v, const ihg_model *m, const ihg_dataset *ds);
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
/* Fashion-MNIST's class names (10), for labels. */
extern const char *const ihg_fashion_classes[10];
void ihg_help_overlay(ihg_canvas *cv, const ihg_view *v);

/* The frame of pane id in r; returns the inner rectangle. */
ihg_rect ihg_pane_frame(ihg_canvas *cv, ihg_rect r, const ihg_view *v,
                        ihg_pane_id id, const char *extra);

/* Render a whole frame for a w x h screen into cv (resized as needed).
 * available: which panes exist (layout.h). */
void ihg_render(ihg_canvas *cv, const ihg_view *v, const int *available);

#endif
