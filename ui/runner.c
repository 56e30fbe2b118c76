/* runner.c - the explorer's engine on a thread of its own (see runner.h).
 *
 * Engine thread:
 *   take the queued actions -> the 2-D grid if asked -> publish ->
 *   one slice of work (ended early when an action arrives) -> publish ...
 *   and, with nothing to do, sleep on a condition variable until an action
 *   (or the end of a pacing pause) wakes it.
 * UI thread: send actions, render the snapshot.
 *
 * Publishing copies the controller's view into the snapshot under its
 * lock, taken with trylock: while the UI renders, the engine goes on and
 * publishes after its next unit (or, idle, a few milliseconds later).
 *
 * The engine thread runs with every signal blocked (the UI thread takes
 * SIGINT, SIGTERM, SIGHUP and restores the terminal) and one step of
 * nice lower than the UI, so that when the CPUs are busy (OpenBLAS's own
 * threads, other programs) a key is still read and painted first.
 */
#define _GNU_SOURCE 1
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../src/error.h"
#include "../src/timer.h"
#include "export.h"
#include "snapshot.h"
#include "summary.h"

#define SLICE_SECONDS 0.030
#define QUEUE_MAX 256
#define IDLE_WAIT_SECONDS 0.200
#define RETRY_PUBLISH_SECONDS 0.004
#define ENGINE_NICE 2

struct ihg_runner {
    ihg_ctl *ctl;
    int wake_fd;
    pthread_t thread;
    int started;

    /* the action queue (qlock) */
    pthread_mutex_t qlock;
    pthread_cond_t qcond;
    ihg_act queue[QUEUE_MAX];
    int qhead, qn;
    ihg_plane_frame plane_want;
    int plane_asked;
    atomic_int interrupt;       /* an action or a stop waits: end the slice */
    atomic_int stopping;
    unsigned long sent, taken;  /* actions: by the UI, by the engine     */

    /* the snapshot (slock) */
    pthread_mutex_t slock;
    ihg_snapshot snap;
    unsigned long published;    /* snapshots published                   */
    unsigned long rendered;     /* the `published` last rendered (UI)    */
    unsigned long snap_taken;   /* `taken` when the snapshot was made    */

    /* engine thread only */
    unsigned long ctl_serial;   /* the controller's serial last published */
    ihg_summary *lsum, *gsum;   /* of lambda and the hypergradient, for */
    unsigned long lsum_version, gsum_version; /* these versions      */

    /* UI thread only */
    unsigned long disp_serial;  /* the controller's display last taken   */
    ihg_display disp;
    ihg_display_ctx dctx;
    ihg_message msg;            /* the UI's own message                  */
    int quit;
    double waiting_since;       /* an action waits for the engine since  */
};

/* ---- engine thread -------------------------------------------------------- */

static int interrupted(void *arg)
{
    ihg_runner *r = arg;
    return atomic_load(&r->interrupt) != 0;
}

static void wake_ui(ihg_runner *r)
{
    if (r->wake_fd >= 0) {
        ssize_t n = write(r->wake_fd, "x", 1);
        (void)n; /* a full pipe already wakes the UI */
    }
}

/* Copy the controller's view into the snapshot; block: wait for the lock
 * (else give up while the UI renders).  1 when published. */
static int publish(ihg_runner *r, int block)
{
    ihg_view live;
    int st, many;
    unsigned long lv, gv;
    /* the summaries of many hyperparameters (tens of ms for millions)
     * here, before the lock: the UI only draws them */
    ihg_ctl_view(r->ctl, &live);
    many = live.n_lambda > IHG_SUMMARY_MIN && r->lsum && r->gsum;
    lv = live.lambda_version;
    gv = live.hypergrad_version ? live.hypergrad_version : live.point_version;
    if (many && (lv == 0 || lv != r->lsum_version)) {
        ihg_summary_of(live.lambda, r->lsum);
        r->lsum_version = lv;
    }
    if (many && (gv == 0 || gv != r->gsum_version)) {
        ihg_summary_of(live.hypergrad, r->gsum);
        r->gsum_version = gv;
    }
    if (block)
        pthread_mutex_lock(&r->slock);
    else if (pthread_mutex_trylock(&r->slock) != 0)
        return 0;
    ihg_ctl_view(r->ctl, &live); /* the same state: nothing ran since */
    st = ihg_snapshot_take(&r->snap, &live, many ? r->lsum : NULL, many ? r->gsum : NULL);
    if (st == IHG_OK) {
        r->published++;
        pthread_mutex_lock(&r->qlock);
        r->snap_taken = r->taken;
        pthread_mutex_unlock(&r->qlock);
        r->ctl_serial = ihg_ctl_serial(r->ctl);
    }
    pthread_mutex_unlock(&r->slock);
    if (st != IHG_OK)
        ihg_ctl_say(r->ctl, IHG_ROLE_BAD, 1, "out of memory for the screen's copy");
    wake_ui(r);
    return st == IHG_OK;
}

static void abs_time(struct timespec *ts, double seconds_from_now)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)seconds_from_now;
    ts->tv_nsec += (long)((seconds_from_now - (double)(time_t)seconds_from_now) * 1e9);
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *engine_main(void *arg)
{
    ihg_runner *r = arg;
    double pace_until = 0;
#ifdef SYS_gettid
    /* one step below the UI thread (Linux: nice is per thread) */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), ENGINE_NICE);
#endif
    pthread_mutex_lock(&r->qlock);
    while (!atomic_load(&r->stopping)) {
        int unpublished, took = 0;
        /* the actions, in order */
        while (r->qn > 0 && !atomic_load(&r->stopping)) {
            ihg_act a = r->queue[r->qhead];
            r->qhead = (r->qhead + 1) % QUEUE_MAX;
            r->qn--;
            pthread_mutex_unlock(&r->qlock);
            ihg_ctl_handle(r->ctl, &a);
            pthread_mutex_lock(&r->qlock);
            r->taken++;
            took = 1;
        }
        if (r->plane_asked) {
            ihg_plane_frame f = r->plane_want;
            r->plane_asked = 0;
            pthread_mutex_unlock(&r->qlock);
            ihg_ctl_plane_grid(r->ctl, &f);
            pthread_mutex_lock(&r->qlock);
            took = 1;
        }
        atomic_store(&r->interrupt, r->qn > 0 || r->plane_asked);
        pthread_mutex_unlock(&r->qlock);

        /* the answer to a key waits at most for a render of the UI's */
        if (took || ihg_ctl_serial(r->ctl) != r->ctl_serial)
            publish(r, took);
        if (ihg_ctl_quit(r->ctl))
            atomic_store(&r->stopping, 1);

        /* one slice of work, unless pausing after a solve term */
        if (ihg_ctl_busy(r->ctl) && ihg_now() >= pace_until && !atomic_load(&r->interrupt)) {
            unsigned w = ihg_ctl_work(r->ctl, SLICE_SECONDS, interrupted, r);
            if (w & IHG_CTL_PACE)
                pace_until = ihg_now() + IHG_CTL_PACE_MS * 1e-3;
            publish(r, 0);
            pthread_mutex_lock(&r->qlock);
            continue;
        }

        /* nothing to do now: sleep until an action, the end of the pause,
         * or (a copy still to publish) a moment later */
        unpublished = ihg_ctl_serial(r->ctl) != r->ctl_serial;
        pthread_mutex_lock(&r->qlock);
        if (!atomic_load(&r->stopping) && r->qn == 0 && !r->plane_asked) {
            struct timespec ts;
            double wait = IDLE_WAIT_SECONDS, now = ihg_now();
            if (ihg_ctl_busy(r->ctl) && pace_until > now)
                wait = pace_until - now;
            if (unpublished && wait > RETRY_PUBLISH_SECONDS)
                wait = RETRY_PUBLISH_SECONDS;
            abs_time(&ts, wait);
            pthread_cond_timedwait(&r->qcond, &r->qlock, &ts);
        }
        if (unpublished && r->qn == 0) {
            pthread_mutex_unlock(&r->qlock);
            publish(r, 1);
            pthread_mutex_lock(&r->qlock);
        }
    }
    pthread_mutex_unlock(&r->qlock);
    publish(r, 1);
    return NULL;
}

/* ---- start and stop ----------------------------------------------------- */

ihg_runner *ihg_runner_start(ihg_ctl *ctl, int wake_fd)
{
    ihg_runner *r = calloc(1, sizeof *r);
    sigset_t all, old;
    int err;
    if (!r) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    r->ctl = ctl;
    r->wake_fd = wake_fd;
    pthread_mutex_init(&r->qlock, NULL);
    pthread_cond_init(&r->qcond, NULL);
    pthread_mutex_init(&r->slock, NULL);
    ihg_snapshot_init(&r->snap);
    r->disp = *ihg_ctl_display(ctl);
    r->dctx = *ihg_ctl_display_ctx(ctl);
    r->lsum = malloc(sizeof *r->lsum);
    r->gsum = malloc(sizeof *r->gsum);
    /* the first snapshot before the thread starts: something to draw */
    publish(r, 1);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&r->thread, NULL, engine_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        ihg_error_set(IHG_ENOMEM, "cannot start the engine thread: %s", strerror(err));
        ihg_snapshot_free(&r->snap);
        free(r->lsum);
        free(r->gsum);
        free(r);
        return NULL;
    }
    r->started = 1;
    return r;
}

void ihg_runner_stop(ihg_runner *r)
{
    if (!r || !r->started)
        return;
    pthread_mutex_lock(&r->qlock);
    atomic_store(&r->stopping, 1);
    atomic_store(&r->interrupt, 1);
    pthread_cond_signal(&r->qcond);
    pthread_mutex_unlock(&r->qlock);
    pthread_join(r->thread, NULL);
    r->started = 0;
}

void ihg_runner_free(ihg_runner *r)
{
    if (!r)
        return;
    ihg_runner_stop(r);
    pthread_mutex_destroy(&r->qlock);
    pthread_cond_destroy(&r->qcond);
    pthread_mutex_destroy(&r->slock);
    ihg_snapshot_free(&r->snap);
    free(r->lsum);
    free(r->gsum);
    free(r);
}

/* ---- UI thread ---------------------------------------------------------- */

static void queue_action(ihg_runner *r, const ihg_act *a)
{
    pthread_mutex_lock(&r->qlock);
    if (r->qn < QUEUE_MAX) {
        r->queue[(r->qhead + r->qn) % QUEUE_MAX] = *a;
        r->qn++;
        r->sent++;
        if (r->waiting_since == 0)
            r->waiting_since = ihg_now();
    }
    atomic_store(&r->interrupt, 1);
    pthread_cond_signal(&r->qcond);
    pthread_mutex_unlock(&r->qlock);
}

/* The display the controller set (a lesson's slide) becomes the UI's,
 * with what its experiment allows; under slock. */
static void adopt_display(ihg_runner *r)
{
    if (!r->snap.valid || r->snap.v.disp_serial == r->disp_serial)
        return;
    int help = r->disp.help;
    r->disp = r->snap.v.disp;
    r->disp.help = help;
    r->dctx = r->snap.v.dctx;
    r->disp_serial = r->snap.v.disp_serial;
}

int ihg_runner_send(ihg_runner *r, const ihg_act *a)
{
    ihg_act slide;
    if (a->action == IHG_ACT_RESIZE || a->action == IHG_ACT_REDRAW)
        return 1;
    /* in a lesson the arrows (not h and L) change slides */
    if (r->dctx.lesson && a->arg == 1 &&
        (a->action == IHG_ACT_LEFT || a->action == IHG_ACT_RIGHT) && !r->disp.help) {
        slide = ihg_act_make(a->action == IHG_ACT_LEFT ? IHG_ACT_SLIDE_PREV
                                                       : IHG_ACT_SLIDE_NEXT);
        a = &slide;
    }
    if (r->disp.help) { /* any key closes the help; q also quits */
        r->disp.help = 0;
        if (a->action == IHG_ACT_QUIT)
            r->quit = 1;
        return 1;
    }
    if (a->action == IHG_ACT_NONE)
        return 0;
    if (a->action == IHG_ACT_QUIT) {
        r->quit = 1;
        return 1;
    }
    if (a->action == IHG_ACT_THEME) { /* the terminal's: no engine news */
        r->msg.text[0] = '\0';
        r->msg.when = ihg_now();
        return 1;
    }
    if (ihg_action_is_display(a->action)) {
        ihg_message m;
        ihg_display_handle(&r->disp, &r->dctx, a, &m);
        r->msg = m; /* its news, or "" that clears a non-sticky one */
        return 1;
    }
    queue_action(r, a);
    return 0;
}

int ihg_runner_quit(const ihg_runner *r) { return r->quit; }
const ihg_display *ihg_runner_display(const ihg_runner *r) { return &r->disp; }

void ihg_runner_say(ihg_runner *r, int role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg.text, sizeof r->msg.text, fmt, ap);
    va_end(ap);
    r->msg.role = role;
    r->msg.sticky = 0;
    r->msg.when = ihg_now();
}

int ihg_runner_fresh(ihg_runner *r)
{
    int fresh;
    pthread_mutex_lock(&r->slock);
    fresh = r->published != r->rendered;
    pthread_mutex_unlock(&r->slock);
    return fresh;
}

void ihg_runner_counts(ihg_runner *r, unsigned long *sent, unsigned long *taken,
                       unsigned long *published)
{
    pthread_mutex_lock(&r->qlock);
    if (sent)
        *sent = r->sent;
    if (taken)
        *taken = r->taken;
    pthread_mutex_unlock(&r->qlock);
    if (published) {
        pthread_mutex_lock(&r->slock);
        *published = r->published;
        pthread_mutex_unlock(&r->slock);
    }
}

/* The message line: the newer of the engine's and the UI's; an empty UI
 * message (a key was pressed) hides the engine's unless it is sticky. */
static void pick_message(ihg_runner *r, ihg_view *v, unsigned long waiting)
{
    static char wait_text[160];
    if (r->msg.when > v->message_when) {
        if (r->msg.text[0] || !v->message_sticky) {
            v->message = r->msg.text;
            v->message_role = r->msg.role;
        }
    }
    if (waiting && !v->message[0]) {
        /* the engine is inside a unit: say that the key is on its way */
        snprintf(wait_text, sizeof wait_text,
                 "%lu key%s waiting for the unit of work under way ...", waiting,
                 waiting == 1 ? "" : "s");
        v->message = wait_text;
        v->message_role = IHG_ROLE_DIM;
    }
}

int ihg_runner_render(ihg_runner *r, ihg_canvas *cv)
{
    ihg_plane_frame want;
    unsigned long waiting = 0;
    ihg_view v;
    double since;
    pthread_mutex_lock(&r->qlock);
    if (r->taken == r->sent)
        r->waiting_since = 0;
    since = r->waiting_since;
    pthread_mutex_unlock(&r->qlock);
    pthread_mutex_lock(&r->slock);
    if (!r->snap.valid) {
        pthread_mutex_unlock(&r->slock);
        return 0;
    }
    adopt_display(r);
    v = r->snap.v;
    v.disp = r->disp;
    if (since > 0 && ihg_now() - since > 0.050)
        waiting = r->sent > r->snap_taken ? r->sent - r->snap_taken : 0;
    pick_message(r, &v, waiting);
    memset(&want, 0, sizeof want);
    v.plane_want = &want;
    ihg_render(cv, &v, r->dctx.available);
    r->rendered = r->published;
    pthread_mutex_unlock(&r->slock);
    if (want.nx > 0) {
        pthread_mutex_lock(&r->qlock);
        if (!r->plane_asked || memcmp(&r->plane_want, &want, sizeof want) != 0) {
            r->plane_want = want;
            r->plane_asked = 1;
            atomic_store(&r->interrupt, 1);
            pthread_cond_signal(&r->qcond);
        }
        pthread_mutex_unlock(&r->qlock);
    }
    return 1;
}

int ihg_runner_export(ihg_runner *r, const ihg_canvas *cv)
{
    char stem[96], done[300];
    int st, flags = IHG_EXPORT_SCREEN_DONE;
    ihg_act a;
    pthread_mutex_lock(&r->slock);
    if (!r->snap.valid) {
        pthread_mutex_unlock(&r->slock);
        return IHG_OK;
    }
    ihg_export_stem(&r->snap.v, stem, sizeof stem);
    st = ihg_export_screen(cv, stem, r->snap.v.inputs, done, sizeof done);
    pthread_mutex_unlock(&r->slock);
    if (st != IHG_OK) {
        ihg_runner_say(r, IHG_ROLE_BAD, "e: %s", ihg_error_message());
        return st;
    }
    ihg_runner_say(r, IHG_ROLE_GOOD, "%s; the pane's figures next ...", done);
    /* the focused pane's figures from the engine's numbers */
    a = ihg_act_make(IHG_ACT_EXPORT);
    a.arg = r->disp.focus;
    if (r->disp.show_acc)
        flags |= IHG_EXPORT_ACCURACY;
    a.value = flags;
    queue_action(r, &a);
    return IHG_OK;
}
