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
#include "summary.h"
#include "view.h"

#define HYPER_ROWS_MAX IHG_SUMMARY_MIN

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

/* The summaries the pane derives itself when the view brings none (a
 * view made by the controller on this thread), kept while the versions
 * stay the same. */
static struct {
    const gsl_vector *lam, *hg;
    unsigned long lversion, gversion;
    int lvalid, gvalid;
    ihg_summary l, g;
} cache;

/* the rows shown from `first` (scrolled), and how many fit */
static int rows_first(const ihg_view *v, ihg_rect in)
{
    int n = (int)v->n_lambda, first = v->disp.scroll_y[IHG_PANE_HYPER];
    if (first > n - (in.h - 1))
        first = n - (in.h - 1);
    return first < 0 ? 0 : first;
}

/* The short form of a segment's name for a row label: without the words
 * "log" and "logit" (the header and the title say them), its first word,
 * at most 3 characters: "log decay" dec, "W2 log decay" W2, "log lr" lr,
 * "logit momentum" mom. */
static void short_name(const char *name, char *buf, size_t size)
{
    const char *p = name;
    size_t n;
    for (;;) {
        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (!((n == 3 && strncmp(p, "log", 3) == 0) || (n == 5 && strncmp(p, "logit", 5) == 0)))
            break;
        p += n;
    }
    if (n == 0) { /* nothing but log/logit */
        p = name;
        n = strcspn(p, " ");
    }
    if (n > 3)
        n = 3;
    snprintf(buf, size, "%.*s", (int)n, p);
}

/* The label of row i: with more than one segment its segment's short name
 * (and the index within it), else lambda and the index. */
static void row_label(const ihg_canvas *cv, const ihg_view *v, size_t i, char *buf,
                      size_t size)
{
    const ihg_hyper_segment *sg =
        v->layout && v->layout->nseg > 1 ? ihg_hyper_layout_find(v->layout, i) : NULL;
    char sn[16];
    if (!sg) {
        snprintf(buf, size, "%s%zu", cv->ascii ? "l" : "\xce\xbb", i + 1);
        return;
    }
    /* segment names are the program's own (models/, session.c) */
    short_name(sg->name, sn, sizeof sn);
    if (sg->count == 1)
        snprintf(buf, size, "%s", sn);
    else
        snprintf(buf, size, "%s%s%zu", sn, sn[0] && sn[strlen(sn) - 1] >= '0' &&
                                               sn[strlen(sn) - 1] <= '9' ? "." : "",
                 i - sg->offset + 1);
}

static void rows(ihg_canvas *cv, ihg_rect in, const ihg_view *v)
{
    double ml = max_abs(v->lambda), mg = max_abs(v->hypergrad);
    int y = in.y, first, i, n = (int)v->n_lambda, bw, gx, lw = 5;
    char a[16], b[16], head[96], lab[32];
    const char *lam = IHG_TXT(cv, "\xce\xbb", "lam");
    /* the label column: as wide as the widest label and a blank */
    for (i = 0; i < n; i++) {
        row_label(cv, v, (size_t)i, lab, sizeof lab);
        if (ihg_text_width(lab) + 1 > lw)
            lw = ihg_text_width(lab) + 1;
    }
    if (lw > 9)
        lw = 9;
    bw = (in.w - lw - 9 - 10 - 3) / 2;
    if (bw < 3)
        bw = 3;
    gx = in.x + lw + 9 + bw + 1;
    /* what lambda holds: the name of its segment (layout of the session) */
    if (v->layout && v->layout->nseg == 1)
        snprintf(head, sizeof head, "%s (%s)", lam, v->layout->seg[0].name);
    else
        snprintf(head, sizeof head, "%s", lam);
    ihg_canvas_fit(cv, in.x, y, gx - in.x - 1, IHG_ROLE_TITLE, head);
    if (ihg_text_width(IHG_TXT(cv, "dL_V/d\xce\xbb (hypergradient)", "dL_V/dlambda")) <=
        in.x + in.w - gx)
        ihg_canvas_text(cv, gx, y, in.x + in.w - gx, IHG_ROLE_TITLE,
                        IHG_TXT(cv, "dL_V/d\xce\xbb (hypergradient)", "dL_V/dlambda"));
    else
        ihg_canvas_fit(cv, gx, y, in.x + in.w - gx, IHG_ROLE_TITLE,
                       IHG_TXT(cv, "dL_V/d\xce\xbb", "dL_V/dlambda"));
    y++;
    first = rows_first(v, in);
    for (i = first; i < n && y < in.y + in.h; i++, y++) {
        double l = gsl_vector_get(v->lambda, i);
        double g = v->hypergrad ? gsl_vector_get(v->hypergrad, i) : NAN;
        ihg_format_short(a, sizeof a, l, 8);
        ihg_format_short(b, sizeof b, g, 9);
        row_label(cv, v, (size_t)i, lab, sizeof lab);
        ihg_canvas_fit(cv, in.x, y, lw - 1, IHG_ROLE_DIM, lab);
        ihg_canvas_printf(cv, in.x + lw, y, 9, IHG_ROLE_NORMAL, "%8s", a);
        ihg_hbar_signed(cv, in.x + lw + 9, y, bw, ml > 0 ? l / ml : 0, IHG_ROLE_TRAIN);
        ihg_canvas_printf(cv, gx, y, 10, IHG_ROLE_NORMAL, "%9s", b);
        ihg_hbar_signed(cv, gx + 10, y, bw, mg > 0 ? g / mg : 0,
                        g > 0 ? IHG_ROLE_VAL : IHG_ROLE_GOOD);
    }
}

/* With more than one segment: their names and sizes, "log decay 10, log
 * lr, logit momentum" ("" with one). */
static void segments_text(const ihg_view *v, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    if (!v->layout || v->layout->nseg < 2)
        return;
    for (size_t i = 0; i < v->layout->nseg && used < size; i++) {
        const ihg_hyper_segment *sg = &v->layout->seg[i];
        char n[24] = "";
        if (sg->count > 1) {
            n[0] = ' ';
            ihg_format_int(n + 1, sizeof n - 1, (long)sg->count);
        }
        used += (size_t)snprintf(buf + used, size - used, "%s%s%s", i ? ", " : "", sg->name, n);
    }
}

static void histogram(ihg_canvas *cv, ihg_rect in, const ihg_view *v)
{
    const ihg_summary *ls = v->lambda_summary, *gs = v->hypergrad_summary;
    double mn, md, mx;
    int bins = in.w - 2, hh = in.h - 4, b, maxc = 0, count[1024];
    char s1[16], s2[16], s3[16];
    const ihg_record *last = v->nhist ? &v->hist[v->nhist - 1] : NULL;
    /* lambda changes once per outer step (the update), the hypergradient
     * once (when it is taken): each summary is derived when its own
     * version moves (point_version when the view has no finer ones) */
    unsigned long lv = v->lambda_version ? v->lambda_version : v->point_version;
    unsigned long gv = v->hypergrad_version ? v->hypergrad_version : v->point_version;
    if (!ls) {
        if (!(cache.lvalid && lv != 0 && cache.lversion == lv && cache.lam == v->lambda)) {
            ihg_summary_of(v->lambda, &cache.l);
            cache.lam = v->lambda;
            cache.lversion = lv;
            cache.lvalid = 1;
        }
        ls = &cache.l;
    }
    if (!gs) {
        if (!(cache.gvalid && gv != 0 && cache.gversion == gv && cache.hg == v->hypergrad)) {
            ihg_summary_of(v->hypergrad, &cache.g);
            cache.hg = v->hypergrad;
            cache.gversion = gv;
            cache.gvalid = 1;
        }
        gs = &cache.g;
    }
    mn = ls->mn;
    md = ls->md;
    mx = ls->mx;
    {
        /* one line each for lambda and the hypergradient; a shorter
         * spelling when the pane is narrow (80x24) */
        char line[160];
        const char *lam = IHG_TXT(cv, "\xce\xbb", "lambda");
        ihg_format_short(s1, sizeof s1, mn, 8);
        ihg_format_short(s2, sizeof s2, md, 8);
        ihg_format_short(s3, sizeof s3, mx, 8);
        snprintf(line, sizeof line, "%zu %s: min %s  median %s  max %s", v->n_lambda, lam, s1, s2,
                 s3);
        if (ihg_text_width(line) > in.w)
            snprintf(line, sizeof line, "%s min %s med %s max %s", lam, s1, s2, s3);
        ihg_canvas_fit(cv, in.x, in.y, in.w, IHG_ROLE_NORMAL, line);
        ihg_format_short(s1, sizeof s1, gs->mn, 8);
        ihg_format_short(s2, sizeof s2, gs->md, 8);
        ihg_format_short(s3, sizeof s3, gs->mx, 8);
        snprintf(line, sizeof line, "hypergradient: min %s  median %s  max %s", s1, s2, s3);
        if (ihg_text_width(line) > in.w)
            snprintf(line, sizeof line, "%s min %s med %s max %s",
                     IHG_TXT(cv, "dL_V/d\xce\xbb", "dL_V/dlambda"), s1, s2, s3);
        if (ihg_text_width(line) > in.w)
            snprintf(line, sizeof line, "hypergrad %s/%s/%s", s1, s2, s3);
        ihg_canvas_fit(cv, in.x, in.y + 1, in.w, IHG_ROLE_NORMAL, line);
    }
    if (last) {
        ihg_format_short(s1, sizeof s1, last->lambda_norm, 8);
        ihg_format_short(s2, sizeof s2, last->hypergrad_norm, 8);
        ihg_canvas_fitf(cv, in.x, in.y + 2, in.w, IHG_ROLE_DIM,
                        "%s = %s   %s = %s  (outer step %ld)",
                        IHG_TXT(cv, "\xe2\x80\x96\xce\xbb\xe2\x80\x96", "|lambda|"), s1,
                        IHG_TXT(cv, "\xe2\x80\x96" "dL_V/d\xce\xbb\xe2\x80\x96", "|hypergrad|"),
                        s2, last->outer);
    }
    if (v->layout && v->layout->nseg > 1 && hh >= 4) {
        /* one histogram of every segment together: say which */
        char sg[240], t[260];
        segments_text(v, sg, sizeof sg);
        snprintf(t, sizeof t, "all of: %s", sg);
        ihg_canvas_fit(cv, in.x, in.y + 3, in.w, IHG_ROLE_DIM, t);
        in.y++;
        in.h--;
        hh--;
    }
    if (hh < 2 || bins < 4 || !(mx >= mn))
        return;
    if (bins > 1024)
        bins = 1024;
    /* the summary's fine bins, gathered into the columns */
    ihg_summary_columns(ls, count, bins);
    for (b = 0; b < bins; b++)
        if (count[b] > maxc)
            maxc = count[b];
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
        ihg_format_int(pk, sizeof pk, maxc);
        memmove(pk + 5, pk, strlen(pk) + 1);
        memcpy(pk, "peak ", 5);
        x = peak_b < bins / 2 ? in.x + in.w - 1 - (int)strlen(pk) : in.x + 1;
        ihg_canvas_text(cv, x, in.y + 3, (int)strlen(pk), IHG_ROLE_DIM, pk);
    }
}

void ihg_pane_hyper(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[320], seg[240];
    ihg_rect in;
    segments_text(v, seg, sizeof seg);
    snprintf(extra, sizeof extra, "(%zu)", v->n_lambda);
    if (v->n_lambda <= HYPER_ROWS_MAX) {
        /* the list scrolls: which rows it shows goes into the title */
        ihg_rect probe = {r.x + 2, r.y + 1, r.w - 4, r.h - 2};
        int first = rows_first(v, probe), shown = probe.h - 1;
        if (first + shown > (int)v->n_lambda)
            shown = (int)v->n_lambda - first;
        if (shown > 0 && (first > 0 || first + shown < (int)v->n_lambda))
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " rows %d-%d j/k",
                     first + 1, first + shown);
    }
    if (seg[0]) /* after the rows shown: what the segments are */
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " %s", seg);
    in = ihg_pane_frame(cv, r, v, IHG_PANE_HYPER, extra);
    if (in.w < 10 || in.h < 2 || !v->lambda)
        return;
    if (v->n_lambda <= HYPER_ROWS_MAX)
        rows(cv, in, v);
    else
        histogram(cv, in, v);
}
