/* decay.c - the L2 decay term shared by the model families (see decay.h
 * for the formulas). */
#include "decay.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"

const char *const ihg_hyper_names[] = {"per-weight", "global", NULL};

const ihg_option ihg_decay_option_table[] = {
    IHG_OPTION_HYPER(ihg_decay_options, hyper),
    IHG_OPTION_INIT_LOG_DECAY(ihg_decay_options, init_log_decay,
                              IHG_INIT_LOG_DECAY_DEFAULT),
    IHG_OPTION_INIT_SCALE(ihg_decay_options, init_scale),
    {.name = NULL},
};

void ihg_decay_init(ihg_decay *dc, ihg_hyper_mode mode)
{
    dc->mode = mode;
    dc->n_ranges = 0;
    dc->n_decayed = 0;
}

int ihg_decay_segments(const ihg_decay *dc, ihg_hyper_layout *layout)
{
    static const char *const names[IHG_DECAY_MAX_RANGES] = {
        "W1 log decay",  "W2 log decay",  "W3 log decay",  "W4 log decay",
        "W5 log decay",  "W6 log decay",  "W7 log decay",  "W8 log decay",
        "W9 log decay",  "W10 log decay", "W11 log decay", "W12 log decay",
        "W13 log decay", "W14 log decay", "W15 log decay", "W16 log decay"};
    if (dc->mode == IHG_HYPER_GLOBAL || dc->n_ranges <= 1)
        return ihg_hyper_layout_add(layout, IHG_OWNER_MODEL, "log decay",
                                    ihg_decay_n_hyper(dc), IHG_TRANSFORM_LOG, 1);
    for (size_t r = 0; r < dc->n_ranges; r++) {
        int st = ihg_hyper_layout_add(layout, IHG_OWNER_MODEL, names[r], dc->count[r],
                                      IHG_TRANSFORM_LOG, 1);
        if (st != IHG_OK)
            return st;
    }
    return IHG_OK;
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

/* One body per formula.  The factor of hyperparameter h is e[h] when the
 * factors are given, else exp(lambda_h): the same double either way, so the
 * plain and the _e entry points agree bitwise. */
#define FAC(h) (e ? e[h] : exp(AT(lambda, h)))

/* R, and grad += dR/dtheta when grad != NULL. */
static double loss_grad(const ihg_decay *dc, const double *e,
                        const gsl_vector *lambda, const gsl_vector *theta,
                        gsl_vector *grad)
{
    if (dc->mode == IHG_HYPER_GLOBAL) {
        double eg = FAC(0), ss = 0.0;
        for (size_t r = 0; r < dc->n_ranges; r++)
            for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r];
                 j++) {
                double t = AT(theta, j);
                ss += t * t;
                if (grad)
                    AT(grad, j) += eg * t;
            }
        return 0.5 * eg * ss;
    }
    double total = 0.0;
    size_t h = 0;
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            double t = AT(theta, j), f = FAC(h);
            total += f * t * t;
            if (grad)
                AT(grad, j) += f * t;
            h++;
        }
    return 0.5 * total;
}

static void add_hvp(const ihg_decay *dc, const double *e,
                    const gsl_vector *lambda, const gsl_vector *u,
                    gsl_vector *Hu)
{
    int global = dc->mode == IHG_HYPER_GLOBAL;
    double eg = global ? FAC(0) : 0.0;
    size_t h = 0;
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            double f = global ? eg : FAC(h);
            AT(Hu, j) += f * AT(u, j);
            h++;
        }
}

static void add_hessian(const ihg_decay *dc, const double *e,
                        const gsl_vector *lambda, gsl_matrix *H)
{
    int global = dc->mode == IHG_HYPER_GLOBAL;
    double eg = global ? FAC(0) : 0.0;
    size_t h = 0;
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            double f = global ? eg : FAC(h);
            H->data[j * H->tda + j] += f;
            h++;
        }
}

void ihg_decay_add_diagonal(const ihg_decay *dc, const gsl_vector *lambda, gsl_vector *diag)
{
    const double *e = NULL;
    int global = dc->mode == IHG_HYPER_GLOBAL;
    size_t h = 0;
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            AT(diag, j) += global ? FAC(0) : FAC(h);
            h++;
        }
}

static void jtvp(const ihg_decay *dc, const double *e,
                 const gsl_vector *lambda, const gsl_vector *theta,
                 const gsl_vector *u, gsl_vector *out)
{
    if (dc->mode == IHG_HYPER_GLOBAL) {
        double s = 0.0;
        for (size_t r = 0; r < dc->n_ranges; r++)
            for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++)
                s += AT(theta, j) * AT(u, j);
        AT(out, 0) = FAC(0) * s;
        return;
    }
    size_t h = 0;
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t j = dc->start[r]; j < dc->start[r] + dc->count[r]; j++) {
            AT(out, h) = FAC(h) * AT(theta, j) * AT(u, j);
            h++;
        }
}

#undef FAC

double ihg_decay_loss(const ihg_decay *dc, const gsl_vector *theta,
                      const gsl_vector *lambda)
{
    return loss_grad(dc, NULL, lambda, theta, NULL);
}

void ihg_decay_add_grad(const ihg_decay *dc, const gsl_vector *theta,
                        const gsl_vector *lambda, gsl_vector *grad)
{
    add_hvp(dc, NULL, lambda, theta, grad);
}

void ihg_decay_add_hvp(const ihg_decay *dc, const gsl_vector *lambda,
                       const gsl_vector *u, gsl_vector *Hu)
{
    add_hvp(dc, NULL, lambda, u, Hu);
}

void ihg_decay_add_hessian(const ihg_decay *dc, const gsl_vector *lambda,
                           gsl_matrix *H)
{
    add_hessian(dc, NULL, lambda, H);
}

void ihg_decay_jtvp(const ihg_decay *dc, const gsl_vector *theta,
                    const gsl_vector *lambda, const gsl_vector *u,
                    gsl_vector *out)
{
    jtvp(dc, NULL, lambda, theta, u, out);
}

void ihg_decay_jvp(const ihg_decay *dc, const gsl_vector *theta,
                   const gsl_vector *lambda, const gsl_vector *u, gsl_vector *out)
{
    size_t h = 0;
    gsl_vector_set_zero(out);
    for (size_t r = 0; r < dc->n_ranges; r++)
        for (size_t k = 0; k < dc->count[r]; k++, h++) {
            size_t j = dc->start[r] + k;
            size_t i = dc->mode == IHG_HYPER_GLOBAL ? 0 : h;
            double e = exp(gsl_vector_get(lambda, i));
            gsl_vector_set(out, j, e * gsl_vector_get(theta, j) * gsl_vector_get(u, i));
        }
}

double ihg_decay_loss_e(const ihg_decay *dc, const double *e,
                        const gsl_vector *theta)
{
    return loss_grad(dc, e, NULL, theta, NULL);
}

double ihg_decay_loss_grad_e(const ihg_decay *dc, const double *e,
                             const gsl_vector *theta, gsl_vector *grad)
{
    return loss_grad(dc, e, NULL, theta, grad);
}

void ihg_decay_add_hvp_e(const ihg_decay *dc, const double *e,
                         const gsl_vector *u, gsl_vector *Hu)
{
    add_hvp(dc, e, NULL, u, Hu);
}

void ihg_decay_add_hessian_e(const ihg_decay *dc, const double *e,
                             gsl_matrix *H)
{
    add_hessian(dc, e, NULL, H);
}

void ihg_decay_jtvp_e(const ihg_decay *dc, const double *e,
                      const gsl_vector *theta, const gsl_vector *u,
                      gsl_vector *out)
{
    jtvp(dc, e, NULL, theta, u, out);
}

int ihg_decay_cache_init(ihg_decay_cache *c, const ihg_decay *dc)
{
    c->n = ihg_decay_n_hyper(dc);
    c->valid = 0;
    size_t n = c->n ? c->n : 1;
    c->lambda = malloc(n * sizeof *c->lambda);
    c->e = malloc(n * sizeof *c->e);
    if (!c->lambda || !c->e) {
        ihg_decay_cache_free(c);
        return ihg_error_set(IHG_ENOMEM,
                             "out of memory (exp(lambda) cache, %zu values)",
                             c->n);
    }
    return IHG_OK;
}

void ihg_decay_cache_free(ihg_decay_cache *c)
{
    free(c->lambda);
    free(c->e);
    c->lambda = c->e = NULL;
    c->valid = 0;
}

const double *ihg_decay_factors(ihg_decay_cache *c, const gsl_vector *lambda)
{
    size_t n = c->n;
    int same = c->valid;
    if (same && lambda->stride == 1)
        same = memcmp(lambda->data, c->lambda, n * sizeof(double)) == 0;
    else if (same)
        for (size_t i = 0; i < n && same; i++)
            same = memcmp(&AT(lambda, i), &c->lambda[i], sizeof(double)) == 0;
    if (!same) {
        for (size_t i = 0; i < n; i++) {
            c->lambda[i] = AT(lambda, i);
            c->e[i] = exp(c->lambda[i]);
        }
        c->valid = 1;
    }
    return c->e;
}

int ihg_cache_key_matches(const ihg_cache_key *key, const ihg_data *data)
{
    return key->valid && key->data == data && key->n == data->n &&
           key->X == data->X->data && key->tda == data->X->tda;
}

void ihg_cache_key_set(ihg_cache_key *key, const ihg_data *data)
{
    key->data = data;
    key->n = data->n;
    key->X = data->X->data;
    key->tda = data->X->tda;
    key->valid = 1;
}

int ihg_vector_same_bits(const gsl_vector *copy, const gsl_vector *v)
{
    if (v->stride == 1)
        return memcmp(copy->data, v->data, copy->size * sizeof(double)) == 0;
    for (size_t i = 0; i < copy->size; i++)
        if (memcmp(&copy->data[i], &AT(v, i), sizeof(double)) != 0)
            return 0;
    return 1;
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
