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
    "data:\n"
    "  train: data/train.csv\n"
    "  val: data/val.csv\n"
    "  test: /abs/test.csv\n"
    "  target: price\n"
    "  standardize: yes\n"
    "model:\n"
    "  kind: ridge\n"
    "  hyper: global\n"
    "  init_log_decay: -2.5\n"
    "  init_scale: 0.05\n"
    "  A: [[4, 1], [1, 3]]\n"
    "  c: [1.5, -1]\n"
    "  t: [0.25, 0.125]\n"
    "  theta0: [-1, 2]\n"
    "  hidden: [64, 32, 16]\n"
    "  activation: softplus\n"
    "  distill_log_decay: -6\n"
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

/* The data keys that full_yaml's files leave out: each source with its
 * own keys (a key the chosen source would ignore is an error). */
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

static void test_defaults(void)
{
    ihg_config c;
    ihg_config_defaults(&c);
    CHECK(c.model.kind == NULL, "defaults: model.kind unset");
    CHECK(c.seed == 0, "defaults: seed 0");
    CHECK(c.data.split_val == 0.25 && c.data.split_test == 0.0,
          "defaults: split fractions 0.25, 0");
    CHECK(c.data.standardize == 0, "defaults: standardize off");
    CHECK(c.model.hyper == IHG_HYPER_PER_WEIGHT, "defaults: per-weight");
    CHECK(c.model.init_log_decay == -4.0, "defaults: init_log_decay -4");
    CHECK(c.model.init_scale == 0.01, "defaults: init_scale 0.01");
    CHECK(c.model.A[0] == 3 && c.model.A[1] == 1 && c.model.A[2] == 1 &&
              c.model.A[3] == 2,
          "defaults: A = [[3,1],[1,2]]");
    CHECK(c.model.c[0] == 1 && c.model.c[1] == 1, "defaults: c = [1,1]");
    CHECK(c.model.t[0] == 0.5 && c.model.t[1] == 0.2, "defaults: t");
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
    ihg_config_free(&c);
    CHECK(1, "defaults: free twice on a defaults-only config");
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
    CHECK(str_is(c.data.train, "data/train.csv"), "full: data.train");
    CHECK(str_is(c.data.val, "data/val.csv"), "full: data.val");
    CHECK(str_is(c.data.test, "/abs/test.csv"), "full: data.test");
    CHECK(c.data.file == NULL, "full: data.file absent");
    CHECK(str_is(c.data.target, "price"), "full: data.target");
    CHECK(c.data.standardize == 1, "full: standardize yes");
    CHECK(c.data.train_mark.line == 4 && c.data.train_mark.column == 3,
          "full: data.train mark 4:3 (got %lu:%lu)", c.data.train_mark.line,
          c.data.train_mark.column);
    CHECK(c.data.val_mark.line == 5 && c.data.test_mark.line == 6 &&
              c.data.target_mark.line == 7,
          "full: val/test/target marks");
    CHECK(c.data.file_mark.line == 0, "full: no file mark");
    CHECK(str_is(c.model.kind, "ridge"), "full: model.kind");
    CHECK(c.model.kind_mark.line == 10 && c.model.kind_mark.column == 3,
          "full: model.kind mark 10:3 (got %lu:%lu)", c.model.kind_mark.line,
          c.model.kind_mark.column);
    CHECK(c.model.hyper == IHG_HYPER_GLOBAL, "full: hyper global");
    CHECK(c.model.init_log_decay == -2.5, "full: init_log_decay");
    CHECK(c.model.init_scale == 0.05, "full: init_scale");
    CHECK(c.model.A[0] == 4 && c.model.A[1] == 1 && c.model.A[2] == 1 &&
              c.model.A[3] == 3,
          "full: A");
    CHECK(c.model.c[0] == 1.5 && c.model.c[1] == -1, "full: c");
    CHECK(c.model.t[0] == 0.25 && c.model.t[1] == 0.125, "full: t");
    CHECK(c.model.theta0[0] == -1 && c.model.theta0[1] == 2, "full: theta0");
    CHECK(c.model.n_hidden == 3 && c.model.hidden[0] == 64 &&
              c.model.hidden[1] == 32 && c.model.hidden[2] == 16,
          "full: hidden");
    CHECK(c.model.activation == IHG_ACT_SOFTPLUS, "full: activation");
    CHECK(c.model.distill_log_decay == -6, "full: distill_log_decay");
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
    CHECK(st == IHG_OK && c.model.A[0] == 1e-300 && c.model.A[3] == 1e-300,
          "A = 1e-300 I is positive definite (%s)", st ? ihg_error_message() : "ok");
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
    CHECK(st == 0 && c.model.init_log_decay == -4.0,
          "ridge: init_log_decay default -4");
    CHECK(st == 0 && c.hypergrad.compare_max == 20,
          "compare_max defaults to terms (20)");
    CHECK(st == 0 && str_is(c.name, "t"), "name defaults to file base name");
    ihg_config_free(&c);

    st = load_str(&c, "model: {kind: quadratic}\nhypergrad: {terms: 7}\n", NULL);
    CHECK(st == 0 && c.model.init_log_decay == 0.0,
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

    st = load_str(&c, "model:\n  kind: quadratic\n  A: [2, 0.5, 0.5, 1]\n"
                      "  hidden: 12\n", NULL);
    CHECK(st == 0 && c.model.A[0] == 2 && c.model.A[1] == 0.5 &&
              c.model.A[3] == 1,
          "A as 4 numbers");
    CHECK(st == 0 && c.model.n_hidden == 1 && c.model.hidden[0] == 12,
          "hidden as a single number");
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

    st = load_str(&c, "model: {kind: ridge}\ninner: {lr: 0.1, steps: 7}\n", ov1);
    CHECK(st == 0, "override: loads (%s)", ihg_error_message());
    CHECK(st == 0 && c.inner.lr == 0.5 && c.inner.steps == 7,
          "override: inner.lr replaced, steps kept");
    CHECK(st == 0 && c.outer.clip_min == -5 && c.outer.clip_max == 2,
          "override: outer.clip=[-5,2] (section created)");
    CHECK(st == 0 && c.hypergrad.method == &ihg_method_exact,
          "override: method exact");
    CHECK(st == 0 && c.data.syn_n == 64, "override: data.synthetic.n");
    CHECK(st == 0 && c.model.n_hidden == 2 && c.model.hidden[1] == 4,
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
    return check_summary();
}
