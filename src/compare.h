/* compare.h - every hypergradient method at the same (theta, lambda).
 *
 * For Neumann K = 0..Kmax and CG K = 1..Kmax: the relative error
 * ||g_K - g_ref|| / ||g_ref|| and cosine similarity to the reference
 * hypergradient g_ref (exact when P <= exact_max, else a long CG run,
 * labelled as such), the identity approximation, the spectrum of H,
 * rho(I - alpha H) and the predicted Neumann envelope rho^(K+1).
 */
#ifndef IHG_COMPARE_H
#define IHG_COMPARE_H

#include <gsl/gsl_vector.h>

#include "session.h"

typedef struct {
    long kmax;
    double alpha;
    int reference_exact;      /* 1: exact solve; 0: long CG run       */
    long reference_iters;     /* CG iterations of the reference       */
    int exact_fallback;       /* exact: H not PD, LU used              */
    /* arrays of kmax + 1 entries, index = K (cg[0] unused, NaN) */
    double *neumann_rel_err, *neumann_cos;
    double *cg_rel_err, *cg_cos;
    double *predicted;        /* rho^(K+1) (NaN when spectrum unknown) */
    double identity_rel_err, identity_cos;
    /* spectrum (when P <= exact_max; NULL otherwise) */
    gsl_vector *eigenvalues;  /* ascending                              */
    double eig_min, eig_max;
    double rho;               /* max |1 - alpha lambda_i| over the non-null
                                 eigenvalues (v has no component along a
                                 null direction of H, see compare.c)       */
    long n_null;              /* |lambda_i| <= 1e-10 max |lambda|          */
    long n_unstable;          /* non-null with alpha lambda outside (0, 2)  */
    /* timings (seconds) */
    double t_exact, t_neumann, t_cg, t_identity, t_eigen;
    /* hypergradients (Hn) for --vectors */
    gsl_vector *hg_reference, *hg_neumann, *hg_cg, *hg_identity; /* at K = kmax */
} ihg_comparison;

ihg_comparison *ihg_comparison_alloc(size_t Hn, long kmax);
void ihg_comparison_free(ihg_comparison *c);
/* Fill c at the session's current point with the session's alpha. */
int ihg_compare_run(ihg_session *s, ihg_comparison *c);

/* The same in small units, so an interactive caller can redraw between
 * them: one unit is one Hessian-vector product (a Neumann term, a CG
 * iteration, a step of the CG reference), the exact solve or the
 * eigenvalues.  Everything is allocated by _alloc.  The session must not
 * be stepped while a job is running (it reads the current point). */
typedef struct ihg_compare_job ihg_compare_job;
ihg_compare_job *ihg_compare_job_alloc(ihg_session *s, ihg_comparison *c);
int ihg_compare_job_step(ihg_compare_job *j, int *done);
/* Stage (0 setup, 1 reference, 2 spectrum, 3 identity, 4 Neumann, 5 CG,
 * 6 done) and, in stages 4 and 5, the current K. */
int ihg_compare_job_stage(const ihg_compare_job *j, long *k);
void ihg_compare_job_free(ihg_compare_job *j);

#endif
