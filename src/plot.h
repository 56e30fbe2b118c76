/* plot.h - a chart on a figure: axes, series, bands, legend, notes.
 *
 * A chart is a description in plain numbers; ihg_plot_draw lays it out on a
 * figure (figure.h) for slides: a title, large tick labels, thick lines,
 * and every series drawn with its own colour, mark and dash so that it
 * reads in grey too.  Nothing here computes anything about a model: the
 * numbers come from the engine, already made.
 *
 * Each series line is stroked as one path through its n points (a
 * non-finite point breaks it), so the points of a series can be counted in
 * an SVG file.
 */
#ifndef IHG_PLOT_H
#define IHG_PLOT_H

#include <stddef.h>

#include "figure.h"

typedef enum { IHG_SCALE_LINEAR = 0, IHG_SCALE_LOG } ihg_plot_scale;

typedef enum {
    IHG_SERIES_LINE = 0,  /* a line through the points, a mark on each   */
    IHG_SERIES_MARKS,     /* marks only                                 */
    IHG_SERIES_GUIDE,     /* a thin dashed line without marks (a bound, a
                             prediction)                                */
    IHG_SERIES_LEVEL,     /* one value y[0] drawn across the whole chart */
    IHG_SERIES_HISTOGRAM  /* counts y[0..n-1] of the bins between the
                             edges x[0..n]                              */
} ihg_series_kind;

typedef struct {
    const char *label;
    ihg_series_kind kind;
    const double *x;      /* n values (histogram: n + 1 edges); NULL:
                             x_i = x0 + i dx                            */
    double x0, dx;
    const double *y;
    size_t n;
    int style;            /* colour, mark and dash of the house palette;
                             -1: black                                 */
} ihg_plot_series;

/* A vertical line at x (x_end NaN) or a shaded band from x to x_end. */
typedef struct {
    double x, x_end;
    const char *label;
    int style;            /* palette colour; -1: dark grey            */
} ihg_plot_marker;

#define IHG_PLOT_NOTES 6

typedef struct {
    const char *title;
    const char *subtitle;     /* a smaller second line, or NULL       */
    const char *xlabel, *ylabel;
    ihg_plot_scale xscale, yscale;
    double xmin, xmax, ymin, ymax;  /* NaN: from the data             */
    int x_integer, y_integer; /* ticks on integers (steps, K, counts) */
    const ihg_plot_series *series;
    size_t n_series;
    const ihg_plot_marker *markers;
    size_t n_markers;
    /* lines of text shown under the legend (numbers worth reading) */
    const char *notes[IHG_PLOT_NOTES];
    size_t n_notes;
} ihg_plot;

/* A chart with every range from the data and no series. */
void ihg_plot_init(ihg_plot *p);

/* Draw p on the whole of fig. */
void ihg_plot_draw(ihg_figure *fig, const ihg_plot *p);

/* The house palette: colour i (0 <= i), as r, g, b in 0..1. */
void ihg_plot_colour(int style, double rgb[3]);

#endif
