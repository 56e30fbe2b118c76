/* export.c - panes as figures, the screen as text and HTML (export.h). */
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"
#include "../src/figures.h"
#include "../src/output.h"
#include "layout.h"

void ihg_export_stem(const ihg_view *v, char *buf, size_t size)
{
    char name[64];
    const char *n = v->name ? v->name : "experiment";
    size_t i;
    for (i = 0; n[i] && i + 1 < sizeof name; i++)
        name[i] = (n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
                          (n[i] >= '0' && n[i] <= '9') || n[i] == '-' || n[i] == '_'
                      ? n[i]
                      : '_';
    name[i] = '\0';
    snprintf(buf, size, "%s-step%ld", name, v->outer_done);
}

/* The short name of a pane in file names. */
static const char *pane_word(const ihg_view *v, int pane)
{
    static const char *const words[IHG_PANE_COUNT] = {"losses", "lambda", "errors",
                                                      "spectrum", "theory", "view"};
    if (pane == IHG_PANE_LOSS && v->disp.show_acc)
        return "accuracy";
    if (pane == IHG_PANE_2D && v->img_k > 0)
        return "images";
    return pane >= 0 && pane < IHG_PANE_COUNT ? words[pane] : "pane";
}

/* One figure of the pane in one format. */
static int draw(const ihg_view *v, int pane, FILE *f, const ihg_figure_spec *spec)
{
    long outer = v->outer_done;
    switch (pane) {
    case IHG_PANE_LOSS:
        return v->disp.show_acc ? ihg_figure_accuracy(f, spec, v->hist, v->nhist)
                                : ihg_figure_losses(f, spec, v->hist, v->nhist);
    case IHG_PANE_HYPER:
        return ihg_figure_lambda(f, spec, v->layout, NULL, v->lambda->data, v->lambda->size,
                                 outer);
    case IHG_PANE_NEUMANN:
        return ihg_figure_hypergrad_error(f, spec, v->cmp,
                                          v->cmp_outer >= 0 ? v->cmp_outer : v->cmp_done);
    case IHG_PANE_SPECTRUM:
        return ihg_figure_spectrum(f, spec, v->cmp,
                                   v->cmp_outer >= 0 ? v->cmp_outer : v->cmp_done);
    case IHG_PANE_2D:
        if (v->img_k > 0)
            return ihg_figure_images(f, spec, v->lambda->data, v->img_k, v->img_rows,
                                     v->img_cols, v->class_names, outer);
        return ihg_error_set(IHG_EINVAL, "the 2-D view has no figure: the screen is "
                             "written as text and HTML (e on another pane for a figure)");
    default:
        return ihg_error_set(IHG_EINVAL, "the theory pane has no figure: its text is in "
                             "the screen's text and HTML");
    }
}

/* Whether the pane has anything a figure could show. */
static const char *nothing(const ihg_view *v, int pane)
{
    if (pane == IHG_PANE_THEORY)
        return "the theory pane has no figure: its text is in the screen's text and HTML";
    if (pane == IHG_PANE_2D && v->img_k == 0)
        return "the 2-D view has no figure: the screen is written as text and HTML (e on "
               "another pane for a figure)";
    if ((pane == IHG_PANE_LOSS) && v->nhist == 0)
        return "no outer step yet: nothing to draw";
    if (pane == IHG_PANE_LOSS && v->disp.show_acc && !ihg_figure_has_accuracy(v->hist, v->nhist))
        return "no accuracies (not a classifier)";
    if (pane == IHG_PANE_NEUMANN && !ihg_figure_has_errors(v->cmp))
        return "no comparison yet (c makes one)";
    if (pane == IHG_PANE_SPECTRUM && !ihg_figure_has_spectrum(v->cmp))
        return "no spectrum (c makes one; it needs P <= hypergrad.exact_max)";
    if (pane == IHG_PANE_HYPER && (!v->lambda || v->lambda->stride != 1))
        return "no hyperparameters to draw";
    if (v->lesson.on && (v->lesson.hidden & (1u << pane)))
        return "the pane is hidden until the reveal (R)";
    return NULL;
}

int ihg_export_pane(const ihg_view *v, int pane, const char *stem,
                    const char *const *inputs, char *done, size_t n)
{
    static const ihg_figure_format fmts[IHG_FIGURE_FORMATS] = {IHG_FIGURE_SVG, IHG_FIGURE_PDF,
                                                               IHG_FIGURE_PNG};
    const char *why = nothing(v, pane);
    char sub[160], path[256];
    int written = 0;
    if (why)
        return ihg_error_set(IHG_EINVAL, "pane %d: %s", pane + 1, why);
    snprintf(sub, sizeof sub, "%s \xc2\xb7 outer step %ld", v->name ? v->name : "", v->outer_done);
    for (int i = 0; i < IHG_FIGURE_FORMATS; i++) {
        if (pane == IHG_PANE_2D && fmts[i] != IHG_FIGURE_PNG)
            continue; /* images: PNG */
        ihg_figure_spec spec = {fmts[i], IHG_EXPORT_WIDTH, IHG_EXPORT_HEIGHT, sub};
        snprintf(path, sizeof path, "%s-%s.%s", stem, pane_word(v, pane),
                 ihg_figure_extension(fmts[i]));
        FILE *f = ihg_output_open(path, inputs);
        if (!f)
            return ihg_error_status();
        int st = draw(v, pane, f, &spec);
        if (st != IHG_OK) {
            char msg[400];
            snprintf(msg, sizeof msg, "%s", ihg_error_message());
            ihg_output_close(f, path);
            if (f != stdout)
                remove(path); /* no half-drawn figure left behind */
            return ihg_error_set(st, "%s: %s", path, msg);
        }
        if (ihg_output_close(f, path) != IHG_OK)
            return ihg_error_status();
        written++;
    }
    snprintf(done, n, "wrote %s-%s.%s", stem, pane_word(v, pane),
             written > 1 ? "svg, .pdf, .png" : "png");
    return IHG_OK;
}

/* A wide character as UTF-8 (at most 4 bytes; '?' for what is not one). */
static int utf8(wchar_t ch, char *out)
{
    unsigned long c = (unsigned long)ch;
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000 && (c < 0xD800 || c > 0xDFFF)) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    if (c >= 0x10000 && c < 0x110000) {
        out[0] = (char)(0xF0 | (c >> 18));
        out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[3] = (char)(0x80 | (c & 0x3F));
        return 4;
    }
    out[0] = '?';
    return 1;
}

/* The colours of the roles in HTML (the default theme's, on black). */
static const char *const role_colour[IHG_ROLE_COUNT] = {
    "#d0d0d0", "#808080", "#5fafff", "#6c6c6c", "#ffd75f", "#ffffff", "#ffd75f", "#a8a8a8",
    "#5fafff", "#ff8700", "#87d787", "#d787ff", "#5fd7d7", "#a8a8a8", "#ffffff", "#87d787",
    "#ffd75f", "#ff5f5f", "#ffffff"};

static void cell_out(FILE *f, const ihg_cell *c, int html)
{
    char b[8];
    int k;
    wchar_t ch = c->ch ? c->ch : L' ';
    if (html && (ch == L'<' || ch == L'>' || ch == L'&')) {
        fputs(ch == L'<' ? "&lt;" : ch == L'>' ? "&gt;" : "&amp;", f);
        return;
    }
    k = utf8(ch, b);
    fwrite(b, 1, (size_t)k, f);
}

int ihg_export_screen(const ihg_canvas *cv, const char *stem, const char *const *inputs,
                      char *done, size_t n)
{
    char txt[256], html[256];
    snprintf(txt, sizeof txt, "%s-screen.txt", stem);
    snprintf(html, sizeof html, "%s-screen.html", stem);
    FILE *f = ihg_output_open(txt, inputs);
    if (!f)
        return ihg_error_status();
    for (int y = 0; y < cv->h; y++) {
        int end = cv->w;
        while (end > 0 && (cv->cells[y * cv->w + end - 1].ch == L' ' ||
                           cv->cells[y * cv->w + end - 1].ch == 0))
            end--;
        for (int x = 0; x < end; x++)
            if (cv->cells[y * cv->w + x].ch != 0 || x == 0)
                cell_out(f, &cv->cells[y * cv->w + x], 0);
        fputc('\n', f);
    }
    if (ihg_output_close(f, txt) != IHG_OK)
        return ihg_error_status();
    f = ihg_output_open(html, inputs);
    if (!f)
        return ihg_error_status();
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ihgtui</title>\n"
          "<style>body{background:#000;margin:1em}pre{font:14px/1.2 'DejaVu Sans Mono',"
          "monospace;color:#d0d0d0}</style></head>\n<body><pre>", f);
    for (int y = 0; y < cv->h; y++) {
        int role = -1;
        for (int x = 0; x < cv->w; x++) {
            const ihg_cell *c = &cv->cells[y * cv->w + x];
            if (c->ch == 0)
                continue; /* the second cell of a wide character */
            if (c->role != role) {
                if (role >= 0)
                    fputs("</span>", f);
                role = c->role < IHG_ROLE_COUNT ? c->role : 0;
                fprintf(f, "<span style=\"color:%s\">",
                        role_colour[role] ? role_colour[role] : role_colour[0]);
            }
            cell_out(f, c, 1);
        }
        if (role >= 0)
            fputs("</span>", f);
        fputc('\n', f);
    }
    fputs("</pre></body></html>\n", f);
    if (ihg_output_close(f, html) != IHG_OK)
        return ihg_error_status();
    snprintf(done, n, "wrote %s and %s", txt, html);
    return IHG_OK;
}
