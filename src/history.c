/* history.c - every outer step kept: views, checkpoints, branches
 * (history.h). */
#include "history.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

typedef struct {
    ihg_record rec;
    void *lambda, *hg;          /* Hn doubles, or floats (not exact)    */
    double *theta;              /* P doubles, or NULL                   */
    ihg_comparison *cmp;        /* summary, or NULL                     */
    ihg_history_settings settings;
} step_view;

typedef struct {
    long step;
    ihg_session_state *state;
    int pinned;                 /* never dropped by the thinning        */
} checkpoint;

typedef struct {
    int parent;
    long base;
    step_view *steps;           /* steps base + 1 .. base + n           */
    size_t n, cap;
    checkpoint *cps;
    size_t ncp, cpcap;
} branch;

struct ihg_history {
    size_t Hn, P;
    int exact, keep_theta;
    double budget;
    long every;
    step_view start;            /* step `first`, where the history began */
    long first;                 /* the outer steps before it are kept as
                                   records only (start_records)          */
    ihg_record *start_records;
    size_t n_start;
    branch br[IHG_HISTORY_BRANCHES_MAX];
    int nbr;
    int pos_branch;
    long pos_step;
    double view_bytes, cp_bytes;
    /* a state the thinning dropped, kept to be written over by the next
     * checkpoint (its pages already mapped: cheaper than a fresh one) */
    ihg_session_state *spare;
    /* what ihg_history_view hands out */
    double *vlambda, *vhg;
    ihg_record *vrec;
    size_t vrec_cap;
};

/* ---- views ----------------------------------------------------------- */

static size_t value_size(const ihg_history *h) { return h->exact ? sizeof(double) : sizeof(float); }

static void store_values(const ihg_history *h, void *dst, const gsl_vector *x)
{
    const double *src = x->data;
    size_t stride = x->stride;
    if (h->exact) {
        double *d = dst;
        for (size_t i = 0; i < h->Hn; i++)
            d[i] = src[i * stride];
    } else {
        float *f = dst;
        for (size_t i = 0; i < h->Hn; i++)
            f[i] = (float)src[i * stride];
    }
}

static double comparison_bytes(const ihg_comparison *c)
{
    if (!c)
        return 0;
    double b = sizeof *c + ((double)c->kmax + 1) * sizeof(double);
    if (c->eigenvalues)
        b += (double)c->eigenvalues->size * sizeof(double);
    for (size_t i = 0; i < c->n_methods; i++)
        b += 3.0 * (c->method[i].curve ? (double)c->method[i].cap + 1 : 1) * sizeof(double);
    return b;
}

static double view_size(const ihg_history *h, const step_view *v)
{
    return sizeof *v + 2.0 * (double)h->Hn * (double)value_size(h) +
           (v->theta ? (double)h->P * sizeof(double) : 0) + comparison_bytes(v->cmp);
}

static void settings_of(const ihg_session *s, ihg_history_settings *st)
{
    st->method = ihg_session_method(s);
    st->K = ihg_session_terms(s);
    st->alpha = ihg_session_alpha(s);
    st->inner_lr = ihg_session_inner_lr(s);
    st->outer_lr = ihg_session_outer_lr(s);
}

static void view_free(step_view *v)
{
    free(v->lambda);
    free(v->hg);
    free(v->theta);
    ihg_comparison_free(v->cmp);
    memset(v, 0, sizeof *v);
}

/* A copy of what a comparison shows, to keep (NULL: out of memory). */
static ihg_comparison *comparison_kept(const ihg_comparison *c)
{
    ihg_comparison *d = calloc(1, sizeof *d);
    if (d && ihg_comparison_copy_shown(d, c) != IHG_OK) {
        ihg_comparison_free(d);
        d = NULL;
    }
    if (!d)
        ihg_error_set(IHG_ENOMEM, "out of memory (a comparison kept)");
    return d;
}

/* Fill v from the session (record: the last one, or none at the start). */
static int view_make(ihg_history *h, const ihg_session *s, const ihg_comparison *cmp,
                     step_view *v)
{
    memset(v, 0, sizeof *v);
    size_t n = ihg_session_history_len(s);
    if (n > 0)
        v->rec = ihg_session_history(s)[n - 1];
    v->lambda = malloc(h->Hn * value_size(h));
    v->hg = malloc(h->Hn * value_size(h));
    if (h->keep_theta)
        v->theta = malloc(h->P * sizeof(double));
    if (cmp)
        v->cmp = comparison_kept(cmp);
    if (!v->lambda || !v->hg || (h->keep_theta && !v->theta) || (cmp && !v->cmp)) {
        view_free(v);
        return ihg_error_set(IHG_ENOMEM, "out of memory (the history of %zu "
                             "hyperparameters)", h->Hn);
    }
    store_values(h, v->lambda, ihg_session_lambda(s));
    store_values(h, v->hg, ihg_session_hypergrad(s));
    if (v->theta)
        memcpy(v->theta, ihg_session_theta(s)->data, h->P * sizeof(double));
    settings_of(s, &v->settings);
    return IHG_OK;
}

/* The view of step (first + 1 ..) on the lineage of branch b; step first:
 * the start; NULL before it. */
static step_view *find_view(ihg_history *h, int b, long step)
{
    if (step == h->first)
        return &h->start;
    if (step < h->first)
        return NULL;
    while (b >= 0) {
        branch *br = &h->br[b];
        if (step > br->base)
            return step <= br->base + (long)br->n ? &br->steps[step - br->base - 1] : NULL;
        b = br->parent;
    }
    return NULL;
}

static const step_view *find_view_c(const ihg_history *h, int b, long step)
{
    return find_view((ihg_history *)h, b, step);
}

long ihg_history_last(const ihg_history *h, int b)
{
    if (b < 0 || b >= h->nbr)
        return -1;
    return h->br[b].base + (long)h->br[b].n;
}

const ihg_record *ihg_history_record(const ihg_history *h, int b, long step)
{
    if (b < 0 || b >= h->nbr || step < 1 || step > ihg_history_last(h, b))
        return NULL;
    if (step <= h->first)
        return (size_t)step <= h->n_start ? &h->start_records[step - 1] : NULL;
    const step_view *v = find_view_c(h, b, step);
    return v ? &v->rec : NULL;
}

long ihg_history_first(const ihg_history *h) { return h->first; }

/* The same outer step: every number and setting, the time aside. */
static int same_record(const ihg_record *a, const ihg_record *b)
{
    static const size_t doubles[] = {
        offsetof(ihg_record, train_loss), offsetof(ihg_record, val_loss),
        offsetof(ihg_record, test_loss), offsetof(ihg_record, train_acc),
        offsetof(ihg_record, val_acc), offsetof(ihg_record, test_acc),
        offsetof(ihg_record, grad_norm), offsetof(ihg_record, hypergrad_norm),
        offsetof(ihg_record, direct_norm), offsetof(ihg_record, v_norm),
        offsetof(ihg_record, q_norm), offsetof(ihg_record, jtq_norm),
        offsetof(ihg_record, lambda_norm), offsetof(ihg_record, alpha),
        offsetof(ihg_record, inner_lr), offsetof(ihg_record, outer_lr)};
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++)
        if (memcmp((const char *)a + doubles[i], (const char *)b + doubles[i],
                   sizeof(double)) != 0)
            return 0;
    return a->outer == b->outer && a->inner_steps == b->inner_steps &&
           a->method == b->method && a->terms == b->terms && a->hvps == b->hvps &&
           a->fallback == b->fallback;
}

/* ---- checkpoints ------------------------------------------------------ */

static int add_checkpoint(ihg_history *h, int b, const ihg_session *s, int pinned)
{
    branch *br = &h->br[b];
    if (br->ncp == br->cpcap) {
        size_t cap = br->cpcap ? 2 * br->cpcap : 8;
        checkpoint *c = realloc(br->cps, cap * sizeof *c);
        if (!c)
            return ihg_error_set(IHG_ENOMEM, "out of memory (history)");
        br->cps = c;
        br->cpcap = cap;
    }
    ihg_session_state *st = h->spare;
    if (st && ihg_session_save_into(s, st) == IHG_OK) {
        h->spare = NULL;
    } else {
        st = ihg_session_save(s);
        if (!st)
            return ihg_error_status();
    }
    br->cps[br->ncp++] = (checkpoint){ihg_session_outer(s), st, pinned};
    h->cp_bytes += (double)ihg_session_state_bytes(st);
    return IHG_OK;
}

/* Over the budget: double the spacing and drop the checkpoints off it. */
static void thin(ihg_history *h)
{
    while (h->cp_bytes > h->budget && h->every < (1L << 40)) {
        int droppable = 0;
        for (int b = 0; b < h->nbr; b++)
            for (size_t i = 0; i < h->br[b].ncp; i++)
                if (!h->br[b].cps[i].pinned)
                    droppable = 1;
        if (!droppable)
            return; /* the pinned ones stay, the budget notwithstanding */
        h->every *= 2;
        for (int b = 0; b < h->nbr; b++) {
            branch *br = &h->br[b];
            size_t k = 0;
            for (size_t i = 0; i < br->ncp; i++) {
                checkpoint *c = &br->cps[i];
                if (c->pinned || c->step % h->every == 0) {
                    br->cps[k++] = *c;
                } else {
                    h->cp_bytes -= (double)ihg_session_state_bytes(c->state);
                    if (!h->spare)
                        h->spare = c->state;
                    else
                        ihg_session_state_free(c->state);
                }
            }
            br->ncp = k;
        }
    }
}

/* The latest checkpoint at or before step on the lineage of branch b. */
static const checkpoint *find_checkpoint(const ihg_history *h, int b, long step)
{
    long limit = step;
    while (b >= 0) {
        const branch *br = &h->br[b];
        const checkpoint *best = NULL;
        for (size_t i = 0; i < br->ncp; i++)
            if (br->cps[i].step <= limit && (!best || br->cps[i].step > best->step))
                best = &br->cps[i];
        if (best)
            return best;
        limit = br->base;
        b = br->parent;
    }
    return NULL;
}

/* ---- the history ------------------------------------------------------ */

static void branch_free(ihg_history *h, branch *br)
{
    for (size_t i = 0; i < br->n; i++) {
        h->view_bytes -= view_size(h, &br->steps[i]);
        view_free(&br->steps[i]);
    }
    for (size_t i = 0; i < br->ncp; i++) {
        h->cp_bytes -= (double)ihg_session_state_bytes(br->cps[i].state);
        ihg_session_state_free(br->cps[i].state);
    }
    free(br->steps);
    free(br->cps);
    memset(br, 0, sizeof *br);
}

static void clear(ihg_history *h)
{
    for (int b = 0; b < h->nbr; b++)
        branch_free(h, &h->br[b]);
    view_free(&h->start);
    free(h->start_records);
    h->start_records = NULL;
    h->n_start = 0;
    h->nbr = 0;
    h->view_bytes = h->cp_bytes = 0;
    h->every = 1;
}

int ihg_history_reset(ihg_history *h, ihg_session *s)
{
    clear(h);
    if (!ihg_session_at_boundary(s))
        return ihg_error_set(IHG_EINVAL, "a history begins between outer steps");
    h->first = ihg_session_outer(s);
    h->n_start = ihg_session_history_len(s);
    if (h->n_start) {
        h->start_records = malloc(h->n_start * sizeof *h->start_records);
        if (!h->start_records)
            return ihg_error_set(IHG_ENOMEM, "out of memory (history)");
        memcpy(h->start_records, ihg_session_history(s),
               h->n_start * sizeof *h->start_records);
    }
    int st = view_make(h, s, NULL, &h->start);
    if (st != IHG_OK)
        return st;
    h->view_bytes = view_size(h, &h->start);
    h->nbr = 1;
    h->br[0].parent = -1;
    h->br[0].base = h->first;
    h->pos_branch = 0;
    h->pos_step = h->first;
    return add_checkpoint(h, 0, s, 1);
}

ihg_history *ihg_history_alloc(ihg_session *s, double budget_bytes)
{
    ihg_history *h = calloc(1, sizeof *h);
    if (!h) {
        ihg_error_set(IHG_ENOMEM, "out of memory (history)");
        return NULL;
    }
    h->Hn = ihg_session_n_hyper(s);
    h->P = ihg_session_n_params(s);
    h->exact = h->Hn <= IHG_HISTORY_EXACT_MAX;
    h->keep_theta = h->P <= IHG_HISTORY_THETA_MAX;
    h->budget = budget_bytes > 0 ? budget_bytes : IHG_HISTORY_BUDGET;
    h->every = 1;
    if (!h->exact) {
        h->vlambda = malloc(h->Hn * sizeof(double));
        h->vhg = malloc(h->Hn * sizeof(double));
        if (!h->vlambda || !h->vhg) {
            ihg_error_set(IHG_ENOMEM, "out of memory (history)");
            ihg_history_free(h);
            return NULL;
        }
    }
    if (ihg_history_reset(h, s) != IHG_OK) {
        ihg_history_free(h);
        return NULL;
    }
    return h;
}

void ihg_history_free(ihg_history *h)
{
    if (!h)
        return;
    clear(h);
    ihg_session_state_free(h->spare);
    free(h->vlambda);
    free(h->vhg);
    free(h->vrec);
    free(h);
}

static int has_children(const ihg_history *h, int b)
{
    for (int i = 0; i < h->nbr; i++)
        if (h->br[i].parent == b)
            return 1;
    return 0;
}

/* A new branch from (parent, base); reuses the last slot when it is an
 * empty branch without children.  -1 with the error recorded when full. */
static int new_branch(ihg_history *h, int parent, long base)
{
    int b = h->nbr;
    if (b > 1 && h->br[b - 1].n == 0 && !has_children(h, b - 1) && b - 1 != parent) {
        b--;
        branch_free(h, &h->br[b]);
    } else if (b == IHG_HISTORY_BRANCHES_MAX) {
        ihg_error_set(IHG_ELIMIT, "at most %d branches", IHG_HISTORY_BRANCHES_MAX);
        return -1;
    } else {
        h->nbr++;
    }
    memset(&h->br[b], 0, sizeof h->br[b]);
    h->br[b].parent = parent;
    h->br[b].base = base;
    return b;
}

int ihg_history_capture(ihg_history *h, ihg_session *s, const ihg_comparison *cmp)
{
    long step = ihg_session_outer(s);
    if (!ihg_session_at_boundary(s) || step != h->pos_step + 1 ||
        ihg_session_history_len(s) != (size_t)step)
        return ihg_error_set(IHG_EINVAL, "history: the session is at outer step %ld, the "
                             "history after step %ld", step, h->pos_step);
    const ihg_record *rec = &ihg_session_history(s)[step - 1];
    int b = h->pos_branch;
    if (h->pos_step < ihg_history_last(h, b)) {
        step_view *next = find_view(h, b, step);
        if (next && same_record(&next->rec, rec)) {
            /* the kept step again: follow the branch */
            h->pos_step = step;
            return cmp ? ihg_history_attach_comparison(h, cmp) : IHG_OK;
        }
        b = new_branch(h, b, h->pos_step);
        if (b < 0)
            return ihg_error_status();
    }
    branch *br = &h->br[b];
    if (br->n == br->cap) {
        size_t cap = br->cap ? 2 * br->cap : 16;
        step_view *v = realloc(br->steps, cap * sizeof *v);
        if (!v)
            return ihg_error_set(IHG_ENOMEM, "out of memory (history)");
        br->steps = v;
        br->cap = cap;
    }
    int st = view_make(h, s, cmp, &br->steps[br->n]);
    if (st != IHG_OK)
        return st;
    h->view_bytes += view_size(h, &br->steps[br->n]);
    br->n++;
    h->pos_branch = b;
    h->pos_step = step;
    if (rec->restarted || step % h->every == 0) {
        /* a restarted step cannot be recomputed: its state is kept */
        st = add_checkpoint(h, b, s, rec->restarted);
        if (st != IHG_OK)
            return st;
        thin(h);
    }
    return IHG_OK;
}

int ihg_history_attach_comparison(ihg_history *h, const ihg_comparison *cmp)
{
    step_view *v = find_view(h, h->pos_branch, h->pos_step);
    if (!v || !cmp)
        return ihg_error_set(IHG_EINVAL, "history: no step to attach a comparison to");
    ihg_comparison *c = comparison_kept(cmp);
    if (!c)
        return ihg_error_status();
    h->view_bytes -= comparison_bytes(v->cmp);
    ihg_comparison_free(v->cmp);
    v->cmp = c;
    h->view_bytes += comparison_bytes(c);
    return IHG_OK;
}

int ihg_history_view(ihg_history *h, int b, long step, ihg_step_view *out)
{
    if (b < 0 || b >= h->nbr || step < h->first || step > ihg_history_last(h, b))
        return ihg_error_set(IHG_EINVAL, "history: no step %ld on branch %d", step, b);
    const step_view *v = find_view(h, b, step);
    if ((size_t)step > h->vrec_cap) {
        size_t cap = (size_t)step + 64;
        ihg_record *r = realloc(h->vrec, cap * sizeof *r);
        if (!r)
            return ihg_error_set(IHG_ENOMEM, "out of memory (history)");
        h->vrec = r;
        h->vrec_cap = cap;
    }
    for (long i = 1; i <= step; i++)
        h->vrec[i - 1] = i <= h->first ? h->start_records[i - 1] : find_view(h, b, i)->rec;
    memset(out, 0, sizeof *out);
    out->branch = b;
    out->step = step;
    out->records = h->vrec;
    out->n_records = (size_t)step;
    out->n_hyper = h->Hn;
    out->exact = h->exact;
    if (h->exact) {
        out->lambda = v->lambda;
        out->hypergrad = v->hg;
    } else {
        const float *l = v->lambda, *g = v->hg;
        for (size_t i = 0; i < h->Hn; i++) {
            h->vlambda[i] = l[i];
            h->vhg[i] = g[i];
        }
        out->lambda = h->vlambda;
        out->hypergrad = h->vhg;
    }
    out->theta = v->theta;
    out->n_theta = v->theta ? h->P : 0;
    out->cmp = v->cmp;
    out->settings = v->settings;
    return IHG_OK;
}

/* Put the settings in force: those a step was made with, or those after
 * one. */
static int apply_settings(ihg_session *s, const ihg_method_type *method, long K,
                          double alpha, double inner_lr, double outer_lr)
{
    int st = IHG_OK;
    if (ihg_session_method(s) != method)
        st = ihg_session_set_method(s, method);
    if (st == IHG_OK && ihg_session_terms(s) != K)
        st = ihg_session_set_terms(s, K);
    if (st == IHG_OK && ihg_session_alpha(s) != alpha)
        st = ihg_session_set_alpha(s, alpha);
    /* a learned learning rate is lambda's and already in place */
    if (st == IHG_OK && ihg_session_inner_lr(s) != inner_lr)
        st = ihg_session_set_inner_lr(s, inner_lr);
    if (st == IHG_OK && ihg_session_outer_lr(s) != outer_lr)
        st = ihg_session_set_outer_lr(s, outer_lr);
    return st;
}

int ihg_history_restore(ihg_history *h, ihg_session *s, int b, long step)
{
    if (b < 0 || b >= h->nbr || step < h->first || step > ihg_history_last(h, b))
        return ihg_error_set(IHG_EINVAL, "history: no step %ld on branch %d", step, b);
    const checkpoint *cp = find_checkpoint(h, b, step);
    if (!cp)
        return ihg_error_set(IHG_EINTERNAL, "history: no checkpoint before step %ld", step);
    int st = ihg_session_restore(s, cp->state);
    for (long i = cp->step + 1; st == IHG_OK && i <= step; i++) {
        const ihg_record *r = &find_view(h, b, i)->rec;
        st = apply_settings(s, r->method, r->terms, r->alpha, r->inner_lr, r->outer_lr);
        if (st != IHG_OK)
            break;
        st = ihg_session_outer_step(s, NULL);
        if (st != IHG_OK)
            break;
        size_t n = ihg_session_history_len(s);
        if (ihg_session_outer(s) != i || n != (size_t)i ||
            !same_record(&ihg_session_history(s)[n - 1], r))
            st = ihg_error_set(IHG_EINTERNAL, "history: outer step %ld recomputed gave "
                               "other numbers than it had", i);
    }
    if (st != IHG_OK)
        return st;
    const ihg_history_settings *set = &find_view(h, b, step)->settings;
    st = apply_settings(s, set->method, set->K, set->alpha, set->inner_lr, set->outer_lr);
    if (st != IHG_OK)
        return st;
    h->pos_branch = b;
    h->pos_step = step;
    return IHG_OK;
}

int ihg_history_branch(ihg_history *h, ihg_session *s, int b, long step)
{
    if (ihg_history_restore(h, s, b, step) != IHG_OK)
        return -1;
    int nb = new_branch(h, b, step);
    if (nb < 0)
        return -1;
    if (add_checkpoint(h, nb, s, 1) != IHG_OK)
        return -1;
    h->pos_branch = nb;
    h->pos_step = step;
    return nb;
}

int ihg_history_position(const ihg_history *h, long *step)
{
    if (step)
        *step = h->pos_step;
    return h->pos_branch;
}

size_t ihg_history_n_branches(const ihg_history *h) { return (size_t)h->nbr; }

static double value_at(const ihg_history *h, const step_view *v, size_t i)
{
    return h->exact ? ((const double *)v->lambda)[i] : (double)((const float *)v->lambda)[i];
}

int ihg_history_branch_info(const ihg_history *h, int b, ihg_branch_info *info)
{
    if (b < 0 || b >= h->nbr)
        return ihg_error_set(IHG_EINVAL, "history: no branch %d", b);
    const branch *br = &h->br[b];
    memset(info, 0, sizeof *info);
    info->id = b;
    info->parent = br->parent;
    info->base = br->base;
    info->last = ihg_history_last(h, b);
    info->compared_at = -1;
    if (br->n > 0) {
        const ihg_record *r = &br->steps[0].rec;
        size_t used = (size_t)snprintf(info->label, sizeof info->label, "%s", r->method->name);
        if (r->method->flags & IHG_METHOD_USES_K)
            used += (size_t)snprintf(info->label + used, sizeof info->label - used, " K=%ld",
                                     r->terms);
        if ((r->method->flags & IHG_METHOD_USES_ALPHA) && used < sizeof info->label)
            used += (size_t)snprintf(info->label + used, sizeof info->label - used,
                                     " alpha=%.4g", r->alpha);
        if (used < sizeof info->label)
            snprintf(info->label + used, sizeof info->label - used, " lr=%.4g outer lr=%.4g",
                     r->inner_lr, r->outer_lr);
    } else {
        snprintf(info->label, sizeof info->label, "(no step yet)");
    }
    if (br->parent >= 0) {
        long at = info->last < ihg_history_last(h, br->parent) ? info->last
                                                                 : ihg_history_last(h, br->parent);
        const step_view *mine = find_view_c(h, b, at), *theirs = find_view_c(h, br->parent, at);
        double d2 = 0, p2 = 0;
        for (size_t i = 0; mine && theirs && i < h->Hn; i++) {
            double a = value_at(h, mine, i), c = value_at(h, theirs, i);
            d2 += (a - c) * (a - c);
            p2 += c * c;
        }
        info->lambda_distance = sqrt(d2);
        info->lambda_distance_rel = p2 > 0 ? sqrt(d2 / p2) : NAN;
        info->compared_at = at;
    }
    return IHG_OK;
}

void ihg_history_memory_used(const ihg_history *h, ihg_history_memory *m)
{
    m->view_bytes = h->view_bytes;
    m->checkpoint_bytes = h->cp_bytes;
    m->budget = h->budget;
    m->every = h->every;
    m->checkpoints = 0;
    for (int b = 0; b < h->nbr; b++)
        m->checkpoints += h->br[b].ncp;
}
