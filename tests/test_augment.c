/* test_augment.c - the learned-augmentation family (models/augment.c).
 *
 * Derivatives against central differences along random directions
 * (derivcheck.h: h = 1e-5, relative 1e-6 of the quantity's scale; exact
 * identities at 1e-12): the gradient of L_T, H u and its symmetry, J^T u
 * through the augmenter, J u (forward mode) and its adjointness with J^T,
 * dL_V/dtheta, in every mode (learned, fixed, none), from blocked
 * workspaces and strided vectors.  Then what the augmentation is: the
 * augmenter's images against a naive forward pass, the noise's moments, the
 * hand-written shifts, and that draws are reproducible: the same (outer,
 * step) gives the same bits, another gives other numbers, and the cached
 * training set agrees with the same rows passed afresh.
 */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "derivcheck.h" /* IWYU pragma: keep */
#include "error.h"
#include "model.h"

#define ROWS 2
#define COLS 3
#define D (ROWS * COLS)
#define K 3

static void fill(ihg_data *Dt, gsl_rng *rng)
{
    for (size_t i = 0; i < Dt->n; i++) {
        for (size_t j = 0; j < Dt->d; j++)
            gsl_matrix_set(Dt->X, i, j, gsl_rng_uniform(rng));
        gsl_vector_set(Dt->y, i, (double)(i % K));
    }
}

static void make_ds(ihg_dataset *ds, size_t n, size_t nv, gsl_rng *rng)
{
    memset(ds, 0, sizeof *ds);
    ds->train = data_new(n, D);
    ds->val = data_new(nv, D);
    fill(ds->train, rng);
    fill(ds->val, rng);
    ds->d = D;
    ds->k = K;
    ds->task = IHG_TASK_MULTICLASS;
    ds->image_rows = ROWS;
    ds->image_cols = COLS;
}

static ihg_model *make(ihg_config *cfg, const char *keys, const ihg_dataset *ds)
{
    if (cfg_model(cfg, "augment", keys) != 0)
        return NULL;
    ihg_model *m = ihg_model_alloc(ihg_model_augment, cfg, ds, ds->train->n);
    CHECK(m != NULL, "augment {%s} allocates (%s)", keys, m ? "" : ihg_error_message());
    return m;
}

static void check_mode(const char *mode, const ihg_dataset *ds, gsl_rng *rng)
{
    ihg_config cfg;
    char keys[256], tag[64];
    snprintf(keys, sizeof keys,
             "hidden: [5], aug_hidden: [4], aug_noise: 2, aug_scale: 0.4, augment: %s, "
             "log_decay: -1, fixed_shift: 1", mode);
    snprintf(tag, sizeof tag, "augment/%s", mode);
    ihg_model *m = make(&cfg, keys, ds);
    if (!m) {
        ihg_config_free(&cfg);
        return;
    }
    /* classifier 6-5-3: 6*5+5+5*3+3; augmenter 8-4-6: 8*4+4+4*6+6 */
    CHECK(m->P == 53 && m->Hn == 66, "%s: P = %zu (53), Hn = %zu (66)", tag, m->P, m->Hn);
    ctx c = {m, &cfg, ds->train, ds->val, gsl_vector_alloc(m->P), gsl_vector_alloc(m->Hn),
             tag, rng};
    for (size_t i = 0; i < m->P; i++)
        gsl_vector_set(c.theta, i, gsl_ran_gaussian(rng, 0.7));
    for (size_t i = 0; i < m->Hn; i++)
        gsl_vector_set(c.lambda, i, gsl_ran_gaussian(rng, 0.6));
    /* a model with a 7-row workspace starts at the draw (0, point) */
    m->type->set_draw(m, 0, IHG_DRAW_POINT);
    check_blocks_and_strides(&c, ds);
    m->type->set_draw(m, 3, 5);
    check_gradient(&c, c.train, "draw (3, 5)");
    check_hvp(&c, c.train, "draw (3, 5)");
    check_jtvp(&c);
    check_jvp(&c);
    check_val(&c);
    m->type->set_draw(m, 3, IHG_DRAW_POINT);
    check_gradient(&c, c.train, "draw (3, point)");
    check_hvp(&c, c.train, "draw (3, point)");
    check_jtvp(&c);

    /* draws: same draw same bits, another draw other numbers (not none) */
    gsl_vector *g1 = gsl_vector_alloc(m->P), *g2 = gsl_vector_alloc(m->P);
    m->type->set_draw(m, 1, 0);
    double l1 = m->type->train_loss(m, c.theta, c.lambda, c.train, g1);
    m->type->set_draw(m, 1, 1);
    double l2 = m->type->train_loss(m, c.theta, c.lambda, c.train, NULL);
    m->type->set_draw(m, 2, 0);
    double l3 = m->type->train_loss(m, c.theta, c.lambda, c.train, NULL);
    m->type->set_draw(m, 1, 0);
    double l4 = m->type->train_loss(m, c.theta, c.lambda, c.train, g2);
    CHECK(l4 == l1 && rel_diff(g2, g1, 1e-300) == 0.0,
          "%s: the same draw gives the same bits (%.17g, %.17g)", tag, l1, l4);
    if (strcmp(mode, "none") == 0)
        CHECK(l1 == l2 && l1 == l3, "%s: no augmentation, no noise", tag);
    else
        CHECK(l1 != l2 && l1 != l3 && l2 != l3,
              "%s: other steps and outer steps draw other noise (%.6g %.6g %.6g)", tag, l1,
              l2, l3);
    /* the bound training set (cached) and a copy of it (augmented afresh) */
    ihg_data *copy = data_new(c.train->n, D);
    gsl_matrix_memcpy(copy->X, c.train->X);
    gsl_vector_memcpy(copy->y, c.train->y);
    double lc = m->type->train_loss(m, c.theta, c.lambda, copy, g2);
    check_close(lc, l1, RTOL_EXACT, 0.0, "cached training set = its copy", tag);
    CHECK(rel_diff(g2, g1, 1e-300) <= RTOL_EXACT, "%s: cached gradient = its copy's", tag);
    /* a new lambda is seen although the draw and data are the same */
    gsl_vector_add_constant(c.lambda, 0.05);
    double l5 = m->type->train_loss(m, c.theta, c.lambda, c.train, NULL);
    CHECK(strcmp(mode, "learned") != 0 || l5 != l1, "%s: the cache follows lambda", tag);
    gsl_vector_add_constant(c.lambda, -0.05);
    data_del(copy);
    gsl_vector_free(g1);
    gsl_vector_free(g2);
    gsl_vector_free(c.theta);
    gsl_vector_free(c.lambda);
    ihg_model_free(m);
    ihg_config_free(&cfg);
}

/* x~ = x + s tanh(W2 tanh(W1 x + b1) + b2) (no noise inputs), naively. */
static void check_augmenter_forward(const ihg_dataset *ds, gsl_rng *rng)
{
    ihg_config cfg;
    ihg_model *m = make(&cfg, "hidden: [3], aug_hidden: [4], aug_noise: 0, aug_scale: 0.3",
                        ds);
    if (!m) {
        ihg_config_free(&cfg);
        return;
    }
    gsl_vector *lam = gsl_vector_alloc(m->Hn);
    for (size_t i = 0; i < m->Hn; i++)
        gsl_vector_set(lam, i, gsl_ran_gaussian(rng, 0.8));
    size_t n = ds->train->n;
    double *out = malloc(n * D * sizeof *out), worst = 0;
    m->type->augment_rows(m, lam, ds->train, n, out);
    const double *W1 = lam->data, *b1 = W1 + 4 * D, *W2 = b1 + 4, *b2 = W2 + D * 4;
    for (size_t i = 0; i < n; i++) {
        double h[4];
        for (int a = 0; a < 4; a++) {
            double z = b1[a];
            for (int j = 0; j < D; j++)
                z += W1[a * D + j] * gsl_matrix_get(ds->train->X, i, (size_t)j);
            h[a] = tanh(z);
        }
        for (int j = 0; j < D; j++) {
            double z = b2[j];
            for (int a = 0; a < 4; a++)
                z += W2[j * 4 + a] * h[a];
            double want = gsl_matrix_get(ds->train->X, i, (size_t)j) + 0.3 * tanh(z);
            worst = fmax(worst, fabs(out[i * D + (size_t)j] - want));
        }
    }
    CHECK(worst <= 1e-14, "augmenter images = x + s tanh(g(x)) (max diff %.2g)", worst);
    free(out);
    gsl_vector_free(lam);
    ihg_model_free(m);
    ihg_config_free(&cfg);
}

/* fixed: fixed_noise 1, no shift: x~ - x is the noise, N(0, 1) per pixel
 * and per draw.  With 3 draws of 400 rows of 6 pixels (7,200 values) the
 * mean is within 4 standard errors (0.047) of 0 and the variance within
 * 0.1 of 1 (its standard error is sqrt(2/7200) = 0.017); correlation
 * between two draws of the same pixel within 0.1. */
static void check_noise_moments(gsl_rng *rng)
{
    ihg_dataset ds;
    make_ds(&ds, 400, 10, rng);
    ihg_config cfg;
    ihg_model *m = make(&cfg, "augment: fixed, fixed_shift: 0, fixed_noise: 1", &ds);
    if (!m) {
        dataset_del(&ds);
        ihg_config_free(&cfg);
        return;
    }
    size_t n = ds.train->n, N = 3 * n * D;
    double *a = malloc(N * sizeof *a), s = 0, ss = 0, cross = 0;
    for (long step = 0; step < 3; step++) {
        m->type->set_draw(m, 7, step);
        m->type->augment_rows(m, NULL, ds.train, n, a + (size_t)step * n * D);
        for (size_t i = 0; i < n * D; i++)
            a[(size_t)step * n * D + i] -= ds.train->X->data[i];
    }
    for (size_t i = 0; i < N; i++) {
        s += a[i];
        ss += a[i] * a[i];
    }
    for (size_t i = 0; i < n * D; i++)
        cross += a[i] * a[n * D + i];
    double mean = s / (double)N, var = ss / (double)N - mean * mean;
    CHECK(fabs(mean) < 0.047 && fabs(var - 1) < 0.1 && fabs(cross / (double)(n * D)) < 0.1,
          "fixed noise is N(0, 1), fresh per draw: mean %.3g, variance %.3g, corr %.3g", mean,
          var, cross / (double)(n * D));
    free(a);
    ihg_model_free(m);
    ihg_config_free(&cfg);
    dataset_del(&ds);
}

/* fixed: no noise, shift 1: every row is its original shifted by some
 * (dx, dy) in {-1, 0, 1}^2 with zeros shifted in, and all nine occur. */
static void check_shifts(gsl_rng *rng)
{
    ihg_dataset ds;
    make_ds(&ds, 300, 10, rng);
    ihg_config cfg;
    ihg_model *m = make(&cfg, "augment: fixed, fixed_shift: 1, fixed_noise: 0", &ds);
    if (!m) {
        dataset_del(&ds);
        ihg_config_free(&cfg);
        return;
    }
    size_t n = ds.train->n;
    double *a = malloc(n * D * sizeof *a);
    int seen[9] = {0}, bad = 0;
    m->type->augment_rows(m, NULL, ds.train, n, a);
    for (size_t i = 0; i < n; i++) {
        int found = -1;
        for (int dy = -1; dy <= 1 && found < 0; dy++)
            for (int dx = -1; dx <= 1 && found < 0; dx++) {
                int ok = 1;
                for (int r = 0; r < ROWS; r++)
                    for (int c = 0; c < COLS; c++) {
                        int sr = r - dy, sc = c - dx;
                        double want = sr >= 0 && sr < ROWS && sc >= 0 && sc < COLS
                                          ? gsl_matrix_get(ds.train->X, i, (size_t)(sr * COLS + sc))
                                          : 0.0;
                        ok &= a[i * D + (size_t)(r * COLS + c)] == want;
                    }
                if (ok)
                    found = (dy + 1) * 3 + dx + 1;
            }
        if (found < 0)
            bad++;
        else
            seen[found] = 1;
    }
    int all = 1;
    for (int i = 0; i < 9; i++)
        all &= seen[i];
    CHECK(bad == 0 && all, "fixed shifts: %d rows not a shift of their original; all nine "
          "shifts seen: %d", bad, all);
    free(a);
    ihg_model_free(m);
    ihg_config_free(&cfg);
    dataset_del(&ds);
}

int main(void)
{
    ihg_error_install_gsl_handler();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    ihg_dataset ds;
    make_ds(&ds, 23, 17, rng);
    check_mode("learned", &ds, rng);
    check_mode("fixed", &ds, rng);
    check_mode("none", &ds, rng);
    check_augmenter_forward(&ds, rng);
    check_noise_moments(rng);
    check_shifts(rng);
    dataset_del(&ds);
    gsl_rng_free(rng);
    return check_summary();
}
