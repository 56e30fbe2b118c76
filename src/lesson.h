/* lesson.h - a lesson: slides over experiments, read from YAML
 * (ihgtui-lesson(5)).
 *
 * A lesson is a storyboard: each slide has a title, a caption, the
 * experiment it runs (a file, a mapping written inline, or the previous
 * slide's with some keys changed by `set:`), actions to play (the ones the
 * explorer's keys perform: outer steps, method, K, alpha, compare, focus
 * or zoom a pane, ...), lecturer notes and an optional question whose
 * answer the engine computes live on reveal.
 *
 * A slide with `experiment:` or `set:` starts a fresh run of its
 * experiment; a slide without goes on from where the previous one ended
 * (its actions, and its question's reveal, played).  So every slide's
 * starting state follows from the file and the seeds alone.
 *
 * Everything is checked when the lesson is read, each experiment included:
 * every message is "FILE:LINE:COLUMN: what is wrong".
 */
#ifndef IHG_LESSON_H
#define IHG_LESSON_H

#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "config.h"
#include "session.h"

#define IHG_LESSON_SLIDES_MAX 64
#define IHG_LESSON_ACTIONS_MAX 64
#define IHG_LESSON_CHOICES_MAX 9
#define IHG_LESSON_CAPTION_LINES 4
#define IHG_LESSON_TEXT_MAX 2000   /* bytes of a caption, notes, a question */

/* What an action does (its text form in the file after the colon). */
typedef enum {
    IHG_LESSON_OUTER = 0,  /* outer [N]       N outer steps (1)               */
    IHG_LESSON_INNER,      /* inner [N]       N inner steps (1)               */
    IHG_LESSON_RUN,        /* run             to the last outer step          */
    IHG_LESSON_HYPERGRAD,  /* hypergrad       the outer step under way up to its
                                              hypergradient (before the update
                                              of lambda: where --batch
                                              --compare compares)            */
    IHG_LESSON_TERMS,      /* K N             Neumann terms / CG iterations   */
    IHG_LESSON_ALPHA,      /* alpha X         the Neumann step                */
    IHG_LESSON_BEST_ALPHA, /* best-alpha      alpha* = 2/(l_min + l_max) of a
                                              comparison (made if needed)    */
    IHG_LESSON_METHOD,     /* method NAME     the hypergradient method        */
    IHG_LESSON_INNER_LR,   /* inner-lr X      the inner learning rate         */
    IHG_LESSON_OUTER_LR,   /* outer-lr X      the outer learning rate         */
    IHG_LESSON_COMPARE,    /* compare         every method at this point      */
    IHG_LESSON_RESET,      /* reset           back to the run's start         */
    IHG_LESSON_FOCUS,      /* focus PANE      (the explorer only)             */
    IHG_LESSON_ZOOM,       /* zoom PANE                                       */
    IHG_LESSON_UNZOOM,     /* unzoom                                          */
    IHG_LESSON_LOG,        /* log on|off      the losses chart's log axis     */
    IHG_LESSON_ACCURACY,   /* accuracy on|off the losses pane's accuracies    */
    IHG_LESSON_VERBS
} ihg_lesson_verb;

/* The explorer's panes, as a lesson names them (the explorer's order). */
enum {
    IHG_LESSON_PANE_LOSSES = 0,
    IHG_LESSON_PANE_HYPER,
    IHG_LESSON_PANE_ERRORS,   /* Neumann & CG against the reference */
    IHG_LESSON_PANE_SPECTRUM,
    IHG_LESSON_PANE_THEORY,
    IHG_LESSON_PANE_VIEW,     /* the 2-D view or the distilled images */
    IHG_LESSON_PANES
};

typedef struct {
    ihg_lesson_verb verb;
    long n;                   /* steps, K, pane, on (1) / off (0)       */
    double x;                 /* alpha, learning rate                   */
    const struct ihg_method_type *method;
    ihg_mark mark;
    char text[64];            /* the action as written, normalised      */
} ihg_lesson_action;

/* What a question's answer is: a number (or yes/no) the engine computes. */
typedef enum {
    IHG_ANSWER_RECORD = 0,    /* a field of the last record: val_acc ...    */
    IHG_ANSWER_RHO,           /* rho(I - alpha H)                           */
    IHG_ANSWER_KAPPA,         /* lambda_max / lambda_min                    */
    IHG_ANSWER_BEST_ALPHA,    /* alpha* = 2 / (lambda_min + lambda_max)     */
    IHG_ANSWER_EIG_MIN,
    IHG_ANSWER_EIG_MAX,
    IHG_ANSWER_UNSTABLE,      /* eigenvalues outside 0 < alpha lambda < 2   */
    IHG_ANSWER_CONVERGES,     /* yes / no: rho < 1                          */
    IHG_ANSWER_ERROR,         /* error METHOD: its relative error at K      */
    IHG_ANSWER_TERMS_FOR,     /* terms-for E: the least Neumann K with a
                                 relative error <= E (within compare_max)   */
    IHG_ANSWER_ITERS_FOR,     /* iters-for E: the same for CG              */
    IHG_ANSWER_HYPERGRAD,     /* hypergrad I: entry I of the hypergradient  */
    IHG_ANSWER_LAMBDA         /* lambda I                                   */
} ihg_answer_kind;

typedef struct {
    char *ask;
    char *choices[IHG_LESSON_CHOICES_MAX];
    size_t n_choices;
    ihg_answer_kind kind;
    size_t record_field;      /* IHG_ANSWER_RECORD: offset in ihg_record    */
    double arg;               /* E of terms-for / iters-for                 */
    long index;               /* I of hypergrad / lambda                    */
    const struct ihg_method_type *method; /* error METHOD                  */
    char answer[64];          /* the answer as written, normalised          */
    unsigned hide;            /* bit p: pane p shows ? until the reveal     */
    ihg_lesson_action *reveal;
    size_t n_reveal;
    ihg_mark mark;
} ihg_lesson_question;

typedef struct {
    char *title, *caption, *notes;   /* caption and notes may be NULL */
    ihg_mark mark;
    size_t config;            /* index into the lesson's configs          */
    int fresh;                /* starts a new run of its experiment       */
    ihg_lesson_action *actions;
    size_t n_actions;
    ihg_lesson_question *question;   /* NULL: none                        */
} ihg_lesson_slide;

typedef struct ihg_lesson {
    char *path;               /* the file, "<built-in>" for the default   */
    char *title;              /* `lesson:`, or the file's name            */
    ihg_lesson_slide *slides;
    size_t n_slides;
    ihg_config *configs;      /* the slides' experiments                   */
    size_t n_configs;
} ihg_lesson;

/* Whether text (a YAML file's contents) is a lesson: a mapping with the
 * key `slides` at the top level.  0 for anything else, even broken YAML
 * (the experiment loader then says what is wrong). */
int ihg_lesson_recognise(const char *text, size_t len);
/* The same for a file (0 when it cannot be read). */
int ihg_lesson_file(const char *path);

/* Read and check a lesson; overrides (--set, may be NULL) go on top of
 * every slide's experiment.  IHG_OK, or an error with its located message
 * recorded; l is freeable either way. */
int ihg_lesson_load(ihg_lesson *l, const char *path, char *const *overrides);
int ihg_lesson_load_string(ihg_lesson *l, const char *name, const char *text, size_t len,
                           char *const *overrides);
void ihg_lesson_free(ihg_lesson *l);

/* An action in its text form ("outer 3", "method cg", "focus spectrum"),
 * as in a lesson's actions: IHG_OK, or IHG_EINVAL with the reason in err. */
int ihg_lesson_parse_action(const char *text, ihg_lesson_action *a, char *err,
                            size_t errsize);
/* The panes' names, as a lesson writes them ("losses", ...). */
const char *ihg_lesson_pane_name(int pane);
/* Whether an action changes the run (not only the display). */
int ihg_lesson_action_changes_run(const ihg_lesson_action *a);

/* The built-in lesson (YAML text), used when no file is given; shipped as
 * experiments/lesson_ift.yaml. */
extern const char ihg_default_lesson[];

/* ---- saving where a run is (lesson_save.c) ------------------------ */

/* A lesson of one slide (or more, for a long history) that reproduces
 * where s is: its experiment written inline (ihg_config_write), then the
 * actions that took it there -- the settings each outer step was made
 * with, read from its records, the outer steps, the settings now and the
 * step under way.  Opened, it shows the same numbers; played headless, it
 * computes them again.  IHG_OK or IHG_EWRITE. */
int ihg_lesson_save(const ihg_session *s, FILE *out);
/* The experiment of s with its settings now (method, K, alpha, learning
 * rates), as an experiment file: it starts from the beginning. */
int ihg_experiment_save(const ihg_session *s, FILE *out);

/* ---- answers ------------------------------------------------------- */

typedef struct {
    double value;             /* the number (converges: 1 yes, 0 no)      */
    int yes_no;               /* a yes / no answer                        */
    int choice;               /* the right choice (index), -1: none       */
    char text[64];            /* for people: "7", "yes", "0.0123", ...    */
    char why[160];            /* when there is no number: why             */
} ihg_lesson_answer;

/* Whether the question's answer needs a comparison at the current point. */
int ihg_lesson_needs_comparison(const ihg_lesson_question *q);
/* The answer at the session's current state and the comparison c made
 * there (NULL when none).  IHG_OK; value NaN with `why` when the number
 * does not exist (no record yet, K never reached, ...). */
int ihg_lesson_answer_of(const ihg_lesson_question *q, const ihg_session *s,
                         const ihg_comparison *c, ihg_lesson_answer *a);

#endif
