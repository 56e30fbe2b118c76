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
    if (v->seeds_progress) { /* the run waits for the seeds */
        snprintf(buf, size, "seeds: %s", v->seeds_progress);
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
    char phase[96], alpha[16], n1[24], n2[24], name[160], seed[48], outer[64], settings[96],
        state[32], total[48], traj[48];
    int explicit_, n;
    /* narrow screens: tighter separators */
    const char *sep = r.w < 110 ? IHG_TXT(cv, "\xe2\x94\x82", "|")
                                : IHG_TXT(cv, " \xe2\x94\x82 ", " | ");
    int state_role;
    ihg_item it[8];
    ihg_canvas_fill(cv, r, L' ', IHG_ROLE_STATUS);
    phase_text(phase, sizeof phase, v);
    ihg_format_short(alpha, sizeof alpha, v->alpha, 7);
    if (v->phase == IHG_PHASE_STOPPED) {
        snprintf(state, sizeof state, " STOPPED ");
        state_role = IHG_ROLE_BAD;
    } else if (v->phase == IHG_PHASE_DONE) {
        snprintf(state, sizeof state, " DONE ");
        state_role = IHG_ROLE_WARN;
    } else if (v->running) {
        snprintf(state, sizeof state, " %s ", IHG_TXT(cv, "\xe2\x96\xb6 RUNNING", "> RUNNING"));
        state_role = IHG_ROLE_GOOD;
    } else {
        snprintf(state, sizeof state, " %s ", IHG_TXT(cv, "\xe2\x8f\xb8 PAUSED", "|| PAUSED"));
        state_role = IHG_ROLE_WARN;
    }
    snprintf(name, sizeof name, "%s", v->name ? v->name : "?");
    ihg_format_int(n1, sizeof n1, (long)v->seed);
    snprintf(seed, sizeof seed, "seed %s", n1);
    ihg_format_int(n1, sizeof n1, v->outer_done);
    ihg_format_int(n2, sizeof n2, v->outer_total);
    snprintf(outer, sizeof outer, "outer %s/%s", n1, n2);
    ihg_format_int(n1, sizeof n1, v->terms);
    explicit_ = v->method && (v->method->flags & IHG_METHOD_EXPLICIT);
    traj[0] = '\0';
    if (explicit_) {
        /* K counts inner steps of the reverse pass (of T); no alpha */
        ihg_format_int(n2, sizeof n2, v->inner_steps);
        if (v->method->flags & IHG_METHOD_USES_K)
            snprintf(settings, sizeof settings, "%s K=%s/%s steps",
                     v->method_name ? v->method_name : "?",
                     v->terms > 0 && v->terms < v->inner_steps ? n1 : n2, n2);
        else
            snprintf(settings, sizeof settings, "%s T=%s steps",
                     v->method_name ? v->method_name : "?", n2);
        if (v->hg_bytes > 0) {
            char mb[32];
            ihg_format_bytes(mb, sizeof mb, v->hg_bytes);
            snprintf(traj, sizeof traj, "traj %s", mb);
        }
    } else {
        snprintf(settings, sizeof settings, "%s K=%s %s=%s",
                 v->method_name ? v->method_name : "?", n1, IHG_TXT(cv, "\xce\xb1", "alpha"),
                 alpha);
    }
    ihg_format_int(n1, sizeof n1, v->inner_all);
    snprintf(total, sizeof total, "inner total %s", n1);
    /* the settings and the state always; then the outer count, what runs
     * now, the seed and the total of inner steps as room allows */
    n = 0;
    /* with an explicit method the trajectory's memory follows the
     * settings and is kept before the experiment's name */
    it[n++] = (ihg_item){name, traj[0] ? 4 : 3, IHG_ROLE_STATUS};
    it[n++] = (ihg_item){seed, 5, IHG_ROLE_STATUS};
    it[n++] = (ihg_item){outer, 1, IHG_ROLE_STATUS};
    it[n++] = (ihg_item){phase, 2, IHG_ROLE_STATUS};
    it[n++] = (ihg_item){settings, 0, IHG_ROLE_STATUS};
    if (traj[0])
        it[n++] = (ihg_item){traj, 3, IHG_ROLE_STATUS};
    it[n++] = (ihg_item){state, 0, state_role};
    it[n++] = (ihg_item){total, 6, IHG_ROLE_STATUS};
    ihg_canvas_items(cv, r.x + 1, r.y, r.w - 2, it, n, sep, IHG_ROLE_STATUS);
}

void ihg_pane_hints(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    int x = r.x + 1, i;
    ihg_canvas_fill(cv, r, L' ', IHG_ROLE_NORMAL);
    if (v->message && *v->message) {
        ihg_audit_numbers_in(v->message); /* printed by the engine, whole */
        ihg_canvas_fit(cv, x, r.y, r.w - 2, v->message_role, v->message);
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
