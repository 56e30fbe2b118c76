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
#include "method.h"
#include "session.h"

typedef struct {
    ihg_config cfg;           /* a shallow copy with its own init_seed */
    ihg_session *s;
    gsl_vector *v, *direct, *g_other;
    ihg_method *other;        /* the other kind of hypergradient       */
    ihg_hg_problem pb;
    int other_ok;
} seed_run;

static void stats(ihg_json *j, const char *key, const double *x, size_t n)
{
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
    ihg_json_key(j, key);
    ihg_json_begin_object(j);
    ihg_json_key(j, "mean");
    ihg_json_number(j, mean);
    ihg_json_key(j, "sd");
    ihg_json_number(j, sd);
    ihg_json_key(j, "min");
    ihg_json_number(j, mn);
    ihg_json_key(j, "max");
    ihg_json_number(j, mx);
    ihg_json_end_object(j);
}

static double cosine(const gsl_vector *a, const gsl_vector *b)
{
    double d, na = gsl_blas_dnrm2(a), nb = gsl_blas_dnrm2(b);
    gsl_blas_ddot(a, b, &d);
    return na > 0 && nb > 0 ? d / (na * nb) : NAN;
}

/* Pairwise cosines of one hypergradient across the runs. */
static void spread(ihg_json *j, const char *key, const char *method, seed_run *r, size_t S,
                   int other)
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
    ihg_json_key(j, key);
    ihg_json_begin_object(j);
    ihg_json_key(j, "method");
    ihg_json_string(j, method);
    ihg_json_key(j, "cos_mean");
    ihg_json_number(j, pairs ? sum / (double)pairs : NAN);
    ihg_json_key(j, "cos_min");
    ihg_json_number(j, pairs ? mn : NAN);
    ihg_json_key(j, "norm_mean");
    ihg_json_number(j, norm);
    ihg_json_end_object(j);
}

static int to_update(ihg_session *s)
{
    int st = IHG_OK;
    while (st == IHG_OK && ihg_session_phase(s) != IHG_PHASE_UPDATE &&
           !ihg_session_finished(s))
        st = ihg_session_step(s, 1, NULL);
    return st;
}

/* The other kind of hypergradient at run r's point. */
static int other_hypergrad(seed_run *r)
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
        return IHG_EINVAL;
    int st = ihg_method_start(r->other, &r->pb, &set);
    ihg_solve_state state = IHG_SOLVE_RUNNING;
    while (st == IHG_OK && state == IHG_SOLVE_RUNNING)
        st = ihg_method_iterate(r->other, &state);
    if (st == IHG_OK)
        st = ihg_method_hypergrad(r->other, r->g_other);
    return st;
}

/* One more inner loop at the final lambda (an outer step whose update is
 * not used): its record's losses. */
static int train_at(ihg_session *s, const gsl_vector *lambda, ihg_record *out)
{
    ihg_session_set_lambda(s, lambda);
    int st = to_update(s);
    if (st == IHG_OK)
        st = ihg_session_step(s, 1, NULL);
    size_t n = ihg_session_history_len(s);
    if (st != IHG_OK || n == 0)
        return st != IHG_OK ? st : IHG_EINTERNAL;
    *out = ihg_session_history(s)[n - 1];
    return IHG_OK;
}

int ihg_seeds_run(const ihg_config *cfg, long S, FILE *out)
{
    seed_run *r = calloc((size_t)S, sizeof *r);
    double *x = calloc((size_t)S, sizeof *x), *y = calloc((size_t)S, sizeof *y);
    ihg_json j;
    int rc = 0;
    ihg_json_init(&j);
    if (!r || !x || !y) {
        fprintf(stderr, "ihgtui: out of memory\n");
        rc = 1;
        goto done;
    }
    unsigned long base = cfg->init_seed_set ? cfg->init_seed : cfg->seed;
    for (long i = 0; i < S; i++) {
        r[i].cfg = *cfg; /* shares the strings of cfg: never freed here */
        r[i].cfg.init_seed = base + (unsigned long)i;
        r[i].cfg.init_seed_set = 1;
        if (!(r[i].s = ihg_session_alloc(&r[i].cfg))) {
            fprintf(stderr, "%s\n", ihg_error_message());
            rc = ihg_error_status() == IHG_ENOMEM ? 1 : 2;
            goto done;
        }
        size_t P = ihg_session_n_params(r[i].s), Hn = ihg_session_n_hyper(r[i].s);
        const ihg_method_type *mine = ihg_session_method(r[i].s), *other;
        if (mine->flags & IHG_METHOD_EXPLICIT)
            other = ihg_method_accepts(&ihg_method_exact, P, cfg->hypergrad.exact_max)
                        ? &ihg_method_exact
                        : &ihg_method_cg;
        else
            other = &ihg_method_unrolled;
        if (other == &ihg_method_unrolled)
            ihg_session_record_trajectory(r[i].s, 1);
        ihg_method_settings set;
        ihg_session_method_settings(r[i].s, &set);
        r[i].v = gsl_vector_alloc(P);
        r[i].direct = gsl_vector_alloc(Hn);
        r[i].g_other = gsl_vector_calloc(Hn);
        r[i].other = ihg_method_alloc(other, P, Hn, &set);
        if (!r[i].v || !r[i].direct || !r[i].g_other || !r[i].other) {
            fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
            rc = 1;
            goto done;
        }
    }
    while (!ihg_session_finished(r[0].s)) {
        int st = IHG_OK, other_ok = 1;
        for (long i = 0; i < S && st == IHG_OK; i++) {
            st = to_update(r[i].s);
            if (st == IHG_OK && ihg_session_finished(r[i].s))
                st = IHG_EDIVERGE;
            if (st == IHG_OK && other_hypergrad(&r[i]) != IHG_OK)
                other_ok = 0;
        }
        if (st != IHG_OK)
            break;
        ihg_session *s0 = r[0].s;
        ihg_json_begin_object(&j);
        ihg_json_key(&j, "outer");
        ihg_json_integer(&j, ihg_session_outer(s0) + 1);
        ihg_json_key(&j, "seeds");
        ihg_json_integer(&j, S);
        ihg_json_key(&j, "init_seeds");
        ihg_json_begin_array(&j);
        for (long i = 0; i < S; i++)
            ihg_json_integer(&j, (long)(base + (unsigned long)i));
        ihg_json_end_array(&j);
        for (long i = 0; i < S; i++) {
            x[i] = ihg_session_val_loss(r[i].s);
            y[i] = ihg_session_train_loss(r[i].s);
        }
        stats(&j, "val_loss", x, (size_t)S);
        stats(&j, "train_loss", y, (size_t)S);
        /* the distance between solutions */
        {
            size_t P = ihg_session_n_params(s0);
            gsl_vector *d = gsl_vector_alloc(P);
            double sum = 0, mx = 0, tn = 0;
            size_t pairs = 0;
            for (long a = 0; d && a < S; a++) {
                tn += gsl_blas_dnrm2(ihg_session_theta(r[a].s)) / (double)S;
                for (long b = a + 1; b < S; b++) {
                    gsl_vector_memcpy(d, ihg_session_theta(r[a].s));
                    gsl_vector_sub(d, ihg_session_theta(r[b].s));
                    double dist = gsl_blas_dnrm2(d);
                    sum += dist;
                    mx = fmax(mx, dist);
                    pairs++;
                }
            }
            if (d)
                gsl_vector_free(d);
            ihg_json_key(&j, "theta_distance");
            ihg_json_begin_object(&j);
            ihg_json_key(&j, "mean");
            ihg_json_number(&j, pairs ? sum / (double)pairs : 0);
            ihg_json_key(&j, "max");
            ihg_json_number(&j, mx);
            ihg_json_key(&j, "relative");
            ihg_json_number(&j, pairs && tn > 0 ? sum / (double)pairs / tn : NAN);
            ihg_json_end_object(&j);
        }
        const ihg_method_type *mine = ihg_session_method(s0);
        int mine_ift = (mine->flags & IHG_METHOD_IFT) != 0;
        spread(&j, mine_ift ? "ift" : "unrolled", mine->name, r, (size_t)S, 0);
        if (other_ok) {
            spread(&j, mine_ift ? "unrolled" : "ift", r[0].other->type->name, r, (size_t)S, 1);
            for (long i = 0; i < S; i++)
                x[i] = cosine(ihg_session_hypergrad(r[i].s), r[i].g_other);
            stats(&j, "ift_vs_unrolled_cos", x, (size_t)S);
        }
        ihg_json_end_object(&j);
        if (ihg_json_write_line(&j, out) != 0) {
            fprintf(stderr, "ihgtui: cannot write the output: %s\n", ihg_error_message());
            rc = 1;
            goto done;
        }
        for (long i = 0; i < S && st == IHG_OK; i++)
            st = ihg_session_step(r[i].s, 1, NULL); /* the update */
        if (st != IHG_OK)
            break;
    }
    for (long i = 0; i < S; i++)
        if (ihg_session_phase(r[i].s) == IHG_PHASE_STOPPED) {
            fprintf(stderr, "ihgtui: run with init_seed %lu stopped at outer step %ld: %s\n",
                    base + (unsigned long)i, ihg_session_outer(r[i].s) + 1,
                    ihg_session_message(r[i].s));
            rc = 3;
            goto done;
        }
    /* warm vs cold at the final lambda */
    {
        double *wv = calloc((size_t)S, sizeof *wv), *cv = calloc((size_t)S, sizeof *cv);
        double *wt = calloc((size_t)S, sizeof *wt), *ct = calloc((size_t)S, sizeof *ct);
        int have_test = 1, ok = wv && cv && wt && ct;
        for (long i = 0; ok && i < S; i++) {
            gsl_vector *lam = gsl_vector_alloc(ihg_session_n_hyper(r[i].s));
            ihg_session *cold = ihg_session_alloc(&r[i].cfg);
            ihg_record rw, rcold;
            ok = lam && cold;
            if (ok) {
                gsl_vector_memcpy(lam, ihg_session_lambda(r[i].s));
                ok = train_at(r[i].s, lam, &rw) == IHG_OK &&
                     train_at(cold, lam, &rcold) == IHG_OK;
            }
            if (ok) {
                wv[i] = rw.val_loss;
                cv[i] = rcold.val_loss;
                wt[i] = rw.test_loss;
                ct[i] = rcold.test_loss;
                have_test = have_test && isfinite(rw.test_loss);
            }
            if (lam)
                gsl_vector_free(lam);
            ihg_session_free(cold);
        }
        if (ok) {
            ihg_json_begin_object(&j);
            ihg_json_key(&j, "cold_retrain");
            ihg_json_begin_object(&j);
            ihg_json_key(&j, "seeds");
            ihg_json_integer(&j, S);
            stats(&j, "val_loss_warm", wv, (size_t)S);
            stats(&j, "val_loss_cold", cv, (size_t)S);
            if (have_test) {
                stats(&j, "test_loss_warm", wt, (size_t)S);
                stats(&j, "test_loss_cold", ct, (size_t)S);
            }
            ihg_json_end_object(&j);
            ihg_json_end_object(&j);
            if (ihg_json_write_line(&j, out) != 0) {
                fprintf(stderr, "ihgtui: cannot write the output: %s\n", ihg_error_message());
                rc = 1;
            }
        } else {
            fprintf(stderr, "ihgtui: the cold retraining failed: %s\n", ihg_error_message());
            rc = 1;
        }
        free(wv);
        free(cv);
        free(wt);
        free(ct);
    }
done:
    for (long i = 0; r && i < S; i++) {
        ihg_method_free(r[i].other);
        if (r[i].v)
            gsl_vector_free(r[i].v);
        if (r[i].direct)
            gsl_vector_free(r[i].direct);
        if (r[i].g_other)
            gsl_vector_free(r[i].g_other);
        ihg_session_free(r[i].s);
    }
    free(r);
    free(x);
    free(y);
    ihg_json_free(&j);
    return rc;
}
