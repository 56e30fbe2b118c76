/* pane_augment.c - learned augmentation seen whole: training images beside
 * what the classifier trains on in their place, live (the augmenter's
 * output at the current lambda and noise draw).
 *
 * The distilled images' drawing (chart.h ihg_image_draw: half blocks on
 * the grey ramp, or the ASCII ramp): the images come in pairs, the
 * original ("3") then its augmentation ("3 aug"), each pair on one row of
 * the grid, as many pairs as fit legibly.  Grey: 0..1 (the data's scale;
 * the share of augmented pixels pushed outside it, clipped, is in the
 * title) or, with `s`, each image's own min..max.
 */
#include <stdio.h>

#include "chart.h"
#include "view.h"

#define AUG_MIN_PX 8

void ihg_pane_augment(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[160], label[32], pct[24];
    ihg_rect in;
    ihg_image_grid g;
    size_t rows = v->img_rows, cols = v->img_cols, d = rows * cols, n = v->aug_n, i, outside = 0;
    int k;

    if (n == 0 || d == 0 || !v->aug_orig || !v->aug_img || !v->aug_draw) {
        in = ihg_pane_frame(cv, r, v, IHG_PANE_2D, "");
        ihg_canvas_fit(cv, in.x, in.y + 1, in.w, IHG_ROLE_DIM,
                       "no images: learned augmentation on image data only");
        return;
    }
    for (i = 0; i < n * d; i++)
        if (!(v->aug_img[i] >= 0 && v->aug_img[i] <= 1))
            outside++;
    /* the augmentations are made now, at the current lambda and draw */
    if (v->disp.img_minmax) {
        snprintf(extra, sizeof extra, "%s, grey min..max (s)", v->aug_draw);
    } else if (outside) {
        ihg_format_fixed(pct, sizeof pct, 100.0 * (double)outside / (double)(n * d), 1);
        snprintf(extra, sizeof extra, "%s, grey 0..1, %s%% clipped (s)", v->aug_draw, pct);
    } else {
        snprintf(extra, sizeof extra, "%s, grey 0..1 (s)", v->aug_draw);
    }
    in = ihg_pane_frame(cv, r, v, IHG_PANE_2D, extra);

    /* as many pairs as fit legibly */
    for (k = (int)(2 * n); k >= 2; k -= 2)
        if (ihg_image_grid_fit(&g, in.w, in.h, k, (int)rows, (int)cols, AUG_MIN_PX))
            break;
    if (k < 2) {
        int y = in.y + (in.h - 2) / 2;
        if (y < in.y)
            y = in.y;
        ihg_canvas_fitf(cv, in.x, y, in.w, IHG_ROLE_DIM, "images of %zux%zu need more room:",
                        rows, cols);
        ihg_canvas_fit(cv, in.x, y + 1, in.w, IHG_ROLE_WARN, "enlarge the terminal or zoom (6 6)");
        return;
    }
    if (g.gcols % 2 == 1 && g.gcols > 1) { /* keep each pair on one row */
        g.gcols--;
        if ((k + g.gcols - 1) / g.gcols > g.grows)
            k = g.gcols * g.grows;
    }
    {
        int gw = g.gcols * g.cell_w - 1, gh = (k + g.gcols - 1) / g.gcols * g.cell_h, c;
        int x0 = in.x + (in.w - gw) / 2, y0 = in.y + (in.h - gh) / 2;
        for (c = 0; c < k; c++) {
            int gx = x0 + (c % g.gcols) * g.cell_w, gy = y0 + (c / g.gcols) * g.cell_h;
            size_t img = (size_t)c / 2;
            const double *px = (c % 2 ? v->aug_img : v->aug_orig) + img * d;
            double lo = 0, hi = 1;
            if (v->disp.img_minmax)
                ihg_image_range(px, 1, d, &lo, &hi);
            snprintf(label, sizeof label, c % 2 ? "%zu aug" : "%zu", img);
            ihg_canvas_fit(cv, gx, gy, g.tw, c % 2 ? IHG_ROLE_TITLE : IHG_ROLE_DIM, label);
            ihg_image_draw(cv, gx, gy + 1, px, 1, (int)rows, (int)cols, g.tw, g.th, lo, hi);
        }
    }
}
