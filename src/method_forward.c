/* method_forward.c - forward-mode differentiation through the inner loop
 * (hypergrad.method: forward; Franceschi et al. 2017).
 *
 * Along the outer step's recorded steps (explicit.h) it carries the
 * tangents Z_t = dtheta_t/dlambda and M_t = dm_t/dlambda (P x Hn, zero at
 * t = 0: theta_0 does not depend on this step's lambda).  Column j of step
 * t, with eta = lr_t, beta = mu_t, H_t, J_t at (theta_t, B_t):
 *
 *     M_{t+1} = beta M_t + H_t Z_t + J_t e_j + [j = mu] beta (1 - beta) m_t
 *     Z_{t+1} = Z_t - eta M_{t+1} - [j = lr] eta m_{t+1}
 *
 * (sgd: beta = 0, m_{t+1} = g_t), the derivative of m_{t+1} = beta m_t +
 * g_t and theta_{t+1} = theta_t - eta m_{t+1} with lr and mu parameterised
 * as log eta and logit beta (d eta / d log eta = eta, d beta / d logit beta
 * = beta (1 - beta)).  At the end dL_V/dlambda_j = direct_j + v . Z_T e_j.
 *
 * The states theta_t are replayed from theta_0 with the recorded
 * minibatches and step sizes (the very update of optim.c, so bitwise the
 * recorded ones).  Cost: Hn Hessian-vector products (and J u products) per
 * step, one column per unit, and 2 P Hn doubles: the method refuses more
 * than hypergrad.forward_max hyperparameters (use unrolled, whose cost
 * does not grow with Hn).  It equals unrolled to round-off.
 */
#include "method.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

typedef struct {
    const ihg_explicit *ex;
    long T, t;               /* step t, column j under way               */
    size_t j;
    gsl_matrix *Z, *M;       /* Hn x P: row j the tangent of lambda_j
                                (contiguous, as the model products want) */
    gsl_vector *th, *m, *thn, *mn, *g, *Hz, *Ju, *e;
    ihg_replayer *rep;
} forward_state;

static const char *forward_refusal(const ihg_hg_problem *pb, const ihg_method_settings *set)
{
    static char why[200];
    if (pb->ex && pb->ex->why_not)
        return pb->ex->why_not;
    if (!pb->ex || !pb->ex->traj)
        return "nothing recorded: the inner loop must run with recording on";
    if (set->forward_max > 0 && pb->Hn > (size_t)set->forward_max) {
        snprintf(why, sizeof why,
                 "forward mode costs one Hessian-vector product per hyperparameter and "
                 "inner step: %zu hyperparameters is above hypergrad.forward_max = %ld "
                 "(use unrolled)", pb->Hn, set->forward_max);
        return why;
    }
    return NULL;
}

static void forward_free(ihg_method *m)
{
    forward_state *w = m->state;
    if (!w)
        return;
    if (w->Z)
        gsl_matrix_free(w->Z);
    if (w->M)
        gsl_matrix_free(w->M);
    gsl_vector *vs[] = {w->th, w->m, w->thn, w->mn, w->g, w->Hz, w->Ju, w->e};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    ihg_replayer_free(w->rep);
    free(w);
    m->state = NULL;
}

static int forward_alloc(ihg_method *m)
{
    if (m->set.forward_max > 0 && m->Hn > (size_t)m->set.forward_max)
        return ihg_error_set(IHG_ELIMIT,
                             "forward mode carries dtheta/dlambda for each of the %zu "
                             "hyperparameters (one Hessian-vector product each per inner "
                             "step): above hypergrad.forward_max = %ld; use unrolled",
                             m->Hn, m->set.forward_max);
    forward_state *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    m->state = w;
    size_t P = m->P, Hn = m->Hn;
    w->Z = gsl_matrix_alloc(Hn, P);
    w->M = gsl_matrix_alloc(Hn, P);
    w->th = gsl_vector_alloc(P);
    w->m = gsl_vector_alloc(P);
    w->thn = gsl_vector_alloc(P);
    w->mn = gsl_vector_alloc(P);
    w->g = gsl_vector_alloc(P);
    w->Hz = gsl_vector_alloc(P);
    w->Ju = gsl_vector_alloc(P);
    w->e = gsl_vector_alloc(Hn);
    if (!w->Z || !w->M || !w->th || !w->m || !w->thn || !w->mn || !w->g || !w->Hz ||
        !w->Ju || !w->e) {
        forward_free(m);
        return ihg_error_set(IHG_ENOMEM, "out of memory (forward mode: %zu x %zu)", P, Hn);
    }
    return IHG_OK;
}

/* The state after step t (theta_{t+1}, m_{t+1}) into thn, mn, from
 * (th, m) = (theta_t, m_t); g = g_t. */
static void next_state(forward_state *w, long t)
{
    const ihg_explicit *ex = w->ex;
    const ihg_trajectory *tr = ex->traj;
    ex->grad(ex->params, w->th, ex->batch(ex->params, t), w->g);
    gsl_vector_memcpy(w->thn, w->th);
    gsl_vector_memcpy(w->mn, w->m);
    ihg_replayer_step(w->rep, ihg_trajectory_lr(tr, t), ihg_trajectory_momentum(tr, t),
                      w->thn, ex->momentum ? w->mn : NULL, w->g);
}

static int forward_start(ihg_method *m)
{
    forward_state *w = m->state;
    const ihg_hg_problem *pb = m->pb;
    const ihg_trajectory *tr = pb->ex->traj;
    w->ex = pb->ex;
    w->T = ihg_trajectory_len(tr);
    w->t = 0;
    w->j = 0;
    if (!w->rep || (ihg_trajectory_has_momentum(tr) != 0) != (w->ex->momentum != 0)) {
        ihg_replayer_free(w->rep);
        if (!(w->rep = ihg_replayer_alloc(m->P, w->ex->momentum)))
            return ihg_error_status();
    }
    gsl_matrix_set_zero(w->Z);
    gsl_matrix_set_zero(w->M);
    gsl_vector_const_view th0 = gsl_vector_const_view_array(ihg_trajectory_theta(tr, 0), m->P);
    gsl_vector_memcpy(w->th, &th0.vector);
    if (w->ex->momentum) {
        gsl_vector_const_view m0 = gsl_vector_const_view_array(ihg_trajectory_m(tr, 0), m->P);
        gsl_vector_memcpy(w->m, &m0.vector);
    } else {
        gsl_vector_set_zero(w->m);
    }
    m->total = w->T * (long)m->Hn;
    m->bytes = ihg_trajectory_bytes(tr) +
               (2.0 * (double)m->Hn + 8.0) * (double)m->P * sizeof(double);
    if (w->T > 0)
        next_state(w, 0);
    return IHG_OK;
}

static int forward_iterate(ihg_method *m, ihg_solve_state *state)
{
    forward_state *w = m->state;
    const ihg_explicit *ex = w->ex;
    const ihg_trajectory *tr = ex->traj;
    if (w->t >= w->T) {
        *state = IHG_SOLVE_DONE;
        return IHG_OK;
    }
    long t = w->t;
    size_t j = w->j;
    const ihg_data *d = ex->batch(ex->params, t);
    double eta = ihg_trajectory_lr(tr, t), beta = ex->momentum ? ihg_trajectory_momentum(tr, t) : 0;
    gsl_vector_view Zj = gsl_matrix_row(w->Z, j), Mj = gsl_matrix_row(w->M, j);
    /* u = H_t Z_j + J_t e_j */
    ex->hvp(ex->params, w->th, d, &Zj.vector, w->Hz);
    if (j < ex->Hm) {
        gsl_vector_set_basis(w->e, j);
        int st = ex->jvp(ex->params, w->th, d, w->e, w->Ju);
        if (st != IHG_OK)
            return st;
        gsl_vector_add(w->Hz, w->Ju);
    }
    /* M_j <- beta M_j + u (+ beta (1 - beta) m_t);  Z_j <- Z_j - eta M_j (- eta m_{t+1}) */
    gsl_vector_scale(&Mj.vector, beta);
    gsl_vector_add(&Mj.vector, w->Hz);
    if ((long)j == ex->mom_index)
        gsl_blas_daxpy(beta * (1 - beta), w->m, &Mj.vector);
    gsl_blas_daxpy(-eta, &Mj.vector, &Zj.vector);
    if ((long)j == ex->lr_index)
        gsl_blas_daxpy(-eta, ex->momentum ? w->mn : w->g, &Zj.vector);
    m->hvps++;
    m->done++;
    if (++w->j == m->Hn) {
        /* the step is done: move to theta_{t+1} */
        w->j = 0;
        gsl_vector_memcpy(w->th, w->thn);
        gsl_vector_memcpy(w->m, w->mn);
        if (++w->t < w->T)
            next_state(w, w->t);
    }
    *state = w->t >= w->T ? IHG_SOLVE_DONE : IHG_SOLVE_RUNNING;
    return IHG_OK;
}

static int forward_hypergrad(ihg_method *m, gsl_vector *g)
{
    forward_state *w = m->state;
    /* g_j = direct_j + v . Z e_j */
    gsl_vector_memcpy(g, m->pb->direct);
    gsl_blas_dgemv(CblasNoTrans, 1.0, w->Z, m->pb->v, 1.0, g);
    return IHG_OK;
}

const ihg_method_type ihg_method_forward = {
    .name = "forward", .label = "forward", .title = "forward mode",
    .describe = "forward mode along the T inner steps: Z <- Z - eta (H_t Z + J_t), "
                "one HVP per hyperparameter and step",
    .unit = "column", .k_key = NULL,
    .flags = IHG_METHOD_NEEDS_TRAJECTORY | IHG_METHOD_EXPLICIT, .k_first = 0,
    .alloc = forward_alloc, .free = forward_free, .start = forward_start,
    .iterate = forward_iterate, .q = NULL, .hypergrad = forward_hypergrad,
    .refusal = forward_refusal};
