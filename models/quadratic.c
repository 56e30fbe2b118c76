/* quadratic.c - the two-dimensional quadratic lesson (its derivation below;
 * ihgtui-experiment(5)).
 *
 * No data: theta in R^2, lambda the log decay of both coordinates.
 * A (2x2, row-major), c, t and theta0 are the family's options (the table
 * below).  Only the symmetric part S = (A + A^T)/2 enters a quadratic
 * form, so S is used throughout (S = A when A is symmetric, as the option's
 * check requires).
 *
 * With e_j = exp(lambda_{h(j)}) (per-weight: h(j) = j, Hn = 2; global:
 * h(j) = 0, Hn = 1) and D = diag(e_0, e_1):
 *
 *   L_T(theta, lambda) = 1/2 (theta - c)^T S (theta - c)
 *                        + 1/2 sum_j e_j theta_j^2
 *   grad_theta L_T     = S (theta - c) + D theta
 *   H                  = S + D                     (train_hessian)
 *   H u                = S u + D u
 *   (J^T u)_i          = sum_{j: h(j) = i} e_j theta_j u_j
 *   L_V(theta)         = 1/2 ||theta - t||^2
 *   dL_V/dtheta        = theta - t
 *   dL_V/dlambda       = 0
 *   theta*(lambda)     = (S + D)^{-1} S c   (solve_inner, 2x2 closed form:
 *                        (M^{-1})= [m11 -m01; -m10 m00] / det M)
 *
 * The data arguments are ignored (may be NULL).
 */
#include "model.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../src/error.h"
#include "decay.h"

/* The keys of `model` for kind: quadratic. */
typedef struct {
    ihg_hyper_mode hyper;
    double init_log_decay;
    double A[4];           /* row-major 2x2, symmetric positive definite */
    double c[2], t[2], theta0[2];
} quad_options;

/* A symmetric (to rounding) and positive definite. */
static int quad_check_A(const void *value, char *why, size_t cap)
{
    const double *m = value;
    if (fabs(m[1] - m[2]) > 1e-12 * (fabs(m[1]) + fabs(m[2]))) {
        snprintf(why, cap, "must be symmetric (A[0][1] = %g but A[1][0] = %g)",
                 m[1], m[2]);
        return -1;
    }
    /* b^2 < a d tested as |b| < sqrt(a) sqrt(d), so that tiny or huge
     * entries neither underflow nor overflow (1e-300 I is positive
     * definite) */
    if (!(m[0] > 0) || !(m[3] > 0) || !(fabs(m[1]) < sqrt(m[0]) * sqrt(m[3]))) {
        snprintf(why, cap, "must be positive definite (need a > 0 and "
                           "a*d - b*b > 0)");
        return -1;
    }
    return 0;
}

static const ihg_option quad_option_table[] = {
    IHG_OPTION_HYPER(quad_options, hyper),
    IHG_OPTION_INIT_LOG_DECAY(quad_options, init_log_decay, 0.0),
    {.name = "A", .type = IHG_OPT_MAT2, .off = offsetof(quad_options, A),
     .def_values = (const double[]){3, 1, 1, 2}, .check = quad_check_A,
     .help = "the matrix of L_T, symmetric positive definite"},
    {.name = "c", .type = IHG_OPT_VEC2, .off = offsetof(quad_options, c),
     .def_values = (const double[]){1, 1},
     .help = "the minimum of the unregularised training loss"},
    {.name = "t", .type = IHG_OPT_VEC2, .off = offsetof(quad_options, t),
     .def_values = (const double[]){0.5, 0.2},
     .help = "the validation target"},
    {.name = "theta0", .type = IHG_OPT_VEC2,
     .off = offsetof(quad_options, theta0),
     .def_values = (const double[]){0, 0},
     .help = "the starting point of theta"},
    {.name = NULL},
};

typedef struct {
    ihg_decay decay;
    double S[2][2];
    double c[2], t[2], theta0[2];
    double init_log_decay;
} quad_work;

#define AT(v, i) ((v)->data[(i) * (v)->stride])

static int quad_init(ihg_model *m, const ihg_config *cfg,
                     const ihg_dataset *ds, size_t max_rows)
{
    (void)ds;
    (void)max_rows;
    const quad_options *o = cfg->model.opts;
    quad_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (quadratic model)");
    const double *A = o->A;
    w->S[0][0] = A[0];
    w->S[1][1] = A[3];
    w->S[0][1] = w->S[1][0] = 0.5 * (A[1] + A[2]);
    for (int j = 0; j < 2; j++) {
        w->c[j] = o->c[j];
        w->t[j] = o->t[j];
        w->theta0[j] = o->theta0[j];
    }
    w->init_log_decay = o->init_log_decay;
    m->hyper = o->hyper;
    ihg_decay_init(&w->decay, m->hyper);
    ihg_decay_add_range(&w->decay, 0, 2);
    m->P = 2;
    m->Hn = ihg_decay_n_hyper(&w->decay);
    m->d = 0;
    m->k = 0;
    m->work = w;
    return IHG_OK;
}

static void quad_free(ihg_model *m)
{
    free(m->work);
    m->work = NULL;
}

static void quad_init_theta(const ihg_model *m, gsl_vector *theta,
                            gsl_rng *rng)
{
    (void)rng;
    const quad_work *w = m->work;
    AT(theta, 0) = w->theta0[0];
    AT(theta, 1) = w->theta0[1];
}

static void quad_init_lambda(const ihg_model *m, gsl_vector *lambda,
                             gsl_rng *rng)
{
    (void)rng;
    const quad_work *w = m->work;
    gsl_vector_set_all(lambda, w->init_log_decay);
}

static double quad_train_loss(ihg_model *m, const gsl_vector *theta,
                              const gsl_vector *lambda, const ihg_data *data,
                              gsl_vector *grad)
{
    (void)data;
    const quad_work *w = m->work;
    double r0 = AT(theta, 0) - w->c[0], r1 = AT(theta, 1) - w->c[1];
    double g0 = w->S[0][0] * r0 + w->S[0][1] * r1;
    double g1 = w->S[1][0] * r0 + w->S[1][1] * r1;
    double loss = 0.5 * (r0 * g0 + r1 * g1) +
                  ihg_decay_loss(&w->decay, theta, lambda);
    if (grad) {
        AT(grad, 0) = g0;
        AT(grad, 1) = g1;
        ihg_decay_add_grad(&w->decay, theta, lambda, grad);
    }
    return loss;
}

static void quad_train_hvp(ihg_model *m, const gsl_vector *theta,
                           const gsl_vector *lambda, const ihg_data *data,
                           const gsl_vector *u, gsl_vector *Hu)
{
    (void)theta;
    (void)data;
    const quad_work *w = m->work;
    double u0 = AT(u, 0), u1 = AT(u, 1);
    AT(Hu, 0) = w->S[0][0] * u0 + w->S[0][1] * u1;
    AT(Hu, 1) = w->S[1][0] * u0 + w->S[1][1] * u1;
    ihg_decay_add_hvp(&w->decay, lambda, u, Hu);
}

static void quad_train_jtvp(ihg_model *m, const gsl_vector *theta,
                            const gsl_vector *lambda, const ihg_data *data,
                            const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    const quad_work *w = m->work;
    ihg_decay_jtvp(&w->decay, theta, lambda, u, out);
}

static void quad_train_hessian(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               gsl_matrix *H)
{
    (void)theta;
    (void)data;
    const quad_work *w = m->work;
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++)
            gsl_matrix_set(H, i, j, w->S[i][j]);
    ihg_decay_add_hessian(&w->decay, lambda, H);
}

/* diag(H) = diag(S) + e (Jacobi preconditioning) */
static void quad_train_hessian_diag(ihg_model *m, const gsl_vector *theta,
                                    const gsl_vector *lambda, const ihg_data *data,
                                    gsl_vector *diag)
{
    (void)theta;
    (void)data;
    const quad_work *w = m->work;
    for (size_t i = 0; i < 2; i++)
        gsl_vector_set(diag, i, w->S[i][i]);
    ihg_decay_add_diagonal(&w->decay, lambda, diag);
}

static double quad_val_loss(ihg_model *m, const gsl_vector *theta,
                            const gsl_vector *lambda, const ihg_data *data,
                            gsl_vector *grad_theta, gsl_vector *grad_lambda)
{
    (void)lambda;
    (void)data;
    const quad_work *w = m->work;
    double r0 = AT(theta, 0) - w->t[0], r1 = AT(theta, 1) - w->t[1];
    if (grad_theta) {
        AT(grad_theta, 0) = r0;
        AT(grad_theta, 1) = r1;
    }
    if (grad_lambda)
        gsl_vector_set_zero(grad_lambda);
    return 0.5 * (r0 * r0 + r1 * r1);
}

static int quad_solve_inner(ihg_model *m, const gsl_vector *lambda,
                            gsl_vector *theta)
{
    const quad_work *w = m->work;
    double e0, e1;
    if (m->hyper == IHG_HYPER_GLOBAL)
        e0 = e1 = exp(AT(lambda, 0));
    else {
        e0 = exp(AT(lambda, 0));
        e1 = exp(AT(lambda, 1));
    }
    double m00 = w->S[0][0] + e0, m01 = w->S[0][1];
    double m10 = w->S[1][0], m11 = w->S[1][1] + e1;
    double det = m00 * m11 - m01 * m10;
    /* theta* is a minimum only when S + D is positive definite; refuse a
     * singular (relative to the size of the entries) or indefinite one. */
    double scale = fabs(m00 * m11) + fabs(m01 * m10);
    if (!isfinite(det) || !(m00 > 0.0) || !(det > 1e-14 * scale))
        return ihg_error_set(IHG_ENOTPD,
                             "quadratic: A + diag(exp(lambda)) is not positive "
                             "definite (det %g), no unique inner minimum",
                             det);
    double b0 = w->S[0][0] * w->c[0] + w->S[0][1] * w->c[1];
    double b1 = w->S[1][0] * w->c[0] + w->S[1][1] * w->c[1];
    AT(theta, 0) = (m11 * b0 - m01 * b1) / det;
    AT(theta, 1) = (-m10 * b0 + m00 * b1) / det;
    return IHG_OK;
}

static ihg_plane_points quad_plane_points(const ihg_model *m)
{
    const quad_work *w = m->work;
    ihg_plane_points pp = {w->c, w->t};
    return pp;
}

static int quad_segments(const ihg_model *m, ihg_hyper_layout *layout)
{
    return ihg_decay_segments(&((const quad_work *)m->work)->decay, layout);
}

/* J u: lambda enters L_T only through the decay (decay.h) */
static void quad_train_jvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                         const ihg_data *data, const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    ihg_decay_jvp(&((const quad_work *)m->work)->decay, theta, lambda, u, out);
}

const ihg_model_type ihg_model_quadratic_type = {
    .name = "quadratic",
    .task = IHG_TASK_NONE,
    .options = quad_option_table,
    .options_size = sizeof(quad_options),
    .hyper_segments = quad_segments,
    .init = quad_init,
    .free = quad_free,
    .init_theta = quad_init_theta,
    .init_lambda = quad_init_lambda,
    .train_loss = quad_train_loss,
    .train_hvp = quad_train_hvp,
    .train_jtvp = quad_train_jtvp,
    .train_jvp = quad_train_jvp,
    .train_hessian = quad_train_hessian,
    .train_hessian_diag = quad_train_hessian_diag,
    .val_loss = quad_val_loss,
    .accuracy = NULL,
    .solve_inner = quad_solve_inner,
    .plane_points = quad_plane_points,
};

const ihg_model_type *const ihg_model_quadratic = &ihg_model_quadratic_type;
