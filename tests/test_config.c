/* test_config.c - the YAML experiment loader.
 *
 * Defaults; a file with every key read back field by field; overrides;
 * data paths relative to the experiment file; the built-in lesson; I/O
 * errors; and the malformed table: every tests/malformed/NAME.yaml must fail
 * with the message in NAME.expect (the expected "FILE:LINE:COLUMN: message"
 * with FILE the bare name, or a prefix of it).  Finally a small
 * deterministic mutation run over all of those inputs (no crash, no leak:
 * run under ASan/LSan to make that a check).
 */
#define _GNU_SOURCE
#include "check.h"
#include "../src/config.h" /* not the autoconf config.h */
#include "../src/error.h"
#include "../models/model.h"
#include "../src/inner.h"
#include "../src/method.h"
#include "../src/number.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char full_yaml[] =
    "name: everything\n"
    "seed: 42\n"
    "model:\n"
    "  kind: quadratic\n"
    "  hyper: global\n"
    "  init_log_decay: -2.5\n"
    "  A: [[4, 1], [1, 3]]\n"
    "  c: [1.5, -1]\n"
    "  t: [0.25, 0.125]\n"
    "  theta0: [-1, 2]\n"
    "inner:\n"
    "  optimizer: adam\n"
    "  lr: 1e-3\n"
    "  momentum: 0.5\n"
    "  beta1: 0.8\n"
    "  beta2: 0.99\n"
    "  eps: 1e-6\n"
    "  steps: 250\n"
    "  tol: 1e-10\n"
    "  max_steps: 5000\n"
    "  batch: 32\n"
    "  warm_start: false\n"
    "outer:\n"
    "  optimizer: rmsprop\n"
    "  lr: 0.02\n"
    "  beta1: 0.7\n"
    "  beta2: 0.95\n"
    "  eps: 1e-7\n"
    "  decay: 0.8\n"
    "  steps: 12\n"
    "  clip: [-10, 3]\n"
    "hypergrad:\n"
    "  method: cg\n"
    "  terms: 15\n"
    "  iters: 30\n"
    "  alpha: 0.05\n"
    "  tol: 1e-8\n"
    "  exact_max: 500\n"
    "  compare_max: 25\n";

/* The data keys (the quadratic uses no data): each source with its own
 * keys (a key the chosen source would ignore is an error). */
static const char files_yaml[] =
    "data:\n"
    "  train: data/train.csv\n"
    "  val: data/val.csv\n"
    "  test: /abs/test.csv\n"
    "  target: price\n"
    "  standardize: yes\n"
    "model:\n"
    "  kind: ridge\n";
static const char split_yaml[] =
    "data:\n"
    "  file: all.csv\n"
    "  split_val: 0.2\n"
    "  split_test: 0.1\n"
    "model:\n"
    "  kind: ridge\n";
static const char synthetic_yaml[] =
    "data:\n"
    "  standardize: true\n"
    "  synthetic:\n"
    "    n: 300\n"
    "    n_val: 150\n"
    "    n_test: 50\n"
    "    d: 7\n"
    "    k: 4\n"
    "    noise: 0.25\n"
    "model:\n"
    "  kind: softmax\n";
static const char images_yaml[] =
    "data:\n"
    "  images:\n"
    "    dir: images\n"
    "    n_train: 600\n"
    "    n_val: 200\n"
    "    n_test: 100\n"
    "model:\n"
    "  kind: mlp\n";

static int str_is(const char *got, const char *want)
{
    return got && want && strcmp(got, want) == 0;
}

/* The value of a model option as YAML text ("" when the family has none),
 * in a static buffer. */
static const char *opt_text(const ihg_config *c, const char *name)
{
    static char buf[256];
    const ihg_option *row = NULL;
    buf[0] = '\0';
    if (ihg_config_model_option(c, name, &row) && row)
        ihg_option_format(row, c->model.opts, buf, sizeof buf);
    return buf;
}

static void test_defaults(void)
{
    ihg_config c;
    ihg_config_defaults(&c);
    CHECK(c.model.kind == NULL && c.model.type == NULL && c.model.opts == NULL,
          "defaults: no model family, no options");
    CHECK(c.seed == 0, "defaults: seed 0");
    CHECK(c.data.split_val == 0.25 && c.data.split_test == 0.0,
          "defaults: split fractions 0.25, 0");
    CHECK(c.data.standardize == 0, "defaults: standardize off");
    CHECK(c.inner.optimizer == &ihg_inner_sgd, "defaults: inner sgd");
    CHECK(c.inner.lr == 0.1, "defaults: inner.lr 0.1");
    CHECK(c.inner.momentum == 0.9, "defaults: momentum 0.9");
    CHECK(c.inner.beta1 == 0.9 && c.inner.beta2 == 0.999 &&
              c.inner.eps == 1e-8,
          "defaults: inner adam constants");
    CHECK(c.inner.steps == 100, "defaults: inner.steps 100");
    CHECK(c.inner.tol == 0.0, "defaults: inner.tol off");
    CHECK(c.inner.max_steps == 10000, "defaults: max_steps 10000");
    CHECK(c.inner.batch == 0, "defaults: full batch");
    CHECK(c.inner.warm_start == 1, "defaults: warm start");
    CHECK(c.outer.optimizer == IHG_OUTER_ADAM, "defaults: outer adam");
    CHECK(c.outer.lr == 0.05, "defaults: outer.lr 0.05");
    CHECK(c.outer.decay == 0.9, "defaults: rmsprop decay 0.9");
    CHECK(c.outer.steps == 20, "defaults: outer.steps 20");
    CHECK(isinf(c.outer.clip_min) && c.outer.clip_min < 0 &&
              isinf(c.outer.clip_max) && c.outer.clip_max > 0,
          "defaults: no clip");
    CHECK(c.hypergrad.method == &ihg_method_neumann, "defaults: neumann");
    CHECK(c.hypergrad.terms == 20 && c.hypergrad.iters == 20,
          "defaults: terms 20, iters 20");
    CHECK(c.hypergrad.alpha == 0.0, "defaults: alpha = inner lr (0)");
    CHECK(c.hypergrad.tol == 1e-10, "defaults: cg tol 1e-10");
    CHECK(c.hypergrad.exact_max == 2000, "defaults: exact_max 2000");
    ihg_config_free(&c);
    CHECK(c.name == NULL && c.path == NULL && c.dir == NULL &&
              c.data.train == NULL && c.model.kind == NULL &&
              c.model.opts == NULL,
          "defaults: free leaves no pointer behind (a second free is safe)");
    ihg_config_free(&c);

    /* The same after a load, which allocates the family's options. */
    if (ihg_config_load_string(&c, "m.yaml", "model: {kind: mlp}", 18, NULL)) {
        CHECK(0, "defaults: mlp loads (%s)", ihg_error_message());
    } else {
        CHECK(c.model.type == ihg_model_mlp && c.model.opts != NULL &&
                  str_is(c.model.kind, "mlp"),
              "defaults: model.kind mlp gives mlp's table and options");
        ihg_config_free(&c);
        CHECK(c.model.kind == NULL && c.model.type == NULL &&
                  c.model.opts == NULL,
              "defaults: free drops the family and its options");
    }
    ihg_config_free(&c);
}

static void test_full(void)
{
    ihg_config c;
    int st = ihg_config_load_string(&c, "full.yaml", full_yaml,
                                    strlen(full_yaml), NULL);
    CHECK(st == IHG_OK, "full: loads (%s)", ihg_error_message());
    if (st) {
        ihg_config_free(&c);
        return;
    }
    CHECK(str_is(c.name, "everything"), "full: name");
    CHECK(c.seed == 42, "full: seed");
    CHECK(str_is(c.model.kind, "quadratic"), "full: model.kind");
    CHECK(c.model.kind_mark.line == 4 && c.model.kind_mark.column == 3,
          "full: model.kind mark 4:3 (got %lu:%lu)", c.model.kind_mark.line,
          c.model.kind_mark.column);
    CHECK(c.model.type == ihg_model_quadratic, "full: the quadratic's table");
    CHECK(str_is(opt_text(&c, "hyper"), "global"), "full: hyper global");
    CHECK(str_is(opt_text(&c, "init_log_decay"), "-2.5"),
          "full: init_log_decay (%s)", opt_text(&c, "init_log_decay"));
    CHECK(str_is(opt_text(&c, "A"), "[[4, 1], [1, 3]]"), "full: A (%s)",
          opt_text(&c, "A"));
    CHECK(str_is(opt_text(&c, "c"), "[1.5, -1]"), "full: c");
    CHECK(str_is(opt_text(&c, "t"), "[0.25, 0.125]"), "full: t");
    CHECK(str_is(opt_text(&c, "theta0"), "[-1, 2]"), "full: theta0");
    CHECK(ihg_config_model_option(&c, "hidden", NULL) == NULL,
          "full: the quadratic has no option hidden");
    CHECK(c.inner.optimizer == &ihg_inner_adam, "full: inner.optimizer");
    CHECK(c.inner.lr == 1e-3, "full: inner.lr");
    CHECK(c.inner.momentum == 0.5 && c.inner.beta1 == 0.8 &&
              c.inner.beta2 == 0.99 && c.inner.eps == 1e-6,
          "full: inner momentum/adam constants");
    CHECK(c.inner.steps == 250 && c.inner.tol == 1e-10 &&
              c.inner.max_steps == 5000 && c.inner.batch == 32,
          "full: inner steps/tol/max_steps/batch");
    CHECK(c.inner.warm_start == 0, "full: warm_start false");
    CHECK(c.outer.optimizer == IHG_OUTER_RMSPROP, "full: outer.optimizer");
    CHECK(c.outer.lr == 0.02 && c.outer.beta1 == 0.7 && c.outer.beta2 == 0.95 &&
              c.outer.eps == 1e-7 && c.outer.decay == 0.8 &&
              c.outer.steps == 12,
          "full: outer numbers");
    CHECK(c.outer.clip_min == -10 && c.outer.clip_max == 3, "full: clip");
    CHECK(c.hypergrad.method == &ihg_method_cg, "full: method cg");
    CHECK(c.hypergrad.terms == 15 && c.hypergrad.iters == 30 &&
              c.hypergrad.alpha == 0.05 && c.hypergrad.tol == 1e-8 &&
              c.hypergrad.exact_max == 500 && c.hypergrad.compare_max == 25,
          "full: hypergrad numbers");
    CHECK(c.path == NULL && str_is(c.dir, "."), "full: string load has no path");
    ihg_config_free(&c);
    ihg_config_free(&c);

    st = ihg_config_load_string(&c, "files.yaml", files_yaml, strlen(files_yaml), NULL);
    CHECK(st == IHG_OK, "full: data files load (%s)", st ? ihg_error_message() : "ok");
    if (st == IHG_OK) {
        CHECK(str_is(c.data.train, "data/train.csv"), "full: data.train");
        CHECK(str_is(c.data.val, "data/val.csv"), "full: data.val");
        CHECK(str_is(c.data.test, "/abs/test.csv"), "full: data.test");
        CHECK(c.data.file == NULL, "full: data.file absent");
        CHECK(str_is(c.data.target, "price"), "full: data.target");
        CHECK(c.data.standardize == 1, "full: standardize yes");
        CHECK(c.data.train_mark.line == 2 && c.data.train_mark.column == 3,
              "full: data.train mark 2:3 (got %lu:%lu)", c.data.train_mark.line,
              c.data.train_mark.column);
        CHECK(c.data.val_mark.line == 3 && c.data.test_mark.line == 4 &&
                  c.data.target_mark.line == 5,
              "full: val/test/target marks");
        CHECK(c.data.file_mark.line == 0, "full: no file mark");
    }
    ihg_config_free(&c);
    st = ihg_config_load_string(&c, "split.yaml", split_yaml, strlen(split_yaml), NULL);
    CHECK(st == IHG_OK && str_is(c.data.file, "all.csv") && c.data.split_val == 0.2 &&
              c.data.split_test == 0.1 && c.data.file_mark.line == 2,
          "full: data.file and its splits (%s)", st ? ihg_error_message() : "ok");
    ihg_config_free(&c);
    st = ihg_config_load_string(&c, "syn.yaml", synthetic_yaml, strlen(synthetic_yaml),
                                NULL);
    CHECK(st == IHG_OK && c.data.standardize == 1 && c.data.syn_n == 300 &&
              c.data.syn_n_val == 150 && c.data.syn_n_test == 50 && c.data.syn_d == 7 &&
              c.data.syn_k == 4 && c.data.syn_noise == 0.25,
          "full: data.synthetic.* (%s)", st ? ihg_error_message() : "ok");
    ihg_config_free(&c);
    st = ihg_config_load_string(&c, "img.yaml", images_yaml, strlen(images_yaml), NULL);
    CHECK(st == IHG_OK && c.data.images && str_is(c.data.images_dir, "images") &&
              c.data.images_n_train == 600 && c.data.images_n_val == 200 &&
              c.data.images_n_test == 100 && c.data.images_mark.line == 3,
          "full: data.images.* (%s)", st ? ihg_error_message() : "ok");
    ihg_config_free(&c);
}

static int load_str(ihg_config *c, const char *text, char *const *ov)
{
    return ihg_config_load_string(c, "t.yaml", text, strlen(text), ov);
}

/* Numbers read as written: positive definite however small, integers
 * exactly, nothing that silently becomes 0. */
static void test_numbers(void)
{
    ihg_config c;
    int st = load_str(&c, "model: {kind: quadratic, A: [[1e-300, 0], [0, 1e-300]]}\n",
                      NULL);
    CHECK(st == IHG_OK, "A = 1e-300 I is positive definite (%s)",
          st ? ihg_error_message() : "ok");
    ihg_config_free(&c);
    st = load_str(&c, "model: {kind: quadratic, A: [[1e200, 0], [0, 1e200]]}\n", NULL);
    CHECK(st == IHG_OK, "A = 1e200 I is positive definite (%s)",
          st ? ihg_error_message() : "ok");
    ihg_config_free(&c);
    st = load_str(&c, "model: {kind: quadratic, A: [[1e-300, 1e-300], [1e-300, 1e-300]]}\n",
                  NULL);
    CHECK(st == IHG_EINVAL && strstr(ihg_error_message(), "positive definite"),
          "A = 1e-300 [[1,1],[1,1]] (singular) refused: %s", ihg_error_message());
    ihg_config_free(&c);
    static const char *const ints[] = {"1e3", "2.50e1", "0.5e1", "10e-1", "007", NULL};
    static const long want[] = {1000, 25, 5, 1, 7};
    for (int i = 0; ints[i]; i++) {
        char text[128];
        snprintf(text, sizeof text, "model: {kind: ridge}\nouter: {steps: %s}\n", ints[i]);
        st = load_str(&c, text, NULL);
        CHECK(st == IHG_OK && c.outer.steps == want[i], "outer.steps: %s is %ld (%s)",
              ints[i], want[i], st ? ihg_error_message() : "ok");
        ihg_config_free(&c);
    }
    static const char *const not_ints[] = {"1e-400", "1.0000000000000001", "1e-1",
                                           "0.1e1000", NULL};
    for (int i = 0; not_ints[i]; i++) {
        char text[128];
        snprintf(text, sizeof text, "model: {kind: ridge}\nouter: {steps: %s}\n",
                 not_ints[i]);
        st = load_str(&c, text, NULL);
        CHECK(st == IHG_EINVAL, "outer.steps: %s refused: %s", not_ints[i],
              ihg_error_message());
        ihg_config_free(&c);
    }
    st = load_str(&c, "model: {kind: ridge}\ninner: {tol: 1e-400}\n", NULL);
    CHECK(st == IHG_EINVAL && strstr(ihg_error_message(), "too small"),
          "inner.tol: 1e-400 (read as 0) refused: %s", ihg_error_message());
    ihg_config_free(&c);
    st = load_str(&c, "model: {kind: ridge}\ninner: {tol: 1e-310}\n", NULL);
    CHECK(st == IHG_OK && c.inner.tol > 0, "inner.tol: 1e-310 (subnormal) kept");
    ihg_config_free(&c);
    st = load_str(&c, "model: {kind: ridge}\ninner: {tol: 0e-400}\n", NULL);
    CHECK(st == IHG_OK && c.inner.tol == 0, "inner.tol: 0e-400 is 0");
    ihg_config_free(&c);

    /* numbers in messages say what the comparison says (number.h) */
    char buf[64];
    static const struct {
        double x, bound;
        const char *want;
    } above[] = {{1.0234, 1, "1.02"},
                 {1.0000002, 1, "1.0000002"},
                 {1 + 1e-9, 1, "1.000000001"},
                 {2 + 1e-9, 2, "2.000000001"},
                 {297.4, 1, "297"},
                 {1 + 0x1p-52, 1, "1.0000000000000002"}};
    for (size_t i = 0; i < sizeof above / sizeof *above; i++) {
        ihg_format_above(buf, sizeof buf, above[i].x, above[i].bound);
        CHECK(strcmp(buf, above[i].want) == 0 && ihg_strtod_c(buf, NULL) > above[i].bound,
              "%.17g above %g printed as %s (want %s)", above[i].x, above[i].bound, buf,
              above[i].want);
    }
}

static void test_dependent_defaults(void)
{
    ihg_config c;
    int st;

    st = load_str(&c, "model: {kind: ridge}\n", NULL);
    CHECK(st == 0 && str_is(opt_text(&c, "init_log_decay"), "-4"),
          "ridge: init_log_decay default -4");
    CHECK(st == 0 && c.hypergrad.compare_max == 20,
          "compare_max defaults to terms (20)");
    CHECK(st == 0 && str_is(c.name, "t"), "name defaults to file base name");
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: quadratic}\nhypergrad: {terms: 7}\n", NULL);
    CHECK(st == 0 && str_is(opt_text(&c, "init_log_decay"), "0"),
          "quadratic: init_log_decay default 0");
    CHECK(st == 0 && c.hypergrad.compare_max == 7,
          "compare_max follows terms (7)");
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\ninner: {tol: 1e-10}\n", NULL);
    CHECK(st == 0 && c.inner.optimizer == &ihg_inner_newton,
          "inner.tol > 0 without optimizer: newton");
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\ninner: {tol: 1e-10, optimizer: "
                      "bfgs}\n", NULL);
    CHECK(st == 0 && c.inner.optimizer == &ihg_inner_bfgs,
          "inner.tol > 0 with optimizer: kept");
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\nhypergrad: {alpha: -1}\n", NULL);
    CHECK(st == 0 && c.hypergrad.alpha == -1, "alpha <= 0 accepted (= lr)");
    ihg_config_free(&c);

    st = load_str(&c, "model:\n  kind: quadratic\n  A: [2, 0.5, 0.5, 1]\n",
                  NULL);
    CHECK(st == 0 && str_is(opt_text(&c, "A"), "[[2, 0.5], [0.5, 1]]"),
          "A as 4 numbers");
    ihg_config_free(&c);
    st = load_str(&c, "model:\n  hidden: 12\n  kind: mlp\n", NULL);
    CHECK(st == 0 && str_is(opt_text(&c, "hidden"), "[12]"),
          "hidden as a single number, before kind");
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\ninner: {steps: 1e3, lr: +.5}\n"
                      "data: {standardize: True}\n", NULL);
    CHECK(st == 0 && c.inner.steps == 1000 && c.inner.lr == 0.5 &&
              c.data.standardize == 1,
          "1e3 as an integer, +.5, True");
    ihg_config_free(&c);

    st = load_str(&c, "%YAML 1.1\n---\nmodel: {kind: \"ridge\"}\n...\n", NULL);
    CHECK(st == 0, "directive, document markers, quoted enum");
    ihg_config_free(&c);
}

static void test_overrides(void)
{
    ihg_config c;
    int st;
    char *ov1[] = {"inner.lr=0.5", "outer.clip=[-5,2]",
                   "hypergrad.method=exact", "data.synthetic.n=64",
                   "model.hidden=[8, 4]", "name=renamed", NULL};
    char *ov2[] = {"inner.lr=-1", NULL};
    char *ov3[] = {"inner.lrr=1", NULL};
    char *ov4[] = {"inner.lr", NULL};
    char *ov5[] = {"outer.clip=[1,", NULL};
    char *ov6[] = {"model.kind=logistic", NULL};
    char *ov7[] = {"inner.lr=", NULL};
    char *ov8[] = {"data.file=all.csv", NULL};
    char *ov9[] = {"hypergrad.terms=5", NULL};

    st = load_str(&c, "model: {kind: mlp}\ninner: {lr: 0.1, steps: 7}\n", ov1);
    CHECK(st == 0, "override: loads (%s)", ihg_error_message());
    CHECK(st == 0 && c.inner.lr == 0.5 && c.inner.steps == 7,
          "override: inner.lr replaced, steps kept");
    CHECK(st == 0 && c.outer.clip_min == -5 && c.outer.clip_max == 2,
          "override: outer.clip=[-5,2] (section created)");
    CHECK(st == 0 && c.hypergrad.method == &ihg_method_exact,
          "override: method exact");
    CHECK(st == 0 && c.data.syn_n == 64, "override: data.synthetic.n");
    CHECK(st == 0 && str_is(opt_text(&c, "hidden"), "[8, 4]"),
          "override: model.hidden flow sequence");
    CHECK(st == 0 && str_is(c.name, "renamed"), "override: name");
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\n", ov2);
    CHECK(st == IHG_EINVAL &&
              str_is(ihg_error_message(), "--set: inner.lr=-1: inner.lr must be > 0"),
          "override: range error names --set (%s)", ihg_error_message());
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\n", ov3);
    CHECK(st != 0 && str_is(ihg_error_message(),
                            "--set: unknown key 'inner.lrr' (did you mean "
                            "'inner.lr'?)"),
          "override: unknown key (%s)", ihg_error_message());
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\n", ov4);
    CHECK(st != 0 && strncmp(ihg_error_message(), "--set: ", 7) == 0,
          "override: missing '=' (%s)", ihg_error_message());
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\n", ov5);
    CHECK(st != 0 && strncmp(ihg_error_message(),
                             "--set: outer.clip=[1,: YAML syntax error", 40) == 0,
          "override: YAML syntax error (%s)", ihg_error_message());
    ihg_config_free(&c);

    st = load_str(&c, "model:\n  kind: ridge\n", ov6);
    CHECK(st == 0 && str_is(c.model.kind, "logistic") &&
              c.model.type == ihg_model_logistic &&
              c.model.kind_mark.line == 0,
          "override: model.kind replaced, mark cleared");
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\n", ov7);
    CHECK(st != 0 && str_is(ihg_error_message(),
                            "--set: inner.lr=: inner.lr has no value"),
          "override: empty value (%s)", ihg_error_message());
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\ndata: {train: a.csv}\n", ov8);
    CHECK(st != 0 && strstr(ihg_error_message(), "cannot both be given"),
          "override: cross-key check after overrides (%s)",
          ihg_error_message());
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\ninner:\n", ov9);
    CHECK(st != 0 && str_is(ihg_error_message(),
                            "t.yaml:2:1: inner has no value (expected a "
                            "mapping of keys)"),
          "override: file error still reported (%s)", ihg_error_message());
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: ridge}\nhypergrad:\n", ov9);
    CHECK(st == 0 && c.hypergrad.terms == 5,
          "override: fills an empty section");
    ihg_config_free(&c);
}

static char tmpdir[256];

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_files(void)
{
    ihg_config c;
    char sub[300], yaml[340], missing[340];
    char *r;
    int st;
    const char *base = getenv("TMPDIR");

    snprintf(tmpdir, sizeof tmpdir, "%s/ihgcfgXXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        CHECK(0, "files: mkdtemp: %s", strerror(errno));
        return;
    }
    snprintf(sub, sizeof sub, "%s/lesson", tmpdir);
    mkdir(sub, 0700);
    snprintf(yaml, sizeof yaml, "%s/toy.yaml", sub);
    write_file(yaml, "model:\n  kind: ridge\ndata:\n  train: d/train.csv\n"
                     "  val: /srv/val.csv\n");

    st = ihg_config_load(&c, yaml, NULL);
    CHECK(st == 0, "files: load from a file (%s)", ihg_error_message());
    CHECK(st == 0 && str_is(c.name, "toy"), "files: name = base name");
    CHECK(st == 0 && str_is(c.path, yaml), "files: path kept");
    CHECK(st == 0 && str_is(c.dir, sub), "files: dir = its directory");
    r = ihg_config_resolve(&c, c.data.train);
    {
        char want[400];
        snprintf(want, sizeof want, "%s/d/train.csv", sub);
        CHECK(str_is(r, want), "files: relative path resolved (%s)",
              r ? r : "NULL");
    }
    free(r);
    r = ihg_config_resolve(&c, c.data.val);
    CHECK(str_is(r, "/srv/val.csv"), "files: absolute path kept");
    free(r);
    ihg_config_free(&c);

    /* The directory of a bare file name is "." and paths stay as written. */
    {
        ihg_config d;
        ihg_config_defaults(&d);
        r = ihg_config_resolve(&d, "x.csv");
        CHECK(str_is(r, "x.csv"), "resolve: no directory");
        free(r);
        d.dir = "/";
        r = ihg_config_resolve(&d, "x.csv");
        CHECK(str_is(r, "/x.csv"), "resolve: root directory");
        free(r);
    }

    snprintf(missing, sizeof missing, "%s/nope.yaml", tmpdir);
    st = ihg_config_load(&c, missing, NULL);
    {
        char want[500];
        snprintf(want, sizeof want, "%s: cannot open: %s", missing,
                 strerror(ENOENT));
        CHECK(st == IHG_EIO && str_is(ihg_error_message(), want),
              "files: missing file -> EIO (%s)", ihg_error_message());
    }
    ihg_config_free(&c);

    st = ihg_config_load(&c, sub, NULL);
    CHECK(st == IHG_EIO && strstr(ihg_error_message(), "cannot"),
          "files: a directory -> EIO (%s)", ihg_error_message());
    ihg_config_free(&c);

    st = ihg_config_load(&c, "", NULL);
    CHECK(st == IHG_EIO, "files: empty path -> EIO");
    ihg_config_free(&c);

    remove(yaml);
    rmdir(sub);
    rmdir(tmpdir);
}

static void test_builtin(void)
{
    ihg_config c;
    int st = ihg_config_load_string(&c, "default", ihg_default_experiment,
                                    strlen(ihg_default_experiment), NULL);
    CHECK(st == 0, "built-in lesson parses (%s)", ihg_error_message());
    CHECK(st == 0 && str_is(c.model.kind, "quadratic") &&
              c.hypergrad.method == &ihg_method_neumann &&
              c.hypergrad.terms == 10 && c.inner.lr == 0.1 &&
              c.inner.steps == 50,
          "built-in lesson: quadratic, Neumann K=10, lr 0.1, 50 steps");
    ihg_config_free(&c);
}

static void test_methods(void)
{
    int ok = 1;
    size_t n = 0;
    for (n = 0; ihg_method_types[n]; n++)
        if (ihg_method_lookup(ihg_method_types[n]->name) != ihg_method_types[n])
            ok = 0;
    CHECK(ok && n == 7, "method names round-trip through the registry (%zu methods)", n);
    CHECK(ihg_method_lookup("neumann") == &ihg_method_neumann &&
              ihg_method_lookup("cg") == &ihg_method_cg,
          "method names");
    CHECK(ihg_method_lookup("newton") == NULL, "unknown method rejected");
    CHECK(ihg_method_lookup(NULL) == NULL, "NULL method rejected");
    CHECK(str_is(ihg_method_names(), "exact, neumann, cg, identity, unrolled, forward or fd"),
          "method list for messages: '%s'", ihg_method_names());
    for (n = 0; ihg_inner_types[n]; n++)
        if (ihg_inner_lookup(ihg_inner_types[n]->name) != ihg_inner_types[n])
            ok = 0;
    CHECK(ok && n == 5, "inner optimizer names round-trip through the registry");
}

static void test_strings(void)
{
    ihg_config c;
    static const char nul[] = "model: {kind: \"rid\\0ge\"}\n";
    int st = ihg_config_load_string(&c, "x", NULL, 0, NULL);
    CHECK(st == IHG_EINVAL && str_is(ihg_error_message(),
                                     "x:1:1: empty experiment file"),
          "string: NULL text (%s)", ihg_error_message());
    ihg_config_free(&c);
    st = ihg_config_load_string(&c, "x", "model: {kind: ridge}", 5, NULL);
    CHECK(st != 0, "string: length respected (%s)", ihg_error_message());
    ihg_config_free(&c);
    st = ihg_config_load_string(&c, "x", "model: {kind: ridge}\x01", 20, NULL);
    CHECK(st == 0, "string: bytes past len ignored");
    ihg_config_free(&c);
    st = load_str(&c, nul, NULL);
    CHECK(st != 0 && strstr(ihg_error_message(), "t.yaml:1:"),
          "string: escaped NUL in a value (%s)", ihg_error_message());
    ihg_config_free(&c);
    {
        /* A huge document is refused before it is walked. */
        size_t n = 120000, i, len = 3 + 4 * n;
        char *big = malloc(len + 1);
        if (big) {
            memcpy(big, "x:\n", 3);
            for (i = 0; i < n; i++)
                memcpy(big + 3 + 4 * i, "- 1\n", 4);
            big[len] = '\0';
            st = ihg_config_load_string(&c, "big.yaml", big, len, NULL);
            CHECK(st == IHG_EINVAL &&
                      strstr(ihg_error_message(), "too many YAML nodes"),
                  "string: node limit (%s)", ihg_error_message());
            ihg_config_free(&c);
            free(big);
        }
    }
    st = load_str(&c, "model: {kind: ridge}\ndata: {train: \"a\\0b\"}\n", NULL);
    CHECK(st != 0 && strstr(ihg_error_message(), "NUL"),
          "string: NUL in a path (%s)", ihg_error_message());
    ihg_config_free(&c);
}

/* ------------------------------------------------------------------ */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        size_t got;
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap ? 2 * cap : 4096);
            if (!nb)
                break;
            buf = nb;
            cap = cap ? 2 * cap : 4096;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
    char **items;
    size_t n;
} inputs;

static unsigned long long rng_state = 88172645463325252ULL;
static unsigned long long rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Mutate each input a few hundred times (flip, insert, delete, splice
 * bytes) and load the result: it must return, with a message on failure. */
static void mutation_run(char **texts, size_t *lens, size_t n)
{
    size_t i, r, failures = 0, runs = 0;
    static const char tokens[] = "[]{}:,-?&*!|>'\"#%@` \t\n0.e+9~";
    for (i = 0; i < n; i++) {
        for (r = 0; r < 150; r++) {
            size_t len = lens[i], j, edits = 1 + rng_next() % 4;
            char *m = malloc(len + 16);
            ihg_config c;
            int st;
            if (!m)
                continue;
            memcpy(m, texts[i], len);
            for (j = 0; j < edits; j++) {
                size_t at = len ? (size_t)(rng_next() % len) : 0;
                switch (rng_next() % 4) {
                case 0:
                    if (len)
                        m[at] = (char)(rng_next() & 0xff);
                    break;
                case 1:
                    if (len < lens[i] + 8) {
                        memmove(m + at + 1, m + at, len - at);
                        m[at] = tokens[rng_next() % (sizeof tokens - 1)];
                        len++;
                    }
                    break;
                case 2:
                    if (len) {
                        memmove(m + at, m + at + 1, len - at - 1);
                        len--;
                    }
                    break;
                default:
                    if (len)
                        len = at; /* truncate */
                    break;
                }
            }
            st = ihg_config_load_string(&c, "mut.yaml", m, len, NULL);
            runs++;
            if (st != 0 && ihg_error_message()[0] == '\0')
                failures++;
            ihg_config_free(&c);
            free(m);
        }
    }
    CHECK(failures == 0 && runs > 0,
          "mutations: %zu loads returned, every failure has a message", runs);
}

static void test_malformed(void)
{
    const char *top = getenv("top_srcdir");
    char dirpath[1024];
    DIR *dir;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    char **texts;
    size_t *lens;

    if (!top || !*top)
        top = ".";
    snprintf(dirpath, sizeof dirpath, "%s/tests/malformed", top);
    dir = opendir(dirpath);
    if (!dir) {
        CHECK(0, "malformed: cannot open %s: %s", dirpath, strerror(errno));
        return;
    }
    while ((de = readdir(dir)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".yaml") == 0) {
            if (n == cap) {
                char **nn = realloc(names, (cap ? 2 * cap : 64) * sizeof *nn);
                if (!nn)
                    break;
                names = nn;
                cap = cap ? 2 * cap : 64;
            }
            names[n++] = strdup(de->d_name);
        }
    }
    closedir(dir);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    CHECK(n >= 35, "malformed: at least 35 files (%zu)", n);

    texts = calloc(n + 1, sizeof *texts);
    lens = calloc(n + 1, sizeof *lens);
    for (i = 0; i < n && texts && lens; i++) {
        char path[1400], epath[1400], expect[1024] = "";
        const char *msg, *shown;
        ihg_config c;
        size_t l, plen;
        int st;
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", dirpath, names[i]);
        snprintf(epath, sizeof epath, "%.*s.expect", (int)strlen(path) - 5,
                 path);
        f = fopen(epath, "r");
        if (!f || !fgets(expect, sizeof expect, f)) {
            CHECK(0, "malformed %s: no .expect file", names[i]);
            if (f)
                fclose(f);
            continue;
        }
        fclose(f);
        l = strlen(expect);
        while (l && (expect[l - 1] == '\n' || expect[l - 1] == '\r'))
            expect[--l] = '\0';

        ihg_error_clear();
        st = ihg_config_load(&c, path, NULL);
        msg = ihg_error_message();
        /* Show the message with the bare file name. */
        plen = strlen(dirpath) + 1;
        shown = strncmp(msg, path, plen) == 0 ? msg + plen : msg;
        CHECK((st == IHG_EINVAL || st == IHG_EIO) && l > 0 &&
                  strncmp(shown, expect, l) == 0,
              "malformed %s: status %d, '%s'%s%s", names[i], st, shown,
              strncmp(shown, expect, l) == 0 ? "" : " != ",
              strncmp(shown, expect, l) == 0 ? "" : expect);
        ihg_config_free(&c);

        texts[i] = read_all(path, &lens[i]);
        if (texts[i]) {
            /* The same text from memory gives the same message. */
            char want[1100];
            snprintf(want, sizeof want, "%s", expect);
            st = ihg_config_load_string(&c, names[i], texts[i], lens[i], NULL);
            CHECK(st != 0 && strncmp(ihg_error_message(), want, l) == 0,
                  "malformed %s: same message from memory", names[i]);
            ihg_config_free(&c);
        }
    }
    if (texts && lens) {
        /* Valid inputs to mutate too. */
        texts[n] = strdup(full_yaml);
        lens[n] = texts[n] ? strlen(full_yaml) : 0;
        mutation_run(texts, lens, texts[n] ? n + 1 : n);
        for (i = 0; i <= n; i++)
            free(texts[i]);
    }
    free(texts);
    free(lens);
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ------------------------------------------------------------------ */
/* Option tables: the loader's and each model family's                 */

/* The size of the value an option type stores (0: not in a family's
 * struct). */
static size_t value_size(const ihg_option *o)
{
    switch (o->type) {
    case IHG_OPT_STRING: return sizeof(char *);
    case IHG_OPT_INT: return sizeof(long);
    case IHG_OPT_SEED: return sizeof(unsigned long);
    case IHG_OPT_REAL: return sizeof(double);
    case IHG_OPT_BOOL:
    case IHG_OPT_ENUM: return sizeof(int);
    case IHG_OPT_VEC2: return 2 * sizeof(double);
    case IHG_OPT_MAT2: return 4 * sizeof(double);
    case IHG_OPT_INTS: return o->max_count * sizeof(long);
    default: return 0;
    }
}

static double names_in(const ihg_option *o)
{
    size_t n = 0;
    while (o->names[n])
        n++;
    return (double)n;
}

static int in_range(const ihg_option *o, double v)
{
    return (o->lo_open ? v > o->lo : v >= o->lo) &&
           (o->hi_open ? v < o->hi : v <= o->hi);
}

/* Every row of a family's table: a name no other row (nor `kind`) has, a
 * value inside the options struct, a default inside its range, help. */
static void test_family_tables(void)
{
    size_t f, n = 0;
    for (f = 0; ihg_model_types[f]; f++) {
        const ihg_model_type *t = ihg_model_types[f];
        const ihg_option *o, *p;
        int ok = 1;
        char why[200] = "";
        n++;
        for (o = t->options; o && o->name; o++) {
            size_t nn = 0;
            for (p = t->options; p->name; p++)
                nn += strcmp(p->name, o->name) == 0;
            if (nn != 1 || strcmp(o->name, "kind") == 0)
                snprintf(why, sizeof why, "name %s taken", o->name);
            else if (!value_size(o) ||
                     o->off + value_size(o) > t->options_size)
                snprintf(why, sizeof why, "%s: type %d, or its value is "
                         "outside the options struct", o->name, (int)o->type);
            else if (o->type == IHG_OPT_INTS &&
                     (!o->unit || o->def_count < 1 ||
                      o->def_count > o->max_count ||
                      o->count_off + sizeof(size_t) > t->options_size))
                snprintf(why, sizeof why, "%s: list shape", o->name);
            else if ((o->type == IHG_OPT_REAL || o->type == IHG_OPT_INT) &&
                     !in_range(o, o->def))
                snprintf(why, sizeof why, "%s: default %g outside its range",
                         o->name, o->def);
            else if (o->type == IHG_OPT_ENUM &&
                     (!o->names || !(o->def >= 0 && o->def < names_in(o))))
                snprintf(why, sizeof why, "%s: default not a name", o->name);
            else if (!o->help || !o->help[0])
                snprintf(why, sizeof why, "%s: no help", o->name);
            if (why[0]) {
                ok = 0;
                break;
            }
            if (o->type == IHG_OPT_INTS)
                for (size_t i = 0; i < o->def_count; i++)
                    if (!in_range(o, (double)o->def_ints[i]))
                        ok = 0, snprintf(why, sizeof why, "%s: default out "
                                         "of range", o->name);
        }
        CHECK(ok && t->name && (t->options ? t->options_size > 0 : 1),
              "table of %s: well formed%s%s", t->name ? t->name : "?",
              why[0] ? ": " : "", why);
    }
    CHECK(n >= 6, "tables: %zu families registered", n);
}

/* Each family loads with only its kind; every key set (--set) to its
 * default as the key list prints it reads back the same; a key of
 * another family is a located error. */
static void test_family_keys(void)
{
    size_t f, g;
    for (f = 0; ihg_model_types[f]; f++) {
        const ihg_model_type *t = ihg_model_types[f];
        const ihg_option *o;
        char yaml[128], ov[300], dflt[256];
        char *ovs[] = {ov, NULL};
        ihg_config c;
        int st, ok = 1;
        snprintf(yaml, sizeof yaml, "model:\n  kind: %s\n", t->name);
        st = load_str(&c, yaml, NULL);
        CHECK(st == 0 && c.model.type == t &&
                  (t->options_size == 0 || c.model.opts != NULL),
              "keys of %s: loads with defaults (%s)", t->name,
              ihg_error_message());
        ihg_config_free(&c);
        for (o = t->options; o && o->name; o++) {
            void *d = calloc(1, t->options_size);
            if (!d)
                continue;
            ihg_options_set_defaults(t->options, d);
            ihg_option_format(o, d, dflt, sizeof dflt);
            free(d);
            snprintf(ov, sizeof ov, "model.%s=%s", o->name, dflt);
            st = load_str(&c, yaml, ovs);
            if (st != 0 || !str_is(opt_text(&c, o->name), dflt)) {
                ok = 0;
                CHECK(0, "keys of %s: %s -> '%s' (%s)", t->name, ov,
                      opt_text(&c, o->name), ihg_error_message());
            }
            ihg_config_free(&c);
        }
        CHECK(ok, "keys of %s: every default, as printed, reads back", t->name);

        /* the keys of the other families */
        ok = 1;
        for (g = 0; ihg_model_types[g]; g++)
            for (o = ihg_model_types[g]->options; o && o->name; o++) {
                char text[200], want[160];
                if (ihg_option_find(t->options, o->name))
                    continue;
                snprintf(text, sizeof text, "model:\n  kind: %s\n  %s: 1\n",
                         t->name, o->name);
                snprintf(want, sizeof want,
                         "t.yaml:3:3: unknown key '%s' in model (kind %s has",
                         o->name, t->name);
                st = load_str(&c, text, NULL);
                if (st != IHG_EINVAL ||
                    strncmp(ihg_error_message(), want, strlen(want)) != 0) {
                    ok = 0;
                    CHECK(0, "keys of %s: '%s' refused (%s)", t->name,
                          o->name, ihg_error_message());
                }
                ihg_config_free(&c);
            }
        CHECK(ok, "keys of %s: every other family's key is a located error",
              t->name);
    }
}

/* Messages and order: the family is read first wherever `kind` stands,
 * --set can change it, and every error keeps its position. */
static void test_family_errors(void)
{
    static const struct {
        const char *yaml, *set, *want;
    } cases[] = {
        {"model:\n  kind: ridge\n  hidden: [3]\n", NULL,
         "t.yaml:3:3: unknown key 'hidden' in model (kind ridge has: hyper, "
         "init_log_decay, init_scale; it is a key of kind mlp, augment, imaml)"},
        {"model:\n  kind: ridge\n  init_scal: 1\n", NULL,
         "t.yaml:3:3: unknown key 'init_scal' in model (did you mean "
         "'init_scale'?)"},
        {"model:\n  kind: ridge\n  lr: 1\n", NULL,
         "t.yaml:3:3: unknown key 'lr' in model (did you mean 'inner.lr' or "
         "'outer.lr'?)"},
        {"hidden: 3\nmodel: {kind: mlp}\n", NULL,
         "t.yaml:1:1: unknown key 'hidden' (did you mean 'model.hidden'?)"},
        {"model:\n  activation: relu\n  kind: mlp\n", NULL,
         "t.yaml:2:15: model.activation must be one of tanh, softplus, got "
         "'relu'"},
        {"model:\n  kind: mlp\n  hidden: 3\n  hidden: 4\n", NULL,
         "t.yaml:4:3: duplicate key 'model.hidden' (first given at line 3)"},
        {"model:\n  kind: mlp\n  kind: ridge\n", NULL,
         "t.yaml:3:3: duplicate key 'model.kind' (first given at line 2)"},
        {"model:\n  hidden: 3\n", NULL,
         "t.yaml:1:1: missing required key model.kind (one of {kinds})"},
        {"model:\n  kind: quadratic\n  A: [1, 0, 0, 1]\n", "model.kind=ridge",
         "t.yaml:3:3: unknown key 'A' in model (kind ridge has: hyper, "
         "init_log_decay, init_scale; it is a key of kind quadratic)"},
        {"model: {kind: ridge}\n", "model.hidden=[3]",
         "--set: model.hidden=[3]: unknown key 'hidden' in model (kind ridge "
         "has: hyper, init_log_decay, init_scale; it is a key of kind mlp, augment, imaml)"},
        {"model: {kind: ridge}\n", "model.hiden=3",
         "--set: unknown key 'model.hiden' (did you mean 'model.hidden'?)"},
        {"model: {kind: ridge}\n", "model.kind=mlpp",
         "--set: model.kind=mlpp: model.kind must be one of {kinds}, got "
         "'mlpp' (did you mean 'mlp'?)"},
        {"model: {kind: mlp, hidden: [4, 0]}\n", NULL,
         "t.yaml:1:32: model.hidden[1] must be between 1 and 100000"},
        {"model: {kind: distill, init_scale: -1}\n", NULL,
         "t.yaml:1:36: model.init_scale must be >= 0"},
    };
    char kinds[300] = "";
    for (size_t f = 0; ihg_model_types[f]; f++)
        snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s",
                 f ? ", " : "", ihg_model_types[f]->name);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ihg_config c;
        char *ov[] = {(char *)cases[i].set, NULL}, want[600];
        const char *at = strstr(cases[i].want, "{kinds}"); /* the registry's */
        if (at)
            snprintf(want, sizeof want, "%.*s%s%s", (int)(at - cases[i].want),
                     cases[i].want, kinds, at + 7);
        else
            snprintf(want, sizeof want, "%s", cases[i].want);
        int st = load_str(&c, cases[i].yaml, cases[i].set ? ov : NULL);
        CHECK(st == IHG_EINVAL && str_is(ihg_error_message(), want),
              "family errors #%zu: '%s'%s%s", i, ihg_error_message(),
              str_is(ihg_error_message(), want) ? "" : " != ",
              str_is(ihg_error_message(), want) ? "" : want);
        ihg_config_free(&c);
    }
}

/* Families that learn images read the image set when no files are given:
 * a flag of the family (distill's), not its name. */
static void test_family_flags(void)
{
    size_t f;
    for (f = 0; ihg_model_types[f]; f++) {
        const ihg_model_type *t = ihg_model_types[f];
        int wants = (t->flags & IHG_MODEL_IMAGE_DATA) != 0;
        char text[200];
        ihg_config c;
        int st;
        snprintf(text, sizeof text, "model: {kind: %s}\n", t->name);
        st = load_str(&c, text, NULL);
        CHECK(st == 0 && c.data.images == wants,
              "flags of %s: images %d without data files (want %d)", t->name,
              c.data.images, wants);
        ihg_config_free(&c);
        snprintf(text, sizeof text, "model: {kind: %s}\ndata: {train: a.csv, "
                 "val: b.csv}\n", t->name);
        st = load_str(&c, text, NULL);
        if (t->task == IHG_TASK_NONE) /* data it would ignore: refused */
            CHECK(st == IHG_EINVAL && strstr(ihg_error_message(), "uses no data"),
                  "flags of %s: data files refused: %s", t->name, ihg_error_message());
        else
            CHECK(st == 0 && c.data.images == 0,
                  "flags of %s: no images with data files", t->name);
        ihg_config_free(&c);
    }
}

/* The loader's own table: unique paths, each inside a section it lists,
 * and one model.kind. */
static void test_loader_table(void)
{
    size_t n, i, j, kinds = 0;
    const ihg_option *k = ihg_config_keys(&n);
    int ok = 1;
    for (i = 0; i < n; i++) {
        const char *dot = strrchr(k[i].name, '.');
        int parent = dot == NULL;
        for (j = 0; j < n; j++) {
            if (j != i && strcmp(k[i].name, k[j].name) == 0)
                ok = 0;
            if (dot && k[j].type == IHG_OPT_SECTION &&
                strlen(k[j].name) == (size_t)(dot - k[i].name) &&
                strncmp(k[j].name, k[i].name, strlen(k[j].name)) == 0)
                parent = 1;
        }
        ok &= parent;
        kinds += k[i].type == IHG_OPT_KIND;
    }
    CHECK(ok && kinds == 1 && n > 40,
          "loader table: %zu unique keys inside their sections, %zu kind key",
          n, kinds);
}

/* --list-keys names every key of every table. */
static void test_list_keys(void)
{
    FILE *f = tmpfile();
    char *text = NULL;
    size_t len = 0, n, i, missing = 0;
    const ihg_option *k = ihg_config_keys(&n);
    if (!f) {
        CHECK(0, "list keys: tmpfile: %s", strerror(errno));
        return;
    }
    CHECK(ihg_config_list_keys(f) == 0, "list keys: written");
    len = (size_t)ftell(f);
    rewind(f);
    text = calloc(1, len + 1);
    if (text && fread(text, 1, len, f) != len)
        len = 0;
    fclose(f);
    if (!text)
        return;
    for (i = 0; i < n; i++) {
        char line[200];
        snprintf(line, sizeof line, "\n%.150s ", k[i].name);
        if (k[i].type != IHG_OPT_SECTION && !strstr(text, line)) {
            missing++;
            CHECK(0, "list keys: %s missing", k[i].name);
        }
    }
    for (i = 0; ihg_model_types[i]; i++) {
        const ihg_option *o;
        char head[100], *block, *end;
        snprintf(head, sizeof head, "with model.kind: %s\n",
                 ihg_model_types[i]->name);
        block = strstr(text, head);
        end = block ? strstr(block + strlen(head), "with model.kind: ") : NULL;
        if (end)
            *end = '\0';
        for (o = ihg_model_types[i]->options; o && o->name; o++) {
            char line[200];
            snprintf(line, sizeof line, "\n  model.%s ", o->name);
            if (!block || !strstr(block, line)) {
                missing++;
                CHECK(0, "list keys: model.%s of %s missing", o->name,
                      ihg_model_types[i]->name);
            }
        }
        if (end)
            *end = 'w';
    }
    CHECK(missing == 0 && len > 0, "list keys: every key of every table");
    free(text);
}

/* ihgtui-experiment(5) documents every key of every table, with the type
 * its table gives, and nothing else: each ".BI key: " type"" entry is read
 * in its section (.SH), its subsection (.SS data.synthetic) or its model
 * family (.SS ridge), and must be a key there. */
static const struct {
    const char *title, *section;
} man_sections[] = {
    {"TOP-LEVEL KEYS", ""}, {"DATA", "data"},        {"MODEL", "model"},
    {"INNER LOOP", "inner"}, {"OUTER LOOP", "outer"}, {"HYPERGRADIENT", "hypergrad"},
};

#define MAN_MAX 256

typedef struct {
    char where[200]; /* a section path, or "kind:" + a family's name */
    char key[64], type[64];
} man_entry;

static void man_title(const char *line, char *out, size_t cap)
{
    size_t n;
    while (*line == ' ')
        line++;
    if (*line == '"')
        line++;
    snprintf(out, cap, "%s", line);
    n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '"' || out[n - 1] == ' '))
        out[--n] = '\0';
}

static size_t man_read(const char *path, man_entry *e, size_t cap, int *bad)
{
    FILE *f = fopen(path, "r");
    char line[512], where[200] = "", section[200] = "";
    int keyed = 0; /* inside a section that holds keys */
    size_t n = 0, i;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char title[200];
        if (strncmp(line, ".SH ", 4) == 0) {
            man_title(line + 4, title, sizeof title);
            keyed = 0;
            for (i = 0; i < sizeof man_sections / sizeof man_sections[0]; i++)
                if (strcmp(title, man_sections[i].title) == 0) {
                    keyed = 1;
                    snprintf(section, sizeof section, "%s",
                             man_sections[i].section);
                    snprintf(where, sizeof where, "%s", section);
                }
        } else if (strncmp(line, ".SS ", 4) == 0) {
            man_title(line + 4, title, sizeof title);
            if (!keyed)
                continue;
            if (ihg_model_lookup(title) && strcmp(section, "model") == 0)
                snprintf(where, sizeof where, "kind:%.100s", title);
            else
                snprintf(where, sizeof where, "%s", title);
        } else if (strncmp(line, ".BI ", 4) == 0 && n < cap) {
            char *colon = strchr(line + 4, ':');
            char *q1 = colon ? strchr(colon, '"') : NULL;
            char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
            if (!keyed || !colon || !q2) {
                CHECK(0, "man: entry outside the key sections or malformed: %s",
                      line);
                ++*bad;
                continue;
            }
            snprintf(e[n].where, sizeof e[n].where, "%s", where);
            snprintf(e[n].key, sizeof e[n].key, "%.*s",
                     (int)(colon - (line + 4)), line + 4);
            q1++;
            while (*q1 == ' ')
                q1++;
            snprintf(e[n].type, sizeof e[n].type, "%.*s", (int)(q2 - q1), q1);
            n++;
        }
    }
    fclose(f);
    return n;
}

/* Is the entry's type the table's word for the option? ("path" is a
 * string too.) */
static int man_type_ok(const man_entry *e, const ihg_option *o)
{
    return str_is(e->type, ihg_option_type_word(o)) ||
           (o->type == IHG_OPT_STRING && str_is(e->type, "path"));
}

static void test_man_page(void)
{
    const char *top = getenv("top_srcdir");
    char path[1024];
    static man_entry e[MAN_MAX];
    size_t n, nk, i, j, f;
    int bad = 0;
    const ihg_option *k = ihg_config_keys(&nk);
    snprintf(path, sizeof path, "%s/man/ihgtui-experiment.5",
             top && *top ? top : ".");
    n = man_read(path, e, MAN_MAX, &bad);
    CHECK(n > 40 && n < MAN_MAX, "man: %zu key entries in %s", n, path);

    /* every entry is a key of its section or family, of the right type */
    for (i = 0; i < n; i++) {
        const ihg_option *o = NULL;
        if (strncmp(e[i].where, "kind:", 5) == 0) {
            const ihg_model_type *t = ihg_model_lookup(e[i].where + 5);
            o = t ? ihg_option_find(t->options, e[i].key) : NULL;
        } else {
            char full[300];
            snprintf(full, sizeof full, "%.200s%s%.63s", e[i].where,
                     e[i].where[0] ? "." : "", e[i].key);
            for (j = 0; j < nk && !o; j++)
                if (str_is(k[j].name, full) && k[j].type != IHG_OPT_SECTION)
                    o = &k[j];
        }
        if (!o || !man_type_ok(&e[i], o)) {
            bad++;
            CHECK(0, "man: %s in %s (%s) is %s", e[i].key,
                  e[i].where[0] ? e[i].where : "the top level", e[i].type,
                  o ? "of another type" : "not a key there");
        }
    }
    /* every key of the loader's table is documented, once */
    for (j = 0; j < nk; j++) {
        size_t seen = 0, sl = strrchr(k[j].name, '.')
                                  ? (size_t)(strrchr(k[j].name, '.') - k[j].name)
                                  : 0;
        if (k[j].type == IHG_OPT_SECTION)
            continue;
        for (i = 0; i < n; i++)
            seen += strlen(e[i].where) == sl &&
                    strncmp(e[i].where, k[j].name, sl) == 0 &&
                    str_is(e[i].key, k[j].name + (sl ? sl + 1 : 0));
        if (seen != 1) {
            bad++;
            CHECK(0, "man: %s documented %zu times", k[j].name, seen);
        }
    }
    /* every key of every family is documented under the family, once */
    for (f = 0; ihg_model_types[f]; f++) {
        const ihg_option *o;
        char where[200];
        snprintf(where, sizeof where, "kind:%s", ihg_model_types[f]->name);
        for (o = ihg_model_types[f]->options; o && o->name; o++) {
            size_t seen = 0;
            for (i = 0; i < n; i++)
                seen += str_is(e[i].where, where) && str_is(e[i].key, o->name);
            if (seen != 1) {
                bad++;
                CHECK(0, "man: model.%s of %s documented %zu times under %s",
                      o->name, ihg_model_types[f]->name, seen,
                      ihg_model_types[f]->name);
            }
        }
    }
    CHECK(bad == 0 && n > 0,
          "man: every key of every table documented, every entry a key");
}

int main(void)
{
    test_defaults();
    test_full();
    test_numbers();
    test_dependent_defaults();
    test_overrides();
    test_files();
    test_builtin();
    test_methods();
    test_strings();
    test_malformed();
    test_loader_table();
    test_family_tables();
    test_family_keys();
    test_family_errors();
    test_family_flags();
    test_list_keys();
    test_man_page();
    return check_summary();
}
