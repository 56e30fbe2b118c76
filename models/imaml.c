/* imaml.c - proximal meta-learning (iMAML, Rajeswaran, Finn, Kakade & Levine
 * 2019): the hyperparameters are a meta-initialization lambda shared by many
 * tasks, and the implicit function theorem gives its meta-gradient.
 *
 * Tasks: sinusoid regression (Finn, Abbeel & Levine 2017), drawn without any
 * data file: amplitude A ~ U(amplitude), phase phi ~ U(phase), inputs
 * x ~ U(x_range), targets y = A sin(x - phi); `shots` support points and
 * `queries` query points per task.  The task network f(x; w) is a tanh
 * network 1 - hidden... - 1 (net_core.h) with P_t parameters; lambda (Hn =
 * P_t) is where every task's training starts.
 *
 * One outer step works on a meta-batch of B = meta_batch tasks, drawn anew
 * at its start (begin_outer) from the seed and the outer step's index.
 * theta holds the B tasks' parameters side by side, theta = [w_1, ..., w_B]
 * (P = B P_t), and begin_outer sets every w_t = lambda: the inner loop (the
 * experiment's inner optimizer, inner.steps steps) starts from the
 * meta-initialization.  Because theta_0 depends on lambda, the explicit
 * methods (unrolled, forward, fd) are refused (the flag
 * IHG_MODEL_THETA_FROM_LAMBDA); the IFT does not need theta_0.
 *
 * Losses (S_t the support set of task t, Q_t its query set):
 *   L_T = sum_t L_T^t,  L_T^t = 1/(2|S_t|) sum_S (f(x; w_t) - y)^2
 *                               + gamma/2 ||w_t - lambda||^2
 *         (a sum, so that each block of theta follows its own task's
 *         gradient and H is block-diagonal with the tasks' Hessians)
 *   L_V = 1/B sum_t 1/(2|Q_t|) sum_Q (f(x; w_t) - y)^2
 * Derivatives (net_core.h for the network's passes):
 *   dL_T/dw_t    = grad L_S^t(w_t) + gamma (w_t - lambda)
 *   H u          block t: H_t u_t = (grad^2 L_S^t(w_t) + gamma I) u_t (R-op)
 *   J^T u        J = d2 L_T / dtheta dlambda = [-gamma I; ...; -gamma I]:
 *                J^T u = -gamma sum_t u_t
 *   J u          block t: -gamma u (u in lambda's space)
 *   dL_V/dw_t    = 1/B grad L_Q^t(w_t);  dL_V/dlambda = 0
 * so the IFT hypergradient is -J^T H^{-1} v = gamma sum_t H_t^{-1} v_t
 * = 1/B sum_t gamma (grad^2 L_S^t + gamma I)^{-1} grad L_Q^t, iMAML's
 * meta-gradient (their regularizer lambda is gamma here).  H being
 * block-diagonal, CG, Neumann and the exact solve on it solve every task's
 * system at once (iMAML runs CG task by task; one CG on the block system
 * reaches the same answer, with one step size shared by the tasks).
 *
 * The family's own test set (own_test, the record's test_loss): test_tasks
 * tasks drawn once from a stream of their own, each with `shots` support
 * and test_queries query points.  For each, w = lambda, then inner.steps
 * steps of gradient descent with step inner.lr on its L_T^t (the same
 * proximal loss), then the mean squared error / 2 on its query points; the
 * test loss is the mean over the tasks.  Run with outer.lr = 0 (lambda
 * stays at its random initialization) it is the baseline "k steps from a
 * random initialization".
 *
 * init_lambda: LeCun normal weights with gain init_scale / 0.01 (as mlp),
 * zero biases.
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"
#include "decay.h"
#include "net_core.h"

#define IMAML_MAX_HIDDEN 8
#define IMAML_REF_INIT_SCALE 0.01
#define IMAML_TEST_STREAM (1ULL << 63) /* the test tasks' stream (meta-batches: outer + 1) */

typedef struct {
    double init_scale;
    long hidden[IMAML_MAX_HIDDEN];
    size_t n_hidden;
    double gamma;
    long meta_batch, shots, queries, test_tasks, test_queries;
    double amplitude[2], phase[2], x_range[2];
} imaml_options;

static int check_interval(const void *value, char *why, size_t cap)
{
    const double *v = value;
    if (v[0] <= v[1])
        return 0;
    snprintf(why, cap, "must be [low, high] with low <= high (got [%g, %g])", v[0], v[1]);
    return -1;
}

static const ihg_option imaml_option_table[] = {
    IHG_OPTION_INIT_SCALE(imaml_options, init_scale),
    {.name = "hidden", .type = IHG_OPT_INTS, .off = offsetof(imaml_options, hidden),
     .count_off = offsetof(imaml_options, n_hidden), .max_count = IMAML_MAX_HIDDEN,
     .unit = "layer", .lo = 1, .hi = 100000, .def_ints = (const long[]){40, 40},
     .def_count = 2, .help = "the widths of the task network's hidden layers"},
    {.name = "gamma", .type = IHG_OPT_REAL, .off = offsetof(imaml_options, gamma), .lo = 0,
     .hi = 1e6, .lo_open = 1, .def = 1,
     .help = "strength of the proximal term gamma/2 ||w_t - lambda||^2"},
    {.name = "meta_batch", .type = IHG_OPT_INT, .off = offsetof(imaml_options, meta_batch),
     .lo = 1, .hi = 10000, .def = 10, .help = "tasks per outer step"},
    {.name = "shots", .type = IHG_OPT_INT, .off = offsetof(imaml_options, shots), .lo = 1,
     .hi = 100000, .def = 10, .help = "support points per task (L_T)"},
    {.name = "queries", .type = IHG_OPT_INT, .off = offsetof(imaml_options, queries),
     .lo = 1, .hi = 100000, .def = 10, .help = "query points per task (L_V)"},
    {.name = "test_tasks", .type = IHG_OPT_INT, .off = offsetof(imaml_options, test_tasks),
     .lo = 0, .hi = 100000, .def = 100,
     .help = "held-out tasks of the test loss (0: none)"},
    {.name = "test_queries", .type = IHG_OPT_INT,
     .off = offsetof(imaml_options, test_queries), .lo = 1, .hi = 100000, .def = 100,
     .help = "query points of each held-out task"},
    {.name = "amplitude", .type = IHG_OPT_VEC2, .off = offsetof(imaml_options, amplitude),
     .lo = -1e6, .hi = 1e6, .def_values = (const double[]){0.1, 5.0},
     .check = check_interval, .help = "the interval of the sinusoids' amplitudes"},
    {.name = "phase", .type = IHG_OPT_VEC2, .off = offsetof(imaml_options, phase),
     .lo = -1e6, .hi = 1e6, .def_values = (const double[]){0.0, M_PI},
     .check = check_interval, .help = "the interval of their phases"},
    {.name = "x_range", .type = IHG_OPT_VEC2, .off = offsetof(imaml_options, x_range),
     .lo = -1e6, .hi = 1e6, .def_values = (const double[]){-5.0, 5.0},
     .check = check_interval, .help = "the interval of the inputs x"},
    {.name = NULL},
};

/* Points of a set of tasks: task t's n points at rows [t n, t n + n). */
typedef struct {
    size_t tasks, n;
    gsl_matrix *x; /* tasks n x 1 */
    double *y;
} point_set;

typedef struct {
    ihg_net net;
    size_t Pt, B, K, Q;
    double gamma;
    uint64_t seed;
    long outer;                   /* the meta-batch drawn               */
    gsl_rng *rng;
    point_set sup, qry;           /* the meta-batch                     */
    point_set tsup, tqry;         /* the held-out tasks                 */
    double amp[2], phase[2], xr[2];
    gsl_vector *tbuf, *ubuf, *obuf; /* P: contiguous copies             */
    gsl_vector *lbuf;             /* Hn                                 */
    double *w, *g;                /* P_t: the held-out adaptation       */
    double test_lr;
    long test_steps;
} imaml_work;

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int points_alloc(point_set *p, size_t tasks, size_t n)
{
    p->tasks = tasks;
    p->n = n;
    if (tasks == 0)
        return 1;
    p->x = gsl_matrix_alloc(tasks * n, 1);
    p->y = malloc(tasks * n * sizeof *p->y);
    return p->x && p->y;
}

static void points_free(point_set *p)
{
    if (p->x)
        gsl_matrix_free(p->x);
    free(p->y);
    p->x = NULL;
    p->y = NULL;
}

/* Draw task t's amplitude and phase, then its support and query points. */
static void draw_task(imaml_work *w, point_set *sup, point_set *qry, size_t t)
{
    double A = w->amp[0] + (w->amp[1] - w->amp[0]) * gsl_rng_uniform(w->rng);
    double phi = w->phase[0] + (w->phase[1] - w->phase[0]) * gsl_rng_uniform(w->rng);
    point_set *sets[2] = {sup, qry};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < sets[s]->n; i++) {
            size_t r = t * sets[s]->n + i;
            double x = w->xr[0] + (w->xr[1] - w->xr[0]) * gsl_rng_uniform(w->rng);
            gsl_matrix_set(sets[s]->x, r, 0, x);
            sets[s]->y[r] = A * sin(x - phi);
        }
}

static void draw_tasks(imaml_work *w, point_set *sup, point_set *qry, uint64_t stream)
{
    gsl_rng_set(w->rng, (unsigned long)(mix64(mix64(w->seed) ^ stream) & 0xffffffffUL));
    for (size_t t = 0; t < sup->tasks; t++)
        draw_task(w, sup, qry, t);
}

static void imaml_free(ihg_model *m)
{
    imaml_work *w = m->work;
    if (!w)
        return;
    ihg_net_free(&w->net);
    if (w->rng)
        gsl_rng_free(w->rng);
    point_set *ps[] = {&w->sup, &w->qry, &w->tsup, &w->tqry};
    for (size_t i = 0; i < 4; i++)
        points_free(ps[i]);
    gsl_vector *vs[] = {w->tbuf, w->ubuf, w->obuf, w->lbuf};
    for (size_t i = 0; i < 4; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    free(w->w);
    free(w->g);
    free(w);
    m->work = NULL;
}

static int imaml_init(ihg_model *m, const ihg_config *cfg, const ihg_dataset *ds,
                      size_t max_rows)
{
    (void)ds;
    (void)max_rows;
    const imaml_options *o = cfg->model.opts;
    imaml_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (imaml model)");
    m->work = w;
    w->B = (size_t)o->meta_batch;
    w->K = (size_t)o->shots;
    w->Q = (size_t)o->queries;
    w->gamma = o->gamma;
    w->seed = cfg->seed;
    w->outer = -1;
    memcpy(w->amp, o->amplitude, sizeof w->amp);
    memcpy(w->phase, o->phase, sizeof w->phase);
    memcpy(w->xr, o->x_range, sizeof w->xr);
    w->test_lr = cfg->inner.lr;
    w->test_steps = cfg->inner.steps;
    size_t width[IMAML_MAX_HIDDEN + 2], chunk = w->K;
    if (w->Q > chunk)
        chunk = w->Q;
    if ((size_t)o->test_queries > chunk)
        chunk = (size_t)o->test_queries;
    width[0] = 1;
    for (size_t l = 0; l < o->n_hidden; l++)
        width[l + 1] = (size_t)o->hidden[l];
    width[o->n_hidden + 1] = 1;
    if (ihg_net_init(&w->net, o->n_hidden + 1, width, chunk) != IHG_OK) {
        imaml_free(m);
        return ihg_error_status();
    }
    w->Pt = w->net.P;
    size_t P;
    if (!ihg_size_mul(w->B, w->Pt, &P)) {
        imaml_free(m);
        return ihg_error_set(IHG_ENOMEM, "imaml: %zu tasks of %zu parameters are too many",
                             w->B, w->Pt);
    }
    int ok = (w->rng = gsl_rng_alloc(gsl_rng_mt19937)) != NULL &&
             points_alloc(&w->sup, w->B, w->K) && points_alloc(&w->qry, w->B, w->Q) &&
             points_alloc(&w->tsup, (size_t)o->test_tasks, w->K) &&
             points_alloc(&w->tqry, (size_t)o->test_tasks, (size_t)o->test_queries) &&
             (w->tbuf = gsl_vector_alloc(P)) != NULL && (w->ubuf = gsl_vector_alloc(P)) != NULL &&
             (w->obuf = gsl_vector_alloc(P)) != NULL &&
             (w->lbuf = gsl_vector_alloc(w->Pt)) != NULL &&
             (w->w = malloc(w->Pt * sizeof *w->w)) != NULL &&
             (w->g = malloc(w->Pt * sizeof *w->g)) != NULL;
    if (!ok) {
        imaml_free(m);
        return ihg_error_set(IHG_ENOMEM, "out of memory (imaml: %zu tasks, %zu parameters "
                             "each)", w->B, w->Pt);
    }
    /* the held-out tasks, once; the first meta-batch (outer step 0) until
     * begin_outer says otherwise */
    if (w->tsup.tasks)
        draw_tasks(w, &w->tsup, &w->tqry, IMAML_TEST_STREAM);
    draw_tasks(w, &w->sup, &w->qry, 1);
    w->outer = 0;
    m->P = P;
    m->Hn = w->Pt;
    m->d = 1;
    m->k = 1;
    return IHG_OK;
}

static void imaml_init_theta(const ihg_model *m, gsl_vector *theta, gsl_rng *rng)
{
    (void)m;
    (void)rng;
    gsl_vector_set_zero(theta); /* begin_outer starts it at lambda */
}

static void imaml_init_lambda(const ihg_model *m, gsl_vector *lambda, gsl_rng *rng)
{
    const imaml_work *w = m->work;
    const imaml_options *o = m->cfg->model.opts;
    double gain = o->init_scale / IMAML_REF_INIT_SCALE;
    ihg_net_init_params(&w->net, w->lbuf->data, rng, gain, gain);
    gsl_vector_memcpy(lambda, w->lbuf);
}

static int imaml_segments(const ihg_model *m, ihg_hyper_layout *layout)
{
    return ihg_hyper_layout_add(layout, IHG_OWNER_MODEL, "meta-init", m->Hn,
                                IHG_TRANSFORM_IDENTITY, 1);
}

static void imaml_begin_outer(ihg_model *m, long outer, const gsl_vector *lambda,
                              gsl_vector *theta)
{
    imaml_work *w = m->work;
    /* the meta-batch of outer step o is stream o + 1 (the test tasks have
     * their own) */
    if (outer != w->outer) {
        draw_tasks(w, &w->sup, &w->qry, (uint64_t)outer + 1);
        w->outer = outer;
    }
    for (size_t t = 0; t < w->B; t++) {
        gsl_vector_view blk = gsl_vector_subvector(theta, t * w->Pt, w->Pt);
        gsl_vector_memcpy(&blk.vector, lambda);
    }
}

/* ---- one task ---- */

static const gsl_vector *contiguous(const gsl_vector *v, gsl_vector *buf)
{
    if (v->stride == 1)
        return v;
    gsl_vector_memcpy(buf, v);
    return buf;
}

/* The task network's squared error / 2, mean over task t's points of set
 * p; with grad (P_t entries, overwritten) its gradient; with U (a
 * direction of w) R{grad} into grad instead (the data term's H U). */
static double task_loss(imaml_work *w, const double *wt, const point_set *p, size_t t,
                        const double *U, double *grad)
{
    size_t n = p->n;
    double inv_n = 1.0 / (double)n, sl = 0.0;
    gsl_matrix_const_view X = gsl_matrix_const_submatrix(p->x, t * n, 0, n, 1);
    ihg_net_forward(&w->net, wt, &X.matrix, U, NULL);
    gsl_matrix_view Z = ihg_net_out(&w->net, n), RZ = ihg_net_rout(&w->net, n);
    gsl_matrix_view G = ihg_net_gout(&w->net, n), RG = ihg_net_rgout(&w->net, n);
    for (size_t i = 0; i < n; i++) {
        double r = gsl_matrix_get(&Z.matrix, i, 0) - p->y[t * n + i];
        sl += 0.5 * r * r;
        gsl_matrix_set(&G.matrix, i, 0, r * inv_n);
        if (U)
            gsl_matrix_set(&RG.matrix, i, 0, gsl_matrix_get(&RZ.matrix, i, 0) * inv_n);
    }
    if (grad && U)
        ihg_net_backward_r(&w->net, wt, U, &X.matrix, NULL, grad, 0.0, NULL);
    else if (grad)
        ihg_net_backward(&w->net, wt, &X.matrix, grad, 0.0, NULL);
    return sl * inv_n;
}

/* ---- the table's functions ---- */

static double imaml_train_loss(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                               const ihg_data *data, gsl_vector *grad)
{
    (void)data;
    imaml_work *w = m->work;
    const double *th = contiguous(theta, w->tbuf)->data;
    const double *lam = contiguous(lambda, w->lbuf)->data;
    gsl_vector *out = grad ? (grad->stride == 1 ? grad : w->obuf) : NULL;
    double L = 0.0;
    for (size_t t = 0; t < w->B; t++) {
        const double *wt = th + t * w->Pt;
        double *gt = out ? out->data + t * w->Pt : NULL;
        L += task_loss(w, wt, &w->sup, t, NULL, gt);
        for (size_t j = 0; j < w->Pt; j++) {
            double dj = wt[j] - lam[j];
            L += 0.5 * w->gamma * dj * dj;
            if (gt)
                gt[j] += w->gamma * dj;
        }
    }
    if (out && out != grad)
        gsl_vector_memcpy(grad, out);
    return L;
}

static void imaml_train_hvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                            const ihg_data *data, const gsl_vector *u, gsl_vector *Hu)
{
    (void)data;
    (void)lambda;
    imaml_work *w = m->work;
    const double *th = contiguous(theta, w->tbuf)->data;
    const double *U = contiguous(u, w->ubuf)->data;
    gsl_vector *out = Hu->stride == 1 ? Hu : w->obuf;
    for (size_t t = 0; t < w->B; t++) {
        size_t o = t * w->Pt;
        task_loss(w, th + o, &w->sup, t, U + o, out->data + o);
        for (size_t j = 0; j < w->Pt; j++)
            out->data[o + j] += w->gamma * U[o + j];
    }
    if (out != Hu)
        gsl_vector_memcpy(Hu, out);
}

static void imaml_train_jtvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                             const ihg_data *data, const gsl_vector *u, gsl_vector *out)
{
    (void)theta;
    (void)lambda;
    (void)data;
    imaml_work *w = m->work;
    gsl_vector_set_zero(out);
    for (size_t t = 0; t < w->B; t++) {
        gsl_vector_const_view ut = gsl_vector_const_subvector(u, t * w->Pt, w->Pt);
        gsl_blas_daxpy(-w->gamma, &ut.vector, out);
    }
}

static void imaml_train_jvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                            const ihg_data *data, const gsl_vector *u, gsl_vector *out)
{
    (void)theta;
    (void)lambda;
    (void)data;
    imaml_work *w = m->work;
    for (size_t t = 0; t < w->B; t++) {
        gsl_vector_view ot = gsl_vector_subvector(out, t * w->Pt, w->Pt);
        gsl_vector_memcpy(&ot.vector, u);
        gsl_vector_scale(&ot.vector, -w->gamma);
    }
}

static double imaml_val_loss(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                             const ihg_data *data, gsl_vector *grad_theta,
                             gsl_vector *grad_lambda)
{
    (void)lambda;
    (void)data;
    imaml_work *w = m->work;
    if (grad_lambda)
        gsl_vector_set_zero(grad_lambda);
    const double *th = contiguous(theta, w->tbuf)->data;
    gsl_vector *out = grad_theta ? (grad_theta->stride == 1 ? grad_theta : w->obuf) : NULL;
    double L = 0.0, inv_b = 1.0 / (double)w->B;
    for (size_t t = 0; t < w->B; t++) {
        double *gt = out ? out->data + t * w->Pt : NULL;
        L += task_loss(w, th + t * w->Pt, &w->qry, t, NULL, gt);
        if (gt)
            for (size_t j = 0; j < w->Pt; j++)
                gt[j] *= inv_b;
    }
    if (out && out != grad_theta)
        gsl_vector_memcpy(grad_theta, out);
    return L * inv_b;
}

static double imaml_own_test(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                             double *accuracy)
{
    (void)theta;
    imaml_work *w = m->work;
    *accuracy = NAN;
    if (w->tsup.tasks == 0)
        return NAN;
    const double *lam = contiguous(lambda, w->lbuf)->data;
    double total = 0.0;
    for (size_t t = 0; t < w->tsup.tasks; t++) {
        memcpy(w->w, lam, w->Pt * sizeof *w->w);
        for (long k = 0; k < w->test_steps; k++) {
            task_loss(w, w->w, &w->tsup, t, NULL, w->g);
            for (size_t j = 0; j < w->Pt; j++)
                w->w[j] -= w->test_lr * (w->g[j] + w->gamma * (w->w[j] - lam[j]));
        }
        total += task_loss(w, w->w, &w->tqry, t, NULL, NULL);
    }
    return total / (double)w->tsup.tasks;
}

const ihg_model_type ihg_model_imaml_type = {
    .name = "imaml",
    .task = IHG_TASK_NONE, /* the tasks are drawn by the family */
    .flags = IHG_MODEL_THETA_FROM_LAMBDA,
    .options = imaml_option_table,
    .options_size = sizeof(imaml_options),
    .hyper_segments = imaml_segments,
    .init = imaml_init,
    .free = imaml_free,
    .init_theta = imaml_init_theta,
    .init_lambda = imaml_init_lambda,
    .train_loss = imaml_train_loss,
    .train_hvp = imaml_train_hvp,
    .train_jtvp = imaml_train_jtvp,
    .train_jvp = imaml_train_jvp,
    .val_loss = imaml_val_loss,
    .begin_outer = imaml_begin_outer,
    .own_test = imaml_own_test,
};

const ihg_model_type *const ihg_model_imaml = &ihg_model_imaml_type;
