/* crt.h - the terminal: set-up, colours and themes, signals, restore.
 *
 * After htop's CRT.c: one place owns the terminal.  ihg_crt_init() sets the
 * locale, starts curses and installs handlers so that SIGINT, SIGTERM and
 * SIGHUP restore the terminal before the process ends; an atexit() hook
 * restores it on every other exit; ihg_crt_fatal() restores it before
 * printing.  SIGWINCH is left to curses, which turns it into KEY_RESIZE.
 */
#ifndef IHG_CRT_H
#define IHG_CRT_H

#include "canvas.h"

typedef enum {
    IHG_THEME_DEFAULT = 0,
    IHG_THEME_MONO,
    IHG_THEME_CONTRAST,
    IHG_THEME_COUNT
} ihg_theme;

/* "default", "mono", "contrast" (NULL: default); -1 if unknown. */
int ihg_theme_from_name(const char *name);
const char *ihg_theme_name(ihg_theme t);

/* Whether the current locale's character set is UTF-8 (call after
 * setlocale). */
int ihg_locale_is_utf8(void);

/* Start curses.  Returns 0, or -1 (message on stderr) when there is no
 * usable terminal.  *ascii is set when the locale is not UTF-8. */
int ihg_crt_init(ihg_theme theme, int no_color, int *ascii);
/* Restore the terminal; safe to call more than once. */
void ihg_crt_done(void);
/* Restore, print "ihgtui: message" on stderr, exit(1). */
void ihg_crt_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Colours and attributes for the current curses screen (part of
 * ihg_crt_init; on its own for a screen made elsewhere, e.g. the frame
 * benchmark's newterm() on /dev/null). */
void ihg_crt_styles(ihg_theme theme, int no_color);

/* Switch theme at run time (mono when colours are unavailable). */
void ihg_crt_set_theme(ihg_theme theme);
ihg_theme ihg_crt_theme(void);
/* Whether cells may use the 24-step grey ramp now (a colour theme on a
 * terminal with >= 256 colours and enough colour pairs): canvas.grey. */
int ihg_crt_grey(void);

/* Copy a canvas to the screen and refresh. */
void ihg_crt_blit(const ihg_canvas *cv);

/* Current terminal size. */
void ihg_crt_size(int *w, int *h);

#endif
