/* export.h - what the explorer shows, written to files (the key e).
 *
 * A pane as a figure for slides (src/figures.h: SVG, PDF and PNG, drawn
 * from the view's numbers), and the screen as text and as HTML.  Files are
 * written in the current directory, never onto one of the run's inputs
 * (src/output.h).  No curses in here.
 */
#ifndef IHG_EXPORT_H
#define IHG_EXPORT_H

#include <stddef.h>

#include "canvas.h"
#include "view.h"

/* The stem of the files: the experiment's name (letters, digits, - and _
 * kept) and the outer step on show, "ridge-diabetes-step12". */
void ihg_export_stem(const ihg_view *v, char *buf, size_t size);

/* The flags of IHG_ACT_EXPORT (its value): the UI wrote the screen; the
 * losses pane shows accuracies. */
#define IHG_EXPORT_SCREEN_DONE 1
#define IHG_EXPORT_ACCURACY 2

/* The size of the figures the key writes. */
#define IHG_EXPORT_WIDTH 1280
#define IHG_EXPORT_HEIGHT 800

/* Pane `pane` of v as STEM-PANE.svg, .pdf and .png (the distilled images:
 * .png).  IHG_OK with what was written in done (size n), or an error
 * recorded (IHG_EINVAL: the pane has nothing a figure could show yet). */
int ihg_export_pane(const ihg_view *v, int pane, const char *stem,
                    const char *const *inputs, char *done, size_t n);
/* The screen as STEM-screen.txt (UTF-8) and STEM-screen.html (colours of
 * the roles).  IHG_OK with what was written in done, or the error. */
int ihg_export_screen(const ihg_canvas *cv, const char *stem, const char *const *inputs,
                      char *done, size_t n);

#endif
