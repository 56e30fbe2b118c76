/* lesson_save.c - where a session is, written as a lesson or an
 * experiment (lesson.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "lesson.h"
#include "method.h"

/* The settings one outer step is made with. */
typedef struct {
    const ihg_method_type *method;
    long K;
    double alpha, inner_lr, outer_lr;
} step_settings;

/* What a fresh session of cfg starts with (session.c's alloc). */
static void initial_settings(const ihg_config *cfg, step_settings *st)
{
    const ihg_method_type *m = cfg->hypergrad.method;
    st->method = m;
    st->K = m->k_key && strcmp(m->k_key, "iters") == 0      ? cfg->hypergrad.iters
            : m->k_key && strcmp(m->k_key, "truncate") == 0 ? cfg->hypergrad.truncate
                                                              : cfg->hypergrad.terms;
    st->alpha = cfg->hypergrad.alpha > 0 ? cfg->hypergrad.alpha : cfg->inner.lr;
    st->inner_lr = cfg->inner.lr;
    st->outer_lr = cfg->outer.lr;
}

typedef struct {
    FILE *out;
    size_t in_slide;       /* actions written in the current slide      */
    int slides;            /* slides begun                              */
    const char *title;
} writer;

#define ACTIONS_PER_SLIDE 60

static void action(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void action(writer *w, const char *fmt, ...)
{
    char text[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (w->in_slide == ACTIONS_PER_SLIDE) {
        /* a long history: the next slide goes on from this one */
        fprintf(w->out, "]\n  - title: \"%s (%d)\"\n    actions: [", w->title, ++w->slides);
        w->in_slide = 0;
    }
    fprintf(w->out, "%s%s", w->in_slide ? ", " : "", text);
    w->in_slide++;
}

/* The actions that change cur into want. */
static void change(writer *w, step_settings *cur, const step_settings *want, int learned_lr)
{
    if (want->method != cur->method) {
        action(w, "method %s", want->method->name);
        cur->method = want->method;
    }
    if ((want->method->flags & IHG_METHOD_USES_K) && want->K != cur->K) {
        action(w, "K %ld", want->K);
        cur->K = want->K;
    }
    if ((want->method->flags & IHG_METHOD_USES_ALPHA) && want->alpha != cur->alpha) {
        action(w, "alpha %.17g", want->alpha);
        cur->alpha = want->alpha;
    }
    if (!learned_lr && want->inner_lr != cur->inner_lr) {
        action(w, "inner-lr %.17g", want->inner_lr);
        cur->inner_lr = want->inner_lr;
    }
    if (want->outer_lr != cur->outer_lr) {
        action(w, "outer-lr %.17g", want->outer_lr);
        cur->outer_lr = want->outer_lr;
    }
}

int ihg_lesson_save(const ihg_session *s, FILE *out)
{
    const ihg_config *cfg = ihg_session_config(s);
    const ihg_record *hist = ihg_session_history(s);
    size_t n = ihg_session_history_len(s);
    int learned_lr = cfg->inner.learn_lr;
    char title[200], name[120];
    snprintf(name, sizeof name, "%s", cfg->name ? cfg->name : "experiment");
    for (char *p = name; *p; p++) /* a title in double quotes */
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '_';
    snprintf(title, sizeof title, "%s at outer step %ld", name, ihg_session_outer(s));
    fprintf(out, "# Saved by ihgtui: %s.\n"
                 "#   ihgtui FILE           opens it there\n"
                 "#   ihgtui --batch FILE   plays it headless\n",
            title);
    for (size_t j = 0; j < n; j++)
        if (hist[j].restarted)
            fprintf(out, "# Outer step %ld was started again part-way (a new lambda, a "
                         "resume): replayed, it runs from its start instead.\n",
                    hist[j].outer);
    fprintf(out, "lesson: \"%s\"\nslides:\n  - title: \"%s\"\n    experiment:\n", title,
            title);
    int st = ihg_config_write(cfg, out, 6);
    if (st != IHG_OK)
        return st;
    writer w = {out, 0, 1, title};
    fputs("    actions: [", out);
    step_settings cur, want;
    initial_settings(cfg, &cur);
    for (size_t j = 0; j < n;) {
        const ihg_record *r = &hist[j];
        want = (step_settings){r->method, r->terms, r->alpha, r->inner_lr, r->outer_lr};
        change(&w, &cur, &want, learned_lr);
        /* the run of steps made alike */
        size_t k = j;
        while (k < n && hist[k].method == r->method && hist[k].terms == r->terms &&
               hist[k].alpha == r->alpha && hist[k].inner_lr == r->inner_lr &&
               hist[k].outer_lr == r->outer_lr)
            k++;
        action(&w, "outer %zu", k - j);
        j = k;
    }
    /* the settings now, and the step under way */
    want = (step_settings){ihg_session_method(s), ihg_session_terms(s), ihg_session_alpha(s),
                           ihg_session_inner_lr(s), ihg_session_outer_lr(s)};
    ihg_phase ph = ihg_session_phase(s);
    if (ph == IHG_PHASE_STOPPED) {
        action(&w, "outer 1"); /* it stops again, as it did */
        change(&w, &cur, &want, learned_lr);
    } else {
        change(&w, &cur, &want, learned_lr);
        /* the inner steps of this outer step (an attempt that stopped
         * and was made again counts in the total, not here) */
        long partial = ihg_session_inner_done(s);
        if (ph == IHG_PHASE_UPDATE)
            action(&w, "hypergrad");
        else if (ph != IHG_PHASE_DONE && partial > 0)
            action(&w, "inner %ld", partial);
    }
    fputs("]\n", out);
    return ferror(out) ? ihg_error_set(IHG_EWRITE, "write error") : IHG_OK;
}

int ihg_experiment_save(const ihg_session *s, FILE *out)
{
    /* the experiment with the settings now, from its start */
    ihg_config c = *ihg_session_config(s);
    const ihg_method_type *m = ihg_session_method(s);
    c.hypergrad.method = m;
    if (m->flags & IHG_METHOD_USES_K) {
        if (m->k_key && strcmp(m->k_key, "iters") == 0)
            c.hypergrad.iters = ihg_session_terms(s);
        else if (m->k_key && strcmp(m->k_key, "truncate") == 0)
            c.hypergrad.truncate = ihg_session_terms(s);
        else
            c.hypergrad.terms = ihg_session_terms(s);
    }
    c.hypergrad.alpha = ihg_session_alpha(s);
    if (!c.inner.learn_lr)
        c.inner.lr = ihg_session_inner_lr(s);
    c.outer.lr = ihg_session_outer_lr(s);
    fprintf(out, "# Saved by ihgtui: the experiment %s with the settings of outer step %ld "
                 "(it starts from the beginning).\n",
            c.name ? c.name : "", ihg_session_outer(s));
    return ihg_config_write(&c, out, 0);
}
