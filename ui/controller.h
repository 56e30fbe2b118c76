/* controller.h - the explorer without a terminal: its state, its actions
 * and its work.
 *
 * A controller owns one session (one running experiment) and everything
 * the explorer adds to it: playing or paused, the comparison of every
 * method (ihg_compare_job, computed in slices and swapped in when
 * complete), the ||q_j|| of the solve under way, the paths of the 2-D
 * view, the --record file, the message line and the display state.
 *
 *   ctl = ihg_ctl_alloc(cfg);                 // loads data, builds the model
 *   ihg_ctl_handle(ctl, &act);                // a key, a test or a script
 *   while (ihg_ctl_busy(ctl))
 *       ihg_ctl_work(ctl, 0.030, stop, arg);  // one slice of units
 *   ihg_ctl_view(ctl, &view);                 // what the panes draw
 *   ihg_ctl_free(ctl);
 *
 * It includes no curses and never sleeps: the caller decides when to
 * draw, how long a slice is and what ends one early (a key waiting), and
 * honours the pacing hint.  One thread at a time may call it: the explorer
 * runs it on its engine thread (runner.h), tests call it directly.
 */
#ifndef IHG_CONTROLLER_H
#define IHG_CONTROLLER_H

#include <stdio.h>

#include "../src/config.h"
#include "../src/session.h"
#include "action.h"
#include "display.h"
#include "view.h"

typedef struct ihg_ctl ihg_ctl;

/* The explorer records the inner loop of each outer step (T P doubles,
 * trajectory.h) for its comparisons up to this many parameters, so that
 * `c` compares the explicit methods (unrolled, forward, fd) too; above
 * it only an explicit method in use records (ihgtui(1)). */
#define IHG_CTL_RECORD_MAX_P 2000

/* Key S: the experiment from this many initial weights side by side
 * (seeds.h), for as many outer steps as the live run has taken (at least
 * one), with its method, K and alpha; refused above IHG_CTL_SEEDS_MAX_P
 * parameters (S copies of the session: use --batch --seeds). */
#define IHG_CTL_SEEDS 5
#define IHG_CTL_SEEDS_MAX_P 100000

/* Build the session for a loaded configuration (cfg must outlive the
 * controller).  NULL on failure with the error recorded (ihg_error_*). */
ihg_ctl *ihg_ctl_alloc(const ihg_config *cfg);
/* A lesson (ihgtui-lesson(5); l must outlive the controller), on show from
 * slide `slide` (from 0): each slide's experiment is set up when first
 * needed, each slide starts exactly where the lesson says, and its actions
 * run as a script of the keys' actions (ihg_ctl_busy until they are done).
 * NULL with the error recorded. */
struct ihg_lesson;
ihg_ctl *ihg_ctl_alloc_lesson(const struct ihg_lesson *l, size_t slide);
void ihg_ctl_free(ihg_ctl *c);

/* The --record file: every outer step as a JSON line (the --batch
 * format).  The controller owns f from here and closes it in
 * ihg_ctl_close_record (or ihg_ctl_free). */
void ihg_ctl_set_record(ihg_ctl *c, FILE *f);
/* Close the record file (name: for the message): IHG_OK, or IHG_EWRITE with
 * "NAME: write error: REASON" recorded when a write or the close failed. */
int ihg_ctl_close_record(ihg_ctl *c, const char *name);

/* Do what the action asks (see action.h); display actions change the
 * controller's own display state.  Every call counts as a change of the
 * screen (ihg_ctl_serial) except an unknown action. */
void ihg_ctl_handle(ihg_ctl *c, const ihg_act *a);
/* The same for the text form of an action ("outer 3", "method cg"): 0, or
 * -1 with a message in err when the text is not an action. */
int ihg_ctl_do(ihg_ctl *c, const char *action, char *err, size_t errsize);

/* Work is waiting: playing, an outer step asked for, a comparison under
 * way. */
int ihg_ctl_busy(const ihg_ctl *c);

/* Pacing hint of ihg_ctl_work: a solve term was just computed; show it
 * (for IHG_CTL_PACE_MS) before the next. */
#define IHG_CTL_PACE 1u
#define IHG_CTL_PACE_MS 30

/* One slice of work: units of the session or of the comparison until
 * `slice` seconds have passed, a unit of the same kind would not fit, or
 * stop(arg) (may be NULL) returns non-zero; at least one unit.  Returns
 * IHG_CTL_PACE or 0. */
unsigned ihg_ctl_work(ihg_ctl *c, double slice, int (*stop)(void *), void *arg);

/* Work until nothing is waiting (a comparison, the outer steps asked for),
 * at most max_units units; for scripts and tests (playing is paused
 * first: it would never end).  Returns the units done. */
long ihg_ctl_settle(ihg_ctl *c, long max_units);

/* Quit was asked for. */
int ihg_ctl_quit(const ihg_ctl *c);

/* Changes whenever what the screen shows may have changed. */
unsigned long ihg_ctl_serial(const ihg_ctl *c);

/* Fill v for drawing.  Its pointers stay valid until the next call into
 * the controller. */
void ihg_ctl_view(ihg_ctl *c, ihg_view *v);

/* Compute the 2-D view's loss grid for frame f (what the pane wrote into
 * view.plane_want).  1 when a new grid was computed, 0 when it was there
 * already or there is no 2-D view; -1 when out of memory. */
int ihg_ctl_plane_grid(ihg_ctl *c, const ihg_plane_frame *f);

/* A message on the bottom line (role: ihg_role). */
void ihg_ctl_say(ihg_ctl *c, int role, int sticky, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const ihg_message *ihg_ctl_message(const ihg_ctl *c);

/* The display state and what its actions need. */
const ihg_display *ihg_ctl_display(const ihg_ctl *c);
const ihg_display_ctx *ihg_ctl_display_ctx(const ihg_ctl *c);

/* The session, for tests and benchmarks (read it between calls only). */
ihg_session *ihg_ctl_session(ihg_ctl *c);
/* The comparison on show (NULL: none yet). */
const ihg_comparison *ihg_ctl_comparison(const ihg_ctl *c);

#endif
