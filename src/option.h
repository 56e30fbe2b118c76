/* option.h - tables of YAML keys, after FFmpeg's AVOption.
 *
 * One row per key: its name, the type of its value, where the value lives
 * (an offset into a struct), the allowed range and, for the options of a
 * model family, the default and one line of help.  A table ends with a row
 * whose name is NULL.
 *
 * The experiment loader (src/config.c) holds the table of the generic
 * sections (name, seed, data, model.kind, inner, outer, hypergrad) over
 * ihg_config; their defaults are set by ihg_config_defaults().  Every model
 * family declares its own table over its own options struct in its file
 * (ihg_model_type.options and .options_size, models/model.h): the loader
 * allocates that struct once model.kind is known, fills it with the
 * defaults of the table, then with what the file and the overrides say,
 * and keeps it in cfg->model.opts.  Options that several families share
 * are declared once (models/decay.h) and listed in each family's table.
 *
 * Nothing here knows about YAML: this file reads and writes values in
 * structs; parsing and error positions are the loader's.
 */
#ifndef IHG_OPTION_H
#define IHG_OPTION_H

#include <stddef.h>

typedef enum {
    IHG_OPT_SECTION, /* a mapping of keys (the loader's own table)         */
    IHG_OPT_STRING,  /* char *, malloc'd; NULL by default                  */
    IHG_OPT_INT,     /* long, in [lo, hi]                                  */
    IHG_OPT_SEED,    /* unsigned long, in [lo, hi]                         */
    IHG_OPT_REAL,    /* double, finite, in [lo, hi] (ends per lo/hi_open)  */
    IHG_OPT_BOOL,    /* int, 0 or 1                                        */
    IHG_OPT_ENUM,    /* int: the index of the value in names[]             */
    IHG_OPT_KIND,    /* model.kind: a family of the registry (the loader
                        sets cfg->model.kind, .type and .opts)             */
    IHG_OPT_CLIP,    /* outer.clip: [min, max], min < max                  */
    IHG_OPT_LEARN,   /* inner.learn: the inner optimizer's settings that
                        become hyperparameters, [lr] or [lr, momentum]     */
    IHG_OPT_VEC2,    /* double[2], written [x, y]                          */
    IHG_OPT_MAT2,    /* double[4], a row-major 2x2 matrix, written
                        [[a, b], [c, d]] or [a, b, c, d]                   */
    IHG_OPT_INTS     /* long[max_count] at off, the number given (a size_t)
                        at count_off: 1 to max_count integers in [lo, hi]
                        (one number alone means one element)               */
} ihg_option_type;

#define IHG_OPT_NOMARK ((size_t)-1)

typedef struct ihg_option {
    const char *name;      /* the key; in the loader's table the dotted path */
    ihg_option_type type;
    size_t off;            /* of the value in the struct                     */
    size_t mark_off;       /* loader's table only: of an ihg_mark set to the
                              key's position, or IHG_OPT_NOMARK              */
    double lo, hi;         /* numbers (INTS: each element): allowed range    */
    int lo_open, hi_open;  /* the end itself is excluded                     */
    const char *const *names; /* ENUM: the values, NULL-terminated           */

    /* The rest is for the families' tables (zero in the loader's). */
    double def;               /* INT, REAL, BOOL; ENUM: the index            */
    const double *def_values; /* VEC2: 2 values, MAT2: 4 (NULL: zeros)      */
    const long *def_ints;     /* INTS: def_count values                      */
    size_t def_count;
    size_t count_off;         /* INTS: of the size_t count                   */
    size_t max_count;         /* INTS: at most this many elements            */
    const char *unit;         /* INTS: what one element is ("layer")         */
    /* Optional: a check beyond type and range, of the value as stored.
     * Returns 0 when the value is fine, else writes why it is not (to
     * follow the key's name: "must be symmetric ...") and returns -1. */
    int (*check)(const void *value, char *why, size_t cap);
    const char *help;         /* one line, for --list-keys                   */
} ihg_option;

/* The row called name in a table, or NULL. */
const ihg_option *ihg_option_find(const ihg_option *table, const char *name);
/* The number of rows (before the NULL row). */
size_t ihg_option_count(const ihg_option *table);

/* Where the value of o lives in the struct at base. */
void *ihg_option_ptr(const ihg_option *o, void *base);
const void *ihg_option_cptr(const ihg_option *o, const void *base);
/* INTS: how many elements are given. */
size_t ihg_option_ints_count(const ihg_option *o, const void *base);

/* Set every option of the table to its default (the struct must be
 * zeroed or hold no strings: strings are set to NULL, not freed). */
void ihg_options_set_defaults(const ihg_option *table, void *base);
/* Free the strings of the table's options and set them to NULL. */
void ihg_options_free(const ihg_option *table, void *base);

/* The value of o at base as YAML text ("0.01", "[[3, 1], [1, 2]]",
 * "per-weight"); "" when there is none (a NULL string, an unset clip).
 * Returns buf. */
char *ihg_option_format(const ihg_option *o, const void *base, char *buf,
                        size_t cap);
/* The allowed values of o: "[0, 1)", "(0, inf)", "tanh | softplus",
 * "1 to 8 of [1, 100000]"; "" when any value of the type is allowed. */
char *ihg_option_format_range(const ihg_option *o, char *buf, size_t cap);
/* "real", "int", "bool", "name", "[x, y]", ... as in ihgtui-experiment(5). */
const char *ihg_option_type_word(const ihg_option *o);

#endif
