/* render.c - one whole frame: status bar, panes, hints, help overlay. */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "layout.h"
#include "view.h"

void ihg_view_from_session(ihg_view *v, const ihg_session *s)
{
    const ihg_config *cfg = ihg_session_config(s);
    const ihg_model *m = ihg_session_model(s);
    v->name = cfg->name ? cfg->name : "experiment";
    v->seed = cfg->seed;
    v->model_kind = m->type->name;
    v->P = m->P;
    v->Hn = ihg_session_n_hyper(s);
    v->layout = ihg_session_layout(s);
    v->exact_max = cfg->hypergrad.exact_max;
    v->outer_done = ihg_session_outer(s);
    v->outer_total = cfg->outer.steps;
    v->inner_all = ihg_session_inner_total(s);
    v->phase = ihg_session_phase(s);
    v->phase_name = ihg_phase_name(v->phase);
    ihg_session_progress(s, &v->prog_done, &v->prog_total);
    v->method = ihg_session_method(s);
    v->method_name = v->method->name;
    v->terms = ihg_session_terms(s);
    v->alpha = ihg_session_alpha(s);
    v->stop_reason = ihg_session_message(s);
    v->hist = ihg_session_history(s);
    v->nhist = ihg_session_history_len(s);
    v->lambda = ihg_session_lambda(s);
    v->hypergrad = ihg_session_hypergrad(s);
    v->theta = ihg_session_theta(s);
    ihg_view_images(v, m, ihg_session_dataset(s));
}

int ihg_view_images(ihg_view *v, const ihg_model *m, const ihg_dataset *ds)
{
    size_t d;
    v->img_k = v->img_rows = v->img_cols = 0;
    v->img_fashion = 0;
    if (!m || !ds || strcmp(m->type->name, "distill") != 0 || ds->image_rows == 0 ||
        ds->image_cols == 0)
        return 0;
    d = ds->image_rows * ds->image_cols;
    if (m->Hn == 0 || m->Hn % d != 0)
        return 0;
    v->img_k = m->Hn / d;
    v->img_rows = ds->image_rows;
    v->img_cols = ds->image_cols;
    /* the IDX reader names the default data set "Fashion-MNIST: ..." */
    v->img_fashion = v->img_k == 10 && ds->source &&
                     strncmp(ds->source, "Fashion-MNIST", 13) == 0;
    return 1;
}

void ihg_view_available(const ihg_model *m, const ihg_dataset *ds, int *available)
{
    ihg_view probe;
    int i;
    for (i = 0; i < IHG_PANE_COUNT; i++)
        available[i] = 1;
    available[IHG_PANE_2D] = (m->P == 2 && m->Hn <= 2 && m->type->solve_inner != NULL) ||
                             ihg_view_images(&probe, m, ds);
}

const char *ihg_view_pane_name(const ihg_view *v, ihg_pane_id id)
{
    if (id == IHG_PANE_2D && v->img_k > 0)
        return "Distilled images";
    return ihg_pane_name(id);
}

ihg_rect ihg_pane_frame(ihg_canvas *cv, ihg_rect r, const ihg_view *v,
                        ihg_pane_id id, const char *extra)
{
    char title[160];
    int focused = v->focus == (int)id;
    ihg_rect in = {r.x + 1, r.y + 1, r.w - 2, r.h - 2};
    snprintf(title, sizeof title, "%d %s%s%s%s", (int)id + 1, ihg_view_pane_name(v, id),
             extra && *extra ? " " : "", extra ? extra : "",
             v->zoom == (int)id ? " [zoom]" : "");
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
        ihg_canvas_text(cv, x0 + 2, y0 + 1 + i, 16, IHG_ROLE_KEY, ihg_key_help_rows[i].keys);
        ihg_canvas_text(cv, x0 + 19, y0 + 1 + i, w - 21, IHG_ROLE_NORMAL,
                        ihg_key_help_rows[i].what);
    }
    ihg_canvas_text(cv, x0 + 2, y0 + h - 2, w - 4, IHG_ROLE_DIM,
                    "press any key to close; see ihgtui(1)");
}

void ihg_render(ihg_canvas *cv, const ihg_view *v, const int *available)
{
    ihg_layout lo;
    int i;
    ihg_canvas_clear(cv);
    ihg_layout_compute(&lo, cv->w, cv->h, available, v->zoom);
    if (lo.too_small) {
        char msg[96];
        int l;
        ihg_layout_too_small_text(msg, sizeof msg, cv->w, cv->h, cv->ascii);
        l = ihg_text_width(msg);
        ihg_canvas_text(cv, l < cv->w ? (cv->w - l) / 2 : 0, cv->h / 2, cv->w,
                        IHG_ROLE_BAD, msg);
        if (cv->h / 2 + 1 < cv->h)
            ihg_canvas_text(cv, cv->w > 22 ? (cv->w - 22) / 2 : 0, cv->h / 2 + 1, cv->w,
                            IHG_ROLE_DIM, "enlarge it, or q to quit");
        return;
    }
    ihg_pane_status(cv, lo.status, v);
    for (i = 0; i < IHG_PANE_COUNT; i++) {
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
            else
                ihg_pane_2d(cv, lo.pane[i], v);
            break;
        default: break;
        }
    }
    ihg_pane_hints(cv, lo.hints, v);
    if (v->help)
        ihg_help_overlay(cv, v);
}
