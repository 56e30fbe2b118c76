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

/* min, median, max of the finite entries of a vector, for display.
 *
 * Exact, without copying the vector: one pass for min and max, one to
 * count the entries in SUMMARY_BINS equal bins, then the bin(s) holding
 * the middle rank(s) are gathered and the median selected among them.
 * About 10 ms for 1.8M values instead of ~40 ms for a copy and a
 * quickselect of the whole vector. */
#define SUMMARY_BINS 4096

static int summary_bin(double a, double mn, double scale)
{
    int b = (int)((a - mn) * scale);
    return b < 0 ? 0 : b >= SUMMARY_BINS ? SUMMARY_BINS - 1 : b;
}

static void summary(const gsl_vector *x, double *mn, double *md, double *mx)
{
    static size_t count[SUMMARY_BINS];
    size_t n = x ? x->size : 0, st = x ? x->stride : 1, i, m = 0, lo_rank, hi_rank, cum;
    size_t before = 0, ng = 0;
    const double *d = x ? x->data : NULL;
    double scale, *t;
    int b, b_lo = -1, b_hi = -1;
    *mn = *md = *mx = NAN;
    for (i = 0; i < n; i++) {
        double a = d[i * st];
        if (!isfinite(a))
            continue;
        if (m++ == 0)
            *mn = *mx = a;
        else if (a < *mn)
            *mn = a;
        else if (a > *mx)
            *mx = a;
    }
    if (m == 0)
        return;
    if (!(*mx > *mn)) {
        *md = *mn;
        return;
    }
    scale = SUMMARY_BINS / (*mx - *mn);
    memset(count, 0, sizeof count);
    for (i = 0; i < n; i++) {
        double a = d[i * st];
        if (isfinite(a))
            count[summary_bin(a, *mn, scale)]++;
    }
    /* 0-based ranks of the middle: equal when m is odd */
    lo_rank = (m - 1) / 2;
    hi_rank = m / 2;
    for (b = 0, cum = 0; b < SUMMARY_BINS; b++) {
        if (b_lo < 0 && cum + count[b] > lo_rank) {
            b_lo = b;
            before = cum;
        }
        if (cum + count[b] > hi_rank) {
            b_hi = b;
            break;
        }
        cum += count[b];
    }
    if (b_lo < 0 || b_hi < 0)
        return;
    for (b = b_lo; b <= b_hi; b++)
        ng += count[b];
    t = malloc(ng * sizeof *t);
    if (!t)
        return;
    ng = 0;
    for (i = 0; i < n; i++) {
        double a = d[i * st];
        if (isfinite(a)) {
            b = summary_bin(a, *mn, scale);
            if (b >= b_lo && b <= b_hi)
                t[ng++] = a;
        }
    }
    for (i = 1; i < ng && t[i] == t[0]; i++)
        ;
    if (i == ng) /* one value in the middle bins (a common case: many
                    lambdas never moved, many hypergradients exactly 0) */
        *md = t[0];
    else {
        double lo = select_kth(t, ng, lo_rank - before);
        double hi = hi_rank == lo_rank ? lo : select_kth(t, ng, hi_rank - before);
        *md = 0.5 * (lo + hi);
    }
    free(t);
}

/* What the histogram view derives from lambda and the hypergradient, kept
 * between frames while view->lambda_version / hypergrad_version stay the same (millions of
 * hyperparameters would otherwise cost tens of ms per frame). */
static struct {
    const gsl_vector *lam, *hg;
    unsigned long lversion, gversion;
    size_t n;
    int bins, lvalid, gvalid;
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
    /* what lambda holds: the name of its segment (layout of the session) */
    if (v->layout && v->layout->nseg == 1)
        ihg_canvas_printf(cv, in.x, y, 14 + bw, IHG_ROLE_TITLE, "%s (%s)", lam,
                          v->layout->seg[0].name);
    else
        ihg_canvas_printf(cv, in.x, y, 14 + bw, IHG_ROLE_TITLE, "%s", lam);
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
    /* lambda changes once per outer step (the update), the hypergradient
     * once (when it is taken): each summary is derived when its own
     * version moves (point_version when the view has no finer ones) */
    unsigned long lv = v->lambda_version ? v->lambda_version : v->point_version;
    unsigned long gv = v->hypergrad_version ? v->hypergrad_version : v->point_version;
    if (cache.n != v->Hn)
        cache.lvalid = cache.gvalid = 0;
    cache.n = v->Hn;
    if (!(cache.lvalid && lv != 0 && cache.lversion == lv && cache.lam == v->lambda)) {
        summary(v->lambda, &cache.mn, &cache.md, &cache.mx);
        cache.lam = v->lambda;
        cache.lversion = lv;
        cache.bins = -1; /* histogram below */
        cache.lvalid = 1;
    }
    if (!(cache.gvalid && gv != 0 && cache.gversion == gv && cache.hg == v->hypergrad)) {
        summary(v->hypergrad, &cache.gmn, &cache.gmd, &cache.gmx);
        cache.hg = v->hypergrad;
        cache.gversion = gv;
        cache.gvalid = 1;
    }
    mn = cache.mn;
    md = cache.md;
    mx = cache.mx;
    gmn = cache.gmn;
    gmd = cache.gmd;
    gmx = cache.gmx;
    {
        /* one line each for lambda and the hypergradient; a shorter
         * spelling when the pane is narrow (80x24) */
        char line[160];
        const char *lam = IHG_TXT(cv, "\xce\xbb", "lambda");
        ihg_format_short(s1, sizeof s1, mn, 8);
        ihg_format_short(s2, sizeof s2, md, 8);
        ihg_format_short(s3, sizeof s3, mx, 8);
        snprintf(line, sizeof line, "%zu %s: min %s  median %s  max %s", v->Hn, lam, s1, s2,
                 s3);
        if (ihg_text_width(line) > in.w)
            snprintf(line, sizeof line, "%s min %s med %s max %s", lam, s1, s2, s3);
        ihg_canvas_text(cv, in.x, in.y, in.w, IHG_ROLE_NORMAL, line);
        ihg_format_short(s1, sizeof s1, gmn, 8);
        ihg_format_short(s2, sizeof s2, gmd, 8);
        ihg_format_short(s3, sizeof s3, gmx, 8);
        snprintf(line, sizeof line, "hypergradient: min %s  median %s  max %s", s1, s2, s3);
        if (ihg_text_width(line) > in.w)
            snprintf(line, sizeof line, "%s min %s med %s max %s",
                     IHG_TXT(cv, "dL_V/d\xce\xbb", "dL_V/dlambda"), s1, s2, s3);
        if (ihg_text_width(line) > in.w)
            snprintf(line, sizeof line, "hypergrad %s/%s/%s", s1, s2, s3);
        ihg_canvas_text(cv, in.x, in.y + 1, in.w, IHG_ROLE_NORMAL, line);
    }
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
        {
            const double *ld = v->lambda->data;
            size_t st = v->lambda->stride;
            double sc = mx > mn ? (bins - 1) / (mx - mn) : 0;
            for (i = 0; i < v->Hn; i++) {
                double l = ld[i * st];
                if (!isfinite(l))
                    continue;
                b = mx > mn ? (int)((l - mn) * sc + 0.5) : bins / 2;
                if (b < 0)
                    b = 0;
                if (b >= bins)
                    b = bins - 1;
                count[b]++;
            }
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
    {
        /* the axis row: min at the left, max at the right, a marker under
         * the median's bin; the peak count in the top row, away from the
         * peak */
        int row = in.y + in.h - 1, l1, l3, mcol, peak_b = 0, x;
        char pk[24];
        ihg_format_short(s1, sizeof s1, mn, 8);
        ihg_format_short(s3, sizeof s3, mx, 8);
        l1 = (int)strlen(s1);
        l3 = (int)strlen(s3);
        ihg_canvas_text(cv, in.x + 1, row, in.w / 2, IHG_ROLE_AXIS, s1);
        ihg_canvas_text(cv, in.x + in.w - 1 - l3, row, l3, IHG_ROLE_AXIS, s3);
        mcol = in.x + 1 + (mx > mn ? (int)((md - mn) / (mx - mn) * (bins - 1) + 0.5) : bins / 2);
        if (isfinite(md) && mcol > in.x + 1 + l1 && mcol < in.x + in.w - 2 - l3) {
            ihg_canvas_set(cv, mcol, row, cv->ascii ? L'^' : (wchar_t)0x25B2, IHG_ROLE_VAL);
            if (mcol + 8 < in.x + in.w - 2 - l3)
                ihg_canvas_text(cv, mcol + 1, row, 6, IHG_ROLE_VAL, "median");
            else if (mcol - 7 > in.x + 1 + l1)
                ihg_canvas_text(cv, mcol - 6, row, 6, IHG_ROLE_VAL, "median");
        }
        for (b = 1; b < bins; b++)
            if (count[b] > count[peak_b])
                peak_b = b;
        snprintf(pk, sizeof pk, "peak %d", maxc);
        x = peak_b < bins / 2 ? in.x + in.w - 1 - (int)strlen(pk) : in.x + 1;
        ihg_canvas_text(cv, x, in.y + 3, (int)strlen(pk), IHG_ROLE_DIM, pk);
    }
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
