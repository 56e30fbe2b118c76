/* lesson_player.c - playing a lesson's slides (lesson_player.h). */
#include "lesson_player.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsonl.h"

struct ihg_lesson_player {
    const ihg_lesson *l;
    ihg_session **sessions;         /* per experiment, made when needed     */
    ihg_session_state **initial;    /* per experiment: as it was made       */
    ihg_comparison **cmps;          /* per experiment                       */
    ihg_session_state **start;      /* per slide: where it begins (a
                                       continuing slide, when between outer
                                       steps), NULL: not kept              */
    size_t slide;
    int cmp_valid;                  /* cmps[current] is at the current point */
};

ihg_lesson_player *ihg_lesson_player_alloc(const ihg_lesson *l)
{
    ihg_lesson_player *p = calloc(1, sizeof *p);
    size_t nc = l->n_configs ? l->n_configs : 1, ns = l->n_slides ? l->n_slides : 1;
    if (p) {
        p->l = l;
        p->sessions = calloc(nc, sizeof *p->sessions);
        p->initial = calloc(nc, sizeof *p->initial);
        p->cmps = calloc(nc, sizeof *p->cmps);
        p->start = calloc(ns, sizeof *p->start);
    }
    if (!p || !p->sessions || !p->initial || !p->cmps || !p->start) {
        ihg_lesson_player_free(p);
        ihg_error_set(IHG_ENOMEM, "out of memory (lesson)");
        return NULL;
    }
    return p;
}

void ihg_lesson_player_free(ihg_lesson_player *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->sessions && i < p->l->n_configs; i++) {
        ihg_session_free(p->sessions[i]);
        ihg_session_state_free(p->initial[i]);
        ihg_comparison_free(p->cmps[i]);
    }
    for (size_t i = 0; p->start && i < p->l->n_slides; i++)
        ihg_session_state_free(p->start[i]);
    free(p->sessions);
    free(p->initial);
    free(p->cmps);
    free(p->start);
    free(p);
}

static size_t config_of(const ihg_lesson_player *p) { return p->l->slides[p->slide].config; }

ihg_session *ihg_lesson_player_session(const ihg_lesson_player *p)
{
    return p->sessions[config_of(p)];
}

const ihg_comparison *ihg_lesson_player_comparison(const ihg_lesson_player *p)
{
    return p->cmp_valid ? p->cmps[config_of(p)] : NULL;
}

size_t ihg_lesson_player_slide(const ihg_lesson_player *p) { return p->slide; }

/* The session of experiment c, made (and its first state kept) when
 * first needed. */
static int ensure_session(ihg_lesson_player *p, size_t c)
{
    if (p->sessions[c])
        return IHG_OK;
    ihg_session *s = ihg_session_alloc(&p->l->configs[c]);
    if (!s)
        return ihg_error_status();
    /* explicit methods join a comparison when the inner loop is recorded
     * (when it cannot be, the comparison says why) */
    ihg_session_record_trajectory(s, 1);
    ihg_error_clear();
    ihg_session_state *st = ihg_session_save(s);
    if (!st) {
        ihg_session_free(s);
        return ihg_error_status();
    }
    p->sessions[c] = s;
    p->initial[c] = st;
    return IHG_OK;
}

int ihg_lesson_player_compare(ihg_lesson_player *p)
{
    size_t c = config_of(p);
    ihg_session *s = p->sessions[c];
    if (!p->cmps[c]) {
        p->cmps[c] = ihg_comparison_alloc(ihg_session_n_hyper(s),
                                          p->l->configs[c].hypergrad.compare_max);
        if (!p->cmps[c])
            return ihg_error_status();
    }
    int st = ihg_compare_run(s, p->cmps[c]);
    p->cmp_valid = st == IHG_OK;
    return st;
}

/* Outer or inner steps; a stopped run is resumed first, as the explorer
 * does when asked to step again. */
static int steps(ihg_session *s, int outer, long n)
{
    if (ihg_session_phase(s) == IHG_PHASE_STOPPED && ihg_session_resume(s) != IHG_OK)
        return ihg_error_status();
    for (long i = 0; i < n && !ihg_session_finished(s); i++) {
        int st = outer ? ihg_session_outer_step(s, NULL) : ihg_session_inner_step(s, NULL);
        if (st == IHG_EDIVERGE)
            return IHG_OK; /* stopped: shown, not an error */
        if (st != IHG_OK)
            return st;
    }
    return IHG_OK;
}

/* The outer step under way up to its hypergradient (phase UPDATE). */
static int to_hypergrad(ihg_session *s)
{
    if (ihg_session_phase(s) == IHG_PHASE_STOPPED && ihg_session_resume(s) != IHG_OK)
        return ihg_error_status();
    while (ihg_session_phase(s) != IHG_PHASE_UPDATE && !ihg_session_finished(s)) {
        int st = ihg_session_step(s, 1, NULL);
        if (st == IHG_EDIVERGE)
            return IHG_OK; /* stopped: shown, not an error */
        if (st != IHG_OK)
            return st;
    }
    return IHG_OK;
}

int ihg_lesson_player_act(ihg_lesson_player *p, const ihg_lesson_action *a)
{
    ihg_session *s = ihg_lesson_player_session(p);
    int st = IHG_OK;
    if (ihg_lesson_action_changes_run(a) && a->verb != IHG_LESSON_TERMS &&
        a->verb != IHG_LESSON_METHOD && a->verb != IHG_LESSON_INNER_LR &&
        a->verb != IHG_LESSON_OUTER_LR)
        p->cmp_valid = 0;
    switch (a->verb) {
    case IHG_LESSON_OUTER: st = steps(s, 1, a->n); break;
    case IHG_LESSON_INNER: st = steps(s, 0, a->n); break;
    case IHG_LESSON_RUN: st = steps(s, 1, ihg_session_config(s)->outer.steps); break;
    case IHG_LESSON_HYPERGRAD: st = to_hypergrad(s); break;
    case IHG_LESSON_TERMS: st = ihg_session_set_terms(s, a->n); break;
    case IHG_LESSON_ALPHA: st = ihg_session_set_alpha(s, a->x); break;
    case IHG_LESSON_BEST_ALPHA: {
        st = ihg_lesson_player_compare(p);
        double best = st == IHG_OK ? p->cmps[config_of(p)]->alpha_best : NAN;
        if (st == IHG_OK && !isfinite(best))
            st = ihg_error_set(IHG_EINVAL, "best-alpha needs the spectrum of H, positive "
                               "definite (P <= hypergrad.exact_max)");
        if (st == IHG_OK)
            st = ihg_session_set_alpha(s, best);
        p->cmp_valid = 0; /* made at the old alpha */
        break;
    }
    case IHG_LESSON_METHOD: st = ihg_session_set_method(s, a->method); break;
    case IHG_LESSON_INNER_LR: st = ihg_session_set_inner_lr(s, a->x); break;
    case IHG_LESSON_OUTER_LR: st = ihg_session_set_outer_lr(s, a->x); break;
    case IHG_LESSON_COMPARE: st = ihg_lesson_player_compare(p); break;
    case IHG_LESSON_RESET: st = ihg_session_reset(s); break;
    default: break; /* the display's */
    }
    return st;
}

int ihg_lesson_player_play(ihg_lesson_player *p, size_t *failed)
{
    const ihg_lesson_slide *sl = &p->l->slides[p->slide];
    for (size_t i = 0; i < sl->n_actions; i++) {
        int st = ihg_lesson_player_act(p, &sl->actions[i]);
        if (st != IHG_OK) {
            if (failed)
                *failed = i;
            return st;
        }
    }
    return IHG_OK;
}

/* The reveal's actions, and a comparison when the answer needs one. */
static int reveal_actions(ihg_lesson_player *p, const ihg_lesson_question *q)
{
    for (size_t i = 0; i < q->n_reveal; i++) {
        int st = ihg_lesson_player_act(p, &q->reveal[i]);
        if (st != IHG_OK)
            return st;
    }
    if (ihg_lesson_needs_comparison(q) && !p->cmp_valid)
        return ihg_lesson_player_compare(p);
    return IHG_OK;
}

int ihg_lesson_player_reveal(ihg_lesson_player *p, ihg_lesson_answer *a)
{
    const ihg_lesson_question *q = p->l->slides[p->slide].question;
    if (!q)
        return ihg_error_set(IHG_EINVAL, "slide %zu has no question", p->slide + 1);
    int st = reveal_actions(p, q);
    if (st != IHG_OK)
        return st;
    return ihg_lesson_answer_of(q, ihg_lesson_player_session(p),
                                ihg_lesson_player_comparison(p), a);
}

/* Slide i as it starts, when it starts a run or its start was kept. */
static int start_known(ihg_lesson_player *p, size_t i)
{
    const ihg_lesson_slide *sl = &p->l->slides[i];
    int st;
    if (sl->fresh) {
        if ((st = ensure_session(p, sl->config)) != IHG_OK)
            return st;
        return ihg_session_restore(p->sessions[sl->config], p->initial[sl->config]);
    }
    return ihg_session_restore(p->sessions[sl->config], p->start[i]);
}

int ihg_lesson_player_goto(ihg_lesson_player *p, size_t slide)
{
    if (slide >= p->l->n_slides)
        return ihg_error_set(IHG_EINVAL, "no slide %zu (the lesson has %zu)", slide + 1,
                             p->l->n_slides);
    size_t k = slide;
    while (k > 0 && !p->l->slides[k].fresh && !p->start[k])
        k--;
    p->slide = k;
    p->cmp_valid = 0;
    int st = start_known(p, k);
    /* play the slides in between, keeping each start met between steps */
    while (st == IHG_OK && p->slide < slide) {
        const ihg_lesson_slide *sl = &p->l->slides[p->slide];
        size_t failed = 0;
        st = ihg_lesson_player_play(p, &failed);
        if (st != IHG_OK) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s", ihg_error_message());
            st = ihg_error_at(st, p->l->path, sl->actions[failed].mark.line,
                              sl->actions[failed].mark.column, "%s: %s",
                              sl->actions[failed].text, msg);
            break;
        }
        if (sl->question && (st = reveal_actions(p, sl->question)) != IHG_OK)
            break;
        p->slide++;
        p->cmp_valid = 0;
        const ihg_lesson_slide *next = &p->l->slides[p->slide];
        if (next->fresh) {
            st = start_known(p, p->slide);
        } else if (!p->start[p->slide] &&
                   ihg_session_at_boundary(p->sessions[next->config])) {
            p->start[p->slide] = ihg_session_save(p->sessions[next->config]);
            if (!p->start[p->slide])
                st = ihg_error_status();
        }
    }
    return st;
}

/* ---- --batch LESSON ------------------------------------------------------ */

static void write_compare(ihg_json *j, const ihg_comparison *c, const ihg_session *s)
{
    ihg_json_key(j, "compare");
    ihg_json_begin_object(j);
    ihg_json_key(j, "reference");
    ihg_json_string(j, c->reference_exact ? "exact" : "cg");
    ihg_json_key(j, "alpha");
    ihg_json_number(j, c->alpha);
    ihg_json_key(j, "rho");
    ihg_json_number(j, c->rho);
    ihg_json_key(j, "eig_min");
    ihg_json_number(j, c->eig_min);
    ihg_json_key(j, "eig_max");
    ihg_json_number(j, c->eig_max);
    ihg_json_key(j, "kappa");
    ihg_json_number(j, c->kappa);
    ihg_json_key(j, "best_alpha");
    ihg_json_number(j, c->alpha_best);
    ihg_json_key(j, "n_unstable");
    ihg_json_integer(j, c->n_unstable);
    /* each method's error at the session's K (a method without K: its one) */
    ihg_json_key(j, "K");
    ihg_json_integer(j, ihg_session_terms(s));
    ihg_json_key(j, "rel_err");
    ihg_json_begin_object(j);
    for (size_t i = 0; i < c->n_methods; i++) {
        if (!c->method[i].ran)
            continue;
        ihg_json_key(j, c->method[i].type->name);
        ihg_json_number(j, ihg_comparison_error(c, c->method[i].type->name,
                                                ihg_session_terms(s)));
    }
    ihg_json_end_object(j);
    ihg_json_end_object(j);
}

static void write_actions(ihg_json *j, const char *key, const ihg_lesson_action *a, size_t n)
{
    ihg_json_key(j, key);
    ihg_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        ihg_json_string(j, a[i].text);
    ihg_json_end_array(j);
}

/* Where the run is: outer steps, settings, the last record, a stop. */
static void write_state(ihg_json *j, ihg_session *s)
{
    const ihg_model *m = ihg_session_model(s);
    const ihg_dataset *ds = ihg_session_dataset(s);
    ihg_json_key(j, "outer");
    ihg_json_integer(j, ihg_session_outer(s));
    ihg_json_key(j, "method");
    ihg_json_string(j, ihg_session_method(s)->name);
    ihg_json_key(j, "K");
    ihg_json_integer(j, ihg_session_terms(s));
    ihg_json_key(j, "alpha");
    ihg_json_number(j, ihg_session_alpha(s));
    ihg_json_key(j, "inner_lr");
    ihg_json_number(j, ihg_session_inner_lr(s));
    ihg_json_key(j, "outer_lr");
    ihg_json_number(j, ihg_session_outer_lr(s));
    size_t n = ihg_session_history_len(s);
    if (n > 0) {
        ihg_json_key(j, "record");
        ihg_json_begin_object(j);
        ihg_json_record(j, &ihg_session_history(s)[n - 1], m->type->accuracy != NULL,
                        ds->test != NULL);
        ihg_json_end_object(j);
    }
    if (ihg_session_phase(s) == IHG_PHASE_STOPPED) {
        ihg_json_key(j, "stopped");
        ihg_json_string(j, ihg_session_message(s));
    }
}

int ihg_lesson_player_prepare(ihg_lesson_player *p, const char **list)
{
    size_t n = 0;
    if (p->l->path && strcmp(p->l->path, "<built-in>") != 0)
        list[n++] = p->l->path;
    for (size_t c = 0; c < p->l->n_configs; c++) {
        int st = ensure_session(p, c);
        if (st != IHG_OK) {
            list[n] = NULL;
            return st;
        }
        const char *in[IHG_MAX_INPUTS + 1];
        ihg_run_inputs(&p->l->configs[c], ihg_session_dataset(p->sessions[c]), in);
        for (size_t i = 0; in[i]; i++)
            list[n++] = in[i];
    }
    list[n] = NULL;
    return IHG_OK;
}

int ihg_lesson_batch_run(const ihg_lesson *l, const char *output)
{
    ihg_lesson_player *p = ihg_lesson_player_alloc(l);
    const char **inputs = malloc((IHG_LESSON_INPUTS_MAX(l) + 1) * sizeof *inputs);
    const char *out_name = output ? output : "standard output";
    FILE *out = stdout;
    ihg_json j;
    int rc = 0;
    ihg_json_init(&j);
    if (!p || !inputs) {
        fprintf(stderr, "ihgtui: out of memory\n");
        rc = 1;
        goto done;
    }
    /* every experiment set up first: then the output, never an input */
    int st = ihg_lesson_player_prepare(p, inputs);
    if (st == IHG_OK && output && !(out = ihg_output_open(output, inputs)))
        st = ihg_error_status();
    if (st != IHG_OK) {
        ihg_error_print(stderr);
        rc = ihg_exit_status(st);
        out = NULL;
        goto done;
    }
    for (size_t i = 0; i < l->n_slides && rc == 0; i++) {
        const ihg_lesson_slide *sl = &l->slides[i];
        st = ihg_lesson_player_goto(p, i);
        if (st != IHG_OK) {
            ihg_error_print(stderr);
            rc = ihg_exit_status(st);
            break;
        }
        size_t failed = 0;
        st = ihg_lesson_player_play(p, &failed);
        if (st != IHG_OK) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s", ihg_error_message());
            ihg_error_at(st, l->path, sl->actions[failed].mark.line,
                         sl->actions[failed].mark.column, "slide %zu: %s: %s", i + 1,
                         sl->actions[failed].text, msg);
            ihg_error_print(stderr);
            rc = 1;
            break;
        }
        ihg_session *s = ihg_lesson_player_session(p);
        ihg_json_begin_object(&j);
        ihg_json_key(&j, "slide");
        ihg_json_integer(&j, (long)i + 1);
        ihg_json_key(&j, "title");
        ihg_json_string(&j, sl->title);
        if (sl->caption) {
            ihg_json_key(&j, "caption");
            ihg_json_string(&j, sl->caption);
        }
        ihg_json_key(&j, "experiment");
        ihg_json_string(&j, ihg_session_config(s)->name);
        ihg_json_key(&j, "fresh");
        ihg_json_bool(&j, sl->fresh);
        write_actions(&j, "actions", sl->actions, sl->n_actions);
        write_state(&j, s);
        if (ihg_lesson_player_comparison(p))
            write_compare(&j, ihg_lesson_player_comparison(p), s);
        if (sl->question) {
            const ihg_lesson_question *q = sl->question;
            ihg_lesson_answer a;
            st = ihg_lesson_player_reveal(p, &a);
            ihg_json_key(&j, "question");
            ihg_json_begin_object(&j);
            ihg_json_key(&j, "ask");
            ihg_json_string(&j, q->ask);
            if (q->n_choices) {
                ihg_json_key(&j, "choices");
                ihg_json_begin_array(&j);
                for (size_t c = 0; c < q->n_choices; c++)
                    ihg_json_string(&j, q->choices[c]);
                ihg_json_end_array(&j);
            }
            ihg_json_key(&j, "answer");
            ihg_json_string(&j, q->answer);
            write_actions(&j, "reveal", q->reveal, q->n_reveal);
            if (st == IHG_OK) {
                ihg_json_key(&j, "value");
                ihg_json_number(&j, a.value);
                ihg_json_key(&j, "shown");
                ihg_json_string(&j, a.text);
                if (q->n_choices) {
                    ihg_json_key(&j, "correct");
                    if (a.choice >= 0)
                        ihg_json_string(&j, q->choices[a.choice]);
                    else
                        ihg_json_null(&j);
                }
                if (a.why[0]) {
                    ihg_json_key(&j, "why");
                    ihg_json_string(&j, a.why);
                }
                ihg_json_key(&j, "after");
                ihg_json_begin_object(&j);
                write_state(&j, s);
                ihg_json_end_object(&j);
            }
            ihg_json_end_object(&j);
            if (st != IHG_OK) {
                char msg[600];
                snprintf(msg, sizeof msg, "%s", ihg_error_message());
                ihg_error_at(st, l->path, q->mark.line, q->mark.column,
                             "slide %zu: the reveal failed: %s", i + 1, msg);
                ihg_error_print(stderr);
                rc = 1;
            }
        }
        ihg_json_end_object(&j);
        if (ihg_json_write_line(&j, out) != 0) {
            fprintf(stderr, "ihgtui: %s: %s\n", out_name, ihg_error_message());
            rc = 1;
        }
    }
    if (rc == 0) {
        char shown[128]; /* the title comes from the file: escaped */
        fprintf(stderr, "ihgtui: %s: %zu slides played\n",
                ihg_yaml_show(l->title, strlen(l->title), shown, sizeof shown), l->n_slides);
    }
done:
    if (out && ihg_output_close(out, out_name) != IHG_OK) {
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        rc = rc ? rc : 1;
    }
    ihg_json_free(&j);
    free(inputs);
    ihg_lesson_player_free(p);
    return rc;
}
