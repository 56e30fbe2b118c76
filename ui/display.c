/* display.c - the display actions (see display.h). */
#include "display.h"

#include <stdio.h>
#include <string.h>

#include "../src/timer.h"
#include "canvas.h"

void ihg_display_init(ihg_display *d)
{
    memset(d, 0, sizeof *d);
    d->zoom = -1;
    d->focus = IHG_PANE_LOSS;
    d->log_y = 1;
}

int ihg_action_is_display(ihg_action a)
{
    switch (a) {
    case IHG_ACT_LOG: case IHG_ACT_ACCURACY: case IHG_ACT_GREY:
    case IHG_ACT_NEXT_PANE: case IHG_ACT_PREV_PANE: case IHG_ACT_PANE:
    case IHG_ACT_ZOOM: case IHG_ACT_ESCAPE: case IHG_ACT_LEFT: case IHG_ACT_RIGHT:
    case IHG_ACT_UP: case IHG_ACT_DOWN: case IHG_ACT_HELP: case IHG_ACT_NOTES:
        return 1;
    default:
        return 0;
    }
}

static void say(ihg_message *m, int role, const char *text)
{
    snprintf(m->text, sizeof m->text, "%s", text);
    m->role = role;
    m->sticky = 0;
    m->when = ihg_now();
}

static void focus_pane(ihg_display *d, const ihg_display_ctx *x, int id, ihg_message *m)
{
    if (id < 0 || id >= IHG_PANE_COUNT)
        return;
    if (!x->available[id]) {
        snprintf(m->text, sizeof m->text,
                 "pane %d (%s) is for the quadratic model and for distilled or augmented "
                 "images only",
                 id + 1, ihg_pane_name((ihg_pane_id)id));
        m->role = IHG_ROLE_WARN;
        m->sticky = 0;
        m->when = ihg_now();
        return;
    }
    if (d->focus == id)
        d->zoom = d->zoom == id ? -1 : id;
    else {
        d->focus = id;
        if (d->zoom >= 0)
            d->zoom = id;
    }
}

static void cycle_focus(ihg_display *d, const ihg_display_ctx *x, int dir)
{
    int i, id = d->focus;
    for (i = 0; i < IHG_PANE_COUNT; i++) {
        id = (id + dir + IHG_PANE_COUNT) % IHG_PANE_COUNT;
        if (x->available[id])
            break;
    }
    d->focus = id;
    if (d->zoom >= 0)
        d->zoom = id;
}

void ihg_display_handle(ihg_display *d, const ihg_display_ctx *x, const ihg_act *a,
                        ihg_message *m)
{
    m->text[0] = '\0';
    m->when = ihg_now();
    switch (a->action) {
    case IHG_ACT_HELP: d->help = 1; break;
    case IHG_ACT_NOTES:
        if (!x->lesson) {
            say(m, IHG_ROLE_WARN, "notes: only a lesson has notes for the lecturer");
            break;
        }
        d->notes = !d->notes;
        break;
    case IHG_ACT_LOG:
        d->log_y = !d->log_y;
        if (d->show_acc) {
            snprintf(m->text, sizeof m->text,
                     "loss axis now %s (accuracy is always linear; v shows the losses)",
                     d->log_y ? "log" : "linear");
            m->role = IHG_ROLE_DIM;
            m->sticky = 0;
            m->when = ihg_now();
        }
        break;
    case IHG_ACT_ACCURACY:
        if (!x->classifier) {
            say(m, IHG_ROLE_WARN, "accuracy: this model is not a classifier");
            break;
        }
        d->show_acc = !d->show_acc;
        say(m, IHG_ROLE_GOOD, d->show_acc
                ? "losses pane: train/val/test accuracy against outer step (v: losses)"
                : "losses pane: losses (v: accuracy)");
        break;
    case IHG_ACT_GREY:
        if (!x->images && !x->augmented) {
            say(m, IHG_ROLE_WARN,
                "s: grey scaling is for the distilled and augmented images only");
            break;
        }
        d->img_minmax = !d->img_minmax;
        say(m, IHG_ROLE_GOOD, d->img_minmax
                ? "images: grey from each image's min to its max"
                : "images: grey 0..1 (the data's scale), clipped");
        break;
    case IHG_ACT_NEXT_PANE: cycle_focus(d, x, 1); break;
    case IHG_ACT_PREV_PANE: cycle_focus(d, x, -1); break;
    case IHG_ACT_PANE: focus_pane(d, x, (int)a->arg, m); break;
    case IHG_ACT_ZOOM:
        if (a->arg >= 0 && a->arg < IHG_PANE_COUNT) { /* a script: zoom pane arg */
            if (x->available[a->arg])
                d->focus = d->zoom = (int)a->arg;
            else
                focus_pane(d, x, (int)a->arg, m);
        } else {
            d->zoom = d->zoom >= 0 ? -1 : d->focus;
        }
        break;
    case IHG_ACT_ESCAPE: d->zoom = -1; break;
    /* the losses pane scrolls back in time to the left (older steps are
     * on the left of its axis); other panes pan */
    case IHG_ACT_LEFT: d->scroll_x[d->focus] += d->focus == IHG_PANE_LOSS ? 1 : -1; break;
    case IHG_ACT_RIGHT: d->scroll_x[d->focus] -= d->focus == IHG_PANE_LOSS ? 1 : -1; break;
    case IHG_ACT_UP: d->scroll_y[d->focus]--; break;
    case IHG_ACT_DOWN: d->scroll_y[d->focus]++; break;
    default: break;
    }
    /* scroll offsets: losses look back, lists and text start at 0 */
    if (d->scroll_x[IHG_PANE_LOSS] < 0) d->scroll_x[IHG_PANE_LOSS] = 0;
    if (d->scroll_y[IHG_PANE_HYPER] < 0) d->scroll_y[IHG_PANE_HYPER] = 0;
    if (d->scroll_y[IHG_PANE_HYPER] > (int)x->n_lambda) d->scroll_y[IHG_PANE_HYPER] = (int)x->n_lambda;
    if (d->scroll_y[IHG_PANE_THEORY] < 0) d->scroll_y[IHG_PANE_THEORY] = 0;
    if (d->scroll_y[IHG_PANE_THEORY] > 20) d->scroll_y[IHG_PANE_THEORY] = 20;
}
