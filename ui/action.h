/* action.h - what the explorer can be asked to do.
 *
 * A key, a test and a script all speak in actions: an action code and its
 * arguments.  Keys give the relative forms (n: fewer terms, m: next
 * method); a script can also give the absolute ones (K 20, method cg,
 * alpha 0.3, outer 3).  No curses in here.
 *
 * Text form, one action, words separated by blanks (ihg_act_parse):
 *   play | pause | toggle            inner [N] | outer [N]
 *   fewer-terms | more-terms | K N   smaller-alpha | larger-alpha | alpha X
 *   best-alpha                       next-method | method NAME
 *   compare | reset | quit           log | accuracy | grey | help
 *   focus N | zoom [N] | unzoom      next-pane | prev-pane
 *   left | right | up | down         theme | redraw
 *   run | hypergrad                  inner-lr X | outer-lr X
 *   next-slide | prev-slide          slide N | replay
 *   reveal | choice N | notes        back | forward | live | branch
 *   export | save                    seeds [S]
 * N of `focus` and `zoom` is a pane number 1..6, as on the keyboard; N of
 * `slide` and `choice` counts from 1.
 */
#ifndef IHG_ACTION_H
#define IHG_ACTION_H

#include <stddef.h>

typedef enum {
    IHG_ACT_NONE = 0,
    IHG_ACT_QUIT,
    IHG_ACT_PLAY,        /* arg -1: toggle (space), 0: pause, 1: play   */
    IHG_ACT_INNER,       /* one inner step (i)                          */
    IHG_ACT_OUTER,       /* arg outer steps, shown unit by unit (o: 1)  */
    IHG_ACT_TERMS_DOWN,  /* n */
    IHG_ACT_TERMS_UP,    /* N */
    IHG_ACT_SET_TERMS,   /* arg = K                                     */
    IHG_ACT_ALPHA_DOWN,  /* a */
    IHG_ACT_ALPHA_UP,    /* A */
    IHG_ACT_SET_ALPHA,   /* value = alpha                               */
    IHG_ACT_BEST_ALPHA,  /* alpha = 2 / (eig_min + eig_max) of the last
                            comparison                                  */
    IHG_ACT_METHOD,      /* m: next method                              */
    IHG_ACT_SET_METHOD,  /* name = method name                          */
    IHG_ACT_COMPARE,     /* c */
    IHG_ACT_LOG,         /* l */
    IHG_ACT_ACCURACY,    /* v: losses pane shows accuracy / loss        */
    IHG_ACT_GREY,        /* s: image grey range 0..1 / per image        */
    IHG_ACT_RESET,       /* r */
    IHG_ACT_NEXT_PANE,   /* Tab */
    IHG_ACT_PREV_PANE,   /* Shift-Tab */
    IHG_ACT_PANE,        /* 1..6: focus; again: zoom (arg = pane id)    */
    IHG_ACT_ZOOM,        /* z, Enter: zoom / unzoom the focused pane;
                            arg >= 0 (scripts): zoom pane arg           */
    IHG_ACT_LEFT,
    IHG_ACT_RIGHT,
    IHG_ACT_UP,
    IHG_ACT_DOWN,
    IHG_ACT_HELP,        /* ? */
    IHG_ACT_THEME,       /* t: next colour theme                        */
    IHG_ACT_ESCAPE,      /* Esc: close help, unzoom                     */
    IHG_ACT_REDRAW,      /* Ctrl-L */
    IHG_ACT_RESIZE,      /* the terminal changed size                   */
    IHG_ACT_RUN,         /* outer steps to the last (outer.steps)       */
    IHG_ACT_TO_HYPERGRAD, /* the outer step under way up to its
                            hypergradient, before the update             */
    IHG_ACT_SET_INNER_LR, /* value = the inner learning rate            */
    IHG_ACT_SET_OUTER_LR, /* value = the outer learning rate            */
    /* a lesson (ihgtui-lesson(5)) */
    IHG_ACT_SLIDE_NEXT,  /* PgDn, right arrow                           */
    IHG_ACT_SLIDE_PREV,  /* PgUp, left arrow                            */
    IHG_ACT_SLIDE_GOTO,  /* g N Enter: arg = the slide, from 0          */
    IHG_ACT_REPLAY,      /* .: the slide again from its start           */
    IHG_ACT_REVEAL,      /* R: the question's answer                    */
    IHG_ACT_CHOICE,      /* p N: the class's choice, arg from 0         */
    IHG_ACT_NOTES,       /* !: the lecturer's notes (display)           */
    /* the history of the run (history.h) */
    IHG_ACT_SCRUB,       /* [ ]: arg -1 back, +1 forward one outer step,
                            0: back to the live run                     */
    IHG_ACT_BRANCH,      /* B: go on from the step on show (a branch)   */
    /* files */
    IHG_ACT_EXPORT,      /* e: the focused pane as SVG, PDF, PNG and the
                            screen as text and HTML                     */
    IHG_ACT_SAVE,        /* w: the settings as an experiment and as a
                            lesson that replays the run                 */
    IHG_ACT_SEEDS,       /* S: the S-seeds comparison (arg S, 0: the
                            default IHG_CTL_SEEDS); again: cancel it     */
    IHG_ACT_COUNT
} ihg_action;

typedef struct {
    ihg_action action;
    long arg;
    double value;
    char name[24];       /* IHG_ACT_SET_METHOD                          */
} ihg_act;

/* An action without arguments (arg 0, or -1 where 0 would mean
 * something: PLAY toggles, ZOOM acts on the focused pane). */
ihg_act ihg_act_make(ihg_action a);

/* Parse the text form (see above).  0 and *out set, or -1 with a message
 * in err (size errsize) naming what is wrong. */
int ihg_act_parse(const char *text, ihg_act *out, char *err, size_t errsize);

/* The text form of an action (parses back to the same action). */
void ihg_act_format(const ihg_act *a, char *buf, size_t size);

#endif
