/* method_unrolled.c - reverse-mode differentiation through the inner loop
 * (hypergrad.method: unrolled; truncate: K).
 *
 * The objective is f(lambda, lr, mu) = L_V(theta_T, lambda) after the
 * outer step's T recorded steps (explicit.h).  With the adjoints a of
 * theta and b of the momentum buffer m (b = 0 at T, a = v = dL_V/dtheta at
 * theta_T) and dlambda starting at the direct term dL_V/dlambda, each step
 * t = T-1 down to T-K (K = truncate, 0 or above T: all, Shaban et al.
 * 2019), with eta = lr_t, beta = mu_t, H_t and J_t the Hessian and mixed
 * partial of L_T at (theta_t, B_t), is undone as
 *
 *     b <- b - eta a;        d eta  += -a . m_{t+1}
 *     d beta += b . m_t;     dlambda += J_t^T b
 *     a <- a + H_t b;        b <- beta b
 *
 * (from m_{t+1} = beta m_t + g_t, theta_{t+1} = theta_t - eta m_{t+1}:
 * theta_{t+1} passes -eta a to m_{t+1}, which passes H_t b to theta_t,
 * J_t^T b to lambda and beta b to m_t).  For sgd beta = 0 and m_{t+1} = g_t,
 * so this is a <- a - eta H_t a, dlambda -= eta J_t^T a, d eta -= a . g_t.
 * One step is one Hessian-vector product and one J^T u (and, for sgd with
 * a learned learning rate, one gradient for g_t).
 *
 * A learned lr sits in lambda as log eta: its entry is sum_t eta_t d eta_t;
 * a learned momentum as logit beta: sum_t beta_t (1 - beta_t) d beta_t.
 *
 * Memory: theta_t (and m_t) of every step, T P doubles (2 T P), held by the
 * trajectory.  With hypergrad.checkpoint the trajectory keeps them only
 * every c = ceil(sqrt T) steps; the reverse pass replays the c - 1 steps
 * after a checkpoint into a buffer of c slots before undoing them (T extra
 * gradients in all), so memory is about (T/c + c) P = 2 sqrt(T) P.
 *
 * Bridge (Lorraine et al. 2020): with theta_0 = theta* (gradient 0, so
 * theta_t = theta*), full batches and eta = alpha, the K + 1 undone steps
 * give dlambda = direct - eta J^T sum_{j=0..K} (I - eta H)^j v, the K-term
 * Neumann hypergradient.
 */
#include "method.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "linalg.h"

typedef struct {
    const ihg_explicit *ex;
    long T, stop;            /* undo steps T-1 down to stop               */
    long t;                  /* the next step to undo                     */
    long every;              /* checkpoint interval (1: all stored)       */
    gsl_vector *a, *b, *Hb, *g, *jt, *dlam;
    double d_lr, d_mom;      /* d/d log lr, d/d logit mu so far           */
    /* checkpointing: theta and m of the segment [seg_start, seg_end) */
    long seg_start, seg_end;
    double *seg_theta, *seg_m;
    gsl_vector *rth, *rm;    /* replay state                              */
    ihg_replayer *rep;
} unrolled_state;

static const char *unrolled_refusal(const ihg_hg_problem *pb, const ihg_method_settings *set)
{
    (void)set;
    if (pb->ex && pb->ex->why_not)
        return pb->ex->why_not;
    if (!pb->ex || !pb->ex->traj)
        return "nothing recorded: the inner loop must run with recording on";
    if (ihg_trajectory_len(pb->ex->traj) < 1)
        return "no inner step was taken";
    return NULL;
}

static void unrolled_free(ihg_method *m)
{
    unrolled_state *w = m->state;
    if (!w)
        return;
    gsl_vector *vs[] = {w->a, w->b, w->Hb, w->g, w->jt, w->dlam, w->rth, w->rm};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    free(w->seg_theta);
    free(w->seg_m);
    ihg_replayer_free(w->rep);
    free(w);
    m->state = NULL;
}

static int unrolled_alloc(ihg_method *m)
{
    unrolled_state *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    m->state = w;
    size_t P = m->P, Hn = m->Hn;
    w->a = gsl_vector_alloc(P);
    w->b = gsl_vector_alloc(P);
    w->Hb = gsl_vector_alloc(P);
    w->g = gsl_vector_alloc(P);
    w->jt = gsl_vector_alloc(Hn);
    w->dlam = gsl_vector_alloc(Hn);
    if (!w->a || !w->b || !w->Hb || !w->g || !w->jt || !w->dlam) {
        unrolled_free(m);
        return ihg_error_set(IHG_ENOMEM, "out of memory (unrolled, P = %zu)", P);
    }
    return IHG_OK;
}

/* Checkpointing: the buffers for one segment, made at the first start that
 * needs them (their size depends on the recorded interval). */
static int segment_buffers(ihg_method *m, unrolled_state *w)
{
    const ihg_explicit *ex = w->ex;
    size_t P = m->P;
    if (w->rep && w->seg_theta)
        return IHG_OK;
    w->seg_theta = malloc((size_t)w->every * P * sizeof *w->seg_theta);
    if (ex->momentum)
        w->seg_m = malloc((size_t)(w->every + 1) * P * sizeof *w->seg_m);
    w->rth = gsl_vector_alloc(P);
    w->rm = gsl_vector_alloc(P);
    w->rep = ihg_replayer_alloc(P, ex->momentum);
    if (!w->seg_theta || (ex->momentum && !w->seg_m) || !w->rth || !w->rm || !w->rep)
        return ihg_error_set(IHG_ENOMEM, "out of memory (checkpoint segment of %ld steps)",
                             w->every);
    return IHG_OK;
}

static int unrolled_start(ihg_method *m)
{
    unrolled_state *w = m->state;
    const ihg_hg_problem *pb = m->pb;
    w->ex = pb->ex;
    w->T = ihg_trajectory_len(w->ex->traj);
    long K = m->set.K > 0 && m->set.K < w->T ? m->set.K : w->T;
    w->stop = w->T - K;
    w->t = w->T - 1;
    w->every = ihg_trajectory_every(w->ex->traj);
    w->seg_start = w->seg_end = -1;
    gsl_vector_memcpy(w->a, pb->v);
    gsl_vector_set_zero(w->b);
    gsl_vector_memcpy(w->dlam, pb->direct);
    w->d_lr = w->d_mom = 0;
    m->total = K;
    m->bytes = ihg_trajectory_bytes(w->ex->traj) + 6.0 * (double)m->P * sizeof(double);
    if (w->every > 1) {
        int st = segment_buffers(m, w);
        if (st != IHG_OK)
            return st;
        m->bytes += (double)(w->every * (w->ex->momentum ? 2 : 1) + 2) * (double)m->P *
                    sizeof(double);
    }
    return IHG_OK;
}

/* theta_t and m_t of the segment holding t, replayed from its checkpoint
 * when they are not stored. */
static int load_segment(ihg_method *m, unrolled_state *w, long t)
{
    const ihg_explicit *ex = w->ex;
    const ihg_trajectory *tr = ex->traj;
    size_t P = m->P;
    long s = t / w->every * w->every, e = s + w->every < w->T ? s + w->every : w->T;
    if (w->seg_start == s)
        return IHG_OK;
    gsl_vector_const_view th0 = gsl_vector_const_view_array(ihg_trajectory_theta(tr, s), P);
    gsl_vector_memcpy(w->rth, &th0.vector);
    if (ex->momentum) {
        gsl_vector_const_view m0 = gsl_vector_const_view_array(ihg_trajectory_m(tr, s), P);
        gsl_vector_memcpy(w->rm, &m0.vector);
    }
    for (long k = s; k < e; k++) {
        gsl_vector_view dst = gsl_vector_view_array(w->seg_theta + (size_t)(k - s) * P, P);
        gsl_vector_memcpy(&dst.vector, w->rth);
        if (ex->momentum) {
            gsl_vector_view dm = gsl_vector_view_array(w->seg_m + (size_t)(k - s) * P, P);
            gsl_vector_memcpy(&dm.vector, w->rm);
        }
        if (k + 1 < e || ex->momentum) {
            /* the next state (for momentum also m_e, the last step's m_{t+1}) */
            ex->grad(ex->params, w->rth, ex->batch(ex->params, k), w->g);
            ihg_replayer_step(w->rep, ihg_trajectory_lr(tr, k), ihg_trajectory_momentum(tr, k),
                              w->rth, ex->momentum ? w->rm : NULL, w->g);
        }
    }
    if (ex->momentum) {
        gsl_vector_view dm = gsl_vector_view_array(w->seg_m + (size_t)(e - s) * P, P);
        gsl_vector_memcpy(&dm.vector, w->rm);
    }
    w->seg_start = s;
    w->seg_end = e;
    return IHG_OK;
}

static int unrolled_iterate(ihg_method *m, ihg_solve_state *state)
{
    unrolled_state *w = m->state;
    const ihg_explicit *ex = w->ex;
    const ihg_trajectory *tr = ex->traj;
    size_t P = m->P;
    if (w->t < w->stop) {
        *state = IHG_SOLVE_DONE;
        return IHG_OK;
    }
    long t = w->t;
    const double *th, *mt = NULL, *mt1 = NULL;
    if (w->every > 1) {
        int st = load_segment(m, w, t);
        if (st != IHG_OK)
            return st;
        th = w->seg_theta + (size_t)(t - w->seg_start) * P;
        if (ex->momentum) {
            mt = w->seg_m + (size_t)(t - w->seg_start) * P;
            mt1 = w->seg_m + (size_t)(t + 1 - w->seg_start) * P;
        }
    } else {
        th = ihg_trajectory_theta(tr, t);
        if (ex->momentum) {
            mt = ihg_trajectory_m(tr, t);
            mt1 = ihg_trajectory_m(tr, t + 1);
        }
    }
    gsl_vector_const_view thv = gsl_vector_const_view_array(th, P);
    const ihg_data *d = ex->batch(ex->params, t);
    double eta = ihg_trajectory_lr(tr, t), beta = ex->momentum ? ihg_trajectory_momentum(tr, t) : 0;
    double dot;
    /* d eta = -a . m_{t+1} (sgd: m_{t+1} = g_t) */
    if (ex->lr_index >= 0) {
        if (ex->momentum) {
            gsl_vector_const_view v1 = gsl_vector_const_view_array(mt1, P);
            gsl_blas_ddot(w->a, &v1.vector, &dot);
        } else {
            ex->grad(ex->params, &thv.vector, d, w->g);
            gsl_blas_ddot(w->a, w->g, &dot);
        }
        w->d_lr += eta * -dot;
    }
    /* b <- b - eta a */
    gsl_blas_daxpy(-eta, w->a, w->b);
    if (ex->mom_index >= 0) {
        gsl_vector_const_view v0 = gsl_vector_const_view_array(mt, P);
        gsl_blas_ddot(w->b, &v0.vector, &dot);
        w->d_mom += beta * (1 - beta) * dot;
    }
    /* dlambda += J_t^T b;  a <- a + H_t b;  b <- beta b */
    ex->jtvp(ex->params, &thv.vector, d, w->b, w->jt);
    gsl_blas_daxpy(1.0, w->jt, w->dlam);
    ex->hvp(ex->params, &thv.vector, d, w->b, w->Hb);
    gsl_blas_daxpy(1.0, w->Hb, w->a);
    gsl_vector_scale(w->b, beta);
    m->hvps++;
    m->done++;
    w->t--;
    if (!ihg_vector_finite(w->a)) {
        *state = IHG_SOLVE_DIVERGED;
        return IHG_OK;
    }
    *state = w->t < w->stop ? IHG_SOLVE_DONE : IHG_SOLVE_RUNNING;
    return IHG_OK;
}

static int unrolled_hypergrad(ihg_method *m, gsl_vector *g)
{
    unrolled_state *w = m->state;
    gsl_vector_memcpy(g, w->dlam);
    if (w->ex->lr_index >= 0)
        gsl_vector_set(g, (size_t)w->ex->lr_index,
                       gsl_vector_get(g, (size_t)w->ex->lr_index) + w->d_lr);
    if (w->ex->mom_index >= 0)
        gsl_vector_set(g, (size_t)w->ex->mom_index,
                       gsl_vector_get(g, (size_t)w->ex->mom_index) + w->d_mom);
    return IHG_OK;
}

const ihg_method_type ihg_method_unrolled = {
    .name = "unrolled", .label = "unrolled", .title = "unrolled (reverse mode)",
    .describe = "reverse mode through the T inner steps: a <- a - eta H_t a, "
                "dlambda -= eta J_t^T a, d eta -= a . g_t",
    .unit = "step", .k_key = "truncate",
    .flags = IHG_METHOD_USES_K | IHG_METHOD_NEEDS_TRAJECTORY | IHG_METHOD_EXPLICIT,
    .k_first = 1, .alloc = unrolled_alloc, .free = unrolled_free,
    .start = unrolled_start, .iterate = unrolled_iterate, .q = NULL,
    .hypergrad = unrolled_hypergrad, .refusal = unrolled_refusal};
