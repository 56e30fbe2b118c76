/* figures.c - the standard figures of a run (figures.h). */
#include "figures.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plot.h"

/* Series styles: the same quantity keeps its look across figures. */
enum { STYLE_TRAIN = 0, STYLE_VAL = 1, STYLE_TEST = 2 };

/* A segment with at most this many values is listed in the notes of the
 * lambda figure instead of being binned. */
#define LAMBDA_LISTED_MAX 3
#define HIST_BINS_MAX 60
/* Up to this many hyperparameters are drawn one by one, not binned. */
#define LAMBDA_DOTS_MAX 6

static int draw_plot(FILE *out, const ihg_figure_spec *spec, const ihg_plot *p)
{
    ihg_figure fig;
    int st = ihg_figure_begin(&fig, spec->format, spec->width, spec->height, out);
    if (st != IHG_OK)
        return st;
    ihg_plot_draw(&fig, p);
    return ihg_figure_end(&fig);
}

int ihg_figure_has_accuracy(const ihg_record *hist, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(hist[i].val_acc) || isfinite(hist[i].train_acc))
            return 1;
    return 0;
}

/* One record field per outer step, into a new array (NULL: no memory). */
static double *field(const ihg_record *hist, size_t n, size_t offset, int *any)
{
    double *y = malloc((n ? n : 1) * sizeof *y);
    *any = 0;
    if (!y)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        y[i] = *(const double *)((const char *)&hist[i] + offset);
        if (isfinite(y[i]))
            *any = 1;
    }
    return y;
}

/* The losses or the accuracies: train, val, test per outer step. */
static int history_figure(FILE *out, const ihg_figure_spec *spec, const ihg_record *hist,
                          size_t n, int accuracy)
{
    static const size_t loss_fields[3] = {offsetof(ihg_record, train_loss),
                                          offsetof(ihg_record, val_loss),
                                          offsetof(ihg_record, test_loss)};
    static const size_t acc_fields[3] = {offsetof(ihg_record, train_acc),
                                         offsetof(ihg_record, val_acc),
                                         offsetof(ihg_record, test_acc)};
    static const char *const loss_labels[3] = {"training loss L_T", "validation loss L_V",
                                               "test loss"};
    static const char *const acc_labels[3] = {"training accuracy", "validation accuracy",
                                              "test accuracy"};
    static const int styles[3] = {STYLE_TRAIN, STYLE_VAL, STYLE_TEST};
    if (n == 0)
        return ihg_error_set(IHG_EINVAL, "no outer step to draw");
    ihg_plot p;
    ihg_plot_series s[3];
    double *y[3] = {NULL, NULL, NULL};
    size_t ns = 0;
    int st = IHG_OK;
    double lo = INFINITY, hi = -INFINITY;
    ihg_plot_init(&p);
    for (int i = 0; i < 3; i++) {
        int any;
        y[i] = field(hist, n, accuracy ? acc_fields[i] : loss_fields[i], &any);
        if (!y[i]) {
            st = ihg_error_set(IHG_ENOMEM, "out of memory");
            goto done;
        }
        if (!any)
            continue;
        for (size_t k = 0; k < n; k++)
            if (isfinite(y[i][k])) {
                lo = fmin(lo, y[i][k]);
                hi = fmax(hi, y[i][k]);
            }
        s[ns++] = (ihg_plot_series){.label = accuracy ? acc_labels[i] : loss_labels[i],
                                    .kind = IHG_SERIES_LINE, .x0 = 1, .dx = 1, .y = y[i],
                                    .n = n, .style = styles[i]};
    }
    p.title = accuracy ? "Accuracy per outer step" : "Losses per outer step";
    p.subtitle = spec->subtitle;
    p.xlabel = "outer step";
    p.ylabel = accuracy ? "accuracy" : "loss";
    p.x_integer = 1;
    p.xmin = n > 1 ? 1 : 0;
    p.series = s;
    p.n_series = ns;
    if (accuracy) {
        p.ymax = 1;
        p.ymin = lo >= 0.5 ? 0.5 : 0;
    } else if (lo > 0 && hi / lo > 30) {
        p.yscale = IHG_SCALE_LOG; /* losses across decades */
    }
    st = draw_plot(out, spec, &p);
done:
    for (int i = 0; i < 3; i++)
        free(y[i]);
    return st;
}

int ihg_figure_losses(FILE *out, const ihg_figure_spec *spec, const ihg_record *hist,
                      size_t n)
{
    return history_figure(out, spec, hist, n, 0);
}

int ihg_figure_accuracy(FILE *out, const ihg_figure_spec *spec, const ihg_record *hist,
                        size_t n)
{
    if (!ihg_figure_has_accuracy(hist, n))
        return ihg_error_set(IHG_EINVAL, "no accuracies to draw (not a classifier)");
    return history_figure(out, spec, hist, n, 1);
}

/* ---- the comparison ---------------------------------------------------- */

static int method_has_values(const ihg_compare_method *cm)
{
    if (!cm->ran)
        return 0;
    long last = cm->curve ? cm->kmax : 0;
    for (long k = cm->curve ? cm->k_first : 0; k <= last; k++)
        if (isfinite(cm->rel_err[k]))
            return 1;
    return 0;
}

int ihg_figure_has_errors(const ihg_comparison *c)
{
    for (size_t i = 0; c && i < c->n_methods; i++)
        if (method_has_values(&c->method[i]))
            return 1;
    return 0;
}

int ihg_figure_has_spectrum(const ihg_comparison *c)
{
    return c && c->eigenvalues && c->eigenvalues->size > 0 && isfinite(c->eig_max) &&
           c->eig_max > 0;
}

static void reference_note(char *buf, size_t size, const ihg_comparison *c, long outer)
{
    if (c->reference_exact)
        snprintf(buf, size, "g: exact solve%s%s, outer step %ld",
                 c->reference_fallback != IHG_FALLBACK_NONE ? " with " : "",
                 c->reference_fallback != IHG_FALLBACK_NONE
                     ? ihg_fallback_name(c->reference_fallback)
                     : "",
                 outer);
    else
        snprintf(buf, size, "g: CG to convergence (%ld it.), outer step %ld",
                 c->reference_iters, outer);
}

int ihg_figure_hypergrad_error(FILE *out, const ihg_figure_spec *spec,
                               const ihg_comparison *c, long outer)
{
    if (!ihg_figure_has_errors(c))
        return ihg_error_set(IHG_EINVAL, "no hypergradient errors to draw");
    ihg_plot p;
    ihg_plot_series s[IHG_COMPARE_METHODS_MAX + 1];
    char labels[IHG_COMPARE_METHODS_MAX + 1][96], note[3][128], rho[32], alpha[32];
    size_t ns = 0;
    ihg_plot_init(&p);
    for (size_t i = 0; i < c->n_methods; i++) {
        const ihg_compare_method *cm = &c->method[i];
        if (!method_has_values(cm))
            continue;
        const ihg_method_type *t = cm->type;
        if (cm->curve) {
            snprintf(labels[ns], sizeof labels[ns], "%s (K %ss)", t->label, t->unit);
            s[ns] = (ihg_plot_series){.label = labels[ns], .kind = IHG_SERIES_LINE,
                                      .x0 = (double)cm->k_first, .dx = 1,
                                      .y = cm->rel_err + cm->k_first,
                                      .n = (size_t)(cm->kmax - cm->k_first + 1),
                                      .style = (int)i};
        } else {
            snprintf(labels[ns], sizeof labels[ns], "%s (no K)", t->label);
            s[ns] = (ihg_plot_series){.label = labels[ns], .kind = IHG_SERIES_LEVEL,
                                      .y = cm->rel_err, .n = 1, .style = (int)i};
        }
        ns++;
    }
    int predicted = 0;
    for (long k = 0; k <= c->kmax; k++)
        if (isfinite(c->predicted[k]) && c->predicted[k] > 0)
            predicted = 1;
    ihg_figure_number(rho, sizeof rho, c->rho, 3);
    ihg_figure_number(alpha, sizeof alpha, c->alpha, 3);
    if (predicted) {
        snprintf(labels[ns], sizeof labels[ns], "predicted \xcf\x81^(K+1), \xcf\x81 = %s", rho);
        s[ns++] = (ihg_plot_series){.label = labels[ns - 1], .kind = IHG_SERIES_GUIDE,
                                    .x0 = 0, .dx = 1, .y = c->predicted,
                                    .n = (size_t)c->kmax + 1, .style = -1};
    }
    reference_note(note[0], sizeof note[0], c, outer);
    snprintf(note[1], sizeof note[1], "Neumann step \xce\xb1 = %s", alpha);
    p.notes[p.n_notes++] = note[0];
    p.notes[p.n_notes++] = note[1];
    if (isfinite(c->rho)) {
        snprintf(note[2], sizeof note[2], "\xcf\x81(I \xe2\x88\x92 \xce\xb1H) = %s%s", rho,
                 c->rho >= 1 ? ": Neumann diverges" : "");
        p.notes[p.n_notes++] = note[2];
    }
    p.title = "Hypergradient error against K";
    p.subtitle = spec->subtitle;
    p.xlabel = "K (terms, iterations or unrolled steps)";
    p.ylabel = "relative error \xe2\x80\x96g_K \xe2\x88\x92 g\xe2\x80\x96 / \xe2\x80\x96g\xe2\x80\x96";
    p.yscale = IHG_SCALE_LOG;
    p.x_integer = 1;
    p.xmin = 0;
    p.series = s;
    p.n_series = ns;
    return draw_plot(out, spec, &p);
}

/* ---- histograms ------------------------------------------------------ */

/* Counts of values in nb bins between edges[0] and edges[nb] (the last bin
 * closed); log: edges spaced evenly in log10 (values <= 0 not counted). */
static void bin_counts(const double *v, size_t n, size_t stride, const double *edges, size_t nb,
                       int log_bins, double *counts)
{
    double a = log_bins ? log10(edges[0]) : edges[0];
    double b = log_bins ? log10(edges[nb]) : edges[nb];
    for (size_t j = 0; j < nb; j++)
        counts[j] = 0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i * stride];
        if (!isfinite(x) || (log_bins && x <= 0))
            continue;
        double t = ((log_bins ? log10(x) : x) - a) / (b - a);
        long j = (long)floor(t * (double)nb);
        if (j == (long)nb)
            j = (long)nb - 1; /* the top edge */
        if (j < 0 || j >= (long)nb)
            continue;
        counts[j]++;
    }
}

static void make_edges(double lo, double hi, size_t nb, int log_bins, double *edges)
{
    for (size_t j = 0; j <= nb; j++) {
        double t = (double)j / (double)nb;
        edges[j] = log_bins ? pow(10, log10(lo) + t * (log10(hi) - log10(lo)))
                            : lo + t * (hi - lo);
    }
}

static size_t bins_for(size_t n)
{
    size_t nb = (size_t)ceil(2 * sqrt((double)n));
    if (nb < 8)
        nb = 8;
    if (nb > HIST_BINS_MAX)
        nb = HIST_BINS_MAX;
    return nb;
}

int ihg_figure_spectrum(FILE *out, const ihg_figure_spec *spec, const ihg_comparison *c,
                        long outer)
{
    if (!ihg_figure_has_spectrum(c))
        return ihg_error_set(IHG_EINVAL, "no spectrum of H to draw (it needs P <= "
                             "hypergrad.exact_max)");
    const gsl_vector *ev = c->eigenvalues;
    size_t n = ev->size, n_pos = 0, n_off = 0;
    double lo = INFINITY, hi = c->eig_max;
    double emax = fmax(fabs(c->eig_min), fabs(c->eig_max));
    for (size_t i = 0; i < n; i++) {
        double e = gsl_vector_get(ev, i);
        if (e > 1e-10 * emax) { /* null directions stay off the log axis */
            n_pos++;
            lo = fmin(lo, e);
        } else {
            n_off++;
        }
    }
    if (n_pos == 0)
        return ihg_error_set(IHG_EINVAL, "H has no positive eigenvalue to draw");
    double top = 2.0 / c->alpha;
    double blo = lo, bhi = hi;
    if (bhi <= blo * 1.0001) {
        blo /= 1.5;
        bhi *= 1.5;
    }
    size_t nb = bins_for(n_pos);
    double edges[HIST_BINS_MAX + 1], counts[HIST_BINS_MAX];
    make_edges(blo, bhi * (1 + 1e-12), nb, 1, edges);
    bin_counts(ev->data, n, ev->stride, edges, nb, 1, counts);
    char label[96], bl[64], l2a[64], lmin[64], lmax[64], la[64];
    char note[5][128], num[4][32];
    ihg_plot p;
    ihg_plot_series s;
    ihg_plot_marker m[5];
    size_t nm = 0;
    ihg_plot_init(&p);
    snprintf(label, sizeof label, "eigenvalues of H (%zu)", n_pos);
    s = (ihg_plot_series){.label = label, .kind = IHG_SERIES_HISTOGRAM, .x = edges,
                          .y = counts, .n = nb, .style = 0};
    ihg_figure_number(num[0], sizeof num[0], top, 3);
    snprintf(bl, sizeof bl, "stable: 0 < \xce\xb1\xce\xbb < 2");
    m[nm++] = (ihg_plot_marker){.x = 0, .x_end = top, .label = bl, .style = 2};
    snprintf(l2a, sizeof l2a, "2/\xce\xb1 = %s", num[0]);
    m[nm++] = (ihg_plot_marker){.x = top, .x_end = NAN, .label = l2a, .style = 1};
    ihg_figure_number(num[1], sizeof num[1], lo, 3);
    snprintf(lmin, sizeof lmin, "\xce\xbb_min = %s", num[1]);
    m[nm++] = (ihg_plot_marker){.x = lo, .x_end = NAN, .label = lmin, .style = -1};
    ihg_figure_number(num[2], sizeof num[2], hi, 3);
    snprintf(lmax, sizeof lmax, "\xce\xbb_max = %s", num[2]);
    m[nm++] = (ihg_plot_marker){.x = hi, .x_end = NAN, .label = lmax, .style = -1};
    double kappa = c->kappa, best = c->alpha_best;
    if (isfinite(best)) {
        ihg_figure_number(num[3], sizeof num[3], 2 / best, 3);
        snprintf(la, sizeof la, "2/\xce\xb1* = \xce\xbb_min + \xce\xbb_max = %s", num[3]);
        m[nm++] = (ihg_plot_marker){.x = 2 / best, .x_end = NAN, .label = la, .style = 3};
    }
    char a1[32], a2[32], a3[32], a4[32];
    ihg_figure_number(a1, sizeof a1, kappa, 4);
    ihg_figure_number(a2, sizeof a2, best, 3);
    ihg_figure_number(a3, sizeof a3, c->alpha, 3);
    ihg_figure_number(a4, sizeof a4, c->rho, 3);
    snprintf(note[0], sizeof note[0], "\xce\xba = \xce\xbb_max / \xce\xbb_min = %s", a1);
    snprintf(note[1], sizeof note[1], "\xce\xb1* = 2 / (\xce\xbb_min + \xce\xbb_max) = %s", a2);
    snprintf(note[2], sizeof note[2], "\xce\xb1 = %s: \xcf\x81(I \xe2\x88\x92 \xce\xb1H) = %s",
             a3, a4);
    snprintf(note[3], sizeof note[3], "%ld unstable (outside the band)", c->n_unstable);
    p.notes[p.n_notes++] = note[0];
    p.notes[p.n_notes++] = note[1];
    p.notes[p.n_notes++] = note[2];
    p.notes[p.n_notes++] = note[3];
    if (n_off) {
        snprintf(note[4], sizeof note[4], "%zu null or negative, not on the log axis", n_off);
        p.notes[p.n_notes++] = note[4];
    }
    char title[96];
    snprintf(title, sizeof title, "Spectrum of H at outer step %ld", outer);
    p.title = title;
    p.subtitle = spec->subtitle;
    p.xlabel = "eigenvalue \xce\xbb of H (log scale)";
    p.ylabel = "count";
    p.xscale = IHG_SCALE_LOG;
    p.ymin = 0;
    p.y_integer = 1;
    p.series = &s;
    p.n_series = 1;
    p.markers = m;
    p.n_markers = nm;
    return draw_plot(out, spec, &p);
}

/* A few hyperparameters: each one's value at the start and now. */
static int lambda_values(FILE *out, const ihg_figure_spec *spec, const ihg_hyper_layout *layout,
                         const double *start, const double *now, size_t n, long outer)
{
    ihg_plot p;
    ihg_plot_series s[2];
    size_t ns = 0;
    char lab_now[64], title[96], note[IHG_PLOT_NOTES][192];
    ihg_plot_init(&p);
    snprintf(lab_now, sizeof lab_now, "after %ld outer step%s", outer, outer == 1 ? "" : "s");
    s[ns++] = (ihg_plot_series){.label = lab_now, .kind = IHG_SERIES_MARKS, .y = now, .n = n,
                                .x0 = 0, .dx = 1, .style = 0};
    if (start)
        s[ns++] = (ihg_plot_series){.label = "at the start", .kind = IHG_SERIES_MARKS,
                                    .y = start, .n = n, .x0 = 0, .dx = 1, .style = 1};
    for (size_t i = 0; i < n && p.n_notes < IHG_PLOT_NOTES; i++) {
        char name[64], a[32], b[32];
        if (layout && layout->n == n)
            ihg_hyper_label(layout, i, name, sizeof name);
        else
            snprintf(name, sizeof name, "\xce\xbb%zu", i);
        ihg_figure_number(a, sizeof a, start ? start[i] : NAN, 4);
        ihg_figure_number(b, sizeof b, now[i], 4);
        snprintf(note[p.n_notes], sizeof note[p.n_notes], "%zu  %s: %s \xe2\x86\x92 %s", i,
                 name, a, b);
        p.notes[p.n_notes] = note[p.n_notes];
        p.n_notes++;
    }
    snprintf(title, sizeof title, "Hyperparameters \xce\xbb (%zu)", n);
    p.title = title;
    p.subtitle = spec->subtitle;
    p.xlabel = "hyperparameter (index)";
    p.ylabel = "\xce\xbb";
    p.x_integer = 1;
    p.xmin = -0.5;
    p.xmax = (double)n - 0.5;
    p.series = s;
    p.n_series = ns;
    return draw_plot(out, spec, &p);
}

int ihg_figure_lambda(FILE *out, const ihg_figure_spec *spec, const ihg_hyper_layout *layout,
                      const double *start, const double *now, size_t n, long outer)
{
    if (!now || n == 0)
        return ihg_error_set(IHG_EINVAL, "no hyperparameters to draw");
    if (n <= LAMBDA_DOTS_MAX)
        return lambda_values(out, spec, layout, start, now, n, outer);
    /* binned: the segments with more than a few values; the others listed */
    double lo = INFINITY, hi = -INFINITY;
    size_t binned = 0;
    char names[160] = "", note[IHG_PLOT_NOTES][128];
    ihg_plot p;
    ihg_plot_init(&p);
    size_t nseg = layout && layout->nseg ? layout->nseg : 1;
    for (size_t g = 0; g < nseg; g++) {
        size_t off = layout && layout->nseg ? layout->seg[g].offset : 0;
        size_t cnt = layout && layout->nseg ? layout->seg[g].count : n;
        const char *name = layout && layout->nseg ? layout->seg[g].name : "lambda";
        if (off + cnt > n)
            continue;
        if (cnt <= LAMBDA_LISTED_MAX && nseg > 1) {
            for (size_t i = 0; i < cnt && p.n_notes < IHG_PLOT_NOTES; i++) {
                char a[32], b[32];
                ihg_figure_number(a, sizeof a, start ? start[off + i] : NAN, 4);
                ihg_figure_number(b, sizeof b, now[off + i], 4);
                char idx[24] = "";
                if (cnt > 1) /* no index for a single value */
                    snprintf(idx, sizeof idx, " %zu", i);
                snprintf(note[p.n_notes], sizeof note[p.n_notes], "%s%s: %s \xe2\x86\x92 %s",
                         name, idx, a, b);
                p.notes[p.n_notes] = note[p.n_notes];
                p.n_notes++;
            }
            continue;
        }
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", name);
        for (size_t i = off; i < off + cnt; i++) {
            if (isfinite(now[i])) {
                lo = fmin(lo, now[i]);
                hi = fmax(hi, now[i]);
            }
            if (start && isfinite(start[i])) {
                lo = fmin(lo, start[i]);
                hi = fmax(hi, start[i]);
            }
        }
        binned += cnt;
    }
    double *edges = NULL, *c_start = NULL, *c_now = NULL, *tmp_start = NULL, *tmp_now = NULL;
    ihg_plot_series s[2];
    size_t ns = 0, nb = 0;
    char lab_start[64], lab_now[64], title[96], xlabel[200];
    int st = IHG_OK;
    if (binned > 0 && lo <= hi) {
        if (hi - lo < 1e-12 * fmax(1, fabs(lo))) {
            lo -= 0.5;
            hi += 0.5;
        }
        nb = bins_for(binned);
        edges = malloc((nb + 1) * sizeof *edges);
        c_start = calloc(nb, sizeof *c_start);
        c_now = calloc(nb, sizeof *c_now);
        tmp_start = malloc(nb * sizeof *tmp_start);
        tmp_now = malloc(nb * sizeof *tmp_now);
        if (!edges || !c_start || !c_now || !tmp_start || !tmp_now) {
            st = ihg_error_set(IHG_ENOMEM, "out of memory");
            goto done;
        }
        make_edges(lo, hi, nb, 0, edges);
        for (size_t g = 0; g < nseg; g++) {
            size_t off = layout && layout->nseg ? layout->seg[g].offset : 0;
            size_t cnt = layout && layout->nseg ? layout->seg[g].count : n;
            if (off + cnt > n || (cnt <= LAMBDA_LISTED_MAX && nseg > 1))
                continue;
            bin_counts(now + off, cnt, 1, edges, nb, 0, tmp_now);
            if (start)
                bin_counts(start + off, cnt, 1, edges, nb, 0, tmp_start);
            for (size_t j = 0; j < nb; j++) {
                c_now[j] += tmp_now[j];
                if (start)
                    c_start[j] += tmp_start[j];
            }
        }
        double cmax = 0, cmin = INFINITY;
        for (size_t j = 0; j < nb; j++) {
            double cs[2] = {c_now[j], start ? c_start[j] : 0};
            for (int q = 0; q < 2; q++) {
                cmax = fmax(cmax, cs[q]);
                if (cs[q] > 0)
                    cmin = fmin(cmin, cs[q]);
            }
        }
        if (cmax / cmin > 100) {
            p.yscale = IHG_SCALE_LOG; /* a spike next to a long tail */
            p.ymin = 0.5;             /* a bin of 1 shows */
        }
        /* now filled, the start outlined over it (dashed) */
        snprintf(lab_now, sizeof lab_now, "after %ld outer step%s", outer, outer == 1 ? "" : "s");
        s[ns++] = (ihg_plot_series){.label = lab_now, .kind = IHG_SERIES_HISTOGRAM, .x = edges,
                                    .y = c_now, .n = nb, .style = 0};
        if (start) {
            snprintf(lab_start, sizeof lab_start, "at the start");
            s[ns++] = (ihg_plot_series){.label = lab_start, .kind = IHG_SERIES_HISTOGRAM,
                                        .x = edges, .y = c_start, .n = nb, .style = 1};
        }
    }
    snprintf(title, sizeof title, "Hyperparameters \xce\xbb (%zu)", n);
    snprintf(xlabel, sizeof xlabel, "\xce\xbb: %s", binned ? names : "the values listed");
    p.title = title;
    p.subtitle = spec->subtitle;
    p.xlabel = xlabel;
    p.ylabel = "count";
    if (p.yscale == IHG_SCALE_LINEAR)
        p.ymin = 0;
    p.series = s;
    p.n_series = ns;
    st = draw_plot(out, spec, &p);
done:
    free(edges);
    free(c_start);
    free(c_now);
    free(tmp_start);
    free(tmp_now);
    return st;
}

/* ---- images ---------------------------------------------------------- */

int ihg_figure_images(FILE *out, const ihg_figure_spec *spec, const double *pixels,
                      size_t k, size_t rows, size_t cols, const char *const *labels,
                      long outer)
{
    if (k == 0 || rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        return ihg_error_set(IHG_EINVAL, "no images to draw");
    ihg_figure fig;
    int st = ihg_figure_begin(&fig, spec->format, spec->width, spec->height, out);
    if (st != IHG_OK)
        return st;
    cairo_t *cr = fig.cr;
    double u = fig.unit, W = fig.width, H = fig.height;
    char title[96];
    double top = 22 * u + 34 * u;
    cairo_set_source_rgb(cr, 0, 0, 0);
    ihg_figure_font(&fig, 34, 1);
    snprintf(title, sizeof title, "Distilled images after %ld outer step%s", outer,
             outer == 1 ? "" : "s");
    ihg_figure_text(&fig, 30 * u, top, IHG_TEXT_LEFT, title);
    top += 10 * u;
    if (spec->subtitle) {
        ihg_figure_font(&fig, 23, 0);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        top += 26 * u;
        ihg_figure_text(&fig, 30 * u, top, IHG_TEXT_LEFT, spec->subtitle);
    }
    top += 24 * u;
    /* the grid with the most room per image */
    double label_h = 40 * u, gap = 18 * u, best = 0;
    size_t best_cols = 1;
    for (size_t nc = 1; nc <= k; nc++) {
        size_t nr = (k + nc - 1) / nc;
        double cw = (W - 60 * u - gap * (double)(nc - 1)) / (double)nc;
        double ch = (H - top - 20 * u - (gap + label_h) * (double)nr) / (double)nr;
        double scale = fmin(cw / (double)cols, ch / (double)rows);
        if (scale > best) {
            best = scale;
            best_cols = nc;
        }
    }
    if (best <= 0)
        best = 0.1;
    size_t nc = best_cols, nr = (k + nc - 1) / nc;
    double iw = best * (double)cols, ih = best * (double)rows;
    double grid_w = (double)nc * iw + (double)(nc - 1) * gap;
    double x0 = (W - grid_w) / 2;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)cols, (int)rows);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        ihg_figure_end(&fig);
        return ihg_error_set(IHG_ENOMEM, "out of memory (images)");
    }
    ihg_figure_font(&fig, 22, 0);
    for (size_t c = 0; c < k; c++) {
        unsigned char *data;
        int stride;
        cairo_surface_flush(img);
        data = cairo_image_surface_get_data(img);
        stride = cairo_image_surface_get_stride(img);
        for (size_t r = 0; r < rows; r++) {
            uint32_t *line = (uint32_t *)(data + (size_t)stride * r);
            for (size_t q = 0; q < cols; q++) {
                double v = pixels[c * rows * cols + r * cols + q];
                if (!isfinite(v))
                    v = 0;
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                uint32_t g = (uint32_t)lround(v * 255);
                line[q] = (g << 16) | (g << 8) | g;
            }
        }
        cairo_surface_mark_dirty(img);
        size_t gr = c / nc, gc = c % nc;
        double x = x0 + (double)gc * (iw + gap);
        double y = top + (double)gr * (ih + gap + label_h);
        cairo_save(cr);
        cairo_translate(cr, x, y);
        cairo_scale(cr, best, best);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
        cairo_rectangle(cr, 0, 0, (double)cols, (double)rows);
        cairo_fill(cr);
        cairo_restore(cr);
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr, 1.5 * u);
        cairo_rectangle(cr, x, y, iw, ih);
        cairo_stroke(cr);
        char lab[64];
        if (labels && labels[c])
            snprintf(lab, sizeof lab, "%s", labels[c]);
        else
            snprintf(lab, sizeof lab, "class %zu", c);
        cairo_set_source_rgb(cr, 0, 0, 0);
        ihg_figure_text(&fig, x + iw / 2, y + ih + 30 * u, IHG_TEXT_CENTER, lab);
    }
    (void)nr;
    cairo_surface_destroy(img);
    return ihg_figure_end(&fig);
}
