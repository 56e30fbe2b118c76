/* pane_neumann.c - Neumann and CG against the reference, and the spectrum
 * of H against the stable band of the Neumann series.
 *
 * Everything plotted is read from the engine's ihg_comparison: relative
 * errors for K = 0..Kmax, the predicted envelope rho^(K+1), eigenvalues,
 * rho(I - alpha H) and the count of unstable eigenvalues.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "view.h"

static const char *ref_name(const ihg_comparison *c, char *buf, size_t size)
{
    if (c->reference_exact)
        snprintf(buf, size, "exact%s%s%s", c->reference_fallback ? " (" : "",
                 ihg_fallback_describe(c->reference_fallback),
                 c->reference_fallback ? ")" : "");
    else
        snprintf(buf, size, "CG reference (%ld iters)", c->reference_iters);
    return buf;
}

static int no_comparison(ihg_canvas *cv, ihg_rect in, const ihg_view *v)
{
    if (v->cmp)
        return 0;
    if (v->cmp_progress) {
        ihg_canvas_text(cv, in.x + 1, in.y + in.h / 2 - 1, in.w - 2, IHG_ROLE_DIM,
                        "comparing every method at this point:");
        ihg_canvas_text(cv, in.x + 1, in.y + in.h / 2, in.w - 2, IHG_ROLE_WARN,
                        v->cmp_progress);
        return 1;
    }
    ihg_canvas_text(cv, in.x + 1, in.y + in.h / 2 - 1, in.w - 2, IHG_ROLE_DIM,
                    "no comparison yet:");
    ihg_canvas_text(cv, in.x + 1, in.y + in.h / 2, in.w - 2, IHG_ROLE_KEY,
                    "press c to compare at the current point");
    return 1;
}

void ihg_pane_neumann(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[128], rb[48], e1[16], e2[16], e3[16], e4[16];
    const ihg_comparison *c = v->cmp;
    ihg_series s[3];
    ihg_chart ch;
    ihg_rect in, plot;
    long K;

    if (v->cmp_progress)
        snprintf(extra, sizeof extra, "comparing: %s%s", v->cmp_progress,
                 c ? " (showing the last)" : "");
    else if (c && v->cmp_outer >= 0)
        snprintf(extra, sizeof extra, "vs %s @ outer %ld%s", ref_name(c, rb, sizeof rb),
                 v->cmp_outer, v->cmp_stale ? " (stale: c)" : "");
    else if (c)
        snprintf(extra, sizeof extra, "vs %s @ current point%s", ref_name(c, rb, sizeof rb),
                 v->cmp_stale ? " (stale: c)" : "");
    else
        snprintf(extra, sizeof extra, "(press c)");
    in = ihg_pane_frame(cv, r, v, IHG_PANE_NEUMANN, extra);
    if (in.w < 12 || in.h < 3 || no_comparison(cv, in, v))
        return;

    /* one summary line at the current K (clamped to Kmax) */
    K = v->terms < c->kmax ? v->terms : c->kmax;
    if (K < 0)
        K = 0;
    ihg_format_short(e1, sizeof e1, ihg_comparison_error(c, "neumann", K), 8);
    ihg_format_short(e2, sizeof e2, ihg_comparison_error(c, "cg", K), 8);
    ihg_format_short(e3, sizeof e3, c->predicted[K], 8);
    ihg_format_short(e4, sizeof e4, ihg_comparison_cosine(c, "neumann", K), 8);
    if (isnan(ihg_comparison_error(c, "neumann", K)) &&
        isnan(ihg_comparison_cosine(c, "neumann", K))) {
        /* the reference hypergradient is 0: relative errors are undefined */
        ihg_canvas_printf(cv, in.x, in.y, in.w, IHG_ROLE_DIM,
                          "K=%ld: the exact hypergradient is 0 here (J^T q = 0): "
                          "no relative error to show", K);
    } else if (isnan(c->predicted[K])) { /* no spectrum: no prediction */
        ihg_canvas_printf(cv, in.x, in.y, in.w, IHG_ROLE_NORMAL,
                          "K=%ld: Neumann err %s (cos %s)  CG %s", K, e1, e4, e2);
    } else {
        ihg_canvas_printf(cv, in.x, in.y, in.w, IHG_ROLE_NORMAL,
                          "K=%ld: Neumann err %s (cos %s)  CG %s  %s %s", K, e1, e4, e2,
                          IHG_TXT(cv, "\xcf\x81^(K+1)", "rho^(K+1)"), e3);
    }
    plot = (ihg_rect){in.x, in.y + 1, in.w, in.h - 1};
    if (isfinite(c->rho) && c->rho >= 1 && plot.h > 3) {
        ihg_format_short(e1, sizeof e1, c->rho, 8);
        ihg_canvas_printf(cv, in.x, plot.y, in.w, IHG_ROLE_BAD,
                          "%s(I-%sH) = %s >= 1: the Neumann series diverges (a: lower %s)",
                          IHG_TXT(cv, "\xcf\x81", "rho"), IHG_TXT(cv, "\xce\xb1", "alpha"), e1,
                          IHG_TXT(cv, "\xce\xb1", "alpha"));
        plot.y++;
        plot.h--;
    }

    /* An error of exactly 0 (CG or Neumann reaching the reference to the
     * last bit) has no place on a log axis: show it at 1e-17, just below
     * double rounding, instead of letting the curve vanish.  Display only. */
    static double cg_shown[4096], nm_shown[4096];
    const ihg_compare_method *nm = ihg_comparison_find(c, "neumann"),
                             *cgm = ihg_comparison_find(c, "cg");
    if (!nm || !cgm)
        return;
    const double *cg_y = cgm->rel_err + 1, *nm_y = nm->rel_err;
    if (c->kmax + 1 <= 4096) {
        for (long k = 0; k <= c->kmax; k++) {
            double a = nm->rel_err[k], b = k < c->kmax ? cgm->rel_err[k + 1] : 0;
            nm_shown[k] = a == 0.0 ? 1e-17 : a;
            if (k < c->kmax)
                cg_shown[k] = b == 0.0 ? 1e-17 : b;
        }
        cg_y = cg_shown;
        nm_y = nm_shown;
    }
    memset(s, 0, sizeof s);
    s[0] = (ihg_series){.y = c->predicted, .n = (size_t)c->kmax + 1, .x0 = 0,
                        .role = IHG_ROLE_PREDICT, .label = "predicted", .mark = '.'};
    s[1] = (ihg_series){.y = cg_y, .n = (size_t)c->kmax, .x0 = 1,
                        .role = IHG_ROLE_CG, .label = "CG", .mark = 'o'};
    s[2] = (ihg_series){.y = nm_y, .n = (size_t)c->kmax + 1, .x0 = 0,
                        .role = IHG_ROLE_NEUMANN, .label = "Neumann", .mark = '*'};
    ihg_chart_init(&ch);
    ch.log_y = 1;
    ch.xlabel = "K (HVPs)";
    ch.ylabel = "rel. error";
    ch.xmin = 0;
    ch.xmax = (double)(c->kmax > 0 ? c->kmax : 1);
    ch.legend_row = r.y + r.h - 1;
    ch.legend_right = r.x + r.w - 2;
    ihg_chart_draw(cv, plot, &ch, s, 3, NULL);
}

void ihg_pane_spectrum(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[64], a[16], b[16], rr[16], band[16];
    const ihg_comparison *c = v->cmp;
    ihg_rect in;
    double lo, hi, top, alpha;
    int cols, hh, x, *count, *bad, maxc = 0, base, i, n;

    snprintf(extra, sizeof extra, "vs the stable band 0 < %s < 2",
             IHG_TXT(cv, "\xce\xb1\xce\xbb", "alpha*lambda"));
    in = ihg_pane_frame(cv, r, v, IHG_PANE_SPECTRUM, extra);
    if (in.w < 16 || in.h < 4 || no_comparison(cv, in, v))
        return;
    alpha = c->alpha;
    if (!c->eigenvalues) {
        ihg_canvas_printf(cv, in.x + 1, in.y + 1, in.w - 2, IHG_ROLE_DIM,
                          "the spectrum needs the exact Hessian:");
        ihg_canvas_printf(cv, in.x + 1, in.y + 2, in.w - 2, IHG_ROLE_DIM,
                          "P = %zu > hypergrad.exact_max = %ld", v->P, v->exact_max);
        return;
    }
    ihg_format_short(a, sizeof a, c->eig_min, 8);
    ihg_format_short(b, sizeof b, c->eig_max, 8);
    ihg_format_short(rr, sizeof rr, c->rho, 8);
    ihg_format_short(band, sizeof band, 2.0 / alpha, 8);
    ihg_canvas_printf(cv, in.x, in.y, in.w, IHG_ROLE_NORMAL,
                      "eig(H) in [%s, %s]  stable: 0 < %s < 2/%s = %s", a, b,
                      IHG_TXT(cv, "\xce\xbb", "lambda"), IHG_TXT(cv, "\xce\xb1", "alpha"), band);
    {
        char nul[64] = "";
        if (c->n_null > 0) /* left out of rho: H u = 0 and v has no part there */
            snprintf(nul, sizeof nul, "; %ld null direction%s left out", c->n_null,
                     c->n_null == 1 ? "" : "s");
        ihg_canvas_printf(cv, in.x, in.y + 1, in.w,
                          c->n_unstable ? IHG_ROLE_BAD : IHG_ROLE_GOOD,
                          "%s(I-%sH) = %s   %ld unstable%s%s", IHG_TXT(cv, "\xcf\x81", "rho"),
                          IHG_TXT(cv, "\xce\xb1", "alpha"), rr, c->n_unstable,
                          c->n_unstable ? " (flagged !)" : ": the series converges", nul);
    }

    /* a number line from min(0, eig_min) to max(2/alpha, eig_max) */
    n = (int)c->eigenvalues->size;
    top = 2.0 / alpha;
    lo = c->eig_min < 0 ? c->eig_min : 0;
    hi = c->eig_max > top ? c->eig_max : top;
    {
        double pad = (hi - lo) * 0.05;
        if (!(pad > 0))
            pad = 1;
        lo -= pad;
        hi += pad;
    }
    cols = in.w;
    hh = in.h - 4; /* histogram rows; then the band row and the labels row */
    base = in.y + 2 + hh - 1;
    if (hh < 1)
        return;
    count = calloc((size_t)cols, sizeof *count);
    bad = calloc((size_t)cols, sizeof *bad);
    if (!count || !bad) {
        free(count);
        free(bad);
        return;
    }
    /* the engine leaves null directions of H (|e| <= 1e-10 max|e|, e.g. the
     * softmax bias shift) out of rho and of n_unstable: do not flag them */
    double emax = fmax(fabs(c->eig_min), fabs(c->eig_max));
    for (i = 0; i < n; i++) {
        double e = gsl_vector_get(c->eigenvalues, i);
        if (!isfinite(e))
            continue;
        x = (int)((e - lo) / (hi - lo) * (cols - 1) + 0.5);
        if (x < 0) x = 0;
        if (x >= cols) x = cols - 1;
        count[x]++;
        if (!(e > 0 && e < top) && !(fabs(e) <= 1e-10 * emax)) /* outside 0 < alpha e < 2 */
            bad[x]++;
    }
    for (x = 0; x < cols; x++)
        if (count[x] > maxc)
            maxc = count[x];
    for (x = 0; x < cols; x++) {
        int stable = !bad[x];
        if (!count[x])
            continue;
        /* at least one row for any eigenvalue, so that a lone one shows */
        ihg_vbar(cv, in.x + x, base, hh,
                 maxc ? fmax((double)count[x] / maxc, 1.0 / hh) : 0,
                 stable ? IHG_ROLE_GOOD : IHG_ROLE_BAD);
        if (!stable)
            ihg_canvas_set(cv, in.x + x, in.y + 2, L'!', IHG_ROLE_BAD);
    }
    /* the band row: stable part drawn with '=' , the rest dim */
    {
        int x0 = (int)((0 - lo) / (hi - lo) * (cols - 1) + 0.5);
        int x2 = (int)((top - lo) / (hi - lo) * (cols - 1) + 0.5);
        for (x = 0; x < cols; x++) {
            int inside = x > x0 && x < x2;
            ihg_canvas_set(cv, in.x + x, base + 1,
                           inside ? (cv->ascii ? L'=' : 0x2550) : (cv->ascii ? L'-' : 0x2500),
                           inside ? IHG_ROLE_GOOD : IHG_ROLE_DIM);
        }
        ihg_canvas_set(cv, in.x + x0, base + 1, cv->ascii ? L'|' : 0x256A, IHG_ROLE_AXIS);
        ihg_canvas_set(cv, in.x + x2, base + 1, cv->ascii ? L'|' : 0x256A, IHG_ROLE_AXIS);
        ihg_canvas_text(cv, in.x + x0, base + 2, 2, IHG_ROLE_AXIS, "0");
        {
            char lab[32];
            int l;
            snprintf(lab, sizeof lab, "2/%s=%s", IHG_TXT(cv, "\xce\xb1", "a"), band);
            l = ihg_text_width(lab);
            ihg_canvas_text(cv, in.x + (x2 - l + 1 > x0 + 2 ? x2 - l + 1 : x0 + 2), base + 2,
                            l, IHG_ROLE_AXIS, lab);
        }
    }
    free(count);
    free(bad);
}
