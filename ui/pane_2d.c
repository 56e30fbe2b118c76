/* pane_2d.c - the quadratic toy seen whole: contours of L_T(., lambda) in
 * the theta plane, the iterate theta, the optimum theta*(lambda) and its
 * path over the outer steps, the validation target t, and an inset of the
 * lambda plane with the descent direction -dL_V/dlambda.
 *
 * Every value comes from the engine (src/plane.c) through the view: the
 * pane chooses the region and the dot grid it draws on, and when the view's
 * loss grid is not the one it needs it writes the one it needs into
 * v->plane_want and draws without contours until it arrives.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_vector.h>

#include "chart.h"
#include "view.h"

#define NLEVELS 6

typedef struct {
    double x0, y0, scale; /* data = x0 + dot * scale; y grows upwards */
    int dw, dh;
} frame2d;

static void grow(double *lo, double *hi, double v)
{
    if (!isfinite(v))
        return;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
}

static int to_dot_x(const frame2d *f, double x) { return (int)lround((x - f->x0) / f->scale); }
static int to_dot_y(const frame2d *f, double y) { return f->dh - 1 - (int)lround((y - f->y0) / f->scale); }

static void mark(ihg_canvas *cv, const ihg_dots *d, const frame2d *f, double x, double y,
                 wchar_t ch, int role)
{
    int dx = to_dot_x(f, x), dy = to_dot_y(f, y);
    if (dx < 0 || dy < 0 || dx >= d->dw || dy >= d->dh)
        return;
    ihg_canvas_set(cv, d->r.x + dx / d->sx, d->r.y + dy / d->sy, ch, role);
}

static void lambda_inset(ihg_canvas *cv, ihg_rect box, const ihg_view *v)
{
    ihg_rect in = {box.x + 1, box.y + 1, box.w - 2, box.h - 2};
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY}, span, gx, gy, gn;
    size_t i, hn = v->plane.n_lambda;
    ihg_dots d;
    int cx, cy, len;
    ihg_canvas_fill(cv, box, L' ', IHG_ROLE_NORMAL);
    ihg_canvas_box(cv, box, IHG_ROLE_BORDER, IHG_TXT(cv, "\xce\xbb plane", "lambda plane"),
                   IHG_ROLE_TITLE);
    if (hn < 1 || hn > 2 || ihg_dots_init(&d, in, cv->ascii) != 0)
        return;
    for (i = 0; i < v->plane.n_path; i++) {
        grow(&lo[0], &hi[0], v->plane.lambda_path[i * hn]);
        grow(&lo[1], &hi[1], hn > 1 ? v->plane.lambda_path[i * hn + 1] : 0);
    }
    grow(&lo[0], &hi[0], v->plane.lambda[0]);
    grow(&lo[1], &hi[1], hn > 1 ? v->plane.lambda[1] : 0);
    span = fmax(hi[0] - lo[0], hi[1] - lo[1]);
    if (!(span > 0.5))
        span = 0.5;
    span *= 1.6;
    {
        frame2d f;
        double sc = fmax(span / d.dw, span / d.dh);
        f.scale = sc;
        f.dw = d.dw;
        f.dh = d.dh;
        f.x0 = 0.5 * (lo[0] + hi[0]) - 0.5 * d.dw * sc;
        f.y0 = 0.5 * (lo[1] + hi[1]) - 0.5 * d.dh * sc;
        for (i = 0; i + 1 < v->plane.n_path; i++)
            ihg_dots_line(&d, to_dot_x(&f, v->plane.lambda_path[i * hn]),
                          to_dot_y(&f, hn > 1 ? v->plane.lambda_path[i * hn + 1] : 0),
                          to_dot_x(&f, v->plane.lambda_path[(i + 1) * hn]),
                          to_dot_y(&f, hn > 1 ? v->plane.lambda_path[(i + 1) * hn + 1] : 0),
                          IHG_ROLE_DIM, '.');
        cx = to_dot_x(&f, v->plane.lambda[0]);
        cy = to_dot_y(&f, hn > 1 ? v->plane.lambda[1] : 0);
        /* the arrow: -hypergradient, drawn with a fixed length in dots */
        gx = -v->plane.hypergrad[0];
        gy = hn > 1 ? v->plane.hypergrad[1] : 0; /* screen y down */
        gn = hypot(gx, gy);
        len = (d.dw < d.dh ? d.dw : d.dh) / 2;
        if (gn > 0 && isfinite(gn))
            ihg_dots_line(&d, cx, cy, cx + (int)lround(gx / gn * len),
                          cy + (int)lround(gy / gn * len), IHG_ROLE_VAL, '>');
        ihg_dots_blit(&d, cv);
        if (cx >= 0 && cy >= 0 && cx < d.dw && cy < d.dh)
            ihg_canvas_set(cv, in.x + cx / d.sx, in.y + cy / d.sy,
                           cv->ascii ? L'L' : (wchar_t)0x03BB,
                           IHG_ROLE_NUMBER);
    }
    ihg_canvas_fit(cv, in.x, in.y + in.h - 1, in.w, IHG_ROLE_DIM,
                   IHG_TXT(cv, "\xe2\x86\x92 \xe2\x88\x92" "dL_V/d\xce\xbb", "-> -dL_V/dlambda"));
    ihg_dots_free(&d);
}

static int same_frame(const ihg_plane_frame *a, const ihg_plane_frame *b)
{
    return a->x0 == b->x0 && a->y0 == b->y0 && a->step == b->step && a->nx == b->nx &&
           a->ny == b->ny && a->lambda_version == b->lambda_version;
}

void ihg_pane_2d(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    const ihg_plane_view *pl = &v->plane;
    ihg_rect in, plot;
    double lox = INFINITY, hix = -INFINITY, loy = INFINITY, hiy = -INFINITY;
    double cx, cy, span, Lmin = INFINITY, Lmax = -INFINITY;
    const double *L = NULL;
    ihg_plane_frame want;
    frame2d f;
    ihg_dots d;
    size_t i;
    int x, y;

    in = ihg_pane_frame(cv, r, v, IHG_PANE_2D,
                        IHG_TXT(cv, "\xce\xb8 plane: contours of L_T(\xc2\xb7, \xce\xbb)",
                                "theta plane: contours of L_T(., lambda)"));
    if (!pl->on) {
        ihg_canvas_fit(cv, in.x, in.y + 1, in.w, IHG_ROLE_DIM,
                       "the 2-D view is for the quadratic model (P = 2)");
        return;
    }
    if (in.w < 20 || in.h < 5)
        return;
    ihg_canvas_fit(cv, in.x, in.y, in.w, IHG_ROLE_DIM,
                   IHG_TXT(cv, "\xce\xb8 iterate  * \xce\xb8*(\xce\xbb)  t target  c data optimum",
                           "@ theta  * theta*(lambda)  t target  c data optimum  . path"));
    plot = (ihg_rect){in.x, in.y + 1, in.w, in.h - 1};

    /* the region: everything of interest, with a margin */
    grow(&lox, &hix, pl->theta[0]);
    grow(&loy, &hiy, pl->theta[1]);
    grow(&lox, &hix, pl->opt[0]);
    grow(&loy, &hiy, pl->opt[1]);
    grow(&lox, &hix, pl->target[0]);
    grow(&loy, &hiy, pl->target[1]);
    grow(&lox, &hix, pl->data_opt[0]);
    grow(&loy, &hiy, pl->data_opt[1]);
    for (i = 0; i < pl->n_path; i++) {
        grow(&lox, &hix, pl->theta_path[2 * i]);
        grow(&loy, &hiy, pl->theta_path[2 * i + 1]);
    }
    if (!(hix >= lox) || !(hiy >= loy))
        return;
    span = fmax(hix - lox, hiy - loy);
    if (!(span > 0.2))
        span = 0.2;
    span *= 1.5;
    cx = 0.5 * (lox + hix) + 0.1 * span * v->disp.scroll_x[IHG_PANE_2D];
    cy = 0.5 * (loy + hiy) - 0.1 * span * v->disp.scroll_y[IHG_PANE_2D];
    if (ihg_dots_init(&d, plot, cv->ascii) != 0)
        return;
    f.dw = d.dw;
    f.dh = d.dh;
    f.scale = fmax(span / d.dw, span / d.dh);
    f.x0 = cx - 0.5 * d.dw * f.scale;
    f.y0 = cy - 0.5 * d.dh * f.scale;

    /* contours: L_T on the dot grid (from the engine), a dot where the
     * level changes */
    want = (ihg_plane_frame){f.x0, f.y0, f.scale, d.dw, d.dh, v->lambda_version};
    if (pl->grid && same_frame(&pl->grid_frame, &want))
        L = pl->grid;
    else if (v->plane_want)
        *v->plane_want = want;
    if (L) {
        for (i = 0; i < (size_t)d.dw * d.dh; i++)
            if (isfinite(L[i])) {
                if (L[i] < Lmin) Lmin = L[i];
                if (L[i] > Lmax) Lmax = L[i];
            }
        if (Lmax > Lmin) {
            /* levels evenly spaced in sqrt(L - Lmin): even rings for a
             * quadratic (display scaling only) */
            double top = sqrt(Lmax - Lmin);
            for (y = 0; y < d.dh; y++)
                for (x = 0; x < d.dw; x++) {
                    double a = L[(size_t)y * d.dw + x];
                    int la = (int)(sqrt(fmax(a - Lmin, 0)) / top * NLEVELS);
                    int lr = x + 1 < d.dw
                                 ? (int)(sqrt(fmax(L[(size_t)y * d.dw + x + 1] - Lmin, 0)) / top * NLEVELS)
                                 : la;
                    int lb = y + 1 < d.dh
                                 ? (int)(sqrt(fmax(L[(size_t)(y + 1) * d.dw + x] - Lmin, 0)) / top * NLEVELS)
                                 : la;
                    if (la != lr || la != lb)
                        ihg_dots_set(&d, x, y, IHG_ROLE_DIM, '.');
                }
        }
    }

    /* the path of theta*(lambda_t) over the outer steps, and theta's */
    if (pl->n_path > 0) {
        double prev[2] = {NAN, NAN};
        for (i = 0; i < pl->n_path; i++) {
            const double *o = pl->opt_path + 2 * i;
            if (!isfinite(o[0]) || !isfinite(o[1]))
                continue;
            if (isfinite(prev[0]))
                ihg_dots_line(&d, to_dot_x(&f, prev[0]), to_dot_y(&f, prev[1]),
                              to_dot_x(&f, o[0]), to_dot_y(&f, o[1]), IHG_ROLE_EXACT, '*');
            prev[0] = o[0];
            prev[1] = o[1];
        }
        if (isfinite(prev[0]) && isfinite(pl->opt[0]))
            ihg_dots_line(&d, to_dot_x(&f, prev[0]), to_dot_y(&f, prev[1]),
                          to_dot_x(&f, pl->opt[0]), to_dot_y(&f, pl->opt[1]), IHG_ROLE_EXACT, '*');
    }
    for (i = 0; i + 1 < pl->n_path; i++)
        ihg_dots_line(&d, to_dot_x(&f, pl->theta_path[2 * i]), to_dot_y(&f, pl->theta_path[2 * i + 1]),
                      to_dot_x(&f, pl->theta_path[2 * i + 2]), to_dot_y(&f, pl->theta_path[2 * i + 3]),
                      IHG_ROLE_TRAIN, '+');
    ihg_dots_blit(&d, cv);

    if (isfinite(pl->data_opt[0]))
        mark(cv, &d, &f, pl->data_opt[0], pl->data_opt[1], L'c', IHG_ROLE_DIM);
    if (isfinite(pl->target[0]))
        mark(cv, &d, &f, pl->target[0], pl->target[1], L't', IHG_ROLE_VAL);
    if (isfinite(pl->opt[0]))
        mark(cv, &d, &f, pl->opt[0], pl->opt[1], L'*', IHG_ROLE_EXACT);
    mark(cv, &d, &f, pl->theta[0], pl->theta[1], cv->ascii ? L'@' : 0x03B8, IHG_ROLE_NUMBER);
    {
        char a[16], b[16];
        ihg_format_short(a, sizeof a, f.x0, 7);
        ihg_format_short(b, sizeof b, f.x0 + d.dw * f.scale, 7);
        ihg_canvas_fitf(cv, plot.x, plot.y + plot.h - 1, plot.w / 2, IHG_ROLE_AXIS,
                        "%s1: %s .. %s", IHG_TXT(cv, "\xce\xb8", "theta"), a, b);
    }
    ihg_dots_free(&d);

    if (in.w >= 56 && in.h >= 12 && pl->n_lambda <= 2)
        lambda_inset(cv, (ihg_rect){in.x + in.w - 24, in.y + 1, 24, in.h >= 16 ? 10 : 8}, v);
}
