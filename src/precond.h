/* precond.h - what the iterative solvers solve when they are damped and
 * preconditioned (hypergrad.damping, hypergrad.precondition).
 *
 * Damping delta: (H + delta I) q = v, a biased answer from a better
 * conditioned operator (LiSSA; the CG of iMAML).  Jacobi preconditioning:
 * D = diag(H + delta I); Neumann runs on D^{-1} (H + delta I) and CG is
 * preconditioned by D (hypergrad.c).  The operator a preconditioned series
 * sees, D^{-1} (H + delta I), is similar to the symmetric
 * D^{-1/2} (H + delta I) D^{-1/2}: same eigenvalues, the ones its
 * convergence depends on.
 *
 * D comes from the family in closed form when it has one (model.h
 * train_hessian_diag, through ihg_linop.diagonal) or else from
 * Hessian-vector products: with P <= probes the P unit vectors (exact),
 * otherwise the estimator of Bekas, Kokiopoulou & Saad (2007),
 *     diag(H) ~ 1/m sum_k z_k .* (H z_k),   z_k of random signs (z .* z = 1),
 * unbiased and exact for a diagonal H, with m = probes vectors whose signs
 * come from a fixed seed (the same H gives the same D).  Entries below
 * floor = 1e-3 mean |D| (and non-finite ones) are raised to it: D must be
 * positive.
 */
#ifndef IHG_PRECOND_H
#define IHG_PRECOND_H

#include <gsl/gsl_vector.h>

#include "hypergrad.h"

typedef enum { IHG_PRECOND_NONE = 0, IHG_PRECOND_JACOBI } ihg_precond;

/* "none", "jacobi", NULL-terminated (hypergrad.precondition). */
extern const char *const ihg_precond_names[];

/* dinv = 1 / D, D = diag(H + damping I) as above; z and Hz are work
 * vectors of H->n entries.  *hvps (may be NULL) gets the products used (0
 * for a closed form). */
void ihg_jacobi_inverse(const ihg_linop *H, double damping, long probes, gsl_vector *dinv,
                        gsl_vector *z, gsl_vector *Hz, long *hvps);

/* The eigenvalues (ascending) of D^{-1/2} (H + damping I) D^{-1/2} (dinv
 * NULL: of H + damping I): the spectrum a damped or preconditioned series
 * sees.  Forms the matrix with H->n products; refused above exact_max. */
int ihg_conditioned_eigenvalues(const ihg_linop *H, double damping, const gsl_vector *dinv,
                                long exact_max, gsl_vector *eval);

#endif
