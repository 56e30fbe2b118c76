/* tui.c - the explorer in a terminal: keys in, frames out.
 *
 * Everything the explorer does is the controller's (controller.h); this
 * file reads keys, turns them into actions, and paints the controller's
 * view.  Keys are read with a short timeout; between reads the controller
 * works for at most a slice of ~30 ms, ended early when a key is waiting,
 * so a key reaches the screen after the unit under way.  The screen is
 * rendered into a canvas and copied out only when something changed.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _POSIX_C_SOURCE 200809L
#include "tui.h"

#include <curses.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/error.h"
#include "canvas.h"
#include "controller.h"
#include "crt.h"
#include "keys.h"
#include "layout.h"
#include "view.h"

#define SLICE_SECONDS 0.030 /* work between key reads while running */

typedef struct {
    ihg_ctl *ctl;
    ihg_canvas *cv;
    ihg_view v;
    ihg_theme theme;
    unsigned long drawn; /* the controller's serial when last drawn */
    int dirty;
} tui;

/* A key (or a resize's input) is waiting: end the slice early so it is
 * answered after the unit under way, not after the whole slice. */
static int key_waiting(void *unused)
{
    struct pollfd p;
    (void)unused;
    p.fd = STDIN_FILENO;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) > 0;
}

static void draw(tui *t)
{
    int w, h;
    ihg_plane_frame want;
    ihg_crt_size(&w, &h);
    if (w != t->cv->w || h != t->cv->h)
        if (ihg_canvas_resize(t->cv, w, h) != 0)
            ihg_crt_fatal("out of memory for a %dx%d screen", w, h);
    t->cv->grey = ihg_crt_grey();
    memset(&want, 0, sizeof want);
    ihg_ctl_view(t->ctl, &t->v);
    t->v.plane_want = &want;
    ihg_render(t->cv, &t->v, ihg_ctl_display_ctx(t->ctl)->available);
    if (want.nx > 0 && ihg_ctl_plane_grid(t->ctl, &want) > 0) {
        /* the 2-D view asked for the loss grid of its new frame */
        ihg_ctl_view(t->ctl, &t->v);
        t->v.plane_want = NULL;
        ihg_render(t->cv, &t->v, ihg_ctl_display_ctx(t->ctl)->available);
    }
    ihg_crt_blit(t->cv);
    t->drawn = ihg_ctl_serial(t->ctl);
    t->dirty = 0;
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
    default: return -1;
    }
}

static void key(tui *t, long code)
{
    ihg_act a = ihg_key_lookup(code);
    int help_open = ihg_ctl_display(t->ctl)->help;
    ihg_ctl_handle(t->ctl, &a);
    if (a.action == IHG_ACT_RESIZE || a.action == IHG_ACT_REDRAW) {
        clearok(curscr, TRUE);
    } else if (a.action == IHG_ACT_THEME && !help_open) {
        t->theme = (ihg_theme)((t->theme + 1) % IHG_THEME_COUNT);
        ihg_crt_set_theme(t->theme);
        ihg_ctl_say(t->ctl, IHG_ROLE_GOOD, 0, "theme: %s", ihg_theme_name(ihg_crt_theme()));
        clearok(curscr, TRUE);
    }
    if (a.action != IHG_ACT_NONE)
        t->dirty = 1;
}

int ihg_tui_run(ihg_config *cfg, const ihg_tui_options *opt)
{
    tui t;
    int ascii = opt && opt->ascii, theme, paced = 0;

    memset(&t, 0, sizeof t);
    theme = ihg_theme_from_name(opt ? opt->theme : NULL);
    if (theme < 0) {
        fprintf(stderr, "ihgtui: unknown theme '%s' (default, contrast or mono)\n", opt->theme);
        return 2;
    }
    t.theme = (ihg_theme)theme;

    /* Everything that can fail on bad input fails before the screen is
     * taken, so its message is printed on a normal terminal. */
    t.ctl = ihg_ctl_alloc(cfg);
    if (!t.ctl) {
        int st = ihg_error_status();
        fprintf(stderr, "%s\n", ihg_error_message());
        return st == IHG_EINVAL || st == IHG_EIO ? 2 : 1;
    }
    if (opt && opt->record) {
        FILE *rec = fopen(opt->record, "w");
        if (!rec) {
            perror(opt->record);
            ihg_ctl_free(t.ctl);
            return 1;
        }
        ihg_ctl_set_record(t.ctl, rec);
    }

    if (ihg_crt_init(t.theme, opt && opt->no_color, &ascii) != 0) {
        ihg_ctl_free(t.ctl);
        return 1;
    }
    {
        int w, h;
        ihg_crt_size(&w, &h);
        t.cv = ihg_canvas_alloc(w, h, ascii);
        if (!t.cv)
            ihg_crt_fatal("out of memory for a %dx%d screen", w, h);
    }
    t.dirty = 1;

    while (!ihg_ctl_quit(t.ctl)) {
        wint_t wch;
        int r;
        if (t.dirty || paced || t.drawn != ihg_ctl_serial(t.ctl))
            draw(&t);
        /* wait for a key: briefly when busy (or pacing a solve) */
        wtimeout(stdscr, paced ? IHG_CTL_PACE_MS : ihg_ctl_busy(t.ctl) ? 0 : 100);
        r = wget_wch(stdscr, &wch);
        paced = 0;
        while (r != ERR && !ihg_ctl_quit(t.ctl)) {
            long code = key_code(r == KEY_CODE_YES, wch);
            if (code >= 0)
                key(&t, code);
            wtimeout(stdscr, 0);
            r = wget_wch(stdscr, &wch);
        }
        if (ihg_ctl_quit(t.ctl))
            break;
        if (ihg_ctl_busy(t.ctl))
            paced = ihg_ctl_work(t.ctl, SLICE_SECONDS, key_waiting, NULL) & IHG_CTL_PACE;
    }

    ihg_crt_done();
    if (opt && opt->record && ihg_ctl_close_record(t.ctl) != 0)
        perror(opt->record);
    ihg_canvas_free(t.cv);
    ihg_ctl_free(t.ctl);
    return 0;
}
