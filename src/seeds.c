/* seeds.c - the same experiment from S initial weights, side by side
 * (--seeds S): does the inner loop reach one optimum?
 *
 * Run i is the experiment with init_seed = base + i (base: init_seed if
 * given, else seed), so the S runs share data, minibatch order and initial
 * lambda and differ only in their initial weights theta_0.  They are
 * stepped together; at every outer step, where each run has its
 * hypergradient and before the update, one JSON line holds the spread
 * across the runs:
 *
 *   val_loss, train_loss        mean, sd, min, max
 *   theta_distance              pairwise ||theta_i - theta_j||: mean, max,
 *                               and mean / mean ||theta_i|| (relative)
 *   <method>, <other>           the hypergradients of the run's method and
 *                               of the other kind (an IFT method and
 *                               unrolled): pairwise cosines (mean, min),
 *                               mean norm
 *   ift_vs_unrolled_cos         per run, the cosine of its two
 *                               hypergradients (mean, min)
 *
 * A convex L_T solved to a tolerance gives distance 0 and cosines 1; SGD on
 * an over-parameterized model (P > n) does not, which is the first limit
 * of implicit differentiation: theta*(lambda) is not unique.  After the
 * last outer step each run trains once more with its final lambda, warm
 * (from where it is) and cold (from its theta_0, like retraining from
 * scratch with the learned hyperparameters; Vicol et al. 2022 show the
 * two can differ): a last line "cold_retrain" holds both.
 */
#include "seeds.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsonl.h"
#include "session.h"

typedef struct {
    ihg_config cfg;           /* a shallow copy with its own init_seed */
    ihg_session *s;
    gsl_vector *v, *direct, *g_other;
    ihg_method *other;        /* the other kind of hypergradient       */
    ihg_hg_problem pb;
} seed_run;

typedef enum {
    STAGE_RUN = 0,   /* run i to its hypergradient                     */
    STAGE_OTHER,     /* run i's other hypergradient, a unit at a time  */
    STAGE_SPREAD,    /* the spread across the runs                     */
    STAGE_UPDATE,    /* run i's hyper-update                           */
    STAGE_WARM,      /* run i trained again at its final lambda        */
    STAGE_COLD,      /* the same from its theta_0                      */
    STAGE_DONE
} seeds_stage;

struct ihg_seeds_job {
    long S, outer_max, outer_done;
    unsigned long base;
    seed_run *r;
    double *x;
    gsl_vector *d;            /* theta_i - theta_j                      */
    seeds_stage stage;
    long i;                   /* the run under way                      */
    int other_running, other_ok;
    ihg_seeds_spread spread;
    int have_spread;
    /* retraining */
    ihg_seeds_retrain retrain;
    double *wv, *cv, *wt, *ct;
    gsl_vector *lam;
    ihg_session *cold;
    int train_started;
};

static ihg_seeds_stat stats(const double *x, size_t n)
{
    ihg_seeds_stat st;
    double mean = 0, sd = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        mean += x[i];
        mn = fmin(mn, x[i]);
        mx = fmax(mx, x[i]);
    }
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        sd += (x[i] - mean) * (x[i] - mean);
    sd = n > 1 ? sqrt(sd / (double)(n - 1)) : 0;
    st.mean = mean;
    st.sd = sd;
    st.min = mn;
    st.max = mx;
    return st;
}

static double cosine(const gsl_vector *a, const gsl_vector *b)
{
    double d, na = gsl_blas_dnrm2(a), nb = gsl_blas_dnrm2(b);
    gsl_blas_ddot(a, b, &d);
    return na > 0 && nb > 0 ? d / (na * nb) : NAN;
}

/* Pairwise cosines of one hypergradient across the runs, and its mean
 * norm. */
static void spread_of(const seed_run *r, size_t S, int other, double *cos_mean,
                      double *cos_min, double *norm_mean)
{
    double sum = 0, mn = INFINITY, norm = 0;
    size_t pairs = 0;
    for (size_t a = 0; a < S; a++) {
        const gsl_vector *ga = other ? r[a].g_other : ihg_session_hypergrad(r[a].s);
        norm += gsl_blas_dnrm2(ga) / (double)S;
        for (size_t b = a + 1; b < S; b++) {
            const gsl_vector *gb = other ? r[b].g_other : ihg_session_hypergrad(r[b].s);
            double c = cosine(ga, gb);
            sum += c;
            mn = fmin(mn, c);
            pairs++;
        }
    }
    *cos_mean = pairs ? sum / (double)pairs : NAN;
    *cos_min = pairs ? mn : NAN;
    *norm_mean = norm;
}

void ihg_seeds_job_free(ihg_seeds_job *j)
{
    if (!j)
        return;
    for (long i = 0; j->r && i < j->S; i++) {
        ihg_method_free(j->r[i].other);
        if (j->r[i].v)
            gsl_vector_free(j->r[i].v);
        if (j->r[i].direct)
            gsl_vector_free(j->r[i].direct);
        if (j->r[i].g_other)
            gsl_vector_free(j->r[i].g_other);
        ihg_session_free(j->r[i].s);
    }
    free(j->r);
    free(j->x);
    free(j->wv);
    free(j->cv);
    free(j->wt);
    free(j->ct);
    if (j->d)
        gsl_vector_free(j->d);
    if (j->lam)
        gsl_vector_free(j->lam);
    ihg_session_free(j->cold);
    free(j);
}

ihg_seeds_job *ihg_seeds_job_alloc(const ihg_config *cfg, long S, long outer,
                                   const ihg_method_type *method, long K, double alpha)
{
    ihg_seeds_job *j;
    if (S < 2 || S > IHG_SEEDS_MAX) {
        ihg_error_set(IHG_EINVAL, "seeds: from 2 to %d runs, not %ld", IHG_SEEDS_MAX, S);
        return NULL;
    }
    if (!(j = calloc(1, sizeof *j))) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    j->S = S;
    j->outer_max = outer > 0 && outer < cfg->outer.steps ? outer : cfg->outer.steps;
    j->base = cfg->init_seed_set ? cfg->init_seed : cfg->seed;
    j->r = calloc((size_t)S, sizeof *j->r);
    j->x = calloc((size_t)S, sizeof *j->x);
    j->wv = calloc((size_t)S, sizeof *j->wv);
    j->cv = calloc((size_t)S, sizeof *j->cv);
    j->wt = calloc((size_t)S, sizeof *j->wt);
    j->ct = calloc((size_t)S, sizeof *j->ct);
    if (!j->r || !j->x || !j->wv || !j->cv || !j->wt || !j->ct) {
        ihg_seeds_job_free(j);
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    for (long i = 0; i < S; i++) {
        seed_run *r = &j->r[i];
        r->cfg = *cfg; /* shares the strings of cfg: never freed here */
        r->cfg.init_seed = j->base + (unsigned long)i;
        r->cfg.init_seed_set = 1;
        if (!(r->s = ihg_session_alloc(&r->cfg))) {
            ihg_seeds_job_free(j);
            return NULL;
        }
        if ((method && ihg_session_set_method(r->s, method) != IHG_OK) ||
            (K >= 0 && ihg_session_set_terms(r->s, K) != IHG_OK) ||
            (alpha > 0 && ihg_session_set_alpha(r->s, alpha) != IHG_OK)) {
            ihg_seeds_job_free(j);
            return NULL;
        }
        size_t P = ihg_session_n_params(r->s), Hn = ihg_session_n_hyper(r->s);
        const ihg_method_type *mine = ihg_session_method(r->s), *other;
        if (mine->flags & IHG_METHOD_EXPLICIT)
            other = ihg_method_accepts(&ihg_method_exact, P, cfg->hypergrad.exact_max)
                        ? &ihg_method_exact
                        : &ihg_method_cg;
        else
            other = &ihg_method_unrolled;
        if (other == &ihg_method_unrolled)
            ihg_session_record_trajectory(r->s, 1);
        ihg_error_clear();
        ihg_method_settings set;
        ihg_session_method_settings(r->s, &set);
        r->v = gsl_vector_alloc(P);
        r->direct = gsl_vector_alloc(Hn);
        r->g_other = gsl_vector_calloc(Hn);
        r->other = ihg_method_alloc(other, P, Hn, &set);
        if (!r->v || !r->direct || !r->g_other || !r->other ||
            (i == 0 && !(j->d = gsl_vector_alloc(P)))) {
            /* the method's own refusal, or out of memory */
            if (r->other || ihg_error_status() == IHG_OK)
                ihg_error_set(IHG_ENOMEM, "out of memory");
            ihg_seeds_job_free(j);
            return NULL;
        }
    }
    j->stage = STAGE_RUN;
    j->other_ok = 1;
    return j;
}

const ihg_seeds_spread *ihg_seeds_job_spread(const ihg_seeds_job *j)
{
    return j->have_spread ? &j->spread : NULL;
}

const ihg_seeds_retrain *ihg_seeds_job_retrain(const ihg_seeds_job *j)
{
    return j->stage == STAGE_DONE ? &j->retrain : NULL;
}

void ihg_seeds_job_progress(const ihg_seeds_job *j, char *buf, size_t size)
{
    switch (j->stage) {
    case STAGE_WARM:
    case STAGE_COLD:
        snprintf(buf, size, "%s retrain %ld/%ld", j->stage == STAGE_WARM ? "warm" : "cold",
                 j->i + 1, j->S);
        break;
    case STAGE_DONE: snprintf(buf, size, "done"); break;
    default:
        snprintf(buf, size, "run %ld/%ld, outer %ld/%ld", j->i + 1, j->S, j->outer_done + 1,
                 j->outer_max);
        break;
    }
}

/* A run stopped (diverged): the error, with which run and where. */
static int stopped(ihg_seeds_job *j, long i)
{
    const seed_run *r = &j->r[i];
    if (ihg_session_phase(r->s) == IHG_PHASE_STOPPED)
        return ihg_error_set(IHG_EDIVERGE, "run with init_seed %lu stopped at outer step %ld: %s",
                             j->base + (unsigned long)i, ihg_session_outer(r->s) + 1,
                             ihg_session_message(r->s));
    return ihg_error_status() != IHG_OK ? ihg_error_status() : IHG_EINTERNAL;
}

/* Start run i's other hypergradient at its point (0: it cannot be had). */
static int other_start(seed_run *r)
{
    ihg_method_settings set;
    ihg_session_method_settings(r->s, &set);
    ihg_session_val_grads(r->s, r->v, r->direct);
    ihg_session_problem(r->s, r->v, r->direct, &r->pb);
    if (r->other->type == &ihg_method_unrolled) {
        set.K = 0; /* the whole unroll */
    } else if (r->other->type == &ihg_method_cg) {
        set.K = 1000;
        set.tol = 1e-12;
    }
    if (ihg_method_refusal(r->other->type, &r->pb, &set))
        return 0;
    return ihg_method_start(r->other, &r->pb, &set) == IHG_OK;
}

static void make_spread(ihg_seeds_job *j)
{
    ihg_seeds_spread *sp = &j->spread;
    size_t S = (size_t)j->S;
    ihg_session *s0 = j->r[0].s;
    memset(sp, 0, sizeof *sp);
    sp->outer = ihg_session_outer(s0) + 1;
    sp->S = j->S;
    sp->base = j->base;
    for (size_t i = 0; i < S; i++)
        j->x[i] = ihg_session_val_loss(j->r[i].s);
    sp->val_loss = stats(j->x, S);
    for (size_t i = 0; i < S; i++)
        j->x[i] = ihg_session_train_loss(j->r[i].s);
    sp->train_loss = stats(j->x, S);
    /* the distance between solutions */
    {
        double sum = 0, mx = 0, tn = 0;
        size_t pairs = 0;
        for (size_t a = 0; a < S; a++) {
            tn += gsl_blas_dnrm2(ihg_session_theta(j->r[a].s)) / (double)S;
            for (size_t b = a + 1; b < S; b++) {
                gsl_vector_memcpy(j->d, ihg_session_theta(j->r[a].s));
                gsl_vector_sub(j->d, ihg_session_theta(j->r[b].s));
                double dist = gsl_blas_dnrm2(j->d);
                sum += dist;
                mx = fmax(mx, dist);
                pairs++;
            }
        }
        sp->dist_mean = pairs ? sum / (double)pairs : 0;
        sp->dist_max = mx;
        sp->dist_rel = pairs && tn > 0 ? sum / (double)pairs / tn : NAN;
    }
    const ihg_method_type *mine = ihg_session_method(s0);
    sp->mine_ift = (mine->flags & IHG_METHOD_IFT) != 0;
    snprintf(sp->mine, sizeof sp->mine, "%s", mine->name);
    snprintf(sp->other, sizeof sp->other, "%s", j->r[0].other->type->name);
    spread_of(j->r, S, 0, &sp->mine_cos_mean, &sp->mine_cos_min, &sp->mine_norm);
    sp->other_ok = j->other_ok;
    if (j->other_ok) {
        spread_of(j->r, S, 1, &sp->other_cos_mean, &sp->other_cos_min, &sp->other_norm);
        for (size_t i = 0; i < S; i++)
            j->x[i] = cosine(ihg_session_hypergrad(j->r[i].s), j->r[i].g_other);
        sp->ift_vs_unrolled = stats(j->x, S);
    }
    j->have_spread = 1;
}

/* One unit of training s again at j->lam (an outer step whose update is
 * not used); *rec gets its record when done (returns 1 then). */
static int train_unit(ihg_seeds_job *j, ihg_session *s, ihg_record *rec, int *st)
{
    if (!j->train_started) {
        ihg_session_set_lambda(s, j->lam);
        j->train_started = 1;
        *st = IHG_OK;
        return 0;
    }
    if (ihg_session_phase(s) != IHG_PHASE_UPDATE && !ihg_session_finished(s)) {
        *st = ihg_session_step(s, 1, NULL);
        return 0;
    }
    *st = ihg_session_step(s, 1, NULL); /* the update: the record */
    size_t n = ihg_session_history_len(s);
    if (*st == IHG_OK && n == 0)
        *st = ihg_error_set(IHG_EINTERNAL, "the retraining left no record");
    if (*st != IHG_OK)
        return 0;
    *rec = ihg_session_history(s)[n - 1];
    j->train_started = 0;
    return 1;
}

int ihg_seeds_job_step(ihg_seeds_job *j, unsigned *events)
{
    int st = IHG_OK;
    *events = 0;
    switch (j->stage) {
    case STAGE_RUN: {
        seed_run *r = &j->r[j->i];
        if (ihg_session_phase(r->s) != IHG_PHASE_UPDATE) {
            if (ihg_session_finished(r->s))
                return stopped(j, j->i);
            st = ihg_session_step(r->s, 1, NULL);
            if (st != IHG_OK || ihg_session_phase(r->s) == IHG_PHASE_STOPPED)
                return stopped(j, j->i);
            return IHG_OK;
        }
        /* at its hypergradient: the other kind next */
        j->other_running = other_start(r);
        if (!j->other_running) {
            j->other_ok = 0;
            ihg_error_clear();
        }
        j->stage = j->other_running ? STAGE_OTHER : STAGE_RUN;
        if (!j->other_running && ++j->i == j->S)
            j->stage = STAGE_SPREAD;
        return IHG_OK;
    }
    case STAGE_OTHER: {
        seed_run *r = &j->r[j->i];
        ihg_solve_state state = IHG_SOLVE_RUNNING;
        st = ihg_method_iterate(r->other, &state);
        if (st == IHG_OK && state == IHG_SOLVE_RUNNING)
            return IHG_OK;
        if (st == IHG_OK)
            st = ihg_method_hypergrad(r->other, r->g_other);
        if (st != IHG_OK) {
            j->other_ok = 0;
            ihg_error_clear();
        }
        j->other_running = 0;
        j->stage = ++j->i == j->S ? STAGE_SPREAD : STAGE_RUN;
        return IHG_OK;
    }
    case STAGE_SPREAD:
        make_spread(j);
        *events |= IHG_SEEDS_SPREAD;
        j->stage = STAGE_UPDATE;
        j->i = 0;
        return IHG_OK;
    case STAGE_UPDATE:
        st = ihg_session_step(j->r[j->i].s, 1, NULL); /* the update */
        if (st != IHG_OK || ihg_session_phase(j->r[j->i].s) == IHG_PHASE_STOPPED)
            return stopped(j, j->i);
        if (++j->i < j->S)
            return IHG_OK;
        j->i = 0;
        j->outer_done++;
        j->other_ok = 1;
        if (ihg_session_finished(j->r[0].s) || j->outer_done >= j->outer_max) {
            /* warm against cold at the final lambda */
            j->stage = STAGE_WARM;
            j->train_started = 0;
        } else {
            j->stage = STAGE_RUN;
        }
        return IHG_OK;
    case STAGE_WARM:
    case STAGE_COLD: {
        seed_run *r = &j->r[j->i];
        ihg_record rec;
        if (!j->train_started && j->stage == STAGE_WARM) {
            if (!j->lam && !(j->lam = gsl_vector_alloc(ihg_session_n_hyper(r->s))))
                return ihg_error_set(IHG_ENOMEM, "out of memory");
            gsl_vector_memcpy(j->lam, ihg_session_lambda(r->s));
        }
        if (j->stage == STAGE_COLD && !j->cold) {
            /* a run like it from scratch: one unit */
            if (!(j->cold = ihg_session_alloc(&r->cfg)))
                return ihg_error_status();
            return IHG_OK;
        }
        ihg_session *s = j->stage == STAGE_WARM ? r->s : j->cold;
        if (!train_unit(j, s, &rec, &st)) {
            if (st != IHG_OK)
                return ihg_error_set(st, "the %s retraining failed: %s",
                                     j->stage == STAGE_WARM ? "warm" : "cold",
                                     ihg_error_message());
            return IHG_OK;
        }
        if (j->stage == STAGE_WARM) {
            j->wv[j->i] = rec.val_loss;
            j->wt[j->i] = rec.test_loss;
            j->stage = STAGE_COLD;
            return IHG_OK;
        }
        j->cv[j->i] = rec.val_loss;
        j->ct[j->i] = rec.test_loss;
        ihg_session_free(j->cold);
        j->cold = NULL;
        j->stage = STAGE_WARM;
        if (++j->i < j->S)
            return IHG_OK;
        /* all retrained */
        size_t S = (size_t)j->S;
        j->retrain.S = j->S;
        j->retrain.have_test = 1;
        for (size_t i = 0; i < S; i++)
            j->retrain.have_test = j->retrain.have_test && isfinite(j->wt[i]);
        j->retrain.val_warm = stats(j->wv, S);
        j->retrain.val_cold = stats(j->cv, S);
        if (j->retrain.have_test) {
            j->retrain.test_warm = stats(j->wt, S);
            j->retrain.test_cold = stats(j->ct, S);
        }
        j->stage = STAGE_DONE;
        *events |= IHG_SEEDS_DONE;
        return IHG_OK;
    }
    case STAGE_DONE: *events |= IHG_SEEDS_DONE; return IHG_OK;
    }
    return IHG_OK;
}

/* ---- --seeds: the job to its end, as JSON lines --------------------------- */

static void json_stat(ihg_json *j, const char *key, const ihg_seeds_stat *st)
{
    ihg_json_key(j, key);
    ihg_json_begin_object(j);
    ihg_json_key(j, "mean");
    ihg_json_number(j, st->mean);
    ihg_json_key(j, "sd");
    ihg_json_number(j, st->sd);
    ihg_json_key(j, "min");
    ihg_json_number(j, st->min);
    ihg_json_key(j, "max");
    ihg_json_number(j, st->max);
    ihg_json_end_object(j);
}

static void json_hypergrad(ihg_json *j, const char *key, const char *method, double cos_mean,
                           double cos_min, double norm)
{
    ihg_json_key(j, key);
    ihg_json_begin_object(j);
    ihg_json_key(j, "method");
    ihg_json_string(j, method);
    ihg_json_key(j, "cos_mean");
    ihg_json_number(j, cos_mean);
    ihg_json_key(j, "cos_min");
    ihg_json_number(j, cos_min);
    ihg_json_key(j, "norm_mean");
    ihg_json_number(j, norm);
    ihg_json_end_object(j);
}

static void json_spread(ihg_json *j, const ihg_seeds_spread *sp)
{
    ihg_json_begin_object(j);
    ihg_json_key(j, "outer");
    ihg_json_integer(j, sp->outer);
    ihg_json_key(j, "seeds");
    ihg_json_integer(j, sp->S);
    ihg_json_key(j, "init_seeds");
    ihg_json_begin_array(j);
    for (long i = 0; i < sp->S; i++)
        ihg_json_integer(j, (long)(sp->base + (unsigned long)i));
    ihg_json_end_array(j);
    json_stat(j, "val_loss", &sp->val_loss);
    json_stat(j, "train_loss", &sp->train_loss);
    ihg_json_key(j, "theta_distance");
    ihg_json_begin_object(j);
    ihg_json_key(j, "mean");
    ihg_json_number(j, sp->dist_mean);
    ihg_json_key(j, "max");
    ihg_json_number(j, sp->dist_max);
    ihg_json_key(j, "relative");
    ihg_json_number(j, sp->dist_rel);
    ihg_json_end_object(j);
    json_hypergrad(j, sp->mine_ift ? "ift" : "unrolled", sp->mine, sp->mine_cos_mean,
                   sp->mine_cos_min, sp->mine_norm);
    if (sp->other_ok) {
        json_hypergrad(j, sp->mine_ift ? "unrolled" : "ift", sp->other, sp->other_cos_mean,
                       sp->other_cos_min, sp->other_norm);
        json_stat(j, "ift_vs_unrolled_cos", &sp->ift_vs_unrolled);
    }
    ihg_json_end_object(j);
}

static void json_retrain(ihg_json *j, const ihg_seeds_retrain *rt)
{
    ihg_json_begin_object(j);
    ihg_json_key(j, "cold_retrain");
    ihg_json_begin_object(j);
    ihg_json_key(j, "seeds");
    ihg_json_integer(j, rt->S);
    json_stat(j, "val_loss_warm", &rt->val_warm);
    json_stat(j, "val_loss_cold", &rt->val_cold);
    if (rt->have_test) {
        json_stat(j, "test_loss_warm", &rt->test_warm);
        json_stat(j, "test_loss_cold", &rt->test_cold);
    }
    ihg_json_end_object(j);
    ihg_json_end_object(j);
}

int ihg_seeds_run(const ihg_config *cfg, long S, FILE *out)
{
    ihg_seeds_job *job = ihg_seeds_job_alloc(cfg, S, 0, NULL, -1, 0);
    ihg_json j;
    int rc = 0;
    if (!job) {
        int st = ihg_error_status();
        fprintf(stderr, "%s%s\n", st == IHG_ENOMEM ? "ihgtui: " : "", ihg_error_message());
        return st == IHG_ENOMEM ? 1 : 2;
    }
    ihg_json_init(&j);
    for (;;) {
        unsigned ev = 0;
        int st = ihg_seeds_job_step(job, &ev);
        if (st != IHG_OK) {
            fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
            rc = st == IHG_EDIVERGE ? 3 : 1;
            break;
        }
        if (ev & IHG_SEEDS_SPREAD)
            json_spread(&j, ihg_seeds_job_spread(job));
        else if (ev & IHG_SEEDS_DONE)
            json_retrain(&j, ihg_seeds_job_retrain(job));
        if ((ev & (IHG_SEEDS_SPREAD | IHG_SEEDS_DONE)) && ihg_json_write_line(&j, out) != 0) {
            fprintf(stderr, "ihgtui: cannot write the output: %s\n", ihg_error_message());
            rc = 1;
            break;
        }
        if (ev & IHG_SEEDS_DONE)
            break;
    }
    ihg_json_free(&j);
    ihg_seeds_job_free(job);
    return rc;
}
