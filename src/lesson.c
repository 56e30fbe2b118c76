/* lesson.c - reading and checking a lesson (lesson.h), and the answers
 * of its questions. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "lesson.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "method.h"
#include "number.h"

/* ---- names ------------------------------------------------------------ */

/* NULL-terminated: ihg_yaml_closest reads the list to its end */
static const char *const verb_names[IHG_LESSON_VERBS + 1] = {
    "outer", "inner", "run", "hypergrad", "K", "alpha", "best-alpha", "method", "inner-lr",
    "outer-lr", "compare", "reset", "focus", "zoom", "unzoom", "log", "accuracy", NULL};

/* What each verb takes: 0 nothing, 'n' an optional count, 'K' a count,
 * 'x' a number, 'm' a method, 'p' a pane, 'o' on/off (optional). */
static const char verb_args[IHG_LESSON_VERBS] = {'n', 'n', 0,   0,   'K', 'x', 0, 'm',
                                                 'x', 'x', 0, 0,   'p', 'p', 0, 'o', 'o'};

static const char *const pane_names[IHG_LESSON_PANES] = {
    "losses", "hyperparameters", "errors", "spectrum", "theory", "view"};
/* other names a lesson may use for a pane */
static const struct {
    const char *name;
    int pane;
} pane_aliases[] = {{"loss", 0},     {"hyper", 1},  {"lambda", 1},    {"neumann", 2},
                    {"cg", 2},       {"compare", 2}, {"eigenvalues", 3}, {"2d", 5},
                    {"2-d", 5},      {"images", 5}};

const char *ihg_lesson_pane_name(int pane)
{
    return pane >= 0 && pane < IHG_LESSON_PANES ? pane_names[pane] : "?";
}

int ihg_lesson_action_changes_run(const ihg_lesson_action *a)
{
    switch (a->verb) {
    case IHG_LESSON_FOCUS:
    case IHG_LESSON_ZOOM:
    case IHG_LESSON_UNZOOM:
    case IHG_LESSON_LOG:
    case IHG_LESSON_ACCURACY:
    case IHG_LESSON_COMPARE:
        return 0;
    default:
        return 1;
    }
}

static int parse_pane(const char *w)
{
    char *end;
    long n = strtol(w, &end, 10);
    if (*w && !*end)
        return n >= 1 && n <= IHG_LESSON_PANES ? (int)n - 1 : -1;
    for (int i = 0; i < IHG_LESSON_PANES; i++)
        if (strcmp(w, pane_names[i]) == 0)
            return i;
    for (size_t i = 0; i < sizeof pane_aliases / sizeof pane_aliases[0]; i++)
        if (strcmp(w, pane_aliases[i].name) == 0)
            return pane_aliases[i].pane;
    return -1;
}

/* A whole decimal number (C locale), finite. */
static int parse_number(const char *w, double *x)
{
    char *end;
    size_t n = strlen(w);
    if (!n || !ihg_decimal_syntax(w, n))
        return 0;
    *x = ihg_strtod_c(w, &end);
    return end && !*end && isfinite(*x);
}

static int parse_count(const char *w, long *n)
{
    char *end;
    if (!*w || *w == '-' || *w == '+')
        return 0;
    long v = strtol(w, &end, 10);
    if (*end || v < 0 || v > 1000000)
        return 0;
    *n = v;
    return 1;
}

int ihg_lesson_parse_action(const char *text, ihg_lesson_action *a, char *err, size_t errsize)
{
    char buf[128], *word[4];
    size_t nw = 0;
    memset(a, 0, sizeof *a);
    if (strlen(text) >= sizeof buf) {
        snprintf(err, errsize, "too long for an action");
        return IHG_EINVAL;
    }
    strcpy(buf, text);
    for (char *p = strtok(buf, " \t"); p; p = strtok(NULL, " \t")) {
        if (nw == 3) {
            snprintf(err, errsize, "too many words for an action");
            return IHG_EINVAL;
        }
        word[nw++] = p;
    }
    if (nw == 0) {
        snprintf(err, errsize, "an empty action");
        return IHG_EINVAL;
    }
    int v = -1;
    for (int i = 0; i < IHG_LESSON_VERBS; i++)
        if (strcmp(word[0], verb_names[i]) == 0)
            v = i;
    if (v < 0 && strcmp(word[0], "terms") == 0)
        v = IHG_LESSON_TERMS;
    if (v < 0) {
        char shown[64];
        const char *best = ihg_yaml_closest(word[0], strlen(word[0]), verb_names);
        ihg_yaml_show(word[0], strlen(word[0]), shown, sizeof shown);
        if (best)
            snprintf(err, errsize, "unknown action '%s' (did you mean '%s'?)", shown, best);
        else
            snprintf(err, errsize, "unknown action '%s' (outer, inner, run, hypergrad, K, alpha, "
                     "best-alpha, method, inner-lr, outer-lr, compare, reset, focus, zoom, "
                     "unzoom, log, accuracy)", shown);
        return IHG_EINVAL;
    }
    a->verb = (ihg_lesson_verb)v;
    char kind = verb_args[v];
    const char *arg = nw > 1 ? word[1] : NULL;
    const char *name = verb_names[v];
    if (nw > 2 || (arg && !kind)) {
        snprintf(err, errsize, "%s takes %s", name,
                 kind ? "one argument" : "no argument");
        return IHG_EINVAL;
    }
    switch (kind) {
    case 'n':
        a->n = 1;
        if (arg && (!parse_count(arg, &a->n) || a->n < 1 || a->n > 100000)) {
            snprintf(err, errsize, "%s takes a count from 1 to 100000", name);
            return IHG_EINVAL;
        }
        break;
    case 'K':
        if (!arg || !parse_count(arg, &a->n) || a->n > 100000) {
            snprintf(err, errsize, "K takes a number of terms from 0 to 100000");
            return IHG_EINVAL;
        }
        break;
    case 'x': {
        int ok = arg && parse_number(arg, &a->x);
        if (ok && v == IHG_LESSON_OUTER_LR)
            ok = a->x >= 0;
        else if (ok)
            ok = a->x > 0;
        if (!ok) {
            snprintf(err, errsize, "%s takes a number %s", name,
                     v == IHG_LESSON_OUTER_LR ? ">= 0" : "> 0");
            return IHG_EINVAL;
        }
        break;
    }
    case 'm':
        if (!arg || !(a->method = ihg_method_lookup(arg))) {
            char shown[64];
            if (arg)
                ihg_yaml_show(arg, strlen(arg), shown, sizeof shown);
            snprintf(err, errsize, "method takes one of %s%s%s%s", ihg_method_names(),
                     arg ? " (got '" : "", arg ? shown : "", arg ? "')" : "");
            return IHG_EINVAL;
        }
        break;
    case 'p':
        if (!arg || (a->n = parse_pane(arg)) < 0) {
            snprintf(err, errsize, "%s takes a pane: 1 to 6 or losses, hyperparameters, "
                     "errors, spectrum, theory, view", name);
            return IHG_EINVAL;
        }
        break;
    case 'o':
        a->n = 1;
        if (arg && strcmp(arg, "on") != 0 && strcmp(arg, "off") != 0) {
            snprintf(err, errsize, "%s takes on or off", name);
            return IHG_EINVAL;
        }
        a->n = !arg || strcmp(arg, "on") == 0;
        break;
    default:
        break;
    }
    /* the normalised text */
    switch (kind) {
    case 'n':
    case 'K':
        snprintf(a->text, sizeof a->text, "%s %ld", name, a->n);
        break;
    case 'x':
        snprintf(a->text, sizeof a->text, "%s %.6g", name, a->x);
        break;
    case 'm':
        snprintf(a->text, sizeof a->text, "%s %s", name, a->method->name);
        break;
    case 'p':
        snprintf(a->text, sizeof a->text, "%s %s", name, pane_names[a->n]);
        break;
    case 'o':
        snprintf(a->text, sizeof a->text, "%s %s", name, a->n ? "on" : "off");
        break;
    default:
        snprintf(a->text, sizeof a->text, "%s", name);
    }
    return IHG_OK;
}

/* ---- answers ------------------------------------------------------------ */

static const struct {
    const char *name;
    size_t offset;
} record_fields[] = {
    {"train_loss", offsetof(ihg_record, train_loss)},
    {"val_loss", offsetof(ihg_record, val_loss)},
    {"test_loss", offsetof(ihg_record, test_loss)},
    {"train_acc", offsetof(ihg_record, train_acc)},
    {"val_acc", offsetof(ihg_record, val_acc)},
    {"test_acc", offsetof(ihg_record, test_acc)},
    {"grad_norm", offsetof(ihg_record, grad_norm)},
    {"hypergrad_norm", offsetof(ihg_record, hypergrad_norm)},
    {"lambda_norm", offsetof(ihg_record, lambda_norm)},
    {"v_norm", offsetof(ihg_record, v_norm)},
    {"q_norm", offsetof(ihg_record, q_norm)}};
#define N_RECORD_FIELDS (sizeof record_fields / sizeof record_fields[0])

static const struct {
    const char *name;
    ihg_answer_kind kind;
    char arg; /* 0, 'e' an error level, 'i' an index, 'm' a method */
} answer_words[] = {
    {"rho", IHG_ANSWER_RHO, 0},          {"kappa", IHG_ANSWER_KAPPA, 0},
    {"best-alpha", IHG_ANSWER_BEST_ALPHA, 0}, {"eig-min", IHG_ANSWER_EIG_MIN, 0},
    {"eig-max", IHG_ANSWER_EIG_MAX, 0},  {"unstable", IHG_ANSWER_UNSTABLE, 0},
    {"converges", IHG_ANSWER_CONVERGES, 0}, {"error", IHG_ANSWER_ERROR, 'm'},
    {"terms-for", IHG_ANSWER_TERMS_FOR, 'e'}, {"iters-for", IHG_ANSWER_ITERS_FOR, 'e'},
    {"hypergrad", IHG_ANSWER_HYPERGRAD, 'i'}, {"lambda", IHG_ANSWER_LAMBDA, 'i'}};
#define N_ANSWER_WORDS (sizeof answer_words / sizeof answer_words[0])

/* Parse an answer's text into q; IHG_OK or IHG_EINVAL with err. */
static int parse_answer(const char *text, ihg_lesson_question *q, char *err, size_t errsize)
{
    char buf[96], *w0, *w1, *w2;
    if (strlen(text) >= sizeof buf) {
        snprintf(err, errsize, "too long for an answer");
        return IHG_EINVAL;
    }
    strcpy(buf, text);
    w0 = strtok(buf, " \t");
    w1 = w0 ? strtok(NULL, " \t") : NULL;
    w2 = w1 ? strtok(NULL, " \t") : NULL;
    if (!w0 || w2) {
        snprintf(err, errsize, "an answer is a quantity and at most one argument");
        return IHG_EINVAL;
    }
    for (size_t i = 0; i < N_RECORD_FIELDS; i++)
        if (strcmp(w0, record_fields[i].name) == 0) {
            if (w1) {
                snprintf(err, errsize, "%s takes no argument", w0);
                return IHG_EINVAL;
            }
            q->kind = IHG_ANSWER_RECORD;
            q->record_field = record_fields[i].offset;
            snprintf(q->answer, sizeof q->answer, "%s", w0);
            return IHG_OK;
        }
    const char *alias = strcmp(w0, "alpha*") == 0 ? "best-alpha" : w0;
    for (size_t i = 0; i < N_ANSWER_WORDS; i++) {
        if (strcmp(alias, answer_words[i].name) != 0)
            continue;
        char a = answer_words[i].arg;
        q->kind = answer_words[i].kind;
        if (!a != !w1) {
            snprintf(err, errsize, "%s %s", answer_words[i].name,
                     a == 'e'   ? "takes a relative error, e.g. 0.01"
                     : a == 'i' ? "takes an index into lambda, from 0"
                     : a == 'm' ? "takes a method name"
                                : "takes no argument");
            return IHG_EINVAL;
        }
        if (a == 'e' && (!parse_number(w1, &q->arg) || !(q->arg > 0) || q->arg >= 1)) {
            snprintf(err, errsize, "%s takes a relative error between 0 and 1",
                     answer_words[i].name);
            return IHG_EINVAL;
        }
        if (a == 'i' && !parse_count(w1, &q->index)) {
            snprintf(err, errsize, "%s takes an index into lambda, from 0",
                     answer_words[i].name);
            return IHG_EINVAL;
        }
        if (a == 'm' && !(q->method = ihg_method_lookup(w1))) {
            snprintf(err, errsize, "error takes one of %s", ihg_method_names());
            return IHG_EINVAL;
        }
        if (w1)
            snprintf(q->answer, sizeof q->answer, "%s %s", answer_words[i].name, w1);
        else
            snprintf(q->answer, sizeof q->answer, "%s", answer_words[i].name);
        return IHG_OK;
    }
    char shown[64];
    ihg_yaml_show(w0, strlen(w0), shown, sizeof shown);
    snprintf(err, errsize, "unknown answer '%s' (a record field such as val_acc, rho, "
             "kappa, best-alpha, eig-min, eig-max, unstable, converges, error METHOD, "
             "terms-for E, iters-for E, hypergrad I, lambda I)", shown);
    return IHG_EINVAL;
}

int ihg_lesson_needs_comparison(const ihg_lesson_question *q)
{
    return q->kind != IHG_ANSWER_RECORD && q->kind != IHG_ANSWER_HYPERGRAD &&
           q->kind != IHG_ANSWER_LAMBDA;
}

/* The least K of a method's curve with a relative error <= e, NaN: none. */
static double least_k(const ihg_comparison *c, const char *name, double e)
{
    const ihg_compare_method *cm = ihg_comparison_find(c, name);
    if (!cm || !cm->ran || !cm->curve)
        return NAN;
    for (long k = cm->k_first; k <= cm->kmax; k++)
        if (cm->rel_err[k] <= e)
            return (double)k;
    return NAN;
}

int ihg_lesson_answer_of(const ihg_lesson_question *q, const ihg_session *s,
                         const ihg_comparison *c, ihg_lesson_answer *a)
{
    memset(a, 0, sizeof *a);
    a->value = NAN;
    a->choice = -1;
    size_t n = ihg_session_history_len(s);
    if (ihg_lesson_needs_comparison(q) && !c) {
        snprintf(a->why, sizeof a->why, "no comparison at this point");
    } else {
        switch (q->kind) {
        case IHG_ANSWER_RECORD:
            if (n == 0)
                snprintf(a->why, sizeof a->why, "no outer step yet");
            else
                a->value = *(const double *)((const char *)&ihg_session_history(s)[n - 1] +
                                             q->record_field);
            break;
        case IHG_ANSWER_RHO: a->value = c->rho; break;
        case IHG_ANSWER_KAPPA: a->value = c->kappa; break;
        case IHG_ANSWER_BEST_ALPHA: a->value = c->alpha_best; break;
        case IHG_ANSWER_EIG_MIN: a->value = c->eig_min; break;
        case IHG_ANSWER_EIG_MAX: a->value = c->eig_max; break;
        case IHG_ANSWER_UNSTABLE:
            a->value = c->eigenvalues ? (double)c->n_unstable : NAN;
            break;
        case IHG_ANSWER_CONVERGES:
            a->yes_no = 1;
            a->value = isfinite(c->rho) ? (c->rho < 1) : NAN;
            break;
        case IHG_ANSWER_ERROR:
            a->value = ihg_comparison_error(c, q->method->name, ihg_session_terms(s));
            break;
        case IHG_ANSWER_TERMS_FOR:
            a->value = least_k(c, "neumann", q->arg);
            if (isnan(a->value))
                snprintf(a->why, sizeof a->why, "not within K <= %ld (hypergrad.compare_max)",
                         c->kmax);
            break;
        case IHG_ANSWER_ITERS_FOR:
            a->value = least_k(c, "cg", q->arg);
            if (isnan(a->value))
                snprintf(a->why, sizeof a->why, "not within K <= %ld (hypergrad.compare_max)",
                         c->kmax);
            break;
        case IHG_ANSWER_HYPERGRAD:
        case IHG_ANSWER_LAMBDA: {
            const gsl_vector *v = q->kind == IHG_ANSWER_LAMBDA ? ihg_session_lambda(s)
                                                                 : ihg_session_hypergrad(s);
            if ((size_t)q->index >= v->size)
                snprintf(a->why, sizeof a->why, "there are %zu hyperparameters", v->size);
            else
                a->value = gsl_vector_get(v, (size_t)q->index);
            break;
        }
        }
        if (isnan(a->value) && !a->why[0])
            snprintf(a->why, sizeof a->why, "not known at this point");
    }
    if (isnan(a->value))
        snprintf(a->text, sizeof a->text, "-");
    else if (a->yes_no)
        snprintf(a->text, sizeof a->text, "%s", a->value != 0 ? "yes" : "no");
    else
        snprintf(a->text, sizeof a->text, "%.4g", a->value);
    /* the right choice: yes / no by name, a number the nearest (in ratio
     * when every choice and the answer are positive) */
    double best = INFINITY;
    int ratio = a->value > 0;
    for (size_t i = 0; i < q->n_choices; i++) {
        double x;
        if (!parse_number(q->choices[i], &x) || !(x > 0))
            ratio = 0;
    }
    for (size_t i = 0; i < q->n_choices && !isnan(a->value); i++) {
        const char *ch = q->choices[i];
        if (a->yes_no) {
            if (strcmp(ch, a->value != 0 ? "yes" : "no") == 0)
                a->choice = (int)i;
            continue;
        }
        double x;
        if (!parse_number(ch, &x))
            continue;
        double d = ratio ? fabs(log(x / a->value)) : fabs(x - a->value);
        if (d < best) {
            best = d;
            a->choice = (int)i;
        }
    }
    return IHG_OK;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct {
    const char *file;     /* for messages */
    char *dir;            /* experiment paths are relative to it */
    char *base;           /* the file's name without .yaml */
    char *const *overrides;
} reader;

static const char *const lesson_keys[] = {"lesson", "slides", NULL};
static const char *const slide_keys[] = {"title", "caption", "experiment", "set",
                                         "actions", "notes", "question", NULL};
static const char *const question_keys[] = {"ask", "choices", "answer", "hide",
                                            "reveal", NULL};

/* Check that every key of map is one of names (and appears once). */
static int check_keys(const reader *r, const ihg_ynode *map, const char *const *names,
                      const char *where)
{
    for (size_t i = 0; i < ihg_yaml_size(map); i++) {
        const ihg_ynode *k = ihg_yaml_key(map, i);
        size_t len;
        const char *t = ihg_yaml_text(k, &len);
        int known = 0;
        for (size_t j = 0; t && names[j]; j++)
            if (strlen(names[j]) == len && strcmp(names[j], t) == 0)
                known = 1;
        if (!known) {
            char shown[96], hint[96] = "";
            const char *best = t ? ihg_yaml_closest(t, len, names) : NULL;
            if (best)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", best);
            return ihg_yaml_fail(r->file, k, IHG_EINVAL, "unknown key '%s' in %s%s",
                                 t ? ihg_yaml_show(t, len, shown, sizeof shown)
                                   : ihg_yaml_kind_word(k),
                                 where, hint);
        }
        for (size_t j = 0; j < i; j++) {
            size_t l2;
            const char *t2 = ihg_yaml_text(ihg_yaml_key(map, j), &l2);
            if (t2 && l2 == len && memcmp(t, t2, len) == 0)
                return ihg_yaml_fail(r->file, k, IHG_EINVAL,
                                     "duplicate key '%s' in %s (first given at line %lu)",
                                     t, where, ihg_yaml_mark(ihg_yaml_key(map, j)).line);
        }
    }
    return IHG_OK;
}

static const ihg_ynode *get(const ihg_ynode *map, const char *key)
{
    for (size_t i = 0; i < ihg_yaml_size(map); i++) {
        size_t len;
        const char *t = ihg_yaml_text(ihg_yaml_key(map, i), &len);
        if (t && len == strlen(key) && strcmp(t, key) == 0)
            return ihg_yaml_value(map, i);
    }
    return NULL;
}

/* A text: a scalar without NUL bytes, at most max_lines lines (0: any),
 * at most IHG_LESSON_TEXT_MAX bytes; trailing newlines dropped. */
static int get_text(const reader *r, const ihg_ynode *nd, const char *what, int max_lines,
                    char **out)
{
    size_t len;
    const char *t = ihg_yaml_kind(nd) == IHG_YAML_SCALAR ? ihg_yaml_text(nd, &len) : NULL;
    if (!t)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s must be text, not %s", what,
                             ihg_yaml_kind_word(nd));
    if (strlen(t) != len)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s holds a NUL byte", what);
    while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == ' '))
        len--;
    if (len == 0)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s is empty", what);
    if (len > IHG_LESSON_TEXT_MAX)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s is too long (%zu bytes, at most "
                             "%d)", what, len, IHG_LESSON_TEXT_MAX);
    int lines = 1;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n')
            lines++;
    if (max_lines && lines > max_lines)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s has %d lines: at most %d fit the "
                             "caption bar", what, lines, max_lines);
    *out = malloc(len + 1);
    if (!*out)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    memcpy(*out, t, len);
    (*out)[len] = '\0';
    return IHG_OK;
}

/* A sequence of actions (scalars "outer 3" or one-key mappings {outer: 3}). */
static int get_actions(const reader *r, const ihg_ynode *nd, const char *what,
                       ihg_lesson_action **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (ihg_yaml_kind(nd) != IHG_YAML_SEQ)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s must be a sequence of actions, "
                             "e.g. [outer 3, compare], not %s", what,
                             ihg_yaml_kind_word(nd));
    size_t n = ihg_yaml_size(nd);
    if (n > IHG_LESSON_ACTIONS_MAX)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s: %zu actions, at most %d", what, n,
                             IHG_LESSON_ACTIONS_MAX);
    ihg_lesson_action *a = calloc(n ? n : 1, sizeof *a);
    if (!a)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const ihg_ynode *it = ihg_yaml_item(nd, i);
        char text[128], err[300];
        size_t len;
        const char *t;
        if (ihg_yaml_kind(it) == IHG_YAML_MAP && ihg_yaml_size(it) == 1 &&
            (t = ihg_yaml_text(ihg_yaml_key(it, 0), &len)) &&
            ihg_yaml_kind(ihg_yaml_value(it, 0)) == IHG_YAML_SCALAR) {
            size_t vl;
            const char *v = ihg_yaml_text(ihg_yaml_value(it, 0), &vl);
            if (strlen(v) != vl || strlen(t) != len || len + vl + 2 > sizeof text)
                len = (size_t)-1; /* a NUL byte, or too long */
            else
                snprintf(text, sizeof text, "%s %s", t, v);
        } else if (ihg_yaml_kind(it) == IHG_YAML_SCALAR &&
                   (t = ihg_yaml_text(it, &len)) != NULL) {
            if (strlen(t) != len || len >= sizeof text)
                len = (size_t)-1;
            else
                memcpy(text, t, len + 1);
        } else {
            free(a);
            return ihg_yaml_fail(r->file, it, IHG_EINVAL, "%s[%zu] must be an action such as "
                                 "'outer 3' or {outer: 3}, not %s", what, i,
                                 ihg_yaml_kind_word(it));
        }
        if (len == (size_t)-1 || ihg_lesson_parse_action(text, &a[i], err, sizeof err) !=
                                     IHG_OK) {
            free(a);
            if (len == (size_t)-1)
                snprintf(err, sizeof err, "not an action");
            return ihg_yaml_fail(r->file, it, IHG_EINVAL, "%s[%zu]: %s", what, i, err);
        }
        a[i].mark = ihg_yaml_mark(it);
    }
    *out = a;
    *n_out = n;
    return IHG_OK;
}

static int get_question(const reader *r, const ihg_ynode *nd, ihg_lesson_question **out)
{
    int st;
    if (ihg_yaml_kind(nd) != IHG_YAML_MAP)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "question must be a mapping (ask, "
                             "answer, choices, hide, reveal), not %s", ihg_yaml_kind_word(nd));
    if ((st = check_keys(r, nd, question_keys, "a question")) != IHG_OK)
        return st;
    ihg_lesson_question *q = calloc(1, sizeof *q);
    if (!q)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    *out = q;
    q->mark = ihg_yaml_mark(nd);
    const ihg_ynode *ask = get(nd, "ask"), *ans = get(nd, "answer"), *ch = get(nd, "choices");
    const ihg_ynode *hide = get(nd, "hide"), *rev = get(nd, "reveal");
    if (!ask)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "a question needs ask: (what the "
                             "class is asked)");
    if (!ans)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "a question needs answer: (what the "
                             "engine computes on reveal, e.g. 'terms-for 0.01')");
    if ((st = get_text(r, ask, "ask", 0, &q->ask)) != IHG_OK)
        return st;
    size_t len;
    const char *at = ihg_yaml_kind(ans) == IHG_YAML_SCALAR ? ihg_yaml_text(ans, &len) : NULL;
    char err[400];
    if (!at || strlen(at) != len)
        return ihg_yaml_fail(r->file, ans, IHG_EINVAL, "answer must be a quantity such as "
                             "'val_acc' or 'terms-for 0.01'");
    if (parse_answer(at, q, err, sizeof err) != IHG_OK)
        return ihg_yaml_fail(r->file, ans, IHG_EINVAL, "answer: %s", err);
    int yes_no = q->kind == IHG_ANSWER_CONVERGES;
    if (ch) {
        if (ihg_yaml_kind(ch) != IHG_YAML_SEQ || ihg_yaml_size(ch) < 2 ||
            ihg_yaml_size(ch) > IHG_LESSON_CHOICES_MAX)
            return ihg_yaml_fail(r->file, ch, IHG_EINVAL, "choices must be a sequence of 2 "
                                 "to %d choices", IHG_LESSON_CHOICES_MAX);
        for (size_t i = 0; i < ihg_yaml_size(ch); i++) {
            const ihg_ynode *c = ihg_yaml_item(ch, i);
            char what[32];
            snprintf(what, sizeof what, "choices[%zu]", i);
            if ((st = get_text(r, c, what, 1, &q->choices[i])) != IHG_OK)
                return st;
            q->n_choices++;
            double x;
            if (yes_no && strcmp(q->choices[i], "yes") != 0 &&
                strcmp(q->choices[i], "no") != 0)
                return ihg_yaml_fail(r->file, c, IHG_EINVAL, "%s: the answer '%s' is yes or "
                                     "no, so the choices are too", what, q->answer);
            if (!yes_no && !parse_number(q->choices[i], &x))
                return ihg_yaml_fail(r->file, c, IHG_EINVAL, "%s must be a number: the "
                                     "answer '%s' is one (the nearest choice is right)",
                                     what, q->answer);
        }
    }
    if (hide) {
        if (ihg_yaml_kind(hide) != IHG_YAML_SEQ)
            return ihg_yaml_fail(r->file, hide, IHG_EINVAL, "hide must be a sequence of "
                                 "panes, e.g. [errors, spectrum]");
        for (size_t i = 0; i < ihg_yaml_size(hide); i++) {
            const ihg_ynode *p = ihg_yaml_item(hide, i);
            const char *pt = ihg_yaml_kind(p) == IHG_YAML_SCALAR ? ihg_yaml_text(p, &len)
                                                                 : NULL;
            int pane = pt && strlen(pt) == len ? parse_pane(pt) : -1;
            if (pane < 0)
                return ihg_yaml_fail(r->file, p, IHG_EINVAL, "hide[%zu]: a pane: 1 to 6 or "
                                     "losses, hyperparameters, errors, spectrum, theory, "
                                     "view", i);
            q->hide |= 1u << pane;
        }
    }
    if (rev && (st = get_actions(r, rev, "reveal", &q->reveal, &q->n_reveal)) != IHG_OK)
        return st;
    return IHG_OK;
}

static void free_question(ihg_lesson_question *q)
{
    if (!q)
        return;
    free(q->ask);
    for (size_t i = 0; i < q->n_choices; i++)
        free(q->choices[i]);
    free(q->reveal);
    free(q);
}

void ihg_lesson_free(ihg_lesson *l)
{
    for (size_t i = 0; l->slides && i < l->n_slides; i++) {
        ihg_lesson_slide *s = &l->slides[i];
        free(s->title);
        free(s->caption);
        free(s->notes);
        free(s->actions);
        free_question(s->question);
    }
    free(l->slides);
    for (size_t i = 0; l->configs && i < l->n_configs; i++)
        ihg_config_free(&l->configs[i]);
    free(l->configs);
    free(l->path);
    free(l->title);
    memset(l, 0, sizeof *l);
}

/* The experiment of a slide: a file (relative to the lesson) or inline,
 * with the sets given since on top. */
typedef struct {
    const ihg_ynode *node;    /* the experiment: value of experiment:  */
    char *path;               /* a file: its path; NULL: inline       */
    const ihg_ynode *sets[IHG_LESSON_SLIDES_MAX];
    size_t n_sets;
} experiment_source;

static int load_config(const reader *r, const experiment_source *src, ihg_config *cfg)
{
    if (src->path)
        return ihg_config_load_sets(cfg, src->path, src->sets, src->n_sets, r->file,
                                    r->overrides);
    return ihg_config_load_tree(cfg, r->file, r->dir, r->base, src->node, src->sets,
                                src->n_sets, r->overrides);
}

static int read_slide(const reader *r, ihg_lesson *l, size_t i, const ihg_ynode *nd,
                      experiment_source *src)
{
    ihg_lesson_slide *s = &l->slides[i];
    char where[32];
    int st;
    snprintf(where, sizeof where, "slide %zu", i + 1);
    s->mark = ihg_yaml_mark(nd);
    if (ihg_yaml_kind(nd) != IHG_YAML_MAP)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s must be a mapping (title, caption, "
                             "experiment, set, actions, notes, question), not %s", where,
                             ihg_yaml_kind_word(nd));
    if ((st = check_keys(r, nd, slide_keys, where)) != IHG_OK)
        return st;
    const ihg_ynode *title = get(nd, "title"), *cap = get(nd, "caption");
    const ihg_ynode *exp = get(nd, "experiment"), *set = get(nd, "set");
    const ihg_ynode *act = get(nd, "actions"), *notes = get(nd, "notes");
    const ihg_ynode *q = get(nd, "question");
    if (!title)
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "%s needs a title", where);
    if ((st = get_text(r, title, "title", 1, &s->title)) != IHG_OK)
        return st;
    if (cap && (st = get_text(r, cap, "caption", IHG_LESSON_CAPTION_LINES, &s->caption)))
        return st;
    if (notes && (st = get_text(r, notes, "notes", 0, &s->notes)) != IHG_OK)
        return st;
    if (act && (st = get_actions(r, act, "actions", &s->actions, &s->n_actions)) != IHG_OK)
        return st;
    if (q && (st = get_question(r, q, &s->question)) != IHG_OK)
        return st;
    if (exp) {
        free(src->path);
        src->path = NULL;
        src->node = exp;
        src->n_sets = 0;
        if (ihg_yaml_kind(exp) == IHG_YAML_SCALAR) {
            size_t len;
            const char *t = ihg_yaml_text(exp, &len);
            if (strlen(t) != len || len == 0 || len > 4000)
                return ihg_yaml_fail(r->file, exp, IHG_EINVAL, "experiment must be a file "
                                     "name or a mapping");
            size_t nd_ = strlen(r->dir);
            src->path = malloc(nd_ + len + 2);
            if (!src->path)
                return ihg_error_set(IHG_ENOMEM, "out of memory");
            if (t[0] == '/' || strcmp(r->dir, ".") == 0)
                strcpy(src->path, t);
            else
                sprintf(src->path, "%s/%s", r->dir, t);
            if (access(src->path, R_OK) != 0) {
                char shown[200];
                return ihg_yaml_fail(r->file, exp, IHG_EIO, "experiment '%s': cannot read "
                                     "%s", ihg_yaml_show(t, len, shown, sizeof shown),
                                     src->path);
            }
            if (ihg_lesson_file(src->path))
                return ihg_yaml_fail(r->file, exp, IHG_EINVAL, "experiment '%s' is a lesson, "
                                     "not an experiment", t);
        } else if (ihg_yaml_kind(exp) != IHG_YAML_MAP) {
            return ihg_yaml_fail(r->file, exp, IHG_EINVAL, "experiment must be a file name or "
                                 "a mapping (an experiment written inline), not %s",
                                 ihg_yaml_kind_word(exp));
        }
    } else if (i == 0) {
        return ihg_yaml_fail(r->file, nd, IHG_EINVAL, "the first slide needs an experiment "
                             "(a file name or a mapping)");
    }
    if (set) {
        if (ihg_yaml_kind(set) != IHG_YAML_MAP)
            return ihg_yaml_fail(r->file, set, IHG_EINVAL, "set must be a mapping of keys "
                                 "(key.path: value), not %s", ihg_yaml_kind_word(set));
        src->sets[src->n_sets++] = set;
    }
    s->fresh = exp || set;
    if (s->fresh) {
        st = load_config(r, src, &l->configs[l->n_configs]);
        l->n_configs++; /* freed with the lesson even when it failed */
        if (st != IHG_OK)
            return st;
    }
    s->config = l->n_configs - 1;
    return IHG_OK;
}

static char *lesson_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

static char *lesson_base(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".yaml") == 0)
        n -= 5;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

static int load_tree(ihg_lesson *l, reader *r, const ihg_ynode *root)
{
    int st;
    if (!root || ihg_yaml_kind(root) != IHG_YAML_MAP)
        return ihg_yaml_fail(r->file, root, IHG_EINVAL, "a lesson is a mapping with "
                             "slides:");
    if ((st = check_keys(r, root, lesson_keys, "a lesson")) != IHG_OK)
        return st;
    const ihg_ynode *title = get(root, "lesson"), *slides = get(root, "slides");
    if (title && (st = get_text(r, title, "lesson", 1, &l->title)) != IHG_OK)
        return st;
    if (!l->title && !(l->title = strdup(r->base)))
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    if (!slides || ihg_yaml_kind(slides) != IHG_YAML_SEQ || ihg_yaml_size(slides) == 0)
        return ihg_yaml_fail(r->file, slides ? slides : root, IHG_EINVAL, "slides must be a "
                             "sequence of slides");
    size_t n = ihg_yaml_size(slides);
    if (n > IHG_LESSON_SLIDES_MAX)
        return ihg_yaml_fail(r->file, slides, IHG_EINVAL, "%zu slides: at most %d", n,
                             IHG_LESSON_SLIDES_MAX);
    l->slides = calloc(n, sizeof *l->slides);
    l->configs = calloc(n, sizeof *l->configs);
    if (!l->slides || !l->configs)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    l->n_slides = n;
    experiment_source src;
    memset(&src, 0, sizeof src);
    st = IHG_OK;
    for (size_t i = 0; i < n && st == IHG_OK; i++)
        st = read_slide(r, l, i, ihg_yaml_item(slides, i), &src);
    free(src.path);
    return st;
}

int ihg_lesson_load_string(ihg_lesson *l, const char *name, const char *text, size_t len,
                           char *const *overrides)
{
    memset(l, 0, sizeof *l);
    reader r;
    memset(&r, 0, sizeof r);
    r.file = name;
    r.overrides = overrides;
    l->path = strdup(name);
    r.dir = lesson_dir(name);
    r.base = lesson_base(name);
    int st;
    ihg_ynode *root = NULL;
    if (!l->path || !r.dir || !r.base)
        st = ihg_error_set(IHG_ENOMEM, "out of memory");
    else if ((st = ihg_yaml_parse(name, text, len, &root)) == IHG_OK)
        st = load_tree(l, &r, root);
    ihg_yaml_free(root);
    free(r.dir);
    free(r.base);
    return st;
}

int ihg_lesson_load(ihg_lesson *l, const char *path, char *const *overrides)
{
    char *text;
    size_t len;
    memset(l, 0, sizeof *l);
    int st = ihg_yaml_read(path, &text, &len);
    if (st != IHG_OK)
        return st;
    st = ihg_lesson_load_string(l, path, text, len, overrides);
    free(text);
    return st;
}

int ihg_lesson_recognise(const char *text, size_t len)
{
    ihg_ynode *root = NULL;
    int yes = 0;
    if (ihg_yaml_parse("<lesson?>", text, len, &root) == IHG_OK && root &&
        ihg_yaml_kind(root) == IHG_YAML_MAP)
        yes = get(root, "slides") != NULL;
    ihg_yaml_free(root);
    ihg_error_clear();
    return yes;
}

int ihg_lesson_file(const char *path)
{
    char *text;
    size_t len;
    if (ihg_yaml_read(path, &text, &len) != IHG_OK) {
        ihg_error_clear();
        return 0;
    }
    int yes = ihg_lesson_recognise(text, len);
    free(text);
    return yes;
}
