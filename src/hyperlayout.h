/* hyperlayout.h - the layout of the hyperparameter vector lambda.
 *
 * lambda is one flat vector.  It is made of segments, each owned by one
 * part of the experiment: the model's hyperparameters first (weight decays,
 * distilled pixels), then those of the inner optimizer (its learning
 * rate, its momentum), ...  A segment says how the raw value maps to the
 * quantity it sets (log: exp(lambda), logit: 1/(1 + exp(-lambda))) and
 * whether the training loss L_T depends on it: only then can the implicit
 * function theorem see it (J = d2 L_T / dtheta dlambda is zero otherwise).
 */
#ifndef IHG_HYPERLAYOUT_H
#define IHG_HYPERLAYOUT_H

#include <stddef.h>

typedef enum {
    IHG_OWNER_MODEL = 0,   /* the model family (in L_T)              */
    IHG_OWNER_INNER        /* the inner optimizer (not in L_T)       */
} ihg_hyper_owner;

typedef enum {
    IHG_TRANSFORM_IDENTITY = 0, /* the value itself                 */
    IHG_TRANSFORM_LOG,          /* the quantity is exp(lambda)       */
    IHG_TRANSFORM_LOGIT         /* the quantity is 1/(1 + exp(-lambda)) */
} ihg_transform;

typedef struct {
    ihg_hyper_owner owner;
    const char *name;     /* "log decay", "W2 log decay", "image 3", "log lr" */
    size_t offset, count; /* lambda[offset .. offset + count)      */
    ihg_transform transform;
    int in_loss;          /* L_T depends on it                     */
} ihg_hyper_segment;

#define IHG_HYPER_SEGMENTS_MAX 32

typedef struct {
    ihg_hyper_segment seg[IHG_HYPER_SEGMENTS_MAX];
    size_t nseg;
    size_t n;             /* total: the length of lambda           */
} ihg_hyper_layout;

void ihg_hyper_layout_init(ihg_hyper_layout *lo);
/* Append a segment of count values at offset lo->n.  IHG_EINVAL when the
 * layout is full or count is 0. */
int ihg_hyper_layout_add(ihg_hyper_layout *lo, ihg_hyper_owner owner, const char *name,
                         size_t count, ihg_transform transform, int in_loss);
/* The segment holding lambda[i] (NULL when i >= n). */
const ihg_hyper_segment *ihg_hyper_layout_find(const ihg_hyper_layout *lo, size_t i);
/* The first segment of an owner (NULL: none). */
const ihg_hyper_segment *ihg_hyper_layout_owner(const ihg_hyper_layout *lo,
                                                ihg_hyper_owner owner);
/* Values that L_T depends on. */
size_t ihg_hyper_layout_in_loss(const ihg_hyper_layout *lo);
/* A label for lambda[i]: the segment's name, with the index within the
 * segment when it has more than one value ("log decay 17", "log lr"). */
void ihg_hyper_label(const ihg_hyper_layout *lo, size_t i, char *buf, size_t size);
/* The quantity lambda[i] stands for: exp, logistic or the value. */
double ihg_transform_apply(ihg_transform t, double x);
const char *ihg_transform_name(ihg_transform t); /* "identity", "log", "logit" */
const char *ihg_hyper_owner_name(ihg_hyper_owner o); /* "model", "inner" */

#endif
