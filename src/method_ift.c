/* method_ift.c - the implicit-function-theorem methods: one adapter over
 * the linear solver of hypergrad.c, four table lines.
 *
 *   exact     H formed and factorized (Cholesky; LU, pseudo-inverse)
 *   neumann   q = alpha sum_{j=0..K} (I - alpha H)^j v   (K HVPs)
 *   cg        K conjugate-gradient iterations on H q = v (K HVPs)
 *   identity  q = v                                      (no HVP)
 *
 * and then dL_V/dlambda = direct - J^T q (ihg_ift_hypergrad).
 */
#include "method.h"

#include <gsl/gsl_blas.h>

#include "error.h"

static int ift_alloc(ihg_method *m)
{
    ihg_solver *s = ihg_solver_alloc(m->type->solver, m->P, m->set.exact_max);
    if (!s)
        return ihg_error_status();
    m->state = s;
    return IHG_OK;
}

static void ift_free(ihg_method *m)
{
    ihg_solver_free(m->state);
    m->state = NULL;
}

static int ift_start(ihg_method *m)
{
    return ihg_solver_start(m->state, m->pb->H, m->pb->v, m->set.K, m->set.alpha,
                            m->set.tol);
}

static int ift_iterate(ihg_method *m, ihg_solve_state *state)
{
    ihg_solver *s = m->state;
    int st = ihg_solver_iterate(s, state);
    m->done = ihg_solver_done_terms(s);
    m->hvps = ihg_solver_hvps(s);
    m->fallback = ihg_solver_used_fallback(s);
    m->growth = ihg_solver_growth(s);
    return st;
}

static const gsl_vector *ift_q(const ihg_method *m)
{
    return ihg_solver_q(m->state);
}

static int ift_hypergrad(ihg_method *m, gsl_vector *g)
{
    ihg_ift_hypergrad(m->pb, ihg_solver_q(m->state), m->jtq, g);
    m->jtq_norm = gsl_blas_dnrm2(m->jtq);
    return IHG_OK;
}

#define IFT_OPS                                                                   \
    .alloc = ift_alloc, .free = ift_free, .start = ift_start,                     \
    .iterate = ift_iterate, .q = ift_q, .hypergrad = ift_hypergrad

const ihg_method_type ihg_method_exact = {
    .name = "exact", .label = "exact", .title = "exact solve",
    .describe = "exact, q = H^-1 v by Cholesky (LU or pseudo-inverse when H is not "
                "positive definite)", .unit = "solve", .k_key = NULL,
    .flags = IHG_METHOD_IFT | IHG_METHOD_NEEDS_MATRIX, .k_first = 0,
    .solver = IHG_SOLVER_EXACT, IFT_OPS};

const ihg_method_type ihg_method_neumann = {
    .name = "neumann", .label = "Neumann", .title = "Neumann series",
    .describe = "Neumann series, q = alpha sum_{j=0..K} (I - alpha H)^j v, one HVP a term", .unit = "term", .k_key = "terms",
    .flags = IHG_METHOD_IFT | IHG_METHOD_USES_K | IHG_METHOD_USES_ALPHA, .k_first = 0,
    .solver = IHG_SOLVER_NEUMANN, IFT_OPS};

const ihg_method_type ihg_method_cg = {
    .name = "cg", .label = "CG", .title = "conjugate gradient",
    .describe = "conjugate gradient on H q = v: K iterations, one HVP each; exact after "
                "at most P when H is positive definite", .unit = "iteration", .k_key = "iters",
    .flags = IHG_METHOD_IFT | IHG_METHOD_USES_K, .k_first = 1,
    .solver = IHG_SOLVER_CG, IFT_OPS};

const ihg_method_type ihg_method_identity = {
    .name = "identity", .label = "identity", .title = "identity, q = v",
    .describe = "identity, q = v (H^-1 replaced by I)", .unit = "", .k_key = NULL,
    .flags = IHG_METHOD_IFT, .k_first = 0,
    .solver = IHG_SOLVER_IDENTITY, IFT_OPS};
