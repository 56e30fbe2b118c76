/* registry.c - the model families by name, and instances of them. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "../src/error.h"

/* The family tables.  C cannot initialise a static array from the
 * exported `const ihg_model_type *const ihg_model_<name>` pointers (their
 * values are not constant expressions here), so each family file also
 * gives its table external linkage under the name ihg_model_<name>_type,
 * declared only here: nothing else should use these names.
 *
 * To add a family: one extern line and one array entry below. */
extern const ihg_model_type ihg_model_quadratic_type;
extern const ihg_model_type ihg_model_ridge_type;
extern const ihg_model_type ihg_model_logistic_type;
extern const ihg_model_type ihg_model_softmax_type;
extern const ihg_model_type ihg_model_mlp_type;
extern const ihg_model_type ihg_model_distill_type;

/* Every family, in the order --help lists them, NULL-terminated. */
const ihg_model_type *const ihg_model_types[] = {
    &ihg_model_quadratic_type,
    &ihg_model_ridge_type,
    &ihg_model_logistic_type,
    &ihg_model_softmax_type,
    &ihg_model_mlp_type,
    &ihg_model_distill_type,
    NULL,
};

const ihg_model_type *ihg_model_lookup(const char *kind)
{
    if (!kind)
        return NULL;
    for (size_t i = 0; ihg_model_types[i]; i++)
        if (strcmp(ihg_model_types[i]->name, kind) == 0)
            return ihg_model_types[i];
    return NULL;
}

ihg_model *ihg_model_alloc(const ihg_model_type *type, const ihg_config *cfg,
                           const ihg_dataset *ds, size_t max_rows)
{
    if (!type || !cfg) {
        ihg_error_set(IHG_EINVAL, "ihg_model_alloc: no model type or config");
        return NULL;
    }
    if (type->task != IHG_TASK_NONE && !ds) {
        ihg_error_set(IHG_EINVAL, "model '%s' needs a data set", type->name);
        return NULL;
    }
    ihg_model *m = calloc(1, sizeof *m);
    if (!m) {
        ihg_error_set(IHG_ENOMEM, "out of memory allocating model '%s'",
                      type->name);
        return NULL;
    }
    m->type = type;
    m->cfg = cfg;
    m->ds = ds;
    m->hyper = cfg->model.hyper;
    if (type->init(m, cfg, ds, max_rows) != IHG_OK) {
        if (m->work && type->free)
            type->free(m);
        free(m);
        return NULL;
    }
    return m;
}

void ihg_model_free(ihg_model *m)
{
    if (!m)
        return;
    if (m->type && m->type->free)
        m->type->free(m);
    free(m);
}
