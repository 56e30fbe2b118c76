/* precond.c - the Jacobi preconditioner and the spectrum a conditioned
 * series sees (see precond.h). */
#include "precond.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "error.h"

const char *const ihg_precond_names[] = {"none", "jacobi", NULL};

#define PROBE_SEED 0x2545f4914f6cdd1dULL
#define FLOOR_REL 1e-3

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ihg_jacobi_inverse(const ihg_linop *H, double damping, long probes, gsl_vector *dinv,
                        gsl_vector *z, gsl_vector *Hz, long *hvps)
{
    size_t n = H->n;
    long used = 0;
    if (H->diagonal) {
        H->diagonal(dinv, H->params);
    } else if (probes >= 1 && n <= (size_t)probes) {
        /* the P unit vectors: the diagonal itself */
        for (size_t j = 0; j < n; j++) {
            gsl_vector_set_basis(z, j);
            H->apply(z, Hz, H->params);
            gsl_vector_set(dinv, j, gsl_vector_get(Hz, j));
            used++;
        }
    } else {
        long m = probes >= 1 ? probes : 1;
        gsl_vector_set_zero(dinv);
        for (long k = 0; k < m; k++) {
            uint64_t key = mix64(PROBE_SEED ^ (uint64_t)k);
            for (size_t i = 0; i < n; i++)
                gsl_vector_set(z, i, (mix64(key + i) >> 63) ? 1.0 : -1.0);
            H->apply(z, Hz, H->params);
            used++;
            for (size_t i = 0; i < n; i++)
                *gsl_vector_ptr(dinv, i) += gsl_vector_get(z, i) * gsl_vector_get(Hz, i);
        }
        gsl_vector_scale(dinv, 1.0 / (double)m);
    }
    /* D = diag + damping, raised to the floor, then inverted */
    double mean = 0.0;
    size_t finite = 0;
    for (size_t i = 0; i < n; i++) {
        double d = gsl_vector_get(dinv, i) + damping;
        gsl_vector_set(dinv, i, d);
        if (isfinite(d)) {
            mean += fabs(d);
            finite++;
        }
    }
    mean = finite ? mean / (double)finite : 0.0;
    double floor_ = mean > 0 ? FLOOR_REL * mean : 1.0;
    for (size_t i = 0; i < n; i++) {
        double d = gsl_vector_get(dinv, i);
        gsl_vector_set(dinv, i, 1.0 / (isfinite(d) && d > floor_ ? d : floor_));
    }
    if (hvps)
        *hvps = used;
}

typedef struct {
    const ihg_linop *H;
    double damping;
    const gsl_vector *dinv;
    gsl_vector *t;
} conditioned_op;

/* out = D^{-1/2} (H + damping I) D^{-1/2} u */
static void conditioned_apply(const gsl_vector *u, gsl_vector *out, void *params)
{
    conditioned_op *c = params;
    gsl_vector_memcpy(c->t, u);
    if (c->dinv)
        for (size_t i = 0; i < u->size; i++)
            *gsl_vector_ptr(c->t, i) *= sqrt(gsl_vector_get(c->dinv, i));
    c->H->apply(c->t, out, c->H->params);
    for (size_t i = 0; i < u->size; i++) {
        double v = gsl_vector_get(out, i) + c->damping * gsl_vector_get(c->t, i);
        if (c->dinv)
            v *= sqrt(gsl_vector_get(c->dinv, i));
        gsl_vector_set(out, i, v);
    }
}

int ihg_conditioned_eigenvalues(const ihg_linop *H, double damping, const gsl_vector *dinv,
                                long exact_max, gsl_vector *eval)
{
    conditioned_op c = {H, damping, dinv, gsl_vector_alloc(H->n)};
    if (!c.t)
        return ihg_error_set(IHG_ENOMEM, "eigenvalues: out of memory");
    ihg_linop op = {.apply = conditioned_apply, .params = &c, .n = H->n};
    int st = ihg_linop_eigenvalues(&op, exact_max, eval);
    gsl_vector_free(c.t);
    return st;
}
