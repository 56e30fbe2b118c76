/* augment.c - learned data augmentation: the hyperparameters are every
 * weight of a network that augments the training images (Lorraine, Vicol &
 * Duvenaud 2020, section 5.4).
 *
 * Classifier f_theta: a tanh network (net_core.h) d - hidden... - k with a
 * softmax head (hidden: [0]: no hidden layer, softmax regression, whose L_T
 * is convex); theta = its weights and biases (P).  Augmenter g_lambda: a
 * tanh network (d + n_eps) - aug_hidden... - d whose input is the image x
 * beside a noise vector eps, and which adds a bounded residual to the image:
 *
 *     x~ = a_lambda(x, eps) = x + s tanh(g_lambda([x; eps])),   s = aug_scale
 *
 * lambda = every weight and bias of g (Hn; 102,224 for 784 pixels, 16 noise
 * inputs and one hidden layer of 64).  eps ~ N(0, I) (aug_noise entries) is
 * fresh for every example at every inner step, and reproducible: entry j of
 * row i under the draw (outer, step) of set_draw is a normal made by
 * Box-Muller from two counter-based hashes of (seed, outer, step, i, j)
 * (splitmix64), so a replayed step sees the very noise it ran with.  The
 * point where outer step o takes its hypergradient has a draw of its own,
 * (o, IHG_DRAW_POINT): H, J, the record's L_T all see one noise sample.
 *
 * Losses, on a data set of n rows (x_i, y_i), x~_i the augmentation of x_i:
 *   L_T = 1/n sum_i CE(f_theta(x~_i), y_i) + 1/2 e ||W||^2   (e = exp(log_decay)
 *         fixed, on the classifier's weights, not its biases)
 *   L_V = 1/n sum_i CE(f_theta(x_i), y_i)   on the clean validation images
 * Derivatives (net_core.h for the network passes):
 *   dL_T/dtheta  backprop of the cross-entropy through f at x~, + e W
 *   H u          the R-op of f along u at fixed x~ (exact), + e u_W
 *   J^T u        J = d2 L_T / dtheta dlambda, and lambda enters only
 *                through x~, so with D(x~) = <dL_T/dtheta, u>:
 *                  J^T u = sum_i (dx~_i/dlambda)^T dD/dx~_i,
 *                  dD/dx~_i = R_u{dl/dx~_i} (the R-op of the input gradient
 *                  along u: the mixed partial, by symmetry),
 *                and (dx~/dlambda)^T w is g's backward pass with the output
 *                gradient s (1 - tanh^2(g)) .* w.
 *   J u          (forward mode) R{x~} = s (1 - tanh^2(g)) .* R_u{g} (g's R-op
 *                along u), then the R-op of dL_T/dtheta along the input
 *                direction R{x~} at fixed theta.
 *   dL_V/dtheta  backprop on the clean images;  dL_V/dlambda = 0.
 * H is singular along the shift of the output biases (softmax): null_space.
 *
 * augment (the option) chooses what the classifier trains on:
 *   learned  x~ = a_lambda(x, eps) as above
 *   none     x~ = x: lambda is not in L_T (its segment says so), the
 *            hypergradient is 0: the baseline without augmentation
 *   fixed    a hand-written augmentation: x shifted by (dx, dy), each
 *            uniform in -fixed_shift..fixed_shift, the pixels shifted in
 *            zero, plus N(0, fixed_noise^2) noise on every pixel; drawn per
 *            example and step like eps (lambda not in L_T)
 * Images are image_rows x image_cols (data.images); other data are one row
 * of d pixels for the shifts.
 *
 * Initialisation: the classifier's weights LeCun normal with gain
 * init_scale / 0.01 (as mlp), biases 0; g's hidden layers LeCun normal
 * (gain 1), its last layer with gain aug_init_gain (small: the augmentation
 * starts near the identity).  The augmented images of the bound training set
 * at one draw and one lambda are cached (the Hessian-vector products of a
 * solve all see them); minibatches are augmented afresh.
 */
#include "model.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"
#include "decay.h"
#include "net_core.h"
#include "softmax_core.h"

#define AUG_MAX_CHUNK 1024
#define AUG_MAX_HIDDEN 8
#define AUG_REF_INIT_SCALE 0.01 /* init_scale giving gain 1 (as mlp) */
#define AUG_CACHE_MAX_ROWS 20000

typedef enum { AUG_LEARNED = 0, AUG_NONE, AUG_FIXED } aug_mode;

/* The keys of `model` for kind: augment. */
typedef struct {
    double init_scale;
    long hidden[AUG_MAX_HIDDEN];
    size_t n_hidden;
    double log_decay;
    int mode;                        /* augment: aug_mode */
    long aug_hidden[AUG_MAX_HIDDEN];
    size_t n_aug_hidden;
    long aug_noise;
    double aug_scale;
    double aug_init_gain;
    long fixed_shift;
    double fixed_noise;
} augment_options;

static const char *const aug_modes[] = {"learned", "none", "fixed", NULL};

static const ihg_option augment_option_table[] = {
    IHG_OPTION_INIT_SCALE(augment_options, init_scale),
    {.name = "hidden", .type = IHG_OPT_INTS, .off = offsetof(augment_options, hidden),
     .count_off = offsetof(augment_options, n_hidden), .max_count = AUG_MAX_HIDDEN,
     .unit = "layer", .lo = 0, .hi = 100000, .def_ints = (const long[]){100},
     .def_count = 1,
     .help = "the widths of the classifier's hidden layers; [0]: none (softmax regression)"},
    {.name = "log_decay", .type = IHG_OPT_REAL, .off = offsetof(augment_options, log_decay),
     .lo = -100, .hi = 100, .def = -6,
     .help = "the fixed log weight decay of the classifier's weights"},
    {.name = "augment", .type = IHG_OPT_ENUM, .off = offsetof(augment_options, mode),
     .names = aug_modes, .def = AUG_LEARNED,
     .help = "what the classifier trains on: learned, none or fixed augmentation"},
    {.name = "aug_hidden", .type = IHG_OPT_INTS,
     .off = offsetof(augment_options, aug_hidden),
     .count_off = offsetof(augment_options, n_aug_hidden), .max_count = AUG_MAX_HIDDEN,
     .unit = "layer", .lo = 1, .hi = 100000, .def_ints = (const long[]){64},
     .def_count = 1, .help = "the widths of the augmenter's hidden layers"},
    {.name = "aug_noise", .type = IHG_OPT_INT, .off = offsetof(augment_options, aug_noise),
     .lo = 0, .hi = 100000, .def = 16,
     .help = "noise inputs of the augmenter (fresh per example and step)"},
    {.name = "aug_scale", .type = IHG_OPT_REAL, .off = offsetof(augment_options, aug_scale),
     .lo = 0, .hi = 100, .lo_open = 1, .def = 0.5,
     .help = "s: the augmenter changes a pixel by less than s"},
    {.name = "aug_init_gain", .type = IHG_OPT_REAL,
     .off = offsetof(augment_options, aug_init_gain), .lo = 0, .hi = 100, .def = 0.1,
     .help = "gain of the augmenter's initial last layer (0: the identity)"},
    {.name = "fixed_shift", .type = IHG_OPT_INT,
     .off = offsetof(augment_options, fixed_shift), .lo = 0, .hi = 1000, .def = 1,
     .help = "augment: fixed: largest shift in pixels"},
    {.name = "fixed_noise", .type = IHG_OPT_REAL,
     .off = offsetof(augment_options, fixed_noise), .lo = 0, .hi = 100, .def = 0.1,
     .help = "augment: fixed: standard deviation of the pixel noise"},
    {.name = NULL},
};

typedef struct {
    aug_mode mode;
    size_t d, k, n_eps, din;   /* pixels, classes, noise inputs, d + n_eps  */
    size_t rows, cols;         /* image geometry for the shifts             */
    double s;                  /* aug_scale                                 */
    long shift;
    double pix_noise;
    uint64_t seed;
    long outer, step;          /* the draw                                  */
    ihg_net cls, aug;
    ihg_decay decay;           /* the classifier's weights, fixed decay     */
    double log_decay;
    gsl_vector_view fixed_lambda;
    size_t chunk;
    gsl_matrix *In;            /* chunk x din: [x, eps]                     */
    gsl_matrix *Xa;            /* chunk x d: augmented rows                 */
    gsl_matrix *R;             /* chunk x d: R{x~} or R_u{dl/dx~}           */
    gsl_vector *tbuf, *ubuf, *obuf; /* P: contiguous copies                 */
    gsl_vector *lbuf, *lubuf, *lobuf; /* Hn                                 */
    /* the augmented bound training set at one draw and lambda */
    gsl_matrix *cache;
    size_t cache_rows;
    ihg_cache_key cache_key;
    long cache_outer, cache_step;
    gsl_vector *cache_lambda;
    /* the augmenter's workspace holds the forward pass of the whole cached
     * set (one block: it fits), so J^T u need not run it again */
    int aug_holds_cache;
} augment_work;

/* ---- the noise ---- */

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The hash of row i under the current draw. */
static uint64_t row_key(const augment_work *w, size_t i)
{
    uint64_t k = mix64(w->seed);
    k = mix64(k ^ (uint64_t)(w->outer + 1));
    k = mix64(k ^ (uint64_t)(w->step + 2));
    return mix64(k ^ mix64((uint64_t)i));
}

static double unit_open(uint64_t h) /* (0, 1] */
{
    return ((double)(h >> 11) + 1.0) * 0x1.0p-53;
}

/* Entry j of a standard normal stream keyed by h (Box-Muller). */
static double normal_at(uint64_t h, uint64_t j)
{
    double u1 = unit_open(mix64(h + 2 * j + 1)), u2 = unit_open(mix64(h + 2 * j + 2));
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* ---- set-up ---- */

static void augment_free(ihg_model *m)
{
    augment_work *w = m->work;
    if (!w)
        return;
    ihg_net_free(&w->cls);
    ihg_net_free(&w->aug);
    gsl_matrix *ms[] = {w->In, w->Xa, w->R, w->cache};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        if (ms[i])
            gsl_matrix_free(ms[i]);
    gsl_vector *vs[] = {w->tbuf, w->ubuf, w->obuf, w->lbuf, w->lubuf, w->lobuf,
                        w->cache_lambda};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    free(w);
    m->work = NULL;
}

static int augment_init(ihg_model *m, const ihg_config *cfg, const ihg_dataset *ds,
                        size_t max_rows)
{
    const augment_options *o = cfg->model.opts;
    if (!ds || ds->d == 0)
        return ihg_error_set(IHG_EINVAL, "augment: the data set has no features");
    if (ds->k < 2)
        return ihg_error_set(IHG_EINVAL,
                             "augment: needs at least 2 classes (the data set has %zu)", ds->k);
    augment_work *w = calloc(1, sizeof *w);
    if (!w)
        return ihg_error_set(IHG_ENOMEM, "out of memory (augment model)");
    m->work = w;
    w->mode = (aug_mode)o->mode;
    w->d = ds->d;
    w->k = ds->k;
    w->n_eps = (size_t)o->aug_noise;
    w->din = w->d + w->n_eps;
    w->rows = ds->image_rows && ds->image_cols && ds->image_rows * ds->image_cols == ds->d
                  ? ds->image_rows : 1;
    w->cols = w->d / w->rows;
    w->s = o->aug_scale;
    w->shift = o->fixed_shift;
    w->pix_noise = o->fixed_noise;
    w->seed = cfg->seed;
    w->outer = 0;
    w->step = IHG_DRAW_POINT;
    w->chunk = ihg_model_chunk_rows(ds, max_rows, AUG_MAX_CHUNK);

    size_t width[AUG_MAX_HIDDEN + 2];
    /* hidden: [0] is the linear classifier; a width 0 beside others is not */
    size_t n_hidden = o->n_hidden == 1 && o->hidden[0] == 0 ? 0 : o->n_hidden;
    width[0] = w->d;
    for (size_t l = 0; l < n_hidden; l++) {
        if (o->hidden[l] < 1) {
            ihg_error_set(IHG_EINVAL, "augment: hidden layer %zu has no units (hidden: [0] "
                          "alone means no hidden layer)", l + 1);
            goto fail;
        }
        width[l + 1] = (size_t)o->hidden[l];
    }
    width[n_hidden + 1] = w->k;
    if (ihg_net_init(&w->cls, n_hidden + 1, width, w->chunk) != IHG_OK)
        goto fail;
    width[0] = w->din;
    for (size_t l = 0; l < o->n_aug_hidden; l++)
        width[l + 1] = (size_t)o->aug_hidden[l];
    width[o->n_aug_hidden + 1] = w->d;
    if (ihg_net_init(&w->aug, o->n_aug_hidden + 1, width, w->chunk) != IHG_OK)
        goto fail;
    size_t P = w->cls.P, Hn = w->aug.P;
    w->cache_rows = ds->train && ds->train->n <= AUG_CACHE_MAX_ROWS ? ds->train->n : 0;
    int ok = (w->In = gsl_matrix_alloc(w->chunk, w->din)) != NULL &&
             (w->Xa = gsl_matrix_alloc(w->chunk, w->d)) != NULL &&
             (w->R = gsl_matrix_alloc(w->chunk, w->d)) != NULL &&
             (w->tbuf = gsl_vector_alloc(P)) != NULL && (w->ubuf = gsl_vector_alloc(P)) != NULL &&
             (w->obuf = gsl_vector_alloc(P)) != NULL && (w->lbuf = gsl_vector_alloc(Hn)) != NULL &&
             (w->lubuf = gsl_vector_alloc(Hn)) != NULL &&
             (w->lobuf = gsl_vector_alloc(Hn)) != NULL &&
             (w->cache_lambda = gsl_vector_alloc(Hn)) != NULL;
    if (ok && w->cache_rows > 0 && w->mode != AUG_NONE)
        ok = (w->cache = gsl_matrix_alloc(w->cache_rows, w->d)) != NULL;
    if (!ok) {
        ihg_error_set(IHG_ENOMEM, "out of memory (augment workspace: %zu parameters, %zu "
                      "hyperparameters)", P, Hn);
        goto fail;
    }
    w->log_decay = o->log_decay;
    w->fixed_lambda = gsl_vector_view_array(&w->log_decay, 1);
    ihg_decay_init(&w->decay, IHG_HYPER_GLOBAL);
    for (size_t l = 1; l <= w->cls.L; l++)
        if (ihg_decay_add_range(&w->decay, w->cls.woff[l],
                                w->cls.width[l] * w->cls.width[l - 1]) != IHG_OK)
            goto fail;
    m->d = w->d;
    m->k = w->k;
    m->P = P;
    m->Hn = Hn;
    return IHG_OK;
fail:
    augment_free(m);
    return ihg_error_status() ? ihg_error_status() : IHG_EINVAL;
}

static void augment_init_theta(const ihg_model *m, gsl_vector *theta, gsl_rng *rng)
{
    const augment_work *w = m->work;
    const augment_options *o = m->cfg->model.opts;
    double gain = o->init_scale / AUG_REF_INIT_SCALE;
    ihg_net_init_params(&w->cls, w->tbuf->data, rng, gain, gain);
    gsl_vector_memcpy(theta, w->tbuf);
}

static void augment_init_lambda(const ihg_model *m, gsl_vector *lambda, gsl_rng *rng)
{
    const augment_work *w = m->work;
    const augment_options *o = m->cfg->model.opts;
    ihg_net_init_params(&w->aug, w->lbuf->data, rng, 1.0, o->aug_init_gain);
    gsl_vector_memcpy(lambda, w->lbuf);
}

static int augment_segments(const ihg_model *m, ihg_hyper_layout *layout)
{
    const augment_work *w = m->work;
    return ihg_hyper_layout_add(layout, IHG_OWNER_MODEL, "augmenter weight", m->Hn,
                                IHG_TRANSFORM_IDENTITY, w->mode == AUG_LEARNED);
}

static void augment_set_draw(ihg_model *m, long outer, long step)
{
    augment_work *w = m->work;
    w->outer = outer;
    w->step = step;
}

/* ---- helpers ---- */

static const gsl_vector *contiguous(const gsl_vector *v, gsl_vector *buf)
{
    if (v->stride == 1)
        return v;
    gsl_vector_memcpy(buf, v);
    return buf;
}

static gsl_vector *out_buffer(gsl_vector *out, gsl_vector *buf)
{
    return out->stride == 1 ? out : buf;
}

static void finish_out(gsl_vector *out, gsl_vector *used)
{
    if (used != out)
        gsl_vector_memcpy(out, used);
}

/* The augmenter's input [x, eps] for rows [i0, i0 + nb) of X. */
static void fill_input(augment_work *w, const gsl_matrix *X, size_t i0, size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        double *in = w->In->data + i * w->In->tda;
        const double *x = X->data + (i0 + i) * X->tda;
        memcpy(in, x, w->d * sizeof *in);
        uint64_t h = row_key(w, i0 + i);
        for (size_t j = 0; j < w->n_eps; j++)
            in[w->d + j] = normal_at(h, j);
    }
}

/* The hand-written augmentation of rows [i0, i0 + nb) into Xa. */
static void fixed_rows(augment_work *w, const gsl_matrix *X, size_t i0, size_t nb,
                       gsl_matrix *Xa)
{
    long S = w->shift, rows = (long)w->rows, cols = (long)w->cols;
    for (size_t i = 0; i < nb; i++) {
        const double *x = X->data + (i0 + i) * X->tda;
        double *xa = Xa->data + i * Xa->tda;
        uint64_t h = row_key(w, i0 + i);
        long dx = (long)(unit_open(mix64(h ^ 0x5851f42d4c957f2dULL)) * (double)(2 * S + 1)) - S;
        long dy = (long)(unit_open(mix64(h ^ 0x14057b7ef767814fULL)) * (double)(2 * S + 1)) - S;
        if (dx > S) /* unit_open can give exactly 1 */
            dx = S;
        if (dy > S)
            dy = S;
        if (rows == 1)
            dy = 0;
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++) {
                long sr = r - dy, sc = c - dx;
                double p = sr >= 0 && sr < rows && sc >= 0 && sc < cols ? x[sr * cols + sc] : 0.0;
                xa[r * cols + c] = p + (w->pix_noise > 0 ? w->pix_noise *
                                            normal_at(h, (uint64_t)(r * cols + c)) : 0.0);
            }
    }
}

/* The learned augmentation of rows [i0, i0 + nb): g forward on [x, eps]
 * (with the R-pass along V when V != NULL), then its output block holds
 * tanh(g) and Xa = x + s tanh(g); with V, R = s (1 - tanh^2) .* R{g}. */
static void learned_rows(augment_work *w, const double *lam, const gsl_matrix *X, size_t i0,
                         size_t nb, gsl_matrix *Xa, const double *V)
{
    w->aug_holds_cache = 0;
    fill_input(w, X, i0, nb);
    gsl_matrix_view in = gsl_matrix_submatrix(w->In, 0, 0, nb, w->din);
    ihg_net_forward(&w->aug, lam, &in.matrix, V, NULL);
    gsl_matrix_view Y = ihg_net_out(&w->aug, nb), RY = ihg_net_rout(&w->aug, nb);
    for (size_t i = 0; i < nb; i++) {
        double *y = Y.matrix.data + i * Y.matrix.tda;
        double *ry = V ? RY.matrix.data + i * RY.matrix.tda : NULL;
        double *r = V ? w->R->data + i * w->R->tda : NULL;
        const double *x = X->data + (i0 + i) * X->tda;
        double *xa = Xa->data + i * Xa->tda;
        for (size_t j = 0; j < w->d; j++) {
            double t = tanh(y[j]);
            y[j] = t;
            xa[j] = x[j] + w->s * t;
            if (r)
                r[j] = w->s * (1.0 - t * t) * ry[j];
        }
    }
}

/* Rows [i0, i0 + nb) of data as the classifier trains on them: a view of
 * the data itself (none), of the cached augmented set, or of Xa. */
static gsl_matrix train_rows(augment_work *w, const double *lam, const ihg_data *data,
                             int cached, size_t i0, size_t nb)
{
    if (w->mode == AUG_NONE || cached) {
        gsl_matrix_const_view v =
            gsl_matrix_const_submatrix(cached ? w->cache : data->X, i0, 0, nb, w->d);
        return v.matrix;
    }
    gsl_matrix_view xa = gsl_matrix_submatrix(w->Xa, 0, 0, nb, w->d);
    if (w->mode == AUG_FIXED)
        fixed_rows(w, data->X, i0, nb, &xa.matrix);
    else
        learned_rows(w, lam, data->X, i0, nb, &xa.matrix, NULL);
    return xa.matrix;
}

/* Whether data is the bound training set, augmented at this draw and
 * lambda in the cache; fills the cache when it can.  Returns 1 when the
 * cache holds data's rows. */
static int use_cache(ihg_model *m, const double *lam, const ihg_data *data)
{
    augment_work *w = m->work;
    if (!w->cache || !m->ds || data != m->ds->train || data->n > w->cache_rows)
        return 0;
    gsl_vector_const_view lv = gsl_vector_const_view_array(lam, m->Hn);
    if (ihg_cache_key_matches(&w->cache_key, data) && w->cache_outer == w->outer &&
        w->cache_step == w->step &&
        (w->mode != AUG_LEARNED || ihg_vector_same_bits(w->cache_lambda, &lv.vector)))
        return 1;
    for (size_t i0 = 0; i0 < data->n; i0 += w->chunk) {
        size_t nb = data->n - i0 < w->chunk ? data->n - i0 : w->chunk;
        gsl_matrix_view dst = gsl_matrix_submatrix(w->cache, i0, 0, nb, w->d);
        if (w->mode == AUG_FIXED)
            fixed_rows(w, data->X, i0, nb, &dst.matrix);
        else
            learned_rows(w, lam, data->X, i0, nb, &dst.matrix, NULL);
    }
    ihg_cache_key_set(&w->cache_key, data);
    w->cache_outer = w->outer;
    w->cache_step = w->step;
    gsl_vector_memcpy(w->cache_lambda, &lv.vector);
    /* one block: the augmenter's workspace now holds its forward pass */
    w->aug_holds_cache = w->mode == AUG_LEARNED && data->n <= w->chunk;
    return 1;
}

/* The head on the classifier's outputs for rows [i0, i0 + nb): G_L =
 * (P - Y) inv_n into the gradient block, and with R, R{G_L} = the softmax
 * R-op of R{Z_L} times inv_n.  Returns the rows' summed cross-entropy. */
static double head(augment_work *w, const ihg_data *data, size_t i0, size_t nb, double inv_n,
                   int R)
{
    size_t k = w->k;
    gsl_matrix_view Z = ihg_net_out(&w->cls, nb), RZ = ihg_net_rout(&w->cls, nb);
    gsl_matrix_view G = ihg_net_gout(&w->cls, nb), RG = ihg_net_rgout(&w->cls, nb);
    double sl = 0.0;
    for (size_t i = 0; i < nb; i++) {
        const double *z = Z.matrix.data + i * Z.matrix.tda;
        double *g = G.matrix.data + i * G.matrix.tda;
        size_t c = ihg_sm_label(gsl_vector_get(data->y, i0 + i), k);
        double zc = c < k ? z[c] : NAN;
        memcpy(g, z, k * sizeof *g);
        sl += ihg_sm_row(g, k) - zc;
        if (R)
            ihg_sm_rop_row(g, RZ.matrix.data + i * RZ.matrix.tda,
                           RG.matrix.data + i * RG.matrix.tda, k, inv_n);
        if (c < k)
            g[c] -= 1.0;
        for (size_t a = 0; a < k; a++)
            g[a] *= inv_n;
    }
    return sl;
}

/* ---- the table's functions ---- */

static double augment_train_loss(ihg_model *m, const gsl_vector *theta,
                                 const gsl_vector *lambda, const ihg_data *data,
                                 gsl_vector *grad)
{
    augment_work *w = m->work;
    if (!ihg_model_data_ok("augment", m->d, data)) {
        ihg_vector_fill_nan(grad);
        return NAN;
    }
    const double *th = contiguous(theta, w->tbuf)->data;
    const double *lam = contiguous(lambda, w->lbuf)->data;
    gsl_vector *out = grad ? out_buffer(grad, w->obuf) : NULL;
    size_t n = data->n;
    double sl = 0.0, inv_n = n ? 1.0 / (double)n : 0.0;
    if (out && n == 0)
        gsl_vector_set_zero(out);
    int cached = use_cache(m, lam, data);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix X = train_rows(w, lam, data, cached, i0, nb);
        ihg_net_forward(&w->cls, th, &X, NULL, NULL);
        sl += head(w, data, i0, nb, inv_n, 0);
        if (out)
            ihg_net_backward(&w->cls, th, &X, out->data, i0 ? 1.0 : 0.0, NULL);
    }
    if (out) {
        finish_out(grad, out);
        ihg_decay_add_grad(&w->decay, theta, &w->fixed_lambda.vector, grad);
    }
    return sl * inv_n + ihg_decay_loss(&w->decay, theta, &w->fixed_lambda.vector);
}

static void augment_train_hvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                              const ihg_data *data, const gsl_vector *u, gsl_vector *Hu)
{
    augment_work *w = m->work;
    if (!ihg_model_data_ok("augment", m->d, data)) {
        ihg_vector_fill_nan(Hu);
        return;
    }
    const double *th = contiguous(theta, w->tbuf)->data;
    const double *lam = contiguous(lambda, w->lbuf)->data;
    const double *U = contiguous(u, w->ubuf)->data;
    gsl_vector *out = out_buffer(Hu, w->obuf);
    size_t n = data->n;
    double inv_n = n ? 1.0 / (double)n : 0.0;
    if (n == 0)
        gsl_vector_set_zero(out);
    int cached = use_cache(m, lam, data);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix X = train_rows(w, lam, data, cached, i0, nb);
        ihg_net_forward(&w->cls, th, &X, U, NULL);
        head(w, data, i0, nb, inv_n, 1);
        ihg_net_backward_r(&w->cls, th, U, &X, NULL, out->data, i0 ? 1.0 : 0.0, NULL);
    }
    finish_out(Hu, out);
    ihg_decay_add_hvp(&w->decay, &w->fixed_lambda.vector, u, Hu);
}

/* The start of J^T u and J u: 0 when out is already the answer (zeros:
 * lambda is not in L_T; NaN: data the model cannot read), else 1. */
static int mixed_begin(ihg_model *m, const ihg_data *data, gsl_vector *out)
{
    const augment_work *w = m->work;
    if (w->mode != AUG_LEARNED) {
        gsl_vector_set_zero(out);
        return 0;
    }
    if (!ihg_model_data_ok("augment", m->d, data)) {
        ihg_vector_fill_nan(out);
        return 0;
    }
    return 1;
}

static void augment_train_jtvp(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               const gsl_vector *u, gsl_vector *out)
{
    augment_work *w = m->work;
    if (!mixed_begin(m, data, out))
        return;
    const double *th = contiguous(theta, w->tbuf)->data;
    const double *lam = contiguous(lambda, w->lbuf)->data;
    const double *U = contiguous(u, w->ubuf)->data;
    gsl_vector *o = out_buffer(out, w->lobuf);
    size_t n = data->n;
    double inv_n = n ? 1.0 / (double)n : 0.0;
    if (n == 0)
        gsl_vector_set_zero(o);
    /* the bound training set in one block: x~ and g's forward pass are
     * those of the cache */
    int reuse = use_cache(m, lam, data) && w->aug_holds_cache;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_view xa = reuse ? gsl_matrix_submatrix(w->cache, 0, 0, nb, w->d)
                                   : gsl_matrix_submatrix(w->Xa, 0, 0, nb, w->d);
        gsl_matrix_view R = gsl_matrix_submatrix(w->R, 0, 0, nb, w->d);
        /* g forward (kept: its backward follows), x~ */
        if (!reuse)
            learned_rows(w, lam, data->X, i0, nb, &xa.matrix, NULL);
        /* R_u{dl/dx~}: the classifier's R-op along u at fixed x~ */
        ihg_net_forward(&w->cls, th, &xa.matrix, U, NULL);
        head(w, data, i0, nb, inv_n, 1);
        ihg_net_backward_r(&w->cls, th, U, &xa.matrix, NULL, NULL, 0.0, &R.matrix);
        /* through x~ = x + s tanh(g): g's output gradient s (1 - t^2) .* R */
        gsl_matrix_view T = ihg_net_out(&w->aug, nb), GY = ihg_net_gout(&w->aug, nb);
        for (size_t i = 0; i < nb; i++) {
            const double *t = T.matrix.data + i * T.matrix.tda;
            const double *r = R.matrix.data + i * R.matrix.tda;
            double *gy = GY.matrix.data + i * GY.matrix.tda;
            for (size_t j = 0; j < w->d; j++)
                gy[j] = w->s * (1.0 - t[j] * t[j]) * r[j];
        }
        gsl_matrix_view in = gsl_matrix_submatrix(w->In, 0, 0, nb, w->din);
        ihg_net_backward(&w->aug, lam, &in.matrix, o->data, i0 ? 1.0 : 0.0, NULL);
    }
    finish_out(out, o);
}

static void augment_train_jvp(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                              const ihg_data *data, const gsl_vector *u, gsl_vector *out)
{
    augment_work *w = m->work;
    if (!mixed_begin(m, data, out))
        return;
    const double *th = contiguous(theta, w->tbuf)->data;
    const double *lam = contiguous(lambda, w->lbuf)->data;
    const double *U = contiguous(u, w->lubuf)->data;
    gsl_vector *o = out_buffer(out, w->obuf);
    size_t n = data->n;
    double inv_n = n ? 1.0 / (double)n : 0.0;
    if (n == 0)
        gsl_vector_set_zero(o);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_view xa = gsl_matrix_submatrix(w->Xa, 0, 0, nb, w->d);
        gsl_matrix_view R = gsl_matrix_submatrix(w->R, 0, 0, nb, w->d);
        learned_rows(w, lam, data->X, i0, nb, &xa.matrix, U); /* x~ and R{x~} */
        ihg_net_forward(&w->cls, th, &xa.matrix, NULL, &R.matrix);
        head(w, data, i0, nb, inv_n, 1);
        ihg_net_backward_r(&w->cls, th, NULL, &xa.matrix, &R.matrix, o->data, i0 ? 1.0 : 0.0,
                           NULL);
    }
    finish_out(out, o);
}

/* Mean cross-entropy on clean rows (and its gradient, and the hits). */
static double clean_loss(ihg_model *m, const gsl_vector *theta, const ihg_data *data,
                         gsl_vector *grad, size_t *hits)
{
    augment_work *w = m->work;
    const double *th = contiguous(theta, w->tbuf)->data;
    gsl_vector *out = grad ? out_buffer(grad, w->obuf) : NULL;
    size_t n = data->n, right = 0;
    double sl = 0.0, inv_n = n ? 1.0 / (double)n : 0.0;
    if (out && n == 0)
        gsl_vector_set_zero(out);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view X = gsl_matrix_const_submatrix(data->X, i0, 0, nb, w->d);
        ihg_net_forward(&w->cls, th, &X.matrix, NULL, NULL);
        if (hits) {
            gsl_matrix_view Z = ihg_net_out(&w->cls, nb);
            for (size_t i = 0; i < nb; i++)
                right += ihg_sm_argmax(Z.matrix.data + i * Z.matrix.tda, w->k) ==
                         ihg_sm_label(gsl_vector_get(data->y, i0 + i), w->k);
        }
        sl += head(w, data, i0, nb, inv_n, 0);
        if (out)
            ihg_net_backward(&w->cls, th, &X.matrix, out->data, i0 ? 1.0 : 0.0, NULL);
    }
    if (out)
        finish_out(grad, out);
    if (hits)
        *hits = right;
    return sl * inv_n;
}

static double augment_val_loss(ihg_model *m, const gsl_vector *theta, const gsl_vector *lambda,
                               const ihg_data *data, gsl_vector *grad_theta,
                               gsl_vector *grad_lambda)
{
    (void)lambda;
    if (grad_lambda)
        gsl_vector_set_zero(grad_lambda);
    if (!ihg_model_data_ok("augment", m->d, data)) {
        ihg_vector_fill_nan(grad_theta);
        return NAN;
    }
    return clean_loss(m, theta, data, grad_theta, NULL);
}

static double augment_val_metrics(ihg_model *m, const gsl_vector *theta,
                                  const gsl_vector *lambda, const ihg_data *data,
                                  double *accuracy)
{
    (void)lambda;
    *accuracy = NAN;
    if (!ihg_model_data_ok("augment", m->d, data))
        return NAN;
    size_t hits = 0;
    double l = clean_loss(m, theta, data, NULL, &hits);
    *accuracy = data->n ? (double)hits / (double)data->n : 0.0;
    return l;
}

static double augment_accuracy(ihg_model *m, const gsl_vector *theta, const ihg_data *data)
{
    double acc;
    augment_val_metrics(m, theta, NULL, data, &acc);
    return acc;
}

static size_t augment_null_space(const ihg_model *m, gsl_matrix *U)
{
    const augment_work *w = m->work;
    return ihg_sm_bias_null_space(w->cls.boff[w->cls.L], w->k, U);
}

static void augment_rows(ihg_model *m, const gsl_vector *lambda, const ihg_data *data,
                         size_t count, double *out)
{
    augment_work *w = m->work;
    if (!ihg_model_data_ok("augment", m->d, data))
        return;
    const double *lam = w->mode == AUG_LEARNED ? contiguous(lambda, w->lbuf)->data : NULL;
    if (count > data->n)
        count = data->n;
    for (size_t i0 = 0; i0 < count; i0 += w->chunk) {
        size_t nb = count - i0 < w->chunk ? count - i0 : w->chunk;
        gsl_matrix_view dst = gsl_matrix_view_array(out + i0 * w->d, nb, w->d);
        if (w->mode == AUG_NONE)
            for (size_t i = 0; i < nb; i++)
                memcpy(out + (i0 + i) * w->d, data->X->data + (i0 + i) * data->X->tda,
                       w->d * sizeof *out);
        else if (w->mode == AUG_FIXED)
            fixed_rows(w, data->X, i0, nb, &dst.matrix);
        else
            learned_rows(w, lam, data->X, i0, nb, &dst.matrix, NULL);
    }
}

const ihg_model_type ihg_model_augment_type = {
    .name = "augment",
    .task = IHG_TASK_MULTICLASS,
    .flags = IHG_MODEL_AUGMENTS, /* any classification data; images: data.images */
    .options = augment_option_table,
    .options_size = sizeof(augment_options),
    .hyper_segments = augment_segments,
    .init = augment_init,
    .free = augment_free,
    .init_theta = augment_init_theta,
    .init_lambda = augment_init_lambda,
    .train_loss = augment_train_loss,
    .train_hvp = augment_train_hvp,
    .train_jtvp = augment_train_jtvp,
    .train_jvp = augment_train_jvp,
    .val_loss = augment_val_loss,
    .accuracy = augment_accuracy,
    .val_metrics = augment_val_metrics,
    .null_space = augment_null_space,
    .set_draw = augment_set_draw,
    .augment_rows = augment_rows,
};

const ihg_model_type *const ihg_model_augment = &ihg_model_augment_type;
