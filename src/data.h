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
    const char *const *class_names; /* k names of the classes, or NULL    */
    /* the files read (resolved paths, NULL after the last): outputs are
     * checked against them (output.h) */
    char *files[IHG_DATASET_MAX_FILES];
} ihg_dataset;

/* The most values (rows x features) one data set may hold. */
#define IHG_DATA_MAX_CELLS 100000000UL

ihg_data *ihg_data_alloc(size_t n, size_t d);
void ihg_data_free(ihg_data *data);

/* Load (or generate) the data set described by cfg->data for a model of the
 * given task.  Errors: "FILE:LINE:COLUMN: ..." pointing into the CSV file
 * (ragged rows, non-numeric cells, bad labels) or at the YAML key naming a
 * missing or unreadable file.  rng draws splits and synthetic data. */
int ihg_dataset_load(ihg_dataset *ds, const ihg_config *cfg, ihg_task task,
                     gsl_rng *rng);
void ihg_dataset_free(ihg_dataset *ds);

/* Class labels of a CSV file: 0 to IHG_CSV_MAX_CLASSES - 1. */
#define IHG_CSV_MAX_CLASSES 1000

/* What a CSV file held besides its numbers: the header (so that the
 * validation and test files can be matched with the training file by
 * name) and, for class labels, which labels occur and where the largest
 * one is. */
typedef struct {
    char **names;                /* ncols column names, file order        */
    unsigned long *name_column;  /* each name's 1-based character column */
    size_t ncols, target;        /* target: index of the target column    */
    unsigned long header_line;
    size_t n_classes;            /* 2 binary, max label + 1 multiclass    */
    long max_label;              /* -1 when none                          */
    unsigned long max_label_line, max_label_column;
    unsigned char label_seen[IHG_CSV_MAX_CLASSES]; /* multiclass */
} ihg_csv_info;

/* Free what ihg_csv_read_info / ihg_csv_parse_info left in info. */
void ihg_csv_info_free(ihg_csv_info *info);

/* Read one CSV file with a header row; the target column is `target` (NULL =
 * last).  Used by ihg_dataset_load and by the fuzzer.  A first row of
 * numbers only is refused (a file without a header). */
int ihg_csv_read(const char *path, const char *target, ihg_task task,
                 ihg_data **out, size_t *n_classes);
/* The same from memory; `name` is used in messages. */
int ihg_csv_parse(const char *name, const char *text, size_t len,
                  const char *target, ihg_task task, ihg_data **out,
                  size_t *n_classes);
/* Both, keeping the header and the labels in *info (freed with
 * ihg_csv_info_free, also after a failure). */
int ihg_csv_read_info(const char *path, const char *target, ihg_task task,
                      ihg_data **out, ihg_csv_info *info);
int ihg_csv_parse_info(const char *name, const char *text, size_t len,
                       const char *target, ihg_task task, ihg_data **out,
                       ihg_csv_info *info);

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
