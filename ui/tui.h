/* tui.h - the ncurses explorer's entry point. */
#ifndef IHG_TUI_H
#define IHG_TUI_H

#include "../src/config.h"

typedef struct {
    int no_color;        /* --no-color or NO_COLOR set                   */
    const char *theme;   /* "default", "mono", "contrast" (NULL default) */
    const char *record;  /* --record FILE: JSON Lines of outer steps     */
    int ascii;           /* force the ASCII fallback (no braille)        */
    /* a lesson (ihgtui-lesson(5)) on show from slide `slide` (from 0);
     * NULL: the experiment given to ihg_tui_run */
    const struct ihg_lesson *lesson;
    size_t slide;
} ihg_tui_options;

/* Run the explorer on a loaded experiment (or opt->lesson; cfg NULL then)
 * until the user quits.  Restores
 * the terminal on every exit path (q, SIGINT, SIGTERM, SIGHUP, fatal
 * errors).  Returns 0; 2 when the experiment's data or model cannot be set
 * up (message on stderr, the terminal untouched); 1 after any other fatal
 * error (message printed once the terminal is restored). */
int ihg_tui_run(ihg_config *cfg, const ihg_tui_options *opt);

#endif
