/* model.h - the model type table.
 *
 * A model family (quadratic, ridge, logistic, softmax, ...) is one
 * `static const ihg_model_type` table of closed-form functions in
 * models/<family>.c; only a pointer to it is exported.  An ihg_model is one
 * instance: the family, its sizes, the data it is bound to and a workspace
 * allocated once by init(), so that no function here allocates.
 *
 * Notation (the losses of each family are written out in its file's
 * comment and in ihgtui-experiment(5)):
 *   theta  the P parameters, flat (weights then biases, per family)
 *   lambda the Hn hyperparameters (log decay, or distilled pixels)
 *   L_T(theta, lambda)  training loss, on `data` (train set or a minibatch)
 *   L_V(theta, lambda)  validation loss, on `data` (val or test set)
 *   H = d2 L_T / dtheta2,  J = d2 L_T / dtheta dlambda  (P x Hn)
 */
#ifndef IHG_MODEL_H
#define IHG_MODEL_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "../src/config.h"
#include "../src/data.h"
#include "../src/hyperlayout.h"
#include "../src/option.h"

typedef struct ihg_model ihg_model;

/* One hyperparameter per decayed weight, or one for all (models/decay.h). */
typedef enum { IHG_HYPER_PER_WEIGHT = 0, IHG_HYPER_GLOBAL = 1 } ihg_hyper_mode;

/* ihg_model_type.flags */
#define IHG_MODEL_IMAGE_DATA 1u /* without data files, read the image set
                                   (data.images) rather than synthetic data */
#define IHG_MODEL_LAMBDA_IMAGES 2u /* lambda holds one image per class, of
                                      the data's image size (dataset
                                      distillation): the explorer shows
                                      them as images */
#define IHG_MODEL_THETA_FROM_LAMBDA 4u /* begin_outer starts theta at lambda
                                   (meta-learning): the explicit methods,
                                   which hold theta_0 fixed, are refused */
#define IHG_MODEL_AUGMENTS 8u   /* trains on transformed rows that
                                   augment_rows shows (learned augmentation) */

/* set_draw's step for the point where the hypergradient is taken. */
#define IHG_DRAW_POINT (-1L)

/* The points a family drawn in the theta plane (P = 2) marks there, two
 * coordinates each; valid while the instance lives. */
typedef struct {
    const double *data_optimum; /* where the unregularised L_T is least */
    const double *target;       /* where L_V is least                   */
} ihg_plane_points;

typedef struct ihg_model_type {
    const char *name; /* the YAML `model.kind` */
    ihg_task task;    /* what data it needs    */
    unsigned flags;   /* IHG_MODEL_*           */

    /* The keys of the model section besides `kind` (option.h): a table
     * over the family's own options struct of options_size bytes, which the
     * experiment loader allocates, fills with the table's defaults and then
     * with the file's values (cfg->model.opts).  NULL: no keys. */
    const ihg_option *options;
    size_t options_size;

    /* Set m->P, m->Hn and allocate m->work for data sets of up to
     * max_rows rows.  Returns IHG_OK or an error (sizes too large). */
    int (*init)(ihg_model *m, const ihg_config *cfg, const ihg_dataset *ds,
                size_t max_rows);
    void (*free)(ihg_model *m);

    /* Append the model's Hn hyperparameters to the layout as one or more
     * named segments (owner IHG_OWNER_MODEL, in L_T), in lambda's order. */
    int (*hyper_segments)(const ihg_model *m, ihg_hyper_layout *layout);

    /* Initial parameters and hyperparameters. */
    void (*init_theta)(const ihg_model *m, gsl_vector *theta, gsl_rng *rng);
    void (*init_lambda)(const ihg_model *m, gsl_vector *lambda, gsl_rng *rng);

    /* L_T on `data` (including the regulariser); if grad != NULL also
     * grad = dL_T/dtheta. */
    double (*train_loss)(ihg_model *m, const gsl_vector *theta,
                         const gsl_vector *lambda, const ihg_data *data,
                         gsl_vector *grad);
    /* Hu = H u, H the Hessian of L_T on data. */
    void (*train_hvp)(ihg_model *m, const gsl_vector *theta,
                      const gsl_vector *lambda, const ihg_data *data,
                      const gsl_vector *u, gsl_vector *Hu);
    /* out = J^T u (an Hn-vector): out_i = sum_j d2 L_T/dlambda_i dtheta_j u_j. */
    void (*train_jtvp)(ihg_model *m, const gsl_vector *theta,
                       const gsl_vector *lambda, const ihg_data *data,
                       const gsl_vector *u, gsl_vector *out);
    /* Optional (NULL: forward mode is refused): out = J u (a P-vector) for
     * u in lambda's space, out_j = sum_i d2 L_T/dtheta_j dlambda_i u_i. */
    void (*train_jvp)(ihg_model *m, const gsl_vector *theta,
                      const gsl_vector *lambda, const ihg_data *data,
                      const gsl_vector *u, gsl_vector *out);
    /* Optional (may be NULL): the full P x P Hessian of L_T.  When absent
     * it is formed column by column with train_hvp. */
    void (*train_hessian)(ihg_model *m, const gsl_vector *theta,
                          const gsl_vector *lambda, const ihg_data *data,
                          gsl_matrix *H);

    /* L_V on `data` (no regulariser); grad_theta = dL_V/dtheta and
     * grad_lambda = dL_V/dlambda when non-NULL. */
    double (*val_loss)(ihg_model *m, const gsl_vector *theta,
                       const gsl_vector *lambda, const ihg_data *data,
                       gsl_vector *grad_theta, gsl_vector *grad_lambda);

    /* Optional: fraction of correctly classified rows (classifiers). */
    double (*accuracy)(ihg_model *m, const gsl_vector *theta,
                       const ihg_data *data);
    /* Optional: L_V on `data` (no gradients) and, into *accuracy, the
     * fraction classified correctly, from one forward pass; when absent
     * val_loss and accuracy are called one after the other. */
    double (*val_metrics)(ihg_model *m, const gsl_vector *theta,
                          const gsl_vector *lambda, const ihg_data *data,
                          double *accuracy);

    /* Optional: theta*(lambda) in closed form (the quadratic toy). */
    int (*solve_inner)(ihg_model *m, const gsl_vector *lambda,
                       gsl_vector *theta);

    /* Optional: directions u with H u = 0 at every theta, from a symmetry
     * that L_V shares (so dL_V/dtheta is orthogonal to them): adding one
     * constant to every softmax bias changes neither loss.  Writes an
     * orthonormal basis into the first columns of U (P x U->size2) and
     * returns how many; the exact solver deflates them instead of falling
     * back to a pseudo-inverse. */
    size_t (*null_space)(const ihg_model *m, gsl_matrix *U);

    /* Optional (families with P = 2): the points to mark in the theta
     * plane. */
    ihg_plane_points (*plane_points)(const ihg_model *m);

    /* Optional: the diagonal of the Hessian of L_T in closed form, into
     * diag (P), for Jacobi preconditioning (hypergrad.precondition); when
     * absent it is estimated with Hessian-vector products. */
    void (*train_hessian_diag)(ihg_model *m, const gsl_vector *theta,
                               const gsl_vector *lambda, const ihg_data *data,
                               gsl_vector *diag);

    /* Optional: the family draws randomness of its own (noise per example
     * and inner step, learned augmentation).  The session says which draw
     * the calls that follow use: inner step `step` (from 0) of outer step
     * `outer` (from 0), or step IHG_DRAW_POINT for the point where outer
     * step `outer` takes its hypergradient (the record's losses, H, J).
     * The same (outer, step) gives the same numbers, so a replayed step is
     * the step that ran.  Before any call: (0, IHG_DRAW_POINT). */
    void (*set_draw)(ihg_model *m, long outer, long step);

    /* Optional: outer step `outer` (from 0) begins, with the model's
     * hyperparameters lambda: the family may draw what it trains on in
     * this step (a meta-batch of tasks) and, with the flag
     * IHG_MODEL_THETA_FROM_LAMBDA, set where the inner loop starts
     * (theta).  Called again when an outer step is restarted: the same
     * outer gives the same draw. */
    void (*begin_outer)(ihg_model *m, long outer, const gsl_vector *lambda,
                        gsl_vector *theta);

    /* Optional: L_V on a test set of the family's own (held-out tasks),
     * and into *accuracy the accuracy (NaN: none), from lambda (and
     * theta); used when the data set has no test set.  One call. */
    double (*own_test)(ihg_model *m, const gsl_vector *theta,
                       const gsl_vector *lambda, double *accuracy);

    /* Optional (flag IHG_MODEL_AUGMENTS): what the family trains on in
     * place of data's first count rows, at lambda and the current draw,
     * into out (count x data->d, row-major). */
    void (*augment_rows)(ihg_model *m, const gsl_vector *lambda,
                         const ihg_data *data, size_t count, double *out);
} ihg_model_type;

struct ihg_model {
    const ihg_model_type *type;
    size_t P;                 /* parameters                               */
    size_t Hn;                /* hyperparameters                          */
    size_t d, k;              /* features, classes/outputs                */
    ihg_hyper_mode hyper;
    const ihg_config *cfg;
    const ihg_dataset *ds;    /* may be NULL (quadratic)                  */
    void *work;               /* family-private workspace                 */
};

/* Registry: the table for a `model.kind` name, or NULL. */
const ihg_model_type *ihg_model_lookup(const char *kind);
/* NULL-terminated list of all families, for --help and errors. */
extern const ihg_model_type *const ihg_model_types[];

/* Allocate an instance (calls type->init) with the options in
 * cfg->model.opts, which must be the family's own (cfg->model.type ==
 * type).  NULL on failure, with the error recorded. */
ihg_model *ihg_model_alloc(const ihg_model_type *type, const ihg_config *cfg,
                           const ihg_dataset *ds, size_t max_rows);
void ihg_model_free(ihg_model *m);

/* The families. */
extern const ihg_model_type *const ihg_model_quadratic;
extern const ihg_model_type *const ihg_model_ridge;
extern const ihg_model_type *const ihg_model_logistic;
extern const ihg_model_type *const ihg_model_softmax;
extern const ihg_model_type *const ihg_model_mlp;
extern const ihg_model_type *const ihg_model_distill;
extern const ihg_model_type *const ihg_model_augment;
extern const ihg_model_type *const ihg_model_imaml;

#endif
