/* layout.c - pane rectangles for a terminal size (see layout.h). */
#include "layout.h"

#include <stdio.h>
#include <string.h>

const char *ihg_pane_name(ihg_pane_id id)
{
    static const char *const names[IHG_PANE_COUNT] = {
        "Losses", "Hyperparameters", "Neumann & CG", "Spectrum of H",
        "Theory", "2-D view"};
    return (unsigned)id < IHG_PANE_COUNT ? names[id] : "?";
}

void ihg_layout_too_small_text(char *buf, size_t size, int w, int h, int ascii)
{
    snprintf(buf, size, "terminal too small: need %d%s%d, have %d%s%d",
             IHG_MIN_W, ascii ? "x" : "\xc3\x97", IHG_MIN_H, w,
             ascii ? "x" : "\xc3\x97", h);
}

/* Split `total` into n parts as evenly as possible; part i starts at
 * start + off(i). */
static int split_off(int total, int n, int i) { return (int)((long)total * i / n); }

void ihg_layout_compute(ihg_layout *lo, int w, int h, const int *available,
                        int zoom)
{
    ihg_layout_compute_bar(lo, w, h, available, zoom, 0);
}

void ihg_layout_compute_bar(ihg_layout *lo, int w, int h, const int *available, int zoom,
                            int bar_rows)
{
    int order[IHG_PANE_COUNT], n = 0, i, r, c;
    memset(lo, 0, sizeof *lo);
    lo->w = w;
    lo->h = h;
    if (w < IHG_MIN_W || h < IHG_MIN_H) {
        lo->too_small = 1;
        return;
    }
    if (bar_rows < 0 || bar_rows > h - 2 - 8)
        bar_rows = 0; /* the panes keep at least 8 rows */
    lo->status = (ihg_rect){0, 0, w, 1};
    lo->bar = (ihg_rect){0, 1, w, bar_rows};
    lo->hints = (ihg_rect){0, h - 1, w, 1};
    lo->body = (ihg_rect){0, 1 + bar_rows, w, h - 2 - bar_rows};

    if (zoom >= 0 && zoom < IHG_PANE_COUNT && (!available || available[zoom])) {
        lo->pane[zoom] = lo->body;
        lo->shown[zoom] = 1;
        lo->cols = lo->rows = 1;
        return;
    }
    for (i = 0; i < IHG_PANE_COUNT; i++)
        if (!available || available[i])
            order[n++] = i;
    if (n == 0)
        return;
    lo->cols = w >= 150 ? 3 : 2;
    if (lo->cols > n)
        lo->cols = n;
    lo->rows = (n + lo->cols - 1) / lo->cols;

    /* Fill row by row; the last row's panes share its whole width. */
    i = 0;
    for (r = 0; r < lo->rows; r++) {
        int y0 = lo->body.y + split_off(lo->body.h, lo->rows, r);
        int y1 = lo->body.y + split_off(lo->body.h, lo->rows, r + 1);
        int in_row = n - i < lo->cols ? n - i : lo->cols;
        for (c = 0; c < in_row; c++, i++) {
            int x0 = split_off(w, in_row, c), x1 = split_off(w, in_row, c + 1);
            lo->pane[order[i]] = (ihg_rect){x0, y0, x1 - x0, y1 - y0};
            lo->shown[order[i]] = 1;
        }
    }
}
