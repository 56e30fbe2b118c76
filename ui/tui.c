/* tui.c - the explorer in a terminal: keys in, frames out.
 *
 * Everything the explorer does is the controller's (controller.h), run on
 * the engine's own thread (runner.h).  This thread only reads keys, turns
 * them into actions, and paints: a key is answered within one frame
 * whatever the engine is doing (a 60 ms unit, a 200 ms eigendecomposition),
 * display keys at once, the others as soon as the unit under way ends
 * (the bottom line says when one waits).  It sleeps in poll() on the
 * keyboard and on a pipe the engine writes to when it publishes a new
 * snapshot; engine news is painted at most every FRAME_SECONDS, a key at
 * once.  q restores the terminal at once, then waits for the engine's unit.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _POSIX_C_SOURCE 200809L
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/error.h"
#include "../src/output.h"
#include "../src/timer.h"
#include "canvas.h"
#include "controller.h"
#include "crt.h"
#include "keys.h"
#include "layout.h"
#include "runner.h"
#include "view.h"

#define FRAME_SECONDS 0.030 /* engine news: at most one frame per 30 ms */
#define IDLE_POLL_MS 250

typedef struct {
    ihg_ctl *ctl;
    ihg_runner *runner;
    ihg_canvas *cv;
    ihg_theme theme;
    int wake[2];
    /* a key that takes a number: g (go to slide N, Enter ends it) or p
     * (the class's choice, one digit); 0: none */
    int prompt;
    long number;
    int digits;
} tui;

static void draw(tui *t)
{
    int w, h;
    ihg_crt_size(&w, &h);
    if (w != t->cv->w || h != t->cv->h)
        if (ihg_canvas_resize(t->cv, w, h) != 0)
            ihg_crt_fatal("out of memory for a %dx%d screen", w, h);
    t->cv->grey = ihg_crt_grey();
    if (ihg_runner_render(t->runner, t->cv))
        ihg_crt_blit(t->cv);
}

/* The terminal's special keys as keys.h codes. */
static long key_code(int is_keycode, wint_t ch)
{
    if (!is_keycode)
        return (long)ch;
    switch (ch) {
    case KEY_RESIZE: return IHG_KEY_RESIZE;
    case KEY_LEFT: return IHG_KEY_LEFT;
    case KEY_RIGHT: return IHG_KEY_RIGHT;
    case KEY_UP: return IHG_KEY_UP;
    case KEY_DOWN: return IHG_KEY_DOWN;
    case KEY_BTAB: return IHG_KEY_BTAB;
    case KEY_ENTER: return IHG_KEY_ENTER;
    case KEY_F(1): return IHG_KEY_F1;
    case KEY_NPAGE: return IHG_KEY_PGDN;
    case KEY_PPAGE: return IHG_KEY_PGUP;
    default: return -1;
    }
}

/* A digit or Enter of a key that takes a number (g, p); 1 when the key
 * was taken. */
static int prompt_key(tui *t, long code)
{
    ihg_act a;
    if (code >= '0' && code <= '9' && t->digits < 4) {
        t->number = t->number * 10 + (code - '0');
        t->digits++;
        if (t->prompt == 'p' && code != '0') {
            a = ihg_act_make(IHG_ACT_CHOICE);
            a.arg = t->number - 1;
            t->prompt = 0;
            ihg_runner_send(t->runner, &a);
            return 1;
        }
        ihg_runner_say(t->runner, IHG_ROLE_KEY, "go to slide %ld_  (Enter goes, Esc cancels)",
                       t->number);
        return 1;
    }
    if (t->prompt == 'g' && (code == '\r' || code == '\n' || code == IHG_KEY_ENTER) &&
        t->digits > 0) {
        a = ihg_act_make(IHG_ACT_SLIDE_GOTO);
        a.arg = t->number - 1;
        t->prompt = 0;
        ihg_runner_send(t->runner, &a);
        return 1;
    }
    t->prompt = 0; /* anything else: no number */
    ihg_runner_say(t->runner, IHG_ROLE_DIM, "%s", "");
    return code == 27; /* Esc only cancels */
}

/* One key; 1 when the screen should be painted now. */
static int key(tui *t, long code)
{
    ihg_act a;
    if (t->prompt && prompt_key(t, code))
        return 1;
    if (code == 'g' || code == 'p') {
        t->prompt = (int)code;
        t->number = 0;
        t->digits = 0;
        ihg_runner_say(t->runner, IHG_ROLE_KEY, "%s",
                       code == 'g' ? "go to slide: its number, then Enter (Esc cancels)"
                                   : "the class's choice: its number (Esc cancels)");
        return 1;
    }
    a = ihg_key_lookup(code);
    if (a.action == IHG_ACT_EXPORT) {
        ihg_runner_export(t->runner, t->cv);
        return 1;
    }
    int help_open = ihg_runner_display(t->runner)->help;
    int now = ihg_runner_send(t->runner, &a);
    if (a.action == IHG_ACT_RESIZE || a.action == IHG_ACT_REDRAW) {
        clearok(curscr, TRUE);
    } else if (a.action == IHG_ACT_THEME && !help_open) {
        t->theme = (ihg_theme)((t->theme + 1) % IHG_THEME_COUNT);
        ihg_crt_set_theme(t->theme);
        ihg_runner_say(t->runner, IHG_ROLE_GOOD, "theme: %s", ihg_theme_name(ihg_crt_theme()));
        clearok(curscr, TRUE);
    }
    /* an engine action: paint once now (the bottom line may say it waits) */
    return now || a.action != IHG_ACT_NONE;
}

static void drain(int fd)
{
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

int ihg_tui_run(ihg_config *cfg, const ihg_tui_options *opt)
{
    tui t;
    int ascii = opt && opt->ascii, theme, paint_now = 1, status = 0;
    double next_frame = 0;

    memset(&t, 0, sizeof t);
    t.wake[0] = t.wake[1] = -1;
    theme = ihg_theme_from_name(opt ? opt->theme : NULL);
    if (theme < 0) {
        fprintf(stderr, "ihgtui: unknown theme '%s' (default, contrast or mono)\n", opt->theme);
        return 2;
    }
    t.theme = (ihg_theme)theme;

    /* Everything that can fail on bad input fails before the screen is
     * taken, so its message is printed on a normal terminal. */
    t.ctl = opt && opt->lesson ? ihg_ctl_alloc_lesson(opt->lesson, opt->slide)
                               : ihg_ctl_alloc(cfg);
    if (!t.ctl) {
        int st = ihg_error_status();
        fprintf(stderr, "%s\n", ihg_error_message());
        return st == IHG_EINVAL || st == IHG_EIO ? 2 : 1;
    }
    if (pipe(t.wake) != 0 || fcntl(t.wake[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(t.wake[1], F_SETFL, O_NONBLOCK) != 0) {
        perror("ihgtui: pipe");
        ihg_ctl_free(t.ctl);
        return 1;
    }

    if (ihg_crt_init(t.theme, opt && opt->no_color, &ascii) != 0) {
        ihg_ctl_free(t.ctl);
        close(t.wake[0]);
        close(t.wake[1]);
        return 1;
    }
    {
        int w, h;
        ihg_crt_size(&w, &h);
        t.cv = ihg_canvas_alloc(w, h, ascii);
        if (!t.cv)
            ihg_crt_fatal("out of memory for a %dx%d screen", w, h);
    }
    /* The record file last: the experiment and its data are loaded, the
     * terminal works; never one of the inputs. */
    if (opt && opt->record) {
        const char *inputs[IHG_MAX_INPUTS + 1];
        FILE *rec;
        ihg_run_inputs(ihg_session_config(ihg_ctl_session(t.ctl)),
                       ihg_session_dataset(ihg_ctl_session(t.ctl)), inputs);
        rec = ihg_output_open(opt->record, inputs);
        if (!rec) {
            int st = ihg_error_status();
            ihg_crt_done();
            fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
            ihg_canvas_free(t.cv);
            ihg_ctl_free(t.ctl);
            close(t.wake[0]);
            close(t.wake[1]);
            return st == IHG_EINVAL ? 2 : 1;
        }
        ihg_ctl_set_record(t.ctl, rec);
    }
    t.runner = ihg_runner_start(t.ctl, t.wake[1]);
    if (!t.runner)
        ihg_crt_fatal("%s", ihg_error_message());
    wtimeout(stdscr, 0);

    while (!ihg_runner_quit(t.runner)) {
        struct pollfd p[2];
        wint_t wch;
        int r, timeout = IDLE_POLL_MS;
        double now = ihg_now();
        if (paint_now || (ihg_runner_fresh(t.runner) && now >= next_frame)) {
            draw(&t);
            paint_now = 0;
            next_frame = now + FRAME_SECONDS;
        }
        if (ihg_runner_fresh(t.runner)) {
            double wait = next_frame - ihg_now();
            timeout = wait > 0 ? (int)(wait * 1e3) + 1 : 0;
        }
        p[0].fd = STDIN_FILENO;
        p[0].events = POLLIN;
        p[1].fd = t.wake[0];
        p[1].events = POLLIN;
        p[0].revents = p[1].revents = 0;
        if (poll(p, 2, timeout) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            drain(t.wake[0]);
        /* every key waiting (also KEY_RESIZE after a SIGWINCH) */
        while ((r = wget_wch(stdscr, &wch)) != ERR && !ihg_runner_quit(t.runner))
            paint_now |= key(&t, key_code(r == KEY_CODE_YES, wch));
    }

    ihg_crt_done(); /* the terminal first; then wait for the engine's unit */
    ihg_runner_free(t.runner);
    /* a record that could not be written ends the run as a failure */
    if (opt && opt->record && ihg_ctl_close_record(t.ctl, opt->record) != IHG_OK) {
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        status = 1;
    }
    ihg_canvas_free(t.cv);
    ihg_ctl_free(t.ctl);
    close(t.wake[0]);
    close(t.wake[1]);
    return status;
}
