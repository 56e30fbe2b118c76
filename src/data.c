/* data.c - assemble the training, validation and test sets of an
 * experiment from cfg->data.
 *
 * Sources, first match wins:
 *   1. data.train + data.val (+ data.test): one CSV file each;
 *   2. data.file + data.split_val / data.split_test: one CSV file whose rows
 *      are shuffled with the experiment's rng (same seed, same split) and
 *      cut into validation (round(n split_val) rows, at least 1), test
 *      (round(n split_test)) and training (the rest); inside each part the
 *      rows keep their file order;
 *   3. otherwise the synthetic generator (synthetic.c), data.synthetic.*.
 * Paths are resolved relative to the experiment file (ihg_config_resolve).
 * A file that cannot be opened is reported at its YAML key; everything
 * wrong inside a CSV file at its line and column (csv.c).
 *
 * Classification: k = 2 for binary tasks; for multiclass the largest label
 * over all parts plus one, which must be at least 2.
 *
 * standardize: x_j <- (x_j - mean_j) / std_j with the training set's mean
 * and population standard deviation (divide by n), applied to every part; a
 * column constant on the training set is only centred.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* strdup, fileno */
#endif
#include "data.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "error.h"
#include "idx.h"


ihg_data *ihg_data_alloc(size_t n, size_t d)
{
    ihg_data *data;
    gsl_error_handler_t *old;

    if (n == 0 || d == 0) {
        ihg_error_set(IHG_EINVAL, "data set of %zu rows x %zu features: "
                                  "need at least one of each", n, d);
        return NULL;
    }
    if (n > IHG_DATA_MAX_CELLS / d) {
        ihg_error_set(IHG_ELIMIT, "data set too large: %zu rows x %zu "
                                  "features (at most %lu values)",
                      n, d, IHG_DATA_MAX_CELLS);
        return NULL;
    }
    data = calloc(1, sizeof *data);
    if (!data) {
        ihg_error_set(IHG_ENOMEM, "out of memory for a data set");
        return NULL;
    }
    /* GSL's allocators call the error handler on failure; report it here
     * instead, whatever handler is installed. */
    old = gsl_set_error_handler_off();
    data->X = gsl_matrix_alloc(n, d);
    data->y = gsl_vector_alloc(n);
    gsl_set_error_handler(old);
    if (!data->X || !data->y) {
        ihg_data_free(data);
        ihg_error_set(IHG_ENOMEM, "out of memory for %zu rows x %zu features",
                      n, d);
        return NULL;
    }
    data->n = n;
    data->d = d;
    return data;
}

void ihg_data_free(ihg_data *data)
{
    if (!data)
        return;
    if (data->X)
        gsl_matrix_free(data->X);
    if (data->y)
        gsl_vector_free(data->y);
    free(data);
}

void ihg_dataset_free(ihg_dataset *ds)
{
    if (!ds)
        return;
    ihg_data_free(ds->train);
    ihg_data_free(ds->val);
    ihg_data_free(ds->test);
    free(ds->source);
    for (size_t i = 0; i < IHG_DATASET_MAX_FILES; i++)
        free(ds->files[i]);
    memset(ds, 0, sizeof *ds);
}

/* Keep path (resolved, malloc'd) in ds->files; takes it over. */
static void keep_file(ihg_dataset *ds, char *path)
{
    for (size_t i = 0; i < IHG_DATASET_MAX_FILES; i++)
        if (!ds->files[i]) {
            ds->files[i] = path;
            return;
        }
    free(path);
}

int ihg_dataset_standardize(ihg_dataset *ds)
{
    ihg_data *parts[3];
    size_t n, d;

    if (!ds || !ds->train)
        return ihg_error_set(IHG_EINVAL, "standardize: no training set");
    parts[0] = ds->train;
    parts[1] = ds->val;
    parts[2] = ds->test;
    n = ds->train->n;
    d = ds->train->d;
    for (size_t j = 0; j < d; j++) {
        double x0 = gsl_matrix_get(ds->train->X, 0, j);
        double mean = 0, ss = 0, sd;
        int constant = 1;
        for (size_t i = 0; i < n; i++) {
            double x = gsl_matrix_get(ds->train->X, i, j);
            mean += x;
            if (x != x0)
                constant = 0;
        }
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double e = gsl_matrix_get(ds->train->X, i, j) - mean;
            ss += e * e;
        }
        sd = sqrt(ss / (double)n);
        if (constant) {
            mean = x0; /* the training column becomes exactly 0 */
            sd = 1;
        }
        if (!(sd > 0 && isfinite(sd)))
            sd = 1;
        for (size_t p = 0; p < 3; p++) {
            if (!parts[p])
                continue;
            if (parts[p]->d != d)
                return ihg_error_set(IHG_EINVAL,
                                     "standardize: %zu features, training "
                                     "set has %zu",
                                     parts[p]->d, d);
            for (size_t i = 0; i < parts[p]->n; i++) {
                double *x = gsl_matrix_ptr(parts[p]->X, i, j);
                *x = (*x - mean) / sd;
            }
        }
    }
    return IHG_OK;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static const char *cfg_file(const ihg_config *cfg)
{
    return cfg->path ? cfg->path : "<built-in experiment>";
}

/* Read one CSV named at a YAML key (position mark).  *resolved gets the
 * resolved path (caller frees), used in later messages. */
static int load_csv(const ihg_config *cfg, const char *rel,
                    ihg_mark mark, ihg_task task, ihg_data **out,
                    ihg_csv_info *info, char **resolved)
{
    char *path;
    FILE *f;
    struct stat st;

    *out = NULL;
    *resolved = NULL;
    memset(info, 0, sizeof *info);
    path = ihg_config_resolve(cfg, rel);
    if (!path)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        free(path);
        return ihg_error_at(IHG_EIO, cfg_file(cfg), mark.line, mark.column,
                            "cannot open data file '%s': %s", rel,
                            strerror(e));
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        free(path);
        return ihg_error_at(IHG_EIO, cfg_file(cfg), mark.line, mark.column,
                            "cannot read data file '%s': %s", rel,
                            strerror(EISDIR));
    }
    fclose(f);
    int status = ihg_csv_read_info(path, cfg->data.target, task, out, info);
    if (status != IHG_OK) {
        free(path);
        return status;
    }
    *resolved = path;
    return IHG_OK;
}

/* The validation or test file's header must be the training file's:
 * the same names in the same order (columns are matched by name, so
 * swapped columns are refused rather than silently misread). */
static int same_header(const ihg_csv_info *train, const char *train_rel,
                       const ihg_csv_info *other, const char *other_path)
{
    size_t n = other->ncols < train->ncols ? other->ncols : train->ncols;
    for (size_t j = 0; j < n; j++)
        if (strcmp(other->names[j], train->names[j]) != 0) {
            char a[80], b[80];
            ihg_escape(a, sizeof a, other->names[j], strlen(other->names[j]));
            ihg_escape(b, sizeof b, train->names[j], strlen(train->names[j]));
            return ihg_error_at(IHG_EIO, other_path, other->header_line,
                                other->name_column[j],
                                "column %zu is '%s' but in the training "
                                "file '%s' it is '%s': the columns must have "
                                "the training file's names, in its order",
                                j + 1, a, train_rel, b);
        }
    if (other->ncols != train->ncols) {
        size_t j = n < other->ncols ? n : other->ncols - 1;
        return ihg_error_at(IHG_EIO, other_path, other->header_line,
                            other->name_column[j],
                            "%zu columns, but the training file '%s' has "
                            "%zu: the columns must have the training file's "
                            "names, in its order",
                            other->ncols, train_rel, train->ncols);
    }
    return IHG_OK;
}

/* Class labels must number the classes 0..k-1, each with an example in
 * one of the files: a stray label such as 999 among 0..9 would make 1000
 * classes without a word.  infos[p] (NULL: no such part) were read from
 * paths[p].  Sets *k. */
static int check_classes(const ihg_csv_info *const *infos, char *const *paths,
                         int nparts, size_t *k)
{
    long max = -1;
    int at = -1;
    for (int p = 0; p < nparts; p++)
        if (infos[p] && infos[p]->max_label > max) {
            max = infos[p]->max_label;
            at = p;
        }
    *k = (size_t)(max + 1);
    if (at < 0)
        return IHG_OK;
    size_t missing = 0;
    char list[64] = "";
    size_t o = 0;
    for (long c = 0; c <= max; c++) {
        int seen = 0;
        for (int p = 0; p < nparts; p++)
            seen |= infos[p] && infos[p]->label_seen[c];
        if (seen)
            continue;
        if (missing < 3)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%ld",
                                  missing ? ", " : "", c);
        else if (missing == 3)
            snprintf(list + o, sizeof list - o, ", ...");
        missing++;
    }
    if (missing == 0)
        return IHG_OK;
    return ihg_error_at(IHG_EIO, paths[at], infos[at]->max_label_line,
                        infos[at]->max_label_column,
                        "class label %ld makes %ld classes, but %zu of them "
                        "(%s) have no example: class labels must be 0, 1, "
                        "..., k-1 (a real-valued target needs a regression "
                        "model such as ridge)",
                        max, max + 1, missing, list);
}

/* Copy the rows idx[0..m) of src into a new data set. */
static ihg_data *take_rows(const ihg_data *src, const size_t *idx, size_t m)
{
    ihg_data *dst = ihg_data_alloc(m, src->d);
    if (!dst)
        return NULL;
    for (size_t i = 0; i < m; i++) {
        gsl_vector_const_view row = gsl_matrix_const_row(src->X, idx[i]);
        gsl_matrix_set_row(dst->X, i, &row.vector);
        gsl_vector_set(dst->y, i, gsl_vector_get(src->y, idx[i]));
    }
    return dst;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static size_t round_frac(size_t n, double f)
{
    double r = floor((double)n * f + 0.5);
    return r <= 0 ? 0 : (size_t)r;
}

static int split_file(ihg_dataset *ds, const ihg_config *cfg, ihg_data *all,
                      gsl_rng *rng)
{
    double fv = cfg->data.split_val, ft = cfg->data.split_test;
    ihg_mark m = cfg->data.file_mark;
    size_t n = all->n, n_val, n_test, n_train;
    size_t *idx;

    if (!(fv > 0 && fv < 1 && ft >= 0 && ft < 1 && fv + ft < 1))
        return ihg_error_at(IHG_EINVAL, cfg_file(cfg), m.line, m.column,
                            "split fractions val = %g, test = %g: need "
                            "0 < val, 0 <= test and val + test < 1",
                            fv, ft);
    if (!rng)
        return ihg_error_set(IHG_EINVAL, "data split: no random generator");
    n_val = round_frac(n, fv);
    n_test = round_frac(n, ft);
    if (n_val == 0)
        n_val = 1;
    if (ft > 0 && n_test == 0)
        n_test = 1;
    if (n_val + n_test >= n)
        return ihg_error_at(IHG_EIO, cfg_file(cfg), m.line, m.column,
                            "cannot split %zu rows into training, validation "
                            "(%zu) and test (%zu) sets: too few rows",
                            n, n_val, n_test);
    n_train = n - n_val - n_test;

    idx = malloc(n * sizeof *idx);
    if (!idx)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    gsl_ran_shuffle(rng, idx, n, sizeof *idx);
    qsort(idx, n_train, sizeof *idx, cmp_size);
    qsort(idx + n_train, n_val, sizeof *idx, cmp_size);
    if (n_test)
        qsort(idx + n_train + n_val, n_test, sizeof *idx, cmp_size);
    ds->train = take_rows(all, idx, n_train);
    ds->val = take_rows(all, idx + n_train, n_val);
    ds->test = n_test ? take_rows(all, idx + n_train + n_val, n_test) : NULL;
    free(idx);
    if (!ds->train || !ds->val || (n_test && !ds->test))
        return IHG_ENOMEM; /* message recorded by ihg_data_alloc */
    return IHG_OK;
}

static int set_source(ihg_dataset *ds, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int set_source(ihg_dataset *ds, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(ds->source);
    ds->source = strdup(buf);
    return ds->source ? IHG_OK : ihg_error_set(IHG_ENOMEM, "out of memory");
}

static const char *task_word(ihg_task task)
{
    switch (task) {
    case IHG_TASK_REGRESSION: return "regression";
    case IHG_TASK_BINARY: return "binary";
    case IHG_TASK_MULTICLASS: return "multiclass";
    default: return "none";
    }
}

static int load_files(ihg_dataset *ds, const ihg_config *cfg, ihg_task task)
{
    const char *rels[3] = {cfg->data.train, cfg->data.val, cfg->data.test};
    ihg_mark marks[3] = {cfg->data.train_mark, cfg->data.val_mark,
                         cfg->data.test_mark};
    ihg_data **parts[3] = {&ds->train, &ds->val, &ds->test};
    char *paths[3] = {NULL, NULL, NULL};
    ihg_csv_info info[3];
    const ihg_csv_info *read[3] = {NULL, NULL, NULL};
    int status = IHG_OK;

    memset(info, 0, sizeof info);
    for (int p = 0; p < 3; p++) {
        if (!rels[p])
            continue;
        status = load_csv(cfg, rels[p], marks[p], task, parts[p],
                          &info[p], &paths[p]);
        if (status != IHG_OK)
            goto done;
        read[p] = &info[p];
        if (p > 0 && (status = same_header(&info[0], rels[0], &info[p],
                                           paths[p])) != IHG_OK)
            goto done;
    }
    ds->d = ds->train->d;
    if (task == IHG_TASK_MULTICLASS &&
        (status = check_classes(read, paths, 3, &ds->k)) != IHG_OK)
        goto done;
    if (ds->test)
        status = set_source(ds, "%s + %s + %s (%zu + %zu + %zu rows, %zu "
                                "features)",
                            base_name(rels[0]), base_name(rels[1]),
                            base_name(rels[2]), ds->train->n, ds->val->n,
                            ds->test->n, ds->d);
    else
        status = set_source(ds, "%s + %s (%zu + %zu rows, %zu features)",
                            base_name(rels[0]), base_name(rels[1]),
                            ds->train->n, ds->val->n, ds->d);
done:
    for (int p = 0; p < 3; p++) {
        ihg_csv_info_free(&info[p]);
        if (paths[p])
            keep_file(ds, paths[p]); /* freed with ds on failure */
    }
    return status;
}

static int load_split(ihg_dataset *ds, const ihg_config *cfg, ihg_task task,
                      gsl_rng *rng)
{
    ihg_data *all = NULL;
    char *path = NULL;
    ihg_csv_info info;
    int status;

    status = load_csv(cfg, cfg->data.file, cfg->data.file_mark,
                      task, &all, &info, &path);
    if (status != IHG_OK) {
        ihg_csv_info_free(&info);
        return status;
    }
    keep_file(ds, path);
    if (task == IHG_TASK_MULTICLASS) {
        const ihg_csv_info *read[1] = {&info};
        status = check_classes(read, &path, 1, &ds->k);
    }
    ihg_csv_info_free(&info);
    if (status == IHG_OK)
        status = split_file(ds, cfg, all, rng);
    if (status == IHG_OK) {
        ds->d = all->d;
        status = set_source(ds, "%s (%zu rows, %zu features)",
                            base_name(cfg->data.file), all->n, all->d);
    }
    ihg_data_free(all);
    return status;
}

static int load_synthetic(ihg_dataset *ds, const ihg_config *cfg,
                          ihg_task task, gsl_rng *rng)
{
    ihg_synthetic_spec spec;
    const char *file = cfg_file(cfg);

    if (cfg->data.syn_n < 1 || cfg->data.syn_n_val < 1 ||
        cfg->data.syn_n_test < 0 || cfg->data.syn_d < 1)
        return ihg_error_at(IHG_EINVAL, file, 0, 0,
                            "synthetic data needs n >= 1, n_val >= 1, "
                            "n_test >= 0 and d >= 1 (got %ld, %ld, %ld, %ld)",
                            cfg->data.syn_n, cfg->data.syn_n_val,
                            cfg->data.syn_n_test, cfg->data.syn_d);
    if (task == IHG_TASK_MULTICLASS &&
        (cfg->data.syn_k < 2 || cfg->data.syn_k > 1000))
        return ihg_error_at(IHG_EINVAL, file, 0, 0,
                            "synthetic data: k = %ld classes, need 2..1000",
                            cfg->data.syn_k);
    if (!rng)
        return ihg_error_set(IHG_EINVAL, "synthetic data: no random "
                                         "generator");
    spec.n = (size_t)cfg->data.syn_n;
    spec.n_val = (size_t)cfg->data.syn_n_val;
    spec.n_test = (size_t)cfg->data.syn_n_test;
    spec.d = (size_t)cfg->data.syn_d;
    spec.k = task == IHG_TASK_MULTICLASS ? (size_t)cfg->data.syn_k : 2;
    spec.noise = cfg->data.syn_noise;
    int status = ihg_synthetic_generate(ds, &spec, task, rng);
    if (status != IHG_OK)
        return status;
    if (task == IHG_TASK_MULTICLASS)
        return set_source(ds, "synthetic %zu-class (%zu + %zu + %zu rows, "
                              "%zu features)",
                          spec.k, spec.n, spec.n_val, spec.n_test, spec.d);
    return set_source(ds, "synthetic %s (%zu + %zu + %zu rows, %zu features)",
                      task_word(task), spec.n, spec.n_val, spec.n_test,
                      spec.d);
}

int ihg_dataset_load(ihg_dataset *ds, const ihg_config *cfg, ihg_task task,
                     gsl_rng *rng)
{
    int status;
    const char *file;

    if (!ds)
        return ihg_error_set(IHG_EINVAL, "ihg_dataset_load: no data set");
    memset(ds, 0, sizeof *ds);
    if (!cfg)
        return ihg_error_set(IHG_EINVAL, "ihg_dataset_load: no config");
    if (task == IHG_TASK_NONE)
        return IHG_OK;
    if (task != IHG_TASK_REGRESSION && task != IHG_TASK_BINARY &&
        task != IHG_TASK_MULTICLASS)
        return ihg_error_set(IHG_EINVAL, "ihg_dataset_load: unknown task %d",
                             (int)task);
    file = cfg_file(cfg);

    if (cfg->data.images) {
        /* IDX images (Fashion-MNIST by default); pixels scaled to [0, 1],
         * no standardization */
        ihg_mark m = cfg->data.images_mark;
        if (task != IHG_TASK_MULTICLASS)
            return ihg_error_at(IHG_EINVAL, file, m.line, m.column,
                                "image data (data.images) needs a classifier "
                                "(softmax, mlp or distill)");
        return ihg_idx_load_dataset(ds, cfg, rng);
    }

    if (cfg->data.train || cfg->data.val || cfg->data.test) {
        if (!cfg->data.train) {
            ihg_mark m = cfg->data.val ? cfg->data.val_mark
                                       : cfg->data.test_mark;
            return ihg_error_at(IHG_EINVAL, file, m.line, m.column,
                                "data.%s needs data.train",
                                cfg->data.val ? "val" : "test");
        }
        if (!cfg->data.val)
            return ihg_error_at(IHG_EINVAL, file, cfg->data.train_mark.line,
                                cfg->data.train_mark.column,
                                "data.train needs data.val (the validation "
                                "set of the outer loss)");
        if (cfg->data.file)
            return ihg_error_at(IHG_EINVAL, file, cfg->data.file_mark.line,
                                cfg->data.file_mark.column,
                                "give either data.file or data.train and "
                                "data.val, not both");
        status = load_files(ds, cfg, task);
    } else if (cfg->data.file) {
        status = load_split(ds, cfg, task, rng);
    } else {
        status = load_synthetic(ds, cfg, task, rng);
    }
    if (status != IHG_OK)
        goto fail;

    ds->task = task;
    if (task == IHG_TASK_BINARY)
        ds->k = 2;
    else if (task == IHG_TASK_REGRESSION)
        ds->k = 0;
    else if (ds->k < 2) {
        const char *where = cfg->data.train ? "data.train" : "data.file";
        ihg_mark m = cfg->data.train ? cfg->data.train_mark
                                     : cfg->data.file_mark;
        status = ihg_error_at(IHG_EIO, file, m.line, m.column,
                              "%s has a single class (every label is 0): a "
                              "multiclass model needs at least 2",
                              where);
        goto fail;
    }
    if (cfg->data.standardize) {
        status = ihg_dataset_standardize(ds);
        if (status != IHG_OK)
            goto fail;
    }
    return IHG_OK;

fail:
    ihg_dataset_free(ds);
    return status;
}
