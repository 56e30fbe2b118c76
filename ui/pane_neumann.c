/* pane_neumann.c - Neumann and CG against the reference (pane 3), and the
 * spectrum of H against the stable band of the Neumann series (pane 4).
 *
 * Everything plotted is read from the engine's ihg_comparison: relative
 * errors of the hypergradient dL_V/dlambda for K = 0..Kmax, the predicted
 * envelope rho^(K+1), eigenvalues, rho(I - alpha H), kappa, the best step
 * alpha* and the count of unstable eigenvalues.
 *
 * Pane 3's axis is scaled to what it teaches: Neumann's decay and its
 * predicted envelope.  CG falls to round-off within a few K; below the
 * axis it is marked where it leaves and the line above says where it
 * went ("CG < 1e-6 at K = 4").
 *
 * Pane 4 puts the eigenvalues on a log axis (they span decades: on a
 * linear axis to 2/alpha they crowd into its first few per cent), with the
 * stable band 0 < lambda < 2/alpha, the band of the best step alpha* and
 * the condition number.  Eigenvalues <= 0 (H not positive definite there)
 * are counted at the left edge.
 *
 * A comparison made at an earlier point is drawn dimmed, and the title
 * says of which outer step it is.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "view.h"

#define LAM "\xce\xbb"
#define ALP "\xce\xb1"
#define RHO "\xcf\x81"
#define KAP "\xce\xba"

static const char *ref_name(const ihg_comparison *c, char *buf, size_t size)
{
    char n[24];
    if (c->reference_exact) {
        snprintf(buf, size, "exact%s%s%s", c->reference_fallback ? " (" : "",
                 ihg_fallback_describe(c->reference_fallback),
                 c->reference_fallback ? ")" : "");
    } else {
        ihg_format_int(n, sizeof n, c->reference_iters);
        snprintf(buf, size, "CG reference (%s iters)", n);
    }
    return buf;
}

/* Where the comparison was made, for the titles: "@ outer 2", "@ current
 * point", or, when the point has moved since, which step it is of. */
static void where(const ihg_canvas *cv, char *buf, size_t size, const ihg_view *v)
{
    char a[24], b[24];
    if (v->cmp_moved) { /* first, so that a narrow title keeps it */
        ihg_format_int(a, sizeof a, v->cmp_outer >= 0 ? v->cmp_outer : v->cmp_done);
        ihg_format_int(b, sizeof b, v->outer_done);
        if (v->cmp_outer >= 0)
            snprintf(buf, size, "stale: of outer %s (now %s; c recomputes)", a, b);
        else if (v->outer_done > v->cmp_done)
            snprintf(buf, size, "stale: after outer %s (now %s; c recomputes)", a, b);
        else
            snprintf(buf, size, "stale: %s moved since (c recomputes)",
                     IHG_TXT(cv, "\xce\xb8", "theta"));
    } else if (v->cmp_outer >= 0) {
        ihg_format_int(a, sizeof a, v->cmp_outer);
        snprintf(buf, size, "@ outer %s%s", a, v->cmp_stale ? " (settings changed: c)" : "");
    } else {
        snprintf(buf, size, "@ current point%s", v->cmp_stale ? " (settings changed: c)" : "");
    }
}

static int no_comparison(ihg_canvas *cv, ihg_rect in, const ihg_view *v)
{
    if (v->cmp)
        return 0;
    if (v->cmp_progress) {
        ihg_canvas_fit(cv, in.x, in.y + in.h / 2 - 1, in.w, IHG_ROLE_DIM,
                       "comparing every method at this point:");
        ihg_canvas_fit(cv, in.x, in.y + in.h / 2, in.w, IHG_ROLE_WARN, v->cmp_progress);
        return 1;
    }
    ihg_canvas_fit(cv, in.x, in.y + in.h / 2 - 1, in.w, IHG_ROLE_DIM, "no comparison yet:");
    ihg_canvas_fit(cv, in.x, in.y + in.h / 2, in.w, IHG_ROLE_KEY,
                   "press c to compare at the current point");
    return 1;
}

/* the role of a line: dimmed when the numbers are of an earlier point */
static int role_of(const ihg_view *v, int role) { return v->cmp_moved ? IHG_ROLE_DIM : role; }

/* ---- pane 3 ------------------------------------------------------------------ */

/* "1.2e-15" for a value, "skipped" / "-" when there is none */
static const char *err_text(char *buf, size_t size, double x)
{
    if (!isfinite(x))
        snprintf(buf, size, "-");
    else
        ihg_format_short(buf, size, x, 8);
    return buf;
}

/* The log axis's range [*lo, *hi] widened to hold a (positive and finite
 * values only). */
static void widen_axis(double *lo, double *hi, double a)
{
    if (isfinite(a) && a > 0) {
        *lo = fmin(*lo, a);
        *hi = fmax(*hi, a);
    }
}

/* An error of exactly 0 (reaching the reference to the last bit) has no
 * place on a log axis: dst holds src's n values with 0 shown at 1e-17,
 * below double rounding (NULL src: NaN, nothing drawn). */
static const double *log_shown(double *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = !src ? NAN : src[i] == 0.0 ? 1e-17 : src[i];
    return dst;
}

/* The explicit methods (method_unrolled.c, method_forward.c, method_fd.c)
 * above the chart: what each error is against (the IFT reference or the
 * whole unroll of the outer step's T inner steps), forward and fd as single
 * values, or why they are not in the comparison.  Returns the rest of the
 * plot rectangle. */
static ihg_rect explicit_lines(ihg_canvas *cv, ihg_rect plot, const ihg_view *v,
                               const ihg_comparison *c, const ihg_compare_method *un,
                               const ihg_compare_method *fw, const ihg_compare_method *fdm)
{
    char kk[16], tt[16], a[16], b[16], f1[16], f2[16], f3[16], f4[16];
    char l0[96], l1[64], l2[64], l3[64], l4[300];
    ihg_item it[5];
    int n = 0;
    const ihg_compare_method *first = un ? un : fw && fw->ran ? fw : fdm && fdm->ran ? fdm : NULL;
    if (!first) {
        /* none ran: say why (the engine's reason, or the explorer's cap) */
        const ihg_compare_method *any = ihg_comparison_find(c, "unrolled");
        if (!any)
            return plot;
        if (!v->recording && v->record_max_p > 0 && v->P > (size_t)v->record_max_p) {
            ihg_format_int(a, sizeof a, (long)v->P);
            ihg_format_int(b, sizeof b, v->record_max_p);
            snprintf(l4, sizeof l4, "unrolled, forward, fd: not compared: P = %s > %s, "
                                    "the explorer records no inner loop above it", a, b);
        } else if (v->recording && v->cmp_outer < 0 && v->phase == IHG_PHASE_INNER &&
                   v->prog_done == 0) {
            /* at the start of an outer step: its inner loop is still to
             * run (the comparison made after it, by o, has them) */
            snprintf(l4, sizeof l4, "unrolled, forward, fd: this point's inner loop has not "
                                    "run yet (o: the next comparison has them)");
        } else {
            snprintf(l4, sizeof l4, "unrolled, forward, fd not compared: %s", any->skipped);
        }
        ihg_canvas_fit(cv, plot.x, plot.y, plot.w, role_of(v, IHG_ROLE_DIM), l4);
        return (ihg_rect){plot.x, plot.y + 1, plot.w, plot.h - 1};
    }
    if (un) {
        long K = v->method == un->type && v->terms > 0 && v->terms < un->kmax ? v->terms
                                                                                : un->kmax;
        ihg_format_int(kk, sizeof kk, K);
        ihg_format_int(tt, sizeof tt, un->kmax);
        snprintf(l0, sizeof l0, "unrolled K=%s of T=%s:", kk, tt);
        snprintf(l1, sizeof l1, "%s vs IFT", err_text(a, sizeof a, un->rel_err[K]));
        snprintf(l2, sizeof l2, "%s vs whole unroll", err_text(b, sizeof b, un->rel_unrolled[K]));
        it[n++] = (ihg_item){l0, 0, role_of(v, IHG_ROLE_EXACT)};
        it[n++] = (ihg_item){l1, 0, role_of(v, IHG_ROLE_EXACT)};
        it[n++] = (ihg_item){l2, 1, role_of(v, IHG_ROLE_TEST)};
        ihg_canvas_items(cv, plot.x, plot.y, plot.w, it, n, "  ", IHG_ROLE_NORMAL);
        plot.y++;
        plot.h--;
        n = 0;
    }
    /* forward and fd: one value each, against the whole unroll (when it
     * ran) and against the reference */
    snprintf(l0, sizeof l0, "vs whole unroll:");
    l1[0] = l2[0] = l3[0] = '\0';
    if (fw && fw->ran)
        snprintf(l1, sizeof l1, "forward %s", err_text(f1, sizeof f1, fw->rel_unrolled[0]));
    if (fdm && fdm->ran)
        snprintf(l2, sizeof l2, "FD %s", err_text(f2, sizeof f2, fdm->rel_unrolled[0]));
    if (un)
        snprintf(l3, sizeof l3, "unroll vs IFT %s", err_text(f3, sizeof f3,
                                                             un->rel_err[un->kmax]));
    else if (fdm && fdm->ran)
        snprintf(l3, sizeof l3, "FD vs IFT %s", err_text(f4, sizeof f4, fdm->rel_err[0]));
    if (un || (fw && fw->ran))
        it[n++] = (ihg_item){l0, 0, role_of(v, IHG_ROLE_DIM)};
    if (l1[0])
        it[n++] = (ihg_item){l1, 0, role_of(v, IHG_ROLE_NUMBER)};
    if (l2[0] && (un || (fw && fw->ran)))
        it[n++] = (ihg_item){l2, 1, role_of(v, IHG_ROLE_NUMBER)};
    if (l3[0])
        it[n++] = (ihg_item){l3, 2, role_of(v, IHG_ROLE_EXACT)};
    if (n > 0 && plot.h > 5) {
        ihg_canvas_items(cv, plot.x, plot.y, plot.w, it, n, "  ", IHG_ROLE_NORMAL);
        plot.y++;
        plot.h--;
    }
    return plot;
}

void ihg_pane_neumann(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[200], rb[64], wh[96], e1[16], e2[16], e3[16], e4[16], kk[16];
    char i0[48], i1[48], i2[48], i3[48], i4[64], note[96] = "";
    const ihg_comparison *c = v->cmp;
    const ihg_compare_method *nm, *cgm;
    ihg_series s[8];
    ihg_item it[6];
    ihg_chart ch;
    ihg_rect in, plot;
    long K, k;
    double floor_ = INFINITY, top = 0, axis_lo;

    if (v->cmp_progress)
        snprintf(extra, sizeof extra, "comparing: %s%s", v->cmp_progress,
                 c ? " (showing the last)" : "");
    else if (c) {
        where(cv, wh, sizeof wh, v);
        if (v->cmp_moved)
            snprintf(extra, sizeof extra, "%s vs %s", wh, ref_name(c, rb, sizeof rb));
        else
            snprintf(extra, sizeof extra, "vs %s %s", ref_name(c, rb, sizeof rb), wh);
    } else
        snprintf(extra, sizeof extra, "(press c)");
    in = ihg_pane_frame(cv, r, v, IHG_PANE_NEUMANN, extra);
    if (in.w < 12 || in.h < 3 || no_comparison(cv, in, v))
        return;
    nm = ihg_comparison_find(c, "neumann");
    cgm = ihg_comparison_find(c, "cg");
    if (!nm || !cgm)
        return;
    /* with hypergrad.damping or precondition: their runs, dotted */
    const ihg_compare_method *nmc = NULL, *cgc = NULL;
    for (size_t e = c->n_plain; c->conditioned && e < c->n_methods; e++)
        if (c->method[e].ran && c->method[e].type == nm->type)
            nmc = &c->method[e];
        else if (c->method[e].ran && c->method[e].type == cgm->type)
            cgc = &c->method[e];

    /* the explicit methods (unrolled, forward, fd), when they ran */
    const ihg_compare_method *un = ihg_comparison_find(c, "unrolled");
    const ihg_compare_method *fw = ihg_comparison_find(c, "forward");
    const ihg_compare_method *fdm = ihg_comparison_find(c, "fd");
    if (un && !(un->ran && un->curve && un->kmax >= un->k_first && un->kmax < 4096))
        un = NULL;

    /* one summary line at the current K (clamped to Kmax) */
    /* an explicit method's K truncates its unroll: Neumann and CG at Kmax */
    K = v->method && (v->method->flags & IHG_METHOD_EXPLICIT) ? c->kmax
        : v->terms < c->kmax                                  ? v->terms
                                                              : c->kmax;
    if (K < 0)
        K = 0;
    ihg_format_int(kk, sizeof kk, K);
    ihg_format_short(e1, sizeof e1, ihg_comparison_error(c, "neumann", K), 8);
    ihg_format_short(e2, sizeof e2, ihg_comparison_error(c, "cg", K), 8);
    ihg_format_short(e3, sizeof e3, c->predicted[K], 8);
    ihg_format_short(e4, sizeof e4, ihg_comparison_cosine(c, "neumann", K), 8);
    if (isnan(ihg_comparison_error(c, "neumann", K)) &&
        isnan(ihg_comparison_cosine(c, "neumann", K))) {
        /* the reference hypergradient is 0: relative errors are undefined */
        ihg_canvas_fitf(cv, in.x, in.y, in.w, role_of(v, IHG_ROLE_DIM),
                        "K=%s: the exact hypergradient is 0 here (J^T q = 0): "
                        "no relative error to show", kk);
        return;
    }
    snprintf(i0, sizeof i0, "K=%s:", kk);
    snprintf(i1, sizeof i1, "Neumann %s", e1);
    snprintf(i2, sizeof i2, "CG %s", e2);
    snprintf(i3, sizeof i3, "%s %s", IHG_TXT(cv, RHO "^(K+1)", "rho^(K+1)"), e3);
    snprintf(i4, sizeof i4, "(cos %s)", e4);
    it[0] = (ihg_item){i0, 0, role_of(v, IHG_ROLE_NORMAL)};
    it[1] = (ihg_item){i1, 0, role_of(v, IHG_ROLE_NEUMANN)};
    it[2] = (ihg_item){i4, 4, role_of(v, IHG_ROLE_DIM)};
    it[3] = (ihg_item){i2, 1, role_of(v, IHG_ROLE_CG)};
    it[4] = (ihg_item){i3, 2, role_of(v, IHG_ROLE_PREDICT)};
    ihg_canvas_items(cv, in.x, in.y, in.w, it, isnan(c->predicted[K]) ? 4 : 5, "  ",
                     IHG_ROLE_NORMAL);
    plot = (ihg_rect){in.x, in.y + 1, in.w, in.h - 1};
    if (plot.h > 6)
        plot = explicit_lines(cv, plot, v, c, un, fw, fdm);

    /* the axis: Neumann's errors and the predicted envelope decide it,
     * widened by the conditioned and explicit curves; CG only raises the
     * top (its round-off floor would take the axis over) */
    for (k = 0; k <= c->kmax; k++) {
        widen_axis(&floor_, &top, nm->rel_err[k]);
        widen_axis(&floor_, &top, c->predicted[k]);
        widen_axis(&floor_, &top, nmc ? nmc->rel_err[k] : NAN);
        widen_axis(&floor_, &top, cgc && k ? cgc->rel_err[k] : NAN);
    }
    for (k = 1; k <= c->kmax; k++)
        if (isfinite(cgm->rel_err[k]) && cgm->rel_err[k] > top)
            top = cgm->rel_err[k];
    for (k = un ? un->k_first : 1; un && k <= un->kmax; k++) {
        widen_axis(&floor_, &top, un->rel_err[k]);
        widen_axis(&floor_, &top, un->rel_unrolled[k]);
    }
    if (!isfinite(floor_)) /* Neumann exact to the bit everywhere: round-off */
        floor_ = 1e-16;
    axis_lo = pow(10.0, floor(log10(floor_) + 1e-9));
    /* where CG leaves the axis (to round-off, usually) */
    for (k = 1; k <= c->kmax; k++)
        if (isfinite(cgm->rel_err[k]) && cgm->rel_err[k] < axis_lo) {
            char a[16], b[16];
            snprintf(a, sizeof a, "1e%d", (int)lround(log10(axis_lo)));
            ihg_audit_number(a, axis_lo);
            ihg_format_int(b, sizeof b, k);
            snprintf(note, sizeof note, "CG < %s at K = %s", a, b);
            break;
        }

    if (isfinite(c->rho) && c->rho >= 1 && plot.h > 3) {
        ihg_format_short(e1, sizeof e1, c->rho, 8);
        ihg_canvas_fitf(cv, in.x, plot.y, in.w, role_of(v, IHG_ROLE_BAD),
                        "%s(I-%sH) = %s >= 1: the Neumann series diverges (a, b: a smaller %s)",
                        IHG_TXT(cv, RHO, "rho"), IHG_TXT(cv, ALP, "alpha"), e1,
                        IHG_TXT(cv, ALP, "alpha"));
        plot.y++;
        plot.h--;
    } else if (note[0] && plot.h > 6) {
        ihg_canvas_fit(cv, in.x, plot.y, in.w, role_of(v, IHG_ROLE_DIM), note);
        plot.y++;
        plot.h--;
    }

    /* errors of exactly 0 drawn at 1e-17 (log_shown); CG's from K = 1 */
    static double cg_shown[4096], nm_shown[4096];
    const double *cg_y = cgm->rel_err + 1, *nm_y = nm->rel_err;
    if (c->kmax + 1 <= 4096) {
        cg_y = log_shown(cg_shown, cgm->rel_err + 1, (size_t)c->kmax);
        nm_y = log_shown(nm_shown, nm->rel_err, (size_t)c->kmax + 1);
    }
    memset(s, 0, sizeof s);
    s[0] = (ihg_series){.y = c->predicted, .n = (size_t)c->kmax + 1, .x0 = 0,
                        .role = role_of(v, IHG_ROLE_PREDICT), .label = "predicted",
                        .mark = '.', .glyph = 0x25CB, .dotted = 1, .rank = 2};
    s[1] = (ihg_series){.y = cg_y, .n = (size_t)c->kmax, .x0 = 1, .role = role_of(v, IHG_ROLE_CG),
                        .label = "CG", .mark = 'o', .glyph = 0x25C6, .rank = 1};
    s[2] = (ihg_series){.y = nm_y, .n = (size_t)c->kmax + 1, .x0 = 0,
                        .role = role_of(v, IHG_ROLE_NEUMANN), .label = "Neumann", .mark = '*',
                        .glyph = 0x25CF, .rank = 0};
    int ns = 3;
    static double cgc_shown[4096], nmc_shown[4096];
    if ((nmc || cgc) && c->kmax + 1 <= 4096) {
        log_shown(nmc_shown, nmc ? nmc->rel_err : NULL, (size_t)c->kmax + 1);
        log_shown(cgc_shown, cgc ? cgc->rel_err + 1 : NULL, (size_t)c->kmax);
        if (cgc)
            s[ns++] = (ihg_series){.y = cgc_shown, .n = (size_t)c->kmax, .x0 = 1,
                                   .role = role_of(v, IHG_ROLE_CG), .label = "CG conditioned",
                                   .mark = 'c', .glyph = 0x25C7, .dotted = 1, .rank = 3};
        if (nmc)
            s[ns++] = (ihg_series){.y = nmc_shown, .n = (size_t)c->kmax + 1, .x0 = 0,
                                   .role = role_of(v, IHG_ROLE_NEUMANN),
                                   .label = "Neumann conditioned", .mark = 'n', .glyph = 0x25A1,
                                   .dotted = 1, .rank = 3};
    }
    /* unrolled truncated to its last K steps, K = 1..T: against the
     * reference like the others, and against the whole unroll (the
     * truncation bias, 0 at K = T) */
    static double un_shown[4096], ub_shown[4096];
    if (un) {
        size_t n = (size_t)(un->kmax - un->k_first + 1);
        log_shown(un_shown, un->rel_err + un->k_first, n);
        log_shown(ub_shown, un->rel_unrolled + un->k_first, n);
        s[ns++] = (ihg_series){.y = un_shown, .n = n, .x0 = (double)un->k_first,
                               .role = role_of(v, IHG_ROLE_EXACT), .label = "unrolled",
                               .mark = 'u', .glyph = 0x25A0, .rank = 1};
        s[ns++] = (ihg_series){.y = ub_shown, .n = n, .x0 = (double)un->k_first,
                               .role = role_of(v, IHG_ROLE_TEST), .label = "trunc. bias",
                               .mark = 'x', .glyph = 0x25B3, .dotted = 1, .rank = 3};
    }
    ihg_chart_init(&ch);
    ch.log_y = 1;
    ch.xlabel = "K (HVPs)";
    /* what is plotted, as far as the width allows */
    ch.ylabel = plot.w >= 90 ? "relative error of dL_V/d" LAM " against the exact solve"
                : plot.w >= 60 ? "rel. error of dL_V/d" LAM " vs exact"
                               : "rel. error of dL_V/d" LAM;
    if (cv->ascii)
        ch.ylabel = plot.w >= 90   ? "relative error of dL_V/dlambda against the exact solve"
                    : plot.w >= 60 ? "rel. error of dL_V/dlambda vs exact"
                                   : "rel. error";
    if (!c->reference_exact)
        ch.ylabel = "rel. error vs the CG reference";
    ch.xmin = 0;
    ch.xmax = (double)(c->kmax > 0 ? c->kmax : 1);
    if (un && un->kmax > ch.xmax)
        ch.xmax = (double)un->kmax;
    if (un)
        ch.xlabel = plot.w >= 60 ? "K (HVPs; unrolled: its last K steps)" : "K (HVPs)";
    ch.ymin = axis_lo;
    if (top > 0)
        ch.ymax = top;
    ch.legend_row = r.y + r.h - 1;
    ch.legend_right = r.x + r.w - 2;
    ihg_chart_draw(cv, plot, &ch, s, ns, NULL);
}

/* ---- pane 4 ------------------------------------------------------------------ */

/* column of a positive value on the log axis [lo, hi] over cols */
static int log_col(double x, double lo, double hi, int cols)
{
    double t = (log10(x) - log10(lo)) / (log10(hi) - log10(lo));
    int c = (int)lround(t * (cols - 1));
    return c < 0 ? 0 : c >= cols ? cols - 1 : c;
}

void ihg_pane_spectrum(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[160], wh[96], a[16], b[16], rr[16], band[16], kap[16], ab[16], rb[16], nn[16];
    char l0[96], l1[96], l2[96], l3[96], l4[96], l5[96];
    const ihg_comparison *c = v->cmp;
    ihg_item it[6];
    ihg_rect in;
    double lo = INFINITY, hi = 0, top, emax, best_top;
    int cols, hh, x, *count, *bad, maxc = 0, base, i, n, nonpos = 0, left, y;

    if (c && v->cmp_moved) {
        where(cv, wh, sizeof wh, v);
        snprintf(extra, sizeof extra, "%s (log axis) vs the stable band 0 < %s < 2", wh,
                 IHG_TXT(cv, ALP LAM, "alpha*lambda"));
    } else if (c) {
        where(cv, wh, sizeof wh, v);
        snprintf(extra, sizeof extra, "(log axis) vs the stable band 0 < %s < 2 %s",
                 IHG_TXT(cv, ALP LAM, "alpha*lambda"), wh);
    } else {
        snprintf(extra, sizeof extra, "(log axis) vs the stable band 0 < %s < 2",
                 IHG_TXT(cv, ALP LAM, "alpha*lambda"));
    }
    in = ihg_pane_frame(cv, r, v, IHG_PANE_SPECTRUM, extra);
    if (in.w < 16 || in.h < 4 || no_comparison(cv, in, v))
        return;
    if (!c->eigenvalues) {
        ihg_canvas_fit(cv, in.x, in.y + 1, in.w, IHG_ROLE_DIM,
                       "the spectrum needs the exact Hessian:");
        ihg_canvas_fitf(cv, in.x, in.y + 2, in.w, IHG_ROLE_DIM,
                        "P = %zu > hypergrad.exact_max = %ld", v->P, v->exact_max);
        return;
    }
    top = c->band_top;
    ihg_format_short(a, sizeof a, isfinite(c->eig_lo) ? c->eig_lo : c->eig_min, 8);
    ihg_format_short(b, sizeof b, c->eig_max, 8);
    ihg_format_short(rr, sizeof rr, c->rho, 8);
    ihg_format_short(band, sizeof band, top, 8);
    ihg_format_short(kap, sizeof kap, c->kappa, 8);
    ihg_format_short(ab, sizeof ab, c->alpha_best, 8);
    ihg_format_short(rb, sizeof rb, c->rho_best, 8);
    ihg_format_int(nn, sizeof nn, c->n_unstable);

    /* line 1: the range, kappa, the band; line 2: rho and the verdict;
     * line 3: the best step */
    snprintf(l0, sizeof l0, "eig(H) in [%s, %s]", a, b);
    snprintf(l1, sizeof l1, "%s = %s", IHG_TXT(cv, KAP, "kappa"), kap);
    snprintf(l2, sizeof l2, "stable: 0 < %s < 2/%s = %s", IHG_TXT(cv, LAM, "lambda"),
             IHG_TXT(cv, ALP, "alpha"), band);
    i = 0;
    it[i++] = (ihg_item){l0, 0, role_of(v, IHG_ROLE_NORMAL)};
    if (isfinite(c->kappa))
        it[i++] = (ihg_item){l1, 1, role_of(v, IHG_ROLE_NORMAL)};
    it[i++] = (ihg_item){l2, 2, role_of(v, IHG_ROLE_GOOD)};
    ihg_canvas_items(cv, in.x, in.y, in.w, it, i, "  ", IHG_ROLE_NORMAL);
    snprintf(l3, sizeof l3, "%s(I-%sH) = %s", IHG_TXT(cv, RHO, "rho"), IHG_TXT(cv, ALP, "alpha"),
             rr);
    snprintf(l4, sizeof l4, "%s unstable%s", nn,
             c->n_unstable ? " (!)" : ": the series converges");
    l5[0] = '\0';
    if (c->n_null > 0) { /* left out of rho: H u = 0 and v has no part there */
        char nul[16];
        ihg_format_int(nul, sizeof nul, c->n_null);
        snprintf(l5, sizeof l5, "%s null left out", nul);
    }
    it[0] = (ihg_item){l3, 0, role_of(v, c->n_unstable ? IHG_ROLE_BAD : IHG_ROLE_GOOD)};
    it[1] = (ihg_item){l4, 0, role_of(v, c->n_unstable ? IHG_ROLE_BAD : IHG_ROLE_GOOD)};
    it[2] = (ihg_item){l5, 3, role_of(v, IHG_ROLE_DIM)};
    ihg_canvas_items(cv, in.x, in.y + 1, in.w, it, 3, "   ", IHG_ROLE_NORMAL);
    y = in.y + 2;
    if (isfinite(c->alpha_best) && in.h >= 7) {
        char t[160];
        snprintf(t, sizeof t, "best %s* = 2/(%s_min + %s_max) = %s: %s %s  (b sets it)",
                 IHG_TXT(cv, ALP, "alpha"), IHG_TXT(cv, LAM, "lambda"),
                 IHG_TXT(cv, LAM, "lambda"), ab, IHG_TXT(cv, RHO, "rho"), rb);
        ihg_canvas_fit(cv, in.x, y, in.w, role_of(v, IHG_ROLE_NUMBER), t);
        y++;
    }
    if (c->conditioned && c->eig_seen && in.h >= 8) {
        /* what the damped or preconditioned series iterates on */
        char t[200], sa[16], sb[16], sr[16], dd[16];
        ihg_format_short(sa, sizeof sa, c->seen_min, 8);
        ihg_format_short(sb, sizeof sb, c->seen_max, 8);
        ihg_format_short(sr, sizeof sr, c->rho_seen, 8);
        ihg_format_short(dd, sizeof dd, c->damping, 8);
        snprintf(t, sizeof t, "conditioned (%s%s%s%s): the series sees [%s, %s], %s %s",
                 c->damping > 0 ? IHG_TXT(cv, "\xce\xb4 = ", "delta = ") : "",
                 c->damping > 0 ? dd : "", c->damping > 0 && c->precondition ? ", " : "",
                 c->precondition ? "D^-1 H, Jacobi" : "", sa, sb, IHG_TXT(cv, RHO, "rho"), sr);
        ihg_canvas_fit(cv, in.x, y, in.w, role_of(v, c->rho_seen < 1 ? IHG_ROLE_GOOD
                                                                     : IHG_ROLE_BAD), t);
        y++;
    }

    /* the log axis: from below the smallest positive eigenvalue to above
     * the larger of the largest and 2/alpha; eigenvalues <= 0 (not null)
     * are counted at the left edge */
    n = (int)c->eigenvalues->size;
    emax = fmax(fabs(c->eig_min), fabs(c->eig_max));
    for (i = 0; i < n; i++) {
        double e = gsl_vector_get(c->eigenvalues, i);
        if (!isfinite(e) || fabs(e) <= 1e-10 * emax)
            continue;
        if (e <= 0) {
            nonpos++;
            continue;
        }
        lo = fmin(lo, e);
        hi = fmax(hi, e);
    }
    best_top = c->band_best;
    if (!isfinite(lo)) {
        ihg_canvas_fit(cv, in.x, y, in.w, role_of(v, IHG_ROLE_BAD),
                       "no positive eigenvalue: H is not positive definite");
        return;
    }
    if (isfinite(top) && top > 0)
        hi = fmax(hi, top);
    lo /= 2;
    hi *= 2;
    left = nonpos > 0 ? 4 : 0; /* "<=0" column, then a gap */
    cols = in.w - left;
    hh = in.y + in.h - 2 - y; /* histogram rows; then the band row and the labels row */
    base = y + hh - 1;
    if (hh < 1 || cols < 10)
        return;
    count = calloc((size_t)cols, sizeof *count);
    bad = calloc((size_t)cols, sizeof *bad);
    if (!count || !bad) {
        free(count);
        free(bad);
        return;
    }
    for (i = 0; i < n; i++) {
        double e = gsl_vector_get(c->eigenvalues, i);
        if (!isfinite(e) || e <= 0 || fabs(e) <= 1e-10 * emax)
            continue;
        x = log_col(e, lo, hi, cols);
        count[x]++;
        if (!(isfinite(top) && e < top)) /* outside 0 < alpha e < 2 */
            bad[x]++;
    }
    for (x = 0; x < cols; x++)
        if (count[x] > maxc)
            maxc = count[x];
    if (nonpos > maxc)
        maxc = nonpos;
    for (x = 0; x < cols; x++) {
        int stable = !bad[x];
        if (!count[x])
            continue;
        /* at least one row for any eigenvalue, so that a lone one shows */
        ihg_vbar(cv, in.x + left + x, base, hh,
                 maxc ? fmax((double)count[x] / maxc, 1.0 / hh) : 0,
                 role_of(v, stable ? IHG_ROLE_GOOD : IHG_ROLE_BAD));
        if (!stable)
            ihg_canvas_set(cv, in.x + left + x, y, L'!', role_of(v, IHG_ROLE_BAD));
    }
    if (nonpos > 0) {
        ihg_vbar(cv, in.x + 1, base, hh, fmax((double)nonpos / maxc, 1.0 / hh),
                 role_of(v, IHG_ROLE_BAD));
        ihg_canvas_text(cv, in.x, base + 2, 3, IHG_ROLE_BAD, IHG_TXT(cv, "\xe2\x89\xa4" "0", "<=0"));
    }
    /* the band row: the stable part (lambda < 2/alpha) '=', the rest dim,
     * 2/alpha marked, and 2/alpha* where the best step's band ends */
    {
        int x2 = isfinite(top) && top > 0 ? log_col(top, lo, hi, cols) : cols - 1;
        int xb = isfinite(best_top) ? log_col(best_top, lo, hi, cols) : -1;
        char lab[48], dec[16];
        int used_to = -1, d;
        for (x = 0; x < cols; x++) {
            int inside = x < x2;
            ihg_canvas_set(cv, in.x + left + x, base + 1,
                           inside ? (cv->ascii ? L'=' : 0x2550) : (cv->ascii ? L'-' : 0x2500),
                           role_of(v, inside ? IHG_ROLE_GOOD : IHG_ROLE_DIM));
        }
        ihg_canvas_set(cv, in.x + left + x2, base + 1, cv->ascii ? L'|' : 0x256A,
                       IHG_ROLE_AXIS);
        if (xb >= 0 && xb != x2)
            ihg_canvas_set(cv, in.x + left + xb, base + 1, cv->ascii ? L'*' : 0x25C6,
                           role_of(v, IHG_ROLE_NUMBER));
        /* labels: 2/alpha (and 2/alpha*) first, then the decades where free */
        snprintf(lab, sizeof lab, "2/%s=%s", IHG_TXT(cv, ALP, "a"), band);
        {
            int l = ihg_text_width(lab), at = x2 - l / 2;
            if (at + l > cols)
                at = cols - l;
            if (at < 0)
                at = 0;
            if (l <= cols) {
                ihg_canvas_text(cv, in.x + left + at, base + 2, l, IHG_ROLE_AXIS, lab);
                used_to = at + l;
                if (xb >= 0 && xb != x2) {
                    char lb[48];
                    int lbw, atb;
                    ihg_format_short(band, sizeof band, best_top, 8);
                    snprintf(lb, sizeof lb, "2/%s*=%s", IHG_TXT(cv, ALP, "a"), band);
                    lbw = ihg_text_width(lb);
                    atb = xb - lbw / 2;
                    if (atb < 0)
                        atb = 0;
                    if (atb + lbw <= cols && (atb + lbw + 1 < at || atb > used_to)) {
                        ihg_canvas_text(cv, in.x + left + atb, base + 2, lbw,
                                        role_of(v, IHG_ROLE_NUMBER), lb);
                        if (atb > used_to)
                            used_to = atb + lbw;
                    }
                }
            }
        }
        for (d = (int)ceil(log10(lo)); d <= (int)floor(log10(hi)); d++) {
            int xd = log_col(pow(10.0, d), lo, hi, cols), l;
            int free_ = 1, k;
            snprintf(dec, sizeof dec, "1e%d", d);
            l = (int)strlen(dec);
            if (xd - l / 2 < 0 || xd - l / 2 + l > cols)
                continue;
            for (k = -1; k <= l; k++) {
                wchar_t ch = ihg_canvas_get(cv, in.x + left + xd - l / 2 + k, base + 2).ch;
                if (ch != L' ' && ch != 0)
                    free_ = 0;
            }
            if (!free_)
                continue;
            ihg_audit_number(dec, pow(10.0, d));
            ihg_canvas_text(cv, in.x + left + xd - l / 2, base + 2, l, IHG_ROLE_AXIS, dec);
            if (ihg_canvas_get(cv, in.x + left + xd, base + 1).ch != 0x256A &&
                ihg_canvas_get(cv, in.x + left + xd, base + 1).ch != L'|')
                ihg_canvas_set(cv, in.x + left + xd, base + 1, cv->ascii ? L'+' : 0x253C,
                               IHG_ROLE_AXIS);
        }
    }
    free(count);
    free(bad);
}
