/* lesson_ctl.c - a lesson in the explorer (see lesson_ctl.h). */
#include "lesson_ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"
#include "../src/method.h"
#include "layout.h"

struct ihg_lesson_ctl {
    const ihg_lesson *l;
    ihg_lesson_player *p;
    size_t slide;
    int choice;             /* the class's, -1: none   */
    int revealing, revealed, playing;
    ihg_lesson_answer answer;
};

ihg_lesson_ctl *ihg_lesson_ctl_alloc(const ihg_lesson *l)
{
    ihg_lesson_ctl *lc = calloc(1, sizeof *lc);
    if (!lc) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    lc->l = l;
    lc->p = ihg_lesson_player_alloc(l);
    if (!lc->p) {
        free(lc);
        return NULL;
    }
    lc->choice = -1;
    return lc;
}

void ihg_lesson_ctl_free(ihg_lesson_ctl *lc)
{
    if (!lc)
        return;
    ihg_lesson_player_free(lc->p);
    free(lc);
}

int ihg_lesson_ctl_enter(ihg_lesson_ctl *lc, size_t i, const ihg_config **cfg,
                         ihg_session **s)
{
    int st = ihg_lesson_player_goto(lc->p, i);
    if (st != IHG_OK)
        return st;
    lc->slide = i;
    lc->choice = -1;
    lc->revealing = lc->revealed = lc->playing = 0;
    memset(&lc->answer, 0, sizeof lc->answer);
    *s = ihg_lesson_player_session(lc->p);
    *cfg = ihg_session_config(*s);
    return IHG_OK;
}

size_t ihg_lesson_ctl_slide(const ihg_lesson_ctl *lc) { return lc->slide; }
size_t ihg_lesson_ctl_count(const ihg_lesson_ctl *lc) { return lc->l->n_slides; }
const ihg_lesson *ihg_lesson_ctl_lesson(const ihg_lesson_ctl *lc) { return lc->l; }

const ihg_lesson_question *ihg_lesson_ctl_question(const ihg_lesson_ctl *lc)
{
    return lc->l->slides[lc->slide].question;
}

/* An engine action of the explorer. */
static ihg_act act(ihg_action what, long arg, double value, const char *name)
{
    ihg_act a = ihg_act_make(what);
    a.arg = arg;
    a.value = value;
    if (name)
        snprintf(a.name, sizeof a.name, "%s", name);
    return a;
}

size_t ihg_lesson_ctl_script(const ihg_lesson_action *a, size_t n, ihg_act *acts, size_t cap,
                             ihg_display *d, const ihg_display_ctx *x)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const ihg_lesson_action *la = &a[i];
        ihg_act e[2];
        size_t ne = 0;
        switch (la->verb) {
        case IHG_LESSON_OUTER: e[ne++] = act(IHG_ACT_OUTER, la->n, 0, NULL); break;
        case IHG_LESSON_INNER: e[ne++] = act(IHG_ACT_INNER, la->n, 0, NULL); break;
        case IHG_LESSON_RUN: e[ne++] = act(IHG_ACT_RUN, 0, 0, NULL); break;
        case IHG_LESSON_HYPERGRAD: e[ne++] = act(IHG_ACT_TO_HYPERGRAD, 0, 0, NULL); break;
        case IHG_LESSON_TERMS: e[ne++] = act(IHG_ACT_SET_TERMS, la->n, 0, NULL); break;
        case IHG_LESSON_ALPHA: e[ne++] = act(IHG_ACT_SET_ALPHA, 0, la->x, NULL); break;
        case IHG_LESSON_BEST_ALPHA:
            /* as the player: a comparison at this point, then its alpha* */
            e[ne++] = act(IHG_ACT_COMPARE, 0, 0, NULL);
            e[ne++] = act(IHG_ACT_BEST_ALPHA, 0, 0, NULL);
            break;
        case IHG_LESSON_METHOD:
            e[ne++] = act(IHG_ACT_SET_METHOD, 0, 0, la->method->name);
            break;
        case IHG_LESSON_INNER_LR: e[ne++] = act(IHG_ACT_SET_INNER_LR, 0, la->x, NULL); break;
        case IHG_LESSON_OUTER_LR: e[ne++] = act(IHG_ACT_SET_OUTER_LR, 0, la->x, NULL); break;
        case IHG_LESSON_COMPARE: e[ne++] = act(IHG_ACT_COMPARE, 0, 0, NULL); break;
        case IHG_LESSON_RESET: e[ne++] = act(IHG_ACT_RESET, 0, 0, NULL); break;
        /* the display's, at once */
        case IHG_LESSON_FOCUS:
            if (la->n >= 0 && la->n < IHG_PANE_COUNT && x->available[la->n]) {
                d->focus = (int)la->n;
                if (d->zoom >= 0)
                    d->zoom = (int)la->n;
            }
            break;
        case IHG_LESSON_ZOOM:
            if (la->n >= 0 && la->n < IHG_PANE_COUNT && x->available[la->n])
                d->focus = d->zoom = (int)la->n;
            break;
        case IHG_LESSON_UNZOOM: d->zoom = -1; break;
        case IHG_LESSON_LOG: d->log_y = (int)la->n; break;
        case IHG_LESSON_ACCURACY: d->show_acc = x->classifier && la->n; break;
        default: break;
        }
        for (size_t j = 0; j < ne && k < cap; j++)
            acts[k++] = e[j];
    }
    return k;
}

int ihg_lesson_ctl_choose(ihg_lesson_ctl *lc, long choice)
{
    const ihg_lesson_question *q = ihg_lesson_ctl_question(lc);
    if (!q)
        return ihg_error_set(IHG_EINVAL, "this slide asks no question");
    if (choice >= (long)q->n_choices || (choice >= 0 && q->n_choices == 0))
        return ihg_error_set(IHG_EINVAL, "the question has %zu choices", q->n_choices);
    lc->choice = (int)choice;
    return IHG_OK;
}

void ihg_lesson_ctl_revealing(ihg_lesson_ctl *lc, int on) { lc->revealing = on; }
int ihg_lesson_ctl_is_revealing(const ihg_lesson_ctl *lc) { return lc->revealing; }
int ihg_lesson_ctl_revealed(const ihg_lesson_ctl *lc) { return lc->revealed; }
void ihg_lesson_ctl_playing(ihg_lesson_ctl *lc, int on) { lc->playing = on; }
int ihg_lesson_ctl_is_playing(const ihg_lesson_ctl *lc) { return lc->playing; }

void ihg_lesson_ctl_answer(ihg_lesson_ctl *lc, const ihg_session *s, const ihg_comparison *c)
{
    const ihg_lesson_question *q = ihg_lesson_ctl_question(lc);
    lc->revealing = 0;
    if (!q)
        return;
    ihg_lesson_answer_of(q, s, c, &lc->answer);
    lc->revealed = 1;
}

void ihg_lesson_ctl_view(const ihg_lesson_ctl *lc, ihg_lesson_view *v)
{
    const ihg_lesson_slide *sl = &lc->l->slides[lc->slide];
    memset(v, 0, sizeof *v);
    v->on = 1;
    v->title = lc->l->title;
    v->slide = lc->slide;
    v->n_slides = lc->l->n_slides;
    v->slide_title = sl->title;
    v->caption = sl->caption;
    v->notes = sl->notes;
    v->q = sl->question;
    v->playing = lc->playing;
    v->choice = lc->choice;
    v->revealing = lc->revealing;
    v->revealed = lc->revealed;
    v->correct = -1;
    if (lc->revealed) {
        snprintf(v->answer, sizeof v->answer, "%s", lc->answer.text);
        snprintf(v->why, sizeof v->why, "%s", lc->answer.why);
        v->correct = lc->answer.choice;
    }
    v->hidden = sl->question && !lc->revealed ? sl->question->hide : 0;
}
