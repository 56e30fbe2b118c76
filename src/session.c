/* session.c - the step machine behind the explorer and --batch.
 *
 * One outer step:
 *   INNER      inner optimizer steps on theta (fixed count, or until
 *              ||grad L_T|| <= inner.tol capped by inner.max_steps)
 *   (setup)    v = dL_V/dtheta, direct = dL_V/dlambda, losses for the record
 *   SOLVE      q ~ H^{-1} v, one Neumann term / CG iteration per unit
 *   HYPERGRAD  g = direct - J^T q
 *   UPDATE     outer optimizer step on lambda, record appended
 * Every unit is small so a caller can redraw between them.  Nothing is
 * allocated inside a step: all vectors are made in ihg_session_alloc (or
 * when the method is changed, for the exact solver's matrix).
 */
#include "session.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "linalg.h"
#include "explicit.h"
#include "number.h"
#include "optim.h"
#include "precond.h"
#include "timer.h"
/* Metrics of large sets are evaluated at most this many rows per unit of
 * work, fewer for big models: about 3e8 / P rows keeps a unit's forward
 * passes near 1 GFLOP (tens of milliseconds). */
#define EVAL_CHUNK 512
#define EVAL_MIN_CHUNK 16
/* Largest P and Hn a session accepts: its ~25 P-vectors and ~10 Hn-vectors
 * then stay below about 5 GiB. */
#define IHG_MAX_PARAMS 20000000
/* At most this many known null directions of H (model.h null_space). */
#define NULL_SPACE_MAX 8
/* The largest trajectory a session records: 8 GiB for a method that needs
 * it, 1 GiB when it is only for comparisons (--compare, the explorer's c);
 * above that the comparison skips the explicit methods and says why. */
#define TRAJECTORY_MAX_BYTES (8.0 * 1073741824.0)
#define TRAJECTORY_COMPARE_BYTES (1.0 * 1073741824.0)

struct ihg_session {
    const ihg_config *cfg;
    gsl_rng *rng, *rng_start, *rng_init;
    ihg_dataset ds;
    ihg_model *model;
    size_t P, Hn;             /* parameters; hyperparameters (all segments) */
    size_t Hm;                /* the model's hyperparameters: lambda[0, Hm) */
    ihg_hyper_layout layout;

    gsl_vector *theta, *lambda, *theta_init, *lambda_init;
    gsl_vector *grad, *v, *direct, *hg, *lambda_prev;
    gsl_vector_view lambda_m; /* the model's segment of lambda            */

    ihg_inner *inner;
    ihg_inner_problem ipb;
    ihg_optimizer *outer_opt;

    ihg_method *hgm;          /* the hypergradient method's instance      */
    ihg_hg_problem pb;
    ihg_linop Hop;
    gsl_matrix *null_full;    /* model's known null directions of H */
    gsl_matrix_view null_view;

    ihg_data *batch;
    size_t *order, order_pos, *batch_rows;

    ihg_trajectory *traj;     /* recording on: the inner loop's steps     */
    int traj_wanted;          /* asked for by a caller (comparisons)      */
    int traj_complete;        /* traj holds this outer step's whole loop  */
    char traj_why[256];       /* why recording could not start, or ""     */
    gsl_vector *theta_start;  /* theta where this outer step began        */
    long lr_index, mom_index; /* learned log lr, logit momentum; -1: none  */
    char blind_note[160];     /* the segments the IFT cannot see, why     */
    /* explicit methods: the recorded loop and the model on a step's data */
    ihg_explicit ex;
    ihg_data *step_batch;     /* a step's minibatch, rebuilt from its rows */
    /* re-runs of the inner loop (fd) */
    gsl_vector *rr_theta, *rr_m, *rr_g;
    gsl_vector_view rr_lambda_m;
    ihg_replayer *rr_rep;
    ihg_inner *rr_inner;

    ihg_phase phase;
    long inner_k, outer, inner_total;
    const ihg_method_type *method;
    long K;
    double alpha; /* 0: inner lr */
    double inner_lr;          /* the inner loops' lr (not learned)        */

    /* chunked evaluation of the record's accuracies and test metrics */
    int eval_stage;
    size_t eval_row;
    double eval_loss, eval_hits;
    ihg_data chunk;
    gsl_matrix_view chunk_X;
    gsl_vector_view chunk_y;

    ihg_record cur;
    ihg_record *hist;
    size_t hist_len, hist_cap;
    double unit_start; /* start of the unit under way */
    char msg[512];
};

static const char *phase_names[] = {"inner", "solve", "hypergrad", "update",
                                    "done", "stopped", "eval"};

const char *ihg_phase_name(ihg_phase p)
{
    return (unsigned)p < sizeof phase_names / sizeof phase_names[0]
               ? phase_names[p]
               : "?";
}

static void set_msg(ihg_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_msg(ihg_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    va_end(ap);
}

/* ---- the model at the session's data -------------------------------- */

/* The model sees its own segment of lambda, lambda[0, Hm). */
#define MODEL_LAMBDA(s) (&(s)->lambda_m.vector)

/* A family with randomness of its own (model.h set_draw) is told which
 * draw the calls that follow use: inner step `step` of the outer step
 * under way, or IHG_DRAW_POINT where its hypergradient is taken (L_T on
 * the whole training set, H and J). */
static void model_draw(ihg_session *s, long step)
{
    if (s->model->type->set_draw)
        s->model->type->set_draw(s->model, s->outer, step);
}

static double train_loss_full(ihg_session *s, gsl_vector *grad)
{
    model_draw(s, IHG_DRAW_POINT);
    return s->model->type->train_loss(s->model, s->theta, MODEL_LAMBDA(s),
                                      s->ds.train, grad);
}

static void hvp_apply(const gsl_vector *u, gsl_vector *Hu, void *params)
{
    ihg_session *s = params;
    model_draw(s, IHG_DRAW_POINT);
    s->model->type->train_hvp(s->model, s->theta, MODEL_LAMBDA(s), s->ds.train, u, Hu);
}

static void hessian_matrix(gsl_matrix *H, void *params)
{
    ihg_session *s = params;
    model_draw(s, IHG_DRAW_POINT);
    s->model->type->train_hessian(s->model, s->theta, MODEL_LAMBDA(s), s->ds.train, H);
}

static void hessian_diagonal(gsl_vector *diag, void *params)
{
    ihg_session *s = params;
    model_draw(s, IHG_DRAW_POINT);
    s->model->type->train_hessian_diag(s->model, s->theta, MODEL_LAMBDA(s), s->ds.train, diag);
}

void ihg_session_hessian_op(ihg_session *s, ihg_linop *H) { *H = s->Hop; }

double ihg_session_val_grads(ihg_session *s, gsl_vector *v, gsl_vector *direct)
{
    /* L_V depends on lambda only through the model's segment */
    gsl_vector_view dm = gsl_vector_subvector(direct, 0, s->Hm);
    if (s->Hm < s->Hn) {
        gsl_vector_view rest = gsl_vector_subvector(direct, s->Hm, s->Hn - s->Hm);
        gsl_vector_set_zero(&rest.vector);
    }
    return s->model->type->val_loss(s->model, s->theta, MODEL_LAMBDA(s), s->ds.val,
                                    v, &dm.vector);
}

void ihg_session_jtvp(ihg_session *s, const gsl_vector *u, gsl_vector *out)
{
    /* J = d2 L_T / dtheta dlambda is zero in the segments L_T does not see */
    gsl_vector_view om = gsl_vector_subvector(out, 0, s->Hm);
    if (s->Hm < s->Hn) {
        gsl_vector_view rest = gsl_vector_subvector(out, s->Hm, s->Hn - s->Hm);
        gsl_vector_set_zero(&rest.vector);
    }
    model_draw(s, IHG_DRAW_POINT);
    s->model->type->train_jtvp(s->model, s->theta, MODEL_LAMBDA(s), s->ds.train, u,
                               &om.vector);
}

static void jtvp_apply(const gsl_vector *u, gsl_vector *out, void *params)
{
    ihg_session_jtvp(params, u, out);
}

static void refresh_explicit(ihg_session *s);

void ihg_session_problem(ihg_session *s, const gsl_vector *v, const gsl_vector *direct,
                         ihg_hg_problem *pb)
{
    pb->P = s->P;
    pb->Hn = s->Hn;
    pb->H = &s->Hop;
    pb->v = v;
    pb->direct = direct;
    pb->jtvp = jtvp_apply;
    pb->params = s;
    refresh_explicit(s);
    pb->ex = &s->ex;
}

static const ihg_data *next_batch(void *params);

/* ---- explicit methods: the model on one step's minibatch ------------- */

/* Copy the rows of the training set into b. */
static void gather_rows(const ihg_data *src, const size_t *rows, ihg_data *b)
{
    for (size_t i = 0; i < b->n; i++) {
        for (size_t j = 0; j < src->d; j++)
            gsl_matrix_set(b->X, i, j, gsl_matrix_get(src->X, rows[i], j));
        gsl_vector_set(b->y, i, gsl_vector_get(src->y, rows[i]));
    }
}

static const ihg_data *ex_batch(void *params, long t)
{
    ihg_session *s = params;
    const size_t *rows = s->traj ? ihg_trajectory_rows(s->traj, t) : NULL;
    model_draw(s, t); /* the step's own noise, if any */
    if (!rows || !s->step_batch)
        return s->ds.train;
    gather_rows(s->ds.train, rows, s->step_batch);
    return s->step_batch;
}

static double ex_grad(void *params, const gsl_vector *theta, const ihg_data *d, gsl_vector *g)
{
    ihg_session *s = params;
    return s->model->type->train_loss(s->model, theta, MODEL_LAMBDA(s), d, g);
}

static void ex_hvp(void *params, const gsl_vector *theta, const ihg_data *d,
                   const gsl_vector *u, gsl_vector *Hu)
{
    ihg_session *s = params;
    s->model->type->train_hvp(s->model, theta, MODEL_LAMBDA(s), d, u, Hu);
}

static void ex_jtvp(void *params, const gsl_vector *theta, const ihg_data *d,
                    const gsl_vector *u, gsl_vector *out)
{
    ihg_session *s = params;
    gsl_vector_view om = gsl_vector_subvector(out, 0, s->Hm);
    if (s->Hm < s->Hn) {
        gsl_vector_view rest = gsl_vector_subvector(out, s->Hm, s->Hn - s->Hm);
        gsl_vector_set_zero(&rest.vector);
    }
    s->model->type->train_jtvp(s->model, theta, MODEL_LAMBDA(s), d, u, &om.vector);
}

static int ex_jvp(void *params, const gsl_vector *theta, const ihg_data *d,
                  const gsl_vector *u, gsl_vector *out)
{
    ihg_session *s = params;
    if (!s->model->type->train_jvp)
        return ihg_error_set(IHG_EINVAL, "model '%s' has no J u product: forward mode "
                             "cannot run on it (use unrolled)", s->model->type->name);
    gsl_vector_const_view um = gsl_vector_const_subvector(u, 0, s->Hm);
    s->model->type->train_jvp(s->model, theta, MODEL_LAMBDA(s), d, &um.vector, out);
    return IHG_OK;
}

static double logistic_of(double x) { return 1.0 / (1.0 + exp(-x)); }

/* The inner loop of this outer step again, at lambda2: replayed from the
 * record (sgd, momentum), or run again from theta_start (whole-set
 * optimizers, and any optimizer to a tolerance on the whole set). */
static int ex_rerun(void *params, const gsl_vector *lambda2, double *val_loss)
{
    ihg_session *s = params;
    const ihg_config *cfg = s->cfg;
    gsl_vector_const_view lm = gsl_vector_const_subvector(lambda2, 0, s->Hm);
    const gsl_vector *lam = &lm.vector;
    const ihg_model_type *t = s->model->type;
    if (s->traj_complete && s->traj) {
        const ihg_trajectory *tr = s->traj;
        long T = ihg_trajectory_len(tr);
        gsl_vector_const_view th0 =
            gsl_vector_const_view_array(ihg_trajectory_theta(tr, 0), s->P);
        gsl_vector_memcpy(s->rr_theta, &th0.vector);
        if (ihg_trajectory_has_momentum(tr)) {
            gsl_vector_const_view m0 = gsl_vector_const_view_array(ihg_trajectory_m(tr, 0), s->P);
            gsl_vector_memcpy(s->rr_m, &m0.vector);
        }
        for (long k = 0; k < T; k++) {
            double lr = s->lr_index >= 0 ? exp(gsl_vector_get(lambda2, (size_t)s->lr_index))
                                         : ihg_trajectory_lr(tr, k);
            double mu = s->mom_index >= 0
                            ? logistic_of(gsl_vector_get(lambda2, (size_t)s->mom_index))
                            : ihg_trajectory_momentum(tr, k);
            t->train_loss(s->model, s->rr_theta, lam, ex_batch(s, k), s->rr_g);
            ihg_replayer_step(s->rr_rep, lr, mu, s->rr_theta,
                              ihg_trajectory_has_momentum(tr) ? s->rr_m : NULL, s->rr_g);
        }
    } else {
        /* a whole-set optimizer from where this outer step began */
        ihg_inner_problem pb = s->ipb;
        pb.lambda = lam;
        pb.theta = s->rr_theta;
        pb.grad = s->rr_g;
        gsl_vector_memcpy(s->rr_theta, s->theta_start);
        ihg_inner_reset(s->rr_inner);
        ihg_inner_begin(s->rr_inner);
        long cap = cfg->inner.tol > 0 ? cfg->inner.max_steps : cfg->inner.steps;
        for (long k = 0; k < cap; k++) {
            double f = NAN;
            pb.f_known = NAN;
            model_draw(s, cfg->inner.tol > 0 ? IHG_DRAW_POINT : k);
            if (cfg->inner.tol > 0) {
                f = t->train_loss(s->model, s->rr_theta, lam, s->ds.train, s->rr_g);
                if (!isfinite(f))
                    break;
                if (gsl_blas_dnrm2(s->rr_g) <= cfg->inner.tol)
                    break;
                pb.f_known = f;
            }
            if (ihg_inner_step(s->rr_inner, &pb, &f) != IHG_OK)
                break;
        }
    }
    *val_loss = t->val_loss(s->model, s->rr_theta, lam, s->ds.val, NULL, NULL);
    return IHG_OK;
}

/* Why the reverse and forward passes cannot run with this experiment's
 * inner loop (NULL: they can). */
static const char *explicit_why_not(const ihg_config *cfg)
{
    static char why[160];
    const ihg_inner_type *it = cfg->inner.optimizer;
    if (cfg->model.type && (cfg->model.type->flags & IHG_MODEL_THETA_FROM_LAMBDA))
        return "the inner loop starts from lambda (model.kind: imaml): the reverse and "
               "forward passes hold theta_0 fixed and would miss d theta_0 / d lambda";
    if (it != &ihg_inner_sgd && it != &ihg_inner_momentum) {
        snprintf(why, sizeof why, "the reverse and forward passes differentiate sgd and "
                 "momentum inner steps, not %s (inner.optimizer)", it->name);
        return why;
    }
    if (cfg->inner.tol > 0)
        return "the reverse and forward passes need a fixed number of inner steps "
               "(inner.steps, not inner.tol)";
    return NULL;
}

/* Why fd cannot re-run this experiment's inner loop (NULL: it can). */
static const char *rerun_why_not(const ihg_config *cfg, int minibatches)
{
    const ihg_inner_type *it = cfg->inner.optimizer;
    if (cfg->model.type && (cfg->model.type->flags & IHG_MODEL_THETA_FROM_LAMBDA))
        return "the inner loop starts from lambda (model.kind: imaml): re-runs start "
               "from the theta_0 of the current lambda";
    if (it == &ihg_inner_sgd || it == &ihg_inner_momentum)
        return cfg->inner.tol > 0 && minibatches
                   ? "an inner loop on minibatches run to a tolerance cannot be re-run "
                     "step for step"
                   : NULL;
    if (it->flags & IHG_INNER_SOLVER)
        return NULL;
    if (cfg->inner.tol > 0 && !minibatches)
        return NULL;
    return "fd re-runs sgd and momentum steps from the record, and whole-set solvers; "
           "not this optimizer with a fixed number of steps";
}

static int wants_trajectory(const ihg_session *s)
{
    return (s->traj_wanted || (s->method->flags & IHG_METHOD_EXPLICIT)) &&
           !explicit_why_not(s->cfg);
}

/* The vectors of re-runs (fd, and comparisons that include it). */
static int ensure_rerun(ihg_session *s)
{
    if (s->rr_theta || !(s->traj_wanted || s->method == &ihg_method_fd))
        return IHG_OK;
    const ihg_config *cfg = s->cfg;
    s->rr_theta = gsl_vector_alloc(s->P);
    s->rr_m = gsl_vector_calloc(s->P);
    s->rr_g = gsl_vector_alloc(s->P);
    s->rr_rep = ihg_replayer_alloc(s->P, (cfg->inner.optimizer->flags & IHG_INNER_MOMENTUM) != 0);
    s->rr_inner = ihg_inner_alloc(cfg->inner.optimizer, s->P, cfg->inner.lr,
                                  cfg->inner.momentum, cfg->inner.beta1, cfg->inner.beta2,
                                  cfg->inner.eps);
    if (!s->rr_theta || !s->rr_m || !s->rr_g || !s->rr_rep || !s->rr_inner)
        return ihg_error_set(IHG_ENOMEM, "out of memory (re-runs of the inner loop, P = %zu)",
                             s->P);
    return IHG_OK;
}

/* The explicit methods' view of the outer step that just ran. */
static void refresh_explicit(ihg_session *s)
{
    const char *why = explicit_why_not(s->cfg);
    s->ex.traj = s->traj && s->traj_complete ? s->traj : NULL;
    s->ex.why_not = why;
    if (!why && !s->ex.traj)
        s->ex.why_not = s->traj_why[0] ? s->traj_why
                        : "this outer step's inner loop was not recorded (recording "
                          "starts with the next outer step)";
    s->ex.why_not_rerun = rerun_why_not(s->cfg, s->batch != NULL);
    if (!s->ex.why_not_rerun && !s->rr_theta)
        s->ex.why_not_rerun = "re-runs were not prepared (no fd method or comparison)";
    if (!s->ex.why_not_rerun && s->traj && !s->traj_complete &&
        (s->cfg->inner.optimizer->flags & IHG_INNER_FIRST_ORDER))
        s->ex.why_not_rerun = "this outer step's inner loop was not recorded (recording "
                              "starts with the next outer step)";
    if (!s->ex.why_not_rerun && !s->traj &&
        (s->cfg->inner.optimizer->flags & IHG_INNER_FIRST_ORDER) && s->cfg->inner.tol <= 0)
        s->ex.why_not_rerun = "the inner loop was not recorded";
    s->ex.rerun = s->ex.why_not_rerun ? NULL : ex_rerun;
    s->pb.ex = &s->ex;
}

/* Recording on when a method or a caller needs it (room for inner.steps
 * steps; hypergrad.checkpoint keeps every ceil(sqrt T)-th state). */
static int ensure_trajectory(ihg_session *s)
{
    if (s->traj || !wants_trajectory(s))
        return IHG_OK;
    const ihg_config *cfg = s->cfg;
    long T = cfg->inner.steps > 0 ? cfg->inner.steps : 1;
    long every = cfg->hypergrad.checkpoint ? (long)ceil(sqrt((double)T)) : 1;
    s->traj = ihg_trajectory_alloc(s->P, T, s->batch ? s->batch->n : 0,
                                   (cfg->inner.optimizer->flags & IHG_INNER_MOMENTUM) != 0,
                                   every,
                                   (s->method->flags & IHG_METHOD_EXPLICIT)
                                       ? TRAJECTORY_MAX_BYTES
                                       : TRAJECTORY_COMPARE_BYTES);
    s->traj_complete = 0;
    if (!s->traj) {
        snprintf(s->traj_why, sizeof s->traj_why, "%s", ihg_error_message());
        return ihg_error_status();
    }
    s->traj_why[0] = '\0';
    return IHG_OK;
}

/* ---- allocation ------------------------------------------------------ */

static ihg_opt_kind outer_kind(ihg_outer_optimizer o)
{
    switch (o) {
    case IHG_OUTER_ADAM: return IHG_OPT_ADAM;
    case IHG_OUTER_RMSPROP: return IHG_OPT_RMSPROP;
    default: return IHG_OPT_SGD;
    }
}

void ihg_session_method_settings(const ihg_session *s, ihg_method_settings *set)
{
    const ihg_config *cfg = s->cfg;
    set->K = s->K;
    set->alpha = ihg_session_alpha(s);
    set->tol = cfg->hypergrad.tol;
    set->exact_max = cfg->hypergrad.exact_max;
    set->checkpoint = cfg->hypergrad.checkpoint;
    set->forward_max = cfg->hypergrad.forward_max;
    set->fd_max = cfg->hypergrad.fd_max;
    set->fd_step = cfg->hypergrad.fd_step;
    set->damping = cfg->hypergrad.damping;
    set->precondition = cfg->hypergrad.precondition;
    set->probes = cfg->hypergrad.probes;
}

static int make_method(ihg_session *s, const ihg_method_type *type)
{
    ihg_method_settings set;
    ihg_session_method_settings(s, &set);
    ihg_method *n = ihg_method_alloc(type, s->P, s->Hn, &set);
    if (!n)
        return ihg_error_status();
    ihg_method_free(s->hgm);
    s->hgm = n;
    return IHG_OK;
}

ihg_session *ihg_session_alloc(const ihg_config *cfg)
{
    ihg_session *s = calloc(1, sizeof *s);
    if (!s) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    s->cfg = cfg;
    const ihg_model_type *type = ihg_model_lookup(cfg->model.kind);
    if (!type) {
        ihg_error_at(IHG_EINVAL, cfg->path ? cfg->path : "<built-in>",
                     cfg->model.kind_mark.line, cfg->model.kind_mark.column,
                     "unknown model kind '%s'",
                     cfg->model.kind ? cfg->model.kind : "");
        goto fail;
    }
    s->rng = gsl_rng_alloc(gsl_rng_mt19937);
    s->rng_start = gsl_rng_alloc(gsl_rng_mt19937);
    s->rng_init = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s->rng || !s->rng_start || !s->rng_init) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        goto fail;
    }
    gsl_rng_set(s->rng, cfg->seed);
    if (ihg_dataset_load(&s->ds, cfg, type->task, s->rng) != IHG_OK)
        goto fail;
    if (type->task != IHG_TASK_NONE && (!s->ds.train || !s->ds.val)) {
        ihg_error_set(IHG_EINVAL, "model '%s' needs training and validation data",
                      type->name);
        goto fail;
    }
    size_t max_rows = 1;
    if (s->ds.train && s->ds.train->n > max_rows)
        max_rows = s->ds.train->n;
    if (s->ds.val && s->ds.val->n > max_rows)
        max_rows = s->ds.val->n;
    /* the test set is only ever evaluated in chunks (eval_unit) */
    if (s->ds.test) {
        size_t tn = s->ds.test->n < EVAL_CHUNK ? s->ds.test->n : EVAL_CHUNK;
        if (tn > max_rows)
            max_rows = tn;
    }
    s->model = ihg_model_alloc(type, cfg, &s->ds, max_rows);
    if (!s->model) {
        /* point at the experiment's model.kind */
        char msg[700];
        snprintf(msg, sizeof msg, "%s", ihg_error_message());
        ihg_error_at(ihg_error_status(), cfg->path ? cfg->path : "<built-in>",
                     cfg->model.kind_mark.line, cfg->model.kind_mark.column, "%s", msg);
        goto fail;
    }
    s->P = s->model->P;
    s->Hm = s->model->Hn;
    ihg_hyper_layout_init(&s->layout);
    if (type->hyper_segments(s->model, &s->layout) != IHG_OK)
        goto fail;
    if (s->layout.n != s->Hm) {
        ihg_error_set(IHG_EINTERNAL, "model '%s' declares %zu hyperparameters in its "
                      "segments but has %zu", type->name, s->layout.n, s->Hm);
        goto fail;
    }
    /* the inner optimizer's learned settings follow the model's */
    s->lr_index = s->mom_index = -1;
    if (cfg->inner.learn_lr) {
        s->lr_index = (long)s->layout.n;
        if (ihg_hyper_layout_add(&s->layout, IHG_OWNER_INNER, "log lr", 1,
                                 IHG_TRANSFORM_LOG, 0) != IHG_OK)
            goto fail;
    }
    if (cfg->inner.learn_momentum) {
        s->mom_index = (long)s->layout.n;
        if (ihg_hyper_layout_add(&s->layout, IHG_OWNER_INNER, "logit momentum", 1,
                                 IHG_TRANSFORM_LOGIT, 0) != IHG_OK)
            goto fail;
    }
    s->Hn = s->layout.n;
    {
        /* what the implicit function theorem cannot see, said once */
        size_t used = 0;
        s->blind_note[0] = '\0';
        for (size_t i = 0; i < s->layout.nseg; i++)
            if (!s->layout.seg[i].in_loss)
                used += (size_t)snprintf(s->blind_note + used, sizeof s->blind_note - used,
                                         "%s%s", used ? ", " : "", s->layout.seg[i].name);
        if (used)
            snprintf(s->blind_note + used, sizeof s->blind_note - used,
                     ": not in L_T, so the implicit function theorem gives 0: use "
                     "unrolled or forward");
    }
    if (s->P > IHG_MAX_PARAMS || s->Hn > IHG_MAX_PARAMS) {
        /* a session keeps about 25 vectors of P and 10 of Hn doubles */
        ihg_error_at(IHG_EINVAL, cfg->path ? cfg->path : "<built-in>",
                     cfg->model.kind_mark.line, cfg->model.kind_mark.column,
                     "model too large: P = %zu parameters and %zu hyperparameters "
                     "(at most %.0f each, about %.1f GiB)", s->P, s->Hn,
                     (double)IHG_MAX_PARAMS,
                     (25.0 * (double)s->P + 10.0 * (double)s->Hn) * 8 / 1073741824.0);
        goto fail;
    }
    if (s->P == 0 || s->Hn == 0) {
        ihg_error_set(IHG_EINVAL, "model has no parameters or no hyperparameters");
        goto fail;
    }
    gsl_vector **vecP[] = {&s->theta, &s->theta_init, &s->grad, &s->v, &s->theta_start};
    for (size_t i = 0; i < sizeof vecP / sizeof vecP[0]; i++)
        if (!(*vecP[i] = gsl_vector_calloc(s->P))) {
            ihg_error_set(IHG_ENOMEM, "out of memory (P = %zu)", s->P);
            goto fail;
        }
    gsl_vector **vecH[] = {&s->lambda, &s->lambda_init, &s->direct, &s->hg,
                           &s->lambda_prev};
    for (size_t i = 0; i < sizeof vecH / sizeof vecH[0]; i++)
        if (!(*vecH[i] = gsl_vector_calloc(s->Hn))) {
            ihg_error_set(IHG_ENOMEM, "out of memory (Hn = %zu)", s->Hn);
            goto fail;
        }
    s->lambda_m = gsl_vector_subvector(s->lambda, 0, s->Hm);
    s->inner = ihg_inner_alloc(cfg->inner.optimizer, s->P, cfg->inner.lr,
                               cfg->inner.momentum, cfg->inner.beta1, cfg->inner.beta2,
                               cfg->inner.eps);
    if (!s->inner)
        goto fail;
    s->outer_opt = ihg_optimizer_alloc(outer_kind(cfg->outer.optimizer), s->Hn);
    if (!s->outer_opt) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        goto fail;
    }
    s->outer_opt->lr = cfg->outer.lr;
    s->inner_lr = cfg->inner.lr;
    s->outer_opt->beta1 = cfg->outer.beta1;
    s->outer_opt->beta2 = cfg->outer.beta2;
    s->outer_opt->eps = cfg->outer.eps;
    s->outer_opt->decay = cfg->outer.decay;
    s->outer_opt->clip_min = cfg->outer.clip_min;
    s->outer_opt->clip_max = cfg->outer.clip_max;

    s->ipb.model = s->model;
    s->ipb.lambda = MODEL_LAMBDA(s);
    s->ipb.train = s->ds.train;
    s->ipb.theta = s->theta;
    s->ipb.grad = s->grad;
    s->ipb.next_batch = next_batch;
    s->ipb.params = s;
    s->ipb.f_known = NAN;

    if (cfg->inner.batch > 0 && s->ds.train &&
        (size_t)cfg->inner.batch < s->ds.train->n) {
        s->batch = ihg_data_alloc((size_t)cfg->inner.batch, s->ds.train->d);
        s->order = malloc(s->ds.train->n * sizeof *s->order);
        s->batch_rows = malloc((size_t)cfg->inner.batch * sizeof *s->batch_rows);
        s->step_batch = ihg_data_alloc((size_t)cfg->inner.batch, s->ds.train->d);
        if (!s->batch || !s->order || !s->batch_rows || !s->step_batch) {
            ihg_error_set(IHG_ENOMEM, "out of memory (minibatch)");
            goto fail;
        }
    }

    s->Hop.apply = hvp_apply;
    s->Hop.matrix = type->train_hessian ? hessian_matrix : NULL;
    s->Hop.params = s;
    s->Hop.n = s->P;
    s->Hop.null_basis = NULL;
    s->Hop.diagonal = type->train_hessian_diag ? hessian_diagonal : NULL;
    if (type->null_space) {
        s->null_full = gsl_matrix_calloc(s->P, NULL_SPACE_MAX);
        if (!s->null_full) {
            ihg_error_set(IHG_ENOMEM, "out of memory (null space)");
            goto fail;
        }
        size_t r = type->null_space(s->model, s->null_full);
        if (r > 0) {
            s->null_view = gsl_matrix_submatrix(s->null_full, 0, 0, s->P,
                                                r < NULL_SPACE_MAX ? r : NULL_SPACE_MAX);
            s->Hop.null_basis = &s->null_view.matrix;
        }
    }

    s->ex.layout = &s->layout;
    s->ex.lambda = s->lambda;
    s->ex.Hm = s->Hm;
    s->ex.lr_index = s->lr_index;
    s->ex.mom_index = s->mom_index;
    s->ex.momentum = (cfg->inner.optimizer->flags & IHG_INNER_MOMENTUM) != 0;
    s->ex.batch = ex_batch;
    s->ex.grad = ex_grad;
    s->ex.hvp = ex_hvp;
    s->ex.jtvp = ex_jtvp;
    s->ex.jvp = ex_jvp;
    s->ex.params = s;
    ihg_session_problem(s, s->v, s->direct, &s->pb);

    s->method = cfg->hypergrad.method;
    s->K = s->method->k_key && strcmp(s->method->k_key, "iters") == 0
               ? cfg->hypergrad.iters
               : cfg->hypergrad.terms;
    s->alpha = cfg->hypergrad.alpha > 0 ? cfg->hypergrad.alpha : 0.0;
    if (s->method->k_key && strcmp(s->method->k_key, "truncate") == 0)
        s->K = cfg->hypergrad.truncate;
    if (s->method->flags & IHG_METHOD_EXPLICIT) {
        const char *why = s->method == &ihg_method_fd
                              ? rerun_why_not(cfg, s->batch != NULL)
                              : explicit_why_not(cfg);
        if (why) {
            ihg_error_at(IHG_EINVAL, cfg->path ? cfg->path : "<built-in>",
                         cfg->hypergrad.method_mark.line, cfg->hypergrad.method_mark.column,
                         "hypergrad.method: %s: %s", s->method->name, why);
            goto fail;
        }
    }
    if (ensure_trajectory(s) != IHG_OK || ensure_rerun(s) != IHG_OK)
        goto fail;
    if (make_method(s, s->method) != IHG_OK) {
        char msg[700];
        snprintf(msg, sizeof msg, "%s", ihg_error_message());
        ihg_error_at(ihg_error_status() == IHG_ELIMIT ? IHG_EINVAL : ihg_error_status(),
                     cfg->path ? cfg->path : "<built-in>", cfg->hypergrad.method_mark.line,
                     cfg->hypergrad.method_mark.column, "hypergrad.method: %s", msg);
        goto fail;
    }

    /* the start of the run: reset draws theta and lambda from here */
    gsl_rng_memcpy(s->rng_start, s->rng);
    if (ihg_session_reset(s) != IHG_OK)
        goto fail;
    return s;
fail:
    ihg_session_free(s);
    return NULL;
}

void ihg_session_free(ihg_session *s)
{
    if (!s)
        return;
    gsl_vector *vs[] = {s->theta, s->lambda, s->theta_init, s->lambda_init,
                        s->grad, s->v, s->direct, s->hg, s->lambda_prev};
    /* theta_start is freed with the re-run vectors below */
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    ihg_inner_free(s->inner);
    ihg_optimizer_free(s->outer_opt);
    ihg_method_free(s->hgm);
    ihg_trajectory_free(s->traj);
    ihg_data_free(s->step_batch);
    gsl_vector *rr[] = {s->rr_theta, s->rr_m, s->rr_g, s->theta_start};
    for (size_t i = 0; i < sizeof rr / sizeof rr[0]; i++)
        if (rr[i])
            gsl_vector_free(rr[i]);
    ihg_replayer_free(s->rr_rep);
    ihg_inner_free(s->rr_inner);
    if (s->null_full)
        gsl_matrix_free(s->null_full);
    ihg_data_free(s->batch);
    free(s->order);
    free(s->batch_rows);
    ihg_model_free(s->model);
    ihg_dataset_free(&s->ds);
    if (s->rng)
        gsl_rng_free(s->rng);
    if (s->rng_start)
        gsl_rng_free(s->rng_start);
    if (s->rng_init)
        gsl_rng_free(s->rng_init);
    free(s->hist);
    free(s);
}

static void shuffle_order(ihg_session *s)
{
    size_t n = s->ds.train->n;
    for (size_t i = 0; i < n; i++)
        s->order[i] = i;
    gsl_ran_shuffle(s->rng, s->order, n, sizeof *s->order);
    s->order_pos = 0;
}

static void begin_outer(ihg_session *s)
{
    s->phase = IHG_PHASE_INNER;
    s->inner_k = 0;
    memset(&s->cur, 0, sizeof s->cur);
    if (!s->cfg->inner.warm_start) {
        gsl_vector_memcpy(s->theta, s->theta_init);
        ihg_inner_reset(s->inner);
    }
    /* a family may draw this step's data and start theta from lambda */
    if (s->model->type->begin_outer)
        s->model->type->begin_outer(s->model, s->outer, MODEL_LAMBDA(s), s->theta);
    /* learned optimizer settings take effect for the whole inner loop */
    if (s->lr_index >= 0)
        s->inner->lr = exp(gsl_vector_get(s->lambda, (size_t)s->lr_index));
    else
        s->inner->lr = s->inner_lr;
    if (s->mom_index >= 0)
        s->inner->momentum = logistic_of(gsl_vector_get(s->lambda, (size_t)s->mom_index));
    ihg_inner_begin(s->inner);
    gsl_vector_memcpy(s->theta_start, s->theta);
    if (s->traj)
        ihg_trajectory_clear(s->traj);
    s->traj_complete = 0;
}

int ihg_session_reset(ihg_session *s)
{
    gsl_rng_memcpy(s->rng, s->rng_start);
    /* draw exactly as in alloc so the initial point is the same; with
     * init_seed the weights have a stream of their own */
    if (s->cfg->init_seed_set) {
        gsl_rng_set(s->rng_init, s->cfg->init_seed);
        s->model->type->init_theta(s->model, s->theta, s->rng_init);
    } else {
        s->model->type->init_theta(s->model, s->theta, s->rng);
    }
    s->model->type->init_lambda(s->model, MODEL_LAMBDA(s), s->rng);
    if (s->lr_index >= 0)
        gsl_vector_set(s->lambda, (size_t)s->lr_index, log(s->cfg->inner.lr));
    if (s->mom_index >= 0)
        gsl_vector_set(s->lambda, (size_t)s->mom_index,
                       log(s->cfg->inner.momentum / (1 - s->cfg->inner.momentum)));
    gsl_vector_memcpy(s->theta_init, s->theta);
    gsl_vector_memcpy(s->lambda_init, s->lambda);
    gsl_vector_set_zero(s->hg);
    ihg_inner_reset(s->inner);
    ihg_optimizer_reset(s->outer_opt);
    if (s->order)
        shuffle_order(s);
    s->outer = 0;
    s->inner_total = 0;
    s->hist_len = 0;
    s->msg[0] = '\0';
    begin_outer(s);
    if (s->cfg->outer.steps == 0)
        s->phase = IHG_PHASE_DONE;
    return IHG_OK;
}

/* ---- units of work ----------------------------------------------------- */

static const ihg_data *next_batch(void *params)
{
    ihg_session *s = params;
    if (!s->batch)
        return s->ds.train;
    size_t b = s->batch->n, d = s->ds.train->d;
    for (size_t i = 0; i < b; i++) {
        if (s->order_pos >= s->ds.train->n)
            shuffle_order(s);
        size_t r = s->order[s->order_pos++];
        s->batch_rows[i] = r;
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(s->batch->X, i, j, gsl_matrix_get(s->ds.train->X, r, j));
        gsl_vector_set(s->batch->y, i, gsl_vector_get(s->ds.train->y, r));
    }
    return s->batch;
}

static int stop(ihg_session *s, unsigned *ev)
{
    s->phase = IHG_PHASE_STOPPED;
    *ev |= IHG_EV_STOPPED;
    ihg_error_set(IHG_EDIVERGE, "%s", s->msg);
    return IHG_EDIVERGE;
}

/* Who to blame when the inner loop blows up: inner.lr, or, once outer
 * steps have moved lambda, the lambda they reached as much as inner.lr. */
static const char *inner_blame(const ihg_session *s, char *buf, size_t size)
{
    double moved = 0; /* max |lambda - lambda at the start| */
    for (size_t i = 0; i < s->lambda->size; i++) {
        double d = fabs(gsl_vector_get(s->lambda, i) - gsl_vector_get(s->lambda_init, i));
        if (d > moved || isnan(d))
            moved = d;
    }
    if (s->outer == 0 || moved < 1) {
        snprintf(buf, size, "inner.lr = %g is too large for this problem",
                 s->inner->lr);
        return buf;
    }
    snprintf(buf, size,
             "inner.lr = %g is too large for the lambda that %ld outer steps of "
             "outer.lr = %g reached (moved by up to %.3g, max lambda %.3g): lower "
             "outer.lr or inner.lr, or bound lambda with outer.clip",
             s->inner->lr, s->outer, s->cfg->outer.lr, moved, gsl_vector_max(s->lambda));
    return buf;
}


static int setup_hypergrad(ihg_session *s, unsigned *ev);

/* One inner step, or, when the inner loop is done, the set-up of the
 * hypergradient.  Returns IHG_OK or the status of a stop. */
static int inner_unit(ihg_session *s, unsigned *ev)
{
    const ihg_config *cfg = s->cfg;
    int tol_mode = cfg->inner.tol > 0;

    double f_tol = NAN;
    /* to a tolerance the inner loop solves the problem the hypergradient
     * sees; fixed steps draw afresh (model.h set_draw) */
    if (tol_mode) {
        /* check convergence first: the gradient at the current point */
        double f = f_tol = train_loss_full(s, s->grad);
        double gn = gsl_blas_dnrm2(s->grad);
        if (!isfinite(f) || !isfinite(gn)) {
            char why[320];
            set_msg(s, "training loss is not finite after %ld inner steps: %s", s->inner_k,
                    inner_blame(s, why, sizeof why));
            return stop(s, ev);
        }
        if (gn <= cfg->inner.tol || s->inner_k >= cfg->inner.max_steps) {
            if (gn > cfg->inner.tol)
                set_msg(s, "inner loop stopped at inner.max_steps = %ld with "
                           "||grad|| = %.3g > tol", cfg->inner.max_steps, gn);
            *ev |= IHG_EV_INNER_DONE;
            return setup_hypergrad(s, ev);
        }
    } else if (s->inner_k >= cfg->inner.steps) {
        *ev |= IHG_EV_INNER_DONE;
        return setup_hypergrad(s, ev);
    }

    const ihg_inner_type *it = s->inner->type;
    double f = NAN;
    if (s->inner_k == 0 && s->traj) {
        ihg_trajectory_clear(s->traj);
        s->traj_complete = 1; /* recorded from the first step on */
    }
    if (s->traj && ihg_trajectory_begin(s->traj, s->theta, ihg_inner_buffer(s->inner)) != IHG_OK) {
        set_msg(s, "%s", ihg_error_message());
        return stop(s, ev);
    }
    s->ipb.f_known = f_tol;
    model_draw(s, tol_mode ? IHG_DRAW_POINT : s->inner_k);
    if (ihg_inner_step(s->inner, &s->ipb, &f) != IHG_OK) {
        char why[320];
        if (it->flags & IHG_INNER_FIRST_ORDER)
            set_msg(s, "training loss became %s at inner step %ld: %s",
                    isnan(f) ? "NaN" : "infinite", s->inner_k + 1,
                    inner_blame(s, why, sizeof why));
        else
            set_msg(s, "training loss is not finite at inner step %ld", s->inner_k);
        return stop(s, ev);
    }
    if (s->traj)
        ihg_trajectory_end(s->traj, s->batch ? s->batch_rows : NULL, s->inner->lr,
                           s->inner->momentum);
    if (!ihg_vector_finite(s->theta)) {
        char why[320];
        set_msg(s, "parameters became non-finite at inner step %ld: %s", s->inner_k + 1,
                inner_blame(s, why, sizeof why));
        return stop(s, ev);
    }
    s->inner_k++;
    s->inner_total++;
    *ev |= IHG_EV_INNER_STEP;
    return IHG_OK;
}

/* After the inner loop: the pieces of the hypergradient at (theta,
 * lambda) and the record's losses; then EVAL measures accuracies and the
 * test set in chunks, and the solver starts. */
static int start_solve(ihg_session *s, unsigned *ev);

static int setup_hypergrad(ihg_session *s, unsigned *ev)
{
    ihg_record *r = &s->cur;
    r->inner_steps = s->inner_k;
    r->inner_lr = s->inner->lr;
    if (s->traj && s->traj_complete)
        ihg_trajectory_finish(s->traj, ihg_inner_buffer(s->inner));
    r->train_loss = train_loss_full(s, s->grad);
    r->grad_norm = gsl_blas_dnrm2(s->grad);
    r->val_loss = ihg_session_val_grads(s, s->v, s->direct);
    r->test_loss = r->train_acc = r->val_acc = r->test_acc = NAN;
    r->v_norm = gsl_blas_dnrm2(s->v);
    r->direct_norm = gsl_blas_dnrm2(s->direct);
    r->lambda_norm = gsl_blas_dnrm2(s->lambda);
    if (!isfinite(r->train_loss) || !isfinite(r->val_loss) || !ihg_vector_finite(s->v)) {
        set_msg(s, "loss is not finite at outer step %ld (training %g, validation %g)",
                s->outer + 1, r->train_loss, r->val_loss);
        return stop(s, ev);
    }
    s->eval_stage = 0;
    s->eval_row = 0;
    s->eval_loss = s->eval_hits = 0;
    s->phase = IHG_PHASE_EVAL;
    return IHG_OK;
}

/* One chunk of at most EVAL_CHUNK rows of the set being measured:
 * stage 0 training accuracy, 1 validation accuracy, 2 test loss and
 * accuracy.  Means are combined weighted by rows. */
static int eval_unit(ihg_session *s, unsigned *ev)
{
    const ihg_model_type *t = s->model->type;
    ihg_record *r = &s->cur;
    const ihg_data *sets[3] = {s->ds.train, s->ds.val, s->ds.test};
    while (s->eval_stage < 3) {
        if (s->eval_stage == 2 && !s->ds.test && t->own_test) {
            /* the family's own test set (held-out tasks): one unit */
            r->test_loss = t->own_test(s->model, s->theta, MODEL_LAMBDA(s), &r->test_acc);
            s->eval_stage = 3;
            return IHG_OK;
        }
        const ihg_data *d = sets[s->eval_stage];
        int want = d && (t->accuracy || s->eval_stage == 2);
        if (!want || s->eval_row >= d->n) {
            if (want) {
                double acc = t->accuracy ? s->eval_hits / (double)d->n : NAN;
                if (s->eval_stage == 0)
                    r->train_acc = acc;
                else if (s->eval_stage == 1)
                    r->val_acc = acc;
                else {
                    r->test_acc = acc;
                    r->test_loss = s->eval_loss / (double)d->n;
                }
            }
            s->eval_stage++;
            s->eval_row = 0;
            s->eval_loss = s->eval_hits = 0;
            continue;
        }
        size_t chunk = (size_t)(3e8 / (double)s->P);
        if (chunk > EVAL_CHUNK)
            chunk = EVAL_CHUNK;
        if (chunk < EVAL_MIN_CHUNK)
            chunk = EVAL_MIN_CHUNK;
        size_t rows = d->n - s->eval_row;
        if (rows > chunk)
            rows = chunk;
        s->chunk_X = gsl_matrix_submatrix(d->X, s->eval_row, 0, rows, d->d);
        s->chunk_y = gsl_vector_subvector(d->y, s->eval_row, rows);
        s->chunk.n = rows;
        s->chunk.d = d->d;
        s->chunk.X = &s->chunk_X.matrix;
        s->chunk.y = &s->chunk_y.vector;
        if (s->eval_stage == 2 && t->val_metrics) {
            double acc;
            s->eval_loss += (double)rows * t->val_metrics(s->model, s->theta,
                                                          MODEL_LAMBDA(s), &s->chunk, &acc);
            s->eval_hits += (double)rows * acc;
        } else {
            if (t->accuracy)
                s->eval_hits += (double)rows * t->accuracy(s->model, s->theta, &s->chunk);
            if (s->eval_stage == 2)
                s->eval_loss += (double)rows * t->val_loss(s->model, s->theta,
                                                           MODEL_LAMBDA(s), &s->chunk,
                                                           NULL, NULL);
        }
        s->eval_row += rows;
        return IHG_OK;
    }
    return start_solve(s, ev);
}

static int start_solve(ihg_session *s, unsigned *ev)
{
    ihg_record *r = &s->cur;
    if (s->hgm->type != s->method) {
        if (make_method(s, s->method) != IHG_OK) {
            set_msg(s, "%s", ihg_error_message());
            return stop(s, ev);
        }
    }
    ihg_method_settings set;
    ihg_session_method_settings(s, &set);
    refresh_explicit(s);
    r->method = s->method;
    r->note = (s->method->flags & IHG_METHOD_IFT) && s->blind_note[0] ? s->blind_note : NULL;
    r->terms = (s->method->flags & IHG_METHOD_USES_K) ? s->K : 0;
    r->alpha = set.alpha;
    int st = ihg_method_start(s->hgm, &s->pb, &set);
    if (st != IHG_OK) {
        set_msg(s, "%s", ihg_error_message());
        return stop(s, ev);
    }
    s->phase = IHG_PHASE_SOLVE;
    return IHG_OK;
}

static int solve_unit(ihg_session *s, unsigned *ev)
{
    ihg_solve_state state;
    long before = s->hgm->done;
    int st = ihg_method_iterate(s->hgm, &state);
    if (st != IHG_OK) {
        set_msg(s, "%s", ihg_error_message());
        return stop(s, ev);
    }
    if (s->hgm->done != before)
        *ev |= IHG_EV_SOLVE_TERM;
    if (state == IHG_SOLVE_DIVERGED) {
        double g = s->hgm->growth;
        double alpha = ihg_session_alpha(s);
        char gs[32], g1s[48];
        /* the operator the series iterates on (hypergrad.damping,
         * hypergrad.precondition: precond.h) */
        int damped = s->cfg->hypergrad.damping > 0,
            jacobi = s->cfg->hypergrad.precondition == IHG_PRECOND_JACOBI;
        const char *op = jacobi ? (damped ? "D^-1 (H + delta I)" : "D^-1 H")
                                : (damped ? "H + delta I" : "H");
        if ((s->method->flags & IHG_METHOD_USES_ALPHA) && g > 1)
            /* the ratio with the digits that show it above 1 (1.0000002,
             * never "1 > 1") */
            set_msg(s, "Neumann series diverges at term %ld: ||v_j||/||v_j-1|| = %s > 1, "
                       "so rho(I - alpha %s) >= %s (alpha*lambda_max >= %s > 2, or %s "
                       "is not positive definite): alpha = %.3g is too large for this %s; "
                       "use a smaller alpha (hypergrad.alpha)%s or another method "
                       "(hypergrad.method)",
                    s->hgm->done, ihg_format_above(gs, sizeof gs, g, 1.0), op, gs,
                    ihg_format_above(g1s, sizeof g1s, 1 + g, 2.0), op, alpha, op,
                    damped || jacobi ? ", a larger hypergrad.damping" : "");
        else if (s->method->flags & IHG_METHOD_USES_ALPHA)
            set_msg(s, "Neumann series diverges at term %ld: its terms are no longer "
                       "finite with alpha = %.3g; use a smaller alpha (hypergrad.alpha) or "
                       "another method (hypergrad.method)",
                    s->hgm->done, alpha);
        else
            set_msg(s, "%s solve produced non-finite values", s->method->name);
        return stop(s, ev);
    }
    if (state == IHG_SOLVE_DONE) {
        ihg_fallback fb = s->hgm->fallback;
        s->cur.fallback = fb;
        if (fb == IHG_FALLBACK_LU || fb == IHG_FALLBACK_PSEUDO_INVERSE)
            set_msg(s, "H is not positive definite at outer step %ld: exact "
                       "solve used %s", s->outer + 1,
                    fb == IHG_FALLBACK_LU ? "LU" : "the eigen pseudo-inverse");
        else if (fb == IHG_FALLBACK_CG_NEGATIVE_CURVATURE)
            set_msg(s, "CG met non-positive curvature at outer step %ld: H is not "
                       "positive definite", s->outer + 1);
        s->phase = IHG_PHASE_HYPERGRAD;
    }
    return IHG_OK;
}

static int hypergrad_unit(ihg_session *s, unsigned *ev)
{
    int st = ihg_method_hypergrad(s->hgm, s->hg);
    if (st != IHG_OK) {
        set_msg(s, "%s", ihg_error_message());
        return stop(s, ev);
    }
    const gsl_vector *q = ihg_method_q(s->hgm);
    s->cur.q_norm = q ? gsl_blas_dnrm2(q) : NAN;
    s->cur.jtq_norm = q ? s->hgm->jtq_norm : NAN;
    s->cur.hypergrad_norm = gsl_blas_dnrm2(s->hg);
    s->cur.hvps = s->hgm->hvps;
    if (!ihg_vector_finite(s->hg)) {
        set_msg(s, "hypergradient is not finite at outer step %ld", s->outer + 1);
        return stop(s, ev);
    }
    *ev |= IHG_EV_HYPERGRAD;
    s->phase = IHG_PHASE_UPDATE;
    return IHG_OK;
}

static int update_unit(ihg_session *s, unsigned *ev)
{
    gsl_vector_memcpy(s->lambda_prev, s->lambda);
    ihg_optimizer_step(s->outer_opt, s->lambda, s->hg);
    s->cur.outer_lr = s->outer_opt->lr;
    s->outer++;
    s->cur.outer = s->outer;
    s->cur.seconds += ihg_now() - s->unit_start;
    if (s->hist_len == s->hist_cap) {
        /* history grows by doubling: one allocation per doubling, outside
         * the numerical work */
        size_t cap = s->hist_cap ? 2 * s->hist_cap : 64;
        ihg_record *h = realloc(s->hist, cap * sizeof *h);
        if (!h) {
            set_msg(s, "out of memory for the history");
            return stop(s, ev);
        }
        s->hist = h;
        s->hist_cap = cap;
    }
    s->hist[s->hist_len++] = s->cur;
    *ev |= IHG_EV_OUTER_DONE;
    if (s->outer >= s->cfg->outer.steps) {
        s->phase = IHG_PHASE_DONE;
        *ev |= IHG_EV_FINISHED;
    } else {
        begin_outer(s);
    }
    return IHG_OK;
}

static int one_unit(ihg_session *s, unsigned *ev)
{
    switch (s->phase) {
    case IHG_PHASE_INNER:
        return inner_unit(s, ev);
    case IHG_PHASE_EVAL:
        return eval_unit(s, ev);
    case IHG_PHASE_SOLVE:
        return solve_unit(s, ev);
    case IHG_PHASE_HYPERGRAD:
        return hypergrad_unit(s, ev);
    case IHG_PHASE_UPDATE:
        return update_unit(s, ev);
    case IHG_PHASE_DONE:
        *ev |= IHG_EV_FINISHED;
        return IHG_OK;
    case IHG_PHASE_STOPPED:
    default:
        *ev |= IHG_EV_STOPPED;
        return IHG_EDIVERGE;
    }
}

int ihg_session_step(ihg_session *s, unsigned budget, unsigned *events)
{
    unsigned ev = 0;
    int st = IHG_OK;
    if (budget == 0)
        budget = 1;
    for (unsigned i = 0; i < budget && st == IHG_OK; i++) {
        if (s->phase == IHG_PHASE_DONE) {
            ev |= IHG_EV_FINISHED;
            break;
        }
        /* The outer step's cost is the sum of its units' times, so what a
         * caller does between units (drawing, pacing, a comparison) is not
         * counted.  An update unit closes the record: its time is added to
         * the record before it is appended. */
        unsigned e = 0;
        double t0 = ihg_now();
        s->unit_start = t0;
        st = one_unit(s, &e);
        ev |= e;
        if (!(e & IHG_EV_OUTER_DONE))
            s->cur.seconds += ihg_now() - t0;
    }
    if (events)
        *events = ev;
    return st;
}

int ihg_session_inner_step(ihg_session *s, unsigned *events)
{
    unsigned ev = 0, e;
    int st = IHG_OK;
    if (s->phase != IHG_PHASE_INNER) {
        if (events)
            *events = 0;
        return IHG_OK;
    }
    long k = s->inner_total;
    while (st == IHG_OK && s->phase == IHG_PHASE_INNER && s->inner_total == k) {
        st = ihg_session_step(s, 1, &e);
        ev |= e;
    }
    if (events)
        *events = ev;
    return st;
}

int ihg_session_outer_step(ihg_session *s, unsigned *events)
{
    unsigned ev = 0, e;
    int st = IHG_OK;
    long o = s->outer;
    while (st == IHG_OK && s->outer == o && !ihg_session_finished(s)) {
        st = ihg_session_step(s, 1, &e);
        ev |= e;
    }
    if (events)
        *events = ev;
    return st;
}

/* ---- accessors --------------------------------------------------------- */

int ihg_session_finished(const ihg_session *s)
{
    return s->phase == IHG_PHASE_DONE || s->phase == IHG_PHASE_STOPPED;
}
ihg_phase ihg_session_phase(const ihg_session *s) { return s->phase; }
long ihg_session_inner_done(const ihg_session *s) { return s->inner_k; }
const char *ihg_session_message(const ihg_session *s) { return s->msg; }

void ihg_session_progress(const ihg_session *s, long *done, long *total)
{
    if (s->phase == IHG_PHASE_INNER) {
        *done = s->inner_k;
        *total = s->cfg->inner.tol > 0 ? 0 : s->cfg->inner.steps;
    } else if (s->phase == IHG_PHASE_SOLVE) {
        *done = s->hgm->done;
        *total = (s->method->flags & IHG_METHOD_NEEDS_MATRIX) ? 1
                 : (s->method->flags & IHG_METHOD_USES_K)     ? s->K
                                                              : 0;
    } else {
        *done = 0;
        *total = 0;
    }
}

int ihg_session_set_method(ihg_session *s, const ihg_method_type *m)
{
    if (!m)
        return ihg_error_set(IHG_EINVAL, "unknown method");
    if (!ihg_method_accepts(m, s->P, s->cfg->hypergrad.exact_max))
        return ihg_error_set(IHG_ELIMIT,
                             "%s refused: P = %zu > hypergrad.exact_max = %ld",
                             m->name, s->P, s->cfg->hypergrad.exact_max);
    if (m->flags & IHG_METHOD_EXPLICIT) {
        const char *why = m == &ihg_method_fd ? rerun_why_not(s->cfg, s->batch != NULL)
                                              : explicit_why_not(s->cfg);
        ihg_method_settings set;
        ihg_session_method_settings(s, &set);
        if (!why && m == &ihg_method_forward && s->Hn > (size_t)set.forward_max)
            why = "more hyperparameters than hypergrad.forward_max";
        if (!why && m == &ihg_method_fd && s->Hn > (size_t)set.fd_max)
            why = "more hyperparameters than hypergrad.fd_max";
        if (why)
            return ihg_error_set(IHG_EINVAL, "%s refused: %s", m->name, why);
        const ihg_method_type *old = s->method;
        s->method = m;
        int st = ensure_trajectory(s);
        if (st == IHG_OK)
            st = ensure_rerun(s);
        if (st != IHG_OK) {
            s->method = old;
            return st;
        }
        if (s->traj && !s->traj_complete && s->phase != IHG_PHASE_DONE &&
            s->phase != IHG_PHASE_STOPPED &&
            !(s->phase == IHG_PHASE_INNER && s->inner_k == 0)) {
            /* the inner loop under way was not recorded: this outer step
             * starts again from where it began, recorded */
            gsl_vector_memcpy(s->theta, s->theta_start);
            begin_outer(s);
            s->cur.restarted = 1;
            set_msg(s, "outer step %ld starts again from its first inner step, so that "
                       "%s can differentiate its inner loop", s->outer + 1, m->name);
            return IHG_OK;
        }
        s->method = old;
    }
    if (s->phase == IHG_PHASE_SOLVE) {
        /* restart the current solve with the new method */
        if (make_method(s, m) != IHG_OK)
            return ihg_error_status();
        s->method = m;
        unsigned ev = 0;
        return start_solve(s, &ev);
    }
    s->method = m;
    return IHG_OK;
}

int ihg_session_set_terms(ihg_session *s, long K)
{
    if (K < 0 || K > 100000)
        return ihg_error_set(IHG_EINVAL, "terms must be in 0..100000");
    s->K = K;
    return IHG_OK;
}

int ihg_session_set_alpha(ihg_session *s, double alpha)
{
    if (!(alpha > 0) || !isfinite(alpha))
        return ihg_error_set(IHG_EINVAL, "alpha must be > 0");
    s->alpha = alpha;
    return IHG_OK;
}

/* Continue after a stop (for instance after lowering alpha): restart the
 * current outer step's hypergradient. */
int ihg_session_resume(ihg_session *s)
{
    if (s->phase != IHG_PHASE_STOPPED)
        return IHG_OK;
    s->msg[0] = '\0';
    if (!ihg_vector_finite(s->theta))
        return ihg_session_reset(s);
    begin_outer(s);
    s->cur.restarted = 1;
    return IHG_OK;
}

int ihg_session_set_lambda(ihg_session *s, const gsl_vector *lambda)
{
    if (lambda->size != s->Hn)
        return ihg_error_set(IHG_EINVAL, "lambda has %zu entries, model has %zu",
                             lambda->size, s->Hn);
    gsl_vector_memcpy(s->lambda, lambda);
    s->msg[0] = '\0';
    begin_outer(s);
    s->cur.restarted = 1;
    return IHG_OK;
}

int ihg_session_set_inner_lr(ihg_session *s, double lr)
{
    if (!(lr > 0) || !isfinite(lr))
        return ihg_error_set(IHG_EINVAL, "the inner learning rate must be > 0");
    if (s->lr_index >= 0)
        return ihg_error_set(IHG_EINVAL, "the inner learning rate is a hyperparameter here "
                             "(inner.learn): the outer loop sets it");
    s->inner_lr = lr;
    if (s->phase == IHG_PHASE_INNER && s->inner_k == 0)
        s->inner->lr = lr; /* before the loop's first step: this loop */
    return IHG_OK;
}

int ihg_session_set_outer_lr(ihg_session *s, double lr)
{
    if (!(lr >= 0) || !isfinite(lr))
        return ihg_error_set(IHG_EINVAL, "the outer learning rate must be >= 0");
    s->outer_opt->lr = lr;
    return IHG_OK;
}

double ihg_session_inner_lr(const ihg_session *s) { return s->inner->lr; }
double ihg_session_inner_momentum(const ihg_session *s) { return s->inner->momentum; }
double ihg_session_outer_lr(const ihg_session *s) { return s->outer_opt->lr; }

const ihg_method_type *ihg_session_method(const ihg_session *s) { return s->method; }
long ihg_session_terms(const ihg_session *s) { return s->K; }
double ihg_session_alpha(const ihg_session *s)
{
    return s->alpha > 0 ? s->alpha : s->cfg->inner.lr;
}
const ihg_config *ihg_session_config(const ihg_session *s) { return s->cfg; }
const ihg_model *ihg_session_model(const ihg_session *s) { return s->model; }
ihg_model *ihg_session_model_scratch(ihg_session *s) { return s->model; }
const ihg_dataset *ihg_session_dataset(const ihg_session *s) { return &s->ds; }
size_t ihg_session_augmented(ihg_session *s, size_t count, double *orig, double *aug)
{
    const ihg_model_type *t = s->model->type;
    const ihg_data *tr = s->ds.train;
    if (!(t->flags & IHG_MODEL_AUGMENTS) || !t->augment_rows || !tr)
        return 0;
    if (count > tr->n)
        count = tr->n;
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < tr->d; j++)
            orig[i * tr->d + j] = gsl_matrix_get(tr->X, i, j);
    t->augment_rows(s->model, MODEL_LAMBDA(s), tr, count, aug);
    return count;
}

int ihg_session_has_test(const ihg_session *s)
{
    return s->ds.test != NULL || s->model->type->own_test != NULL;
}
const gsl_vector *ihg_session_theta(const ihg_session *s) { return s->theta; }
const gsl_vector *ihg_session_lambda(const ihg_session *s) { return s->lambda; }
const gsl_vector *ihg_session_hypergrad(const ihg_session *s) { return s->hg; }
const ihg_hyper_layout *ihg_session_layout(const ihg_session *s) { return &s->layout; }
size_t ihg_session_n_hyper(const ihg_session *s) { return s->Hn; }
size_t ihg_session_n_params(const ihg_session *s) { return s->P; }

int ihg_session_record_trajectory(ihg_session *s, int on)
{
    if (!on) {
        s->traj_wanted = 0;
        if (!wants_trajectory(s)) {
            ihg_trajectory_free(s->traj);
            s->traj = NULL;
            s->traj_complete = 0;
        }
        return IHG_OK;
    }
    const char *why = explicit_why_not(s->cfg);
    s->traj_wanted = 1;
    int st = ensure_rerun(s);
    if (st != IHG_OK)
        return st;
    if (why)
        return ihg_error_set(IHG_EINVAL, "nothing to record: %s", why);
    return ensure_trajectory(s);
}

const ihg_trajectory *ihg_session_trajectory(const ihg_session *s) { return s->traj; }

double ihg_session_hypergrad_bytes(const ihg_session *s)
{
    /* an explicit method counts the trajectory it reads in its bytes */
    if (s->hgm && s->hgm->bytes > 0)
        return s->hgm->bytes;
    return s->traj ? ihg_trajectory_bytes(s->traj) : 0;
}

const gsl_vector *ihg_session_partial_q(const ihg_session *s)
{
    if (s->phase != IHG_PHASE_SOLVE && s->phase != IHG_PHASE_HYPERGRAD)
        return NULL;
    return ihg_method_q(s->hgm);
}

const gsl_vector *ihg_session_v(const ihg_session *s)
{
    return s->phase == IHG_PHASE_SOLVE || s->phase == IHG_PHASE_HYPERGRAD ? s->v : NULL;
}
long ihg_session_outer(const ihg_session *s) { return s->outer; }
long ihg_session_inner_total(const ihg_session *s) { return s->inner_total; }
size_t ihg_session_history_len(const ihg_session *s) { return s->hist_len; }
const ihg_record *ihg_session_history(const ihg_session *s) { return s->hist; }

double ihg_session_train_loss(ihg_session *s) { return train_loss_full(s, NULL); }

double ihg_session_val_loss(ihg_session *s)
{
    return s->model->type->val_loss(s->model, s->theta, MODEL_LAMBDA(s), s->ds.val,
                                    NULL, NULL);
}

double ihg_session_grad_norm(ihg_session *s)
{
    train_loss_full(s, s->grad);
    return gsl_blas_dnrm2(s->grad);
}

/* ---- the whole state between outer steps ------------------------------ */

struct ihg_session_state {
    size_t P, Hn;
    long outer, inner_total;
    ihg_phase phase;            /* INNER (about to begin) or DONE           */
    double *theta, *lambda, *hg, *inner_buf, *outer_buf; /* one allocation  */
    size_t n_inner, n_outer;
    double inner_lr, inner_momentum, inner_lr_setting, outer_lr;
    gsl_rng *rng;
    size_t *order, n_order, order_pos;
    const ihg_method_type *method;
    long K;
    double alpha;
    ihg_record *hist;
    size_t hist_len, hist_cap;
    size_t bytes;
};

int ihg_session_at_boundary(const ihg_session *s)
{
    return s->phase == IHG_PHASE_DONE || (s->phase == IHG_PHASE_INNER && s->inner_k == 0);
}

size_t ihg_session_state_size(const ihg_session *s)
{
    size_t doubles = s->P + 2 * s->Hn + ihg_inner_state_size(s->inner) +
                     ihg_optimizer_state_size(s->outer_opt);
    size_t n_order = s->order ? s->ds.train->n : 0;
    return sizeof(ihg_session_state) + doubles * sizeof(double) +
           n_order * sizeof(size_t) + s->hist_len * sizeof(ihg_record) +
           gsl_rng_size(s->rng) + sizeof(gsl_rng);
}

void ihg_session_state_free(ihg_session_state *st)
{
    if (!st)
        return;
    free(st->theta);
    if (st->rng)
        gsl_rng_free(st->rng);
    free(st->order);
    free(st->hist);
    free(st);
}

/* Copy the state of s into st, whose buffers have the sizes of s. */
static void save_state(const ihg_session *s, ihg_session_state *st)
{
    memcpy(st->theta, s->theta->data, s->P * sizeof(double));
    memcpy(st->lambda, s->lambda->data, s->Hn * sizeof(double));
    memcpy(st->hg, s->hg->data, s->Hn * sizeof(double));
    ihg_inner_state_save(s->inner, st->inner_buf);
    ihg_optimizer_state_save(s->outer_opt, st->outer_buf);
    st->inner_lr = s->inner->lr;
    st->inner_momentum = s->inner->momentum;
    st->inner_lr_setting = s->inner_lr;
    st->outer_lr = s->outer_opt->lr;
    gsl_rng_memcpy(st->rng, s->rng);
    if (st->n_order)
        memcpy(st->order, s->order, st->n_order * sizeof *st->order);
    st->order_pos = s->order_pos;
    st->outer = s->outer;
    st->inner_total = s->inner_total;
    st->phase = s->phase;
    st->method = s->method;
    st->K = s->K;
    st->alpha = s->alpha;
    if (s->hist_len)
        memcpy(st->hist, s->hist, s->hist_len * sizeof *st->hist);
    st->hist_len = s->hist_len;
    st->bytes = ihg_session_state_size(s);
}

/* Whether st was made from a session of the same sizes as s. */
static int state_fits(const ihg_session *s, const ihg_session_state *st)
{
    return st->P == s->P && st->Hn == s->Hn && st->n_inner == ihg_inner_state_size(s->inner) &&
           st->n_outer == ihg_optimizer_state_size(s->outer_opt) &&
           st->n_order == (s->order ? s->ds.train->n : 0);
}

static int not_at_boundary(const ihg_session *s)
{
    return ihg_error_set(IHG_EINVAL, "the state is kept between outer steps only (phase %s, "
                         "inner step %ld)", ihg_phase_name(s->phase), s->inner_k);
}

ihg_session_state *ihg_session_save(const ihg_session *s)
{
    if (!ihg_session_at_boundary(s)) {
        not_at_boundary(s);
        return NULL;
    }
    ihg_session_state *st = calloc(1, sizeof *st);
    if (!st) {
        ihg_error_set(IHG_ENOMEM, "out of memory (a state of the session)");
        return NULL;
    }
    st->P = s->P;
    st->Hn = s->Hn;
    st->n_inner = ihg_inner_state_size(s->inner);
    st->n_outer = ihg_optimizer_state_size(s->outer_opt);
    st->n_order = s->order ? s->ds.train->n : 0;
    size_t doubles = s->P + 2 * s->Hn + st->n_inner + st->n_outer;
    st->theta = malloc(doubles * sizeof(double));
    st->rng = gsl_rng_clone(s->rng);
    st->order = st->n_order ? malloc(st->n_order * sizeof *st->order) : NULL;
    st->hist_cap = s->hist_len;
    st->hist = s->hist_len ? malloc(s->hist_len * sizeof *st->hist) : NULL;
    if (!st->theta || !st->rng || (st->n_order && !st->order) || (s->hist_len && !st->hist)) {
        ihg_session_state_free(st);
        ihg_error_set(IHG_ENOMEM, "out of memory (a state of the session, P = %zu)", s->P);
        return NULL;
    }
    st->lambda = st->theta + s->P;
    st->hg = st->lambda + s->Hn;
    st->inner_buf = st->hg + s->Hn;
    st->outer_buf = st->inner_buf + st->n_inner;
    save_state(s, st);
    return st;
}

int ihg_session_save_into(const ihg_session *s, ihg_session_state *st)
{
    if (!ihg_session_at_boundary(s))
        return not_at_boundary(s);
    if (!state_fits(s, st))
        return ihg_error_set(IHG_EINVAL, "a state of another experiment");
    if (s->hist_len > st->hist_cap) {
        ihg_record *h = realloc(st->hist, s->hist_len * sizeof *h);
        if (!h)
            return ihg_error_set(IHG_ENOMEM, "out of memory (a state of the session)");
        st->hist = h;
        st->hist_cap = s->hist_len;
    }
    save_state(s, st);
    return IHG_OK;
}

int ihg_session_restore(ihg_session *s, const ihg_session_state *st)
{
    if (!state_fits(s, st))
        return ihg_error_set(IHG_EINVAL, "a state of another experiment (P = %zu, %zu "
                             "hyperparameters)", st->P, st->Hn);
    if (st->hist_len > s->hist_cap) {
        ihg_record *h = realloc(s->hist, st->hist_len * sizeof *h);
        if (!h)
            return ihg_error_set(IHG_ENOMEM, "out of memory for the history");
        s->hist = h;
        s->hist_cap = st->hist_len;
    }
    /* the method first: it may need the inner loop recorded */
    const ihg_method_type *old = s->method;
    s->method = st->method;
    if (ensure_trajectory(s) != IHG_OK || ensure_rerun(s) != IHG_OK) {
        s->method = old;
        return ihg_error_status();
    }
    memcpy(s->theta->data, st->theta, s->P * sizeof(double));
    memcpy(s->lambda->data, st->lambda, s->Hn * sizeof(double));
    memcpy(s->hg->data, st->hg, s->Hn * sizeof(double));
    ihg_inner_state_load(s->inner, st->inner_buf);
    ihg_optimizer_state_load(s->outer_opt, st->outer_buf);
    s->inner->lr = st->inner_lr;
    s->inner->momentum = st->inner_momentum;
    s->inner_lr = st->inner_lr_setting;
    s->outer_opt->lr = st->outer_lr;
    gsl_rng_memcpy(s->rng, st->rng);
    if (st->n_order)
        memcpy(s->order, st->order, st->n_order * sizeof *st->order);
    s->order_pos = st->order_pos;
    s->outer = st->outer;
    s->inner_total = st->inner_total;
    s->K = st->K;
    s->alpha = st->alpha;
    if (st->hist_len)
        memcpy(s->hist, st->hist, st->hist_len * sizeof *s->hist);
    s->hist_len = st->hist_len;
    s->msg[0] = '\0';
    if (st->phase == IHG_PHASE_DONE) {
        s->phase = IHG_PHASE_DONE;
        s->inner_k = 0;
        memset(&s->cur, 0, sizeof s->cur);
    } else {
        /* as the step began: a cold start copies theta_init again (the
         * state holds it already), learned settings and theta_start */
        begin_outer(s);
    }
    return IHG_OK;
}

size_t ihg_session_state_bytes(const ihg_session_state *st) { return st->bytes; }
long ihg_session_state_outer(const ihg_session_state *st) { return st->outer; }
