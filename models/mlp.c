/* mlp.c - a multilayer perceptron with L2 decay on every weight matrix.
 *
 * Shapes.  L = n_hidden + 1 weight layers; widths n_0 = d (features),
 * n_1 .. n_{L-1} = the option hidden[], n_L = k outputs (k = ds->k classes for
 * multiclass/binary data, 1 for regression); n rows in a data set, processed
 * in blocks of at most `chunk` rows (the workspace).
 *
 * theta (flat, layer after layer, l = 1..L):
 *   W_l (n_l x n_{l-1}, row-major: W_l[a][b] at woff_l + a n_{l-1} + b),
 *   then b_l (n_l, at boff_l = woff_l + n_l n_{l-1}).
 * lambda = log decay of every weight (never the biases), through decay.h:
 *   per-weight: one lambda per entry of every W_l, in theta order
 *               (Hn = sum_l n_l n_{l-1}: 1,796,000 for 784-1000-1000-10);
 *   global:     Hn = 1.  e = exp(lambda) spread over the weights.
 *
 * Forward (A_0 = X, the n x d data; rows are examples):
 *   Z_l = A_{l-1} W_l^T + 1 b_l^T,   A_l = s(Z_l)  (l < L),   Z_L = outputs
 *   s = tanh      s' = 1 - s^2,             s'' = -2 s s'
 *   s = softplus  s = log(1 + e^z),  s' = sigmoid(z),  s'' = s'(1 - s')
 * Head, with the data loss l(Z_L) and G_L = dl/dZ_L:
 *   classification  l = 1/n sum_i (lse(z_i) - z_{i,y_i}),   G_L = (P - Y)/n
 *                   (P = row softmax of Z_L, Y one-hot)
 *   regression      l = 1/(2n) sum_i (z_i - y_i)^2,          G_L = (Z_L - y)/n
 * L_T = l + 1/2 sum_weights e_j theta_j^2;  L_V = l on validation data.
 *
 * Backward (the gradient):
 *   dL/dW_l = G_l^T A_{l-1},  dL/db_l = G_l^T 1,
 *   G_{l-1} = (G_l W_l) .* s'(Z_{l-1}),  plus the decay's e .* W.
 *
 * Hessian-vector product H u by Pearlmutter's R-operator (Pearlmutter 1994,
 * "Fast exact multiplication by the Hessian"): R{f} = d/dt f(theta + t u) at
 * t = 0, u = (V_l, c_l) laid out like theta.  Exact, no finite differences.
 *   forward  R{A_0} = 0,
 *            R{Z_l} = R{A_{l-1}} W_l^T + A_{l-1} V_l^T + 1 c_l^T,
 *            R{A_l} = s'(Z_l) .* R{Z_l}
 *   head     classification R{G_L}_i = p_i .* (R{z_i} - p_i . R{z_i}) / n
 *            regression     R{G_L}   = R{Z_L} / n
 *   backward R{dW_l} = R{G_l}^T A_{l-1} + G_l^T R{A_{l-1}},
 *            R{db_l} = R{G_l}^T 1,
 *            dA = G_l W_l,  R{dA} = R{G_l} W_l + G_l V_l,
 *            R{G_{l-1}} = R{dA} .* s'(Z_{l-1}) + dA .* s''(Z_{l-1}) .* R{Z_{l-1}}
 *   H u = (R{dW_l}, R{db_l})_l + e .* (V_l)_l  (decay.h).
 *   Every matrix product is one gsl_blas_dgemm (level 3).  The pairs are
 *   stacked: rows [0, nb) of a layer buffer hold A_l and rows [nb, 2nb)
 *   R{A_l}, the backward buffer holds R{G_l} above G_l, so
 *   [R{G};G]^T [A;R{A}] gives R{dW_l} in one dgemm with inner size 2nb, and
 *   [R{G};G] W_l gives R{G} W_l and dA together.  Per hidden layer the
 *   R-op costs 8 n n_l n_{l-1} multiply-adds (first layer: 3).
 * J^T u (decay.h): (J^T u)_i = sum_{j: h(j) = i} e_j theta_j u_j.
 * dL_V/dtheta as the gradient without decay;  dL_V/dlambda = 0.
 * accuracy: argmax_c of Z_L (first on ties); NaN for regression.
 *
 * Initialisation (init_theta): LeCun normal, W_l ~ N(0, g^2 / n_{l-1})
 * (LeCun et al. 1998, "Efficient BackProp": unit-variance pre-activations
 * for unit-variance inputs), biases 0.  The gain g = init_scale / 0.01
 * (the option), so the default init_scale 0.01 gives exactly LeCun's 1/fan_in
 * variance and init_scale 0 gives all-zero weights.
 *
 * Memory, all allocated by init: three theta-sized buffers (contiguous
 * copies of strided vectors), two Hn-sized ones (the exp(lambda) cache of
 * decay.h's ihg_decay_cache; Hn = 1 in global mode), and O(chunk * width)
 * activations: O(P + chunk * width), never P x P (train_hessian is NULL:
 * the exact solver forms H column by column with train_hvp, small P only).
 * A label that is not an integer in 0..k-1 makes the loss NaN.
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"
#include "decay.h"
#include "softmax_core.h"

#define MLP_MAX_CHUNK 512
#define MLP_MAX_HIDDEN 8
#define MLP_MAX_LAYERS (MLP_MAX_HIDDEN + 1)
#define MLP_REF_INIT_SCALE 0.01 /* the option's default: gain 1 */

typedef enum { MLP_TANH = 0, MLP_SOFTPLUS } mlp_activation;

/* The keys of `model` for kind: mlp. */
typedef struct {
    ihg_decay_options decay;       /* hyper, init_log_decay, init_scale */
    long hidden[MLP_MAX_HIDDEN];   /* the hidden layers' widths         */
    size_t n_hidden;
    int activation;                /* mlp_activation                    */
} mlp_options;

static const char *const mlp_activations[] = {"tanh", "softplus", NULL};

static const ihg_option mlp_option_table[] = {
    IHG_OPTION_HYPER(mlp_options, decay.hyper),
    IHG_OPTION_INIT_LOG_DECAY(mlp_options, decay.init_log_decay,
                              IHG_INIT_LOG_DECAY_DEFAULT),
    IHG_OPTION_INIT_SCALE(mlp_options, decay.init_scale),
    {.name = "hidden", .type = IHG_OPT_INTS,
     .off = offsetof(mlp_options, hidden),
     .count_off = offsetof(mlp_options, n_hidden),
     .max_count = MLP_MAX_HIDDEN, .unit = "layer", .lo = 1, .hi = 100000,
     .def_ints = (const long[]){32}, .def_count = 1,
     .help = "the widths of the hidden layers"},
    {.name = "activation", .type = IHG_OPT_ENUM,
     .off = offsetof(mlp_options, activation), .names = mlp_activations,
     .def = MLP_TANH, .help = "the smooth activation of the hidden layers"},
    {.name = NULL},
};

typedef struct {
    ihg_decay decay;
    size_t L;                          /* weight layers                    */
    size_t width[MLP_MAX_LAYERS + 1];  /* n_0 = d .. n_L = outputs         */
    size_t woff[MLP_MAX_LAYERS + 1];   /* W_l at woff[l] (l = 1..L)        */
    size_t boff[MLP_MAX_LAYERS + 1];   /* b_l at boff[l]                   */
    size_t wmax;                       /* max width                        */
    size_t chunk;                      /* rows per block                   */
    int regression;
    mlp_activation act;
    /* l = 1..L: 2 chunk x n_l; rows [0,nb) A_l (Z_L for l = L), rows
     * [nb, 2nb) R{A_l} (R{Z_L}). */
    gsl_matrix *S[MLP_MAX_LAYERS + 1];
    /* l = 1..L-1: chunk x n_l: s'(Z_l) and s''(Z_l) .* R{Z_l}. */
    gsl_matrix *Dv[MLP_MAX_LAYERS + 1];
    gsl_matrix *Qv[MLP_MAX_LAYERS + 1];
    gsl_matrix *T1, *T2; /* 2 chunk x wmax: backward [R{G}; G]           */
    gsl_vector *tbuf, *ubuf, *obuf; /* P: contiguous copies (strided)    */
    ihg_decay_cache ecache; /* exp(lambda), Hn values (see the decay term) */
} mlp_work;

static void mlp_free(ihg_model *m)
{
    mlp_work *w = m->work;
    if (!w)
        return;
    for (size_t l = 0; l <= MLP_MAX_LAYERS; l++) {
        if (w->S[l])
            gsl_matrix_free(w->S[l]);
        if (w->Dv[l])
            gsl_matrix_free(w->Dv[l]);
        if (w->Qv[l])
            gsl_matrix_free(w->Qv[l]);
    }
    if (w->T1)
        gsl_matrix_free(w->T1);
    if (w->T2)
        gsl_matrix_free(w->T2);
    if (w->tbuf)
        gsl_vector_free(w->tbuf);
    if (w->ubuf)
        gsl_vector_free(w->ubuf);
    if (w->obuf)
        gsl_vector_free(w->obuf);
    ihg_decay_cache_free(&w->ecache);
    free(w);
    m->work = NULL;
}

static int mlp_init(ihg_model *m, const ihg_config *cfg, const ihg_dataset *ds,
                    size_t max_rows)
{
    if (!ds || ds->d == 0)
        return ihg_error_set(IHG_EINVAL, "mlp: the data set has no features");
    int regression = ds->task == IHG_TASK_REGRESSION;
    if (!regression && ds->k < 2)
        return ihg_error_set(IHG_EINVAL,
                             "mlp: needs at least 2 classes (the data set "
                             "has %zu)", ds->k);
    const mlp_options *o = cfg->model.opts;
    if (o->n_hidden > MLP_MAX_HIDDEN)
        return ihg_error_set(IHG_EINVAL, "mlp: %zu hidden layers, at most %d",
                             o->n_hidden, MLP_MAX_HIDDEN);
    if (o->activation != MLP_TANH && o->activation != MLP_SOFTPLUS)
        return ihg_error_set(IHG_EINVAL, "mlp: unknown activation %d",
                             o->activation);
    size_t L = o->n_hidden + 1;
    size_t width[MLP_MAX_LAYERS + 1], woff[MLP_MAX_LAYERS + 1],
        boff[MLP_MAX_LAYERS + 1];
    width[0] = ds->d;
    for (size_t l = 1; l < L; l++) {
        if (o->hidden[l - 1] < 1)
            return ihg_error_set(IHG_EINVAL,
                                 "mlp: hidden layer %zu has %ld units (need "
                                 ">= 1)", l, o->hidden[l - 1]);
        width[l] = (size_t)o->hidden[l - 1];
    }
    width[L] = regression ? 1 : ds->k;
    size_t chunk = ihg_model_chunk_rows(ds, max_rows, MLP_MAX_CHUNK);

    /* Sizes, checked before anything is allocated. */
    size_t P = 0, wmax = 0, cells = 0, tmp;
    for (size_t l = 1; l <= L; l++) {
        size_t nw;
        if (!ihg_size_mul(width[l], width[l - 1], &nw))
            goto too_big;
        woff[l] = P;
        if (!ihg_size_add(P, nw, &P))
            goto too_big;
        boff[l] = P;
        if (!ihg_size_add(P, width[l], &P))
            goto too_big;
    }
    for (size_t l = 0; l <= L; l++)
        if (width[l] > wmax)
            wmax = width[l];
    /* Workspace: S (2 chunk n_l), D and Q (chunk n_l each, hidden), T1, T2
     * (2 chunk wmax each), 3 P-vectors, 2 Hn-vectors (Hn < P). */
    for (size_t l = 1; l <= L; l++) {
        if (!ihg_size_mul(4 * chunk, width[l], &tmp) ||
            !ihg_size_add(cells, tmp, &cells))
            goto too_big;
    }
    if (!ihg_size_mul(4 * chunk, wmax, &tmp) ||
        !ihg_size_add(cells, tmp, &cells) || !ihg_size_mul(5, P, &tmp) ||
        !ihg_size_add(cells, tmp, &cells))
        goto too_big;

    mlp_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (mlp model)");
    m->work = w;
    w->L = L;
    memcpy(w->width, width, sizeof width);
    memcpy(w->woff, woff, sizeof woff);
    memcpy(w->boff, boff, sizeof boff);
    w->wmax = wmax;
    w->chunk = chunk;
    w->regression = regression;
    w->act = (mlp_activation)o->activation;
    int ok = 1;
    for (size_t l = 1; l <= L && ok; l++) {
        ok &= (w->S[l] = gsl_matrix_alloc(2 * chunk, width[l])) != NULL;
        if (l < L && ok) {
            ok &= (w->Dv[l] = gsl_matrix_alloc(chunk, width[l])) != NULL;
            ok &= ok && (w->Qv[l] = gsl_matrix_alloc(chunk, width[l])) != NULL;
        }
    }
    ok = ok && (w->T1 = gsl_matrix_alloc(2 * chunk, wmax)) != NULL;
    ok = ok && (w->T2 = gsl_matrix_alloc(2 * chunk, wmax)) != NULL;
    ok = ok && (w->tbuf = gsl_vector_alloc(P)) != NULL;
    ok = ok && (w->ubuf = gsl_vector_alloc(P)) != NULL;
    ok = ok && (w->obuf = gsl_vector_alloc(P)) != NULL;
    if (!ok) {
        mlp_free(m);
        return ihg_error_set(IHG_ENOMEM,
                             "out of memory (mlp workspace: %zu parameters, "
                             "%zu rows per block, %zu doubles)",
                             P, chunk, cells);
    }
    m->hyper = o->decay.hyper;
    ihg_decay_init(&w->decay, m->hyper);
    for (size_t l = 1; l <= L; l++)
        if (ihg_decay_add_range(&w->decay, woff[l], width[l] * width[l - 1]) !=
            IHG_OK) {
            mlp_free(m);
            return IHG_EINVAL;
        }
    if (ihg_decay_cache_init(&w->ecache, &w->decay) != IHG_OK) {
        mlp_free(m);
        return IHG_ENOMEM;
    }
    m->d = ds->d;
    m->k = width[L];
    m->P = P;
    m->Hn = ihg_decay_n_hyper(&w->decay);
    return IHG_OK;

too_big:
    return ihg_error_set(IHG_ELIMIT,
                         "mlp: %zu features, %zu hidden layers and %zu "
                         "outputs give too many parameters or too large a "
                         "workspace (limit %zu doubles per array)",
                         ds->d, o->n_hidden, regression ? 1 : ds->k,
                         (size_t)IHG_MODEL_MAX_ELEMS);
}

static void mlp_init_theta(const ihg_model *m, gsl_vector *theta, gsl_rng *rng)
{
    const mlp_work *w = m->work;
    const mlp_options *o = m->cfg->model.opts;
    double gain = o->decay.init_scale / MLP_REF_INIT_SCALE;
    for (size_t l = 1; l <= w->L; l++) {
        size_t nw = w->width[l] * w->width[l - 1];
        double sd = gain / sqrt((double)w->width[l - 1]);
        for (size_t j = 0; j < nw; j++)
            gsl_vector_set(theta, w->woff[l] + j,
                           sd > 0 ? gsl_ran_gaussian(rng, sd) : 0.0);
        for (size_t j = 0; j < w->width[l]; j++)
            gsl_vector_set(theta, w->boff[l] + j, 0.0);
    }
}

static void mlp_init_lambda(const ihg_model *m, gsl_vector *lambda,
                            gsl_rng *rng)
{
    (void)rng;
    const mlp_options *o = m->cfg->model.opts;
    gsl_vector_set_all(lambda, o->decay.init_log_decay);
}

/* ---------- small helpers ---------- */

/* A contiguous version of v: v itself, or a copy in buf. */
static const gsl_vector *contiguous(const gsl_vector *v, gsl_vector *buf)
{
    if (v->stride == 1)
        return v;
    gsl_vector_memcpy(buf, v);
    return buf;
}

/* Rows [r0, r0 + nr) and columns [0, nc) of M. */
static gsl_matrix_view rows(gsl_matrix *M, size_t r0, size_t nr, size_t nc)
{
    return gsl_matrix_submatrix(M, r0, 0, nr, nc);
}

/* W_l of v (read only; a struct copy of a const view). */
static gsl_matrix layer_W(const mlp_work *w, const gsl_vector *v, size_t l)
{
    gsl_matrix_const_view cv = gsl_matrix_const_view_array(
        v->data + w->woff[l], w->width[l], w->width[l - 1]);
    return cv.matrix;
}

static gsl_matrix_view layer_W_out(const mlp_work *w, gsl_vector *v, size_t l)
{
    return gsl_matrix_view_array(v->data + w->woff[l], w->width[l],
                                 w->width[l - 1]);
}

/* Add the row vector b (n entries) to every row of M. */
static void add_row(gsl_matrix *M, const double *b)
{
    for (size_t i = 0; i < M->size1; i++) {
        double *r = M->data + i * M->tda;
        for (size_t j = 0; j < M->size2; j++)
            r[j] += b[j];
    }
}

/* out[j] = beta out[j] + sum_i M[i][j]  (beta 0 or 1) */
static void add_colsums(const gsl_matrix *M, double beta, double *out)
{
    if (beta == 0.0)
        for (size_t j = 0; j < M->size2; j++)
            out[j] = 0.0;
    for (size_t i = 0; i < M->size1; i++) {
        const double *r = M->data + i * M->tda;
        for (size_t j = 0; j < M->size2; j++)
            out[j] += r[j];
    }
}

/* Stable sigmoid. */
static double sigm(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* In place on the top rows Z (nb x n): Z <- s(Z), D <- s'(Z); when RZ is not
 * NULL (the rows below Z): Q <- s''(Z) .* RZ and RZ <- s'(Z) .* RZ. */
static void activate(mlp_activation act, gsl_matrix *Z, gsl_matrix *D,
                     gsl_matrix *RZ, gsl_matrix *Q)
{
    size_t nb = Z->size1, n = Z->size2;
    for (size_t i = 0; i < nb; i++) {
        double *z = Z->data + i * Z->tda, *dd = D->data + i * D->tda;
        double *rz = RZ ? RZ->data + i * RZ->tda : NULL;
        double *q = RZ ? Q->data + i * Q->tda : NULL;
        if (act == MLP_TANH) {
            for (size_t j = 0; j < n; j++) {
                double a = tanh(z[j]), d1 = 1.0 - a * a;
                z[j] = a;
                dd[j] = d1;
                if (rz) {
                    q[j] = -2.0 * a * d1 * rz[j];
                    rz[j] *= d1;
                }
            }
        } else {
            for (size_t j = 0; j < n; j++) {
                double x = z[j];
                double a = x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
                double s = sigm(x);
                z[j] = a;
                dd[j] = s;
                if (rz) {
                    q[j] = s * sigm(-x) * rz[j];
                    rz[j] *= s;
                }
            }
        }
    }
}

/* ---------- forward, head, backward on one block ---------- */

/* Forward pass for the nb rows Xb.  U (contiguous, theta-shaped) != NULL
 * also does the R-pass along U. */
static void forward(mlp_work *w, const gsl_vector *th, const gsl_vector *U,
                    const gsl_matrix *Xb)
{
    size_t nb = Xb->size1, L = w->L;
    for (size_t l = 1; l <= L; l++) {
        size_t n = w->width[l];
        gsl_matrix W = layer_W(w, th, l);
        gsl_matrix_view Zt = rows(w->S[l], 0, nb, n);
        gsl_matrix_view Zr = rows(w->S[l], nb, nb, n);
        if (l == 1) {
            gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, Xb, &W, 0.0,
                           &Zt.matrix);
            if (U) {
                gsl_matrix V = layer_W(w, U, l);
                gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, Xb, &V,
                               0.0, &Zr.matrix);
            }
        } else {
            size_t np = w->width[l - 1];
            if (U) {
                /* [Z; R{Z}] = [A; R{A}] W^T, then R{Z} += A V^T. */
                gsl_matrix_view In = rows(w->S[l - 1], 0, 2 * nb, np);
                gsl_matrix_view Zb = rows(w->S[l], 0, 2 * nb, n);
                gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &In.matrix,
                               &W, 0.0, &Zb.matrix);
                gsl_matrix_view A = rows(w->S[l - 1], 0, nb, np);
                gsl_matrix V = layer_W(w, U, l);
                gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &A.matrix,
                               &V, 1.0, &Zr.matrix);
            } else {
                gsl_matrix_view A = rows(w->S[l - 1], 0, nb, np);
                gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &A.matrix,
                               &W, 0.0, &Zt.matrix);
            }
        }
        add_row(&Zt.matrix, th->data + w->boff[l]);
        if (U)
            add_row(&Zr.matrix, U->data + w->boff[l]);
        if (l < L) {
            gsl_matrix_view D = rows(w->Dv[l], 0, nb, n);
            gsl_matrix_view Q = rows(w->Qv[l], 0, nb, n);
            activate(w->act, &Zt.matrix, &D.matrix, U ? &Zr.matrix : NULL,
                     &Q.matrix);
        }
    }
}

/* The head on the block's outputs (rows [0, nb) of S[L]; R{Z_L} below
 * them when R).  Writes G_L (scaled by inv_n) into rows [g0, g0 + nb) of
 * T1 and, when R, R{G_L} into rows [0, nb).  Returns the block's summed
 * loss (not divided by n). */
static double head(mlp_work *w, const ihg_data *data, size_t i0, size_t nb,
                   double inv_n, int R, size_t g0)
{
    size_t k = w->width[w->L];
    double sl = 0.0;
    for (size_t i = 0; i < nb; i++) {
        const double *z = w->S[w->L]->data + i * w->S[w->L]->tda;
        const double *rz = z + nb * w->S[w->L]->tda;
        double *g = w->T1->data + (g0 + i) * w->T1->tda;
        double *rg = w->T1->data + i * w->T1->tda;
        double y = gsl_vector_get(data->y, i0 + i);
        if (w->regression) {
            double r = z[0] - y;
            sl += 0.5 * r * r;
            g[0] = r * inv_n;
            if (R)
                rg[0] = rz[0] * inv_n;
            continue;
        }
        size_t c = ihg_sm_label(y, k);
        double zc = c < k ? z[c] : NAN;
        memcpy(g, z, k * sizeof *g);
        sl += ihg_sm_row(g, k) - zc; /* g = p */
        if (R)
            ihg_sm_rop_row(g, rz, rg, k, inv_n);
        if (c < k)
            g[c] -= 1.0;
        for (size_t a = 0; a < k; a++)
            g[a] *= inv_n;
    }
    return sl;
}

/* Backward pass for the gradient: G_L in rows [0, nb) of T1;
 * out = beta out + the block's gradient (out contiguous, theta-shaped;
 * beta 0 for the first block, so out need not be cleared, else 1). */
static void backward(mlp_work *w, const gsl_vector *th, const gsl_matrix *Xb,
                     gsl_vector *out, double beta)
{
    size_t nb = Xb->size1;
    gsl_matrix *T = w->T1, *Tn = w->T2;
    for (size_t l = w->L; l >= 1; l--) {
        size_t n = w->width[l], np = w->width[l - 1];
        gsl_matrix_view G = rows(T, 0, nb, n);
        gsl_matrix_view gW = layer_W_out(w, out, l);
        if (l == 1) {
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &G.matrix, Xb, beta,
                           &gW.matrix);
        } else {
            gsl_matrix_view A = rows(w->S[l - 1], 0, nb, np);
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &G.matrix, &A.matrix,
                           beta, &gW.matrix);
        }
        add_colsums(&G.matrix, beta, out->data + w->boff[l]);
        if (l == 1)
            break;
        gsl_matrix W = layer_W(w, th, l);
        gsl_matrix_view dA = rows(Tn, 0, nb, np);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &G.matrix, &W,
                       0.0, &dA.matrix);
        const gsl_matrix *D = w->Dv[l - 1];
        for (size_t i = 0; i < nb; i++) {
            double *g = dA.matrix.data + i * dA.matrix.tda;
            const double *dd = D->data + i * D->tda;
            for (size_t j = 0; j < np; j++)
                g[j] *= dd[j];
        }
        gsl_matrix *t = T;
        T = Tn;
        Tn = t;
    }
}

/* Backward R-pass: R{G_L} in rows [0, nb) of T1, G_L in rows [nb, 2nb);
 * out = beta out + the block's R{grad} (as backward()). */
static void backward_r(mlp_work *w, const gsl_vector *th, const gsl_vector *U,
                       const gsl_matrix *Xb, gsl_vector *out, double beta)
{
    size_t nb = Xb->size1;
    gsl_matrix *T = w->T1, *Tn = w->T2;
    for (size_t l = w->L; l >= 1; l--) {
        size_t n = w->width[l], np = w->width[l - 1];
        gsl_matrix_view RG = rows(T, 0, nb, n);
        gsl_matrix_view G = rows(T, nb, nb, n);
        gsl_matrix_view TT = rows(T, 0, 2 * nb, n);
        gsl_matrix_view hW = layer_W_out(w, out, l);
        if (l == 1) {
            /* R{A_0} = 0: R{dW_1} = R{G_1}^T X. */
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &RG.matrix, Xb, beta,
                           &hW.matrix);
        } else {
            gsl_matrix_view AA = rows(w->S[l - 1], 0, 2 * nb, np);
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &TT.matrix,
                           &AA.matrix, beta, &hW.matrix);
        }
        add_colsums(&RG.matrix, beta, out->data + w->boff[l]);
        if (l == 1)
            break;
        gsl_matrix W = layer_W(w, th, l);
        gsl_matrix V = layer_W(w, U, l);
        gsl_matrix_view UU = rows(Tn, 0, 2 * nb, np);
        gsl_matrix_view RdA = rows(Tn, 0, nb, np);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &TT.matrix, &W,
                       0.0, &UU.matrix);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &G.matrix, &V,
                       1.0, &RdA.matrix);
        const gsl_matrix *D = w->Dv[l - 1], *Q = w->Qv[l - 1];
        for (size_t i = 0; i < nb; i++) {
            double *r = Tn->data + i * Tn->tda;
            double *g = Tn->data + (nb + i) * Tn->tda;
            const double *dd = D->data + i * D->tda;
            const double *q = Q->data + i * Q->tda;
            for (size_t j = 0; j < np; j++) {
                double dA = g[j];
                r[j] = r[j] * dd[j] + dA * q[j];
                g[j] = dA * dd[j];
            }
        }
        gsl_matrix *t = T;
        T = Tn;
        Tn = t;
    }
}

/* ---------- the decay term ----------
 *
 * Through decay.h's _e variants with exp(lambda) from an ihg_decay_cache:
 * in per-weight mode decay.h's plain functions would take exp() of every
 * lambda_j in every call (~10 ms for 1.8M weights, more than the matrix
 * products of an HVP at n = 50); the cache recomputes only when lambda's
 * contents change (a comparison, ~1 ms).  Bitwise the plain functions'
 * results. */

/* R(theta, lambda); grad += dR/dtheta when grad != NULL. */
static double decay_loss_grad(mlp_work *w, const gsl_vector *theta,
                              const gsl_vector *lambda, gsl_vector *grad)
{
    const double *e = ihg_decay_factors(&w->ecache, lambda);
    return ihg_decay_loss_grad_e(&w->decay, e, theta, grad);
}

/* ---------- the table's functions ---------- */

/* Data loss (mean over data); grad (if not NULL) overwritten with its
 * gradient. */
static double mlp_data_loss(ihg_model *m, const gsl_vector *theta,
                            const ihg_data *data, gsl_vector *grad)
{
    mlp_work *w = m->work;
    size_t n = data->n;
    if (n == 0) {
        if (grad)
            gsl_vector_set_zero(grad);
        return 0.0;
    }
    const gsl_vector *th = contiguous(theta, w->tbuf);
    gsl_vector *out = grad && grad->stride != 1 ? w->obuf : grad;
    double inv_n = 1.0 / (double)n, sl = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, m->d);
        forward(w, th, NULL, &Xb.matrix);
        sl += head(w, data, i0, nb, inv_n, 0, 0);
        if (out)
            backward(w, th, &Xb.matrix, out, i0 == 0 ? 0.0 : 1.0);
    }
    if (out && out != grad)
        gsl_vector_memcpy(grad, out);
    return sl * inv_n;
}

static double mlp_train_loss(ihg_model *m, const gsl_vector *theta,
                             const gsl_vector *lambda, const ihg_data *data,
                             gsl_vector *grad)
{
    mlp_work *w = m->work;
    if (!ihg_model_data_ok("mlp", m->d, data)) {
        ihg_vector_fill_nan(grad);
        return NAN;
    }
    double loss = mlp_data_loss(m, theta, data, grad);
    return loss + decay_loss_grad(w, theta, lambda, grad);
}

static void mlp_train_hvp(ihg_model *m, const gsl_vector *theta,
                          const gsl_vector *lambda, const ihg_data *data,
                          const gsl_vector *u, gsl_vector *Hu)
{
    mlp_work *w = m->work;
    if (!ihg_model_data_ok("mlp", m->d, data)) {
        ihg_vector_fill_nan(Hu);
        return;
    }
    size_t n = data->n;
    if (n == 0) {
        gsl_vector_set_zero(Hu);
    } else {
        const gsl_vector *th = contiguous(theta, w->tbuf);
        const gsl_vector *U = contiguous(u, w->ubuf);
        gsl_vector *out = Hu->stride != 1 ? w->obuf : Hu;
        double inv_n = 1.0 / (double)n;
        for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
            size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
            gsl_matrix_const_view Xb =
                gsl_matrix_const_submatrix(data->X, i0, 0, nb, m->d);
            forward(w, th, U, &Xb.matrix);
            head(w, data, i0, nb, inv_n, 1, nb);
            backward_r(w, th, U, &Xb.matrix, out, i0 == 0 ? 0.0 : 1.0);
        }
        if (out != Hu)
            gsl_vector_memcpy(Hu, out);
    }
    ihg_decay_add_hvp_e(&w->decay, ihg_decay_factors(&w->ecache, lambda), u,
                        Hu);
}

static void mlp_train_jtvp(ihg_model *m, const gsl_vector *theta,
                           const gsl_vector *lambda, const ihg_data *data,
                           const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    mlp_work *w = m->work;
    ihg_decay_jtvp_e(&w->decay, ihg_decay_factors(&w->ecache, lambda), theta,
                     u, out);
}

static double mlp_val_loss(ihg_model *m, const gsl_vector *theta,
                           const gsl_vector *lambda, const ihg_data *data,
                           gsl_vector *grad_theta, gsl_vector *grad_lambda)
{
    (void)lambda;
    if (grad_lambda)
        gsl_vector_set_zero(grad_lambda);
    if (!ihg_model_data_ok("mlp", m->d, data)) {
        ihg_vector_fill_nan(grad_theta);
        return NAN;
    }
    return mlp_data_loss(m, theta, data, grad_theta);
}

static double mlp_accuracy(ihg_model *m, const gsl_vector *theta,
                           const ihg_data *data)
{
    mlp_work *w = m->work;
    if (w->regression || !ihg_model_data_ok("mlp", m->d, data))
        return NAN;
    size_t n = data->n, k = m->k, right = 0;
    if (n == 0)
        return 0.0;
    const gsl_vector *th = contiguous(theta, w->tbuf);
    const gsl_matrix *S = w->S[w->L];
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, m->d);
        forward(w, th, NULL, &Xb.matrix);
        for (size_t i = 0; i < nb; i++) {
            const double *z = S->data + i * S->tda;
            right += ihg_sm_argmax(z, k) ==
                     ihg_sm_label(gsl_vector_get(data->y, i0 + i), k);
        }
    }
    return (double)right / (double)n;
}

/* L_V and accuracy from one forward pass per block (the test set is
 * measured at every outer step: this halves that cost). */
static double mlp_val_metrics(ihg_model *m, const gsl_vector *theta,
                              const gsl_vector *lambda, const ihg_data *data,
                              double *accuracy)
{
    (void)lambda;
    mlp_work *w = m->work;
    *accuracy = NAN;
    if (!ihg_model_data_ok("mlp", m->d, data))
        return NAN;
    size_t n = data->n, k = m->k, right = 0;
    if (n == 0) {
        *accuracy = w->regression ? NAN : 0.0;
        return 0.0;
    }
    const gsl_vector *th = contiguous(theta, w->tbuf);
    const gsl_matrix *S = w->S[w->L];
    double inv_n = 1.0 / (double)n, sl = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, m->d);
        forward(w, th, NULL, &Xb.matrix);
        if (!w->regression)
            for (size_t i = 0; i < nb; i++) /* argmax of the logits */
                right += ihg_sm_argmax(S->data + i * S->tda, k) ==
                         ihg_sm_label(gsl_vector_get(data->y, i0 + i), k);
        sl += head(w, data, i0, nb, inv_n, 0, 0);
    }
    if (!w->regression)
        *accuracy = (double)right / (double)n;
    return sl * inv_n;
}

static int mlp_segments(const ihg_model *m, ihg_hyper_layout *layout)
{
    return ihg_decay_segments(&((const mlp_work *)m->work)->decay, layout);
}

/* J u: lambda enters L_T only through the decay (decay.h) */
static void mlp_train_jvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                         const ihg_data *data, const gsl_vector *u, gsl_vector *out)
{
    (void)data;
    ihg_decay_jvp(&((const mlp_work *)m->work)->decay, theta, lambda, u, out);
}

const ihg_model_type ihg_model_mlp_type = {
    .name = "mlp",
    .task = IHG_TASK_MULTICLASS,
    .options = mlp_option_table,
    .options_size = sizeof(mlp_options),
    .hyper_segments = mlp_segments,
    .init = mlp_init,
    .free = mlp_free,
    .init_theta = mlp_init_theta,
    .init_lambda = mlp_init_lambda,
    .train_loss = mlp_train_loss,
    .train_hvp = mlp_train_hvp,
    .train_jtvp = mlp_train_jtvp,
    .train_jvp = mlp_train_jvp,
    .train_hessian = NULL,
    .val_loss = mlp_val_loss,
    .accuracy = mlp_accuracy,
    .val_metrics = mlp_val_metrics,
    .solve_inner = NULL,
};

const ihg_model_type *const ihg_model_mlp = &ihg_model_mlp_type;
