/* pane_images.c - dataset distillation seen whole: the k learned images
 * (lambda itself, image c = class c) as a grid, updating with every outer
 * step.
 *
 * Display scaling only (chart.h, ihg_image_draw): a pixel value p is shown
 * as grey t = (p - lo) / (hi - lo), clamped to [0, 1], black to white.
 * Two ranges, switched with `s`, the one in use named in the title:
 *   fixed     lo = 0, hi = 1: the scale of the real images (pixels / 255),
 *             so learned images compare with the data; pixels pushed
 *             outside it are clipped, and the title says how many;
 *   per image lo, hi = that image's min and max: every image uses the
 *             whole ramp, so structure shows even when the pixels drift.
 * With >= 256 colours each cell is an upper half block (two pixels) on the
 * 24-step grey ramp; otherwise (fewer colours, --no-color, NO_COLOR, the
 * mono theme, the ASCII fallback) one character of " .:-=+*#%@" per pixel
 * pair, their mean.  Images are scaled to fit (box filter down, nearest
 * up, at most 2x); below a legible size the pane asks for room.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "view.h"

#define IMG_MIN_PX 8

void ihg_pane_images(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[128], label[64];
    ihg_rect in;
    ihg_image_grid g;
    size_t k = v->img_k, rows = v->img_rows, cols = v->img_cols, d = rows * cols, c, n;
    size_t outside = 0, stride;
    const double *lam;

    if (!v->lambda || k == 0 || v->lambda->size < k * d) {
        in = ihg_pane_frame(cv, r, v, IHG_PANE_2D, "");
        ihg_canvas_fit(cv, in.x, in.y + 1, in.w, IHG_ROLE_DIM,
                       "no images: distill on image data only");
        return;
    }
    lam = v->lambda->data;
    stride = v->lambda->stride;
    n = k * d;
    if (!v->disp.img_minmax) {
        size_t i;
        for (i = 0; i < n; i++) {
            double p = lam[i * stride];
            if (!(p >= 0 && p <= 1))
                outside++;
        }
    }
    if (v->disp.img_minmax)
        snprintf(extra, sizeof extra, "%s, outer %ld, grey: min..max per image (s)",
                 IHG_TXT(cv, "(\xce\xbb)", "(lambda)"), v->outer_done);
    else if (outside) {
        char pct[24];
        ihg_format_fixed(pct, sizeof pct, 100.0 * (double)outside / (double)n, 1);
        snprintf(extra, sizeof extra, "%s, outer %ld, grey: 0..1, %s%% clipped (s)",
                 IHG_TXT(cv, "(\xce\xbb)", "(lambda)"), v->outer_done, pct);
    }
    else
        snprintf(extra, sizeof extra, "%s, outer %ld, grey: 0..1 (s)",
                 IHG_TXT(cv, "(\xce\xbb)", "(lambda)"), v->outer_done);
    in = ihg_pane_frame(cv, r, v, IHG_PANE_2D, extra);

    if (!ihg_image_grid_fit(&g, in.w, in.h, (int)k, (int)rows, (int)cols, IMG_MIN_PX)) {
        int y = in.y + (in.h - 2) / 2;
        if (y < in.y)
            y = in.y;
        ihg_canvas_fitf(cv, in.x, y, in.w, IHG_ROLE_DIM,
                        "%zu images of %zux%zu need more room:", k, rows, cols);
        ihg_canvas_fit(cv, in.x, y + 1, in.w, IHG_ROLE_WARN,
                       "enlarge the terminal or zoom (6 6)");
        return;
    }
    /* centre the grid */
    {
        int gw = g.gcols * g.cell_w - 1, gh = g.grows * g.cell_h;
        int x0 = in.x + (in.w - gw) / 2, y0 = in.y + (in.h - gh) / 2;
        for (c = 0; c < k; c++) {
            int gx = x0 + (int)(c % (size_t)g.gcols) * g.cell_w;
            int gy = y0 + (int)(c / (size_t)g.gcols) * g.cell_h;
            const double *px = lam + c * d * stride;
            double lo = 0, hi = 1;
            if (v->disp.img_minmax)
                ihg_image_range(px, stride, d, &lo, &hi);
            if (v->class_names && v->class_names[c])
                snprintf(label, sizeof label, "%zu %s", c, v->class_names[c]);
            else
                snprintf(label, sizeof label, "%zu", c);
            ihg_canvas_fit(cv, gx, gy, g.tw, IHG_ROLE_TITLE, label);
            ihg_image_draw(cv, gx, gy + 1, px, stride, (int)rows, (int)cols, g.tw, g.th, lo,
                           hi);
        }
    }
}
