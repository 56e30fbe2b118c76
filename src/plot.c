/* plot.c - charts for slides on a cairo figure (plot.h). */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Okabe & Ito's colours, which colour-blind readers tell apart (yellow
 * left out: it does not show on white). */
static const unsigned char palette[][3] = {
    {0, 114, 178},   /* blue           */
    {213, 94, 0},    /* vermillion     */
    {0, 158, 115},   /* bluish green   */
    {204, 121, 167}, /* reddish purple */
    {230, 159, 0},   /* orange         */
    {86, 180, 233},  /* sky blue       */
    {120, 120, 120}  /* grey           */
};
#define N_COLOURS (sizeof palette / sizeof palette[0])

typedef enum {
    MARK_CIRCLE = 0,
    MARK_SQUARE,
    MARK_TRIANGLE,
    MARK_DIAMOND,
    MARK_CROSS,
    MARK_PLUS,
    MARK_TRIANGLE_DOWN,
    MARK_STAR,
    N_MARKS
} mark_shape;

void ihg_plot_colour(int style, double rgb[3])
{
    if (style < 0) {
        rgb[0] = rgb[1] = rgb[2] = 0.15;
        return;
    }
    const unsigned char *c = palette[(size_t)style % N_COLOURS];
    rgb[0] = c[0] / 255.0;
    rgb[1] = c[1] / 255.0;
    rgb[2] = c[2] / 255.0;
}

void ihg_plot_init(ihg_plot *p)
{
    memset(p, 0, sizeof *p);
    p->xmin = p->xmax = p->ymin = p->ymax = NAN;
}

/* ---- axes ------------------------------------------------------------ */

typedef struct {
    ihg_plot_scale scale;
    double lo, hi;      /* data range shown                       */
    double p0, p1;      /* pixels of lo and hi                    */
    double ticks[32];
    int n_ticks, labelled_every;
    double minor[128];  /* unlabelled ticks (log axes)            */
    int n_minor;
} axis;

static double axis_pos(const axis *a, double v)
{
    double t;
    if (a->scale == IHG_SCALE_LOG)
        t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    else
        t = (v - a->lo) / (a->hi - a->lo);
    /* far outside stays far outside, without huge coordinates */
    if (t < -10)
        t = -10;
    if (t > 10)
        t = 10;
    return a->p0 + t * (a->p1 - a->p0);
}

static double nice_step(double range, int target)
{
    double raw = range / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    return nf * mag;
}

/* Choose the range and the ticks from [lo, hi] (finite, lo <= hi; log:
 * lo > 0).  fixed_lo, fixed_hi: NaN or the range asked for. */
static void axis_setup(axis *a, ihg_plot_scale scale, double lo, double hi, double fixed_lo,
                       double fixed_hi, int integer)
{
    a->scale = scale;
    a->n_ticks = a->n_minor = 0;
    a->labelled_every = 1;
    if (!isnan(fixed_lo))
        lo = fixed_lo;
    if (!isnan(fixed_hi))
        hi = fixed_hi;
    if (scale == IHG_SCALE_LOG) {
        double dlo = floor(log10(lo) + 1e-9), dhi = ceil(log10(hi) - 1e-9);
        if (dhi <= dlo)
            dhi = dlo + 1;
        a->lo = isnan(fixed_lo) ? pow(10, dlo) : lo;
        a->hi = isnan(fixed_hi) ? pow(10, dhi) : hi;
        dlo = ceil(log10(a->lo) - 1e-9);
        dhi = floor(log10(a->hi) + 1e-9);
        int every = (int)ceil((dhi - dlo + 1) / 9.0);
        if (every < 1)
            every = 1;
        for (double d = dlo; d <= dhi && a->n_ticks < 32; d += every)
            a->ticks[a->n_ticks++] = pow(10, d);
        if (dhi - dlo <= 5) /* minor ticks 2..9 of each decade */
            for (double d = dlo - 1; d <= dhi; d++)
                for (int m = 2; m <= 9 && a->n_minor < 128; m++) {
                    double v = m * pow(10, d);
                    if (v > a->lo && v < a->hi)
                        a->minor[a->n_minor++] = v;
                }
        if (dhi - dlo <= 1) {
            /* within one decade: label 1, 2, 5 */
            for (double d = dlo - 1; d <= dhi; d++)
                for (int m = 2; m <= 5; m += 3) {
                    double v = m * pow(10, d);
                    if (v >= a->lo && v <= a->hi && a->n_ticks < 32)
                        a->ticks[a->n_ticks++] = v;
                }
        }
        return;
    }
    if (hi - lo < 1e-12 * fmax(fabs(lo), fabs(hi)) || hi == lo) {
        double pad = lo == 0 ? 1 : fabs(lo) * 0.5;
        if (isnan(fixed_lo))
            lo -= pad;
        if (isnan(fixed_hi))
            hi += pad;
    }
    double step = nice_step(hi - lo, 5);
    if (integer && step < 1)
        step = 1;
    a->lo = isnan(fixed_lo) ? floor(lo / step + 1e-9) * step : lo;
    a->hi = isnan(fixed_hi) ? ceil(hi / step - 1e-9) * step : hi;
    if (a->hi <= a->lo)
        a->hi = a->lo + step;
    for (double v = ceil(a->lo / step - 1e-9) * step; v <= a->hi + 1e-9 * step && a->n_ticks < 32;
         v += step)
        a->ticks[a->n_ticks++] = fabs(v) < 1e-12 * step ? 0 : v;
}

static void tick_label(char *buf, size_t size, const axis *a, double v)
{
    if (a->scale == IHG_SCALE_LOG) {
        double d = log10(v);
        if (fabs(d - round(d)) < 1e-9 && (d < -2 || d > 4)) {
            ihg_figure_number(buf, size, v, 1);
            return;
        }
    }
    ihg_figure_number(buf, size, v, 4);
}

/* ---- marks and styles ---------------------------------------------------- */

static void set_colour(ihg_figure *fig, int style, double alpha)
{
    double c[3];
    ihg_plot_colour(style, c);
    cairo_set_source_rgba(fig->cr, c[0], c[1], c[2], alpha);
}

static void set_dash(ihg_figure *fig, int style, int guide)
{
    double u = fig->unit;
    if (guide) {
        double d[] = {10 * u, 7 * u};
        cairo_set_dash(fig->cr, d, 2, 0);
        return;
    }
    switch (style < 0 ? 0 : style % 4) {
    case 1: {
        double d[] = {18 * u, 9 * u};
        cairo_set_dash(fig->cr, d, 2, 0);
        break;
    }
    case 2: {
        double d[] = {4 * u, 8 * u};
        cairo_set_dash(fig->cr, d, 2, 0);
        break;
    }
    case 3: {
        double d[] = {18 * u, 7 * u, 4 * u, 7 * u};
        cairo_set_dash(fig->cr, d, 4, 0);
        break;
    }
    default:
        cairo_set_dash(fig->cr, NULL, 0, 0);
    }
}

static void draw_mark(ihg_figure *fig, int style, double x, double y)
{
    cairo_t *cr = fig->cr;
    double r = 9 * fig->unit;
    mark_shape m = (mark_shape)((style < 0 ? 0 : style) % N_MARKS);
    cairo_new_path(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    switch (m) {
    case MARK_CIRCLE:
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        break;
    case MARK_SQUARE:
        cairo_rectangle(cr, x - 0.85 * r, y - 0.85 * r, 1.7 * r, 1.7 * r);
        break;
    case MARK_TRIANGLE:
        cairo_move_to(cr, x, y - 1.15 * r);
        cairo_line_to(cr, x + r, y + 0.7 * r);
        cairo_line_to(cr, x - r, y + 0.7 * r);
        cairo_close_path(cr);
        break;
    case MARK_DIAMOND:
        cairo_move_to(cr, x, y - 1.2 * r);
        cairo_line_to(cr, x + r, y);
        cairo_line_to(cr, x, y + 1.2 * r);
        cairo_line_to(cr, x - r, y);
        cairo_close_path(cr);
        break;
    case MARK_TRIANGLE_DOWN:
        cairo_move_to(cr, x, y + 1.15 * r);
        cairo_line_to(cr, x + r, y - 0.7 * r);
        cairo_line_to(cr, x - r, y - 0.7 * r);
        cairo_close_path(cr);
        break;
    case MARK_CROSS:
    case MARK_PLUS:
    case MARK_STAR:
    default: {
        /* stroked marks: thick strokes, no fill */
        double a = m == MARK_PLUS ? 0 : M_PI / 4;
        int arms = m == MARK_STAR ? 3 : 2;
        for (int i = 0; i < arms; i++) {
            double t = a + i * M_PI / arms;
            cairo_move_to(cr, x - 1.1 * r * cos(t), y - 1.1 * r * sin(t));
            cairo_line_to(cr, x + 1.1 * r * cos(t), y + 1.1 * r * sin(t));
        }
        cairo_set_line_width(cr, 3.5 * fig->unit);
        cairo_stroke(cr);
        return;
    }
    }
    /* filled marks with a white rim, so that they stand out on lines */
    cairo_fill_preserve(cr);
    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 1.5 * fig->unit);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* ---- layout helpers ---------------------------------------------------- */

static double series_x(const ihg_plot_series *s, size_t i)
{
    return s->x ? s->x[i] : s->x0 + (double)i * (s->dx != 0 ? s->dx : 1);
}

static int shown(ihg_plot_scale scale, double v)
{
    return isfinite(v) && (scale != IHG_SCALE_LOG || v > 0);
}

static void extend(double *lo, double *hi, double v)
{
    if (v < *lo)
        *lo = v;
    if (v > *hi)
        *hi = v;
}

/* The data ranges of the series and markers. */
static void data_ranges(const ihg_plot *p, double *xlo, double *xhi, double *ylo, double *yhi)
{
    *xlo = *ylo = INFINITY;
    *xhi = *yhi = -INFINITY;
    for (size_t k = 0; k < p->n_series; k++) {
        const ihg_plot_series *s = &p->series[k];
        if (s->kind == IHG_SERIES_LEVEL) {
            if (s->n > 0 && shown(p->yscale, s->y[0]))
                extend(ylo, yhi, s->y[0]);
            continue;
        }
        size_t nx = s->kind == IHG_SERIES_HISTOGRAM ? s->n + 1 : s->n;
        if (s->kind == IHG_SERIES_HISTOGRAM && s->n == 0)
            nx = 0;
        for (size_t i = 0; i < nx; i++)
            if (shown(p->xscale, series_x(s, i)))
                extend(xlo, xhi, series_x(s, i));
        for (size_t i = 0; i < s->n; i++)
            if (shown(p->yscale, s->y[i]))
                extend(ylo, yhi, s->y[i]);
        if (s->kind == IHG_SERIES_HISTOGRAM && p->yscale == IHG_SCALE_LINEAR)
            extend(ylo, yhi, 0);
    }
    for (size_t k = 0; k < p->n_markers; k++) {
        const ihg_plot_marker *m = &p->markers[k];
        if (shown(p->xscale, m->x))
            extend(xlo, xhi, m->x);
        if (shown(p->xscale, m->x_end))
            extend(xlo, xhi, m->x_end);
    }
    if (!(*xlo <= *xhi)) {
        *xlo = p->xscale == IHG_SCALE_LOG ? 0.1 : 0;
        *xhi = p->xscale == IHG_SCALE_LOG ? 10 : 1;
    }
    if (!(*ylo <= *yhi)) {
        *ylo = p->yscale == IHG_SCALE_LOG ? 0.1 : 0;
        *yhi = p->yscale == IHG_SCALE_LOG ? 10 : 1;
    }
}

/* A y value on the chart: a finite value <= 0 on a log axis sits on the
 * bottom of the chart (an exact 0 has no place on a log axis). */
static int y_pixel(const axis *ay, double v, double *py, int *floored)
{
    if (!isfinite(v))
        return 0;
    if (ay->scale == IHG_SCALE_LOG && v <= 0) {
        *py = ay->p0;
        *floored = 1;
        return 1;
    }
    *py = axis_pos(ay, v);
    return 1;
}

static int has_legend(const ihg_plot_series *s) { return s->label && *s->label; }

/* The legend's sample of series s, centred on (x, y), w wide. */
static void legend_sample(ihg_figure *fig, const ihg_plot_series *s, double x, double y, double w)
{
    cairo_t *cr = fig->cr;
    double u = fig->unit;
    set_colour(fig, s->style, 1);
    if (s->kind == IHG_SERIES_HISTOGRAM) {
        cairo_rectangle(cr, x - w / 2, y - 11 * u, w, 22 * u);
        if (s->style == 0 || s->style < 0) {
            set_colour(fig, s->style, 0.3);
            cairo_fill_preserve(cr);
        }
        set_colour(fig, s->style, 1);
        cairo_set_line_width(cr, (s->style == 0 ? 2.5 : 4) * u);
        set_dash(fig, s->style, 0);
        cairo_stroke(cr);
        return;
    }
    if (s->kind != IHG_SERIES_MARKS) {
        cairo_move_to(cr, x - w / 2, y);
        cairo_line_to(cr, x + w / 2, y);
        cairo_set_line_width(cr, (s->kind == IHG_SERIES_GUIDE ? 2.5 : 4) * u);
        set_dash(fig, s->style, s->kind == IHG_SERIES_GUIDE);
        cairo_stroke(cr);
    }
    if (s->kind != IHG_SERIES_GUIDE)
        draw_mark(fig, s->style, x, y);
}

/* ---- the chart ------------------------------------------------------- */

/* The next point of a series' path: a straight segment written as a cubic
 * whose control points are its ends.  cairo merges collinear line segments
 * into one; it keeps cubics, so the path holds every point of the series
 * and the points can be counted in an SVG file.  Drawn, it is the same
 * straight line. */
static void point_to(cairo_t *cr, double x, double y)
{
    double cx, cy;
    cairo_get_current_point(cr, &cx, &cy);
    cairo_curve_to(cr, cx, cy, x, y, x, y);
}

static void draw_series(ihg_figure *fig, const ihg_plot_series *s, const axis *ax,
                        const axis *ay, int *floored)
{
    cairo_t *cr = fig->cr;
    double u = fig->unit;
    size_t stride;
    if (s->n == 0)
        return;
    if (s->kind == IHG_SERIES_HISTOGRAM) {
        /* the outline of the bars as one step path from the bottom of the
         * chart: 2 n + 2 points; the first series filled, later ones (drawn
         * over it) outlined in their dash so that both show */
        double base = ay->p0, py;
        int open = 0;
        double first_x = 0, last_x = 0;
        for (int pass = 0; pass < 2; pass++) {
            /* pass 0: the area, closed along the bottom; pass 1: the
             * outline, open there (the axis draws the bottom) */
            open = 0;
            for (size_t i = 0; i < s->n; i++) {
                double x0 = series_x(s, i), x1 = series_x(s, i + 1), c = s->y[i];
                if (!shown(ax->scale, x0) || !shown(ax->scale, x1))
                    continue;
                int fl = 0;
                if (!isfinite(c) || !y_pixel(ay, c, &py, &fl) ||
                    (ay->scale == IHG_SCALE_LOG && c <= 0))
                    py = base; /* an empty bin */
                if (!open) {
                    first_x = axis_pos(ax, x0);
                    cairo_move_to(cr, first_x, base);
                    open = 1;
                }
                point_to(cr, axis_pos(ax, x0), py);
                point_to(cr, axis_pos(ax, x1), py);
                last_x = axis_pos(ax, x1);
            }
            if (!open)
                return;
            point_to(cr, last_x, base);
            if (pass == 0) {
                cairo_close_path(cr);
                if (s->style == 0 || s->style < 0) {
                    set_colour(fig, s->style, 0.3);
                    cairo_fill(cr);
                } else {
                    cairo_new_path(cr);
                }
            }
        }
        (void)first_x;
        set_colour(fig, s->style, 1);
        cairo_set_line_width(cr, (s->style == 0 ? 2.5 : 4) * u);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
        set_dash(fig, s->style, 0);
        cairo_stroke(cr);
        return;
    }
    if (s->kind == IHG_SERIES_LEVEL) {
        double py;
        if (!y_pixel(ay, s->y[0], &py, floored))
            return;
        set_colour(fig, s->style, 1);
        cairo_move_to(cr, ax->p0, py);
        cairo_line_to(cr, ax->p1, py);
        cairo_set_line_width(cr, 4 * u);
        set_dash(fig, s->style, 0);
        cairo_stroke(cr);
        for (int i = 1; i <= 5; i++)
            draw_mark(fig, s->style, ax->p0 + (ax->p1 - ax->p0) * (i - 0.5) / 5, py);
        return;
    }
    /* a line: one path, broken at points that are not shown */
    if (s->kind != IHG_SERIES_MARKS) {
        int open = 0;
        for (size_t i = 0; i < s->n; i++) {
            double x = series_x(s, i), py;
            if (!shown(ax->scale, x) || !y_pixel(ay, s->y[i], &py, floored)) {
                open = 0;
                continue;
            }
            if (open)
                point_to(cr, axis_pos(ax, x), py);
            else
                cairo_move_to(cr, axis_pos(ax, x), py);
            open = 1;
        }
        set_colour(fig, s->style, 1);
        cairo_set_line_width(cr, (s->kind == IHG_SERIES_GUIDE ? 2.5 : 4) * u);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        set_dash(fig, s->style, s->kind == IHG_SERIES_GUIDE);
        cairo_stroke(cr);
    }
    if (s->kind == IHG_SERIES_GUIDE)
        return;
    /* at most about 25 marks, so that they stay apart */
    stride = s->n > 25 ? (s->n + 24) / 25 : 1;
    set_colour(fig, s->style, 1);
    for (size_t i = 0; i < s->n; i++) {
        double x = series_x(s, i), py;
        if (i % stride != 0 && i != s->n - 1)
            continue;
        if (!shown(ax->scale, x) || !y_pixel(ay, s->y[i], &py, floored))
            continue;
        draw_mark(fig, s->style, axis_pos(ax, x), py);
    }
}

void ihg_plot_draw(ihg_figure *fig, const ihg_plot *p)
{
    cairo_t *cr = fig->cr;
    double u = fig->unit, W = fig->width, H = fig->height;
    char buf[96];
    axis ax, ay;
    double xlo, xhi, ylo, yhi;

    data_ranges(p, &xlo, &xhi, &ylo, &yhi);
    axis_setup(&ax, p->xscale, xlo, xhi, p->xmin, p->xmax, p->x_integer);
    axis_setup(&ay, p->yscale, ylo, yhi, p->ymin, p->ymax, p->y_integer);

    /* the title block */
    double top = 22 * u;
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (p->title) {
        ihg_figure_font(fig, 34, 1);
        top += 34 * u;
        ihg_figure_text(fig, 30 * u, top, IHG_TEXT_LEFT, p->title);
        top += 10 * u;
    }
    if (p->subtitle) {
        ihg_figure_font(fig, 23, 0);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        top += 26 * u;
        ihg_figure_text(fig, 30 * u, top, IHG_TEXT_LEFT, p->subtitle);
        top += 6 * u;
    }
    top += 26 * u;

    /* a finite y <= 0 on a log axis sits on the bottom axis, said in a note */
    int will_floor = 0;
    for (size_t k = 0; k < p->n_series && p->yscale == IHG_SCALE_LOG; k++) {
        const ihg_plot_series *s = &p->series[k];
        if (s->kind == IHG_SERIES_HISTOGRAM)
            continue;
        for (size_t i = 0; i < s->n; i++)
            if (isfinite(s->y[i]) && s->y[i] <= 0)
                will_floor = 1;
    }
    static const char floor_note[] = "an exact 0 sits on the bottom axis";

    /* the legend column: entries, then the notes, each in a font that
     * shrinks until the column fits in a third of the width (never cut) */
    size_t n_legend = 0;
    double legend_w = 0, notes_w = 0, sample_w = 58 * u, legend_font = 23, notes_font = 21;
    for (size_t k = 0; k < p->n_series; k++)
        if (has_legend(&p->series[k]))
            n_legend++;
    for (; legend_font > 12; legend_font -= 1.5) {
        legend_w = 0;
        ihg_figure_font(fig, legend_font, 0);
        for (size_t k = 0; k < p->n_series; k++)
            if (has_legend(&p->series[k]))
                legend_w = fmax(legend_w, sample_w + 14 * u +
                                              ihg_figure_text_width(fig, p->series[k].label));
        if (legend_w <= 0.34 * W)
            break;
    }
    for (; notes_font > 12; notes_font -= 1.5) {
        notes_w = 0;
        ihg_figure_font(fig, notes_font, 0);
        for (size_t k = 0; k < p->n_notes; k++)
            notes_w = fmax(notes_w, ihg_figure_text_width(fig, p->notes[k]));
        if (will_floor)
            notes_w = fmax(notes_w, ihg_figure_text_width(fig, floor_note));
        if (notes_w <= fmax(legend_w, 0.3 * W))
            break;
    }
    legend_w = fmax(legend_w, notes_w);
    double right = legend_w > 0 ? legend_w + 50 * u : 36 * u;

    /* the axes' room */
    double tick_font = 22;
    ihg_figure_font(fig, tick_font, 0);
    double ytick_w = 0;
    for (int i = 0; i < ay.n_ticks; i++) {
        tick_label(buf, sizeof buf, &ay, ay.ticks[i]);
        ytick_w = fmax(ytick_w, ihg_figure_text_width(fig, buf));
    }
    double left = 28 * u + (p->ylabel ? 36 * u : 0) + ytick_w + 14 * u;
    double bottom = 18 * u + 26 * u + (p->xlabel ? 44 * u : 0);
    ax.p0 = left;
    ax.p1 = W - right;
    ay.p0 = H - bottom;
    ay.p1 = top;
    if (ax.p1 - ax.p0 < 20 * u)
        ax.p1 = ax.p0 + 20 * u;
    if (ay.p0 - ay.p1 < 20 * u)
        ay.p0 = ay.p1 + 20 * u;
    double pw = ax.p1 - ax.p0, ph = ay.p0 - ay.p1;

    /* grid */
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 1 * u);
    cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
    for (int i = 0; i < ax.n_minor; i++) {
        double x = axis_pos(&ax, ax.minor[i]);
        cairo_move_to(cr, x, ay.p1);
        cairo_line_to(cr, x, ay.p0);
    }
    for (int i = 0; i < ay.n_minor; i++) {
        double y = axis_pos(&ay, ay.minor[i]);
        cairo_move_to(cr, ax.p0, y);
        cairo_line_to(cr, ax.p1, y);
    }
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(cr, 1.5 * u);
    for (int i = 0; i < ax.n_ticks; i++) {
        double x = axis_pos(&ax, ax.ticks[i]);
        cairo_move_to(cr, x, ay.p1);
        cairo_line_to(cr, x, ay.p0);
    }
    for (int i = 0; i < ay.n_ticks; i++) {
        double y = axis_pos(&ay, ay.ticks[i]);
        cairo_move_to(cr, ax.p0, y);
        cairo_line_to(cr, ax.p1, y);
    }
    cairo_stroke(cr);

    /* bands under everything, then vertical lines */
    cairo_save(cr);
    cairo_rectangle(cr, ax.p0, ay.p1, pw, ph);
    cairo_clip(cr);
    for (size_t k = 0; k < p->n_markers; k++) {
        const ihg_plot_marker *m = &p->markers[k];
        if (isnan(m->x_end))
            continue;
        double a = shown(ax.scale, m->x) ? axis_pos(&ax, m->x) : ax.p0 - 1;
        double b = shown(ax.scale, m->x_end) ? axis_pos(&ax, m->x_end) : ax.p1 + 1;
        set_colour(fig, m->style < 0 ? 2 : m->style, 0.13);
        cairo_rectangle(cr, a, ay.p1, b - a, ph);
        cairo_fill(cr);
    }
    for (size_t k = 0; k < p->n_markers; k++) {
        const ihg_plot_marker *m = &p->markers[k];
        if (!isnan(m->x_end) || !shown(ax.scale, m->x))
            continue;
        double x = axis_pos(&ax, m->x);
        set_colour(fig, m->style, 0.9);
        cairo_set_line_width(cr, 3 * u);
        double d[] = {12 * u, 6 * u};
        cairo_set_dash(cr, d, 2, 0);
        cairo_move_to(cr, x, ay.p1);
        cairo_line_to(cr, x, ay.p0);
        cairo_stroke(cr);
    }
    cairo_restore(cr);

    /* the series, clipped to the chart */
    int floored = 0;
    cairo_save(cr);
    cairo_rectangle(cr, ax.p0 - 12 * u, ay.p1 - 12 * u, pw + 24 * u, ph + 24 * u);
    cairo_clip(cr);
    for (size_t k = 0; k < p->n_series; k++)
        draw_series(fig, &p->series[k], &ax, &ay, &floored);
    cairo_restore(cr);

    /* marker labels along the top, one row each when they would meet */
    ihg_figure_font(fig, 20, 0);
    double row_end[8] = {0};
    for (size_t k = 0; k < p->n_markers; k++) {
        const ihg_plot_marker *m = &p->markers[k];
        if (!m->label)
            continue;
        double x;
        if (isnan(m->x_end)) {
            if (!shown(ax.scale, m->x))
                continue;
            x = axis_pos(&ax, m->x) + 6 * u;
        } else {
            double a = shown(ax.scale, m->x) ? axis_pos(&ax, m->x) : ax.p0;
            x = fmax(a, ax.p0) + 8 * u;
        }
        double w = ihg_figure_text_width(fig, m->label);
        if (x + w > ax.p1 - 4 * u)
            x = fmax(ax.p0 + 4 * u, ax.p1 - 4 * u - w);
        int row = 0;
        while (row < 7 && row_end[row] > x - 10 * u)
            row++;
        row_end[row] = x + w;
        double y = ay.p1 + (24 + 26 * row) * u;
        /* a white backing so the label reads over grid and data */
        cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
        cairo_rectangle(cr, x - 3 * u, y - 19 * u, w + 6 * u, 25 * u);
        cairo_fill(cr);
        set_colour(fig, m->style, 1);
        if (m->style >= 0) {
            /* the label in a darker shade of the marker's colour */
            double c[3];
            ihg_plot_colour(m->style, c);
            cairo_set_source_rgb(cr, c[0] * 0.6, c[1] * 0.6, c[2] * 0.6);
        }
        ihg_figure_text(fig, x, y, IHG_TEXT_LEFT, m->label);
    }

    /* axes and ticks */
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 2.5 * u);
    cairo_move_to(cr, ax.p0, ay.p1);
    cairo_line_to(cr, ax.p0, ay.p0);
    cairo_line_to(cr, ax.p1, ay.p0);
    cairo_stroke(cr);
    ihg_figure_font(fig, tick_font, 0);
    for (int i = 0; i < ax.n_ticks; i++) {
        double x = axis_pos(&ax, ax.ticks[i]);
        cairo_move_to(cr, x, ay.p0);
        cairo_line_to(cr, x, ay.p0 + 9 * u);
        cairo_stroke(cr);
        tick_label(buf, sizeof buf, &ax, ax.ticks[i]);
        ihg_figure_text(fig, x, ay.p0 + 36 * u, IHG_TEXT_CENTER, buf);
    }
    for (int i = 0; i < ay.n_ticks; i++) {
        double y = axis_pos(&ay, ay.ticks[i]);
        cairo_move_to(cr, ax.p0 - 9 * u, y);
        cairo_line_to(cr, ax.p0, y);
        cairo_stroke(cr);
        tick_label(buf, sizeof buf, &ay, ay.ticks[i]);
        ihg_figure_text(fig, ax.p0 - 14 * u, y + 8 * u, IHG_TEXT_RIGHT, buf);
    }
    ihg_figure_font(fig, 26, 0);
    if (p->xlabel)
        ihg_figure_text(fig, ax.p0 + pw / 2, H - 22 * u, IHG_TEXT_CENTER, p->xlabel);
    if (p->ylabel) {
        cairo_save(cr);
        cairo_translate(cr, 30 * u + 20 * u, ay.p1 + ph / 2);
        cairo_rotate(cr, -M_PI / 2);
        ihg_figure_text(fig, 0, 0, IHG_TEXT_CENTER, p->ylabel);
        cairo_restore(cr);
    }

    /* the legend and the notes, right of the chart */
    double lx = ax.p1 + 32 * u, ly = ay.p1 + 14 * u;
    if (n_legend) {
        ihg_figure_font(fig, legend_font, 0);
        for (size_t k = 0; k < p->n_series; k++) {
            const ihg_plot_series *s = &p->series[k];
            if (!has_legend(s))
                continue;
            legend_sample(fig, s, lx + sample_w / 2, ly, sample_w);
            cairo_set_source_rgb(cr, 0, 0, 0);
            ihg_figure_text(fig, lx + sample_w + 14 * u, ly + 8 * u, IHG_TEXT_LEFT, s->label);
            ly += 40 * u;
        }
        ly += 18 * u;
    }
    ihg_figure_font(fig, notes_font, 0);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    for (size_t k = 0; k < p->n_notes; k++) {
        ly += 10 * u;
        ihg_figure_text(fig, lx, ly, IHG_TEXT_LEFT, p->notes[k]);
        ly += 22 * u;
    }
    if (floored && will_floor) {
        ly += 20 * u;
        ihg_figure_text(fig, lx, ly, IHG_TEXT_LEFT, floor_note);
    }
}
