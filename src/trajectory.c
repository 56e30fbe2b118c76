/* trajectory.c - the recorded inner loop (trajectory.h). */
#include "trajectory.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

struct ihg_trajectory {
    size_t P, batch;
    long cap, len, every, nstore;
    int open, momentum;
    double *theta;       /* nstore x P: theta at the checkpoints        */
    double *m;           /* (nstore + 1) x P: m at the checkpoints, m_T */
    size_t *rows;        /* cap x batch                                 */
    double *lr, *mu;
};

double ihg_trajectory_size(size_t P, long steps, size_t batch, int momentum, long every)
{
    double nstore = (double)((steps + every - 1) / every);
    return nstore * (double)P * sizeof(double) * (momentum ? 2 : 1) +
           (momentum ? (double)P * sizeof(double) : 0) +
           (double)steps * ((double)batch * sizeof(size_t) + 2 * sizeof(double));
}

ihg_trajectory *ihg_trajectory_alloc(size_t P, long steps, size_t batch, int momentum,
                                     long every, double max_bytes)
{
    if (steps < 1 || P == 0 || every < 1) {
        ihg_error_set(IHG_EINVAL, "trajectory: nothing to record");
        return NULL;
    }
    double bytes = ihg_trajectory_size(P, steps, batch, momentum, every);
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
    tr->every = every;
    tr->momentum = momentum;
    tr->nstore = (steps + every - 1) / every;
    tr->theta = malloc((size_t)tr->nstore * P * sizeof *tr->theta);
    tr->m = momentum ? calloc((size_t)(tr->nstore + 1) * P, sizeof *tr->m) : NULL;
    tr->rows = batch ? malloc((size_t)steps * batch * sizeof *tr->rows) : NULL;
    tr->lr = calloc((size_t)steps, sizeof *tr->lr);
    tr->mu = calloc((size_t)steps, sizeof *tr->mu);
    if (!tr->theta || (momentum && !tr->m) || (batch && !tr->rows) || !tr->lr || !tr->mu) {
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
    free(tr->m);
    free(tr->rows);
    free(tr->lr);
    free(tr->mu);
    free(tr);
}

void ihg_trajectory_clear(ihg_trajectory *tr)
{
    tr->len = 0;
    tr->open = 0;
}

static void copy_in(double *dst, const gsl_vector *x, size_t P)
{
    if (!x) {
        memset(dst, 0, P * sizeof *dst);
        return;
    }
    if (x->stride == 1) {
        memcpy(dst, x->data, P * sizeof *dst);
        return;
    }
    for (size_t i = 0; i < P; i++)
        dst[i] = x->data[i * x->stride];
}

int ihg_trajectory_begin(ihg_trajectory *tr, const gsl_vector *theta, const gsl_vector *m)
{
    if (tr->len >= tr->cap)
        return ihg_error_set(IHG_ELIMIT, "trajectory full (%ld steps)", tr->cap);
    if (tr->len % tr->every == 0) {
        long slot = tr->len / tr->every;
        copy_in(tr->theta + (size_t)slot * tr->P, theta, tr->P);
        if (tr->momentum)
            copy_in(tr->m + (size_t)slot * tr->P, m, tr->P);
    }
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
    tr->mu[tr->len] = momentum;
    tr->len++;
    tr->open = 0;
}

void ihg_trajectory_finish(ihg_trajectory *tr, const gsl_vector *m)
{
    if (tr->momentum)
        copy_in(tr->m + (size_t)tr->nstore * tr->P, m, tr->P);
}

long ihg_trajectory_len(const ihg_trajectory *tr) { return tr->len; }
long ihg_trajectory_capacity(const ihg_trajectory *tr) { return tr->cap; }
long ihg_trajectory_every(const ihg_trajectory *tr) { return tr->every; }
int ihg_trajectory_has_momentum(const ihg_trajectory *tr) { return tr->momentum; }
size_t ihg_trajectory_batch(const ihg_trajectory *tr) { return tr->batch; }

int ihg_trajectory_stored(const ihg_trajectory *tr, long t)
{
    return t >= 0 && t < tr->len && t % tr->every == 0;
}

const double *ihg_trajectory_theta(const ihg_trajectory *tr, long t)
{
    if (!ihg_trajectory_stored(tr, t))
        return NULL;
    return tr->theta + (size_t)(t / tr->every) * tr->P;
}

const double *ihg_trajectory_m(const ihg_trajectory *tr, long t)
{
    if (!tr->momentum)
        return NULL;
    if (t == tr->len)
        return tr->m + (size_t)tr->nstore * tr->P;
    if (!ihg_trajectory_stored(tr, t))
        return NULL;
    return tr->m + (size_t)(t / tr->every) * tr->P;
}

const size_t *ihg_trajectory_rows(const ihg_trajectory *tr, long t)
{
    return tr->batch ? tr->rows + (size_t)t * tr->batch : NULL;
}

double ihg_trajectory_lr(const ihg_trajectory *tr, long t) { return tr->lr[t]; }
double ihg_trajectory_momentum(const ihg_trajectory *tr, long t) { return tr->mu[t]; }

double ihg_trajectory_bytes(const ihg_trajectory *tr)
{
    return ihg_trajectory_size(tr->P, tr->cap, tr->batch, tr->momentum, tr->every);
}
