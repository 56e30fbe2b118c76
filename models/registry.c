/* registry.c - the model families by name, and instances of them. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "../src/error.h"

/* Every family, in the order --help and --list-keys list them: one line
 * X(name) per family, whose file models/<name>.c defines the table
 * `const ihg_model_type ihg_model_<name>_type` (with its options and its
 * flags: nothing else in the program lists the families).
 *
 * The tables are named here rather than through the exported pointers
 * ihg_model_<name> of model.h: C cannot initialise a static array from
 * those (their values are not constant expressions). */
#define IHG_MODEL_FAMILIES(X) \
    X(quadratic)              \
    X(ridge)                  \
    X(logistic)               \
    X(softmax)                \
    X(mlp)                    \
    X(distill)                \
    X(augment)                \
    X(imaml)

#define DECLARE_FAMILY(name) extern const ihg_model_type ihg_model_##name##_type;
#define LIST_FAMILY(name) &ihg_model_##name##_type,
IHG_MODEL_FAMILIES(DECLARE_FAMILY)

/* NULL-terminated. */
const ihg_model_type *const ihg_model_types[] = {
    IHG_MODEL_FAMILIES(LIST_FAMILY) NULL,
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
    if (type->options && cfg->model.type != type) {
        ihg_error_set(IHG_EINVAL, "model '%s' needs its own options (the "
                      "configuration holds those of '%s')", type->name,
                      cfg->model.type ? cfg->model.type->name : "no model");
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
