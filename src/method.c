/* method.c - the registry of hypergradient methods and the calls every
 * method shares (method.h). */
#include "method.h"

#include <gsl/gsl_blas.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

const ihg_method_type *const ihg_method_types[] = {
    &ihg_method_exact, &ihg_method_neumann, &ihg_method_cg, &ihg_method_identity,
    &ihg_method_unrolled, &ihg_method_forward, &ihg_method_fd, NULL};

const ihg_method_type *ihg_method_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; ihg_method_types[i]; i++)
        if (strcmp(ihg_method_types[i]->name, name) == 0)
            return ihg_method_types[i];
    return NULL;
}

const char *ihg_method_names(void)
{
    static char buf[256];
    if (!buf[0]) {
        size_t n = 0;
        while (ihg_method_types[n])
            n++;
        for (size_t i = 0; i < n; i++) {
            const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
            size_t l = strlen(buf);
            snprintf(buf + l, sizeof buf - l, "%s%s", sep, ihg_method_types[i]->name);
        }
    }
    return buf;
}

int ihg_method_accepts(const ihg_method_type *type, size_t P, long exact_max)
{
    return !(type->flags & IHG_METHOD_NEEDS_MATRIX) ||
           (exact_max >= 0 && P <= (size_t)exact_max);
}

const char *ihg_method_refusal(const ihg_method_type *type, const ihg_hg_problem *pb,
                               const ihg_method_settings *set)
{
    return type->refusal ? type->refusal(pb, set) : NULL;
}

ihg_method *ihg_method_alloc(const ihg_method_type *type, size_t P, size_t Hn,
                             const ihg_method_settings *set)
{
    if (P == 0) {
        ihg_error_set(IHG_EINVAL, "%s: empty problem", type->name);
        return NULL;
    }
    ihg_method *m = calloc(1, sizeof *m);
    if (!m) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    m->type = type;
    m->P = P;
    m->Hn = Hn;
    m->set = *set;
    if ((type->flags & IHG_METHOD_IFT) && Hn > 0 && !(m->jtq = gsl_vector_calloc(Hn))) {
        free(m);
        ihg_error_set(IHG_ENOMEM, "out of memory (Hn = %zu)", Hn);
        return NULL;
    }
    if (type->alloc(m) != IHG_OK) {
        if (m->jtq)
            gsl_vector_free(m->jtq);
        free(m);
        return NULL;
    }
    return m;
}

void ihg_method_free(ihg_method *m)
{
    if (!m)
        return;
    m->type->free(m);
    if (m->jtq)
        gsl_vector_free(m->jtq);
    free(m);
}

int ihg_method_start(ihg_method *m, const ihg_hg_problem *pb,
                     const ihg_method_settings *set)
{
    if (pb->P != m->P || pb->Hn != m->Hn)
        return ihg_error_set(IHG_EINVAL, "%s: problem size mismatch", m->type->name);
    m->pb = pb;
    m->set = *set;
    m->done = 0;
    m->hvps = 0;
    m->fallback = IHG_FALLBACK_NONE;
    m->growth = 0;
    m->jtq_norm = 0;
    m->total = 0;
    const char *why = ihg_method_refusal(m->type, pb, set);
    if (why)
        return ihg_error_set(IHG_EINVAL, "%s: %s", m->type->name, why);
    return m->type->start(m);
}

int ihg_method_iterate(ihg_method *m, ihg_solve_state *state)
{
    return m->type->iterate(m, state);
}

const gsl_vector *ihg_method_q(const ihg_method *m)
{
    return m->type->q ? m->type->q(m) : NULL;
}

int ihg_method_hypergrad(ihg_method *m, gsl_vector *g)
{
    return m->type->hypergrad(m, g);
}

void ihg_ift_hypergrad(const ihg_hg_problem *pb, const gsl_vector *q,
                       gsl_vector *jtq, gsl_vector *g)
{
    pb->jtvp(q, jtq, pb->params);
    gsl_vector_memcpy(g, pb->direct);
    gsl_vector_sub(g, jtq);
}
