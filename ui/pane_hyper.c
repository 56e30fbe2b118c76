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

/* k-th smallest of t[0..n-1] (reorders t): quickselect, O(n) on average */
static double select_kth(double *t, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = t[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (t[i] < pivot)
                i++;
            while (t[j] > pivot)
                j--;
            if (i <= j) {
                double x = t[i];
                t[i] = t[j];
                t[j] = x;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return t[k];
    }
    return t[k];
}

/* min, median, max of the finite entries of a vector, for display. */
static void summary(const gsl_vector *x, double *mn, double *md, double *mx)
{
    size_t n = x ? x->size : 0, i, m = 0;
    double *t = n ? malloc(n * sizeof *t) : NULL;
    *mn = *md = *mx = NAN;
    if (!t)
        return;
    for (i = 0; i < n; i++) {
        double a = gsl_vector_get(x, i);
        if (isfinite(a))
            t[m++] = a;
    }
    if (m > 0) {
        *mn = *mx = t[0];
        for (i = 1; i < m; i++) {
            if (t[i] < *mn)
                *mn = t[i];
            if (t[i] > *mx)
                *mx = t[i];
        }
        *md = select_kth(t, m, m / 2);
        if (m % 2 == 0) { /* the lower middle: the largest of the lower half */
            double lower = t[0];
            for (i = 1; i < m / 2; i++)
                if (t[i] > lower)
                    lower = t[i];
            *md = 0.5 * (lower + *md);
        }
    }
    free(t);
}

/* What the histogram view derives from lambda and the hypergradient, kept
 * between frames while view->point_version stays the same (millions of
 * hyperparameters would otherwise cost tens of ms per frame). */
static struct {
    const gsl_vector *lam, *hg;
    unsigned long version;
    size_t n;
    int bins, valid;
    double mn, md, mx, gmn, gmd, gmx;
    int *count, maxc;
} cache;

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
    int fresh = !(cache.valid && v->point_version != 0 &&
                  cache.version == v->point_version && cache.lam == v->lambda &&
                  cache.hg == v->hypergrad && cache.n == v->Hn);
    if (fresh) {
        summary(v->lambda, &cache.mn, &cache.md, &cache.mx);
        summary(v->hypergrad, &cache.gmn, &cache.gmd, &cache.gmx);
        cache.lam = v->lambda;
        cache.hg = v->hypergrad;
        cache.version = v->point_version;
        cache.n = v->Hn;
        cache.bins = -1; /* histogram below */
        cache.valid = 1;
    }
    mn = cache.mn;
    md = cache.md;
    mx = cache.mx;
    gmn = cache.gmn;
    gmd = cache.gmd;
    gmx = cache.gmx;
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
    if (cache.bins != bins) {
        count = realloc(cache.count, (size_t)bins * sizeof *count);
        if (!count)
            return;
        cache.count = count;
        memset(count, 0, (size_t)bins * sizeof *count);
        for (i = 0; i < v->Hn; i++) {
            double l = gsl_vector_get(v->lambda, i);
            if (!isfinite(l))
                continue;
            b = mx > mn ? (int)((l - mn) / (mx - mn) * (bins - 1) + 0.5) : bins / 2;
            count[b]++;
        }
        cache.maxc = 0;
        for (b = 0; b < bins; b++)
            if (count[b] > cache.maxc)
                cache.maxc = count[b];
        cache.bins = bins;
    }
    count = cache.count;
    maxc = cache.maxc;
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
