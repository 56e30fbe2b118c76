/* test_history.c - every outer step kept (history.h): the whole state of a
 * session put back exactly, scrubbing, recomputation from checkpoints,
 * branches.
 *
 * The runs are deterministic from the seed, so "exactly" is bit for bit:
 * records compared field by field (the time aside) and lambda compared with
 * memcmp, on runs that draw minibatches (the random stream and the order),
 * keep moments across outer steps (momentum and adam inner loops with a
 * warm start, adam outer) and change settings part-way.
 */
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"
#include "config.h"
#include "error.h"
#include "history.h"
#include "session.h"

#define MAX_STEPS 16

static int load(ihg_config *cfg, const char *yaml)
{
    int st = ihg_config_load_string(cfg, "test.yaml", yaml, strlen(yaml), NULL);
    if (st != IHG_OK)
        printf("config error: %s\n", ihg_error_message());
    return st;
}

/* The experiments: minibatches, moments carried over, learned lr. */
static const char *const yamls[] = {
    "seed: 3\n"
    "data: {synthetic: {n: 90, n_val: 40, d: 5, k: 3}}\n"
    "model: {kind: softmax, init_log_decay: -2}\n"
    "inner: {optimizer: momentum, lr: 0.1, steps: 12, batch: 16}\n"
    "outer: {optimizer: adam, lr: 0.1, steps: 9}\n"
    "hypergrad: {method: neumann, terms: 6}\n",

    "seed: 7\n"
    "data: {synthetic: {n: 70, n_val: 30, d: 6}}\n"
    "model: {kind: logistic, init_log_decay: -1}\n"
    "inner: {optimizer: adam, lr: 0.05, steps: 10, batch: 20}\n"
    "outer: {optimizer: rmsprop, lr: 0.05, steps: 8}\n"
    "hypergrad: {method: cg, iters: 5}\n",

    "seed: 2\n"
    "model: {kind: quadratic}\n"
    "inner: {optimizer: sgd, lr: 0.05, steps: 20, learn: [lr]}\n"
    "outer: {optimizer: sgd, lr: 0.2, steps: 7}\n"
    "hypergrad: {method: unrolled}\n",

    "seed: 5\n"
    "data: {synthetic: {n: 60, n_val: 30, d: 4}}\n"
    "model: {kind: ridge}\n"
    "inner: {optimizer: sgd, lr: 0.05, steps: 15, warm_start: false}\n"
    "outer: {steps: 8}\n"
    "hypergrad: {method: identity}\n",
};

static int same_record(const ihg_record *a, const ihg_record *b)
{
    ihg_record x = *a, y = *b;
    x.seconds = y.seconds = 0;
    x.restarted = y.restarted = 0;
    x.note = y.note = NULL;
    /* field by field through the bytes of a copy with padding cleared */
    ihg_record cx, cy;
    memset(&cx, 0, sizeof cx);
    memset(&cy, 0, sizeof cy);
    cx.outer = x.outer, cy.outer = y.outer;
    cx.inner_steps = x.inner_steps, cy.inner_steps = y.inner_steps;
    cx.train_loss = x.train_loss, cy.train_loss = y.train_loss;
    cx.val_loss = x.val_loss, cy.val_loss = y.val_loss;
    cx.test_loss = x.test_loss, cy.test_loss = y.test_loss;
    cx.train_acc = x.train_acc, cy.train_acc = y.train_acc;
    cx.val_acc = x.val_acc, cy.val_acc = y.val_acc;
    cx.test_acc = x.test_acc, cy.test_acc = y.test_acc;
    cx.grad_norm = x.grad_norm, cy.grad_norm = y.grad_norm;
    cx.hypergrad_norm = x.hypergrad_norm, cy.hypergrad_norm = y.hypergrad_norm;
    cx.direct_norm = x.direct_norm, cy.direct_norm = y.direct_norm;
    cx.v_norm = x.v_norm, cy.v_norm = y.v_norm;
    cx.q_norm = x.q_norm, cy.q_norm = y.q_norm;
    cx.jtq_norm = x.jtq_norm, cy.jtq_norm = y.jtq_norm;
    cx.lambda_norm = x.lambda_norm, cy.lambda_norm = y.lambda_norm;
    cx.method = x.method, cy.method = y.method;
    cx.terms = x.terms, cy.terms = y.terms;
    cx.alpha = x.alpha, cy.alpha = y.alpha;
    cx.hvps = x.hvps, cy.hvps = y.hvps;
    cx.fallback = x.fallback, cy.fallback = y.fallback;
    cx.inner_lr = x.inner_lr, cy.inner_lr = y.inner_lr;
    cx.outer_lr = x.outer_lr, cy.outer_lr = y.outer_lr;
    return memcmp(&cx, &cy, sizeof cx) == 0;
}

/* One reference run: the records and lambda (and theta) after each step. */
typedef struct {
    long n;
    ihg_record rec[MAX_STEPS + 1];
    double *lambda[MAX_STEPS + 1], *theta[MAX_STEPS + 1];
    size_t Hn, P;
} run_copy;

static void keep(run_copy *rc, const ihg_session *s)
{
    long k = ihg_session_outer(s);
    if (k > MAX_STEPS)
        return;
    rc->lambda[k] = malloc(rc->Hn * sizeof(double));
    rc->theta[k] = malloc(rc->P * sizeof(double));
    memcpy(rc->lambda[k], ihg_session_lambda(s)->data, rc->Hn * sizeof(double));
    memcpy(rc->theta[k], ihg_session_theta(s)->data, rc->P * sizeof(double));
    if (k > 0)
        rc->rec[k] = ihg_session_history(s)[k - 1];
    rc->n = k;
}

static void drop(run_copy *rc)
{
    for (long k = 0; k <= MAX_STEPS; k++) {
        free(rc->lambda[k]);
        free(rc->theta[k]);
    }
}

/* Run s to the end, capturing every step into h and copying it into rc. */
static int run_all(ihg_session *s, ihg_history *h, run_copy *rc)
{
    keep(rc, s);
    while (!ihg_session_finished(s)) {
        unsigned ev = 0;
        if (ihg_session_outer_step(s, &ev) != IHG_OK)
            return -1;
        if (!(ev & IHG_EV_OUTER_DONE))
            return -1;
        if (h && ihg_history_capture(h, s, NULL) != IHG_OK) {
            printf("capture: %s\n", ihg_error_message());
            return -1;
        }
        keep(rc, s);
    }
    return 0;
}

/* The session from where it is to the end matches rc from step k on. */
static int replays(ihg_session *s, const run_copy *rc, long k, const char *what)
{
    int ok = ihg_session_outer(s) == k &&
             memcmp(ihg_session_lambda(s)->data, rc->lambda[k], rc->Hn * sizeof(double)) == 0 &&
             memcmp(ihg_session_theta(s)->data, rc->theta[k], rc->P * sizeof(double)) == 0;
    for (long j = 1; ok && j <= k; j++)
        ok = same_record(&ihg_session_history(s)[j - 1], &rc->rec[j]);
    CHECK(ok, "%s: restored at step %ld: theta, lambda and records 1..%ld bit for bit", what,
          k, k);
    long bad = -1;
    while (!ihg_session_finished(s) && bad < 0) {
        if (ihg_session_outer_step(s, NULL) != IHG_OK) {
            bad = ihg_session_outer(s) + 1;
            break;
        }
        long j = ihg_session_outer(s);
        if (!same_record(&ihg_session_history(s)[j - 1], &rc->rec[j]) ||
            memcmp(ihg_session_lambda(s)->data, rc->lambda[j], rc->Hn * sizeof(double)) != 0)
            bad = j;
    }
    CHECK(bad < 0 && ihg_session_outer(s) == rc->n,
          "%s: stepping on from step %ld reproduces steps %ld..%ld bit for bit (first "
          "difference: %ld)", what, k, k + 1, rc->n, bad);
    return bad < 0;
}

static void test_restore(const char *yaml, int which)
{
    char what[64];
    snprintf(what, sizeof what, "experiment %d", which);
    ihg_config cfg;
    if (load(&cfg, yaml) != IHG_OK) {
        CHECK(0, "%s: config", what);
        ihg_config_free(&cfg);
        return;
    }
    ihg_session *s = ihg_session_alloc(&cfg);
    CHECK(s != NULL, "%s: session", what);
    if (!s) {
        printf("  %s\n", ihg_error_message());
        ihg_config_free(&cfg);
        return;
    }
    run_copy ref;
    memset(&ref, 0, sizeof ref);
    ref.Hn = ihg_session_n_hyper(s);
    ref.P = ihg_session_n_params(s);
    /* a budget of about three states: the checkpoints thin out */
    double budget = 3.5 * (double)ihg_session_state_size(s);
    ihg_history *h = ihg_history_alloc(s, budget);
    CHECK(h != NULL, "%s: history", what);
    if (!h || run_all(s, h, &ref) != 0) {
        CHECK(0, "%s: the run completes", what);
        goto done;
    }
    ihg_history_memory mem;
    ihg_history_memory_used(h, &mem);
    CHECK(mem.every > 1 && mem.checkpoint_bytes <= budget,
          "%s: checkpoints thinned to every %ld-th step, %.0f bytes within %.0f", what,
          mem.every, mem.checkpoint_bytes, budget);

    /* views: every step as it was, at once */
    int views_ok = 1;
    for (long k = 0; k <= ref.n; k++) {
        ihg_step_view v;
        if (ihg_history_view(h, 0, k, &v) != IHG_OK) {
            views_ok = 0;
            break;
        }
        views_ok &= v.step == k && v.n_records == (size_t)k && v.exact &&
                    memcmp(v.lambda, ref.lambda[k], ref.Hn * sizeof(double)) == 0 &&
                    (!v.theta || memcmp(v.theta, ref.theta[k], ref.P * sizeof(double)) == 0);
        for (long j = 1; j <= k; j++)
            views_ok &= same_record(&v.records[j - 1], &ref.rec[j]);
    }
    CHECK(views_ok, "%s: view(k) gives each step's records, lambda and theta", what);

    /* restore(k) then step: the original run again, from every k */
    for (long k = ref.n; k >= 0; k--) {
        if (ihg_history_restore(h, s, 0, k) != IHG_OK) {
            CHECK(0, "%s: restore(%ld): %s", what, k, ihg_error_message());
            continue;
        }
        /* stepping on follows the kept branch: no new branch appears */
        while (!ihg_session_finished(s) && ihg_session_outer(s) < k + 2) {
            ihg_session_outer_step(s, NULL);
            ihg_history_capture(h, s, NULL);
        }
        if (ihg_history_restore(h, s, 0, k) != IHG_OK)
            continue;
        replays(s, &ref, k, what);
    }
    CHECK(ihg_history_n_branches(h) == 1,
          "%s: following the kept steps again makes no branch (%zu)", what,
          ihg_history_n_branches(h));

    /* a branch from step k with other settings diverges only after k */
    long k = ref.n / 2;
    int nb = ihg_history_branch(h, s, 0, k);
    CHECK(nb == 1, "%s: branch from step %ld (id %d)", what, k, nb);
    if (nb == 1) {
        const ihg_method_type *m = ihg_session_method(s);
        int st;
        if (m->flags & IHG_METHOD_USES_K)
            st = ihg_session_set_terms(s, ihg_session_terms(s) + 3);
        else
            st = ihg_session_set_outer_lr(s, ihg_session_outer_lr(s) * 0.5);
        int same_before = st == IHG_OK && memcmp(ihg_session_lambda(s)->data,
                                                 ref.lambda[k], ref.Hn * sizeof(double)) == 0;
        for (long j = 1; j <= k; j++)
            same_before &= same_record(&ihg_session_history(s)[j - 1], &ref.rec[j]);
        CHECK(same_before, "%s: the branch starts from step %ld as it was", what, k);
        while (!ihg_session_finished(s)) {
            ihg_session_outer_step(s, NULL);
            ihg_history_capture(h, s, NULL);
        }
        const ihg_record *r = ihg_history_record(h, nb, k + 1);
        CHECK(r && !same_record(r, &ref.rec[k + 1]) &&
                  ihg_history_record(h, nb, k) == ihg_history_record(h, 0, k),
              "%s: the branch shares steps 1..%ld and differs from step %ld on", what, k,
              k + 1);
        ihg_branch_info bi;
        ihg_history_branch_info(h, nb, &bi);
        CHECK(bi.parent == 0 && bi.base == k && bi.last == ref.n && bi.lambda_distance > 0 &&
                  bi.compared_at == ref.n,
              "%s: branch %d from step %ld of branch 0, %ld steps, lambda %.3g away (%s)",
              what, nb, bi.base, bi.last, bi.lambda_distance, bi.label);
        /* back to the first branch: exactly as it was */
        if (ihg_history_restore(h, s, 0, ref.n) == IHG_OK)
            replays(s, &ref, ref.n, what);
        else
            CHECK(0, "%s: back to branch 0: %s", what, ihg_error_message());
        /* and the branch's own steps can be restored too */
        if (ihg_history_restore(h, s, nb, ref.n - 1) == IHG_OK) {
            ihg_session_outer_step(s, NULL);
            const ihg_record *last = ihg_history_record(h, nb, ref.n);
            CHECK(last && same_record(&ihg_session_history(s)[ref.n - 1], last),
                  "%s: a branch's step recomputed from its checkpoints", what);
        } else {
            CHECK(0, "%s: restore on the branch: %s", what, ihg_error_message());
        }
    }
done:
    drop(&ref);
    ihg_history_free(h);
    ihg_session_free(s);
    ihg_config_free(&cfg);
}

/* A step started again part-way (new lambda) cannot be recomputed: its
 * state is kept, and restoring past it still works. */
/* The first experiment with a history that keeps only what it must (a
 * budget of 1 byte); 0, or -1 with everything freed. */
static int small_budget(ihg_config *cfg, ihg_session **s, ihg_history **h, const char *what)
{
    *s = NULL;
    *h = NULL;
    if (load(cfg, yamls[0]) == IHG_OK && (*s = ihg_session_alloc(cfg)))
        *h = ihg_history_alloc(*s, 1.0);
    CHECK(*h != NULL, "%s: history with a budget of 1 byte", what);
    if (*h)
        return 0;
    ihg_session_free(*s);
    ihg_config_free(cfg);
    return -1;
}

static void test_restarted(void)
{
    ihg_config cfg;
    ihg_session *s;
    ihg_history *h;
    if (small_budget(&cfg, &s, &h, "restarted") != 0)
        return;
    for (int i = 0; i < 3; i++) {
        ihg_session_outer_step(s, NULL);
        ihg_history_capture(h, s, NULL);
    }
    /* part-way into step 4, a new lambda: the step starts again */
    for (int i = 0; i < 5; i++)
        ihg_session_step(s, 1, NULL);
    gsl_vector *l = gsl_vector_alloc(ihg_session_n_hyper(s));
    gsl_vector_memcpy(l, ihg_session_lambda(s));
    gsl_vector_add_constant(l, 0.25);
    ihg_session_set_lambda(s, l);
    gsl_vector_free(l);
    ihg_session_outer_step(s, NULL);
    ihg_history_capture(h, s, NULL);
    ihg_session_outer_step(s, NULL);
    ihg_history_capture(h, s, NULL);
    CHECK(ihg_history_record(h, 0, 4) && ihg_history_record(h, 0, 4)->restarted,
          "restarted: step 4 says it was started again");
    ihg_history_memory mem;
    ihg_history_memory_used(h, &mem);
    CHECK(mem.checkpoints == 2, "restarted: the start and the state after step 4 kept "
          "(%zu checkpoints)", mem.checkpoints);
    ihg_record r5 = *ihg_history_record(h, 0, 5);
    double *l5 = malloc(ihg_session_n_hyper(s) * sizeof(double));
    memcpy(l5, ihg_session_lambda(s)->data, ihg_session_n_hyper(s) * sizeof(double));
    int st = ihg_history_restore(h, s, 0, 4);
    st = st == IHG_OK ? ihg_session_outer_step(s, NULL) : st;
    CHECK(st == IHG_OK && same_record(&ihg_session_history(s)[4], &r5) &&
              memcmp(ihg_session_lambda(s)->data, l5,
                     ihg_session_n_hyper(s) * sizeof(double)) == 0,
          "restarted: step 5 recomputed from the state after step 4");
    st = ihg_history_restore(h, s, 0, 2);
    CHECK(st == IHG_OK && ihg_session_outer(s) == 2 && ihg_session_history_len(s) == 2,
          "restarted: steps before it recomputed from the start");
    free(l5);
    ihg_history_free(h);
    ihg_session_free(s);
    ihg_config_free(&cfg);
}

/* Settings changed between steps are replayed as they were. */
static void test_settings_changes(void)
{
    ihg_config cfg;
    ihg_session *s;
    ihg_history *h;
    if (small_budget(&cfg, &s, &h, "settings") != 0)
        return;
    run_copy ref;
    memset(&ref, 0, sizeof ref);
    ref.Hn = ihg_session_n_hyper(s);
    ref.P = ihg_session_n_params(s);
    keep(&ref, s);
    for (int i = 1; i <= 6; i++) {
        if (i == 2)
            ihg_session_set_method(s, &ihg_method_cg);
        if (i == 3)
            ihg_session_set_terms(s, 3);
        if (i == 4)
            ihg_session_set_inner_lr(s, 0.05);
        if (i == 5) {
            ihg_session_set_method(s, &ihg_method_neumann);
            ihg_session_set_alpha(s, 0.05);
            ihg_session_set_outer_lr(s, 0.02);
        }
        ihg_session_outer_step(s, NULL);
        ihg_history_capture(h, s, NULL);
        keep(&ref, s);
    }
    ihg_step_view v;
    ihg_history_view(h, 0, 3, &v);
    CHECK(v.settings.method == &ihg_method_cg && v.settings.K == 3,
          "settings: the view of step 3 has the settings after it (cg, K = 3)");
    int st = ihg_history_restore(h, s, 0, 1);
    CHECK(st == IHG_OK && ihg_session_method(s) == &ihg_method_neumann,
          "settings: restored at step 1 with the settings then (neumann)");
    /* the replay from the start: each step with its own settings */
    st = ihg_history_restore(h, s, 0, 6);
    CHECK(st == IHG_OK, "settings: steps 1..6 recomputed from the start with the settings "
          "each was made with (%s)", st == IHG_OK ? "ok" : ihg_error_message());
    CHECK(st == IHG_OK && memcmp(ihg_session_lambda(s)->data, ref.lambda[6],
                                 ref.Hn * sizeof(double)) == 0 &&
              ihg_session_outer_lr(s) == 0.02 && ihg_session_inner_lr(s) == 0.05,
          "settings: lambda after step 6 and the learning rates as they were");
    drop(&ref);
    ihg_history_free(h);
    ihg_session_free(s);
    ihg_config_free(&cfg);
}

int main(void)
{
    ihg_error_install_gsl_handler();
    for (size_t i = 0; i < sizeof yamls / sizeof yamls[0]; i++)
        test_restore(yamls[i], (int)i);
    test_restarted();
    test_settings_changes();
    return check_summary();
}
