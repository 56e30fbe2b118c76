/* crt.c - terminal set-up, colours, signals and restore (see crt.h). */
#define _XOPEN_SOURCE_EXTENDED 1
#define _DEFAULT_SOURCE 1
#include "crt.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct {
    short fg, bg;
    attr_t attr;
} role_style;

#define DEF (-1)

/* Colour themes: one row per role (see canvas.h). */
static const role_style theme_default[IHG_ROLE_COUNT] = {
    [IHG_ROLE_NORMAL] = {DEF, DEF, A_NORMAL},
    [IHG_ROLE_DIM] = {COLOR_BLUE, DEF, A_NORMAL},
    [IHG_ROLE_TITLE] = {COLOR_CYAN, DEF, A_BOLD},
    [IHG_ROLE_BORDER] = {COLOR_BLUE, DEF, A_NORMAL},
    [IHG_ROLE_FOCUS] = {COLOR_YELLOW, DEF, A_BOLD},
    [IHG_ROLE_STATUS] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL},
    [IHG_ROLE_KEY] = {COLOR_YELLOW, DEF, A_BOLD},
    [IHG_ROLE_AXIS] = {DEF, DEF, A_NORMAL},
    [IHG_ROLE_TRAIN] = {COLOR_CYAN, DEF, A_NORMAL},
    [IHG_ROLE_VAL] = {COLOR_YELLOW, DEF, A_NORMAL},
    [IHG_ROLE_TEST] = {COLOR_MAGENTA, DEF, A_NORMAL},
    [IHG_ROLE_NEUMANN] = {COLOR_YELLOW, DEF, A_BOLD},
    [IHG_ROLE_CG] = {COLOR_CYAN, DEF, A_BOLD},
    [IHG_ROLE_PREDICT] = {COLOR_MAGENTA, DEF, A_NORMAL},
    [IHG_ROLE_EXACT] = {COLOR_GREEN, DEF, A_NORMAL},
    [IHG_ROLE_GOOD] = {COLOR_GREEN, DEF, A_NORMAL},
    [IHG_ROLE_WARN] = {COLOR_YELLOW, DEF, A_BOLD},
    [IHG_ROLE_BAD] = {COLOR_RED, DEF, A_BOLD},
    [IHG_ROLE_NUMBER] = {COLOR_GREEN, DEF, A_BOLD},
};

/* High contrast for projectors: bright colours on black, bold text. */
static const role_style theme_contrast[IHG_ROLE_COUNT] = {
    [IHG_ROLE_NORMAL] = {COLOR_WHITE, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_DIM] = {COLOR_WHITE, COLOR_BLACK, A_NORMAL},
    [IHG_ROLE_TITLE] = {COLOR_WHITE, COLOR_BLACK, A_BOLD | A_UNDERLINE},
    [IHG_ROLE_BORDER] = {COLOR_WHITE, COLOR_BLACK, A_NORMAL},
    [IHG_ROLE_FOCUS] = {COLOR_YELLOW, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_STATUS] = {COLOR_BLACK, COLOR_WHITE, A_BOLD},
    [IHG_ROLE_KEY] = {COLOR_YELLOW, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_AXIS] = {COLOR_WHITE, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_TRAIN] = {COLOR_CYAN, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_VAL] = {COLOR_YELLOW, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_TEST] = {COLOR_MAGENTA, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_NEUMANN] = {COLOR_YELLOW, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_CG] = {COLOR_CYAN, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_PREDICT] = {COLOR_MAGENTA, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_EXACT] = {COLOR_GREEN, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_GOOD] = {COLOR_GREEN, COLOR_BLACK, A_BOLD},
    [IHG_ROLE_WARN] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD},
    [IHG_ROLE_BAD] = {COLOR_WHITE, COLOR_RED, A_BOLD},
    [IHG_ROLE_NUMBER] = {COLOR_GREEN, COLOR_BLACK, A_BOLD},
};

/* Monochrome: attributes only (NO_COLOR, --no-color, --theme mono). */
static const attr_t theme_mono[IHG_ROLE_COUNT] = {
    [IHG_ROLE_NORMAL] = A_NORMAL,   [IHG_ROLE_DIM] = A_DIM,
    [IHG_ROLE_TITLE] = A_BOLD,      [IHG_ROLE_BORDER] = A_NORMAL,
    [IHG_ROLE_FOCUS] = A_BOLD,      [IHG_ROLE_STATUS] = A_REVERSE,
    [IHG_ROLE_KEY] = A_BOLD,        [IHG_ROLE_AXIS] = A_NORMAL,
    [IHG_ROLE_TRAIN] = A_NORMAL,    [IHG_ROLE_VAL] = A_BOLD,
    [IHG_ROLE_TEST] = A_UNDERLINE,  [IHG_ROLE_NEUMANN] = A_BOLD,
    [IHG_ROLE_CG] = A_NORMAL,       [IHG_ROLE_PREDICT] = A_DIM,
    [IHG_ROLE_EXACT] = A_UNDERLINE, [IHG_ROLE_GOOD] = A_NORMAL,
    [IHG_ROLE_WARN] = A_BOLD,       [IHG_ROLE_BAD] = A_BOLD | A_REVERSE,
    [IHG_ROLE_NUMBER] = A_BOLD,
};

static volatile sig_atomic_t crt_active;
static int crt_colors;            /* terminal has colours and they are wanted */
static ihg_theme crt_theme_now;
static attr_t role_attr[IHG_ROLE_COUNT];
static short role_pair[IHG_ROLE_COUNT];

/* The grey ramp (xterm colours 232..255) for image cells: one pair per
 * (foreground, background) grey, then one per foreground on the default
 * background.  Only with >= 256 colours and enough pairs, never in mono. */
#define GREY_BASE (IHG_ROLE_COUNT + 1)
#define GREY_STEPS 24
#define GREY_PAIRS (GREY_STEPS * GREY_STEPS + GREY_STEPS)
static int crt_grey_now;

int ihg_theme_from_name(const char *name)
{
    if (!name || !*name || strcasecmp(name, "default") == 0)
        return IHG_THEME_DEFAULT;
    if (strcasecmp(name, "mono") == 0 || strcasecmp(name, "monochrome") == 0)
        return IHG_THEME_MONO;
    if (strcasecmp(name, "contrast") == 0 || strcasecmp(name, "high-contrast") == 0)
        return IHG_THEME_CONTRAST;
    return -1;
}

const char *ihg_theme_name(ihg_theme t)
{
    switch (t) {
    case IHG_THEME_MONO: return "mono";
    case IHG_THEME_CONTRAST: return "contrast";
    default: return "default";
    }
}

int ihg_locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

void ihg_crt_set_theme(ihg_theme theme)
{
    int i;
    if (!crt_colors)
        theme = IHG_THEME_MONO;
    crt_theme_now = theme;
    for (i = 0; i < IHG_ROLE_COUNT; i++) {
        if (theme == IHG_THEME_MONO) {
            role_attr[i] = theme_mono[i];
            role_pair[i] = 0;
        } else {
            const role_style *st =
                theme == IHG_THEME_CONTRAST ? &theme_contrast[i] : &theme_default[i];
            init_pair((short)(i + 1), st->fg, st->bg);
            role_attr[i] = st->attr;
            role_pair[i] = (short)(i + 1);
        }
    }
    crt_grey_now = 0;
    if (theme != IHG_THEME_MONO && COLORS >= 256 && COLOR_PAIRS >= GREY_BASE + GREY_PAIRS) {
        short f, b;
        crt_grey_now = 1;
        for (f = 0; f < GREY_STEPS; f++) {
            for (b = 0; b < GREY_STEPS; b++)
                if (init_pair((short)(GREY_BASE + f * GREY_STEPS + b), (short)(232 + f),
                              (short)(232 + b)) == ERR)
                    crt_grey_now = 0;
            if (init_pair((short)(GREY_BASE + GREY_STEPS * GREY_STEPS + f), (short)(232 + f),
                          theme == IHG_THEME_CONTRAST ? COLOR_BLACK : DEF) == ERR)
                crt_grey_now = 0;
        }
    }
    if (theme == IHG_THEME_CONTRAST)
        bkgdset(' ' | COLOR_PAIR(IHG_ROLE_NORMAL + 1));
    else
        bkgdset(' ');
}

ihg_theme ihg_crt_theme(void) { return crt_theme_now; }

int ihg_crt_grey(void) { return crt_grey_now; }

void ihg_crt_done(void)
{
    if (!crt_active)
        return;
    crt_active = 0;
    curs_set(1);
    endwin();
}

static void on_fatal_signal(int sig)
{
    /* Restore first (htop does the same), then die of the signal so the
     * parent sees how we ended. */
    ihg_crt_done();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void at_exit_restore(void) { ihg_crt_done(); }

void ihg_crt_fatal(const char *fmt, ...)
{
    va_list ap;
    ihg_crt_done();
    fputs("ihgtui: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

int ihg_crt_init(ihg_theme theme, int no_color, int *ascii)
{
    static int hooks;
    struct sigaction sa;
    const char *nc = getenv("NO_COLOR");

    setlocale(LC_ALL, "");
    if (ascii && !ihg_locale_is_utf8())
        *ascii = 1;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "ihgtui: the explorer needs a terminal (use --batch for headless runs)\n");
        return -1;
    }
    if (!newterm(NULL, stdout, stdin)) {
        fprintf(stderr, "ihgtui: cannot start curses on terminal type '%s'\n",
                getenv("TERM") ? getenv("TERM") : "(unset)");
        return -1;
    }
    crt_active = 1;
    if (!hooks) {
        hooks = 1;
        atexit(at_exit_restore);
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGQUIT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    set_escdelay(25);
    curs_set(0);
    leaveok(stdscr, TRUE);

    if (nc && *nc)
        no_color = 1;
    ihg_crt_styles(theme, no_color);
    return 0;
}

void ihg_crt_styles(ihg_theme theme, int no_color)
{
    crt_colors = !no_color && has_colors();
    if (crt_colors) {
        start_color();
        use_default_colors();
        if (COLOR_PAIRS < IHG_ROLE_COUNT + 1)
            crt_colors = 0;
    }
    ihg_crt_set_theme(no_color ? IHG_THEME_MONO : theme);
}

void ihg_crt_size(int *w, int *h)
{
    int y, x;
    getmaxyx(stdscr, y, x);
    *w = x;
    *h = y;
}

void ihg_crt_blit(const ihg_canvas *cv)
{
    int x, y, W, H;
    getmaxyx(stdscr, H, W);
    for (y = 0; y < cv->h && y < H; y++)
        for (x = 0; x < cv->w && x < W; x++) {
            ihg_cell c = cv->cells[(size_t)y * cv->w + x];
            wchar_t wc[2];
            cchar_t cc;
            int role = c.role < IHG_ROLE_COUNT ? c.role : 0;
            wc[0] = c.ch ? c.ch : L' ';
            wc[1] = L'\0';
            if (c.fg >= 232 && crt_grey_now)
                setcchar(&cc, wc, A_NORMAL,
                         (short)(GREY_BASE + (c.bg >= 232 ? (c.fg - 232) * GREY_STEPS + (c.bg - 232)
                                                          : GREY_STEPS * GREY_STEPS + (c.fg - 232))),
                         NULL);
            else
                setcchar(&cc, wc, role_attr[role], role_pair[role], NULL);
            mvadd_wch(y, x, &cc);
        }
    wnoutrefresh(stdscr);
    doupdate();
}
