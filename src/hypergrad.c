/* hypergrad.c - solvers for q ~ H^{-1} v (see hypergrad.h).
 *
 * Neumann (Lorraine, Vicol & Duvenaud 2020, Algorithm 3):
 *     p = v; repeat K times { v <- v - alpha H v; p <- p + v }; q = alpha p
 * so q = alpha sum_{j=0..K} (I - alpha H)^j v with exactly K HVPs.  Since H
 * is symmetric, the ratio of successive term norms ||v_j|| / ||v_{j-1}|| is
 * non-decreasing in j and bounded by rho(I - alpha H); a ratio above 1
 * therefore proves rho > 1 and the series diverges.  That is the test used
 * to report divergence.
 *
 * CG: the textbook conjugate gradient iteration on H q = v from q = 0, one
 * HVP per iteration, stopping at ||r|| <= tol ||v||.  A non-positive
 * curvature d^T H d <= 0 means H is not positive definite; CG stops there.
 *
 * Exact: H formed (its own matrix function, or P HVPs with unit vectors),
 * then Cholesky; when H is not positive definite, LU; when H is singular,
 * the pseudo-inverse from its eigendecomposition.  The fallback used is
 * reported through ihg_solver_used_fallback().
 *
 * Damping and preconditioning (ihg_solver_condition).  Damping delta
 * replaces H by H + delta I in every solver (LiSSA; iMAML's CG): a biased
 * answer, (H + delta I)^{-1} v, from a better conditioned operator.  A
 * diagonal preconditioner D (dinv = D^{-1}, Jacobi: D = diag(H + delta I))
 * changes the iterative solvers:
 *   Neumann on D^{-1} H:  q = alpha sum_{j=0..K} (I - alpha D^{-1} H)^j D^{-1} v,
 *       p = t = D^{-1} v; repeat K times { t <- t - alpha D^{-1} H t; p <- p + t };
 *       q = alpha p.  I - alpha D^{-1} H is self-adjoint in the D-norm
 *       ||t||_D = sqrt(t' D t), so the term ratios are measured in that norm
 *       and the divergence test above holds as it is.
 *   preconditioned CG: z = D^{-1} r; alpha = r'z / d'Hd; beta = r'z_new / r'z;
 *       d <- z + beta d (the residual test is on ||r|| as before).
 * The exact solver ignores the preconditioner (it changes nothing there).
 */
#include "hypergrad.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_sort_vector.h>
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "linalg.h"

struct ihg_solver {
    ihg_solver_kind method;
    size_t n;
    long exact_max;
    const ihg_linop *H;
    long K;
    double alpha, tol;
    long hvps, done;
    double residual, rr, bnorm, last_term_norm, growth;
    ihg_fallback fallback;
    int finished;
    gsl_vector *q, *term, *p, *Hv, *r, *d;
    gsl_matrix *Hm, *work;
    gsl_permutation *perm;
    gsl_vector *eval;
    int have_eval;
    ihg_eigen_work *eigw;    /* made on first need (singular H)         */
    double damping;          /* H + damping I                           */
    const gsl_vector *dinv;  /* diagonal preconditioner D^-1, or NULL   */
};

void ihg_solver_condition(ihg_solver *s, double damping, const gsl_vector *dinv)
{
    s->damping = damping;
    s->dinv = dinv && dinv->size == s->n ? dinv : NULL;
}

/* Hu = (H + damping I) u */
static void apply_op(ihg_solver *s, const gsl_vector *u, gsl_vector *Hu)
{
    s->H->apply(u, Hu, s->H->params);
    if (s->damping != 0.0)
        gsl_blas_daxpy(s->damping, u, Hu);
}

/* ||t||_D = sqrt(sum t_i^2 / dinv_i): the norm in which the preconditioned
 * Neumann iteration is self-adjoint. */
static double d_norm(const gsl_vector *t, const gsl_vector *dinv)
{
    double ss = 0.0;
    for (size_t i = 0; i < t->size; i++) {
        double x = gsl_vector_get(t, i);
        ss += x * x / gsl_vector_get(dinv, i);
    }
    return sqrt(ss);
}

ihg_solver_kind ihg_solver_kind_of(const ihg_solver *s) { return s->method; }
const gsl_vector *ihg_solver_q(const ihg_solver *s) { return s->q; }
long ihg_solver_hvps(const ihg_solver *s) { return s->hvps; }
long ihg_solver_done_terms(const ihg_solver *s) { return s->done; }
double ihg_solver_residual(const ihg_solver *s) { return s->residual; }
ihg_fallback ihg_solver_used_fallback(const ihg_solver *s) { return s->fallback; }

const char *ihg_fallback_name(ihg_fallback f)
{
    switch (f) {
    case IHG_FALLBACK_LU: return "lu";
    case IHG_FALLBACK_PSEUDO_INVERSE: return "pseudo-inverse";
    case IHG_FALLBACK_CG_NEGATIVE_CURVATURE: return "cg-negative-curvature";
    default: return "";
    }
}

const char *ihg_fallback_describe(ihg_fallback f)
{
    switch (f) {
    case IHG_FALLBACK_LU: return "H not positive definite: LU";
    case IHG_FALLBACK_PSEUDO_INVERSE: return "H singular: pseudo-inverse";
    case IHG_FALLBACK_CG_NEGATIVE_CURVATURE: return "CG met negative curvature";
    default: return "";
    }
}
double ihg_solver_growth(const ihg_solver *s) { return s->growth; }

const gsl_vector *ihg_solver_eigenvalues(const ihg_solver *s)
{
    return s->have_eval ? s->eval : NULL;
}

ihg_solver *ihg_solver_alloc(ihg_solver_kind method, size_t n, long exact_max)
{
    if (n == 0) {
        ihg_error_set(IHG_EINVAL, "solver: empty problem");
        return NULL;
    }
    if (method == IHG_SOLVER_EXACT && (exact_max < 0 || n > (size_t)exact_max)) {
        ihg_error_set(IHG_ELIMIT,
                      "exact inverse refused: P = %zu parameters is above "
                      "hypergrad.exact_max = %ld (use cg or neumann)",
                      n, exact_max);
        return NULL;
    }
    ihg_solver *s = calloc(1, sizeof *s);
    if (!s) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    s->method = method;
    s->n = n;
    s->exact_max = exact_max;
    s->q = gsl_vector_calloc(n);
    s->term = gsl_vector_calloc(n);
    s->p = gsl_vector_calloc(n);
    s->Hv = gsl_vector_calloc(n);
    s->r = gsl_vector_calloc(n);
    s->d = gsl_vector_calloc(n);
    int ok = s->q && s->term && s->p && s->Hv && s->r && s->d;
    if (ok && method == IHG_SOLVER_EXACT) {
        s->Hm = gsl_matrix_alloc(n, n);
        s->work = gsl_matrix_alloc(n, n);
        s->perm = gsl_permutation_alloc(n);
        s->eval = gsl_vector_alloc(n);
        ok = s->Hm && s->work && s->perm && s->eval;
    }
    if (!ok) {
        ihg_solver_free(s);
        ihg_error_set(IHG_ENOMEM, "out of memory allocating a solver for P = %zu", n);
        return NULL;
    }
    return s;
}

void ihg_solver_free(ihg_solver *s)
{
    if (!s)
        return;
    gsl_vector *vs[] = {s->q, s->term, s->p, s->Hv, s->r, s->d, s->eval};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    if (s->Hm)
        gsl_matrix_free(s->Hm);
    if (s->work)
        gsl_matrix_free(s->work);
    if (s->perm)
        gsl_permutation_free(s->perm);
    ihg_eigen_work_free(s->eigw);
    free(s);
}

/* Form the matrix of the operator into M (n x n). */
static void linop_form(const ihg_linop *H, gsl_matrix *M, gsl_vector *e,
                       gsl_vector *col, long *hvps)
{
    if (H->matrix) {
        H->matrix(M, H->params);
        return;
    }
    for (size_t j = 0; j < H->n; j++) {
        gsl_vector_set_basis(e, j);
        H->apply(e, col, H->params);
        gsl_matrix_set_col(M, j, col);
        if (hvps)
            (*hvps)++;
    }
    /* symmetrize against rounding in the HVPs */
    for (size_t i = 0; i < H->n; i++)
        for (size_t j = i + 1; j < H->n; j++) {
            double a = 0.5 * (gsl_matrix_get(M, i, j) + gsl_matrix_get(M, j, i));
            gsl_matrix_set(M, i, j, a);
            gsl_matrix_set(M, j, i, a);
        }
}

int ihg_solver_start(ihg_solver *s, const ihg_linop *H, const gsl_vector *v,
                     long K, double alpha, double tol)
{
    if (H->n != s->n || v->size != s->n)
        return ihg_error_set(IHG_EINVAL, "solver: size mismatch");
    if (K < 0)
        return ihg_error_set(IHG_EINVAL, "solver: negative number of terms");
    s->H = H;
    s->K = K;
    s->alpha = alpha;
    s->tol = tol;
    s->hvps = 0;
    s->done = 0;
    s->fallback = IHG_FALLBACK_NONE;
    s->finished = 0;
    s->have_eval = 0;
    s->growth = 0;
    s->bnorm = gsl_blas_dnrm2(v);
    s->residual = 1.0;
    switch (s->method) {
    case IHG_SOLVER_NEUMANN:
        gsl_vector_memcpy(s->term, v);
        if (s->dinv) {
            /* the series on D^-1 H starts from D^-1 v */
            gsl_vector_mul(s->term, s->dinv);
            s->bnorm = d_norm(s->term, s->dinv);
        }
        gsl_vector_memcpy(s->p, s->term);
        gsl_vector_memcpy(s->q, s->term);
        gsl_vector_scale(s->q, alpha);
        s->last_term_norm = s->bnorm;
        if (K == 0)
            s->finished = 1;
        break;
    case IHG_SOLVER_CG:
        gsl_vector_set_zero(s->q);
        gsl_vector_memcpy(s->r, v);
        gsl_vector_memcpy(s->d, v);
        s->rr = s->bnorm * s->bnorm;
        if (s->dinv) {
            /* z = D^-1 r (in p), d = z, rr = r'z */
            gsl_vector_memcpy(s->p, v);
            gsl_vector_mul(s->p, s->dinv);
            gsl_vector_memcpy(s->d, s->p);
            gsl_blas_ddot(s->r, s->p, &s->rr);
        }
        if (s->bnorm == 0.0) {
            s->residual = 0.0;
            s->finished = 1;
        }
        if (K == 0)
            s->finished = 1;
        break;
    case IHG_SOLVER_IDENTITY:
        gsl_vector_memcpy(s->q, v);
        s->residual = 0.0;
        s->finished = 1;
        break;
    case IHG_SOLVER_EXACT:
        gsl_vector_memcpy(s->r, v); /* keep the right-hand side */
        gsl_vector_set_zero(s->q);
        break;
    default:
        return ihg_error_set(IHG_EINVAL, "solver: unknown method");
    }
    return IHG_OK;
}

/* A posteriori check of a direct solve: for a numerically singular H the
 * factorization may succeed (pivots just above zero) while q picks up a
 * huge null-space component, so that ||H||_max ||q|| / ||v|| ~ 1/eps.  An
 * effective condition above 1e12 is treated as singular. */
static int solve_suspect(const gsl_matrix *H, const gsl_vector *v, const gsl_vector *q)
{
    double hmax = 0;
    for (size_t i = 0; i < H->size1; i++)
        for (size_t j = 0; j < H->size2; j++)
            hmax = fmax(hmax, fabs(gsl_matrix_get(H, i, j)));
    double vn = gsl_blas_dnrm2(v), qn = gsl_blas_dnrm2(q);
    return !isfinite(qn) || (vn > 0 && hmax * qn / vn > 1e12);
}

/* q = V diag(1/e for |e| > 1e-12 max|e|, else 0) V^T v */
static int pseudo_inverse_solve(ihg_solver *s)
{
    size_t n = s->n;
    gsl_matrix *evec = s->work;
    if (!s->eigw && !(s->eigw = ihg_eigen_work_alloc(n, 1)))
        return ihg_error_status();
    /* the last use of Hm in this solve: it may be overwritten (it is
     * formed anew at the next start) */
    int st = ihg_eigen_symm(s->Hm, s->eval, evec, s->eigw);
    if (st != IHG_OK)
        return st;
    s->have_eval = 1;
    double emax = 0;
    for (size_t i = 0; i < n; i++)
        emax = fmax(emax, fabs(gsl_vector_get(s->eval, i)));
    gsl_blas_dgemv(CblasTrans, 1.0, evec, s->r, 0.0, s->Hv);
    for (size_t i = 0; i < n; i++) {
        double e = gsl_vector_get(s->eval, i);
        double c = fabs(e) > 1e-12 * emax ? gsl_vector_get(s->Hv, i) / e : 0.0;
        gsl_vector_set(s->Hv, i, c);
    }
    gsl_blas_dgemv(CblasNoTrans, 1.0, evec, s->Hv, 0.0, s->q);
    return IHG_OK;
}

/* Known null directions U (H U = 0, v orthogonal to U): add c U U^T with c
 * the largest diagonal entry of H, so the deflated matrix is as well
 * conditioned as H is on the complement; its solution for v lies in that
 * complement and equals the minimum-norm (pseudo-inverse) solution. */
static void deflate(gsl_matrix *M, const gsl_matrix *U)
{
    double c = 0;
    for (size_t i = 0; i < M->size1; i++)
        c = fmax(c, fabs(gsl_matrix_get(M, i, i)));
    if (c == 0)
        c = 1;
    gsl_blas_dsyrk(CblasLower, CblasNoTrans, c, U, 1.0, M);
    for (size_t i = 0; i < M->size1; i++) /* mirror the lower triangle */
        for (size_t j = 0; j < i; j++)
            gsl_matrix_set(M, j, i, gsl_matrix_get(M, i, j));
}

/* q <- q - U U^T q */
static void project_out(gsl_vector *q, const gsl_matrix *U)
{
    for (size_t c = 0; c < U->size2; c++) {
        gsl_vector_const_view u = gsl_matrix_const_column(U, c);
        double a;
        gsl_blas_ddot(&u.vector, q, &a);
        gsl_blas_daxpy(-a, &u.vector, q);
    }
}

static int exact_solve(ihg_solver *s)
{
    linop_form(s->H, s->Hm, s->term, s->Hv, &s->hvps);
    if (s->damping != 0.0)
        for (size_t i = 0; i < s->n; i++)
            *gsl_matrix_ptr(s->Hm, i, i) += s->damping;
    const gsl_matrix *U = s->H->null_basis;
    if (U && U->size2 > 0)
        deflate(s->Hm, U);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int singular = 0;
    gsl_matrix_memcpy(s->work, s->Hm);
    int st = gsl_linalg_cholesky_decomp1(s->work);
    if (st == GSL_SUCCESS)
        st = gsl_linalg_cholesky_solve(s->work, s->r, s->q);
    if (st == GSL_SUCCESS) {
        /* Cholesky can run through a singular positive semi-definite H on
         * pivots of rounding size: a pivot ratio min/max L_ii^2 below 1e-13
         * means H is numerically singular. */
        double pmin = INFINITY, pmax = 0;
        for (size_t i = 0; i < s->n; i++) {
            double l = gsl_matrix_get(s->work, i, i);
            pmin = fmin(pmin, l * l);
            pmax = fmax(pmax, l * l);
        }
        singular = !(pmin > 1e-13 * pmax) || solve_suspect(s->Hm, s->r, s->q);
    } else {
        /* not positive definite: LU */
        int signum;
        s->fallback = IHG_FALLBACK_LU;
        gsl_matrix_memcpy(s->work, s->Hm);
        st = gsl_linalg_LU_decomp(s->work, s->perm, &signum);
        double maxabs = 0, mindiag = INFINITY;
        for (size_t i = 0; i < s->n; i++) {
            double a = fabs(gsl_matrix_get(s->work, i, i));
            maxabs = fmax(maxabs, a);
            mindiag = fmin(mindiag, a);
        }
        singular = st != GSL_SUCCESS || !(mindiag > 1e-13 * maxabs);
        if (!singular) {
            st = gsl_linalg_LU_solve(s->work, s->perm, s->r, s->q);
            singular = st != GSL_SUCCESS || solve_suspect(s->Hm, s->r, s->q);
        }
    }
    st = IHG_OK;
    if (singular) {
        /* singular: pseudo-inverse through the eigendecomposition */
        s->fallback = IHG_FALLBACK_PSEUDO_INVERSE;
        st = pseudo_inverse_solve(s);
    }
    if (st == IHG_OK && U && U->size2 > 0) {
        project_out(s->q, U);
        s->have_eval = 0; /* the spectrum was of the deflated matrix */
    }
    gsl_set_error_handler(old);
    s->residual = 0.0;
    return st;
}

int ihg_solver_iterate(ihg_solver *s, ihg_solve_state *state)
{
    *state = IHG_SOLVE_DONE;
    if (s->finished)
        return IHG_OK;
    switch (s->method) {
    case IHG_SOLVER_EXACT: {
        int st = exact_solve(s);
        s->done = 1;
        s->finished = 1;
        return st;
    }
    case IHG_SOLVER_NEUMANN: {
        /* v <- v - alpha H v; p <- p + v  (H: D^-1 H when preconditioned) */
        apply_op(s, s->term, s->Hv);
        s->hvps++;
        if (s->dinv)
            gsl_vector_mul(s->Hv, s->dinv);
        gsl_blas_daxpy(-s->alpha, s->Hv, s->term);
        gsl_vector_add(s->p, s->term);
        gsl_vector_memcpy(s->q, s->p);
        gsl_vector_scale(s->q, s->alpha);
        s->done++;
        double tn = s->dinv ? d_norm(s->term, s->dinv) : gsl_blas_dnrm2(s->term);
        double ratio = s->last_term_norm > 0 ? tn / s->last_term_norm : 0.0;
        if (ratio > s->growth)
            s->growth = ratio;
        s->last_term_norm = tn;
        s->residual = s->bnorm > 0 ? tn / s->bnorm : 0.0;
        if (s->done >= s->K)
            s->finished = 1;
        if (!isfinite(tn) || ratio > 1.0 + 1e-9) {
            *state = IHG_SOLVE_DIVERGED;
            return IHG_OK;
        }
        *state = s->finished ? IHG_SOLVE_DONE : IHG_SOLVE_RUNNING;
        return IHG_OK;
    }
    case IHG_SOLVER_CG: {
        double dHd;
        apply_op(s, s->d, s->Hv);
        s->hvps++;
        s->done++;
        gsl_blas_ddot(s->d, s->Hv, &dHd);
        if (!(dHd > 0.0)) {
            /* negative curvature: H is not positive definite */
            s->finished = 1;
            s->fallback = IHG_FALLBACK_CG_NEGATIVE_CURVATURE;
            *state = isfinite(dHd) ? IHG_SOLVE_DONE : IHG_SOLVE_DIVERGED;
            return IHG_OK;
        }
        double a = s->rr / dHd;
        gsl_blas_daxpy(a, s->d, s->q);
        gsl_blas_daxpy(-a, s->Hv, s->r);
        double rr_new;
        gsl_blas_ddot(s->r, s->r, &rr_new);
        s->residual = s->bnorm > 0 ? sqrt(rr_new) / s->bnorm : 0.0;
        if (!isfinite(rr_new)) {
            s->finished = 1;
            *state = IHG_SOLVE_DIVERGED;
            return IHG_OK;
        }
        if (s->dinv) {
            /* z = D^-1 r; rr = r'z */
            gsl_vector_memcpy(s->p, s->r);
            gsl_vector_mul(s->p, s->dinv);
            gsl_blas_ddot(s->r, s->p, &rr_new);
        }
        double beta = rr_new / s->rr;
        s->rr = rr_new;
        /* d <- r + beta d (z + beta d when preconditioned) */
        gsl_vector_scale(s->d, beta);
        gsl_vector_add(s->d, s->dinv ? s->p : s->r);
        if (s->done >= s->K || s->residual <= s->tol)
            s->finished = 1;
        *state = s->finished ? IHG_SOLVE_DONE : IHG_SOLVE_RUNNING;
        return IHG_OK;
    }
    default:
        s->finished = 1;
        return IHG_OK;
    }
}

int ihg_solve(ihg_solver_kind method, const ihg_linop *H, const gsl_vector *v,
              long K, double alpha, double tol, long exact_max, gsl_vector *q)
{
    ihg_solver *s = ihg_solver_alloc(method, H->n, exact_max);
    if (!s)
        return ihg_error_status();
    int st = ihg_solver_start(s, H, v, K, alpha, tol);
    ihg_solve_state state = IHG_SOLVE_RUNNING;
    while (st == IHG_OK) {
        st = ihg_solver_iterate(s, &state);
        if (s->finished)
            break;
    }
    if (st == IHG_OK)
        gsl_vector_memcpy(q, s->q);
    ihg_solver_free(s);
    return st;
}

int ihg_linop_eigenvalues(const ihg_linop *H, long exact_max, gsl_vector *eval)
{
    size_t n = H->n;
    if (exact_max < 0 || n > (size_t)exact_max)
        return ihg_error_set(IHG_ELIMIT, "eigenvalues refused: P = %zu > %ld", n,
                             exact_max);
    gsl_matrix *M = gsl_matrix_alloc(n, n);
    gsl_vector *e = gsl_vector_alloc(n), *col = gsl_vector_alloc(n);
    ihg_eigen_work *w = ihg_eigen_work_alloc(n, 0);
    int st = IHG_OK;
    if (!M || !e || !col || !w) {
        st = ihg_error_set(IHG_ENOMEM, "eigenvalues: out of memory");
    } else {
        linop_form(H, M, e, col, NULL);
        st = ihg_eigen_symm(M, eval, NULL, w);
    }
    if (M)
        gsl_matrix_free(M);
    if (e)
        gsl_vector_free(e);
    if (col)
        gsl_vector_free(col);
    ihg_eigen_work_free(w);
    return st;
}
