/* pane_2d.c - the quadratic toy seen whole: contours of L_T(., lambda) in
 * the theta plane, the iterate theta, the optimum theta*(lambda) and its
 * path over the outer steps, the validation target t, and an inset of the
 * lambda plane with the descent direction -dL_V/dlambda.
 *
 * Losses and optima come from the model table (train_loss, solve_inner):
 * the pane evaluates the engine's functions, it does not re-derive them.
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

static int optimum(ihg_model *m, const double *lam, size_t hn, double out[2])
{
    gsl_vector_const_view lv = gsl_vector_const_view_array(lam, hn);
    gsl_vector_view tv = gsl_vector_view_array(out, 2);
    if (!m->type->solve_inner)
        return -1;
    return m->type->solve_inner(m, &lv.vector, &tv.vector);
}

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
    size_t i, hn = v->Hn;
    ihg_dots d;
    int cx, cy, len;
    ihg_canvas_fill(cv, box, L' ', IHG_ROLE_NORMAL);
    ihg_canvas_box(cv, box, IHG_ROLE_BORDER, IHG_TXT(cv, "\xce\xbb plane", "lambda plane"),
                   IHG_ROLE_TITLE);
    if (hn < 1 || hn > 2 || ihg_dots_init(&d, in, cv->ascii) != 0)
        return;
    for (i = 0; i < v->n_lambda_path; i++) {
        grow(&lo[0], &hi[0], v->lambda_path[i * hn]);
        grow(&lo[1], &hi[1], hn > 1 ? v->lambda_path[i * hn + 1] : 0);
    }
    grow(&lo[0], &hi[0], gsl_vector_get(v->lambda, 0));
    grow(&lo[1], &hi[1], hn > 1 ? gsl_vector_get(v->lambda, 1) : 0);
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
        for (i = 0; i + 1 < v->n_lambda_path; i++)
            ihg_dots_line(&d, to_dot_x(&f, v->lambda_path[i * hn]),
                          to_dot_y(&f, hn > 1 ? v->lambda_path[i * hn + 1] : 0),
                          to_dot_x(&f, v->lambda_path[(i + 1) * hn]),
                          to_dot_y(&f, hn > 1 ? v->lambda_path[(i + 1) * hn + 1] : 0),
                          IHG_ROLE_DIM, '.');
        cx = to_dot_x(&f, gsl_vector_get(v->lambda, 0));
        cy = to_dot_y(&f, hn > 1 ? gsl_vector_get(v->lambda, 1) : 0);
        /* the arrow: -hypergradient, drawn with a fixed length in dots */
        gx = v->hypergrad ? -gsl_vector_get(v->hypergrad, 0) : 0;
        gy = v->hypergrad && hn > 1 ? gsl_vector_get(v->hypergrad, 1) : 0; /* screen y down */
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
    ihg_canvas_text(cv, in.x, in.y + in.h - 1, in.w, IHG_ROLE_DIM,
                    IHG_TXT(cv, "\xe2\x86\x92 \xe2\x88\x92" "dL_V/d\xce\xbb", "-> -dL_V/dlambda"));
    ihg_dots_free(&d);
}

void ihg_pane_2d(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    ihg_rect in, plot;
    ihg_model *m = v->model;
    double lox = INFINITY, hix = -INFINITY, loy = INFINITY, hiy = -INFINITY;
    double opt[2] = {NAN, NAN}, cx, cy, span, *L, Lmin = INFINITY, Lmax = -INFINITY;
    const ihg_data *data;
    const double *c = NULL; /* the data optimum, when the model has one */
    frame2d f;
    ihg_dots d;
    size_t i;
    int x, y;

    in = ihg_pane_frame(cv, r, v, IHG_PANE_2D,
                        IHG_TXT(cv, "\xce\xb8 plane: contours of L_T(\xc2\xb7, \xce\xbb)",
                                "theta plane: contours of L_T(., lambda)"));
    if (!m || !v->theta || v->theta->size != 2 || !v->lambda) {
        ihg_canvas_text(cv, in.x + 1, in.y + 1, in.w - 2, IHG_ROLE_DIM,
                        "the 2-D view is for the quadratic model (P = 2)");
        return;
    }
    if (in.w < 20 || in.h < 5)
        return;
    ihg_canvas_text(cv, in.x, in.y, in.w, IHG_ROLE_DIM,
                    IHG_TXT(cv, "\xce\xb8 iterate  * \xce\xb8*(\xce\xbb)  t target  c data optimum",
                            "@ theta  * theta*(lambda)  t target  c data optimum  . path"));
    plot = (ihg_rect){in.x, in.y + 1, in.w, in.h - 1};
    data = v->ds ? v->ds->train : NULL;

    /* the region: everything of interest, with a margin */
    optimum(m, v->lambda->data, v->Hn, opt);
    grow(&lox, &hix, gsl_vector_get(v->theta, 0));
    grow(&loy, &hiy, gsl_vector_get(v->theta, 1));
    grow(&lox, &hix, opt[0]);
    grow(&loy, &hiy, opt[1]);
    if (v->target) {
        grow(&lox, &hix, v->target[0]);
        grow(&loy, &hiy, v->target[1]);
    }
    if (m->type->plane_points)
        c = m->type->plane_points(m).data_optimum;
    if (c) {
        grow(&lox, &hix, c[0]);
        grow(&loy, &hiy, c[1]);
    }
    for (i = 0; i < v->n_theta_path; i++) {
        grow(&lox, &hix, v->theta_path[2 * i]);
        grow(&loy, &hiy, v->theta_path[2 * i + 1]);
    }
    if (!(hix >= lox) || !(hiy >= loy))
        return;
    span = fmax(hix - lox, hiy - loy);
    if (!(span > 0.2))
        span = 0.2;
    span *= 1.5;
    cx = 0.5 * (lox + hix) + 0.1 * span * v->scroll_x[IHG_PANE_2D];
    cy = 0.5 * (loy + hiy) - 0.1 * span * v->scroll_y[IHG_PANE_2D];
    if (ihg_dots_init(&d, plot, cv->ascii) != 0)
        return;
    f.dw = d.dw;
    f.dh = d.dh;
    f.scale = fmax(span / d.dw, span / d.dh);
    f.x0 = cx - 0.5 * d.dw * f.scale;
    f.y0 = cy - 0.5 * d.dh * f.scale;

    /* contours: L_T on the dot grid, a dot where the level changes */
    L = malloc((size_t)d.dw * d.dh * sizeof *L);
    if (L) {
        for (y = 0; y < d.dh; y++)
            for (x = 0; x < d.dw; x++) {
                double p[2];
                gsl_vector_view pv;
                double val;
                p[0] = f.x0 + x * f.scale;
                p[1] = f.y0 + (d.dh - 1 - y) * f.scale;
                pv = gsl_vector_view_array(p, 2);
                val = m->type->train_loss(m, &pv.vector, v->lambda, data, NULL);
                L[(size_t)y * d.dw + x] = val;
                if (isfinite(val)) {
                    if (val < Lmin) Lmin = val;
                    if (val > Lmax) Lmax = val;
                }
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
        free(L);
    }

    /* the path of theta*(lambda_t) over the outer steps, and theta's */
    if (v->n_lambda_path > 0 && m->type->solve_inner) {
        double prev[2] = {NAN, NAN};
        for (i = 0; i < v->n_lambda_path; i++) {
            double o[2];
            if (optimum(m, v->lambda_path + i * v->Hn, v->Hn, o) != 0)
                continue;
            if (isfinite(prev[0]))
                ihg_dots_line(&d, to_dot_x(&f, prev[0]), to_dot_y(&f, prev[1]),
                              to_dot_x(&f, o[0]), to_dot_y(&f, o[1]), IHG_ROLE_EXACT, '*');
            prev[0] = o[0];
            prev[1] = o[1];
        }
        if (isfinite(prev[0]) && isfinite(opt[0]))
            ihg_dots_line(&d, to_dot_x(&f, prev[0]), to_dot_y(&f, prev[1]),
                          to_dot_x(&f, opt[0]), to_dot_y(&f, opt[1]), IHG_ROLE_EXACT, '*');
    }
    for (i = 0; i + 1 < v->n_theta_path; i++)
        ihg_dots_line(&d, to_dot_x(&f, v->theta_path[2 * i]), to_dot_y(&f, v->theta_path[2 * i + 1]),
                      to_dot_x(&f, v->theta_path[2 * i + 2]), to_dot_y(&f, v->theta_path[2 * i + 3]),
                      IHG_ROLE_TRAIN, '+');
    ihg_dots_blit(&d, cv);

    if (c)
        mark(cv, &d, &f, c[0], c[1], L'c', IHG_ROLE_DIM);
    if (v->target)
        mark(cv, &d, &f, v->target[0], v->target[1], L't', IHG_ROLE_VAL);
    if (isfinite(opt[0]))
        mark(cv, &d, &f, opt[0], opt[1], L'*', IHG_ROLE_EXACT);
    mark(cv, &d, &f, gsl_vector_get(v->theta, 0), gsl_vector_get(v->theta, 1),
         cv->ascii ? L'@' : 0x03B8, IHG_ROLE_NUMBER);
    {
        char a[16], b[16];
        ihg_format_short(a, sizeof a, f.x0, 7);
        ihg_format_short(b, sizeof b, f.x0 + d.dw * f.scale, 7);
        ihg_canvas_printf(cv, plot.x, plot.y + plot.h - 1, plot.w / 2, IHG_ROLE_AXIS,
                          "%s1: %s .. %s", IHG_TXT(cv, "\xce\xb8", "theta"), a, b);
    }
    ihg_dots_free(&d);

    if (in.w >= 56 && in.h >= 12 && v->Hn <= 2)
        lambda_inset(cv, (ihg_rect){in.x + in.w - 24, in.y + 1, 24, in.h >= 16 ? 10 : 8}, v);
}
