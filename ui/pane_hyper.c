/* pane_hyper.c - the hyperparameters lambda and their hypergradient.
 *
 * Up to 30 of them: one row each, the value and the hypergradient as
 * signed bars.  More: a histogram of lambda and min / median / max of
 * both, plus the norms from the last record.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "view.h"

#define HYPER_ROWS_MAX 30

static double max_abs(const gsl_vector *x)
{
    double m = 0;
    size_t i;
    for (i = 0; x && i < x->size; i++) {
        double a = fabs(gsl_vector_get(x, i));
        if (isfinite(a) && a > m)
            m = a;
    }
    return m;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* min, median, max of a vector, for display. */
static void summary(const gsl_vector *x, double *mn, double *md, double *mx)
{
    size_t n = x ? x->size : 0, i;
    double *t = n ? malloc(n * sizeof *t) : NULL;
    *mn = *md = *mx = NAN;
    if (!t)
        return;
    for (i = 0; i < n; i++)
        t[i] = gsl_vector_get(x, i);
    qsort(t, n, sizeof *t, cmp_double);
    *mn = t[0];
    *mx = t[n - 1];
    *md = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    free(t);
}

static void rows(ihg_canvas *cv, ihg_rect in, const ihg_view *v)
{
    double ml = max_abs(v->lambda), mg = max_abs(v->hypergrad);
    int y = in.y, first, i, n = (int)v->Hn, bw, gx;
    char a[16], b[16];
    const char *lam = IHG_TXT(cv, "\xce\xbb", "lam");
    bw = (in.w - 5 - 9 - 10 - 3) / 2;
    if (bw < 3)
        bw = 3;
    gx = in.x + 5 + 9 + bw + 1;
    ihg_canvas_printf(cv, in.x, y, 14 + bw, IHG_ROLE_TITLE, "%s (log decay)", lam);
    ihg_canvas_text(cv, gx, y, in.x + in.w - gx, IHG_ROLE_TITLE,
                    IHG_TXT(cv, "dL_V/d\xce\xbb (hypergradient)", "dL_V/dlambda"));
    y++;
    first = v->scroll_y[IHG_PANE_HYPER];
    if (first > n - (in.h - 1))
        first = n - (in.h - 1);
    if (first < 0)
        first = 0;
    for (i = first; i < n && y < in.y + in.h; i++, y++) {
        double l = gsl_vector_get(v->lambda, i);
        double g = v->hypergrad ? gsl_vector_get(v->hypergrad, i) : NAN;
        ihg_format_short(a, sizeof a, l, 8);
        ihg_format_short(b, sizeof b, g, 9);
        ihg_canvas_printf(cv, in.x, y, 5, IHG_ROLE_DIM, "%s%d", cv->ascii ? "l" : lam, i + 1);
        ihg_canvas_printf(cv, in.x + 5, y, 9, IHG_ROLE_NORMAL, "%8s", a);
        ihg_hbar_signed(cv, in.x + 5 + 9, y, bw, ml > 0 ? l / ml : 0, IHG_ROLE_TRAIN);
        ihg_canvas_printf(cv, gx, y, 10, IHG_ROLE_NORMAL, "%9s", b);
        ihg_hbar_signed(cv, gx + 10, y, bw, mg > 0 ? g / mg : 0,
                        g > 0 ? IHG_ROLE_VAL : IHG_ROLE_GOOD);
    }
    if (first > 0 || i < n)
        ihg_canvas_printf(cv, in.x + in.w - 12, in.y, 12, IHG_ROLE_DIM, "%d-%d/%d j/k",
                          first + 1, i, n);
}

static void histogram(ihg_canvas *cv, ihg_rect in, const ihg_view *v)
{
    double mn, md, mx, gmn, gmd, gmx;
    int bins = in.w - 2, hh = in.h - 4, b, maxc = 0, *count;
    size_t i;
    char s1[16], s2[16], s3[16];
    const ihg_record *last = v->nhist ? &v->hist[v->nhist - 1] : NULL;
    summary(v->lambda, &mn, &md, &mx);
    summary(v->hypergrad, &gmn, &gmd, &gmx);
    ihg_format_short(s1, sizeof s1, mn, 8);
    ihg_format_short(s2, sizeof s2, md, 8);
    ihg_format_short(s3, sizeof s3, mx, 8);
    ihg_canvas_printf(cv, in.x, in.y, in.w, IHG_ROLE_NORMAL,
                      "%zu %s: min %s  median %s  max %s", v->Hn,
                      IHG_TXT(cv, "\xce\xbb", "lambda"), s1, s2, s3);
    ihg_format_short(s1, sizeof s1, gmn, 8);
    ihg_format_short(s2, sizeof s2, gmd, 8);
    ihg_format_short(s3, sizeof s3, gmx, 8);
    ihg_canvas_printf(cv, in.x, in.y + 1, in.w, IHG_ROLE_NORMAL,
                      "hypergradient: min %s  median %s  max %s", s1, s2, s3);
    if (last) {
        ihg_format_short(s1, sizeof s1, last->lambda_norm, 8);
        ihg_format_short(s2, sizeof s2, last->hypergrad_norm, 8);
        ihg_canvas_printf(cv, in.x, in.y + 2, in.w, IHG_ROLE_DIM,
                          "%s = %s   %s = %s  (outer step %ld)",
                          IHG_TXT(cv, "\xe2\x80\x96\xce\xbb\xe2\x80\x96", "|lambda|"), s1,
                          IHG_TXT(cv, "\xe2\x80\x96" "dL_V/d\xce\xbb\xe2\x80\x96", "|hypergrad|"),
                          s2, last->outer);
    }
    if (hh < 2 || bins < 4 || !(mx >= mn))
        return;
    count = calloc((size_t)bins, sizeof *count);
    if (!count)
        return;
    for (i = 0; i < v->Hn; i++) {
        double l = gsl_vector_get(v->lambda, i);
        if (!isfinite(l))
            continue;
        b = mx > mn ? (int)((l - mn) / (mx - mn) * (bins - 1) + 0.5) : bins / 2;
        count[b]++;
    }
    for (b = 0; b < bins; b++)
        if (count[b] > maxc)
            maxc = count[b];
    for (b = 0; b < bins; b++)
        ihg_vbar(cv, in.x + 1 + b, in.y + 3 + hh - 1, hh, maxc ? (double)count[b] / maxc : 0,
                 IHG_ROLE_TRAIN);
    ihg_format_short(s1, sizeof s1, mn, 8);
    ihg_format_short(s3, sizeof s3, mx, 8);
    ihg_canvas_text(cv, in.x + 1, in.y + in.h - 1, in.w / 2, IHG_ROLE_AXIS, s1);
    ihg_canvas_text(cv, in.x + in.w - 1 - (int)strlen(s3), in.y + in.h - 1, 10,
                    IHG_ROLE_AXIS, s3);
    ihg_canvas_printf(cv, in.x + in.w / 2 - 6, in.y + in.h - 1, 14, IHG_ROLE_DIM,
                      "peak %d", maxc);
    free(count);
}

void ihg_pane_hyper(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[48];
    ihg_rect in;
    snprintf(extra, sizeof extra, "(%zu)", v->Hn);
    in = ihg_pane_frame(cv, r, v, IHG_PANE_HYPER, extra);
    if (in.w < 10 || in.h < 2 || !v->lambda)
        return;
    if (v->Hn <= HYPER_ROWS_MAX)
        rows(cv, in, v);
    else
        histogram(cv, in, v);
}
