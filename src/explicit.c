/* explicit.c - replaying a recorded inner step (explicit.h). */
#include "explicit.h"

#include <stdlib.h>

#include "error.h"

struct ihg_replayer {
    ihg_optimizer *opt;
    int momentum;
};

ihg_replayer *ihg_replayer_alloc(size_t P, int momentum)
{
    ihg_replayer *r = calloc(1, sizeof *r);
    if (!r) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    r->momentum = momentum;
    r->opt = ihg_optimizer_alloc(momentum ? IHG_OPT_MOMENTUM : IHG_OPT_SGD, P);
    if (!r->opt) {
        free(r);
        ihg_error_set(IHG_ENOMEM, "out of memory (P = %zu)", P);
        return NULL;
    }
    return r;
}

void ihg_replayer_free(ihg_replayer *r)
{
    if (!r)
        return;
    ihg_optimizer_free(r->opt);
    free(r);
}

void ihg_replayer_step(ihg_replayer *r, double lr, double mu, gsl_vector *theta,
                       gsl_vector *m, const gsl_vector *g)
{
    /* the optimizer's own step on its own buffer, so that the arithmetic
     * (and any fused multiply-add the compiler chose there) is the
     * recorded step's */
    r->opt->lr = lr;
    r->opt->momentum = mu;
    if (r->momentum && m)
        gsl_vector_memcpy(r->opt->m, m);
    ihg_optimizer_step(r->opt, theta, g);
    if (r->momentum && m)
        gsl_vector_memcpy(m, r->opt->m);
}
