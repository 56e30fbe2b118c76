/* trajectory.c - the recorded inner loop (trajectory.h). */
#include "trajectory.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

struct ihg_trajectory {
    size_t P, batch;
    long cap, len;
    int open;            /* a step has begun and not ended           */
    double *theta;       /* cap x P                                  */
    size_t *rows;        /* cap x batch                              */
    double *lr, *momentum;
};

ihg_trajectory *ihg_trajectory_alloc(size_t P, long steps, size_t batch,
                                     double max_bytes)
{
    if (steps < 1 || P == 0) {
        ihg_error_set(IHG_EINVAL, "trajectory: nothing to record");
        return NULL;
    }
    double bytes = (double)steps * ((double)P * sizeof(double) +
                                    (double)batch * sizeof(size_t) + 2 * sizeof(double));
    if (bytes > max_bytes) {
        ihg_error_set(IHG_ELIMIT,
                      "recording %ld inner steps of %zu parameters needs %.3g GiB "
                      "(limit %.3g GiB)", steps, P, bytes / 1073741824.0,
                      max_bytes / 1073741824.0);
        return NULL;
    }
    ihg_trajectory *tr = calloc(1, sizeof *tr);
    if (!tr) {
        ihg_error_set(IHG_ENOMEM, "out of memory (trajectory)");
        return NULL;
    }
    tr->P = P;
    tr->batch = batch;
    tr->cap = steps;
    tr->theta = malloc((size_t)steps * P * sizeof *tr->theta);
    tr->rows = batch ? malloc((size_t)steps * batch * sizeof *tr->rows) : NULL;
    tr->lr = calloc((size_t)steps, sizeof *tr->lr);
    tr->momentum = calloc((size_t)steps, sizeof *tr->momentum);
    if (!tr->theta || (batch && !tr->rows) || !tr->lr || !tr->momentum) {
        ihg_trajectory_free(tr);
        ihg_error_set(IHG_ENOMEM, "out of memory (trajectory of %ld steps, P = %zu)",
                      steps, P);
        return NULL;
    }
    return tr;
}

void ihg_trajectory_free(ihg_trajectory *tr)
{
    if (!tr)
        return;
    free(tr->theta);
    free(tr->rows);
    free(tr->lr);
    free(tr->momentum);
    free(tr);
}

void ihg_trajectory_clear(ihg_trajectory *tr)
{
    tr->len = 0;
    tr->open = 0;
}

int ihg_trajectory_begin(ihg_trajectory *tr, const gsl_vector *theta)
{
    if (tr->len >= tr->cap)
        return ihg_error_set(IHG_ELIMIT, "trajectory full (%ld steps)", tr->cap);
    double *dst = tr->theta + (size_t)tr->len * tr->P;
    for (size_t i = 0; i < tr->P; i++)
        dst[i] = gsl_vector_get(theta, i);
    tr->open = 1;
    return IHG_OK;
}

void ihg_trajectory_end(ihg_trajectory *tr, const size_t *rows, double lr,
                        double momentum)
{
    if (!tr->open)
        return;
    if (tr->batch && rows)
        memcpy(tr->rows + (size_t)tr->len * tr->batch, rows, tr->batch * sizeof *rows);
    tr->lr[tr->len] = lr;
    tr->momentum[tr->len] = momentum;
    tr->len++;
    tr->open = 0;
}

long ihg_trajectory_len(const ihg_trajectory *tr) { return tr->len; }
long ihg_trajectory_capacity(const ihg_trajectory *tr) { return tr->cap; }
size_t ihg_trajectory_batch(const ihg_trajectory *tr) { return tr->batch; }

const double *ihg_trajectory_theta(const ihg_trajectory *tr, long t)
{
    return tr->theta + (size_t)t * tr->P;
}

const size_t *ihg_trajectory_rows(const ihg_trajectory *tr, long t)
{
    return tr->batch ? tr->rows + (size_t)t * tr->batch : NULL;
}

double ihg_trajectory_lr(const ihg_trajectory *tr, long t) { return tr->lr[t]; }
double ihg_trajectory_momentum(const ihg_trajectory *tr, long t) { return tr->momentum[t]; }

double ihg_trajectory_bytes(const ihg_trajectory *tr)
{
    return (double)tr->cap * ((double)tr->P * sizeof(double) +
                              (double)tr->batch * sizeof(size_t) + 2 * sizeof(double));
}
