/* figure.c - a cairo drawing written as SVG, PDF or PNG (figure.h). */
#include "figure.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* PDF pages are in points: 72 per inch against 96 pixels per inch. */
#define PDF_POINTS_PER_PIXEL 0.75
#define FONT_FAMILY "DejaVu Sans"

const char *ihg_figure_extension(ihg_figure_format f)
{
    switch (f) {
    case IHG_FIGURE_SVG: return "svg";
    case IHG_FIGURE_PDF: return "pdf";
    case IHG_FIGURE_PNG: return "png";
    }
    return "?";
}

static cairo_status_t write_out(void *closure, const unsigned char *data,
                                unsigned int length)
{
    ihg_figure *fig = closure;
    if (fig->write_failed || fwrite(data, 1, length, fig->out) != length) {
        fig->write_failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

int ihg_figure_begin(ihg_figure *fig, ihg_figure_format format, int width, int height,
                     FILE *out)
{
    memset(fig, 0, sizeof *fig);
    if (width < IHG_FIGURE_MIN_SIZE || width > IHG_FIGURE_MAX_SIZE ||
        height < IHG_FIGURE_MIN_SIZE || height > IHG_FIGURE_MAX_SIZE)
        return ihg_error_set(IHG_EINVAL, "figure size %dx%d: width and height must be "
                             "%d to %d pixels", width, height, IHG_FIGURE_MIN_SIZE,
                             IHG_FIGURE_MAX_SIZE);
    fig->format = format;
    fig->width = width;
    fig->height = height;
    fig->out = out;
    /* fonts and lines scale with the smaller of the two proportions */
    fig->unit = fmin(width / 1280.0, height / 800.0);
    switch (format) {
    case IHG_FIGURE_SVG:
        fig->surface = cairo_svg_surface_create_for_stream(write_out, fig, width, height);
        if (cairo_surface_status(fig->surface) == CAIRO_STATUS_SUCCESS)
            cairo_svg_surface_set_document_unit(fig->surface, CAIRO_SVG_UNIT_PX);
        break;
    case IHG_FIGURE_PDF:
        fig->surface = cairo_pdf_surface_create_for_stream(
            write_out, fig, width * PDF_POINTS_PER_PIXEL, height * PDF_POINTS_PER_PIXEL);
        break;
    case IHG_FIGURE_PNG:
        fig->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
        break;
    default:
        return ihg_error_set(IHG_EINVAL, "unknown figure format");
    }
    if (cairo_surface_status(fig->surface) != CAIRO_STATUS_SUCCESS) {
        int st = ihg_error_set(IHG_ENOMEM, "figure: %s",
                               cairo_status_to_string(cairo_surface_status(fig->surface)));
        cairo_surface_destroy(fig->surface);
        fig->surface = NULL;
        return st;
    }
    fig->cr = cairo_create(fig->surface);
    if (cairo_status(fig->cr) != CAIRO_STATUS_SUCCESS) {
        int st = ihg_error_set(IHG_ENOMEM, "figure: %s",
                               cairo_status_to_string(cairo_status(fig->cr)));
        cairo_destroy(fig->cr);
        cairo_surface_destroy(fig->surface);
        fig->cr = NULL;
        fig->surface = NULL;
        return st;
    }
    if (format == IHG_FIGURE_PDF)
        cairo_scale(fig->cr, PDF_POINTS_PER_PIXEL, PDF_POINTS_PER_PIXEL);
    cairo_set_source_rgb(fig->cr, 1, 1, 1);
    cairo_paint(fig->cr);
    cairo_set_source_rgb(fig->cr, 0, 0, 0);
    ihg_figure_font(fig, 24, 0);
    return IHG_OK;
}

int ihg_figure_end(ihg_figure *fig)
{
    cairo_status_t st = cairo_status(fig->cr);
    cairo_destroy(fig->cr);
    fig->cr = NULL;
    if (st == CAIRO_STATUS_SUCCESS) {
        if (fig->format == IHG_FIGURE_PNG)
            st = cairo_surface_write_to_png_stream(fig->surface, write_out, fig);
        else
            cairo_surface_finish(fig->surface);
        if (st == CAIRO_STATUS_SUCCESS)
            st = cairo_surface_status(fig->surface);
    }
    cairo_surface_destroy(fig->surface);
    fig->surface = NULL;
    if (fig->write_failed || st == CAIRO_STATUS_WRITE_ERROR)
        return ihg_error_set(IHG_EWRITE, "write error");
    if (st != CAIRO_STATUS_SUCCESS)
        return ihg_error_set(IHG_EINTERNAL, "figure: %s", cairo_status_to_string(st));
    return IHG_OK;
}

void ihg_figure_font(ihg_figure *fig, double size, int bold)
{
    cairo_select_font_face(fig->cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(fig->cr, size * fig->unit);
}

double ihg_figure_text_width(ihg_figure *fig, const char *utf8)
{
    cairo_text_extents_t e;
    cairo_text_extents(fig->cr, utf8, &e);
    return e.x_advance;
}

double ihg_figure_text(ihg_figure *fig, double x, double y, int align, const char *utf8)
{
    double w = ihg_figure_text_width(fig, utf8);
    if (align == IHG_TEXT_CENTER)
        x -= w / 2;
    else if (align == IHG_TEXT_RIGHT)
        x -= w;
    cairo_move_to(fig->cr, x, y);
    cairo_show_text(fig->cr, utf8);
    cairo_new_path(fig->cr);
    return w;
}

/* Unicode superscripts of the characters of an exponent. */
static const char *superscript(char c)
{
    static const char *const digit[10] = {"\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3",
                                          "\xe2\x81\xb4", "\xe2\x81\xb5", "\xe2\x81\xb6",
                                          "\xe2\x81\xb7", "\xe2\x81\xb8", "\xe2\x81\xb9"};
    if (c >= '0' && c <= '9')
        return digit[c - '0'];
    if (c == '-')
        return "\xe2\x81\xbb";
    return "";
}

void ihg_figure_number(char *buf, size_t size, double value, int digits)
{
    double a = fabs(value);
    if (size == 0)
        return;
    if (isnan(value)) {
        snprintf(buf, size, "\xe2\x80\x93");
        return;
    }
    if (isinf(value)) {
        snprintf(buf, size, "%s\xe2\x88\x9e", value < 0 ? "-" : "");
        return;
    }
    if (digits < 1)
        digits = 1;
    if (a == 0 || (a >= 1e-3 && a < 1e5)) {
        /* plain decimals: as many digits as the integer part needs */
        int whole = a >= 1 ? (int)floor(log10(a)) + 1 : 1;
        snprintf(buf, size, "%.*g", digits > whole ? digits : whole, value);
        return;
    }
    /* m×10^e with the exponent in superscripts */
    char tmp[64], *e;
    snprintf(tmp, sizeof tmp, "%.*e", digits - 1, value);
    e = strchr(tmp, 'e');
    if (!e) {
        snprintf(buf, size, "%s", tmp);
        return;
    }
    *e++ = '\0';
    /* drop trailing zeros of the mantissa: 2.50 -> 2.5, 1.0 -> 1 */
    char *dot = strchr(tmp, '.');
    if (dot) {
        char *end = tmp + strlen(tmp) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    int exp10 = (int)strtol(e, NULL, 10);
    char ex[16], sup[64] = "";
    snprintf(ex, sizeof ex, "%d", exp10);
    for (const char *p = ex; *p; p++)
        strncat(sup, superscript(*p), sizeof sup - strlen(sup) - 1);
    if (strcmp(tmp, "1") == 0 || strcmp(tmp, "-1") == 0)
        snprintf(buf, size, "%s10%s", tmp[0] == '-' ? "-" : "", sup);
    else
        snprintf(buf, size, "%s\xc3\x97" "10%s", tmp, sup);
}
