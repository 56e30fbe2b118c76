/* render.c - one whole frame: status bar, panes, hints, help overlay. */
#include <stdio.h>
#include <string.h>

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

void ihg_help_overlay(ihg_canvas *cv, const ihg_view *v)
{
    int n = 0, i, w = 0, h, x0, y0;
    ihg_rect r;
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
    if (w > cv->w)
        w = cv->w;
    if (h > cv->h)
        h = cv->h;
    x0 = (cv->w - w) / 2;
    y0 = (cv->h - h) / 2;
    r = (ihg_rect){x0, y0, w, h};
    ihg_canvas_fill(cv, r, L' ', IHG_ROLE_NORMAL);
    ihg_canvas_box(cv, r, IHG_ROLE_FOCUS, "Keys", IHG_ROLE_FOCUS);
    for (i = 0; i < n && i + 1 < h - 2; i++) {
        ihg_canvas_fit(cv, x0 + 2, y0 + 1 + i, 16, IHG_ROLE_KEY, ihg_key_help_rows[i].keys);
        ihg_canvas_fit(cv, x0 + 19, y0 + 1 + i, w - 21, IHG_ROLE_NORMAL,
                       ihg_key_help_rows[i].what);
    }
    ihg_canvas_fit(cv, x0 + 2, y0 + h - 2, w - 4, IHG_ROLE_DIM,
                   "press any key to close; see ihgtui(1)");
}

void ihg_render(ihg_canvas *cv, const ihg_view *v, const int *available)
{
    ihg_layout lo;
    int i;
    ihg_canvas_clear(cv);
    ihg_layout_compute(&lo, cv->w, cv->h, available, v->disp.zoom);
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
    /* the help covers the panes whole: no pane shows half a number
     * beside it */
    for (i = 0; i < IHG_PANE_COUNT && !v->disp.help; i++) {
        if (!lo.shown[i])
            continue;
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
}
