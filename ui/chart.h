/* chart.h - line charts, bars and number lines drawn into a canvas.
 *
 * A line chart maps data to a grid of dots: with braille (U+2800..U+28FF)
 * each cell holds 2 x 4 dots, so a 40 x 10 cell chart has 80 x 40 points of
 * resolution; in ASCII mode each cell is one point, drawn with the series'
 * mark character.  In braille every series also carries its own glyph,
 * set on its line every few cells (staggered between series) and shown in
 * the legend, so that series differ without colour.  Axes carry tick
 * labels (linear: "nice" steps; log: decades, the top and the bottom of
 * the axis always labelled), the x label sits at the right end of the tick
 * row, and a legend names each series, whole items only.  Only scaling for display happens here: every number
 * plotted is read from the engine.
 */
#ifndef IHG_CHART_H
#define IHG_CHART_H

#include <stddef.h>

#include "canvas.h"

typedef struct {
    const double *x;   /* NULL: x_i = x0 + i                           */
    const double *y;   /* non-finite (or <= 0 on a log axis) breaks the line */
    size_t n;
    double x0;
    int role;          /* ihg_role                                     */
    const char *label; /* legend text (NULL: not in the legend)        */
    char mark;         /* ASCII-mode mark ('*' when 0)                  */
    wchar_t glyph;     /* Unicode mode: a mark set on the line every few
                          cells and shown in the legend, so series differ
                          without colour (0: U+25CF)                   */
    int dotted;        /* draw every other dot of the line             */
    int rank;          /* legend: 0 kept longest, higher dropped first  */
    int points;        /* 1: points only, no connecting segments       */
} ihg_series;

typedef struct {
    const char *xlabel, *ylabel;
    int log_y;
    double xmin, xmax, ymin, ymax; /* NaN: from the data; values outside a
                                      given range are marked at the edge
                                      (U+25B2 above, U+25BC below; ASCII
                                      ^ and v) where they leave it    */
    int legend_row;    /* absolute row for the legend when the chart has no
                          header row of its own; -1: none            */
    int legend_right;  /* right end (exclusive) of the legend row       */
} ihg_chart;

/* Defaults: automatic ranges, linear axis, no legend row. */
void ihg_chart_init(ihg_chart *c);

/* The computed geometry of the last draw (for tests and overlays). */
typedef struct {
    ihg_rect plot;       /* cells of the data area                     */
    double xmin, xmax, ymin, ymax;
    int dots_x, dots_y;  /* resolution in points                       */
    int ok;              /* 0: nothing to plot ("no data" shown)        */
} ihg_chart_geom;

void ihg_chart_draw(ihg_canvas *cv, ihg_rect r, const ihg_chart *c,
                    const ihg_series *s, size_t ns, ihg_chart_geom *geom);

/* Map a data value to a dot row/column of the last geometry (-1 outside). */
int ihg_chart_dot_y(const ihg_chart_geom *g, int log_y, double y);
int ihg_chart_dot_x(const ihg_chart_geom *g, double x);

/* Braille: the bit for dot (dx, dy) of a cell, dx in 0..1, dy in 0..3
 * (Unicode order: dots 1,2,3,7 down the left column, 4,5,6,8 down the
 * right). */
unsigned ihg_braille_bit(int dx, int dy);

/* "Nice" linear tick step for a range and a wanted number of ticks. */
double ihg_nice_step(double span, int nticks);

/* Short number for a label: at most `w` characters (3 significant
 * digits, exponent form when needed). */
void ihg_format_short(char *buf, size_t size, double v, int w);
/* A number with `decimals` digits after the point ("0.583"), and a whole
 * number.  Like ihg_format_short these tell a test's audit (canvas.h)
 * what value each shown number stands for. */
void ihg_format_fixed(char *buf, size_t size, double v, int decimals);
void ihg_format_int(char *buf, size_t size, long v);
/* A size in bytes for people: "15.8 MB" (powers of 1000: B, kB, MB, GB,
 * TB; 3 significant digits). */
void ihg_format_bytes(char *buf, size_t size, double bytes);

/* A horizontal bar of frac (0..1) of w cells, with eighth blocks in
 * Unicode mode and '#' in ASCII mode. */
void ihg_hbar(ihg_canvas *cv, int x, int y, int w, double frac, int role);
/* A signed bar: centre at x + w/2, value in [-1, 1] of half the width. */
void ihg_hbar_signed(ihg_canvas *cv, int x, int y, int w, double v, int role);

/* A vertical bar of frac (0..1) of h cells, bottom at row y (histograms). */
void ihg_vbar(ihg_canvas *cv, int x, int y, int h, double frac, int role);

/* Grey images (the distilled-images pane).
 *
 * A value p maps to t = (p - lo) / (hi - lo) clamped to [0, 1] (lo = hi:
 * 0.5; non-finite: 0), t = 0 black, 1 white.  Each cell holds two pixels,
 * one above the other.  With cv->grey (and not ASCII) a cell is the upper
 * half block U+2580 with the foreground the top pixel's and the background
 * the bottom pixel's colour on the xterm grey ramp, colour 232 + round(23
 * t); otherwise one character of IHG_ASCII_RAMP for the mean t of the
 * pair, index round(9 t). */
#define IHG_ASCII_RAMP " .:-=+*#%@"
#define IHG_HALF_BLOCK 0x2580
int ihg_grey_colour(double p, double lo, double hi);
char ihg_ascii_shade(double p_top, double p_bottom, double lo, double hi);

/* Draw a rows x cols image (row-major, element i*cols + j at
 * px[(i*cols + j) * stride]) resampled to tw x th pixels (th rounded up
 * to even) with its top-left cell at (x, y): tw cells wide, th/2 rows
 * tall.  Each shown pixel is the mean of the source pixels in its box:
 * a box filter when shrinking, nearest neighbour when enlarging. */
void ihg_image_draw(ihg_canvas *cv, int x, int y, const double *px, size_t stride,
                    int rows, int cols, int tw, int th, double lo, double hi);

/* Where k images of rows x cols pixels go in a w x h cell rectangle: a
 * grid of gcols x grows images, each tw x th pixels (th even) under a
 * one-row label, one blank column between images.  The scale is the
 * largest that fits, at most 2 (th/rows and tw/cols about equal).
 * Returns 1, or 0 when the images would be smaller than min_px pixels
 * (or the whole image when smaller) in either direction. */
typedef struct {
    int gcols, grows;  /* images across, down                       */
    int tw, th;        /* pixels of each shown image                */
    int cell_w, cell_h;/* cells per image incl. label and gap       */
    double scale;
} ihg_image_grid;
/* The min and max of an image's finite pixels (n of them, px[i * stride];
 * 0 and 0 when there is none): the grey range of `s` (per image). */
void ihg_image_range(const double *px, size_t stride, size_t n, double *lo, double *hi);
int ihg_image_grid_fit(ihg_image_grid *g, int w, int h, int k, int rows, int cols,
                       int min_px);

/* A dot canvas at braille resolution over a rectangle: used by the 2-D
 * view for contours, paths and arrows. */
typedef struct {
    ihg_rect r;
    int dw, dh;            /* dots: 2w x 4h (braille) or w x h (ASCII) */
    int sx, sy;            /* dots per cell                            */
    unsigned char *bits;   /* per cell                                 */
    unsigned char *roles;  /* per cell                                 */
    char *marks;           /* per cell, ASCII mode                     */
} ihg_dots;

int ihg_dots_init(ihg_dots *d, ihg_rect r, int ascii);
void ihg_dots_free(ihg_dots *d);
void ihg_dots_set(ihg_dots *d, int x, int y, int role, char mark);
void ihg_dots_line(ihg_dots *d, int x0, int y0, int x1, int y1, int role,
                   char mark);
/* Copy the dots into the canvas (cells with no dots are left alone). */
void ihg_dots_blit(const ihg_dots *d, ihg_canvas *cv);

#endif
