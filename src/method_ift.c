/* method_ift.c - the implicit-function-theorem methods: one adapter over
 * the linear solver of hypergrad.c, four table lines.
 *
 *   exact     H formed and factorized (Cholesky; LU, pseudo-inverse)
 *   neumann   q = alpha sum_{j=0..K} (I - alpha H)^j v   (K HVPs)
 *   cg        K conjugate-gradient iterations on H q = v (K HVPs)
 *   identity  q = v                                      (no HVP)
 *
 * and then dL_V/dlambda = direct - J^T q (ihg_ift_hypergrad).  The settings
 * damping (H + delta I: exact, neumann, cg) and precondition (Jacobi:
 * neumann and cg; its diagonal from the family or from `probes` products,
 * counted in hvps) condition the solve (precond.h).
 */
#include "method.h"

#include <gsl/gsl_blas.h>
#include <stdlib.h>

#include "error.h"
#include "precond.h"

/* The solver and, for Jacobi preconditioning, D^-1 and two work vectors. */
typedef struct {
    ihg_solver *s;
    gsl_vector *dinv, *z, *Hz;
    long probe_hvps;          /* products spent on the diagonal          */
} ift_state;

static void ift_free(ihg_method *m)
{
    ift_state *st = m->state;
    if (!st)
        return;
    ihg_solver_free(st->s);
    gsl_vector *vs[] = {st->dinv, st->z, st->Hz};
    for (size_t i = 0; i < 3; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    free(st);
    m->state = NULL;
}

/* Jacobi preconditioning applies to the iterative solvers. */
static int wants_jacobi(const ihg_method *m)
{
    return m->set.precondition == IHG_PRECOND_JACOBI &&
           (m->type->solver == IHG_SOLVER_NEUMANN || m->type->solver == IHG_SOLVER_CG);
}

static int ift_alloc(ihg_method *m)
{
    ift_state *st = calloc(1, sizeof *st);
    if (!st)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    m->state = st;
    st->s = ihg_solver_alloc(m->type->solver, m->P, m->set.exact_max);
    if (!st->s) {
        int e = ihg_error_status();
        ift_free(m);
        return e;
    }
    if (wants_jacobi(m)) {
        st->dinv = gsl_vector_alloc(m->P);
        st->z = gsl_vector_alloc(m->P);
        st->Hz = gsl_vector_alloc(m->P);
        if (!st->dinv || !st->z || !st->Hz) {
            ift_free(m);
            return ihg_error_set(IHG_ENOMEM, "out of memory (Jacobi preconditioner, P = %zu)",
                                 m->P);
        }
    }
    return IHG_OK;
}

static int ift_start(ihg_method *m)
{
    ift_state *st = m->state;
    double damping = m->type->solver == IHG_SOLVER_IDENTITY ? 0.0 : m->set.damping;
    st->probe_hvps = 0;
    if (wants_jacobi(m)) {
        if (!st->dinv)
            return ihg_error_set(IHG_EINTERNAL, "%s: preconditioning asked for after "
                                 "allocation", m->type->name);
        ihg_jacobi_inverse(m->pb->H, damping, m->set.probes, st->dinv, st->z, st->Hz,
                           &st->probe_hvps);
    }
    ihg_solver_condition(st->s, damping, wants_jacobi(m) ? st->dinv : NULL);
    m->hvps = st->probe_hvps;
    return ihg_solver_start(st->s, m->pb->H, m->pb->v, m->set.K, m->set.alpha, m->set.tol);
}

static int ift_iterate(ihg_method *m, ihg_solve_state *state)
{
    ift_state *st = m->state;
    int rc = ihg_solver_iterate(st->s, state);
    m->done = ihg_solver_done_terms(st->s);
    m->hvps = ihg_solver_hvps(st->s) + st->probe_hvps;
    m->fallback = ihg_solver_used_fallback(st->s);
    m->growth = ihg_solver_growth(st->s);
    return rc;
}

static const gsl_vector *ift_q(const ihg_method *m)
{
    return ihg_solver_q(((const ift_state *)m->state)->s);
}

static int ift_hypergrad(ihg_method *m, gsl_vector *g)
{
    ihg_ift_hypergrad(m->pb, ift_q(m), m->jtq, g);
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
