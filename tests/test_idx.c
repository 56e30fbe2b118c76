/* test_idx.c - the IDX reader (src/idx.c).
 *
 * Small IDX files, gzipped and plain, are written to a temporary directory
 * and read back byte for byte; malformed ones (bad magic, a label file
 * where images are expected, truncated header or data, trailing bytes, zero
 * or huge dimensions, labels > 9, corrupt gzip, a header announcing more
 * than a tiny gzip file can hold) are refused with a message naming the
 * file.  ihg_idx_load_dataset on a fake data set checks the split sizes,
 * that train and val do not overlap, that the same seed gives the same
 * subsample, the pixel scaling (byte / 255) and the messages for a missing
 * data set.  When Fashion-MNIST is installed in its Debian location a small
 * subsample of it is loaded too (otherwise an informational line says so).
 */
#include <errno.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "error.h"
#include "idx.h"

static char tmpdir[512];

static void be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* Write header (magic + dims) then len bytes of data, gzipped or plain. */
static void write_idx(const char *path, int gz, uint32_t magic,
                      const uint32_t *dims, int ndims,
                      const unsigned char *data, size_t len)
{
    unsigned char hdr[32];
    be32(hdr, magic);
    for (int i = 0; i < ndims; i++)
        be32(hdr + 4 + 4 * i, dims[i]);
    size_t hlen = 4 + 4 * (size_t)ndims;
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, hdr, (unsigned)hlen);
        if (len)
            gzwrite(f, data, (unsigned)len);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(hdr, 1, hlen, f);
        if (len)
            fwrite(data, 1, len, f);
        fclose(f);
    }
}

static void write_raw(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (len)
        fwrite(data, 1, len, f);
    fclose(f);
}

static char *tpath(const char *name)
{
    static char buf[8][700];
    static int slot;
    char *p = buf[slot++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

static int msg_has(const char *s)
{
    return strstr(ihg_error_message(), s) != NULL;
}

/* ---------- reading back ---------- */

static void check_roundtrip(void)
{
    unsigned char px[5 * 3 * 4], lab[5] = {0, 9, 3, 3, 7};
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (unsigned char)(i * 37 + 11);
    uint32_t di[3] = {5, 3, 4}, dl[1] = {5};
    for (int gz = 0; gz < 2; gz++) {
        const char *kind = gz ? "gzipped" : "plain";
        char *pi = tpath(gz ? "im.gz" : "im"), *pl = tpath(gz ? "lb.gz" : "lb");
        write_idx(pi, gz, 0x803, di, 3, px, sizeof px);
        write_idx(pl, gz, 0x801, dl, 1, lab, sizeof lab);
        ihg_idx im, lb;
        int st = ihg_idx_read_images(pi, &im);
        CHECK(st == IHG_OK && im.n == 5 && im.rows == 3 && im.cols == 4 &&
                  memcmp(im.data, px, sizeof px) == 0,
              "%s image file reads back (5 images of 3x4): %s", kind,
              st ? ihg_error_message() : "ok");
        st = ihg_idx_read_labels(pl, 9, &lb);
        CHECK(st == IHG_OK && lb.n == 5 && lb.rows == 0 &&
                  memcmp(lb.data, lab, sizeof lab) == 0,
              "%s label file reads back: %s", kind,
              st ? ihg_error_message() : "ok");
        ihg_idx_free(&im);
        ihg_idx_free(&lb);
        ihg_idx_free(&lb); /* twice: no-op */
    }
    ihg_idx_free(NULL);
}

/* ---------- malformed files ---------- */

typedef struct {
    const char *name;
    int images;     /* read as images (else labels) */
    const char *want; /* substring of the message */
} bad_case;

static void expect_error(const char *path, int images, const char *want,
                         const char *what)
{
    ihg_idx x;
    ihg_error_clear();
    int st = images ? ihg_idx_read_images(path, &x)
                    : ihg_idx_read_labels(path, 9, &x);
    CHECK(st == IHG_EIO && x.data == NULL && msg_has(path) && msg_has(want),
          "%s refused (%s)", what, ihg_error_message());
    if (st == IHG_OK)
        ihg_idx_free(&x);
}

static void check_malformed(void)
{
    unsigned char px[4 * 2 * 2] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                   13, 14, 15, 16};
    unsigned char lab[4] = {1, 2, 12, 3};
    uint32_t di[3] = {4, 2, 2}, dl[1] = {4};
    for (int gz = 0; gz < 2; gz++) {
        char what[128];
        const char *kind = gz ? "gzipped" : "plain";
        char *p = tpath(gz ? "bad.gz" : "bad");

        write_idx(p, gz, 0x804, di, 3, px, sizeof px);
        snprintf(what, sizeof what, "%s: bad magic 0x804", kind);
        expect_error(p, 1, "magic number 0x00000804", what);

        write_idx(p, gz, 0x801, dl, 1, lab, 2);
        snprintf(what, sizeof what, "%s: a label file read as images", kind);
        expect_error(p, 1, "label file", what);

        write_idx(p, gz, 0x803, di, 3, px, sizeof px - 1);
        snprintf(what, sizeof what, "%s: image data one byte short", kind);
        expect_error(p, 1, "truncated", what);

        write_idx(p, gz, 0x803, di, 3, px, 8);
        snprintf(what, sizeof what, "%s: half the images missing", kind);
        expect_error(p, 1, "truncated", what);

        uint32_t more[3] = {3, 2, 2};
        write_idx(p, gz, 0x803, more, 3, px, sizeof px);
        snprintf(what, sizeof what, "%s: one image more than the header says",
                 kind);
        expect_error(p, 1, "trailing data", what);

        uint32_t zero[3] = {4, 0, 2};
        write_idx(p, gz, 0x803, zero, 3, px, 0);
        snprintf(what, sizeof what, "%s: 0 rows", kind);
        expect_error(p, 1, "image size 0 x 2", what);

        uint32_t huge[3] = {4, 5000, 2};
        write_idx(p, gz, 0x803, huge, 3, px, sizeof px);
        snprintf(what, sizeof what, "%s: 5000 rows", kind);
        expect_error(p, 1, "must be 1 to 4096", what);

        uint32_t none[3] = {0, 2, 2};
        write_idx(p, gz, 0x803, none, 3, px, 0);
        snprintf(what, sizeof what, "%s: 0 images", kind);
        expect_error(p, 1, "0 images", what);

        write_idx(p, gz, 0x803, di, 1, NULL, 0); /* magic + 1 dim only */
        snprintf(what, sizeof what, "%s: truncated header", kind);
        expect_error(p, 1, "truncated header", what);

        write_idx(p, gz, 0x801, dl, 1, lab, sizeof lab);
        snprintf(what, sizeof what, "%s: label 12 > 9", kind);
        expect_error(p, 0, "label 12 of item 2 is out of range", what);

        uint32_t many[3] = {1000000, 28, 28};
        write_idx(p, gz, 0x803, many, 3, px, sizeof px);
        snprintf(what, sizeof what,
                 "%s: header announces 784 MB in a tiny file", kind);
        expect_error(p, 1, "truncated", what);
    }
    char *p = tpath("empty");
    write_raw(p, "", 0);
    expect_error(p, 1, "shorter than the 4-byte magic", "empty file");
    write_raw(p, "hello world, not an IDX file", 28);
    expect_error(p, 0, "not an IDX label file", "text file");
    expect_error(tpath("no-such-file.gz"), 1, "cannot open", "missing file");
    expect_error(tmpdir, 1, "not a regular file", "a directory");

    /* A gzip stream with its compressed middle overwritten. */
    unsigned char big[4000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)((i * i * 7 + i / 3) & 0xff);
    uint32_t db[3] = {10, 20, 20};
    p = tpath("corrupt.gz");
    write_idx(p, 1, 0x803, db, 3, big, sizeof big);
    FILE *f = fopen(p, "r+b");
    fseek(f, 40, SEEK_SET);
    for (int i = 0; i < 64; i++)
        fputc(0xff, f);
    fclose(f);
    expect_error(p, 1, "", "gzip file with corrupted deflate data");
}

/* ---------- the data set loader ---------- */

#define FN 40 /* training images in the fake set */
#define FT 15 /* test images */

/* Images 2x3: byte 0 = the image's id (its index, + 100 in the test file),
 * the others a pattern; label = id % 10. */
static void write_fake_set(const char *dir, int gz, int with_test)
{
    char p[700];
    unsigned char px[FN * 6], lab[FN];
    for (int part = 0; part < (with_test ? 2 : 1); part++) {
        size_t n = part ? FT : FN;
        for (size_t i = 0; i < n; i++) {
            unsigned id = (unsigned)i + (part ? 100u : 0u);
            px[i * 6] = (unsigned char)id;
            for (size_t j = 1; j < 6; j++)
                px[i * 6 + j] = (unsigned char)((id * 31 + j * 50) & 0xff);
            lab[i] = (unsigned char)(id % 10);
        }
        px[5] = 255; /* the top of the range */
        uint32_t di[3] = {(uint32_t)n, 2, 3}, dl[1] = {(uint32_t)n};
        const char *sfx = gz ? ".gz" : "";
        snprintf(p, sizeof p, "%s/%s-images-idx3-ubyte%s", dir,
                 part ? "t10k" : "train", sfx);
        write_idx(p, gz, 0x803, di, 3, px, n * 6);
        snprintf(p, sizeof p, "%s/%s-labels-idx1-ubyte%s", dir,
                 part ? "t10k" : "train", sfx);
        write_idx(p, gz, 0x801, dl, 1, lab, n);
    }
}

static void cfg_images(ihg_config *cfg, const char *dir, long nt, long nv,
                       long ne)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->data.images_dir = (char *)dir;
    cfg->data.images_n_train = nt;
    cfg->data.images_n_val = nv;
    cfg->data.images_n_test = ne;
}

/* The ids (byte 0 * 255) of a split, as a bitmap over 0..255. */
static void ids_of(const ihg_data *D, unsigned char *seen, int *dup)
{
    for (size_t i = 0; i < D->n; i++) {
        unsigned id = (unsigned)(gsl_matrix_get(D->X, i, 0) * 255.0 + 0.5);
        if (seen[id])
            *dup = 1;
        seen[id] = 1;
    }
}

static void check_dataset(void)
{
    char dgz[600], dplain[600], dpart[600];
    snprintf(dgz, sizeof dgz, "%s/gz", tmpdir);
    snprintf(dplain, sizeof dplain, "%s/plain", tmpdir);
    snprintf(dpart, sizeof dpart, "%s/partial", tmpdir);
    mkdir(dgz, 0700);
    mkdir(dplain, 0700);
    mkdir(dpart, 0700);
    write_fake_set(dgz, 1, 1);
    write_fake_set(dplain, 0, 0);
    {
        char p[700];
        unsigned char px[6] = {0};
        uint32_t di[3] = {1, 2, 3};
        snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dpart);
        write_idx(p, 1, 0x803, di, 3, px, 6);
    }

    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    ihg_config cfg;
    ihg_dataset ds, ds2;

    cfg_images(&cfg, dgz, 12, 10, 5);
    gsl_rng_set(rng, 7);
    int st = ihg_idx_load_dataset(&ds, &cfg, rng);
    CHECK(st == IHG_OK, "fake gzipped set loads: %s",
          st ? ihg_error_message() : "ok");
    if (st == IHG_OK) {
        CHECK(ds.train->n == 12 && ds.val->n == 10 && ds.test && ds.test->n == 5 &&
                  ds.d == 6 && ds.train->X->size2 == 6 && ds.k == 10 &&
                  ds.task == IHG_TASK_MULTICLASS && ds.image_rows == 2 &&
                  ds.image_cols == 3 && ds.source != NULL,
              "shapes: 12 + 10 + 5 images of 2x3, k = 10, multiclass (%s)",
              ds.source ? ds.source : "no source");
        unsigned char seen[256] = {0};
        int dup = 0;
        ids_of(ds.train, seen, &dup);
        ids_of(ds.val, seen, &dup);
        CHECK(!dup, "train and val do not overlap (and have no repeats)");
        int range = 1, labels = 1, scaled = 1, test_ids = 1;
        const ihg_data *parts[3] = {ds.train, ds.val, ds.test};
        for (int k = 0; k < 3; k++)
            for (size_t i = 0; i < parts[k]->n; i++) {
                unsigned id =
                    (unsigned)(gsl_matrix_get(parts[k]->X, i, 0) * 255.0 + 0.5);
                if (k == 2)
                    test_ids &= id >= 100 && id < 100 + FT;
                else
                    test_ids &= id < FN;
                labels &= gsl_vector_get(parts[k]->y, i) == (double)(id % 10);
                for (size_t j = 0; j < 6; j++) {
                    double x = gsl_matrix_get(parts[k]->X, i, j);
                    range &= x >= 0.0 && x <= 1.0;
                    unsigned char b =
                        j ? (unsigned char)((id * 31 + j * 50) & 0xff)
                          : (unsigned char)id;
                    if ((id == 0 || id == 100) && j == 5)
                        b = 255;
                    scaled &= x == b / 255.0;
                }
            }
        CHECK(range, "pixels in [0, 1]");
        CHECK(scaled, "pixel = byte / 255 exactly");
        CHECK(labels, "labels follow their images");
        CHECK(test_ids, "test images come from the t10k file, train/val "
                        "from the train file");

        gsl_rng_set(rng, 7);
        st = ihg_idx_load_dataset(&ds2, &cfg, rng);
        CHECK(st == IHG_OK &&
                  gsl_matrix_equal(ds.train->X, ds2.train->X) &&
                  gsl_matrix_equal(ds.val->X, ds2.val->X) &&
                  gsl_matrix_equal(ds.test->X, ds2.test->X),
              "same seed, same subsample");
        ihg_dataset_free(&ds2);
        gsl_rng_set(rng, 8);
        st = ihg_idx_load_dataset(&ds2, &cfg, rng);
        CHECK(st == IHG_OK && !gsl_matrix_equal(ds.train->X, ds2.train->X),
              "another seed, another subsample");
        ihg_dataset_free(&ds2);
        ihg_dataset_free(&ds);
    }

    /* All 40 training images split 30 + 10; plain files; no test file
     * needed when n_test = 0. */
    cfg_images(&cfg, dplain, 30, 10, 0);
    st = ihg_idx_load_dataset(&ds, &cfg, rng);
    CHECK(st == IHG_OK && ds.train->n == 30 && ds.val->n == 10 &&
              ds.test == NULL,
          "plain files, the whole training file, no t10k files with n_test "
          "= 0: %s", st ? ihg_error_message() : "ok");
    if (st == IHG_OK) {
        unsigned char seen[256] = {0};
        int dup = 0;
        ids_of(ds.train, seen, &dup);
        ids_of(ds.val, seen, &dup);
        int all = 1;
        for (int i = 0; i < FN; i++)
            all &= seen[i];
        CHECK(!dup && all, "30 + 10 of 40: every image used exactly once");
    }
    ihg_dataset_free(&ds);

    cfg_images(&cfg, dplain, 31, 10, 0);
    ihg_error_clear();
    st = ihg_idx_load_dataset(&ds, &cfg, rng);
    CHECK(st == IHG_EINVAL && msg_has("n_train + n_val = 41") &&
              ds.train == NULL,
          "31 + 10 of 40 training images refused (%s)", ihg_error_message());
    cfg_images(&cfg, dgz, 5, 5, 16);
    st = ihg_idx_load_dataset(&ds, &cfg, rng);
    CHECK(st == IHG_EINVAL && msg_has("n_test = 16") && ds.train == NULL,
          "16 of 15 test images refused (%s)", ihg_error_message());
    cfg_images(&cfg, dplain, 5, 5, 1);
    st = ihg_idx_load_dataset(&ds, &cfg, rng);
    CHECK(st == IHG_EIO && msg_has("t10k-images-idx3-ubyte") &&
              msg_has("missing"),
          "n_test > 0 without t10k files refused (%s)", ihg_error_message());

    char nodir[700];
    snprintf(nodir, sizeof nodir, "%s/nothing-here", tmpdir);
    cfg_images(&cfg, nodir, 5, 5, 0);
    st = ihg_idx_load_dataset(&ds, &cfg, rng);
    CHECK(st == IHG_EIO && msg_has("Fashion-MNIST not found at") &&
              msg_has(nodir) &&
              msg_has("apt-get install dataset-fashion-mnist") &&
              msg_has("data.images.dir"),
          "missing directory names the package (%s)", ihg_error_message());
    cfg_images(&cfg, dpart, 1, 1, 0);
    st = ihg_idx_load_dataset(&ds, &cfg, rng);
    CHECK(st == IHG_EIO && msg_has("train-labels-idx1-ubyte") &&
              msg_has("missing"),
          "a missing label file is named (%s)", ihg_error_message());
    gsl_rng_free(rng);
}

static void check_fashion_mnist(void)
{
    struct stat st_;
    if (stat(IHG_IDX_DEFAULT_DIR, &st_) != 0) {
        printf("info: %s not installed; the Fashion-MNIST check did not "
               "run\n", IHG_IDX_DEFAULT_DIR);
        return;
    }
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 1);
    ihg_config cfg;
    cfg_images(&cfg, NULL, 100, 50, 20);
    ihg_dataset ds;
    int st = ihg_idx_load_dataset(&ds, &cfg, rng);
    CHECK(st == IHG_OK, "Fashion-MNIST loads from %s: %s", IHG_IDX_DEFAULT_DIR,
          st ? ihg_error_message() : ds.source);
    if (st == IHG_OK) {
        CHECK(ds.train->n == 100 && ds.val->n == 50 && ds.test->n == 20 &&
                  ds.d == 784 && ds.image_rows == 28 && ds.image_cols == 28 &&
                  ds.k == 10,
              "Fashion-MNIST: 100 + 50 + 20 images of 28x28, 10 classes");
        double lo = 1.0, hi = 0.0;
        int labels = 1, classes[10] = {0};
        const ihg_data *parts[3] = {ds.train, ds.val, ds.test};
        for (int k = 0; k < 3; k++) {
            lo = fmin(lo, gsl_matrix_min(parts[k]->X));
            hi = fmax(hi, gsl_matrix_max(parts[k]->X));
            for (size_t i = 0; i < parts[k]->n; i++) {
                double y = gsl_vector_get(parts[k]->y, i);
                labels &= y >= 0 && y <= 9 && y == floor(y);
                if (labels)
                    classes[(int)y] = 1;
            }
        }
        int all = 1;
        for (int c = 0; c < 10; c++)
            all &= classes[c];
        CHECK(lo == 0.0 && hi == 1.0,
              "Fashion-MNIST pixels span [0, 1] (min %g, max %g)", lo, hi);
        CHECK(labels && all, "Fashion-MNIST labels in 0..9, every class seen");
        ihg_dataset_free(&ds);
    }
    gsl_rng_free(rng);
}

static void remove_tree(const char *dir)
{
    /* Only the files this test wrote. */
    const char *sub[] = {"gz", "plain", "partial", ""};
    const char *names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    char p[800];
    for (size_t s = 0; s < 3; s++) {
        for (size_t i = 0; i < 4; i++) {
            snprintf(p, sizeof p, "%s/%s/%s.gz", dir, sub[s], names[i]);
            unlink(p);
            snprintf(p, sizeof p, "%s/%s/%s", dir, sub[s], names[i]);
            unlink(p);
        }
        snprintf(p, sizeof p, "%s/%s", dir, sub[s]);
        rmdir(p);
    }
    const char *files[] = {"im", "im.gz", "lb", "lb.gz", "bad", "bad.gz",
                           "empty", "corrupt.gz"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    ihg_error_install_gsl_handler();
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/ihg-idx-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL: cannot create a temporary directory: %s\n",
               strerror(errno));
        return 1;
    }
    check_roundtrip();
    check_malformed();
    check_dataset();
    check_fashion_mnist();
    remove_tree(tmpdir);
    return check_summary();
}
