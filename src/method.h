/* method.h - hypergradient methods as a const type table.
 *
 * A method turns the pieces the session has at one point (theta, lambda)
 * into the hypergradient dL_V/dlambda.  The implicit-function-theorem
 * methods (flag IHG_METHOD_IFT) approximate q ~ H^{-1} v and finish with
 *
 *     dL_V/dlambda = direct - J^T q,     v = dL_V/dtheta, direct = dL_V/dlambda
 *
 * (ihg_ift_hypergrad, the one place that formula is written); other
 * methods write the hypergradient their own way.  Like the GSL
 * minimizers: alloc once, then start / iterate (one unit of work, at most
 * one Hessian-vector product, so a caller can redraw between units) /
 * hypergrad (one more unit: the J^T q product) / free.
 *
 * Each method is one `static const ihg_method_type` table; the registry
 * (method.c) lists them in the order the explorer's `m` key cycles
 * through.  Adding a method: its file, one line in the registry, the man
 * page and tests.
 */
#ifndef IHG_METHOD_H
#define IHG_METHOD_H

#include <gsl/gsl_vector.h>

#include "explicit.h"
#include "hypergrad.h"

/* Flags of a method type. */
enum {
    IHG_METHOD_IFT = 1u << 0,          /* q ~ H^{-1} v, then direct - J^T q     */
    IHG_METHOD_USES_K = 1u << 1,       /* K terms / iterations (the key k_key)  */
    IHG_METHOD_USES_ALPHA = 1u << 2,   /* a step alpha (Neumann)                */
    IHG_METHOD_NEEDS_MATRIX = 1u << 3, /* forms H: P <= hypergrad.exact_max     */
    IHG_METHOD_NEEDS_TRAJECTORY = 1u << 4, /* the inner loop's recorded steps   */
    IHG_METHOD_EXPLICIT = 1u << 5      /* differentiates the T inner steps      */
};

/* What a method works on at one point, filled by its caller (the session or
 * the comparison) and valid from start() to the last hypergrad(). */
typedef struct {
    size_t P, Hn;
    const ihg_linop *H;          /* the Hessian of L_T on the training set */
    const gsl_vector *v;         /* dL_V/dtheta                             */
    const gsl_vector *direct;    /* dL_V/dlambda (the direct term)          */
    /* out = J^T u, an Hn-vector, J = d2 L_T / dtheta dlambda */
    void (*jtvp)(const gsl_vector *u, gsl_vector *out, void *params);
    void *params;
    /* Explicit methods: the inner loop as it ran (NULL: not available). */
    const ihg_explicit *ex;
} ihg_hg_problem;

/* The settings of one solve. */
typedef struct {
    long K;          /* terms / iterations (methods with IHG_METHOD_USES_K) */
    double alpha;    /* Neumann step                                       */
    double tol;      /* CG relative residual tolerance                     */
    long exact_max;  /* largest P a method may form H for                  */
    int checkpoint;  /* unrolled: recompute from every ceil(sqrt T)-th theta */
    long forward_max; /* forward: most hyperparameters                    */
    long fd_max;     /* fd: most hyperparameters                           */
    double fd_step;  /* fd: h                                              */
    /* IFT solvers (precond.h): H + damping I; precondition an ihg_precond
     * (neumann and cg: Jacobi), its diagonal from probes products when
     * the family has no closed form */
    double damping;
    int precondition;
    long probes;
} ihg_method_settings;

typedef struct ihg_method ihg_method;

typedef struct ihg_method_type {
    const char *name;   /* hypergrad.method                                 */
    const char *label;  /* short, for people: "Neumann", "CG"               */
    const char *title;  /* for people: "Neumann series"                     */
    const char *describe; /* one line: how q (or the hypergradient) is made */
    const char *unit;   /* what one iterate() is: "term", "iteration", ...  */
    const char *k_key;  /* the hypergrad key that sets K, NULL without K    */
    unsigned flags;
    long k_first;       /* the smallest K with a meaning (Neumann 0, CG 1)  */
    /* The IFT adapter's linear solver (method_ift.c); unused otherwise. */
    ihg_solver_kind solver;

    /* Make m->state for a problem of P parameters and Hn hyperparameters
     * (m->type, m->P, m->Hn and m->set are filled).  IHG_OK or an error
     * (IHG_ELIMIT: the problem is too large for this method). */
    int (*alloc)(ihg_method *m);
    void (*free)(ihg_method *m);
    /* Begin at m->pb with m->set. */
    int (*start)(ihg_method *m);
    /* One unit of work; *state tells whether the method has finished. */
    int (*iterate)(ihg_method *m, ihg_solve_state *state);
    /* IFT: the current q (the partial Neumann sum, the CG iterate); NULL
     * for methods without one. */
    const gsl_vector *(*q)(const ihg_method *m);
    /* The hypergradient of what has been done so far, into g (Hn). */
    int (*hypergrad)(ihg_method *m, gsl_vector *g);
    /* Optional: why this problem is refused (see ihg_method_refusal). */
    const char *(*refusal)(const ihg_hg_problem *pb, const ihg_method_settings *set);
} ihg_method_type;

/* An instance.  The counters are kept by the method's functions. */
struct ihg_method {
    const ihg_method_type *type;
    size_t P, Hn;
    ihg_method_settings set;
    const ihg_hg_problem *pb;
    long done;            /* units (terms, iterations) done               */
    long hvps;            /* Hessian-vector products used                 */
    ihg_fallback fallback;
    double growth;        /* Neumann: largest ||v_j|| / ||v_j-1|| seen     */
    double jtq_norm;      /* IFT: ||J^T q|| of the last hypergrad()        */
    long total;           /* units the method will take (after start)     */
    double bytes;         /* memory it holds beyond the problem           */
    gsl_vector *jtq;      /* IFT: J^T q (Hn)                               */
    void *state;          /* the type's own                                */
};

/* The registry: every method, NULL-terminated, in the `m` key's order. */
extern const ihg_method_type *const ihg_method_types[];
/* The type of a hypergrad.method name, or NULL. */
const ihg_method_type *ihg_method_lookup(const char *name);
/* "exact, neumann, cg or identity" for messages. */
const char *ihg_method_names(void);

/* The method types (method_ift.c, method_unrolled.c, method_forward.c,
 * method_fd.c). */
extern const ihg_method_type ihg_method_exact;
extern const ihg_method_type ihg_method_neumann;
extern const ihg_method_type ihg_method_cg;
extern const ihg_method_type ihg_method_identity;
extern const ihg_method_type ihg_method_unrolled;
extern const ihg_method_type ihg_method_forward;
extern const ihg_method_type ihg_method_fd;

/* Allocate for P parameters and Hn hyperparameters.  NULL with the error
 * recorded (IHG_ELIMIT when the method refuses the size). */
ihg_method *ihg_method_alloc(const ihg_method_type *type, size_t P, size_t Hn,
                             const ihg_method_settings *set);
void ihg_method_free(ihg_method *m);
/* Begin at pb (kept by pointer) with settings set (copied). */
int ihg_method_start(ihg_method *m, const ihg_hg_problem *pb,
                     const ihg_method_settings *set);
int ihg_method_iterate(ihg_method *m, ihg_solve_state *state);
const gsl_vector *ihg_method_q(const ihg_method *m);
int ihg_method_hypergrad(ihg_method *m, gsl_vector *g);
/* Whether the method accepts a problem with P parameters (exact_max). */
int ihg_method_accepts(const ihg_method_type *type, size_t P, long exact_max);
/* Why an explicit method cannot run on this problem (its cap on the
 * hyperparameters, the inner optimizer, nothing recorded), or NULL. */
const char *ihg_method_refusal(const ihg_method_type *type, const ihg_hg_problem *pb,
                               const ihg_method_settings *set);

/* dL_V/dlambda = direct - J^T q, with J^T q into jtq (Hn). */
void ihg_ift_hypergrad(const ihg_hg_problem *pb, const gsl_vector *q,
                       gsl_vector *jtq, gsl_vector *g);

#endif
