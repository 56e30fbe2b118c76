/* figure.h - one picture for slides, drawn with cairo: SVG, PDF or PNG.
 *
 * A figure is a cairo drawing of width x height pixels written to a stream
 * the caller opened:
 *
 *   ihg_figure fig;
 *   if (ihg_figure_begin(&fig, IHG_FIGURE_SVG, 1280, 800, out) == IHG_OK) {
 *       ... draw on fig.cr in pixels, text with ihg_figure_text ...
 *       st = ihg_figure_end(&fig);      // IHG_OK or the write error
 *   }
 *
 * White background, DejaVu Sans (or the system's sans-serif), sizes that
 * scale with the figure (fig.unit is 1 at 1280 x 800), so a figure reads the
 * same at any size.  A PNG is exactly width x height pixels; an SVG is
 * width x height px; a PDF page is the same size at 96 pixels per inch.
 * Nothing here knows what is plotted (plot.h draws charts on a figure).
 */
#ifndef IHG_FIGURE_H
#define IHG_FIGURE_H

#include <cairo.h>
#include <stdio.h>

typedef enum { IHG_FIGURE_SVG = 0, IHG_FIGURE_PDF, IHG_FIGURE_PNG } ihg_figure_format;
#define IHG_FIGURE_FORMATS 3

/* Smallest and largest width or height accepted, in pixels. */
#define IHG_FIGURE_MIN_SIZE 160
#define IHG_FIGURE_MAX_SIZE 8192
/* The size of --figures when none is asked for. */
#define IHG_FIGURE_DEFAULT_WIDTH 1280
#define IHG_FIGURE_DEFAULT_HEIGHT 800

typedef struct {
    cairo_surface_t *surface;
    cairo_t *cr;
    ihg_figure_format format;
    int width, height;    /* pixels                                       */
    double unit;          /* 1 at 1280 x 800: fonts and lines scale by it */
    FILE *out;
    int write_failed;     /* a write to out failed                        */
} ihg_figure;

/* "svg", "pdf", "png" (the file extension). */
const char *ihg_figure_extension(ihg_figure_format f);

/* Start a figure of width x height pixels (IHG_FIGURE_MIN_SIZE ..
 * IHG_FIGURE_MAX_SIZE) written to out, painted white.  IHG_OK, or an error
 * recorded (IHG_EINVAL for a size out of range, IHG_ENOMEM). */
int ihg_figure_begin(ihg_figure *fig, ihg_figure_format format, int width, int height,
                     FILE *out);
/* Finish and write the figure; frees it.  IHG_OK, or IHG_EWRITE with
 * "write error" (or cairo's reason) recorded. */
int ihg_figure_end(ihg_figure *fig);

/* Text.  size is in units (multiplied by fig->unit). */
enum { IHG_TEXT_LEFT = 0, IHG_TEXT_CENTER = 1, IHG_TEXT_RIGHT = 2 };
void ihg_figure_font(ihg_figure *fig, double size, int bold);
/* The width of utf8 in the current font, in pixels. */
double ihg_figure_text_width(ihg_figure *fig, const char *utf8);
/* Draw utf8 with its baseline at y, aligned at x (IHG_TEXT_*), in the
 * current source colour.  Returns its width. */
double ihg_figure_text(ihg_figure *fig, double x, double y, int align, const char *utf8);

/* Numbers for people: value with at most `digits` significant digits, as
 * plain decimals between 1e-3 and 1e5 and as "2.5×10⁻⁴" outside (the
 * exponent in Unicode superscripts).  "–" for NaN. */
void ihg_figure_number(char *buf, size_t size, double value, int digits);

#endif
