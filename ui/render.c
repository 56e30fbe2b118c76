/* render.c - one whole frame: status bar, a lesson's caption bar, panes,
 * hints, help and notes overlays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"

#include "chart.h"
#include "keys.h"
#include "layout.h"
#include "view.h"

const char *ihg_view_pane_name(const ihg_view *v, ihg_pane_id id)
{
    if (id == IHG_PANE_2D && v->img_k > 0)
        return "Distilled images";
    if (id == IHG_PANE_2D && v->aug_n > 0)
        return "Augmented images";
    return ihg_pane_name(id);
}

ihg_rect ihg_pane_frame(ihg_canvas *cv, ihg_rect r, const ihg_view *v,
                        ihg_pane_id id, const char *extra)
{
    char title[400], head[96], fitted[320];
    int focused = v->disp.focus == (int)id, room;
    /* one blank column inside each side of the border */
    ihg_rect in = {r.x + 2, r.y + 1, r.w - 4, r.h - 2};
    /* the pane's number and name always; its state and news as they fit */
    ihg_format_int(head, sizeof head, (long)id + 1);
    snprintf(head + strlen(head), sizeof head - strlen(head), " %s%s",
             ihg_view_pane_name(v, id), v->disp.zoom == (int)id ? " [zoom]" : "");
    room = r.w - 6 - ihg_text_width(head) - 1;
    fitted[0] = '\0';
    if (extra && *extra && room > 1) {
        ihg_fit_text(fitted, sizeof fitted, extra, room, cv->ascii);
        if (strcmp(fitted, cv->ascii ? "~" : "\xe2\x80\xa6") == 0)
            fitted[0] = '\0'; /* an ellipsis alone says nothing */
    }
    snprintf(title, sizeof title, "%s%s%s", head, fitted[0] ? " " : "", fitted);
    ihg_canvas_box(cv, r, focused ? IHG_ROLE_FOCUS : IHG_ROLE_BORDER, title,
                   focused ? IHG_ROLE_FOCUS : IHG_ROLE_TITLE);
    if (in.w < 0)
        in.w = 0;
    if (in.h < 0)
        in.h = 0;
    return in;
}

/* The keys in one column, or in two when one does not fit the height
 * (descriptions then shortened with the ellipsis); rows that fit in
 * neither are counted in the last line, never dropped unsaid. */
void ihg_help_overlay(ihg_canvas *cv, const ihg_view *v)
{
    int n = 0, i, w = 0, h, x0, y0, cols = 1, per, shown;
    ihg_rect r;
    char foot[96];
    (void)v;
    while (ihg_key_help_rows[n].keys)
        n++;
    for (i = 0; i < n; i++) {
        int l = 18 + ihg_text_width(ihg_key_help_rows[i].what);
        if (l > w)
            w = l;
    }
    w += 4;
    h = n + 4;
    if (h > cv->h) { /* two columns, each as wide as half the screen */
        cols = 2;
        h = (n + 1) / 2 + 4;
        w = cv->w;
    }
    if (w > cv->w)
        w = cv->w;
    if (h > cv->h)
        h = cv->h;
    per = cols == 1 ? n : (n + 1) / 2;
    if (per > h - 4)
        per = h - 4 > 0 ? h - 4 : 0;
    shown = per * cols < n ? per * cols : n;
    x0 = (cv->w - w) / 2;
    y0 = (cv->h - h) / 2;
    r = (ihg_rect){x0, y0, w, h};
    ihg_canvas_fill(cv, r, L' ', IHG_ROLE_NORMAL);
    ihg_canvas_box(cv, r, IHG_ROLE_FOCUS, "Keys", IHG_ROLE_FOCUS);
    for (i = 0; i < shown; i++) {
        const ihg_key_help *row = &ihg_key_help_rows[i];
        int colw = cols == 1 ? w - 4 : (w - 6) / 2;
        int x = x0 + 2 + (i / per) * (colw + 2), y = y0 + 1 + i % per;
        int k = 16;
        if (cols == 2) { /* the keys' column as wide as its widest */
            k = 1;
            for (int j = i - i % per; j < i - i % per + per && j < n; j++)
                if (ihg_text_width(ihg_key_help_rows[j].keys) > k)
                    k = ihg_text_width(ihg_key_help_rows[j].keys);
        }
        ihg_canvas_fit(cv, x, y, k, IHG_ROLE_KEY, row->keys);
        ihg_canvas_fit(cv, x + k + 1, y, colw - k - 1, IHG_ROLE_NORMAL,
                       cols == 2 && row->brief ? row->brief : row->what);
    }
    if (shown < n)
        snprintf(foot, sizeof foot, "%d more keys in a taller terminal; any key closes; "
                 "see ihgtui(1)", n - shown);
    else
        snprintf(foot, sizeof foot, "press any key to close; see ihgtui(1)");
    ihg_canvas_fit(cv, x0 + 2, y0 + h - 2, w - 4, IHG_ROLE_DIM, foot);
}

/* ---- a lesson's caption bar ------------------------------------------- */

#define BAR_LINES_MAX 12

typedef struct {
    char text[BAR_LINES_MAX][1200];
    int role[BAR_LINES_MAX];
    int n;
} bar_lines;

static void bar_add(bar_lines *b, int role, const char *text)
{
    ihg_audit_numbers_in(text); /* numbers as the lesson wrote them */
    if (b->n < BAR_LINES_MAX) {
        snprintf(b->text[b->n], sizeof b->text[b->n], "%s", text);
        b->role[b->n++] = role;
    }
}

/* A line of safe text wrapped at blanks to width w. */
static void bar_wrapped(bar_lines *b, int role, const char *line, int w)
{
    char word[400], out[1200] = "";
    const char *q = line;
    while (*q) {
        size_t wl = strcspn(q, " ");
        snprintf(word, sizeof word, "%.*s", (int)(wl < sizeof word - 1 ? wl : sizeof word - 1),
                 q);
        char tryit[1200];
        snprintf(tryit, sizeof tryit, "%s%s%s", out, out[0] ? " " : "", word);
        if (out[0] && ihg_text_width(tryit) > w) {
            bar_add(b, role, out);
            snprintf(out, sizeof out, "%s", word);
        } else {
            snprintf(out, sizeof out, "%s", tryit);
        }
        q += wl;
        while (*q == ' ')
            q++;
    }
    if (out[0])
        bar_add(b, role, out);
}

/* The caption's lines, escaped (it comes from a file) and wrapped at
 * blanks to width w. */
static void bar_caption(bar_lines *b, const char *caption, int w)
{
    const char *p = caption;
    while (p && *p && b->n < BAR_LINES_MAX) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[1200];
        ihg_escape(line, sizeof line, p, len);
        bar_wrapped(b, IHG_ROLE_NORMAL, line, w);
        p = nl ? nl + 1 : NULL;
    }
}

/* The question's lines: asked (wrapped), and once revealed the answer
 * beside the class's choice. */
static void bar_question(bar_lines *b, const ihg_lesson_view *L, int w)
{
    const ihg_lesson_question *q = L->q;
    char line[800], ask[400], part[160];
    size_t used;
    if (!q)
        return;
    IHG_ESCAPE(ask, q->ask);
    used = (size_t)snprintf(line, sizeof line, "? %s", ask);
    for (size_t i = 0; i < q->n_choices && used < sizeof line; i++) {
        char ch[64];
        IHG_ESCAPE(ch, q->choices[i]);
        /* a no-break space keeps a choice's number and text together */
        used += (size_t)snprintf(line + used, sizeof line - used, " %s%zu)\xc2\xa0%s",
                                 (int)i == L->choice ? "\xe2\x96\xb8" : "", i + 1, ch);
    }
    bar_wrapped(b, IHG_ROLE_KEY, line, w);
    if (L->revealed) {
        if (L->answer[0] && strcmp(L->answer, "-") != 0)
            snprintf(line, sizeof line, "= %s", L->answer);
        else
            snprintf(line, sizeof line, "= no number: %s", L->why);
        if (L->correct >= 0) {
            char ch[64];
            IHG_ESCAPE(ch, q->choices[L->correct]);
            snprintf(part, sizeof part, "   the right choice: %d) %s", L->correct + 1, ch);
            strncat(line, part, sizeof line - strlen(line) - 1);
        }
        if (L->choice >= 0) {
            snprintf(part, sizeof part, "   the class: %d)%s", L->choice + 1,
                     L->choice == L->correct ? " right" : "");
            strncat(line, part, sizeof line - strlen(line) - 1);
        }
        bar_add(b, L->choice < 0 || L->choice == L->correct ? IHG_ROLE_GOOD : IHG_ROLE_WARN,
                line);
    } else if (L->revealing) {
        bar_add(b, IHG_ROLE_WARN, "= ... computing the answer");
    } else {
        bar_add(b, IHG_ROLE_DIM, q->n_choices ? "predict (p and a number: the class's "
                                                "choice), then R reveals"
                                              : "estimate, then R reveals");
    }
}

/* The lines of the bar, the slide's line first, then the question, then
 * the caption (the part that gives way when rows are short). */
static void bar_build(bar_lines *b, const ihg_view *v, int w)
{
    const ihg_lesson_view *L = &v->lesson;
    char title[300], line[500];
    memset(b, 0, sizeof *b);
    IHG_ESCAPE(title, L->slide_title);
    snprintf(line, sizeof line, "Slide %zu/%zu  %s%s", L->slide + 1, L->n_slides, title,
             L->playing ? "   (playing ...)" : "");
    bar_add(b, IHG_ROLE_TITLE, line);
    bar_question(b, L, w);
    if (L->caption)
        bar_caption(b, L->caption, w);
}

/* The rows the bar takes: as many as its lines, at most a few more than
 * two on a small screen. */
static int bar_rows(const bar_lines *b, int h)
{
    int cap = 3 + (h - IHG_MIN_H) / 3;
    if (cap > BAR_LINES_MAX)
        cap = BAR_LINES_MAX;
    return b->n < cap ? b->n : cap;
}

static void bar_draw(ihg_canvas *cv, ihg_rect r, const bar_lines *b)
{
    for (int i = 0; i < r.h && i < b->n; i++) {
        /* the last row says that more of the caption is cut */
        if (i == r.h - 1 && b->n > r.h) {
            char more[1220];
            snprintf(more, sizeof more, "%s %s", b->text[i], cv->ascii ? "~" : "\xe2\x80\xa6");
            ihg_canvas_fit(cv, r.x + 1, r.y + i, r.w - 2, b->role[i], more);
        } else {
            ihg_canvas_fit(cv, r.x + 1, r.y + i, r.w - 2, b->role[i], b->text[i]);
        }
    }
}

/* A pane whose numbers would give the answer away: its frame and a ?. */
static void hidden_pane(ihg_canvas *cv, ihg_rect r, const ihg_view *v, int id)
{
    ihg_rect in = ihg_pane_frame(cv, r, v, (ihg_pane_id)id, "hidden until the reveal");
    if (in.h < 1 || in.w < 1)
        return;
    ihg_canvas_set(cv, in.x + in.w / 2, in.y + in.h / 2, L'?', IHG_ROLE_WARN);
    if (in.h >= 3)
        ihg_canvas_fit(cv, in.x, in.y + in.h / 2 + 1, in.w, IHG_ROLE_DIM,
                       "predict, then R reveals");
}

/* The lecturer's notes over the panes. */
static void notes_overlay(ihg_canvas *cv, const ihg_view *v)
{
    bar_lines b;
    int w = cv->w > 90 ? 84 : cv->w - 6, h, x0, y0;
    memset(&b, 0, sizeof b);
    if (v->lesson.notes)
        bar_caption(&b, v->lesson.notes, w - 4);
    else
        bar_add(&b, IHG_ROLE_DIM, "(no notes on this slide)");
    h = b.n + 4;
    if (h > cv->h - 2)
        h = cv->h - 2;
    if (w < 20 || h < 4)
        return;
    x0 = (cv->w - w) / 2;
    y0 = (cv->h - h) / 2;
    ihg_rect r = {x0, y0, w, h};
    ihg_canvas_fill(cv, r, L' ', IHG_ROLE_NORMAL);
    ihg_canvas_box(cv, r, IHG_ROLE_FOCUS, "Notes for the lecturer", IHG_ROLE_FOCUS);
    ihg_rect in = {x0 + 2, y0 + 1, w - 4, h - 3};
    bar_draw(cv, in, &b);
    ihg_canvas_fit(cv, x0 + 2, y0 + h - 2, w - 4, IHG_ROLE_DIM, "! hides them");
}

int ihg_render_bar_rows(const ihg_view *v, int w, int h)
{
    bar_lines bar;
    if (!v->lesson.on)
        return 0;
    bar_build(&bar, v, w - 2);
    return bar_rows(&bar, h);
}

void ihg_render(ihg_canvas *cv, const ihg_view *v, const int *available)
{
    ihg_layout lo;
    bar_lines bar;
    int i, rows = 0;
    ihg_canvas_clear(cv);
    if (v->lesson.on) {
        bar_build(&bar, v, cv->w - 2);
        rows = bar_rows(&bar, cv->h);
    }
    ihg_layout_compute_bar(&lo, cv->w, cv->h, available, v->disp.zoom, rows);
    if (lo.too_small) {
        char msg[96];
        int l;
        ihg_layout_too_small_text(msg, sizeof msg, cv->w, cv->h, cv->ascii);
        l = ihg_text_width(msg);
        ihg_canvas_fit(cv, l < cv->w ? (cv->w - l) / 2 : 0, cv->h / 2, cv->w, IHG_ROLE_BAD,
                       msg);
        if (cv->h / 2 + 1 < cv->h)
            ihg_canvas_fit(cv, cv->w > 24 ? (cv->w - 24) / 2 : 0, cv->h / 2 + 1, cv->w,
                           IHG_ROLE_DIM, "enlarge it, or q to quit");
        return;
    }
    ihg_pane_status(cv, lo.status, v);
    if (lo.bar.h > 0)
        bar_draw(cv, lo.bar, &bar);
    /* the help and the notes cover the panes whole: no pane shows half a
     * number beside them */
    for (i = 0; i < IHG_PANE_COUNT && !v->disp.help && !(v->disp.notes && v->lesson.on); i++) {
        if (!lo.shown[i])
            continue;
        if (v->lesson.on && (v->lesson.hidden & (1u << i))) {
            hidden_pane(cv, lo.pane[i], v, i);
            continue;
        }
        switch (i) {
        case IHG_PANE_LOSS: ihg_pane_loss(cv, lo.pane[i], v); break;
        case IHG_PANE_HYPER: ihg_pane_hyper(cv, lo.pane[i], v); break;
        case IHG_PANE_NEUMANN: ihg_pane_neumann(cv, lo.pane[i], v); break;
        case IHG_PANE_SPECTRUM: ihg_pane_spectrum(cv, lo.pane[i], v); break;
        case IHG_PANE_THEORY: ihg_pane_theory(cv, lo.pane[i], v); break;
        case IHG_PANE_2D:
            if (v->img_k > 0)
                ihg_pane_images(cv, lo.pane[i], v);
            else if (v->aug_n > 0)
                ihg_pane_augment(cv, lo.pane[i], v);
            else
                ihg_pane_2d(cv, lo.pane[i], v);
            break;
        default: break;
        }
    }
    ihg_pane_hints(cv, lo.hints, v);
    if (v->disp.help)
        ihg_help_overlay(cv, v);
    else if (v->disp.notes && v->lesson.on)
        notes_overlay(cv, v);
}
