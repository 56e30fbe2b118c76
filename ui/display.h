/* display.h - what the explorer shows and how: focus, zoom, scrolling,
 * axis and image scaling, the help overlay.
 *
 * The display state changes only how numbers are drawn, never the
 * numbers, so it can be changed at once while the engine is busy (the UI
 * thread owns it, see runner.h).  No curses in here.
 */
#ifndef IHG_DISPLAY_H
#define IHG_DISPLAY_H

#include <stddef.h>

#include "action.h"
#include "layout.h"

typedef struct {
    int log_y;        /* losses chart on a log axis                    */
    int show_acc;     /* losses pane: accuracy instead                 */
    int img_minmax;   /* images: grey per image min..max instead of the
                         fixed 0..1                                    */
    int focus, zoom;  /* pane ids; zoom -1: none                       */
    int scroll_x[IHG_PANE_COUNT], scroll_y[IHG_PANE_COUNT];
    int help;         /* help overlay shown                            */
    int notes;        /* the lesson's notes for the lecturer shown     */
} ihg_display;

/* What the display actions need to know about the experiment (fixed for
 * its lifetime). */
typedef struct {
    int available[IHG_PANE_COUNT]; /* which panes exist                 */
    int classifier;                /* accuracy can be shown             */
    int images;                    /* pane 6 shows distilled images     */
    int augmented;                 /* pane 6 shows training images beside
                                      their augmentations               */
    size_t n_lambda;               /* rows of the hyperparameter list   */
    int lesson;                    /* a lesson: the left and right arrows
                                      change slides (h and L scroll)    */
} ihg_display_ctx;

/* A line for the message row. */
typedef struct {
    char text[600];
    int role;         /* ihg_role */
    int sticky;       /* kept until something else replaces it         */
    double when;      /* set or cleared at (ihg_now(), seconds)        */
} ihg_message;

/* The start: losses focused, log axis, nothing zoomed. */
void ihg_display_init(ihg_display *d);

/* Whether an action only changes the display. */
int ihg_action_is_display(ihg_action a);

/* Apply a display action (ihg_action_is_display).  When it has something
 * to say, msg->text is set (else left ""). */
void ihg_display_handle(ihg_display *d, const ihg_display_ctx *ctx, const ihg_act *a,
                        ihg_message *msg);

#endif
