/* data.h - data sets: CSV files, IDX images, synthetic generators.
 *
 * A data set is a design matrix X (n x d, one example a row) and a target
 * vector y (n): a real number for regression, a class index 0..k-1 stored
 * as a double for classification.
 */
#ifndef IHG_DATA_H
#define IHG_DATA_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "config.h"

typedef enum {
    IHG_TASK_NONE = 0,       /* no data (the quadratic toy)             */
    IHG_TASK_REGRESSION,     /* y real                                  */
    IHG_TASK_BINARY,         /* y in {0, 1}                             */
    IHG_TASK_MULTICLASS      /* y in {0, ..., k-1}                      */
} ihg_task;

typedef struct {
    size_t n, d;
    gsl_matrix *X; /* n x d */
    gsl_vector *y; /* n     */
} ihg_data;

/* Data files one data set can read: train, val, test CSV files, or the
 * four IDX files. */
#define IHG_DATASET_MAX_FILES 4

typedef struct {
    ihg_data *train, *val, *test; /* test may be NULL */
    size_t d;                     /* features                               */
    size_t k;                     /* classes (2 for binary, 0 regression)   */
    ihg_task task;
    size_t image_rows, image_cols; /* > 0 for image data                   */
    char *source;                 /* short description for the status bar */
    /* the files read (resolved paths, NULL after the last): outputs are
     * checked against them (output.h) */
    char *files[IHG_DATASET_MAX_FILES];
} ihg_dataset;

ihg_data *ihg_data_alloc(size_t n, size_t d);
void ihg_data_free(ihg_data *data);

/* Load (or generate) the data set described by cfg->data for a model of the
 * given task.  Errors: "FILE:LINE:COLUMN: ..." pointing into the CSV file
 * (ragged rows, non-numeric cells, bad labels) or at the YAML key naming a
 * missing or unreadable file.  rng draws splits and synthetic data. */
int ihg_dataset_load(ihg_dataset *ds, const ihg_config *cfg, ihg_task task,
                     gsl_rng *rng);
void ihg_dataset_free(ihg_dataset *ds);

/* Read one CSV file with a header row; the target column is `target` (NULL =
 * last).  Used by ihg_dataset_load and by the fuzzer. */
int ihg_csv_read(const char *path, const char *target, ihg_task task,
                 ihg_data **out, size_t *n_classes);
/* The same from memory; `name` is used in messages. */
int ihg_csv_parse(const char *name, const char *text, size_t len,
                  const char *target, ihg_task task, ihg_data **out,
                  size_t *n_classes);

/* Synthetic data (synthetic.c).  x ~ N(0, 1) per feature; the teacher's
 * weights are drawn first, then train, val and test rows in that order:
 *   regression: y = x.w + b + noise N(0,1),      w_j, b ~ N(0, 1)
 *   binary:     y ~ Bernoulli(sigmoid(x.w + b + noise N(0,1))),
 *               w_j ~ N(0, 4/d), b ~ N(0, 1)
 *   multiclass: y ~ Categorical(softmax(W x + b + noise N(0,I))),
 *               W_cj ~ N(0, 9/d), b_c ~ N(0, 1)
 * Fills ds->train, ->val, ->test (NULL when n_test = 0), ->d, ->k, ->task;
 * ds->source is left alone.  Same rng state, same numbers. */
typedef struct {
    size_t n, n_val, n_test, d, k; /* k used for multiclass only */
    double noise;
} ihg_synthetic_spec;

int ihg_synthetic_generate(ihg_dataset *ds, const ihg_synthetic_spec *spec,
                           ihg_task task, gsl_rng *rng);

/* Scale every feature of ds->train, ->val, ->test by the training set's
 * mean and (population) standard deviation; a constant training column is
 * only centred. */
int ihg_dataset_standardize(ihg_dataset *ds);

#endif
