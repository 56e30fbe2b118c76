/* pane_status.c - the status bar (top row) and the hint/message line
 * (bottom row). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "keys.h"
#include "view.h"

static void phase_text(char *buf, size_t size, const ihg_view *v)
{
    if (v->cmp_progress) { /* the session waits for the comparison */
        snprintf(buf, size, "comparing: %s", v->cmp_progress);
        return;
    }
    switch (v->phase) {
    case IHG_PHASE_INNER:
        if (v->prog_total > 0)
            snprintf(buf, size, "inner step %ld/%ld", v->prog_done, v->prog_total);
        else
            snprintf(buf, size, "inner step %ld (to tol)", v->prog_done);
        break;
    case IHG_PHASE_SOLVE:
        if (v->method && (v->method->flags & IHG_METHOD_USES_K))
            snprintf(buf, size, "%s %s %ld/%ld", v->method->label, v->method->unit,
                     v->prog_done, v->prog_total);
        else
            snprintf(buf, size, "%s", v->method ? v->method->title : "?");
        break;
    case IHG_PHASE_HYPERGRAD: snprintf(buf, size, "J^T q"); break;
    case IHG_PHASE_UPDATE: snprintf(buf, size, "hyper-update"); break;
    case IHG_PHASE_DONE: snprintf(buf, size, "done"); break;
    case IHG_PHASE_STOPPED: snprintf(buf, size, "diverged (see below)"); break;
    default: snprintf(buf, size, "%s", v->phase_name ? v->phase_name : "?"); break;
    }
}

void ihg_pane_status(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char phase[96], alpha[16], buf[400];
    /* narrow screens: tighter separators so K and alpha stay visible */
    const char *sep = r.w < 110 ? IHG_TXT(cv, "\xe2\x94\x82", "|")
                                : IHG_TXT(cv, " \xe2\x94\x82 ", " | ");
    int x, n, state_role;
    const char *state;
    ihg_canvas_fill(cv, r, L' ', IHG_ROLE_STATUS);
    phase_text(phase, sizeof phase, v);
    ihg_format_short(alpha, sizeof alpha, v->alpha, 7);
    if (v->phase == IHG_PHASE_STOPPED) {
        state = "STOPPED";
        state_role = IHG_ROLE_BAD;
    } else if (v->phase == IHG_PHASE_DONE) {
        state = "DONE";
        state_role = IHG_ROLE_WARN;
    } else if (v->running) {
        state = IHG_TXT(cv, "\xe2\x96\xb6 RUNNING", "> RUNNING");
        state_role = IHG_ROLE_GOOD;
    } else {
        state = IHG_TXT(cv, "\xe2\x8f\xb8 PAUSED", "|| PAUSED");
        state_role = IHG_ROLE_WARN;
    }
    x = r.x;
    n = ihg_canvas_printf(cv, x, r.y, r.w, IHG_ROLE_STATUS, " %s", v->name ? v->name : "?");
    x += n;
    /* the settings (method, K, alpha) must stay whole: on a narrow line
     * the seed goes first, then the outer count */
    for (int variant = 0; variant < 3; variant++) {
        char seedtxt[40] = "", outertxt[48] = "";
        if (variant < 1)
            snprintf(seedtxt, sizeof seedtxt, "%sseed %lu", sep, v->seed);
        if (variant < 2)
            snprintf(outertxt, sizeof outertxt, "%souter %ld/%ld", sep, v->outer_done,
                     v->outer_total);
        snprintf(buf, sizeof buf, "%s%s%s%s%s%s K=%ld %s=%s", seedtxt, outertxt, sep,
                 phase, sep, v->method_name ? v->method_name : "?", v->terms,
                 IHG_TXT(cv, "\xce\xb1", "alpha"), alpha);
        if (x + ihg_text_width(buf) + ihg_text_width(sep) + ihg_text_width(state) + 2 <=
            r.x + r.w)
            break;
    }
    x += ihg_canvas_text(cv, x, r.y, r.x + r.w - x, IHG_ROLE_STATUS, buf);
    x += ihg_canvas_text(cv, x, r.y, r.x + r.w - x, IHG_ROLE_STATUS, sep);
    /* the state stays visible: right-align it when the line is full */
    n = ihg_text_width(state) + 2;
    if (x + n > r.x + r.w)
        x = r.x + r.w - n;
    ihg_canvas_set(cv, x, r.y, L' ', state_role);
    ihg_canvas_text(cv, x + 1, r.y, n - 1, state_role, state);
    ihg_canvas_set(cv, x + n - 1, r.y, L' ', state_role);
    x += n;
    if (x + 14 < r.x + r.w) {
        snprintf(buf, sizeof buf, "%sinner total %ld", sep, v->inner_all);
        ihg_canvas_text(cv, x, r.y, r.x + r.w - x, IHG_ROLE_STATUS, buf);
    }
}

void ihg_pane_hints(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    int x = r.x + 1, i;
    ihg_canvas_fill(cv, r, L' ', IHG_ROLE_NORMAL);
    if (v->message && *v->message) {
        ihg_canvas_text(cv, x, r.y, r.w - 2, v->message_role, v->message);
        return;
    }
    for (i = 0; ihg_key_hint_rows[i].keys; i++) {
        int need = ihg_text_width(ihg_key_hint_rows[i].keys) +
                   ihg_text_width(ihg_key_hint_rows[i].what) + 3;
        if (x + need > r.x + r.w)
            break;
        x += ihg_canvas_text(cv, x, r.y, r.w, IHG_ROLE_KEY, ihg_key_hint_rows[i].keys);
        x += 1;
        x += ihg_canvas_text(cv, x, r.y, r.w, IHG_ROLE_DIM, ihg_key_hint_rows[i].what);
        x += 2;
    }
}
