/* synthetic.c - data drawn from a random teacher, so an experiment can run
 * with no file.
 *
 * Shapes: n training rows, n_val validation rows, n_test test rows (0 = no
 * test set), d features, k classes (multiclass).  Every feature is N(0, 1).
 * Draw order (fixed, so one seed gives one data set): the teacher's weights,
 * then the training rows, the validation rows, the test rows; within a row
 * its d features, then its noise, then (classification) its label.
 *
 *   regression  w_j ~ N(0,1), b ~ N(0,1);   y = x.w + b + noise e
 *   binary      w_j ~ N(0,4/d), b ~ N(0,1); z = x.w + b + noise e,
 *               y = 1 with probability sigmoid(z), else 0
 *   multiclass  W_cj ~ N(0,9/d), b_c ~ N(0,1); z_c = W_c.x + b_c + noise e_c,
 *               y = c with probability softmax(z)_c
 * with e, e_c ~ N(0, 1).  The 1/d scaling keeps the logits' spread (std
 * about 2 or 3) independent of d, so classes overlap but are learnable.
 */
#include "data.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "error.h"

#define SYN_MAX_CELLS 100000000UL
#define SYN_MAX_CLASSES 1000

typedef struct {
    ihg_task task;
    size_t d, k;
    double noise;
    double *w; /* regression/binary: d; multiclass: k x d row-major */
    double *b; /* 1 or k */
    double *z; /* k scratch logits */
} teacher;

static void draw_rows(ihg_data *data, const teacher *t, gsl_rng *rng)
{
    size_t d = t->d;
    for (size_t i = 0; i < data->n; i++) {
        double *x = gsl_matrix_ptr(data->X, i, 0);
        for (size_t j = 0; j < d; j++)
            x[j] = gsl_ran_gaussian(rng, 1.0);
        double y;
        if (t->task == IHG_TASK_MULTICLASS) {
            double zmax = -HUGE_VAL, sum = 0;
            for (size_t c = 0; c < t->k; c++) {
                double z = t->b[c];
                const double *wc = t->w + c * d;
                for (size_t j = 0; j < d; j++)
                    z += wc[j] * x[j];
                z += t->noise * gsl_ran_gaussian(rng, 1.0);
                t->z[c] = z;
                if (z > zmax)
                    zmax = z;
            }
            for (size_t c = 0; c < t->k; c++) {
                t->z[c] = exp(t->z[c] - zmax);
                sum += t->z[c];
            }
            double u = gsl_rng_uniform(rng) * sum, acc = 0;
            size_t c;
            for (c = 0; c + 1 < t->k; c++) {
                acc += t->z[c];
                if (u < acc)
                    break;
            }
            y = (double)c;
        } else {
            double z = t->b[0];
            for (size_t j = 0; j < d; j++)
                z += t->w[j] * x[j];
            z += t->noise * gsl_ran_gaussian(rng, 1.0);
            if (t->task == IHG_TASK_BINARY) {
                double p = 1.0 / (1.0 + exp(-z));
                y = gsl_rng_uniform(rng) < p ? 1.0 : 0.0;
            } else {
                y = z;
            }
        }
        gsl_vector_set(data->y, i, y);
    }
}

int ihg_synthetic_generate(ihg_dataset *ds, const ihg_synthetic_spec *spec,
                           ihg_task task, gsl_rng *rng)
{
    teacher t = {0};
    size_t rows, nw, nb;
    int status = IHG_OK;

    if (!ds || !spec || !rng)
        return ihg_error_set(IHG_EINVAL, "synthetic data: missing argument");
    if (task != IHG_TASK_REGRESSION && task != IHG_TASK_BINARY &&
        task != IHG_TASK_MULTICLASS)
        return ihg_error_set(IHG_EINVAL, "synthetic data: no task");
    if (spec->n < 1 || spec->n_val < 1 || spec->d < 1)
        return ihg_error_set(IHG_EINVAL,
                             "synthetic data: need n >= 1, n_val >= 1 and "
                             "d >= 1 (got n = %zu, n_val = %zu, d = %zu)",
                             spec->n, spec->n_val, spec->d);
    if (!(spec->noise >= 0 && isfinite(spec->noise)))
        return ihg_error_set(IHG_EINVAL,
                             "synthetic data: noise must be finite and >= 0");
    t.task = task;
    t.d = spec->d;
    t.noise = spec->noise;
    t.k = task == IHG_TASK_MULTICLASS ? spec->k
          : task == IHG_TASK_BINARY   ? 2
                                      : 0;
    if (task == IHG_TASK_MULTICLASS &&
        (spec->k < 2 || spec->k > SYN_MAX_CLASSES))
        return ihg_error_set(IHG_EINVAL,
                             "synthetic data: k = %zu classes, need 2..%d",
                             spec->k, SYN_MAX_CLASSES);
    /* Sizes before allocating (each term checked so the sum cannot wrap). */
    if (spec->n > SYN_MAX_CELLS || spec->n_val > SYN_MAX_CELLS ||
        spec->n_test > SYN_MAX_CELLS ||
        (rows = spec->n + spec->n_val + spec->n_test) >
            SYN_MAX_CELLS / spec->d ||
        spec->d > SYN_MAX_CELLS / SYN_MAX_CLASSES)
        return ihg_error_set(IHG_ELIMIT,
                             "synthetic data too large: %zu + %zu + %zu rows "
                             "x %zu features (at most %lu cells)",
                             spec->n, spec->n_val, spec->n_test, spec->d,
                             SYN_MAX_CELLS);

    nw = task == IHG_TASK_MULTICLASS ? t.k * t.d : t.d;
    nb = task == IHG_TASK_MULTICLASS ? t.k : 1;
    t.w = malloc(nw * sizeof *t.w);
    t.b = malloc(nb * sizeof *t.b);
    t.z = malloc((t.k ? t.k : 1) * sizeof *t.z);
    if (!t.w || !t.b || !t.z) {
        status = ihg_error_set(IHG_ENOMEM, "synthetic data: out of memory");
        goto done;
    }
    {
        double sw = task == IHG_TASK_REGRESSION ? 1.0
                    : task == IHG_TASK_BINARY   ? 2.0 / sqrt((double)t.d)
                                                : 3.0 / sqrt((double)t.d);
        for (size_t i = 0; i < nw; i++)
            t.w[i] = gsl_ran_gaussian(rng, sw);
        for (size_t i = 0; i < nb; i++)
            t.b[i] = gsl_ran_gaussian(rng, 1.0);
    }

    ds->train = ihg_data_alloc(spec->n, spec->d);
    ds->val = ihg_data_alloc(spec->n_val, spec->d);
    ds->test = spec->n_test ? ihg_data_alloc(spec->n_test, spec->d) : NULL;
    if (!ds->train || !ds->val || (spec->n_test && !ds->test)) {
        ihg_data_free(ds->train);
        ihg_data_free(ds->val);
        ihg_data_free(ds->test);
        ds->train = ds->val = ds->test = NULL;
        status = ihg_error_set(IHG_ENOMEM, "synthetic data: out of memory");
        goto done;
    }
    draw_rows(ds->train, &t, rng);
    draw_rows(ds->val, &t, rng);
    if (ds->test)
        draw_rows(ds->test, &t, rng);
    ds->d = spec->d;
    ds->k = t.k;
    ds->task = task;

done:
    free(t.w);
    free(t.b);
    free(t.z);
    return status;
}
