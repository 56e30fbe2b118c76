/* hyperlayout.c - segments of lambda (hyperlayout.h). */
#include "hyperlayout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

void ihg_hyper_layout_init(ihg_hyper_layout *lo) { memset(lo, 0, sizeof *lo); }

int ihg_hyper_layout_add(ihg_hyper_layout *lo, ihg_hyper_owner owner, const char *name,
                         size_t count, ihg_transform transform, int in_loss)
{
    if (count == 0)
        return ihg_error_set(IHG_EINVAL, "hyperparameter segment '%s' is empty", name);
    if (lo->nseg >= IHG_HYPER_SEGMENTS_MAX)
        return ihg_error_set(IHG_EINVAL, "more than %d hyperparameter segments",
                             IHG_HYPER_SEGMENTS_MAX);
    ihg_hyper_segment *s = &lo->seg[lo->nseg++];
    s->owner = owner;
    s->name = name;
    s->offset = lo->n;
    s->count = count;
    s->transform = transform;
    s->in_loss = in_loss;
    lo->n += count;
    return IHG_OK;
}

const ihg_hyper_segment *ihg_hyper_layout_find(const ihg_hyper_layout *lo, size_t i)
{
    for (size_t k = 0; k < lo->nseg; k++)
        if (i >= lo->seg[k].offset && i - lo->seg[k].offset < lo->seg[k].count)
            return &lo->seg[k];
    return NULL;
}

const ihg_hyper_segment *ihg_hyper_layout_owner(const ihg_hyper_layout *lo,
                                                ihg_hyper_owner owner)
{
    for (size_t k = 0; k < lo->nseg; k++)
        if (lo->seg[k].owner == owner)
            return &lo->seg[k];
    return NULL;
}

size_t ihg_hyper_layout_in_loss(const ihg_hyper_layout *lo)
{
    size_t n = 0;
    for (size_t k = 0; k < lo->nseg; k++)
        if (lo->seg[k].in_loss)
            n += lo->seg[k].count;
    return n;
}

void ihg_hyper_label(const ihg_hyper_layout *lo, size_t i, char *buf, size_t size)
{
    const ihg_hyper_segment *s = ihg_hyper_layout_find(lo, i);
    if (!s)
        snprintf(buf, size, "lambda %zu", i + 1);
    else if (s->count == 1)
        snprintf(buf, size, "%s", s->name);
    else
        snprintf(buf, size, "%s %zu", s->name, i - s->offset + 1);
}

double ihg_transform_apply(ihg_transform t, double x)
{
    switch (t) {
    case IHG_TRANSFORM_LOG: return exp(x);
    case IHG_TRANSFORM_LOGIT: return 1.0 / (1.0 + exp(-x));
    default: return x;
    }
}

const char *ihg_transform_name(ihg_transform t)
{
    switch (t) {
    case IHG_TRANSFORM_LOG: return "log";
    case IHG_TRANSFORM_LOGIT: return "logit";
    default: return "identity";
    }
}

const char *ihg_hyper_owner_name(ihg_hyper_owner o)
{
    return o == IHG_OWNER_INNER ? "inner" : "model";
}
