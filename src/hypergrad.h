/* hypergrad.h - approximations q ~ H^{-1} v and the IFT hypergradient.
 *
 *   dL_V/dlambda = dL_V/dlambda(direct) - J^T q,   q ~ H^{-1} v,  v = dL_V/dtheta
 *
 * Each solver is "initialise, iterate, test" (after GSL): start it with v,
 * call iterate() once per Hessian-vector product, read q at any time.
 *
 *   exact    : form H (P <= limit), Cholesky; LU when H is not positive
 *              definite (reported).  One iterate() does the whole solve.
 *   neumann  : Lorraine et al. 2020, Algorithm 3:
 *              p = v; repeat K times { v <- v - alpha H v; p <- p + v };
 *              q = alpha p.  One iterate() = one term = one HVP.
 *   cg       : conjugate gradient on H q = v, one HVP per iterate().
 *   identity : q = v.
 * Each may be damped (H + delta I) and, neumann and cg, preconditioned by
 * a diagonal D (Jacobi): ihg_solver_condition.
 */
#ifndef IHG_HYPERGRAD_H
#define IHG_HYPERGRAD_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>


/* A symmetric linear operator u -> H u. */
typedef struct {
    void (*apply)(const gsl_vector *u, gsl_vector *Hu, void *params);
    /* Optional: the full matrix (for exact); NULL -> built from apply. */
    void (*matrix)(gsl_matrix *H, void *params);
    void *params;
    size_t n;
    /* Optional: an orthonormal basis (n x r) of known null directions of H
     * that v is orthogonal to; exact solves H + c U U^T (positive definite
     * when H is semi-definite otherwise) and gives the minimum-norm q. */
    const gsl_matrix *null_basis;
    /* Optional: the diagonal of H in closed form (for Jacobi
     * preconditioning); NULL -> estimated with products (precond.h). */
    void (*diagonal)(gsl_vector *diag, void *params);
} ihg_linop;

/* The linear solvers (the IFT methods of method_ift.c wrap them). */
typedef enum {
    IHG_SOLVER_EXACT = 0, /* form H, Cholesky (LU, pseudo-inverse)  */
    IHG_SOLVER_NEUMANN,   /* Lorraine et al. Algorithm 3           */
    IHG_SOLVER_CG,        /* conjugate gradient                    */
    IHG_SOLVER_IDENTITY   /* q = v                                 */
} ihg_solver_kind;

/* What a solve fell back to when H was not what the method assumes. */
typedef enum {
    IHG_FALLBACK_NONE = 0,
    IHG_FALLBACK_LU,             /* exact: H not positive definite, LU     */
    IHG_FALLBACK_PSEUDO_INVERSE, /* exact: H singular, eigen pseudo-inverse */
    IHG_FALLBACK_CG_NEGATIVE_CURVATURE /* cg: d'Hd <= 0, stopped there     */
} ihg_fallback;

/* "lu", "pseudo-inverse", "cg-negative-curvature" ("" for none): the
 * names of the JSON output. */
const char *ihg_fallback_name(ihg_fallback f);
/* For people: "H not positive definite: LU" and so on ("" for none). */
const char *ihg_fallback_describe(ihg_fallback f);

typedef enum {
    IHG_SOLVE_RUNNING = 0,
    IHG_SOLVE_DONE,       /* reached K terms / iterations or tolerance */
    IHG_SOLVE_DIVERGED    /* non-finite or exploding iterate           */
} ihg_solve_state;

typedef struct ihg_solver ihg_solver;

/* Allocate for dimension n; exact additionally allocates n x n (checked
 * against exact_max first). */
ihg_solver *ihg_solver_alloc(ihg_solver_kind kind, size_t n, long exact_max);
void ihg_solver_free(ihg_solver *s);

/* Solve with H + damping I (every solver), and, when dinv (n entries,
 * all > 0: D^{-1}) is not NULL, Neumann on D^{-1} H and preconditioned CG
 * (the exact solver ignores dinv).  Kept by pointer, for the starts that
 * follow; default 0 and NULL. */
void ihg_solver_condition(ihg_solver *s, double damping, const gsl_vector *dinv);

/* Begin solving H q = v.  K = Neumann terms or CG iterations; alpha the
 * Neumann step; tol the CG relative residual tolerance. */
int ihg_solver_start(ihg_solver *s, const ihg_linop *H, const gsl_vector *v,
                     long K, double alpha, double tol);
/* One unit of work (one HVP; the whole solve for exact).  Returns a status;
 * *state tells whether the solve is finished. */
int ihg_solver_iterate(ihg_solver *s, ihg_solve_state *state);
/* Current approximation q (valid after start). */
const gsl_vector *ihg_solver_q(const ihg_solver *s);
long ihg_solver_hvps(const ihg_solver *s);   /* HVPs used so far       */
long ihg_solver_done_terms(const ihg_solver *s); /* terms / iterations done */
double ihg_solver_residual(const ihg_solver *s); /* CG: ||r||/||v||    */
ihg_solver_kind ihg_solver_kind_of(const ihg_solver *s);
/* What the solve fell back to (exact: LU or the pseudo-inverse; cg: it
 * stopped at non-positive curvature). */
ihg_fallback ihg_solver_used_fallback(const ihg_solver *s);
/* neumann: the largest ratio ||v_j|| / ||v_{j-1}|| seen; > 1 proves
 * rho(I - alpha H) > 1. */
double ihg_solver_growth(const ihg_solver *s);
/* exact: the eigenvalues of H (ascending), valid after the solve; NULL
 * otherwise. */
const gsl_vector *ihg_solver_eigenvalues(const ihg_solver *s);

/* Convenience: run a solver to completion. */
int ihg_solve(ihg_solver_kind kind, const ihg_linop *H, const gsl_vector *v,
              long K, double alpha, double tol, long exact_max,
              gsl_vector *q);

/* Symmetric eigenvalues of the operator (forms H; n <= exact_max). */
int ihg_linop_eigenvalues(const ihg_linop *H, long exact_max, gsl_vector *eval);

#endif
