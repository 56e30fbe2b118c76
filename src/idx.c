/* idx.c - IDX files (MNIST, Fashion-MNIST) through zlib; see idx.h. */
#include "idx.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "error.h"

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_MAX_SIDE 4096u
/* The largest data part of an IDX file read into memory: 1 GiB holds
 * EMNIST's 814,255 images of 28 x 28 (Fashion-MNIST's training images are
 * 47 MB). */
#define IDX_MAX_BYTES ((uint64_t)1 << 30)
/* deflate expands at most 1032:1 (zlib's technical details), so a gzip
 * file of s bytes holds at most about 1032 s bytes of data. */
#define IDX_MAX_DEFLATE_RATIO 1032u
#define IDX_N_CLASSES 10u

const char *const ihg_fashion_mnist_classes[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

static const char *const file_names[4] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

void ihg_idx_free(ihg_idx *x)
{
    if (!x)
        return;
    free(x->data);
    memset(x, 0, sizeof *x);
}

/* Read exactly len bytes; *got = what was read.  IHG_OK, or IHG_EIO with
 * the message set for a gzip error (a short read is the caller's to
 * report). */
static int read_some(gzFile f, const char *path, unsigned char *buf,
                     size_t len, size_t *got)
{
    *got = 0;
    while (*got < len) {
        size_t want = len - *got;
        unsigned chunk = want > (1u << 30) ? (1u << 30) : (unsigned)want;
        int r = gzread(f, buf + *got, chunk);
        if (r < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            return ihg_error_at(IHG_EIO, path, 0, 0,
                                "corrupt compressed data (%s)",
                                msg && *msg ? msg : "zlib error");
        }
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return IHG_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
           (uint32_t)b[3];
}

/* Read an IDX file of the given magic (images or labels).  use_rows > 0:
 * that many images will become rows of one data set, so an image larger
 * than IHG_DATA_MAX_CELLS / use_rows values is refused from the header. */
static int idx_read(const char *path, uint32_t magic_want, unsigned max_label,
                    size_t use_rows, const char *use_key, ihg_idx *out)
{
    memset(out, 0, sizeof *out);
    int images = magic_want == IDX_MAGIC_IMAGES;
    const char *what = images ? "image" : "label";
    struct stat st;
    if (stat(path, &st) != 0)
        return ihg_error_at(IHG_EIO, path, 0, 0, "cannot open: %s",
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return ihg_error_at(IHG_EIO, path, 0, 0, "not a regular file");
    gzFile f = gzopen(path, "rb");
    if (!f)
        return ihg_error_at(IHG_EIO, path, 0, 0, "cannot open: %s",
                            errno ? strerror(errno) : "out of memory");
    gzbuffer(f, 1u << 17);
    int direct = gzdirect(f);
    int status = IHG_OK;
    unsigned char hdr[16];
    size_t hlen = images ? 16 : 8, got;
    unsigned char *data = NULL;

    if ((status = read_some(f, path, hdr, hlen, &got)) != IHG_OK)
        goto done;
    if (got < 4) {
        status = ihg_error_at(IHG_EIO, path, 0, 0,
                              "not an IDX %s file: %zu bytes, shorter than "
                              "the 4-byte magic number", what, got);
        goto done;
    }
    uint32_t magic = be32(hdr);
    if (magic != magic_want) {
        if (magic == IDX_MAGIC_IMAGES || magic == IDX_MAGIC_LABELS)
            status = ihg_error_at(IHG_EIO, path, 0, 0,
                                  "an IDX %s file (magic 0x%08x) where %s "
                                  "file (0x%08x) was expected",
                                  images ? "label" : "image", (unsigned)magic,
                                  images ? "an image" : "a label",
                                  (unsigned)magic_want);
        else
            status = ihg_error_at(IHG_EIO, path, 0, 0,
                                  "not an IDX %s file: magic number 0x%08x, "
                                  "want 0x%08x (unsigned bytes, %d "
                                  "dimension%s)",
                                  what, (unsigned)magic, (unsigned)magic_want,
                                  images ? 3 : 1, images ? "s" : "");
        goto done;
    }
    if (got < hlen) {
        status = ihg_error_at(IHG_EIO, path, 0, 0,
                              "truncated header: %zu of %zu bytes", got, hlen);
        goto done;
    }
    uint32_t n = be32(hdr + 4);
    uint32_t rows = images ? be32(hdr + 8) : 0, cols = images ? be32(hdr + 12) : 0;
    if (n == 0) {
        status = ihg_error_at(IHG_EIO, path, 0, 0, "the header says 0 %ss",
                              what);
        goto done;
    }
    if (images && (rows == 0 || cols == 0 || rows > IDX_MAX_SIDE ||
                   cols > IDX_MAX_SIDE)) {
        status = ihg_error_at(IHG_EIO, path, 0, 0,
                              "image size %u x %u in the header: each side "
                              "must be 1 to %u", (unsigned)rows, (unsigned)cols,
                              IDX_MAX_SIDE);
        goto done;
    }
    uint64_t item = images ? (uint64_t)rows * cols : 1;
    uint64_t bytes = (uint64_t)n * item;
    if (images && use_rows > 0 && item > IHG_DATA_MAX_CELLS / use_rows) {
        status = ihg_error_at(IHG_EIO, path, 0, 0,
                              "the header announces images of %u x %u "
                              "pixels: %zu of them (%s) would be %llu values, "
                              "more than the %lu a data set may hold",
                              (unsigned)rows, (unsigned)cols, use_rows,
                              use_key ? use_key : "rows",
                              (unsigned long long)item * use_rows,
                              (unsigned long)IHG_DATA_MAX_CELLS);
        goto done;
    }
    if (bytes > IDX_MAX_BYTES) {
        status = ihg_error_at(IHG_EIO, path, 0, 0,
                              "the header announces %llu bytes of data (%u "
                              "%ss), more than the %llu allowed",
                              (unsigned long long)bytes, (unsigned)n, what,
                              (unsigned long long)IDX_MAX_BYTES);
        goto done;
    }
    /* The file length against the header, before allocating. */
    uint64_t fsize = (uint64_t)st.st_size;
    if (direct && fsize != hlen + bytes) {
        status = ihg_error_at(
            IHG_EIO, path, 0, 0,
            "%s: the header announces %u %ss (%llu bytes with the header) "
            "but the file has %llu bytes",
            fsize < hlen + bytes ? "truncated" : "trailing data", (unsigned)n,
            what, (unsigned long long)(hlen + bytes),
            (unsigned long long)fsize);
        goto done;
    }
    if (!direct && hlen + bytes > fsize * IDX_MAX_DEFLATE_RATIO + 4096) {
        status = ihg_error_at(
            IHG_EIO, path, 0, 0,
            "truncated: the header announces %u %ss (%llu bytes) but %llu "
            "compressed bytes cannot hold that much",
            (unsigned)n, what, (unsigned long long)bytes,
            (unsigned long long)fsize);
        goto done;
    }
    data = malloc((size_t)bytes);
    if (!data) {
        status = ihg_error_set(IHG_ENOMEM, "%s: out of memory (%llu bytes)",
                               path, (unsigned long long)bytes);
        goto done;
    }
    if ((status = read_some(f, path, data, (size_t)bytes, &got)) != IHG_OK)
        goto done;
    if (got < bytes) {
        status = ihg_error_at(IHG_EIO, path, 0, 0,
                              "truncated: the header announces %u %ss (%llu "
                              "bytes of data) but the file holds %zu",
                              (unsigned)n, what, (unsigned long long)bytes,
                              got);
        goto done;
    }
    unsigned char extra;
    if ((status = read_some(f, path, &extra, 1, &got)) != IHG_OK)
        goto done;
    if (got > 0) {
        status = ihg_error_at(IHG_EIO, path, 0, 0,
                              "trailing data after the %u %ss the header "
                              "announces", (unsigned)n, what);
        goto done;
    }
    if (!images)
        for (uint32_t i = 0; i < n; i++)
            if (data[i] > max_label) {
                status = ihg_error_at(IHG_EIO, path, 0, 0,
                                      "label %u of item %u is out of range "
                                      "(0 to %u)", data[i], (unsigned)i,
                                      max_label);
                goto done;
            }
    out->n = n;
    out->rows = rows;
    out->cols = cols;
    out->data = data;
    data = NULL;
done:
    free(data);
    gzclose(f);
    return status;
}

int ihg_idx_read_images(const char *path, ihg_idx *out)
{
    return idx_read(path, IDX_MAGIC_IMAGES, 0, 0, NULL, out);
}

int ihg_idx_read_labels(const char *path, unsigned max_label, ihg_idx *out)
{
    return idx_read(path, IDX_MAGIC_LABELS, max_label, 0, NULL, out);
}

/* ---------- the data set ---------- */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* dir/name.gz, else dir/name; NULL when neither exists (*nomem set when
 * out of memory). */
static char *find_file(const char *dir, const char *name, int *nomem)
{
    size_t len = strlen(dir) + strlen(name) + 8;
    char *p = malloc(len);
    if (!p) {
        *nomem = 1;
        return NULL;
    }
    snprintf(p, len, "%s/%s.gz", dir, name);
    if (exists(p))
        return p;
    snprintf(p, len, "%s/%s", dir, name);
    if (exists(p))
        return p;
    free(p);
    return NULL;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* A data set of the rows idx[0..m) of the images (pixels / 255). */
static ihg_data *take(const ihg_idx *im, const ihg_idx *lb, const size_t *idx,
                      size_t m)
{
    size_t d = im->rows * im->cols;
    ihg_data *D = ihg_data_alloc(m, d);
    if (!D)
        return NULL;
    for (size_t i = 0; i < m; i++) {
        const unsigned char *px = im->data + idx[i] * d;
        double *x = D->X->data + i * D->X->tda;
        for (size_t j = 0; j < d; j++)
            x[j] = px[j] / 255.0;
        gsl_vector_set(D->y, i, (double)lb->data[idx[i]]);
    }
    return D;
}

/* Read an image file and its label file; check they agree.  The paths are
 * those of find_file; use_rows images become the rows of one data set
 * (the key use_key says how many). */
static int read_pair(const char *ipath, const char *lpath, size_t use_rows,
                     const char *use_key, ihg_idx *im, ihg_idx *lb)
{
    int status = ihg_idx_read_labels(lpath, IDX_N_CLASSES - 1, lb);
    if (status == IHG_OK)
        status = idx_read(ipath, IDX_MAGIC_IMAGES, 0, use_rows, use_key, im);
    if (status == IHG_OK && im->n != lb->n)
        status = ihg_error_at(IHG_EIO, ipath, 0, 0,
                              "%zu images but %s has %zu labels", im->n,
                              lpath, lb->n);
    return status;
}

int ihg_idx_load_dataset(ihg_dataset *ds, const ihg_config *cfg, gsl_rng *rng)
{
    if (!ds)
        return ihg_error_set(IHG_EINVAL, "ihg_idx_load_dataset: no data set");
    memset(ds, 0, sizeof *ds);
    if (!cfg || !rng)
        return ihg_error_set(IHG_EINVAL,
                             "ihg_idx_load_dataset: no config or generator");
    const char *cfgfile = cfg->path ? cfg->path : "<built-in experiment>";
    ihg_mark mk = cfg->data.images_mark;
    long n_train = cfg->data.images_n_train, n_val = cfg->data.images_n_val,
         n_test = cfg->data.images_n_test;
    if (n_train < 1 || n_val < 1 || n_test < 0)
        return ihg_error_at(IHG_EINVAL, cfgfile, cfg->data.images_mark.line, cfg->data.images_mark.column,
                            "data.images needs n_train >= 1, n_val >= 1 and "
                            "n_test >= 0 (got %ld, %ld, %ld)",
                            n_train, n_val, n_test);

    int status = IHG_OK, nomem = 0;
    char *dir = cfg->data.images_dir ? ihg_config_resolve(cfg,
                                                          cfg->data.images_dir)
                                     : strdup(IHG_IDX_DEFAULT_DIR);
    char *paths[4] = {NULL, NULL, NULL, NULL};
    ihg_idx im = {0}, lb = {0};
    size_t *idx = NULL;
    if (!dir)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    size_t nfiles = n_test > 0 ? 4 : 2;
    for (size_t i = 0; i < nfiles; i++)
        paths[i] = find_file(dir, file_names[i], &nomem);
    if (nomem) {
        status = ihg_error_set(IHG_ENOMEM, "out of memory");
        goto fail;
    }
    if (!paths[0] && !paths[1]) {
        status = ihg_error_at(IHG_EIO, cfgfile, mk.line, mk.column,
                              "Fashion-MNIST not found at %s: install the "
                              "Debian package dataset-fashion-mnist (apt-get "
                              "install dataset-fashion-mnist) or set "
                              "data.images.dir", dir);
        goto fail;
    }
    for (size_t i = 0; i < nfiles; i++)
        if (!paths[i]) {
            status = ihg_error_at(IHG_EIO, cfgfile, mk.line, mk.column,
                                  "%s/%s.gz (or without .gz) is missing from "
                                  "the IDX data set at %s: reinstall "
                                  "dataset-fashion-mnist or complete the "
                                  "directory", dir, file_names[i], dir);
            goto fail;
        }

    /* Training file: train and val, disjoint. */
    size_t most = (size_t)(n_train > n_val ? n_train : n_val);
    if ((status = read_pair(paths[0], paths[1], most,
                            n_train >= n_val ? "data.images.n_train" : "data.images.n_val",
                            &im, &lb)) != IHG_OK)
        goto fail;
    if ((unsigned long)n_train + (unsigned long)n_val > im.n) {
        status = ihg_error_at(IHG_EINVAL, cfgfile, cfg->data.images_mark.line, cfg->data.images_mark.column,
                              "data.images.n_train + n_val = %ld, but %s has "
                              "only %zu images", n_train + n_val, paths[0],
                              im.n);
        goto fail;
    }
    size_t rows = im.rows, cols = im.cols;
    idx = malloc(im.n * sizeof *idx);
    if (!idx) {
        status = ihg_error_set(IHG_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < im.n; i++)
        idx[i] = i;
    gsl_ran_shuffle(rng, idx, im.n, sizeof *idx);
    qsort(idx, (size_t)n_train, sizeof *idx, cmp_size);
    qsort(idx + n_train, (size_t)n_val, sizeof *idx, cmp_size);
    ds->train = take(&im, &lb, idx, (size_t)n_train);
    ds->val = ds->train ? take(&im, &lb, idx + n_train, (size_t)n_val) : NULL;
    if (!ds->train || !ds->val) {
        status = ihg_error_status() ? ihg_error_status() : IHG_ENOMEM;
        goto fail;
    }
    size_t n_file = im.n;
    ihg_idx_free(&im);
    ihg_idx_free(&lb);
    free(idx);
    idx = NULL;

    /* Test file. */
    size_t n_test_file = 0;
    if (n_test > 0) {
        if ((status = read_pair(paths[2], paths[3], (size_t)n_test, "data.images.n_test",
                                &im, &lb)) != IHG_OK)
            goto fail;
        if (im.rows != rows || im.cols != cols) {
            status = ihg_error_at(IHG_EIO, paths[2], 0, 0,
                                  "images are %zu x %zu but the training "
                                  "images are %zu x %zu", im.rows, im.cols,
                                  rows, cols);
            goto fail;
        }
        if ((unsigned long)n_test > im.n) {
            status = ihg_error_at(IHG_EINVAL, cfgfile, cfg->data.images_mark.line, cfg->data.images_mark.column,
                                  "data.images.n_test = %ld, but %s has only "
                                  "%zu images", n_test, paths[2], im.n);
            goto fail;
        }
        n_test_file = im.n;
        idx = malloc(im.n * sizeof *idx);
        if (!idx) {
            status = ihg_error_set(IHG_ENOMEM, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < im.n; i++)
            idx[i] = i;
        gsl_ran_shuffle(rng, idx, im.n, sizeof *idx);
        qsort(idx, (size_t)n_test, sizeof *idx, cmp_size);
        ds->test = take(&im, &lb, idx, (size_t)n_test);
        if (!ds->test) {
            status = ihg_error_status() ? ihg_error_status() : IHG_ENOMEM;
            goto fail;
        }
    }

    ds->d = rows * cols;
    ds->k = IDX_N_CLASSES;
    ds->task = IHG_TASK_MULTICLASS;
    ds->image_rows = rows;
    ds->image_cols = cols;
    {
        char buf[512];
        int fashion = strcmp(dir, IHG_IDX_DEFAULT_DIR) == 0;
        snprintf(buf, sizeof buf,
                 "%s%s%s: %ld train + %ld val (of %zu) + %ld test (of %zu), "
                 "%zux%zu, pixels/255",
                 fashion ? "Fashion-MNIST" : "IDX images",
                 fashion ? "" : " at ", fashion ? "" : dir, n_train, n_val,
                 n_file, n_test, n_test_file, rows, cols);
        ds->source = strdup(buf);
        ds->class_names = fashion ? ihg_fashion_mnist_classes : NULL;
        if (!ds->source) {
            status = ihg_error_set(IHG_ENOMEM, "out of memory");
            goto fail;
        }
    }
    ihg_idx_free(&im);
    ihg_idx_free(&lb);
    free(idx);
    for (size_t i = 0; i < 4 && i < IHG_DATASET_MAX_FILES; i++) {
        ds->files[i] = paths[i]; /* the files read, for output checks */
        paths[i] = NULL;
    }
    free(dir);
    return IHG_OK;

fail:
    ihg_idx_free(&im);
    ihg_idx_free(&lb);
    free(idx);
    for (size_t i = 0; i < 4; i++)
        free(paths[i]);
    free(dir);
    ihg_data_free(ds->train);
    ihg_data_free(ds->val);
    ihg_data_free(ds->test);
    free(ds->source);
    memset(ds, 0, sizeof *ds);
    return status;
}
