/* test_data.c - CSV reader, data set assembly, splits, standardization,
 * synthetic generators and the shipped data sets.
 *
 * Shipped files are found under $top_srcdir/experiments/data (default ".");
 * files for the loader tests are written to a fresh temporary directory.
 */
#include <gsl/gsl_rng.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "data.h"
#include "error.h"

static char tmpdir[256];
static char shipped_dir[1024];

/* Parse from an exact-size heap copy, so ASan catches any read past len. */
static int parse(const char *text, size_t len, const char *target,
                 ihg_task task, ihg_data **out, size_t *k)
{
    char *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, text, len);
    int st = ihg_csv_parse("t.csv", copy, len, target, task, out, k);
    free(copy);
    return st;
}

static int parse_s(const char *text, const char *target, ihg_task task,
                   ihg_data **out, size_t *k)
{
    return parse(text, strlen(text), target, task, out, k);
}

/* Expect a parse error with exactly this message. */
static void expect_error(const char *what, const char *text, size_t len,
                         const char *target, ihg_task task, const char *msg)
{
    ihg_data *d = (ihg_data *)1;
    ihg_error_clear();
    int st = parse(text, len, target, task, &d, NULL);
    int ok = st != IHG_OK && d == NULL &&
             strcmp(ihg_error_message(), msg) == 0;
    CHECK(ok, "%s: \"%s\"%s%s", what, ihg_error_message(),
          ok ? "" : " want ", ok ? "" : msg);
}

static void expect_error_s(const char *what, const char *text,
                           const char *target, ihg_task task, const char *msg)
{
    expect_error(what, text, strlen(text), target, task, msg);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(99);
    }
    fputs(text, f);
    fclose(f);
}

/* Expect ihg_dataset_load to fail with "TMPDIR/" + msg and an empty
 * data set. */
static void expect_load_error(const char *what, const ihg_config *cfg, ihg_task task,
                              const char *msg)
{
    ihg_dataset ds;
    char want[1024];
    snprintf(want, sizeof want, "%s/%s", tmpdir, msg);
    int st = ihg_dataset_load(&ds, cfg, task, NULL);
    CHECK(st == IHG_EIO && strcmp(ihg_error_message(), want) == 0 && ds.train == NULL,
          "%s: %s", what, ihg_error_message());
    ihg_dataset_free(&ds);
}

static void cfg_init(ihg_config *cfg, const char *dir)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = (char *)"exp.yaml";
    cfg->dir = (char *)dir;
    cfg->data.split_val = 0.25;
    cfg->data.syn_n = 50;
    cfg->data.syn_n_val = 20;
    cfg->data.syn_n_test = 0;
    cfg->data.syn_d = 3;
    cfg->data.syn_k = 3;
    cfg->data.syn_noise = 0.1;
}

static int data_equal(const ihg_data *a, const ihg_data *b)
{
    if (!a || !b)
        return a == b;
    if (a->n != b->n || a->d != b->d)
        return 0;
    return gsl_matrix_equal(a->X, b->X) && gsl_vector_equal(a->y, b->y);
}

/* ---- the CSV reader ---------------------------------------------------- */

static void test_csv_good(void)
{
    ihg_data *d = NULL;
    size_t k = 99;
    int st;

    st = parse_s("a,b,y\n1,2,3\n4,5,6\n", NULL, IHG_TASK_REGRESSION, &d, &k);
    CHECK(st == IHG_OK && d && d->n == 2 && d->d == 2, "basic: 2 rows x 2");
    CHECK(d && gsl_matrix_get(d->X, 1, 0) == 4 &&
              gsl_matrix_get(d->X, 1, 1) == 5 && gsl_vector_get(d->y, 0) == 3 &&
              gsl_vector_get(d->y, 1) == 6,
          "basic: values in place, target = last column");
    CHECK(k == 0, "basic: regression reports no classes");
    ihg_data_free(d);

    st = parse_s(" a , b ,\ty\r\n 1 , 2 ,  3\r\n\r\n-4.5e1 ,+.5, 6.\r\n\r\n \r\n",
                 NULL, IHG_TASK_REGRESSION, &d, NULL);
    CHECK(st == IHG_OK && d && d->n == 2 && d->d == 2,
          "CRLF, spaces, tabs, blank lines: 2 rows");
    CHECK(d && gsl_matrix_get(d->X, 1, 0) == -45 &&
              gsl_matrix_get(d->X, 1, 1) == 0.5 && gsl_vector_get(d->y, 1) == 6,
          "signs, exponents, leading/trailing decimal points");
    ihg_data_free(d);

    st = parse_s("a,y\n1,2\n3,4", NULL, IHG_TASK_REGRESSION, &d, NULL);
    CHECK(st == IHG_OK && d && d->n == 2 && gsl_vector_get(d->y, 1) == 4,
          "no final newline");
    ihg_data_free(d);

    st = parse_s("y,a,b\n10,1,2\n20,3,4\n", "y", IHG_TASK_REGRESSION, &d,
                 NULL);
    CHECK(st == IHG_OK && d && d->d == 2 && gsl_vector_get(d->y, 1) == 20 &&
              gsl_matrix_get(d->X, 1, 0) == 3 && gsl_matrix_get(d->X, 1, 1) == 4,
          "target by name (first column)");
    ihg_data_free(d);

    st = parse_s("a,y,b\n1,10,2\n", "y", IHG_TASK_REGRESSION, &d, NULL);
    CHECK(st == IHG_OK && d && gsl_matrix_get(d->X, 0, 1) == 2 &&
              gsl_vector_get(d->y, 0) == 10,
          "target by name (middle column), features keep file order");
    ihg_data_free(d);

    st = parse_s("\"a,b\",\"say \"\"hi\"\"\",y\n1,2,3\n", "say \"hi\"",
                 IHG_TASK_REGRESSION, &d, NULL);
    CHECK(st == IHG_OK && d && d->d == 2 && gsl_vector_get(d->y, 0) == 2,
          "quoted header names with commas and doubled quotes");
    ihg_data_free(d);

    st = parse_s("\xEF\xBB\xBFx,y\n1,0\n", NULL, IHG_TASK_BINARY, &d, &k);
    CHECK(st == IHG_OK && d && d->n == 1 && k == 2, "UTF-8 BOM ignored");
    ihg_data_free(d);

    st = parse_s("x,y\n1,0\n2,1\n3,1\n", NULL, IHG_TASK_BINARY, &d, &k);
    CHECK(st == IHG_OK && k == 2, "binary labels 0/1, k = 2");
    ihg_data_free(d);

    st = parse_s("x,y\n1,0\n2,4\n3,2.0\n", NULL, IHG_TASK_MULTICLASS, &d, &k);
    CHECK(st == IHG_OK && k == 5 && d && gsl_vector_get(d->y, 2) == 2,
          "multiclass: n_classes = max label + 1 (got %zu)", k);
    ihg_data_free(d);

    /* Only len bytes are read: the text beyond is not part of the file. */
    const char *t = "a,y\n1,2\n3,oops";
    st = parse(t, 8, NULL, IHG_TASK_REGRESSION, &d, NULL);
    CHECK(st == IHG_OK && d && d->n == 1, "reads only len bytes");
    ihg_data_free(d);
}

static void test_csv_errors(void)
{
    const ihg_task R = IHG_TASK_REGRESSION;

    expect_error_s("ragged, too few", "a,b,c,y\n1,2,3,4\n1,2,3\n", NULL, R,
                   "t.csv:3:6: row has 3 fields, header has 4");
    expect_error_s("ragged, too few, trailing spaces", "a,b,y\n1 ,2  \n",
                   NULL, R, "t.csv:2:5: row has 2 fields, header has 3");
    expect_error_s("ragged, too many", "a,y\n1,2\n1,2,3\n", NULL, R,
                   "t.csv:3:5: row has 3 fields, header has 2");
    expect_error_s("ragged, one field", "a,y\n1,2\n\n7\n", NULL, R,
                   "t.csv:4:2: row has 1 field, header has 2");
    expect_error_s("ragged, trailing comma", "a,y\n1,2,\n", NULL, R,
                   "t.csv:2:5: row has 3 fields, header has 2");
    expect_error_s("non-numeric", "a,y\n1,2\n3, abc\n", NULL, R,
                   "t.csv:3:4: 'abc' is not a number");
    expect_error_s("quoted cell: column of its opening quote",
                   "a,y\n1, \"z\"\n", NULL, R,
                   "t.csv:2:4: 'z' is not a number");
    expect_error_s("columns count UTF-8 characters, not bytes",
                   "\xC3\xA9t\xC3\xA9,\xC3\xA9t\xC3\xA9\n", NULL, R,
                   "t.csv:1:5: duplicate column name '\xC3\xA9t\xC3\xA9' "
                   "(also column 1)");
    expect_error_s("hex is not a decimal", "a,y\n0x10,2\n", NULL, R,
                   "t.csv:2:1: '0x10' is not a number");
    expect_error_s("comma decimal", "a,y\n1;5,2\n", NULL, R,
                   "t.csv:2:1: '1;5' is not a number");
    expect_error_s("lone sign", "a,y\n-,2\n", NULL, R,
                   "t.csv:2:1: '-' is not a number");
    expect_error_s("bad exponent", "a,y\n1e,2\n", NULL, R,
                   "t.csv:2:1: '1e' is not a number");
    expect_error_s("NaN", "a,y\n1,NaN\n", NULL, R,
                   "t.csv:2:3: non-finite value 'NaN'");
    expect_error_s("-inf", "a,y\n-inf,1\n", NULL, R,
                   "t.csv:2:1: non-finite value '-inf'");
    expect_error_s("overflow", "a,y\n1,1e999\n", NULL, R,
                   "t.csv:2:3: non-finite value '1e999'");
    expect_error_s("empty cell", "a,b,y\n1,,2\n", NULL, R,
                   "t.csv:2:3: empty cell in column 'b'");
    expect_error_s("empty cell, spaces", "a,b,y\n1,   ,2\n", NULL, R,
                   "t.csv:2:6: empty cell in column 'b'");
    expect_error_s("empty file", "", NULL, R,
                   "t.csv:1:1: empty file: expected a header row of column "
                   "names");
    expect_error_s("blank file", "\n \r\n\n", NULL, R,
                   "t.csv:3:1: empty file: expected a header row of column "
                   "names");
    expect_error_s("header only", "a,y\n", NULL, R,
                   "t.csv:2:1: no data rows after the header");
    expect_error_s("header only, blank lines", "a,y\r\n\r\n  \r\n", NULL, R,
                   "t.csv:2:1: no data rows after the header");
    expect_error_s("one column", "y\n1\n", NULL, R,
                   "t.csv:1:1: need at least two columns (features and a "
                   "target), the header has 1");
    expect_error_s("duplicate header", "a,b,a,y\n1,2,3,4\n", NULL, R,
                   "t.csv:1:5: duplicate column name 'a' (also column 1)");
    expect_error_s("first duplicate in file order", "b,a,c,a,b\n", NULL, R,
                   "t.csv:1:7: duplicate column name 'a' (also column 2)");
    expect_error_s("empty header name", "a,,y\n1,2,3\n", NULL, R,
                   "t.csv:1:3: empty column name in the header");
    expect_error_s("unterminated quote", "a,\"y\n1,2\n", NULL, R,
                   "t.csv:1:3: unterminated quoted cell");
    expect_error_s("text after quote", "a,\"y\"z\n1,2\n", NULL, R,
                   "t.csv:1:6: unexpected text after a closing quote");
    expect_error_s("target not found", "a,b,y\n1,2,3\n", "z", R,
                   "t.csv:1:1: no target column named 'z' (columns: a, b, "
                   "y)");
    expect_error_s("binary label 2", "a,y\n1,0\n1,2\n", NULL,
                   IHG_TASK_BINARY,
                   "t.csv:3:3: label '2' must be 0 or 1 for a binary task");
    expect_error_s("binary label 0.5", "a,y\n1, 0.5\n", NULL, IHG_TASK_BINARY,
                   "t.csv:2:4: label '0.5' must be 0 or 1 for a binary task");
    expect_error_s("multiclass negative", "a,y\n1,-1\n", NULL,
                   IHG_TASK_MULTICLASS,
                   "t.csv:2:3: class label '-1' must be an integer from 0 to "
                   "999");
    expect_error_s("multiclass fraction", "a,y\n1,1.5\n", NULL,
                   IHG_TASK_MULTICLASS,
                   "t.csv:2:3: class label '1.5' must be an integer from 0 "
                   "to 999");
    expect_error_s("multiclass 1000", "y,a\n1000,1\n", "y",
                   IHG_TASK_MULTICLASS,
                   "t.csv:2:1: class label '1000' must be an integer from 0 "
                   "to 999");
    expect_error_s("no header row: the first row is numbers",
                   "1.5,2,0\n3,4,1\n", NULL, R,
                   "t.csv:1:1: the first row holds numbers ('1.5', ...), not "
                   "column names: the file needs a header row");
    expect_error_s("no header row, padded", "\n  -1 , 2e3\n3,4\n", NULL, R,
                   "t.csv:2:3: the first row holds numbers ('-1', ...), not "
                   "column names: the file needs a header row");
    /* Input strings reach messages escaped (error.h): a column name with
     * terminal controls, C1 controls and invalid UTF-8. */
    expect_error_s("column name escaped",
                   "a,\x1b]0;pwned\x07\xc2\x9b" "2J\xff,y\n1,,2\n", NULL, R,
                   "t.csv:2:3: empty cell in column "
                   "'\\e]0;pwned\\a\\x9b2J\\xff'");
    expect_error_s("target name and column list escaped",
                   "a\x1b[2J,y\n1,2\n", "\x1b[31mz", R,
                   "t.csv:1:1: no target column named '\\e[31mz' (columns: "
                   "a\\e[2J, y)");
    expect_error("NUL byte", "a,y\n1,\0\n", 8, NULL, R,
                 "t.csv:2:3: NUL byte: not a text CSV file");
    expect_error("binary file", "\x7f" "ELF\x02\x01\x01\0\0", 9, NULL, R,
                 "t.csv:1:8: NUL byte: not a text CSV file");
    {
        char longnum[600];
        memset(longnum, '1', sizeof longnum);
        memcpy(longnum, "a,y\n1,", 6);
        longnum[sizeof longnum - 1] = '\0';
        expect_error_s("number too long", longnum, NULL, R,
                       "t.csv:2:3: number '1111111111111111111111111111111111"
                       "111111...' is too long");
    }

    /* Too large: 100001 columns x 1000 rows > 1e8 cells, refused before
     * allocating. */
    {
        size_t cols = 100001, rows = 1000, cap = cols * 8 + rows * 2 + 16;
        char *big = malloc(cap), *p = big;
        for (size_t j = 0; j < cols; j++)
            p += sprintf(p, "%sc%zu", j ? "," : "", j);
        *p++ = '\n';
        for (size_t i = 0; i < rows; i++) {
            *p++ = '1';
            *p++ = '\n';
        }
        expect_error("too large", big, (size_t)(p - big), NULL, R,
                     "t.csv:1:1: too large: 1000 rows x 100001 columns (at "
                     "most 100000000 cells)");
        free(big);
    }
}

/* Numbers are read in the C locale whatever LC_NUMERIC says. */
static void test_csv_locale(void)
{
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                           "fr_FR.utf8", "ru_RU.UTF-8"};
    const char *got = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !got; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (!got) {
        printf("# no comma-decimal locale installed: locale check skipped\n");
        return;
    }
    ihg_data *d = NULL;
    int st = parse_s("a,y\n1.5,2\n", NULL, IHG_TASK_REGRESSION, &d, NULL);
    CHECK(st == IHG_OK && d && gsl_matrix_get(d->X, 0, 0) == 1.5,
          "'1.5' read as 1.5 under LC_NUMERIC=%s", got);
    ihg_data_free(d);
    setlocale(LC_NUMERIC, "C");
}

/* Every prefix of a good file, and random bytes, must parse or fail
 * cleanly (ASan checks the bounds). */
static void test_csv_robust(void)
{
    const char *good = "\xEF\xBB\xBF\"a\",b , y\r\n1,2,0\r\n\r\n3 ,4,1\n5,6,1";
    size_t n = strlen(good), crashes = 0;
    for (size_t len = 0; len <= n; len++) {
        ihg_data *d = NULL;
        size_t k;
        int st = parse(good, len, NULL, IHG_TASK_BINARY, &d, &k);
        if ((st == IHG_OK) != (d != NULL))
            crashes++;
        ihg_data_free(d);
    }
    CHECK(crashes == 0, "every prefix of a file parses or fails cleanly");

    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    const char alphabet[] = "0123456789.,-+eE\"\r\n \tnaifxy\x80\xC3";
    size_t bad = 0;
    for (int trial = 0; trial < 2000; trial++) {
        size_t len = gsl_rng_uniform_int(r, 64);
        char buf[64];
        for (size_t i = 0; i < len; i++)
            buf[i] = trial % 4 == 0
                         ? (char)gsl_rng_uniform_int(r, 256)
                         : alphabet[gsl_rng_uniform_int(r,
                                                        sizeof alphabet - 1)];
        ihg_data *d = NULL;
        size_t k;
        int st = parse(buf, len, trial % 2 ? "y" : NULL,
                       (ihg_task)(trial % 4), &d, &k);
        if ((st == IHG_OK) != (d != NULL))
            bad++;
        if (st != IHG_OK && strncmp(ihg_error_message(), "t.csv:", 6) != 0)
            bad++;
        ihg_data_free(d);
    }
    gsl_rng_free(r);
    CHECK(bad == 0, "2000 random inputs: clean results, every error "
                    "positioned");
}

/* ---- data sets from files ---------------------------------------------- */

static void test_files(void)
{
    ihg_config cfg;
    ihg_dataset ds;
    char want[1024];
    int st;

    write_file("train.csv", "a,b,y\n1,2,0\n3,4,2\n5,6,1\n");
    write_file("val.csv", "a,b,y\n7,8,4\n");
    write_file("test.csv", "a,b,y\n9,10,1\n11,12,3\n");
    write_file("val3.csv", "a,b,c,y\n7,8,9,1\n");
    write_file("bad.csv", "a,b,y\n1,2,0\n3,x,1\n");

    cfg_init(&cfg, tmpdir);
    cfg.data.train = (char *)"train.csv";
    cfg.data.val = (char *)"val.csv";
    cfg.data.test = (char *)"test.csv";
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_MULTICLASS, NULL);
    CHECK(st == IHG_OK && ds.train && ds.val && ds.test &&
              ds.train->n == 3 && ds.val->n == 1 && ds.test->n == 2 &&
              ds.d == 2,
          "train/val/test files: 3 + 1 + 2 rows, 2 features (%s)",
          st ? ihg_error_message() : "ok");
    CHECK(ds.k == 5 && ds.task == IHG_TASK_MULTICLASS,
          "k = max label over all splits + 1 (got %zu)", ds.k);
    CHECK(ds.source && strcmp(ds.source, "train.csv + val.csv + test.csv "
                                         "(3 + 1 + 2 rows, 2 features)") == 0,
          "source: %s", ds.source ? ds.source : "(null)");
    ihg_dataset_free(&ds);
    CHECK(ds.train == NULL && ds.source == NULL, "dataset_free clears");
    ihg_dataset_free(&ds);
    ihg_dataset_free(NULL);
    CHECK(1, "dataset_free twice and on NULL");

    cfg.data.test = NULL;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, NULL);
    CHECK(st == IHG_OK && ds.test == NULL && ds.k == 0 && ds.source &&
              strcmp(ds.source, "train.csv + val.csv (3 + 1 rows, 2 "
                                "features)") == 0,
          "train + val only: no test set");
    ihg_dataset_free(&ds);

    /* Missing file: reported at the YAML key. */
    cfg.data.train = (char *)"nope.csv";
    cfg.data.train_mark.line = 3;
    cfg.data.train_mark.column = 10;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, NULL);
    CHECK(st == IHG_EIO &&
              strcmp(ihg_error_message(),
                     "exp.yaml:3:10: cannot open data file 'nope.csv': No "
                     "such file or directory") == 0 &&
              ds.train == NULL,
          "missing file at its YAML key: %s", ihg_error_message());

    cfg.data.train = (char *)".";
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, NULL);
    CHECK(st == IHG_EIO && strcmp(ihg_error_message(),
                                  "exp.yaml:3:10: cannot read data file '.': "
                                  "Is a directory") == 0,
          "directory as data file: %s", ihg_error_message());

    /* Column count mismatch names the file. */
    cfg.data.train = (char *)"train.csv";
    cfg.data.val = (char *)"val3.csv";
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, NULL);
    snprintf(want, sizeof want,
             "%s/val3.csv:1:5: column 3 is 'c' but in the training file "
             "'train.csv' it is 'y': the columns must have the training "
             "file's names, in its order",
             tmpdir);
    CHECK(st == IHG_EIO && strcmp(ihg_error_message(), want) == 0 &&
              ds.train == NULL && ds.val == NULL,
          "column mismatch names the file: %s", ihg_error_message());

    /* Columns are matched by name: swapped columns are refused, at the
     * first column that differs. */
    write_file("swapped.csv", "b,a,y\n7,8,1\n");
    write_file("short.csv", "a,b\n7,8\n");
    cfg.data.val = (char *)"swapped.csv";
    expect_load_error("swapped columns refused", &cfg, IHG_TASK_REGRESSION,
                      "swapped.csv:1:1: column 1 is 'b' but in the training file "
                      "'train.csv' it is 'a': the columns must have the training "
                      "file's names, in its order");
    cfg.data.val = (char *)"val.csv";
    cfg.data.test = (char *)"short.csv";
    expect_load_error("a test file with a column fewer refused", &cfg,
                      IHG_TASK_REGRESSION,
                      "short.csv:1:3: 2 columns, but the training file 'train.csv' "
                      "has 3: the columns must have the training file's names, in "
                      "its order");
    cfg.data.test = NULL;

    /* The files read are kept for the output checks (output.h). */
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, NULL);
    snprintf(want, sizeof want, "%s/val.csv", tmpdir);
    CHECK(st == IHG_OK && ds.files[0] && strstr(ds.files[0], "train.csv") &&
              ds.files[1] && strcmp(ds.files[1], want) == 0 && !ds.files[2],
          "files read: %s, %s", ds.files[0] ? ds.files[0] : "-",
          ds.files[1] ? ds.files[1] : "-");
    ihg_dataset_free(&ds);

    /* A stray label that would make classes without examples. */
    write_file("stray.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,999\n7,8,2\n");
    cfg.data.train = (char *)"stray.csv";
    expect_load_error("label 999 among 0..4 refused at its cell", &cfg,
                      IHG_TASK_MULTICLASS,
                      "stray.csv:4:5: class label 999 makes 1000 classes, but 995 "
                      "of them (3, 5, 6, ...) have no example: class labels must be "
                      "0, 1, ..., k-1 (a real-valued target needs a regression model "
                      "such as ridge)");
    write_file("gap.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,3\n");
    cfg.data.train = (char *)"gap.csv";
    cfg.data.val = (char *)"gap.csv";
    expect_load_error("one class without an example refused", &cfg,
                      IHG_TASK_MULTICLASS,
                      "gap.csv:4:5: class label 3 makes 4 classes, but 1 of them "
                      "(2) have no example: class labels must be 0, 1, ..., k-1 (a "
                      "real-valued target needs a regression model such as ridge)");
    cfg.data.train = (char *)"train.csv";
    cfg.data.val = (char *)"val.csv";

    /* Errors inside a file point into it. */
    cfg.data.val = (char *)"bad.csv";
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, NULL);
    snprintf(want, sizeof want, "%s/bad.csv:3:3: 'x' is not a number",
             tmpdir);
    CHECK(st == IHG_EIO && strcmp(ihg_error_message(), want) == 0,
          "bad cell in val file: %s", ihg_error_message());

    /* Binary labels checked in every file. */
    cfg.data.val = (char *)"val.csv";
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_BINARY, NULL);
    snprintf(want, sizeof want,
             "%s/train.csv:3:5: label '2' must be 0 or 1 for a binary task",
             tmpdir);
    CHECK(st == IHG_EIO && strcmp(ihg_error_message(), want) == 0,
          "binary label checked: %s", ihg_error_message());

    /* val without train, train without val. */
    cfg.data.train = NULL;
    cfg.data.val_mark.line = 4;
    cfg.data.val_mark.column = 8;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, NULL);
    CHECK(st != IHG_OK && strcmp(ihg_error_message(),
                                 "exp.yaml:4:8: data.val needs data.train") ==
                              0,
          "val without train: %s", ihg_error_message());
    cfg.data.train = (char *)"train.csv";
    cfg.data.val = NULL;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, NULL);
    CHECK(st != IHG_OK &&
              strncmp(ihg_error_message(),
                      "exp.yaml:3:10: data.train needs data.val", 40) == 0,
          "train without val: %s", ihg_error_message());

    /* A single class is not a classification problem. */
    write_file("zeros.csv", "a,y\n1,0\n2,0\n3,0\n4,0\n");
    cfg_init(&cfg, tmpdir);
    cfg.data.file = (char *)"zeros.csv";
    cfg.data.file_mark.line = 2;
    cfg.data.file_mark.column = 9;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_MULTICLASS, r);
    CHECK(st == IHG_EIO && strcmp(ihg_error_message(),
                                  "exp.yaml:2:9: data.file has a single class "
                                  "(every label is 0): a multiclass model "
                                  "needs at least 2") == 0,
          "single class: %s", ihg_error_message());
    cfg.data.split_val = 0.5;
    cfg.data.split_test = 0.5;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_EINVAL && strncmp(ihg_error_message(),
                                      "exp.yaml:2:9: split fractions", 29) ==
                                  0,
          "split fractions summing to 1: %s", ihg_error_message());
    cfg.data.split_val = 0.4;
    cfg.data.split_test = 0.4;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_EIO && strcmp(ihg_error_message(),
                                  "exp.yaml:2:9: cannot split 4 rows into "
                                  "training, validation (2) and test (2) "
                                  "sets: too few rows") == 0,
          "too few rows to split: %s", ihg_error_message());
    gsl_rng_free(r);

    /* No data for the quadratic toy; images from a missing directory are
     * a clear error (the IDX reader itself is tested in test_idx). */
    cfg_init(&cfg, tmpdir);
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_NONE, NULL);
    CHECK(st == IHG_OK && !ds.train && !ds.val && !ds.test && !ds.source,
          "task none: nothing loaded");
    ihg_dataset_free(&ds);
    cfg.data.images_dir = (char *)"fashion";
    cfg.data.images_mark.line = 5;
    cfg.data.images_mark.column = 3;
    cfg.data.images = 1;
    cfg.data.images_n_train = 10;
    cfg.data.images_n_val = 5;
    gsl_rng *ri = gsl_rng_alloc(gsl_rng_mt19937);
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_MULTICLASS, ri);
    CHECK(st != IHG_OK && strstr(ihg_error_message(), "fashion") != NULL,
          "images from a missing directory: clear error: %s", ihg_error_message());
    ihg_dataset_free(&ds);
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, ri);
    CHECK(st != IHG_OK && strncmp(ihg_error_message(), "exp.yaml:5:3: ", 14) == 0,
          "images for a regression model: error at the key: %s", ihg_error_message());
    ihg_dataset_free(&ds);
    gsl_rng_free(ri);
}

static void test_split(void)
{
    char text[4096], *p = text;
    ihg_config cfg;
    ihg_dataset a, b, c;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int st;

    p += sprintf(p, "x1,x2,id\n");
    for (int i = 0; i < 100; i++)
        p += sprintf(p, "%d,%d,%d\n", i, 2 * i, i);
    write_file("all.csv", text);

    cfg_init(&cfg, tmpdir);
    cfg.data.file = (char *)"all.csv";
    cfg.data.split_val = 0.25;
    cfg.data.split_test = 0.2;
    gsl_rng_set(r, 42);
    st = ihg_dataset_load(&a, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_OK && a.train->n == 55 && a.val->n == 25 && a.test &&
              a.test->n == 20,
          "split 100 rows: 55 / 25 / 20");
    CHECK(a.source && strcmp(a.source, "all.csv (100 rows, 2 features)") == 0,
          "split source: %s", a.source ? a.source : "(null)");

    gsl_rng_set(r, 42);
    st = ihg_dataset_load(&b, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_OK && data_equal(a.train, b.train) &&
              data_equal(a.val, b.val) && data_equal(a.test, b.test),
          "same seed, same split");
    gsl_rng_set(r, 43);
    st = ihg_dataset_load(&c, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_OK && !data_equal(a.val, c.val),
          "another seed, another split");

    int seen[100] = {0}, sorted = 1, rows_ok = 1;
    ihg_data *parts[3] = {a.train, a.val, a.test};
    for (int q = 0; q < 3; q++)
        for (size_t i = 0; i < parts[q]->n; i++) {
            int id = (int)gsl_vector_get(parts[q]->y, i);
            if (id >= 0 && id < 100)
                seen[id]++;
            if (i && gsl_vector_get(parts[q]->y, i - 1) >= id)
                sorted = 0;
            if (gsl_matrix_get(parts[q]->X, i, 0) != id ||
                gsl_matrix_get(parts[q]->X, i, 1) != 2 * id)
                rows_ok = 0;
        }
    int once = 1;
    for (int i = 0; i < 100; i++)
        if (seen[i] != 1)
            once = 0;
    CHECK(once, "parts are disjoint and cover every row");
    CHECK(sorted, "rows keep file order within each part");
    CHECK(rows_ok, "features travel with their target");
    ihg_dataset_free(&a);
    ihg_dataset_free(&b);
    ihg_dataset_free(&c);

    cfg.data.split_test = 0;
    gsl_rng_set(r, 1);
    st = ihg_dataset_load(&a, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_OK && a.train->n == 75 && a.val->n == 25 && !a.test,
          "split_test = 0: 75 / 25, no test set");
    ihg_dataset_free(&a);
    gsl_rng_free(r);
}

static void test_standardize(void)
{
    ihg_config cfg;
    ihg_dataset ds;
    int st;

    write_file("s_train.csv", "a,b,c,y\n1,10,0.1,0\n2,10,0.1,1\n3,10,0.1,0\n"
                              "6,10,0.1,1\n");
    write_file("s_val.csv", "a,b,c,y\n4,11,0.1,1\n");
    cfg_init(&cfg, tmpdir);
    cfg.data.train = (char *)"s_train.csv";
    cfg.data.val = (char *)"s_val.csv";
    cfg.data.standardize = 1;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_BINARY, NULL);
    CHECK(st == IHG_OK, "standardize: loads");
    if (st != IHG_OK)
        return;
    double m = 0, s = 0;
    for (size_t i = 0; i < 4; i++)
        m += gsl_matrix_get(ds.train->X, i, 0);
    m /= 4;
    for (size_t i = 0; i < 4; i++) {
        double e = gsl_matrix_get(ds.train->X, i, 0) - m;
        s += e * e;
    }
    s = sqrt(s / 4);
    CHECK(fabs(m) < 1e-15, "standardized train mean 0 (got %g)", m);
    CHECK_REL(s, 1.0, 1e-14, "standardized train std 1 (population)");
    /* train column a: mean 3, population std sqrt(3.5) */
    CHECK_REL(gsl_matrix_get(ds.val->X, 0, 0), (4 - 3) / sqrt(3.5), 1e-14,
              "val scaled with the training mean/std");
    CHECK(gsl_matrix_get(ds.train->X, 2, 1) == 0 &&
              gsl_matrix_get(ds.val->X, 0, 1) == 1,
          "constant column: centred only, val 11 -> 1");
    CHECK(gsl_matrix_get(ds.train->X, 0, 2) == 0 &&
              gsl_matrix_get(ds.train->X, 3, 2) == 0,
          "constant 0.1 column becomes exactly 0");
    CHECK(gsl_vector_get(ds.train->y, 1) == 1, "labels untouched");
    ihg_dataset_free(&ds);

    /* Synthetic, larger. */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    cfg_init(&cfg, tmpdir);
    cfg.data.standardize = 1;
    cfg.data.syn_n = 300;
    cfg.data.syn_d = 5;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, r);
    int ok = st == IHG_OK;
    for (size_t j = 0; ok && j < 5; j++) {
        double mu = 0, ss = 0;
        for (size_t i = 0; i < 300; i++)
            mu += gsl_matrix_get(ds.train->X, i, j);
        mu /= 300;
        for (size_t i = 0; i < 300; i++) {
            double e = gsl_matrix_get(ds.train->X, i, j) - mu;
            ss += e * e;
        }
        if (fabs(mu) > 1e-14 || fabs(sqrt(ss / 300) - 1) > 1e-13)
            ok = 0;
    }
    CHECK(ok, "synthetic standardized: every train column mean 0, std 1");
    ihg_dataset_free(&ds);
    gsl_rng_free(r);
}

/* ---- synthetic ---------------------------------------------------------- */

static void test_synthetic(void)
{
    ihg_config cfg;
    ihg_dataset a, b;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int st;

    cfg_init(&cfg, ".");
    cfg.data.syn_n = 200;
    cfg.data.syn_n_val = 60;
    cfg.data.syn_n_test = 30;
    cfg.data.syn_d = 7;
    gsl_rng_set(r, 5);
    st = ihg_dataset_load(&a, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_OK && a.train->n == 200 && a.val->n == 60 && a.test &&
              a.test->n == 30 && a.d == 7 && a.train->d == 7 && a.k == 0,
          "synthetic regression: 200 + 60 + 30 rows, 7 features");
    CHECK(a.source && strcmp(a.source, "synthetic regression (200 + 60 + 30 "
                                       "rows, 7 features)") == 0,
          "synthetic source: %s", a.source ? a.source : "(null)");
    gsl_rng_set(r, 5);
    st = ihg_dataset_load(&b, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_OK && data_equal(a.train, b.train) &&
              data_equal(a.val, b.val) && data_equal(a.test, b.test),
          "synthetic: same seed, same numbers");
    ihg_dataset_free(&b);
    gsl_rng_set(r, 6);
    st = ihg_dataset_load(&b, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_OK && !data_equal(a.train, b.train),
          "synthetic: another seed, other numbers");
    ihg_dataset_free(&a);
    ihg_dataset_free(&b);

    /* Noise-free regression is exactly linear: fit on d+1 rows, predict
     * the rest (checked through least squares residuals). */
    cfg.data.syn_noise = 0;
    cfg.data.syn_n_test = 0;
    cfg.data.syn_d = 2;
    st = ihg_dataset_load(&a, &cfg, IHG_TASK_REGRESSION, r);
    if (st == IHG_OK) {
        /* solve for w1, w2, b from rows 0..2 by Cramer's rule */
        double M[3][4];
        for (int i = 0; i < 3; i++) {
            M[i][0] = gsl_matrix_get(a.train->X, i, 0);
            M[i][1] = gsl_matrix_get(a.train->X, i, 1);
            M[i][2] = 1;
            M[i][3] = gsl_vector_get(a.train->y, i);
        }
        for (int c = 0; c < 3; c++) /* Gauss-Jordan */
            for (int i = 0; i < 3; i++)
                if (i != c) {
                    double f = M[i][c] / M[c][c];
                    for (int j = 0; j < 4; j++)
                        M[i][j] -= f * M[c][j];
                }
        double w1 = M[0][3] / M[0][0], w2 = M[1][3] / M[1][1],
               b0 = M[2][3] / M[2][2], worst = 0;
        for (size_t i = 0; i < a.val->n; i++) {
            double pred = w1 * gsl_matrix_get(a.val->X, i, 0) +
                          w2 * gsl_matrix_get(a.val->X, i, 1) + b0;
            double e = fabs(pred - gsl_vector_get(a.val->y, i));
            if (e > worst)
                worst = e;
        }
        CHECK(worst < 1e-9, "noise-free regression is linear (err %g)",
              worst);
    } else {
        CHECK(0, "noise-free regression loads");
    }
    CHECK(a.test == NULL, "n_test = 0: no test set");
    ihg_dataset_free(&a);

    cfg.data.syn_noise = 0.1;
    cfg.data.syn_n = 400;
    st = ihg_dataset_load(&a, &cfg, IHG_TASK_BINARY, r);
    size_t ones = 0, badl = 0;
    for (size_t i = 0; st == IHG_OK && i < a.train->n; i++) {
        double y = gsl_vector_get(a.train->y, i);
        if (y == 1)
            ones++;
        else if (y != 0)
            badl++;
    }
    CHECK(st == IHG_OK && a.k == 2 && badl == 0 && ones > 0 && ones < 400,
          "synthetic binary: labels 0/1, both present (%zu ones)", ones);
    ihg_dataset_free(&a);

    cfg.data.syn_k = 4;
    st = ihg_dataset_load(&a, &cfg, IHG_TASK_MULTICLASS, r);
    size_t count[4] = {0};
    badl = 0;
    for (size_t i = 0; st == IHG_OK && i < a.train->n; i++) {
        double y = gsl_vector_get(a.train->y, i);
        if (y >= 0 && y < 4 && y == floor(y))
            count[(int)y]++;
        else
            badl++;
    }
    CHECK(st == IHG_OK && a.k == 4 && badl == 0 && count[0] && count[1] &&
              count[2] && count[3],
          "synthetic 4-class: labels 0..3, all present (%zu %zu %zu %zu)",
          count[0], count[1], count[2], count[3]);
    CHECK(a.source && strcmp(a.source, "synthetic 4-class (400 + 60 + 0 rows,"
                                       " 2 features)") == 0,
          "multiclass source: %s", a.source ? a.source : "(null)");
    ihg_dataset_free(&a);

    cfg.data.syn_k = 1;
    st = ihg_dataset_load(&a, &cfg, IHG_TASK_MULTICLASS, r);
    CHECK(st == IHG_EINVAL && strcmp(ihg_error_message(),
                                     "exp.yaml: synthetic data: k = 1 "
                                     "classes, need 2..1000") == 0,
          "synthetic k = 1 refused: %s", ihg_error_message());
    cfg.data.syn_k = 3;
    cfg.data.syn_n = 0;
    st = ihg_dataset_load(&a, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_EINVAL && a.train == NULL, "synthetic n = 0 refused");

    ihg_synthetic_spec spec = {100000000, 1, 0, 100, 2, 0};
    st = ihg_synthetic_generate(&a, &spec, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_ELIMIT && a.train == NULL,
          "synthetic too large refused before allocating: %s",
          ihg_error_message());

    CHECK(ihg_data_alloc(0, 3) == NULL && ihg_data_alloc(3, 0) == NULL,
          "data_alloc refuses empty shapes");
    CHECK(ihg_data_alloc((size_t)1 << 40, (size_t)1 << 30) == NULL,
          "data_alloc refuses huge shapes");
    gsl_rng_free(r);
}

/* ---- the shipped data sets ---------------------------------------------- */

static void test_shipped(void)
{
    struct {
        const char *file;
        ihg_task task;
        size_t n, d, k;
    } sets[] = {
        {"diabetes.csv", IHG_TASK_REGRESSION, 442, 10, 0},
        {"breast_cancer.csv", IHG_TASK_BINARY, 569, 30, 2},
        {"digits.csv", IHG_TASK_MULTICLASS, 1797, 64, 10},
    };
    char path[1200];

    for (size_t s = 0; s < 3; s++) {
        ihg_data *d = NULL;
        size_t k = 0;
        snprintf(path, sizeof path, "%s/%s", shipped_dir, sets[s].file);
        int st = ihg_csv_read(path, NULL, sets[s].task, &d, &k);
        CHECK(st == IHG_OK && d && d->n == sets[s].n && d->d == sets[s].d &&
                  k == sets[s].k,
              "%s: %zu rows x %zu features, k = %zu (%s)", sets[s].file,
              d ? d->n : 0, d ? d->d : 0, k, st ? ihg_error_message() : "ok");
        if (st == IHG_OK && s == 0) {
            CHECK(gsl_matrix_get(d->X, 0, 0) == 59 &&
                      gsl_matrix_get(d->X, 0, 2) == 32.1 &&
                      gsl_vector_get(d->y, 0) == 151 &&
                      gsl_vector_get(d->y, 441) == 57,
                  "diabetes: raw first row (age 59, bmi 32.1, y 151), last "
                  "y 57");
        }
        if (st == IHG_OK && s == 1) {
            size_t ones = 0;
            for (size_t i = 0; i < d->n; i++)
                ones += gsl_vector_get(d->y, i) == 1;
            CHECK(ones == 357, "breast cancer: 357 benign (1), 212 "
                               "malignant (0), got %zu ones", ones);
        }
        if (st == IHG_OK && s == 2) {
            CHECK(gsl_matrix_max(d->X) == 16 && gsl_matrix_min(d->X) == 0,
                  "digits: pixel counts 0..16");
        }
        ihg_data_free(d);
    }

    ihg_config cfg;
    ihg_dataset ds;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    cfg_init(&cfg, shipped_dir);
    cfg.data.file = (char *)"diabetes.csv";
    cfg.data.target = (char *)"progression";
    cfg.data.standardize = 1;
    int st = ihg_dataset_load(&ds, &cfg, IHG_TASK_REGRESSION, r);
    CHECK(st == IHG_OK && ds.train->n + ds.val->n == 442 && ds.val->n == 111 &&
              ds.d == 10 && ds.source &&
              strcmp(ds.source, "diabetes.csv (442 rows, 10 features)") == 0,
          "diabetes via data.file, target by name: %s",
          st ? ihg_error_message() : ds.source);
    ihg_dataset_free(&ds);
    cfg.data.file = (char *)"digits.csv";
    cfg.data.target = NULL;
    st = ihg_dataset_load(&ds, &cfg, IHG_TASK_MULTICLASS, r);
    CHECK(st == IHG_OK && ds.k == 10 && ds.d == 64,
          "digits via data.file: 10 classes, 64 features");
    ihg_dataset_free(&ds);
    gsl_rng_free(r);
}

static void rm_tmpdir(void)
{
    const char *files[] = {"train.csv", "val.csv", "test.csv", "val3.csv",
                           "bad.csv", "zeros.csv", "all.csv",
                           "s_train.csv", "s_val.csv"};
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    const char *tmp = getenv("TMPDIR");
    snprintf(shipped_dir, sizeof shipped_dir, "%s/experiments/data",
             top && *top ? top : ".");
    snprintf(tmpdir, sizeof tmpdir, "%s/ihg_test_data.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 99;
    }

    test_csv_good();
    test_csv_errors();
    test_csv_locale();
    test_csv_robust();
    test_files();
    test_split();
    test_standardize();
    test_synthetic();
    test_shipped();

    rm_tmpdir();
    return check_summary();
}
