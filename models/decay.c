/* decay.c - the L2 decay term shared by the model families (see decay.h
 * for the formulas). */
#include "decay.h"

#include <math.h>
#include <stdint.h>

#include "../src/error.h"

void ihg_decay_init(ihg_decay *dc, ihg_hyper_mode mode)
{
    dc->mode = mode;
    dc->n_ranges = 0;
    dc->n_decayed = 0;
}

int ihg_decay_add_range(ihg_decay *dc, size_t start, size_t count)
{
    if (dc->n_ranges >= IHG_DECAY_MAX_RANGES)
        return ihg_error_set(IHG_EINVAL,
                             "too many decayed parameter ranges (at most %d)",
                             IHG_DECAY_MAX_RANGES);
    dc->start[dc->n_ranges] = start;
    dc->count[dc->n_ranges] = count;
    dc->n_ranges++;
    dc->n_decayed += count;
    return IHG_OK;
}

size_t ihg_decay_n_hyper(const ihg_decay *dc)
{
    return dc->mode == IHG_HYPER_GLOBAL ? 1 : dc->n_decayed;
}

/* Element access with any stride. */
#define AT(v, i) ((v)->data[(i) * (v)->stride])

double ihg_decay_loss(const ihg_decay *dc, const gsl_vector *theta,
                      const gsl_vector *lambda)
{
    double total = 0.0;
    size_t h = 0;
    if (dc->mode == IHG_HYPER_GLOBAL) {
        double ss = 0.0;
        for (size_t r = 0; r < dc->n_ranges; r++)
            for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++)
                ss += AT(theta, j) * AT(theta, j);
        return 0.5 * exp(AT(lambda, 0)) * ss;
    }
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            double t = AT(theta, j);
            total += exp(AT(lambda, h)) * t * t;
            h++;
        }
    return 0.5 * total;
}

void ihg_decay_add_grad(const ihg_decay *dc, const gsl_vector *theta,
                        const gsl_vector *lambda, gsl_vector *grad)
{
    ihg_decay_add_hvp(dc, lambda, theta, grad);
}

void ihg_decay_add_hvp(const ihg_decay *dc, const gsl_vector *lambda,
                       const gsl_vector *u, gsl_vector *Hu)
{
    int global = dc->mode == IHG_HYPER_GLOBAL;
    double eg = global ? exp(AT(lambda, 0)) : 0.0;
    size_t h = 0;
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            double e = global ? eg : exp(AT(lambda, h));
            AT(Hu, j) += e * AT(u, j);
            h++;
        }
}

void ihg_decay_add_hessian(const ihg_decay *dc, const gsl_vector *lambda,
                           gsl_matrix *H)
{
    int global = dc->mode == IHG_HYPER_GLOBAL;
    double eg = global ? exp(AT(lambda, 0)) : 0.0;
    size_t h = 0;
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            double e = global ? eg : exp(AT(lambda, h));
            H->data[j * H->tda + j] += e;
            h++;
        }
}

void ihg_decay_jtvp(const ihg_decay *dc, const gsl_vector *theta,
                    const gsl_vector *lambda, const gsl_vector *u,
                    gsl_vector *out)
{
    if (dc->mode == IHG_HYPER_GLOBAL) {
        double s = 0.0;
        for (size_t r = 0; r < dc->n_ranges; r++)
            for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++)
                s += AT(theta, j) * AT(u, j);
        AT(out, 0) = exp(AT(lambda, 0)) * s;
        return;
    }
    size_t h = 0;
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            AT(out, h) = exp(AT(lambda, h)) * AT(theta, j) * AT(u, j);
            h++;
        }
}

int ihg_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    if (a * b > IHG_MODEL_MAX_ELEMS)
        return 0;
    *out = a * b;
    return 1;
}

int ihg_size_add(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a || a + b > IHG_MODEL_MAX_ELEMS)
        return 0;
    *out = a + b;
    return 1;
}

int ihg_model_data_ok(const char *model, size_t d, const ihg_data *data)
{
    if (data && (data->n == 0 ||
                 (data->X && data->y && data->X->size1 == data->n &&
                  data->y->size == data->n && data->X->size2 == d)))
        return 1;
    ihg_error_set(IHG_EINTERNAL,
                  "%s: data set does not match the model (%zu features)",
                  model, d);
    return 0;
}

void ihg_vector_fill_nan(gsl_vector *v)
{
    if (v)
        gsl_vector_set_all(v, NAN);
}

size_t ihg_model_chunk_rows(const ihg_dataset *ds, size_t max_rows, size_t cap)
{
    size_t rows = max_rows;
    if (rows == 0 && ds) {
        const ihg_data *sets[] = {ds->train, ds->val, ds->test};
        for (size_t i = 0; i < 3; i++)
            if (sets[i] && sets[i]->n > rows)
                rows = sets[i]->n;
    }
    if (rows == 0)
        rows = 1;
    return rows > cap ? cap : rows;
}
