/* compare.h - every hypergradient method at the same (theta, lambda).
 *
 * The reference hypergradient g_ref is the exact solve when P <= exact_max,
 * else a long CG run (labelled as such).  Every other method of the method
 * table is run at the same point: a method with K (Neumann, CG) for
 * K = k_first..Kmax, each K giving a point of its error curve, the others
 * (identity) once.  For each: the relative error ||g - g_ref|| / ||g_ref||
 * and the cosine g . g_ref / (||g|| ||g_ref||).  Also the spectrum of H,
 * rho(I - alpha H) and the predicted Neumann envelope rho^(K+1).
 *
 * With hypergrad.damping or hypergrad.precondition (precond.h) the methods
 * run without them, and the IFT methods with K (neumann, cg) run again
 * with them, as entries named "neumann+damping", "cg+jacobi", ...: both
 * against the undamped exact reference, so damping's bias shows as the
 * floor of its curve.  The spectrum the conditioned series sees (of
 * H + delta I, or D^{-1/2} (H + delta I) D^{-1/2}) comes with it.
 */
#ifndef IHG_COMPARE_H
#define IHG_COMPARE_H

#include <gsl/gsl_vector.h>

#include "method.h"
#include "session.h"

/* The most methods one comparison runs. */
#define IHG_COMPARE_METHODS_MAX 16

/* One compared method. */
typedef struct {
    const ihg_method_type *type;
    char name[48];            /* the method's name, or with "+damping",
                                 "+jacobi" for a conditioned run           */
    int conditioned;          /* 1: runs with the damping and
                                 preconditioner of the comparison          */
    int curve;                /* 1: one value per K (IHG_METHOD_USES_K)  */
    long k_first;             /* the curve's first K                     */
    long kmax;                /* its last K: the comparison's Kmax, or T
                                 for a method through the inner loop     */
    long cap;                 /* entries allocated - 1                   */
    /* kmax + 1 entries indexed by K (those below k_first NaN); without a
     * curve only [0] is used */
    double *rel_err, *cos;
    /* explicit methods, against the whole unroll (NaN when unknown): the
     * truncation bias per K (unrolled), or one value (forward, fd) */
    double *rel_unrolled;
    double seconds;
    gsl_vector *hg;           /* the hypergradient at K = kmax (Hn)      */
    int ran;                  /* 0: skipped, the reason in skipped       */
    char skipped[200];
} ihg_compare_method;

typedef struct {
    long kmax;
    double alpha;
    int reference_exact;      /* 1: exact solve; 0: long CG run       */
    long reference_iters;     /* CG iterations of the reference       */
    ihg_fallback reference_fallback; /* what the reference solve fell back to */
    ihg_compare_method method[IHG_COMPARE_METHODS_MAX];
    size_t n_methods;         /* entries compared: the plain ones, and the
                                 conditioned ones when conditioning is on  */
    size_t n_plain, n_all;    /* entries without conditioning; all kept    */
    /* conditioning (hypergrad.damping, hypergrad.precondition) */
    int conditioned;          /* 1: on: the conditioned entries ran        */
    double damping;
    int precondition;         /* ihg_precond                               */
    /* the spectrum the conditioned series sees (NULL: conditioning off, or
     * P > exact_max): eigenvalues of H + damping I or of
     * D^{-1/2} (H + damping I) D^{-1/2} (those of D^{-1} (H + damping I)),
     * ascending; rho_seen = max |1 - alpha mu| over its non-null ones */
    gsl_vector *eig_seen;
    double seen_min, seen_max, rho_seen;
    double *predicted_seen;   /* rho_seen^(K+1) (NaN: unknown), kmax + 1   */
    double *predicted;        /* rho^(K+1) (NaN when spectrum unknown), kmax + 1 */
    /* spectrum (when P <= exact_max; NULL otherwise) */
    gsl_vector *eigenvalues;  /* ascending                              */
    double eig_min, eig_max;
    double rho;               /* max |1 - alpha lambda_i| over the non-null
                                 eigenvalues (v has no component along a
                                 null direction of H, see compare.c)       */
    long n_null;              /* |lambda_i| <= 1e-10 max |lambda|          */
    long n_unstable;          /* non-null with alpha lambda outside (0, 2)  */
    /* Over the non-null eigenvalues: the smallest (eig_lo); when it is > 0
     * the condition number kappa = eig_max / eig_lo and the best step of
     * the Neumann series (Richardson's), alpha_best = 2 / (eig_lo +
     * eig_max), with which rho(I - alpha H) is smallest, rho_best =
     * (kappa - 1) / (kappa + 1).  NaN when unknown or H is not positive
     * definite on the rest. */
    double eig_lo, kappa, alpha_best, rho_best;
    double band_top;          /* 2 / alpha: the stable band is (0, band_top) */
    double band_best;         /* 2 / alpha_best = eig_lo + eig_max        */
    /* timings (seconds) */
    double t_reference, t_eigen;
    gsl_vector *hg_reference; /* Hn */
} ihg_comparison;

ihg_comparison *ihg_comparison_alloc(size_t Hn, long kmax);
void ihg_comparison_free(ihg_comparison *c);
/* The compared method of that name, or NULL. */
const ihg_compare_method *ihg_comparison_find(const ihg_comparison *c, const char *name);
/* The relative error (or the cosine) of the method of that name after K
 * units (methods without K: K is ignored); NaN when there is none. */
double ihg_comparison_error(const ihg_comparison *c, const char *name, long K);
double ihg_comparison_cosine(const ihg_comparison *c, const char *name, long K);
/* Copy what a comparison shows (everything but the hypergradient
 * vectors) into dst, made by ihg_comparison_alloc for the same Kmax or
 * zeroed (calloc, never allocated: then everything is allocated here).
 * IHG_OK or IHG_ENOMEM.  For a reader on another thread. */
int ihg_comparison_copy_shown(ihg_comparison *dst, const ihg_comparison *src);
/* Fill c at the session's current point with the session's alpha. */
int ihg_compare_run(ihg_session *s, ihg_comparison *c);

/* The stages of a comparison job. */
typedef enum {
    IHG_COMPARE_SETUP = 0,   /* v and the direct term                     */
    IHG_COMPARE_REFERENCE,   /* exact solve (1 unit) or CG reference (1/HVP) */
    IHG_COMPARE_SPECTRUM,    /* eigenvalues of H (1 unit)                 */
    IHG_COMPARE_SEEN,        /* eigenvalues of the conditioned operator
                                (1 unit; conditioning on)                 */
    IHG_COMPARE_METHOD,      /* a compared method, one K per unit         */
    IHG_COMPARE_DONE
} ihg_compare_stage;

/* "setup", "reference", "eigenvalues", "conditioned eigenvalues",
 * "method", "done" */
const char *ihg_compare_stage_name(ihg_compare_stage st);

/* The same in small units, so an interactive caller can redraw between
 * them: one unit is one Hessian-vector product (a Neumann term, a CG
 * iteration, a step of the CG reference), the exact solve or the
 * eigenvalues.  Everything is allocated by _alloc.  The session must not
 * be stepped while a job is running (it reads the current point). */
typedef struct ihg_compare_job ihg_compare_job;
ihg_compare_job *ihg_compare_job_alloc(ihg_session *s, ihg_comparison *c);
int ihg_compare_job_step(ihg_compare_job *j, int *done);
/* The stage; in IHG_COMPARE_METHOD also the method (*method) and its K. */
ihg_compare_stage ihg_compare_job_stage(const ihg_compare_job *j,
                                        const ihg_method_type **method, long *k);
void ihg_compare_job_free(ihg_compare_job *j);

#endif
