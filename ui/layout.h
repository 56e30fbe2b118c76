/* layout.h - where each pane goes for a terminal size.
 *
 * Row 0 is the status bar and the last row the key hints; the panes share
 * the rest.  Narrow screens get two columns, wide ones (>= 150 columns)
 * three; a zoomed pane takes the whole body.  Below 80 x 24 nothing but a
 * "terminal too small" message is drawn.
 */
#ifndef IHG_LAYOUT_H
#define IHG_LAYOUT_H

#include "canvas.h"

#define IHG_MIN_W 80
#define IHG_MIN_H 24

typedef enum {
    IHG_PANE_LOSS = 0,
    IHG_PANE_HYPER,
    IHG_PANE_NEUMANN,
    IHG_PANE_SPECTRUM,
    IHG_PANE_THEORY,
    IHG_PANE_2D,
    IHG_PANE_COUNT
} ihg_pane_id;

typedef struct {
    int w, h;                  /* terminal size                           */
    int too_small;             /* below IHG_MIN_W x IHG_MIN_H             */
    ihg_rect status, hints;    /* one row each                            */
    ihg_rect bar;              /* rows under the status bar (h 0: none)   */
    ihg_rect body;
    ihg_rect pane[IHG_PANE_COUNT]; /* w = h = 0 when not shown            */
    int shown[IHG_PANE_COUNT];
    int cols, rows;
} ihg_layout;

/* available[i]: whether pane i exists for this experiment (the 2-D view
 * only for the quadratic model).  zoom >= 0 shows that pane alone. */
void ihg_layout_compute(ihg_layout *lo, int w, int h, const int *available,
                        int zoom);
/* The same with bar_rows rows under the status bar kept for a bar of
 * their own (a lesson's caption): the panes share what is left. */
void ihg_layout_compute_bar(ihg_layout *lo, int w, int h, const int *available, int zoom,
                            int bar_rows);

/* "terminal too small: need 80×24, have W×H" (ASCII 'x' when ascii). */
void ihg_layout_too_small_text(char *buf, size_t size, int w, int h, int ascii);

/* Name and key of a pane ("Losses", '1'). */
const char *ihg_pane_name(ihg_pane_id id);

#endif
