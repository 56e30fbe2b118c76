/* config.h - an experiment, as read from its YAML file.
 *
 * ihg_config_load() reads the file with libyaml, applies command-line
 * overrides ("key.path=value"), checks every key, type and range, and fills
 * an ihg_config.  Every error is reported as "FILE:LINE:COLUMN: message"
 * through error.h.  The keys are option tables (option.h): the generic
 * sections' in config.c, and each model family's own in its file, whose
 * values the loader keeps in model.opts.  ihgtui-experiment(5) documents
 * every key (tests/test_config.c checks that it does).
 */
#ifndef IHG_CONFIG_H
#define IHG_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <stdio.h>

#include "option.h"

/* A position in the experiment file, kept for errors found after parsing
 * (a data file that cannot be read is reported at its key). */
typedef struct {
    unsigned long line, column; /* 1-based; 0 when not from the file */
} ihg_mark;

/* The inner optimizers (inner.h) and hypergradient methods (method.h) are
 * type tables; the configuration points at one of each. */
struct ihg_inner_type;
struct ihg_method_type;

typedef enum { IHG_OUTER_SGD = 0, IHG_OUTER_ADAM, IHG_OUTER_RMSPROP } ihg_outer_optimizer;

typedef struct {
    char *path; /* the experiment file as given (NULL for the built-in one) */
    char *dir;  /* its directory: data paths are relative to it ("." default) */

    char *name;          /* name: default = file name without .yaml      */
    unsigned long seed;  /* seed: default 0                               */
    /* init_seed: when given, the initial weights theta are drawn from a
     * stream of their own seeded with it (data, minibatches and lambda keep
     * `seed`), so runs that differ only in init_seed start from different
     * weights on the same data */
    unsigned long init_seed;
    int init_seed_set;

    struct {
        /* Files (NULL when absent); paths as written in the YAML.  Either
         * train (+ val, optional test) or file + split fractions, or
         * neither: then the synthetic generator is used. */
        char *train, *val, *test, *file;
        ihg_mark train_mark, val_mark, test_mark, file_mark;
        char *target;          /* column name; NULL = last column          */
        ihg_mark target_mark;
        int standardize;       /* 0/1, default 0                           */
        double split_val;      /* fractions of `file` (default 0.25, 0)    */
        double split_test;
        /* data.synthetic.* (used when no file is given) */
        long syn_n, syn_n_val, syn_n_test, syn_d, syn_k;
        double syn_noise;
        /* data.images.* (IDX reader, image experiments); images = 1 when
         * the section is given (the distill model also implies it) */
        int images;
        char *images_dir;      /* NULL = /usr/share/datasets/fashion-mnist */
        ihg_mark images_mark;
        long images_n_train, images_n_val, images_n_test;
    } data;

    struct {
        char *kind;            /* the family (models/registry.c)           */
        ihg_mark kind_mark;
        const struct ihg_model_type *type; /* its table; NULL until read  */
        void *opts;            /* its options: the struct its option table
                                  describes (type->options), holding the
                                  table's defaults and the file's values */
    } model;

    struct {
        const struct ihg_inner_type *optimizer; /* default sgd (newton when tol > 0) */
        double lr;          /* default 0.1                                */
        double momentum;    /* default 0.9                                */
        double beta1, beta2, eps; /* adam: 0.9, 0.999, 1e-8               */
        long steps;         /* per outer step, default 100                */
        double tol;         /* 0 = off; else run until ||grad|| <= tol    */
        long max_steps;     /* cap in tol mode, default 10000             */
        long batch;         /* 0 = full batch                             */
        int warm_start;     /* default 1                                  */
        /* inner.learn: optimizer settings that become hyperparameters,
         * appended to lambda after the model's (log lr, logit momentum) */
        int learn_lr, learn_momentum;
        ihg_mark learn_mark;
    } inner;

    struct {
        ihg_outer_optimizer optimizer; /* default adam                    */
        double lr;          /* default 0.05                               */
        double beta1, beta2, eps;      /* 0.9, 0.999, 1e-8                */
        double decay;       /* rmsprop: 0.9                               */
        long steps;         /* default 20                                 */
        double clip_min, clip_max; /* -inf, +inf unless given             */
    } outer;

    struct {
        const struct ihg_method_type *method; /* default neumann              */
        ihg_mark method_mark;
        long terms;         /* neumann K, default 20                      */
        long iters;         /* cg, default 20                             */
        double alpha;       /* neumann alpha; <= 0 means inner.lr         */
        double tol;         /* cg relative residual tolerance, 1e-10      */
        long exact_max;     /* largest P for exact, default 2000          */
        long compare_max;   /* Kmax for --compare, default = terms        */
        /* explicit methods (unrolled, forward, fd) */
        long truncate;      /* unrolled: the last K inner steps, 0 = all   */
        int checkpoint;     /* unrolled: keep every ceil(sqrt T)-th theta  */
        long forward_max;   /* forward: most hyperparameters, default 100  */
        long fd_max;        /* fd: most hyperparameters, default 100       */
        double fd_step;     /* fd: h, default 1e-5                         */
        /* conditioning of the IFT solvers (precond.h) */
        double damping;     /* H + damping I, default 0                    */
        int precondition;   /* ihg_precond: none (default) or jacobi       */
        long probes;        /* products estimating diag(H), default 20     */
    } hypergrad;
} ihg_config;

/* Fill every field with its default (no file). */
void ihg_config_defaults(ihg_config *cfg);

/* Load path; overrides is a NULL-terminated list of "key.path=value"
 * strings (may be NULL).  On failure returns IHG_EINVAL/IHG_EIO with the
 * message "FILE:LINE:COLUMN: ..." recorded and cfg left freeable. */
int ihg_config_load(ihg_config *cfg, const char *path, char *const *overrides);

/* Load from a string held in memory (the built-in default lesson, fuzzing);
 * `name` is used in messages in place of a file name. */
int ihg_config_load_string(ihg_config *cfg, const char *name, const char *text,
                           size_t len, char *const *overrides);

/* Resolve a data path relative to the experiment's directory; returns a
 * malloc'd string (caller frees) or NULL on allocation failure. */
char *ihg_config_resolve(const ihg_config *cfg, const char *relpath);

void ihg_config_free(ihg_config *cfg);

/* The value of the model option `name` of cfg's family (a pointer into
 * cfg->model.opts, of the type its row says; *row is set to that row when
 * row is not NULL), or NULL when the family has no such option. */
const void *ihg_config_model_option(const ihg_config *cfg, const char *name,
                                    const ihg_option **row);

/* The loader's own table of keys (the generic sections, their paths
 * dotted), *n rows; the model families' keys are in their tables. */
const ihg_option *ihg_config_keys(size_t *n);

/* Print every key of every table, its type, default and range (--list-keys).
 * Returns 0, or -1 on a write error. */
int ihg_config_list_keys(FILE *f);

/* ---- The YAML tree, for other files read the same way (lessons) ------
 *
 * The loader's parser: a tree of nodes, each with its line:column, every
 * limit of the experiment loader (depth, nodes, file size), no aliases,
 * anchors or tags.  Messages are "FILE:LINE:COLUMN: message" (error.h). */
typedef struct ynode ihg_ynode;
enum { IHG_YAML_SCALAR = 0, IHG_YAML_SEQ, IHG_YAML_MAP };

/* The bytes of a file (at most the loader's limit), NUL-terminated,
 * malloc'd: IHG_OK or IHG_EIO with the message recorded. */
int ihg_yaml_read(const char *path, char **text, size_t *len);
/* Parse text (messages name it `name`); *root NULL for an empty stream. */
int ihg_yaml_parse(const char *name, const char *text, size_t len, ihg_ynode **root);
void ihg_yaml_free(ihg_ynode *root);
int ihg_yaml_kind(const ihg_ynode *nd);                     /* IHG_YAML_* */
/* A scalar's text (NULL for collections), its length in *len (may be
 * NULL; the text may hold NUL bytes: compare lengths). */
const char *ihg_yaml_text(const ihg_ynode *nd, size_t *len);
int ihg_yaml_is_null(const ihg_ynode *nd);   /* empty, ~ or null        */
int ihg_yaml_is_plain(const ihg_ynode *nd);  /* an unquoted scalar      */
ihg_mark ihg_yaml_mark(const ihg_ynode *nd);
size_t ihg_yaml_size(const ihg_ynode *nd);   /* items, or pairs         */
const ihg_ynode *ihg_yaml_item(const ihg_ynode *seq, size_t i);
const ihg_ynode *ihg_yaml_key(const ihg_ynode *map, size_t i);
const ihg_ynode *ihg_yaml_value(const ihg_ynode *map, size_t i);
const char *ihg_yaml_kind_word(const ihg_ynode *nd); /* "a mapping", ... */
/* A printable, bounded rendering of user text for messages. */
const char *ihg_yaml_show(const char *text, size_t len, char *buf, size_t cap);
/* Record "file:LINE:COLUMN: message" at nd; returns status. */
int ihg_yaml_fail(const char *file, const ihg_ynode *nd, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A finite number as the loader reads one (what names it in messages). */
int ihg_yaml_number(const char *file, const ihg_ynode *nd, const char *what, double *out);
/* The name of names (NULL-terminated) closest to s, when close enough to
 * suggest ("did you mean"), or NULL. */
const char *ihg_yaml_closest(const char *s, size_t len, const char *const *names);

/* An experiment written inline in another file (a lesson): root is its
 * mapping, file the file's name (messages, and cfg->path), dir the
 * directory its data paths are relative to, name the experiment's name.
 * sets: n_sets mappings of dotted keys to values (a lesson's `set:`, as
 * --set) put on top in order, every error at its place in file; then the
 * command line's overrides (as ihg_config_load, may be NULL). */
int ihg_config_load_tree(ihg_config *cfg, const char *file, const char *dir,
                         const char *name, const ihg_ynode *root,
                         const ihg_ynode *const *sets, size_t n_sets,
                         char *const *overrides);
/* An experiment file with such sets (written in set_file) on top. */
int ihg_config_load_sets(ihg_config *cfg, const char *path, const ihg_ynode *const *sets,
                         size_t n_sets, const char *set_file, char *const *overrides);

/* Write cfg as an experiment (YAML) that loads as the same experiment:
 * every key, numbers to the last bit, data paths absolute; each line
 * indented by indent spaces (to sit inside a lesson).  IHG_OK or
 * IHG_EWRITE (config_write.c). */
int ihg_config_write(const ihg_config *cfg, FILE *out, int indent);

/* The built-in default lesson (YAML text) used when no file is given. */
extern const char ihg_default_experiment[];

#endif
