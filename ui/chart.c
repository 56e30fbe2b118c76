/* chart.c - line charts, bars and dot canvases (see chart.h). */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ihg_chart_init(ihg_chart *c)
{
    memset(c, 0, sizeof *c);
    c->xmin = c->xmax = c->ymin = c->ymax = NAN;
    c->legend_row = -1;
}

unsigned ihg_braille_bit(int dx, int dy)
{
    static const unsigned char left[4] = {0x01, 0x02, 0x04, 0x40};
    static const unsigned char right[4] = {0x08, 0x10, 0x20, 0x80};
    if (dx < 0 || dx > 1 || dy < 0 || dy > 3)
        return 0;
    return dx ? right[dy] : left[dy];
}

double ihg_nice_step(double span, int nticks)
{
    double raw, mag, f;
    if (!(span > 0) || !isfinite(span))
        return 1.0;
    if (nticks < 1)
        nticks = 1;
    raw = span / nticks;
    mag = pow(10.0, floor(log10(raw)));
    f = raw / mag;
    if (f <= 1.0)
        f = 1.0;
    else if (f <= 2.0)
        f = 2.0;
    else if (f <= 5.0)
        f = 5.0;
    else
        f = 10.0;
    return f * mag;
}

static void format_short(char *buf, size_t size, double v, int w)
{
    int prec;
    if (!isfinite(v)) {
        snprintf(buf, size, "%s", isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
        return;
    }
    if (v == 0) {
        snprintf(buf, size, "0");
        return;
    }
    for (prec = 3; prec >= 1; prec--) {
        snprintf(buf, size, "%.*g", prec, v);
        if ((int)strlen(buf) <= w)
            return;
    }
    /* exponent form without the padding of %e: 1e-05 -> 1e-5 */
    snprintf(buf, size, "%.0e", v);
    {
        char *e = strchr(buf, 'e');
        if (e) {
            char *d = e + 1;
            if (*d == '+' || *d == '-')
                d++;
            while (*d == '0' && d[1]) {
                memmove(d, d + 1, strlen(d));
            }
            if (e[1] == '+')
                memmove(e + 1, e + 2, strlen(e + 1));
        }
    }
}

void ihg_format_short(char *buf, size_t size, double v, int w)
{
    format_short(buf, size, v, w);
    ihg_audit_number(buf, v);
}

void ihg_format_fixed(char *buf, size_t size, double v, int decimals)
{
    if (!isfinite(v))
        snprintf(buf, size, "%s", isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
    else
        snprintf(buf, size, "%.*f", decimals, v);
    ihg_audit_number(buf, v);
}

void ihg_format_int(char *buf, size_t size, long v)
{
    snprintf(buf, size, "%ld", v);
    ihg_audit_number(buf, (double)v);
}

/* ---- dots ------------------------------------------------------------ */

int ihg_dots_init(ihg_dots *d, ihg_rect r, int ascii)
{
    size_t n;
    memset(d, 0, sizeof *d);
    if (r.w < 1 || r.h < 1)
        return -1;
    d->r = r;
    d->sx = ascii ? 1 : 2;
    d->sy = ascii ? 1 : 4;
    d->dw = r.w * d->sx;
    d->dh = r.h * d->sy;
    n = (size_t)r.w * (size_t)r.h;
    d->bits = calloc(n, 1);
    d->roles = calloc(n, 1);
    d->marks = calloc(n, 1);
    if (!d->bits || !d->roles || !d->marks) {
        ihg_dots_free(d);
        return -1;
    }
    return 0;
}

void ihg_dots_free(ihg_dots *d)
{
    free(d->bits);
    free(d->roles);
    free(d->marks);
    d->bits = d->roles = NULL;
    d->marks = NULL;
}

void ihg_dots_set(ihg_dots *d, int x, int y, int role, char mark)
{
    int cx, cy;
    size_t i;
    if (x < 0 || y < 0 || x >= d->dw || y >= d->dh)
        return;
    cx = x / d->sx;
    cy = y / d->sy;
    i = (size_t)cy * d->r.w + cx;
    if (d->sx == 2)
        d->bits[i] |= (unsigned char)ihg_braille_bit(x % 2, y % 4);
    else
        d->bits[i] = 1;
    d->roles[i] = (unsigned char)role;
    d->marks[i] = mark ? mark : '*';
}

void ihg_dots_line(ihg_dots *d, int x0, int y0, int x1, int y1, int role,
                   char mark)
{
    /* Bresenham; coordinates are clamped so that a huge value cannot make
     * the loop long. */
    int lim_x = 3 * d->dw + 8, lim_y = 3 * d->dh + 8;
    int dx, dy, sx, sy, err;
    if (x0 < -lim_x) x0 = -lim_x;
    if (x0 > lim_x) x0 = lim_x;
    if (x1 < -lim_x) x1 = -lim_x;
    if (x1 > lim_x) x1 = lim_x;
    if (y0 < -lim_y) y0 = -lim_y;
    if (y0 > lim_y) y0 = lim_y;
    if (y1 < -lim_y) y1 = -lim_y;
    if (y1 > lim_y) y1 = lim_y;
    dx = abs(x1 - x0);
    dy = -abs(y1 - y0);
    sx = x0 < x1 ? 1 : -1;
    sy = y0 < y1 ? 1 : -1;
    err = dx + dy;
    for (;;) {
        int e2;
        ihg_dots_set(d, x0, y0, role, mark);
        if (x0 == x1 && y0 == y1)
            break;
        e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void ihg_dots_blit(const ihg_dots *d, ihg_canvas *cv)
{
    int x, y;
    for (y = 0; y < d->r.h; y++)
        for (x = 0; x < d->r.w; x++) {
            size_t i = (size_t)y * d->r.w + x;
            if (!d->bits[i])
                continue;
            if (d->sx == 2)
                ihg_canvas_set(cv, d->r.x + x, d->r.y + y,
                               (wchar_t)(0x2800 + d->bits[i]), d->roles[i]);
            else
                ihg_canvas_set(cv, d->r.x + x, d->r.y + y,
                               (wchar_t)(unsigned char)d->marks[i], d->roles[i]);
        }
}

/* ---- line chart -------------------------------------------------------- */

static double tr_y(double y, int log_y) { return log_y ? log10(y) : y; }

static int usable_y(double y, int log_y)
{
    return isfinite(y) && (!log_y || y > 0);
}

int ihg_chart_dot_y(const ihg_chart_geom *g, int log_y, double y)
{
    double lo = tr_y(g->ymin, log_y), hi = tr_y(g->ymax, log_y), t;
    if (!usable_y(y, log_y) || !(hi > lo))
        return -1;
    t = (tr_y(y, log_y) - lo) / (hi - lo);
    if (t < -2)
        t = -2;
    if (t > 3)
        t = 3;
    return (g->dots_y - 1) - (int)lround(t * (g->dots_y - 1));
}

int ihg_chart_dot_x(const ihg_chart_geom *g, double x)
{
    double t;
    if (!isfinite(x) || !(g->xmax > g->xmin))
        return g->dots_x > 1 && g->xmax == g->xmin ? 0 : -1;
    t = (x - g->xmin) / (g->xmax - g->xmin);
    if (t < -2)
        t = -2;
    if (t > 3)
        t = 3;
    return (int)lround(t * (g->dots_x - 1));
}

static double series_x(const ihg_series *s, size_t i)
{
    return s->x ? s->x[i] : s->x0 + (double)i;
}

/* Data ranges over all series. */
static int data_range(const ihg_chart *c, const ihg_series *s, size_t ns,
                      double *xmin, double *xmax, double *ymin, double *ymax)
{
    size_t k, i;
    int any = 0;
    *xmin = *ymin = INFINITY;
    *xmax = *ymax = -INFINITY;
    for (k = 0; k < ns; k++)
        for (i = 0; i < s[k].n; i++) {
            double x = series_x(&s[k], i), y = s[k].y[i];
            if (!isfinite(x) || !usable_y(y, c->log_y))
                continue;
            if (isfinite(c->xmin) && x < c->xmin)
                continue;
            if (isfinite(c->xmax) && x > c->xmax)
                continue;
            any = 1;
            if (x < *xmin) *xmin = x;
            if (x > *xmax) *xmax = x;
            if (y < *ymin) *ymin = y;
            if (y > *ymax) *ymax = y;
        }
    return any;
}

static wchar_t legend_mark(const ihg_canvas *cv, const ihg_series *s)
{
    if (cv->ascii)
        return (wchar_t)(s->mark ? s->mark : '*');
    return s->glyph ? s->glyph : (wchar_t)0x25CF;
}

/* The legend, right-aligned before `right`: " m label m label " with a
 * blank on both ends; whole items only, the highest ranks dropped first. */
static void draw_legend(ihg_canvas *cv, int y, int left, int right, const ihg_series *s,
                        size_t ns)
{
    int keep[16], need, x;
    size_t k;
    if (ns > 16)
        ns = 16;
    for (k = 0; k < ns; k++)
        keep[k] = s[k].label != NULL;
    for (;;) {
        int worst = -1;
        need = 1;
        for (k = 0; k < ns; k++)
            if (keep[k])
                need += 2 + ihg_text_width(s[k].label) + 1;
        if (need <= right - left || need == 1)
            break;
        for (k = 0; k < ns; k++)
            if (keep[k] && (worst < 0 || s[k].rank >= s[worst].rank))
                worst = (int)k;
        keep[worst] = 0;
    }
    if (need == 1)
        return;
    x = right - need;
    ihg_canvas_set(cv, x++, y, L' ', IHG_ROLE_NORMAL);
    for (k = 0; k < ns; k++) {
        if (!keep[k])
            continue;
        ihg_canvas_set(cv, x, y, legend_mark(cv, &s[k]), s[k].role);
        ihg_canvas_set(cv, x + 1, y, L' ', IHG_ROLE_NORMAL);
        x += 2;
        x += ihg_canvas_text(cv, x, y, right - x, s[k].role, s[k].label);
        ihg_canvas_set(cv, x, y, L' ', IHG_ROLE_NORMAL);
        x++;
    }
}

void ihg_chart_draw(ihg_canvas *cv, ihg_rect r, const ihg_chart *c,
                    const ihg_series *s, size_t ns, ihg_chart_geom *geom)
{
    ihg_chart_geom g;
    double xmin, xmax, ymin, ymax, ticks[16];
    char labels[16][16];
    int nt = 0, header, yw, i, plot_h, plot_w, top;
    ihg_dots d;
    size_t k;

    memset(&g, 0, sizeof g);
    if (geom)
        *geom = g;
    if (r.w < 12 || r.h < 3)
        return;
    header = r.h >= 7;
    top = r.y + header;
    plot_h = r.h - header - 1;

    if (header) {
        int yl = 0;
        if (c->ylabel)
            yl = ihg_canvas_fit(cv, r.x, r.y, r.w / 2, IHG_ROLE_AXIS, c->ylabel);
        draw_legend(cv, r.y, r.x + yl, r.x + r.w + 1, s, ns);
    } else if (c->legend_row >= 0) {
        draw_legend(cv, c->legend_row, r.x, c->legend_right > r.x ? c->legend_right : r.x + r.w,
                    s, ns);
    }

    if (!data_range(c, s, ns, &xmin, &xmax, &ymin, &ymax)) {
        ihg_canvas_text(cv, r.x + 1, top + plot_h / 2, r.w - 2, IHG_ROLE_DIM,
                        "no data yet");
        return;
    }
    if (isfinite(c->xmin)) xmin = c->xmin;
    if (isfinite(c->xmax)) xmax = c->xmax;
    if (isfinite(c->ymin) && (!c->log_y || c->ymin > 0)) ymin = c->ymin;
    if (isfinite(c->ymax) && (!c->log_y || c->ymax > 0)) ymax = c->ymax;
    if (!(xmax > xmin)) {
        xmin -= 0.5;
        xmax += 0.5;
    }

    /* y ticks */
    if (c->log_y) {
        int lo = (int)floor(log10(ymin) + 1e-9), hi = (int)ceil(log10(ymax) - 1e-9), e, every;
        if (hi <= lo)
            hi = lo + 1;
        ymin = pow(10.0, lo);
        ymax = pow(10.0, hi);
        every = 1;
        while ((hi - lo) / every + 1 > (plot_h + 1) / 2 + 1 && every < 100)
            every++;
        /* from the top down, so the top of the axis is labelled; the
         * bottom too when it is not one of them */
        for (e = hi; e >= lo && nt < 15; e -= every) {
            ticks[nt] = pow(10.0, e);
            snprintf(labels[nt], sizeof labels[nt], "1e%d", e);
            nt++;
        }
        if ((hi - lo) % every != 0) {
            ticks[nt] = pow(10.0, lo);
            snprintf(labels[nt], sizeof labels[nt], "1e%d", lo);
            nt++;
        }
    } else {
        double step, t;
        int want = plot_h / 2 > 5 ? 5 : (plot_h / 2 < 2 ? 2 : plot_h / 2);
        if (!(ymax > ymin)) {
            double pad = ymin != 0 ? fabs(ymin) * 0.1 : 1.0;
            ymin -= pad;
            ymax += pad;
        }
        step = ihg_nice_step(ymax - ymin, want);
        ymin = floor(ymin / step) * step;
        ymax = ceil(ymax / step) * step;
        if (!(ymax > ymin))
            ymax = ymin + step;
        for (t = ymin; t <= ymax + step * 0.5 && nt < 16; t += step) {
            double v = fabs(t) < step * 1e-9 ? 0.0 : t;
            ticks[nt] = v;
            ihg_format_short(labels[nt], sizeof labels[nt], v, 7);
            nt++;
        }
    }
    yw = 1;
    for (i = 0; i < nt; i++) {
        int l = (int)strlen(labels[i]);
        if (l > yw)
            yw = l;
    }
    plot_w = r.w - yw - 1;
    if (plot_w < 4 || plot_h < 1)
        return;

    g.plot.x = r.x + yw + 1;
    g.plot.y = top;
    g.plot.w = plot_w;
    g.plot.h = plot_h;
    g.xmin = xmin;
    g.xmax = xmax;
    g.ymin = ymin;
    g.ymax = ymax;
    g.dots_x = plot_w * (cv->ascii ? 1 : 2);
    g.dots_y = plot_h * (cv->ascii ? 1 : 4);
    g.ok = 1;

    /* y axis with tick labels (a label only where its row is free; the
     * first two ticks, the ends of a log axis, first) */
    {
        char used[512];
        memset(used, 0, sizeof used);
        for (i = 0; i < plot_h; i++)
            ihg_canvas_set(cv, r.x + yw, top + i, cv->ascii ? L'|' : 0x2502,
                           IHG_ROLE_AXIS);
        for (int pass = 0; pass < 2; pass++)
            for (i = 0; i < nt; i++) {
                int dy = ihg_chart_dot_y(&g, c->log_y, ticks[i]);
                int row = top + dy / (cv->ascii ? 1 : 4), rel = row - top;
                int l = (int)strlen(labels[i]);
                int end = c->log_y && (i == 0 || (i == nt - 1 && ticks[i] == ymin));
                if (dy < 0 || rel < 0 || rel >= (int)sizeof used || (pass == 0) != end ||
                    used[rel] || (rel > 0 && used[rel - 1] == 2) ||
                    (rel + 1 < (int)sizeof used && used[rel + 1] == 2))
                    continue;
                used[rel] = 2;
                ihg_audit_number(labels[i], ticks[i]);
                ihg_canvas_text(cv, r.x + yw - l, row, l, IHG_ROLE_AXIS, labels[i]);
                ihg_canvas_set(cv, r.x + yw, row, cv->ascii ? L'+' : 0x2524,
                               IHG_ROLE_AXIS);
            }
    }

    /* x tick labels on the last row, x label at its right end */
    {
        int row = r.y + r.h - 1, xl = c->xlabel ? ihg_text_width(c->xlabel) : 0;
        int right = r.x + r.w - (xl ? xl + 1 : 0), next_free = g.plot.x;
        double step = ihg_nice_step(xmax - xmin, plot_w / 10 > 1 ? plot_w / 10 : 1), t;
        if (xmax - xmin >= 1 && step < 1)
            step = 1; /* steps are integers when the data are */
        ihg_canvas_set(cv, r.x + yw, row, cv->ascii ? L'+' : 0x2514, IHG_ROLE_AXIS);
        for (t = ceil(xmin / step) * step; t <= xmax + step * 1e-9; t += step) {
            char lab[16];
            int dx = ihg_chart_dot_x(&g, t), col, l;
            ihg_format_short(lab, sizeof lab, fabs(t) < step * 1e-9 ? 0.0 : t, 6);
            l = (int)strlen(lab);
            col = g.plot.x + dx / (cv->ascii ? 1 : 2) - l / 2;
            if (col < next_free)
                continue;
            if (col + l > right)
                break;
            ihg_canvas_text(cv, col, row, l, IHG_ROLE_AXIS, lab);
            next_free = col + l + 1;
        }
        if (xl && r.x + r.w - xl >= next_free)
            ihg_canvas_text(cv, r.x + r.w - xl, row, xl, IHG_ROLE_AXIS, c->xlabel);
    }

    /* the data: lines clipped to the plot; where a series leaves a given
     * range, a mark at that edge */
    if (ihg_dots_init(&d, g.plot, cv->ascii) != 0)
        return;
    for (k = 0; k < ns; k++) {
        int have = 0, px = 0, py = 0, dots = 0;
        size_t j;
        for (j = 0; j < s[k].n; j++) {
            double x = series_x(&s[k], j), y = s[k].y[j];
            int dx, dy;
            if (!isfinite(x) || !usable_y(y, c->log_y) || x < xmin || x > xmax) {
                have = 0;
                continue;
            }
            dx = ihg_chart_dot_x(&g, x);
            dy = ihg_chart_dot_y(&g, c->log_y, y);
            if (dy < 0 || dy >= g.dots_y) { /* outside a given range */
                have = 0;
                continue;
            }
            if (have && !s[k].points) {
                if (s[k].dotted) {
                    /* every other dot of the segment */
                    int n = abs(dx - px) > abs(dy - py) ? abs(dx - px) : abs(dy - py), t;
                    for (t = 0; t <= n; t++, dots++)
                        if (dots % 2 == 0)
                            ihg_dots_set(&d, px + (n ? (dx - px) * t / n : 0),
                                         py + (n ? (dy - py) * t / n : 0), s[k].role,
                                         s[k].mark);
                } else {
                    ihg_dots_line(&d, px, py, dx, dy, s[k].role, s[k].mark);
                }
            } else {
                ihg_dots_set(&d, dx, dy, s[k].role, s[k].mark);
            }
            px = dx;
            py = dy;
            have = 1;
        }
    }
    ihg_dots_blit(&d, cv);
    ihg_dots_free(&d);

    /* each series' glyph on its line every few cells, staggered between
     * series (Unicode; in ASCII the line is drawn with its mark) */
    if (!cv->ascii)
        for (k = 0; k < ns; k++) {
            size_t j, n = s[k].n;
            double span_cells = (double)plot_w;
            int stride, offset;
            if (n == 0 || s[k].points)
                continue;
            /* about one mark every 8 cells */
            stride = n > 1 ? (int)ceil(8.0 * (double)(n - 1) / span_cells) : 1;
            if (stride < 1)
                stride = 1;
            offset = (int)((k * (size_t)stride) / (ns ? ns : 1));
            for (j = (size_t)offset; j < n; j += (size_t)stride) {
                double x = series_x(&s[k], j), y = s[k].y[j];
                int dx, dy;
                if (!isfinite(x) || !usable_y(y, c->log_y) || x < xmin || x > xmax)
                    continue;
                dx = ihg_chart_dot_x(&g, x);
                dy = ihg_chart_dot_y(&g, c->log_y, y);
                if (dy < 0 || dy >= g.dots_y || dx < 0 || dx >= g.dots_x)
                    continue;
                ihg_canvas_set(cv, g.plot.x + dx / 2, g.plot.y + dy / 4,
                               legend_mark(cv, &s[k]), s[k].role);
            }
        }

    /* values outside a range the caller fixed: a mark at the edge */
    for (k = 0; k < ns; k++) {
        size_t j;
        for (j = 0; j < s[k].n; j++) {
            double x = series_x(&s[k], j), y = s[k].y[j];
            int dx, cx, up;
            if (!isfinite(x) || x < xmin || x > xmax || !isfinite(y))
                continue;
            if (c->log_y && !(y > 0))
                continue;
            up = y > ymax;
            if (!up && !(y < ymin))
                continue;
            dx = ihg_chart_dot_x(&g, x);
            cx = g.plot.x + dx / (cv->ascii ? 1 : 2);
            ihg_canvas_set(cv, cx, up ? g.plot.y : g.plot.y + g.plot.h - 1,
                           cv->ascii ? (up ? L'^' : L'v') : (up ? 0x25B2 : 0x25BC), s[k].role);
            /* one mark where it leaves, not one per point outside */
            while (j + 1 < s[k].n && isfinite(s[k].y[j + 1]) &&
                   ((up && s[k].y[j + 1] > ymax) || (!up && s[k].y[j + 1] < ymin)))
                j++;
        }
    }
    if (geom)
        *geom = g;
}

/* ---- bars -------------------------------------------------------------- */

void ihg_hbar(ihg_canvas *cv, int x, int y, int w, double frac, int role)
{
    int eighths, i;
    if (w <= 0)
        return;
    if (!(frac > 0))
        frac = 0;
    if (frac > 1)
        frac = 1;
    eighths = (int)lround(frac * w * 8);
    for (i = 0; i < w; i++) {
        int e = eighths - 8 * i;
        if (e <= 0)
            break;
        if (cv->ascii)
            ihg_canvas_set(cv, x + i, y, e >= 4 ? L'#' : L'|', role);
        else
            ihg_canvas_set(cv, x + i, y, e >= 8 ? 0x2588 : (wchar_t)(0x2590 - e), role);
    }
}

void ihg_hbar_signed(ihg_canvas *cv, int x, int y, int w, double v, int role)
{
    int half = w / 2, mid = x + half, n, i;
    if (w < 3)
        return;
    if (!isfinite(v))
        v = 0;
    if (v > 1)
        v = 1;
    if (v < -1)
        v = -1;
    ihg_canvas_set(cv, mid, y, cv->ascii ? L'|' : 0x2502, IHG_ROLE_AXIS);
    if (v >= 0) {
        ihg_hbar(cv, mid + 1, y, w - half - 1, v, role);
    } else {
        /* leftward: whole blocks, rounded (there are no right-aligned
         * eighth blocks to spare) */
        n = (int)lround(-v * half);
        for (i = 1; i <= n; i++)
            ihg_canvas_set(cv, mid - i, y, cv->ascii ? L'#' : 0x2588, role);
    }
}

void ihg_vbar(ihg_canvas *cv, int x, int y, int h, double frac, int role)
{
    int eighths, i;
    if (h <= 0)
        return;
    if (!(frac > 0))
        frac = 0;
    if (frac > 1)
        frac = 1;
    eighths = (int)lround(frac * h * 8);
    for (i = 0; i < h; i++) {
        int e = eighths - 8 * i;
        if (e <= 0)
            break;
        if (cv->ascii)
            ihg_canvas_set(cv, x, y - i, e >= 4 ? L'#' : L'.', role);
        else
            ihg_canvas_set(cv, x, y - i, e >= 8 ? 0x2588 : (wchar_t)(0x2580 + e), role);
    }
}

/* ---- grey images ---------------------------------------------------------- */

static double grey_t(double p, double lo, double hi)
{
    double t;
    if (!isfinite(p))
        return 0;
    if (!(hi > lo))
        return 0.5;
    t = (p - lo) / (hi - lo);
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

int ihg_grey_colour(double p, double lo, double hi)
{
    return 232 + (int)lround(23.0 * grey_t(p, lo, hi));
}

char ihg_ascii_shade(double p_top, double p_bottom, double lo, double hi)
{
    static const char ramp[] = IHG_ASCII_RAMP;
    double t = 0.5 * (grey_t(p_top, lo, hi) + grey_t(p_bottom, lo, hi));
    return ramp[(int)lround(t * (sizeof ramp - 2))];
}

/* source index range [*a, *b) of target pixel i of n over a source of m */
static void box(int i, int n, int m, int *a, int *b)
{
    *a = (int)((long)i * m / n);
    *b = (int)((long)(i + 1) * m / n);
    if (*b <= *a)
        *b = *a + 1;
    if (*b > m)
        *b = m;
}

static double box_mean(const double *px, size_t stride, int cols, int r0, int r1, int c0,
                       int c1)
{
    double sum = 0;
    int i, j, n = 0;
    for (i = r0; i < r1; i++)
        for (j = c0; j < c1; j++) {
            double p = px[((size_t)i * cols + j) * stride];
            if (isfinite(p)) {
                sum += p;
                n++;
            }
        }
    return n ? sum / n : NAN;
}

void ihg_image_draw(ihg_canvas *cv, int x, int y, const double *px, size_t stride,
                    int rows, int cols, int tw, int th, double lo, double hi)
{
    int i, j, grey = cv->grey && !cv->ascii;
    if (!px || rows < 1 || cols < 1 || tw < 1 || th < 1)
        return;
    th += th & 1;
    for (i = 0; i < th; i += 2)
        for (j = 0; j < tw; j++) {
            int a, b, c0, c1;
            double top, bot;
            box(j, tw, cols, &c0, &c1);
            box(i, th, rows, &a, &b);
            top = box_mean(px, stride, cols, a, b, c0, c1);
            box(i + 1, th, rows, &a, &b);
            bot = box_mean(px, stride, cols, a, b, c0, c1);
            if (grey)
                ihg_canvas_set_grey(cv, x + j, y + i / 2, IHG_HALF_BLOCK,
                                    ihg_grey_colour(top, lo, hi), ihg_grey_colour(bot, lo, hi));
            else
                ihg_canvas_set(cv, x + j, y + i / 2,
                               (wchar_t)ihg_ascii_shade(top, bot, lo, hi), IHG_ROLE_NORMAL);
        }
}

void ihg_image_range(const double *px, size_t stride, size_t n, double *lo, double *hi)
{
    size_t i;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (i = 0; i < n; i++) {
        double p = px[i * stride];
        if (!isfinite(p))
            continue;
        if (p < *lo) *lo = p;
        if (p > *hi) *hi = p;
    }
    if (!(*hi >= *lo))
        *lo = *hi = 0;
}

int ihg_image_grid_fit(ihg_image_grid *g, int w, int h, int k, int rows, int cols,
                       int min_px)
{
    int gc;
    memset(g, 0, sizeof *g);
    if (k < 1 || rows < 1 || cols < 1 || w < 1 || h < 2)
        return 0;
    for (gc = 1; gc <= k; gc++) {
        int gr = (k + gc - 1) / gc;
        int max_tw = (w + 1) / gc - 1, max_th = 2 * (h / gr - 1);
        double s = fmin((double)max_tw / cols, (double)max_th / rows);
        if (s > 2)
            s = 2;
        if (s > g->scale) {
            g->scale = s;
            g->gcols = gc;
            g->grows = gr;
        }
    }
    if (!(g->scale > 0))
        return 0;
    g->tw = (int)floor(cols * g->scale + 1e-9);
    g->th = (int)floor(rows * g->scale + 1e-9);
    g->th -= g->th & 1;
    g->cell_w = g->tw + 1;
    g->cell_h = g->th / 2 + 1;
    return g->tw >= (cols < min_px ? cols : min_px) &&
           g->th >= (rows < min_px ? rows - (rows & 1) : min_px) && g->th >= 2;
}

void ihg_format_bytes(char *buf, size_t size, double bytes)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
    char n[16];
    int u = 0;
    double x = bytes;
    while (x >= 999.5 && u < 4) {
        x /= 1000.0;
        u++;
    }
    if (u == 0)
        ihg_format_int(n, sizeof n, (long)llround(x));
    else
        ihg_format_short(n, sizeof n, x, 5);
    snprintf(buf, size, "%s %s", n, unit[u]);
}
