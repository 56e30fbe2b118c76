/* runner.h - the explorer's engine on a thread of its own.
 *
 * The engine thread owns the controller: it takes the actions the UI
 * thread sends, runs the controller's work in slices and publishes a
 * snapshot of its view after each.  The UI thread never waits for a unit
 * of work: it applies display actions (focus, zoom, scrolling, log axis,
 * help) to its own display state at once, queues every other action for
 * the engine (taken after the unit under way), and renders the latest
 * snapshot whenever it likes.
 *
 *   ihg_runner *r = ihg_runner_start(ctl, wake_fd);  // the thread starts
 *   ihg_runner_send(r, &act);                         // from keys, scripts
 *   if (ihg_runner_render(r, canvas)) paint(canvas);  // the latest state
 *   ihg_runner_stop(r);                               // after its unit
 *   ihg_runner_free(r);                               // ctl is the caller's again
 *
 * Locks: one for the action queue (held for pointer-sized moments), one
 * for the snapshot (the engine copies into it only when it can take it
 * without waiting; the UI holds it while rendering).  No curses in here.
 */
#ifndef IHG_RUNNER_H
#define IHG_RUNNER_H

#include "action.h"
#include "canvas.h"
#include "controller.h"
#include "display.h"

typedef struct ihg_runner ihg_runner;

/* Start the engine thread on ctl; from now on only that thread calls the
 * controller, until ihg_runner_stop.  wake_fd >= 0: a byte is written to
 * it (non-blocking) whenever a new snapshot is published, so that a UI
 * waiting in poll() wakes.  NULL with the error recorded on failure. */
ihg_runner *ihg_runner_start(ihg_ctl *ctl, int wake_fd);
/* Ask the engine thread to end after its unit under way and wait for it. */
void ihg_runner_stop(ihg_runner *r);
/* Stop if needed and free; the controller is the caller's again. */
void ihg_runner_free(ihg_runner *r);

/* UI thread: an action.  Returns 1 when the screen changed already
 * (display actions), 0 when it waits for the engine (or nothing). */
int ihg_runner_send(ihg_runner *r, const ihg_act *a);
/* UI thread: quit was asked for (the UI ends at once). */
int ihg_runner_quit(const ihg_runner *r);
/* UI thread: a message on the bottom line (the terminal's own news). */
void ihg_runner_say(ihg_runner *r, int role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const ihg_display *ihg_runner_display(const ihg_runner *r);

/* UI thread: a snapshot newer than the last render is ready. */
int ihg_runner_fresh(ihg_runner *r);
/* UI thread: render the latest snapshot with the UI's display state into
 * cv (resized by the caller).  0 when there is no snapshot yet.  When the
 * 2-D view needs a loss grid for its frame, the engine is asked for it. */
int ihg_runner_render(ihg_runner *r, ihg_canvas *cv);

/* UI thread, key e: the screen painted in cv as text and HTML, then the
 * focused pane's figures asked of the engine (export.h).  IHG_OK or the
 * error (also on the message line). */
int ihg_runner_export(ihg_runner *r, const ihg_canvas *cv);

/* Counters, for tests and the benchmark: actions sent by the UI, taken by
 * the engine, snapshots published. */
void ihg_runner_counts(ihg_runner *r, unsigned long *sent, unsigned long *taken,
                       unsigned long *published);

#endif
