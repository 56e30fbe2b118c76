/* config.c - read an experiment from YAML (libyaml) into an ihg_config.
 *
 * The file is parsed with libyaml's event API into a small tree of nodes,
 * each carrying its 1-based line:column.  Command-line overrides
 * ("key.path=value") are parsed the same way and grafted into the tree, and
 * one validation pass then walks the tree against option tables (option.h):
 * the generic sections' (keys[] below) and, in the model section, the
 * chosen family's own (ihg_model_type.options, found through the registry
 * once model.kind is read, wherever it stands).  Every key, type and range
 * is checked there, and every failure is reported once through
 * ihg_error_at() as "FILE:LINE:COLUMN: message" (or "--set: key=value:
 * message" for an override).
 *
 * Nothing here trusts its input: the tree depth is bounded, every scalar is
 * used with its length (libyaml allows NUL bytes in quoted scalars), numbers
 * must parse completely, and sizes are checked against fixed limits before
 * anybody allocates from them.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strnlen */
#include "config.h"

#include "error.h"
#include "inner.h"
#include "method.h"
#include "number.h"
#include "precond.h"
#include "option.h"
#include "../models/model.h" /* the registry of model families */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ------------------------------------------------------------------ */
/* Limits                                                              */

#define MAX_DEPTH 32                 /* nesting of mappings/sequences  */
#define MAX_NODES 100000             /* scalars + collections per file */
#define MAX_FILE_BYTES (16L << 20)   /* an experiment file is small    */
#define MAX_STEPS 1e9
#define MAX_SIZE 1e8                 /* examples, features, products   */

/* ------------------------------------------------------------------ */
/* The node tree                                                       */

enum { YN_SCALAR, YN_SEQ, YN_MAP };

typedef struct ynode ynode;
struct ynode {
    int kind;
    char *text;          /* scalar value (NUL-terminated copy) */
    size_t len;          /* its length (may contain NUL bytes) */
    int plain;           /* plain (unquoted) scalar            */
    unsigned long line, col;
    ynode **kids;        /* SEQ: items; MAP: key, value, key, value ... */
    size_t n, cap;
    const char *origin;  /* NULL: from the file; else the override string */
    const char *file;    /* NULL: from the file being loaded; else the
                            file it was grafted from (a lesson's set:)   */
};

static void node_free(ynode *nd)
{
    size_t i;
    if (!nd)
        return;
    for (i = 0; i < nd->n; i++)
        node_free(nd->kids[i]);
    free(nd->kids);
    free(nd->text);
    free(nd);
}

static ynode *node_new(int kind, const yaml_mark_t *mark)
{
    ynode *nd = calloc(1, sizeof *nd);
    if (!nd)
        return NULL;
    nd->kind = kind;
    if (mark) {
        nd->line = (unsigned long)mark->line + 1;
        nd->col = (unsigned long)mark->column + 1;
    }
    return nd;
}

static int node_append(ynode *parent, ynode *kid)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 8;
        ynode **k = realloc(parent->kids, cap * sizeof *k);
        if (!k)
            return -1;
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->n++] = kid;
    return 0;
}

static void node_set_origin(ynode *nd, const char *origin)
{
    size_t i;
    nd->origin = origin;
    for (i = 0; i < nd->n; i++)
        node_set_origin(nd->kids[i], origin);
}

static int is_null(const ynode *nd)
{
    if (!nd)
        return 1;
    if (nd->kind != YN_SCALAR || !nd->plain)
        return 0;
    return nd->len == 0 || strcmp(nd->text, "~") == 0 ||
           strcmp(nd->text, "null") == 0 || strcmp(nd->text, "Null") == 0 ||
           strcmp(nd->text, "NULL") == 0;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/* A printable, bounded rendering of user text for messages: at most 48
 * bytes of it (cut at a character), escaped by ihg_escape (error.h). */
static const char *show(const char *s, size_t len, char *buf, size_t cap)
{
    const size_t limit = 48;
    size_t n = len;
    if (n > limit) {
        n = limit;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    ihg_escape(buf, cap > 4 ? cap - 3 : cap, s, n);
    if (n < len && cap > 4)
        strcat(buf, "...");
    return buf;
}

typedef struct {
    const char *name;  /* the file name used in messages */
} loadctx;

static int fail_at(const loadctx *cx, const ynode *nd, int status,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_at(const loadctx *cx, const ynode *nd, int status,
                   const char *fmt, ...)
{
    char msg[600], sb[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (nd && nd->file)
        return ihg_error_at(status, nd->file, nd->line, nd->col, "%s", msg);
    if (nd && nd->origin)
        return ihg_error_at(status, "--set", 0, 0, "%s: %s",
                            show(nd->origin, strlen(nd->origin), sb, sizeof sb),
                            msg);
    if (nd)
        return ihg_error_at(status, cx->name, nd->line, nd->col, "%s", msg);
    return ihg_error_at(status, cx->name, 1, 1, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* YAML text -> node tree                                              */

static void mark_of_offset(const char *text, size_t len, size_t off,
                           unsigned long *line, unsigned long *col)
{
    size_t i;
    unsigned long l = 1, c = 1;
    if (off > len)
        off = len;
    for (i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    *line = l;
    *col = c;
}

static int parser_fail(const loadctx *cx, const char *origin,
                       const yaml_parser_t *p, const char *text, size_t len)
{
    char where[64] = "";
    unsigned long line, col;
    const char *problem = p->problem ? p->problem : "unknown error";
    char sb[256];

    if (p->error == YAML_MEMORY_ERROR)
        return ihg_error_at(IHG_ENOMEM, origin ? "--set" : cx->name, 0, 0,
                            "out of memory while parsing YAML");
    if (p->error == YAML_READER_ERROR) {
        char msg[160];
        mark_of_offset(text, len, p->problem_offset, &line, &col);
        if (p->problem_value >= 0)
            snprintf(msg, sizeof msg, "invalid input: %s (byte 0x%02x)",
                     problem, (unsigned)p->problem_value & 0xffu);
        else
            snprintf(msg, sizeof msg, "invalid input: %s", problem);
        if (origin)
            return ihg_error_at(IHG_EINVAL, "--set", 0, 0, "%s: %s",
                                show(origin, strlen(origin), sb, sizeof sb),
                                msg);
        return ihg_error_at(IHG_EINVAL, cx->name, line, col, "%s", msg);
    }
    line = (unsigned long)p->problem_mark.line + 1;
    col = (unsigned long)p->problem_mark.column + 1;
    if (p->problem_mark.index >= len) {
        /* At the end of the input libyaml counts one line past the last:
         * point at the end of the last line instead. */
        size_t end = len;
        while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r'))
            end--;
        mark_of_offset(text, len, end, &line, &col);
    }
    if (p->context && (p->context_mark.line != p->problem_mark.line ||
                       p->context_mark.column != p->problem_mark.column))
        snprintf(where, sizeof where, " at %lu:%lu",
                 (unsigned long)p->context_mark.line + 1,
                 (unsigned long)p->context_mark.column + 1);
    if (origin)
        return ihg_error_at(IHG_EINVAL, "--set", 0, 0,
                            "%s: YAML syntax error: %s%s%s%s%s",
                            show(origin, strlen(origin), sb, sizeof sb),
                            problem, p->context ? " (" : "",
                            p->context ? p->context : "", where,
                            p->context ? ")" : "");
    return ihg_error_at(IHG_EINVAL, cx->name, line, col,
                        "YAML syntax error: %s%s%s%s%s", problem,
                        p->context ? " (" : "", p->context ? p->context : "",
                        where, p->context ? ")" : "");
}

/* Parse text into *root (NULL when the stream holds no document).
 * origin is NULL for the file, or the override string. */
static int yaml_to_tree(const loadctx *cx, const char *origin,
                        const char *text, size_t len, ynode **root)
{
    yaml_parser_t p;
    yaml_event_t ev;
    ynode *stack[MAX_DEPTH + 1];
    size_t depth = 0;
    int docs = 0, done = 0, st = IHG_OK;
    size_t nodes = 0;
    ynode *top = NULL;

    *root = NULL;
    if (!yaml_parser_initialize(&p))
        return ihg_error_at(IHG_ENOMEM, cx->name, 0, 0,
                            "out of memory while parsing YAML");
    yaml_parser_set_input_string(&p, (const unsigned char *)(text ? text : ""),
                                 text ? len : 0);

    while (!done) {
        ynode tmp;
        ynode *nd = NULL;
        const char *anchor = NULL, *tag = NULL;

        if (!yaml_parser_parse(&p, &ev)) {
            st = parser_fail(cx, origin, &p, text, len);
            break;
        }
        memset(&tmp, 0, sizeof tmp);
        tmp.line = (unsigned long)ev.start_mark.line + 1;
        tmp.col = (unsigned long)ev.start_mark.column + 1;
        tmp.origin = origin;

        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                st = fail_at(cx, &tmp, IHG_EINVAL,
                             "only one YAML document is allowed");
            break;
        case YAML_ALIAS_EVENT:
            st = fail_at(cx, &tmp, IHG_EINVAL,
                         "aliases and anchors are not supported");
            break;
        case YAML_SCALAR_EVENT:
            anchor = (const char *)ev.data.scalar.anchor;
            tag = (const char *)ev.data.scalar.tag;
            if (anchor || tag)
                break;
            nd = node_new(YN_SCALAR, &ev.start_mark);
            if (!nd)
                break;
            nd->len = ev.data.scalar.length;
            nd->text = malloc(nd->len + 1);
            if (!nd->text) {
                free(nd);
                nd = NULL;
                break;
            }
            if (nd->len)
                memcpy(nd->text, ev.data.scalar.value, nd->len);
            nd->text[nd->len] = '\0';
            nd->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            break;
        case YAML_SEQUENCE_START_EVENT:
            anchor = (const char *)ev.data.sequence_start.anchor;
            tag = (const char *)ev.data.sequence_start.tag;
            if (!anchor && !tag)
                nd = node_new(YN_SEQ, &ev.start_mark);
            break;
        case YAML_MAPPING_START_EVENT:
            anchor = (const char *)ev.data.mapping_start.anchor;
            tag = (const char *)ev.data.mapping_start.tag;
            if (!anchor && !tag)
                nd = node_new(YN_MAP, &ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0)
                depth--;
            break;
        default:
            break;
        }

        if (st == IHG_OK && anchor)
            st = fail_at(cx, &tmp, IHG_EINVAL,
                         "aliases and anchors are not supported");
        else if (st == IHG_OK && tag) {
            char sb[256];
            st = fail_at(cx, &tmp, IHG_EINVAL,
                         "YAML tags are not supported (found '%s')",
                         show(tag, strlen(tag), sb, sizeof sb));
        } else if (st == IHG_OK &&
                   (ev.type == YAML_SCALAR_EVENT ||
                    ev.type == YAML_SEQUENCE_START_EVENT ||
                    ev.type == YAML_MAPPING_START_EVENT)) {
            if (!nd) {
                st = ihg_error_at(IHG_ENOMEM, cx->name, 0, 0,
                                  "out of memory while parsing YAML");
            } else if (++nodes > MAX_NODES) {
                node_free(nd);
                st = fail_at(cx, &tmp, IHG_EINVAL,
                             "too many YAML nodes (more than %d): this is "
                             "not an experiment file", MAX_NODES);
            } else {
                nd->origin = origin;
                if (depth == 0) {
                    if (top) { /* cannot happen: one node per document */
                        node_free(nd);
                        st = fail_at(cx, &tmp, IHG_EINVAL,
                                     "only one YAML document is allowed");
                    } else {
                        top = nd;
                    }
                } else if (node_append(stack[depth - 1], nd) != 0) {
                    node_free(nd);
                    st = ihg_error_at(IHG_ENOMEM, cx->name, 0, 0,
                                      "out of memory while parsing YAML");
                }
                if (st == IHG_OK && nd->kind != YN_SCALAR) {
                    if (depth >= MAX_DEPTH)
                        st = fail_at(cx, &tmp, IHG_EINVAL,
                                     "nesting too deep (more than %d levels)",
                                     MAX_DEPTH);
                    else
                        stack[depth++] = nd;
                }
            }
        } else if (nd) {
            node_free(nd);
        }
        yaml_event_delete(&ev);
        if (st != IHG_OK)
            break;
    }
    yaml_parser_delete(&p);
    if (st != IHG_OK) {
        node_free(top);
        return st;
    }
    *root = top;
    return IHG_OK;
}

/* ------------------------------------------------------------------ */
/* The keys                                                            */

/* The loader's own table (option.h): the generic sections, keys written
 * as dotted paths.  The keys of the model section besides `kind` belong to
 * the chosen family (ihg_model_type.options). */
#define K_SECTION IHG_OPT_SECTION
#define K_STR IHG_OPT_STRING
#define K_INT IHG_OPT_INT
#define K_SEED IHG_OPT_SEED
#define K_REAL IHG_OPT_REAL
#define K_BOOL IHG_OPT_BOOL
#define K_ENUM IHG_OPT_ENUM
#define K_KIND IHG_OPT_KIND
#define K_CLIP IHG_OPT_CLIP
#define K_LEARN IHG_OPT_LEARN

/* inner.optimizer and hypergrad.method name an entry of a type table: the
 * names are read from the registries (fill_table_names) */
#define TABLE_NAMES_MAX 32
static const char *inner_opts[TABLE_NAMES_MAX + 1];
static const char *methods[TABLE_NAMES_MAX + 1];

static void fill_table_names(void)
{
    size_t i;
    for (i = 0; ihg_inner_types[i] && i < TABLE_NAMES_MAX; i++)
        inner_opts[i] = ihg_inner_types[i]->name;
    inner_opts[i] = NULL;
    for (i = 0; ihg_method_types[i] && i < TABLE_NAMES_MAX; i++)
        methods[i] = ihg_method_types[i]->name;
    methods[i] = NULL;
}
static const char *const outer_opts[] = {"sgd", "adam", "rmsprop", NULL};

#define F(m) offsetof(ihg_config, m)
#define NOMARK IHG_OPT_NOMARK
#define INF HUGE_VAL

/* The rows give the first nine fields of ihg_option by position; the
 * fields after them (a family's defaults and help) stay zero here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const ihg_option keys[] = {
    {"name", K_STR, F(name), NOMARK, 0, 0, 0, 0, NULL},
    {"seed", K_SEED, F(seed), NOMARK, 0, 4294967295.0, 0, 0, NULL},
    {"init_seed", K_SEED, F(init_seed), NOMARK, 0, 4294967295.0, 0, 0, NULL},

    {"data", K_SECTION, 0, NOMARK, 0, 0, 0, 0, NULL},
    {"data.train", K_STR, F(data.train), F(data.train_mark), 0, 0, 0, 0, NULL},
    {"data.val", K_STR, F(data.val), F(data.val_mark), 0, 0, 0, 0, NULL},
    {"data.test", K_STR, F(data.test), F(data.test_mark), 0, 0, 0, 0, NULL},
    {"data.file", K_STR, F(data.file), F(data.file_mark), 0, 0, 0, 0, NULL},
    {"data.target", K_STR, F(data.target), F(data.target_mark), 0, 0, 0, 0,
     NULL},
    {"data.standardize", K_BOOL, F(data.standardize), NOMARK, 0, 0, 0, 0, NULL},
    {"data.split_val", K_REAL, F(data.split_val), NOMARK, 0, 1, 0, 1, NULL},
    {"data.split_test", K_REAL, F(data.split_test), NOMARK, 0, 1, 0, 1, NULL},
    {"data.synthetic", K_SECTION, 0, NOMARK, 0, 0, 0, 0, NULL},
    {"data.synthetic.n", K_INT, F(data.syn_n), NOMARK, 2, MAX_SIZE, 0, 0, NULL},
    {"data.synthetic.n_val", K_INT, F(data.syn_n_val), NOMARK, 1, MAX_SIZE, 0,
     0, NULL},
    {"data.synthetic.n_test", K_INT, F(data.syn_n_test), NOMARK, 0, MAX_SIZE,
     0, 0, NULL},
    {"data.synthetic.d", K_INT, F(data.syn_d), NOMARK, 1, 1e5, 0, 0, NULL},
    {"data.synthetic.k", K_INT, F(data.syn_k), NOMARK, 2, 1000, 0, 0, NULL},
    {"data.synthetic.noise", K_REAL, F(data.syn_noise), NOMARK, 0, 1e6, 0, 0,
     NULL},
    {"data.images", K_SECTION, 0, NOMARK, 0, 0, 0, 0, NULL},
    {"data.images.dir", K_STR, F(data.images_dir), F(data.images_mark), 0, 0,
     0, 0, NULL},
    {"data.images.n_train", K_INT, F(data.images_n_train), NOMARK, 1, 1e7, 0,
     0, NULL},
    {"data.images.n_val", K_INT, F(data.images_n_val), NOMARK, 1, 1e7, 0, 0,
     NULL},
    {"data.images.n_test", K_INT, F(data.images_n_test), NOMARK, 0, 1e7, 0, 0,
     NULL},

    {"model", K_SECTION, 0, NOMARK, 0, 0, 0, 0, NULL},
    {"model.kind", K_KIND, 0, F(model.kind_mark), 0, 0, 0, 0, NULL},

    {"inner", K_SECTION, 0, NOMARK, 0, 0, 0, 0, NULL},
    {"inner.optimizer", K_ENUM, F(inner.optimizer), NOMARK, 0, 0, 0, 0,
     inner_opts},
    {"inner.lr", K_REAL, F(inner.lr), NOMARK, 0, INF, 1, 0, NULL},
    {"inner.momentum", K_REAL, F(inner.momentum), NOMARK, 0, 1, 0, 1, NULL},
    {"inner.beta1", K_REAL, F(inner.beta1), NOMARK, 0, 1, 0, 1, NULL},
    {"inner.beta2", K_REAL, F(inner.beta2), NOMARK, 0, 1, 0, 1, NULL},
    {"inner.eps", K_REAL, F(inner.eps), NOMARK, 0, 1, 1, 0, NULL},
    {"inner.steps", K_INT, F(inner.steps), NOMARK, 0, MAX_STEPS, 0, 0, NULL},
    {"inner.tol", K_REAL, F(inner.tol), NOMARK, 0, INF, 0, 0, NULL},
    {"inner.max_steps", K_INT, F(inner.max_steps), NOMARK, 1, MAX_STEPS, 0, 0,
     NULL},
    {"inner.batch", K_INT, F(inner.batch), NOMARK, 0, MAX_SIZE, 0, 0, NULL},
    {"inner.warm_start", K_BOOL, F(inner.warm_start), NOMARK, 0, 0, 0, 0, NULL},
    {"inner.learn", K_LEARN, 0, F(inner.learn_mark), 0, 0, 0, 0, NULL},

    {"outer", K_SECTION, 0, NOMARK, 0, 0, 0, 0, NULL},
    {"outer.optimizer", K_ENUM, F(outer.optimizer), NOMARK, 0, 0, 0, 0,
     outer_opts},
    {"outer.lr", K_REAL, F(outer.lr), NOMARK, 0, INF, 0, 0, NULL},
    {"outer.beta1", K_REAL, F(outer.beta1), NOMARK, 0, 1, 0, 1, NULL},
    {"outer.beta2", K_REAL, F(outer.beta2), NOMARK, 0, 1, 0, 1, NULL},
    {"outer.eps", K_REAL, F(outer.eps), NOMARK, 0, 1, 1, 0, NULL},
    {"outer.decay", K_REAL, F(outer.decay), NOMARK, 0, 1, 0, 1, NULL},
    {"outer.steps", K_INT, F(outer.steps), NOMARK, 0, MAX_STEPS, 0, 0, NULL},
    {"outer.clip", K_CLIP, 0, NOMARK, 0, 0, 0, 0, NULL},

    {"hypergrad", K_SECTION, 0, NOMARK, 0, 0, 0, 0, NULL},
    {"hypergrad.method", K_ENUM, F(hypergrad.method), F(hypergrad.method_mark), 0, 0, 0, 0,
     methods},
    {"hypergrad.terms", K_INT, F(hypergrad.terms), NOMARK, 0, 1e6, 0, 0, NULL},
    {"hypergrad.iters", K_INT, F(hypergrad.iters), NOMARK, 1, 1e6, 0, 0, NULL},
    {"hypergrad.alpha", K_REAL, F(hypergrad.alpha), NOMARK, -INF, INF, 0, 0,
     NULL},
    {"hypergrad.tol", K_REAL, F(hypergrad.tol), NOMARK, 0, 1, 0, 0, NULL},
    {"hypergrad.exact_max", K_INT, F(hypergrad.exact_max), NOMARK, 0, 20000,
     0, 0, NULL},
    {"hypergrad.compare_max", K_INT, F(hypergrad.compare_max), NOMARK, 0, 1e6,
     0, 0, NULL},
    {"hypergrad.truncate", K_INT, F(hypergrad.truncate), NOMARK, 0, MAX_STEPS, 0, 0,
     NULL},
    {"hypergrad.checkpoint", K_BOOL, F(hypergrad.checkpoint), NOMARK, 0, 0, 0, 0, NULL},
    {"hypergrad.forward_max", K_INT, F(hypergrad.forward_max), NOMARK, 1, 1e6, 0, 0,
     NULL},
    {"hypergrad.fd_max", K_INT, F(hypergrad.fd_max), NOMARK, 1, 1e6, 0, 0, NULL},
    {"hypergrad.fd_step", K_REAL, F(hypergrad.fd_step), NOMARK, 0, 1, 1, 1, NULL},
    {"hypergrad.damping", K_REAL, F(hypergrad.damping), NOMARK, 0, INF, 0, 0, NULL},
    {"hypergrad.precondition", K_ENUM, F(hypergrad.precondition), NOMARK, 0, 0, 0, 0,
     ihg_precond_names},
    {"hypergrad.probes", K_INT, F(hypergrad.probes), NOMARK, 1, 1e6, 0, 0, NULL},
};
#pragma GCC diagnostic pop

#define NKEYS (sizeof keys / sizeof keys[0])
#define MAX_FAMILY_KEYS 64 /* rows of one family's option table */
#define MAX_PATH 160

static int key_index(const char *path)
{
    size_t i;
    for (i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, path) == 0)
            return (int)i;
    return -1;
}

/* The last component of a dotted path. */
static const char *leaf(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

/* The section a key lives in: "" for top-level keys. */
static size_t section_len(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? (size_t)(dot - path) : 0;
}

static int in_section(const char *path, const char *sec, size_t seclen)
{
    return section_len(path) == seclen && strncmp(path, sec, seclen) == 0;
}

/* The row of type KIND in the section sec (the model family's key), or
 * NULL: in such a section the other keys come from the family's table. */
static const ihg_option *kind_row(const char *sec, size_t seclen)
{
    size_t i;
    for (i = 0; i < NKEYS; i++)
        if (keys[i].type == K_KIND && in_section(keys[i].name, sec, seclen))
            return &keys[i];
    return NULL;
}

/* Every key of every table as a dotted path, each once (the families'
 * keys under the section of model.kind), for --set and for suggestions:
 * written to key_paths, returns how many. */
#define MAX_KEY_PATHS 512
static char key_paths[MAX_KEY_PATHS][MAX_PATH];

static size_t all_key_paths(void)
{
    char (*out)[MAX_PATH] = key_paths;
    size_t n = 0, i, j, f, cap = MAX_KEY_PATHS;
    for (i = 0; i < NKEYS && n < cap; i++)
        snprintf(out[n++], MAX_PATH, "%s", keys[i].name);
    for (i = 0; i < NKEYS; i++) {
        size_t seclen = section_len(keys[i].name);
        if (keys[i].type != K_KIND)
            continue;
        for (f = 0; ihg_model_types[f]; f++) {
            const ihg_option *o = ihg_model_types[f]->options;
            for (; o && o->name && n < cap; o++) {
                char path[MAX_PATH];
                int dup = 0;
                snprintf(path, sizeof path, "%.*s.%s", (int)seclen,
                         keys[i].name, o->name);
                for (j = 0; j < n && !dup; j++)
                    dup = strcmp(out[j], path) == 0;
                if (!dup)
                    snprintf(out[n++], MAX_PATH, "%s", path);
            }
        }
    }
    return n;
}

/* Is path a key of some table (for --set: the chosen family is checked
 * when the tree is walked)? */
static int known_path(const char *path)
{
    size_t n = all_key_paths(), i;
    for (i = 0; i < n; i++)
        if (strcmp(key_paths[i], path) == 0)
            return 1;
    return 0;
}

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

/* Optimal-string-alignment distance (Damerau-Levenshtein without repeated
 * edits), case-insensitive; "infinite" when either string is long. */
static size_t edit_distance(const char *a, size_t la, const char *b)
{
    enum { M = 48 };
    size_t lb = strlen(b), i, j;
    size_t d[M + 1][M + 1];
    if (la > M || lb > M)
        return (size_t)-1;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            int ca = lower((unsigned char)a[i - 1]);
            int cb = lower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == lower((unsigned char)b[j - 2]) &&
                lower((unsigned char)a[i - 2]) == cb &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static size_t close_enough(size_t len)
{
    return len <= 4 ? 1 : len <= 8 ? 2 : 3;
}

/* Closest name in a NULL-terminated list, or NULL. */
static const char *closest_name(const char *s, size_t len,
                                const char *const *names)
{
    const char *best = NULL;
    size_t bd = (size_t)-1, i;
    for (i = 0; names[i]; i++) {
        size_t d = edit_distance(s, len, names[i]);
        if (d < bd) {
            bd = d;
            best = names[i];
        }
    }
    return bd <= close_enough(len) ? best : NULL;
}

/* Append to a bounded string. */
static void append(char *out, size_t cap, const char *text)
{
    size_t n = strlen(out);
    if (n + 1 < cap)
        snprintf(out + n, cap - n, "%s", text);
}

/* Suggest a key for an unknown one named (s, len) in section sec (length
 * seclen, 0 = top level); family is the chosen model family when sec is
 * its section.  Writes " (did you mean '...'?)", " (kind K has: ...)" or
 * "". */
static void suggest_key(const char *sec, size_t seclen, const char *s,
                        size_t len, const ihg_model_type *family, char *out,
                        size_t cap)
{
    size_t i, n, bd = (size_t)-1;
    const char *best = NULL, *other = NULL;
    const ihg_option *o;
    out[0] = '\0';
    for (i = 0; i < NKEYS; i++) {
        const char *p = keys[i].name;
        size_t d;
        if (!in_section(p, sec, seclen))
            continue;
        d = edit_distance(s, len, leaf(p));
        if (d < bd) {
            bd = d;
            best = leaf(p);
        }
    }
    for (o = family ? family->options : NULL; o && o->name; o++) {
        size_t d = edit_distance(s, len, o->name);
        if (d < bd) {
            bd = d;
            best = o->name;
        }
    }
    if (best && bd <= close_enough(len)) {
        snprintf(out, cap, " (did you mean '%s'?)", best);
        return;
    }
    /* The right name in the wrong section ("lr" at the top level). */
    best = NULL;
    n = all_key_paths();
    for (i = 0; i < n; i++) {
        const char *p = key_paths[i];
        if (strlen(leaf(p)) == len && strncmp(leaf(p), s, len) == 0 &&
            !in_section(p, sec, seclen)) {
            if (!best)
                best = p;
            else if (!other)
                other = p;
        }
    }
    if (best && other) {
        snprintf(out, cap, " (did you mean '%.159s' or '%.159s'?)", best,
                 other); /* paths are shorter than MAX_PATH */
        return;
    }
    if (best) {
        snprintf(out, cap, " (did you mean '%.159s'?)", best);
        return;
    }
    if (!family)
        return;
    /* The family's keys, and the families that have this one. */
    snprintf(out, cap, " (kind %s has%s", family->name,
             family->options && family->options->name ? ": "
                                                       : " no other keys");
    for (o = family->options; o && o->name; o++) {
        append(out, cap, o == family->options ? "" : ", ");
        append(out, cap, o->name);
    }
    other = NULL;
    for (i = 0; ihg_model_types[i]; i++) {
        for (o = ihg_model_types[i]->options; o && o->name; o++)
            if (strlen(o->name) == len && strncmp(o->name, s, len) == 0)
                break;
        if (!o || !o->name)
            continue;
        append(out, cap, other ? ", " : "; it is a key of kind ");
        append(out, cap, ihg_model_types[i]->name);
        other = ihg_model_types[i]->name;
    }
    append(out, cap, ")");
}

/* ------------------------------------------------------------------ */
/* Scalars                                                             */

static const char *kind_word(const ynode *nd)
{
    if (nd->kind == YN_MAP)
        return "a mapping";
    if (nd->kind == YN_SEQ)
        return "a sequence";
    return nd->plain ? "a scalar" : "a quoted string";
}

static int nonfinite_word(const char *s)
{
    static const char *const words[] = {
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
        "-.INF", ".nan", ".NaN", ".NAN", "inf", "-inf", "+inf", "nan",
        "NaN", "infinity", "-infinity", "Infinity", "-Infinity", "INF",
        "-INF", "NAN", NULL};
    size_t i;
    for (i = 0; words[i]; i++)
        if (strcmp(s, words[i]) == 0)
            return 1;
    return 0;
}

/* Parse a number node.  what = the key path for messages. */
static int get_number(const loadctx *cx, const ynode *nd, const char *what,
                      double *out)
{
    char sb[256];
    char *end = NULL;
    double v;
    if (nd->kind != YN_SCALAR)
        return fail_at(cx, nd, IHG_EINVAL, "%s must be a number, not %s",
                       what, kind_word(nd));
    if (!nd->plain)
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s must be a number, not a quoted string", what);
    if (nonfinite_word(nd->text))
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s must be a finite number, got '%s'", what,
                       show(nd->text, nd->len, sb, sizeof sb));
    if (strlen(nd->text) != nd->len || !ihg_decimal_syntax(nd->text, nd->len))
        return fail_at(cx, nd, IHG_EINVAL, "%s must be a number, got '%s'",
                       what, show(nd->text, nd->len, sb, sizeof sb));
    errno = 0;
    v = ihg_strtod_c(nd->text, &end);
    if (!end || *end != '\0')
        return fail_at(cx, nd, IHG_EINVAL, "%s must be a number, got '%s'",
                       what, show(nd->text, nd->len, sb, sizeof sb));
    if (!isfinite(v))
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s must be a finite number, got '%s' (out of range)",
                       what, show(nd->text, nd->len, sb, sizeof sb));
    if (v == 0.0 && strcspn(nd->text, "123456789") < strcspn(nd->text, "eE"))
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s: '%s' is too small for a double (it would be read "
                       "as 0)",
                       what, show(nd->text, nd->len, sb, sizeof sb));
    if (v == 0.0)
        v = 0.0; /* no negative zero */
    *out = v;
    return IHG_OK;
}

static int check_range(const loadctx *cx, const ynode *nd,
                       const ihg_option *k, const char *what, double v)
{
    if (k->lo_open ? !(v > k->lo) : !(v >= k->lo))
        return fail_at(cx, nd, IHG_EINVAL, "%s must be %s %.10g", what,
                       k->lo_open ? ">" : ">=", k->lo);
    if (k->hi_open ? !(v < k->hi) : !(v <= k->hi))
        return fail_at(cx, nd, IHG_EINVAL, "%s must be %s %.10g", what,
                       k->hi_open ? "<" : "<=", k->hi);
    return IHG_OK;
}

/* 1 when the decimal s (ihg_decimal_syntax holds) is an integer exactly:
 * no nonzero digit below the units once the exponent is applied (so
 * 1e-400 and 1.0000000000000001 are not, 1e3 and 2.50e1 are). */
static int decimal_is_integer(const char *s)
{
    const char *e = strpbrk(s, "eE");
    long exp10 = 0;
    if (e) {
        const char *p = e + 1;
        int neg = *p == '-';
        if (*p == '+' || *p == '-')
            p++;
        for (; *p >= '0' && *p <= '9'; p++)
            if (exp10 < 100000)
                exp10 = exp10 * 10 + (*p - '0');
        if (neg)
            exp10 = -exp10;
    }
    /* place of each digit: 10^(units - i - 1 + exp10) */
    const char *dot = strchr(s, '.'), *end = e ? e : s + strlen(s);
    long units = 0, i = 0;
    for (const char *p = s; p < (dot && dot < end ? dot : end); p++)
        if (*p >= '0' && *p <= '9')
            units++;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            continue;
        if (*p != '0' && units - i - 1 + exp10 < 0)
            return 0;
        i++;
    }
    return 1;
}

static int get_integer(const loadctx *cx, const ynode *nd, const ihg_option *k,
                       const char *what, double *out)
{
    double v;
    if (nd->kind == YN_SCALAR && nd->plain && strlen(nd->text) == nd->len &&
        ihg_decimal_syntax(nd->text, nd->len) && !decimal_is_integer(nd->text))
        return fail_at(cx, nd, IHG_EINVAL, "%s must be an integer, got %s",
                       what, nd->text);
    int st = get_number(cx, nd, what, &v);
    if (st)
        return st;
    if (v != floor(v))
        return fail_at(cx, nd, IHG_EINVAL, "%s must be an integer, got %s",
                       what, nd->text);
    if (k && (st = check_range(cx, nd, k, what, v)) != IHG_OK)
        return st;
    *out = v;
    return IHG_OK;
}

static int get_string(const loadctx *cx, const ynode *nd, const char *what,
                      char **out)
{
    char *s;
    if (nd->kind != YN_SCALAR)
        return fail_at(cx, nd, IHG_EINVAL, "%s must be a string, not %s",
                       what, kind_word(nd));
    if (nd->len == 0)
        return fail_at(cx, nd, IHG_EINVAL, "%s must not be empty", what);
    if (strlen(nd->text) != nd->len)
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s must not contain a NUL character", what);
    if (nd->len > 4096)
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s is too long (%zu bytes, at most 4096)", what,
                       nd->len);
    s = strdup(nd->text);
    if (!s)
        return fail_at(cx, nd, IHG_ENOMEM, "out of memory");
    free(*out);
    *out = s;
    return IHG_OK;
}

static int get_bool(const loadctx *cx, const ynode *nd, const char *what,
                    int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No",
                                     "NO", NULL};
    char sb[256];
    size_t i;
    if (nd->kind != YN_SCALAR || !nd->plain)
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s must be true or false, not %s", what, kind_word(nd));
    for (i = 0; yes[i]; i++)
        if (strcmp(nd->text, yes[i]) == 0) {
            *out = 1;
            return IHG_OK;
        }
    for (i = 0; no[i]; i++)
        if (strcmp(nd->text, no[i]) == 0) {
            *out = 0;
            return IHG_OK;
        }
    return fail_at(cx, nd, IHG_EINVAL, "%s must be true or false, got '%s'",
                   what, show(nd->text, nd->len, sb, sizeof sb));
}

static int get_enum(const loadctx *cx, const ynode *nd, const char *what,
                    const char *const *names, int *out)
{
    char sb[256], list[256] = "", hint[96] = "";
    const char *near;
    size_t i;
    for (i = 0; names[i]; i++) {
        if (i)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
    }
    if (nd->kind != YN_SCALAR)
        return fail_at(cx, nd, IHG_EINVAL, "%s must be one of %s, not %s",
                       what, list, kind_word(nd));
    for (i = 0; names[i]; i++)
        if (strlen(names[i]) == nd->len &&
            strcmp(names[i], nd->text) == 0) {
            *out = (int)i;
            return IHG_OK;
        }
    near = closest_name(nd->text, nd->len, names);
    if (near)
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
    return fail_at(cx, nd, IHG_EINVAL, "%s must be one of %s, got '%s'%s",
                   what, list, show(nd->text, nd->len, sb, sizeof sb),
                   hint);
}

/* inner.learn: a sequence of optimizer settings to learn, each at most
 * once, from {lr, momentum}. */
static int get_learn(const loadctx *cx, const ynode *nd, ihg_config *cfg)
{
    static const char *const names[] = {"lr", "momentum", NULL};
    char sb[256], hint[96];
    size_t i;
    if (nd->kind != YN_SEQ)
        return fail_at(cx, nd, IHG_EINVAL,
                       "inner.learn must be a sequence such as [lr] or [lr, momentum], "
                       "not %s", kind_word(nd));
    cfg->inner.learn_lr = cfg->inner.learn_momentum = 0;
    for (i = 0; i < nd->n; i++) {
        const ynode *it = nd->kids[i];
        int *flag = NULL;
        if (it->kind == YN_SCALAR && it->len == 2 && strcmp(it->text, "lr") == 0)
            flag = &cfg->inner.learn_lr;
        else if (it->kind == YN_SCALAR && it->len == 8 && strcmp(it->text, "momentum") == 0)
            flag = &cfg->inner.learn_momentum;
        if (!flag) {
            const char *near = it->kind == YN_SCALAR
                                   ? closest_name(it->text, it->len, names)
                                   : NULL;
            hint[0] = '\0';
            if (near)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
            return fail_at(cx, it, IHG_EINVAL,
                           "inner.learn entries are lr or momentum, got %s%s",
                           it->kind == YN_SCALAR
                               ? show(it->text, it->len, sb, sizeof sb)
                               : kind_word(it), hint);
        }
        if (*flag)
            return fail_at(cx, it, IHG_EINVAL, "inner.learn lists %s twice", it->text);
        *flag = 1;
    }
    return IHG_OK;
}

/* A sequence of exactly n numbers into out[]. */
static int get_numbers(const loadctx *cx, const ynode *nd, const char *what,
                       size_t n, const char *shape, double *out)
{
    size_t i;
    if (nd->kind != YN_SEQ)
        return fail_at(cx, nd, IHG_EINVAL, "%s must be a sequence %s, not %s",
                       what, shape, kind_word(nd));
    if (nd->n != n)
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s must have %zu elements %s, got %zu", what, n, shape,
                       nd->n);
    for (i = 0; i < n; i++) {
        char item[96];
        int st;
        snprintf(item, sizeof item, "%s[%zu]", what, i);
        if ((st = get_number(cx, nd->kids[i], item, &out[i])) != IHG_OK)
            return st;
    }
    return IHG_OK;
}

/* A 2x2 matrix, [[a, b], [c, d]] or [a, b, c, d], into A (row-major). */
static int get_matrix(const loadctx *cx, const ynode *nd, const char *what,
                      double A[4])
{
    const char *shape = "[[a, b], [b, d]] or [a, b, b, d]";
    char item[MAX_PATH + 8];
    int st;
    if (nd->kind == YN_SEQ && nd->n == 2 && nd->kids[0]->kind == YN_SEQ) {
        snprintf(item, sizeof item, "%s[0]", what);
        if ((st = get_numbers(cx, nd->kids[0], item, 2, "[a, b]", A)))
            return st;
        snprintf(item, sizeof item, "%s[1]", what);
        return get_numbers(cx, nd->kids[1], item, 2, "[b, d]", A + 2);
    }
    return get_numbers(cx, nd, what, 4, shape, A);
}

/* INTS: one integer, or a sequence of 1 to k->max_count, each in the
 * range of k. */
static int get_ints(const loadctx *cx, const ynode *nd, const ihg_option *k,
                    const char *what, void *base)
{
    long *out = ihg_option_ptr(k, base);
    size_t *count = (size_t *)((char *)base + k->count_off);
    size_t i;
    double v;
    int st;
    if (nd->kind == YN_SCALAR) { /* hidden: 32 is [32] */
        if ((st = get_integer(cx, nd, k, what, &v)) != IHG_OK)
            return st;
        out[0] = (long)v;
        *count = 1;
        return IHG_OK;
    }
    if (nd->kind != YN_SEQ)
        return fail_at(cx, nd, IHG_EINVAL,
                       "%s must be a sequence of integers (one per %s), not %s",
                       what, k->unit, kind_word(nd));
    if (nd->n == 0)
        return fail_at(cx, nd, IHG_EINVAL, "%s must list at least one %s",
                       what, k->unit);
    if (nd->n > k->max_count)
        return fail_at(cx, nd, IHG_EINVAL, "%s has %zu %ss, at most %zu allowed",
                       what, nd->n, k->unit, k->max_count);
    for (i = 0; i < nd->n; i++) {
        char item[MAX_PATH + 24];
        snprintf(item, sizeof item, "%s[%zu]", what, i);
        if ((st = get_integer(cx, nd->kids[i], NULL, item, &v)) != IHG_OK)
            return st;
        if (v < k->lo || v > k->hi)
            return fail_at(cx, nd->kids[i], IHG_EINVAL,
                           "%s must be between %g and %g", item, k->lo, k->hi);
        out[i] = (long)v;
    }
    *count = nd->n;
    return IHG_OK;
}

/* ------------------------------------------------------------------ */
/* Validation: the tree -> cfg                                         */

typedef struct {
    const ynode *key[NKEYS]; /* the key node of each key given */
    const ynode *val[NKEYS]; /* its value node                 */
    const ynode *family_key[MAX_FAMILY_KEYS]; /* the same for the rows of
                                                 the family's table     */
} seenset;

/* model.kind: the family from the registry; its options struct is
 * allocated and set to the defaults of its table. */
static int set_kind(const loadctx *cx, ihg_config *cfg, const char *what,
                    const ynode *nd)
{
    const char *names[65];
    const ihg_model_type *type;
    size_t n = 0;
    void *opts = NULL;
    char *kind;
    int e, st;
    while (ihg_model_types[n] && n < 64) {
        names[n] = ihg_model_types[n]->name;
        n++;
    }
    names[n] = NULL;
    if ((st = get_enum(cx, nd, what, names, &e)) != IHG_OK)
        return st;
    type = ihg_model_types[e];
    if (ihg_option_count(type->options) > MAX_FAMILY_KEYS)
        return fail_at(cx, nd, IHG_EINTERNAL,
                       "internal error: model '%s' has more than %d keys",
                       type->name, MAX_FAMILY_KEYS);
    kind = strdup(type->name);
    if (type->options_size && !(opts = calloc(1, type->options_size)))
        free(kind), kind = NULL;
    if (!kind)
        return fail_at(cx, nd, IHG_ENOMEM, "out of memory");
    ihg_options_set_defaults(type->options, opts);
    if (cfg->model.type)
        ihg_options_free(cfg->model.type->options, cfg->model.opts);
    free(cfg->model.opts);
    free(cfg->model.kind);
    cfg->model.kind = kind;
    cfg->model.type = type;
    cfg->model.opts = opts;
    return IHG_OK;
}

/* Set the option k of the struct at base from the value node nd (keynd:
 * its key); what = the key's dotted path, for messages.  base is cfg for
 * the loader's own keys, cfg->model.opts for the family's. */
static int set_value(const loadctx *cx, ihg_config *cfg, void *base,
                     const ihg_option *k, const char *what, const ynode *keynd,
                     const ynode *nd)
{
    void *p = ihg_option_ptr(k, base);
    double v;
    int st, e = 0;

    if (is_null(nd))
        return fail_at(cx, keynd, IHG_EINVAL, "%s has no value", what);
    if (base == (void *)cfg && k->mark_off != NOMARK) {
        ihg_mark *m = (ihg_mark *)((char *)cfg + k->mark_off);
        m->line = keynd->origin ? 0 : keynd->line;
        m->column = keynd->origin ? 0 : keynd->col;
    }
    switch (k->type) {
    case K_STR:
        st = get_string(cx, nd, what, p);
        break;
    case K_BOOL:
        st = get_bool(cx, nd, what, p);
        break;
    case K_REAL:
        if ((st = get_number(cx, nd, what, &v)) != IHG_OK)
            return st;
        if ((st = check_range(cx, nd, k, what, v)) != IHG_OK)
            return st;
        *(double *)p = v;
        break;
    case K_INT:
        if ((st = get_integer(cx, nd, k, what, &v)) != IHG_OK)
            return st;
        *(long *)p = (long)v;
        break;
    case K_SEED:
        if ((st = get_integer(cx, nd, k, what, &v)) != IHG_OK)
            return st;
        *(unsigned long *)p = (unsigned long)v;
        break;
    case K_ENUM:
        if ((st = get_enum(cx, nd, what, k->names, &e)) != IHG_OK)
            return st;
        if (k->names == inner_opts)
            cfg->inner.optimizer = ihg_inner_types[e];
        else if (k->names == methods)
            cfg->hypergrad.method = ihg_method_types[e];
        else
            *(int *)p = e;
        break;
    case K_KIND:
        return set_kind(cx, cfg, what, nd);
    case IHG_OPT_VEC2:
        st = get_numbers(cx, nd, what, 2, "[x, y]", p);
        break;
    case IHG_OPT_MAT2:
        st = get_matrix(cx, nd, what, p);
        break;
    case IHG_OPT_INTS:
        st = get_ints(cx, nd, k, what, base);
        break;
    case K_LEARN:
        return get_learn(cx, nd, cfg);
    case K_CLIP: {
        double mm[2];
        if ((st = get_numbers(cx, nd, what, 2, "[min, max]", mm)) != IHG_OK)
            return st;
        if (!(mm[0] < mm[1]))
            return fail_at(cx, nd, IHG_EINVAL,
                           "outer.clip must be [min, max] with min < max "
                           "(got [%g, %g])", mm[0], mm[1]);
        cfg->outer.clip_min = mm[0];
        cfg->outer.clip_max = mm[1];
        return IHG_OK;
    }
    default:
        return fail_at(cx, nd, IHG_EINTERNAL, "internal error: key type");
    }
    if (st == IHG_OK && k->check) {
        char why[400];
        if (k->check(p, why, sizeof why) != 0)
            return fail_at(cx, nd, IHG_EINVAL, "%s %s", what, why);
    }
    return st;
}

static int unknown_key(const loadctx *cx, const ynode *knd, const char *sec,
                       const ihg_model_type *family)
{
    char sb[256], hint[400];
    size_t seclen = strlen(sec);
    suggest_key(sec, seclen, knd->text, knd->len, family, hint, sizeof hint);
    if (seclen)
        return fail_at(cx, knd, IHG_EINVAL, "unknown key '%s' in %s%s",
                       show(knd->text, knd->len, sb, sizeof sb), sec, hint);
    return fail_at(cx, knd, IHG_EINVAL, "unknown key '%s'%s",
                   show(knd->text, knd->len, sb, sizeof sb), hint);
}

static int duplicate_key(const loadctx *cx, const ynode *knd,
                         const ynode *first, const char *path)
{
    if (first->origin)
        return fail_at(cx, knd, IHG_EINVAL, "duplicate key '%s'", path);
    return fail_at(cx, knd, IHG_EINVAL,
                   "duplicate key '%s' (first given at line %lu)", path,
                   first->line);
}

/* The first value given for the key named name in map, or NULL. */
static const ynode *map_find(const ynode *map, const char *name,
                             const ynode **key)
{
    size_t i;
    for (i = 0; i + 1 < map->n; i += 2) {
        const ynode *k = map->kids[i];
        if (k->kind == YN_SCALAR && strlen(k->text) == k->len &&
            strcmp(k->text, name) == 0) {
            *key = k;
            return map->kids[i + 1];
        }
    }
    return NULL;
}

/* Walk a mapping that is the section sec ("" for the top level).  In the
 * section of the model family (the one with a KIND key) the family is read
 * first, wherever its key stands, and the other keys are the family's; when
 * it is missing they are left for finish() to report that. */
static int walk(const loadctx *cx, ihg_config *cfg, seenset *seen,
                const char *sec, const ynode *map)
{
    size_t i, seclen = strlen(sec);
    const ihg_option *kr = kind_row(sec, seclen);
    const ynode *kind_key = NULL;
    char path[MAX_PATH];

    if (kr) {
        const ynode *vnd = map_find(map, leaf(kr->name), &kind_key);
        int ki = (int)(kr - keys), st;
        if (vnd) {
            seen->key[ki] = kind_key;
            seen->val[ki] = vnd;
            if ((st = set_value(cx, cfg, cfg, kr, kr->name, kind_key, vnd)))
                return st;
        }
    }
    for (i = 0; i + 1 < map->n; i += 2) {
        const ynode *knd = map->kids[i], *vnd = map->kids[i + 1];
        const ihg_option *fo = NULL;
        int ki = -1, st;

        if (knd == kind_key)
            continue; /* read above */
        if (knd->kind != YN_SCALAR)
            return fail_at(cx, knd, IHG_EINVAL,
                           "keys must be plain names, not %s", kind_word(knd));
        if (strlen(knd->text) == knd->len && knd->len <= 64 &&
            seclen + knd->len + 2 <= sizeof path) {
            snprintf(path, sizeof path, "%s%s%s", sec, seclen ? "." : "",
                     knd->text);
            ki = key_index(path);
            if (ki < 0 && kr && cfg->model.type)
                fo = ihg_option_find(cfg->model.type->options, knd->text);
        }
        if (ki < 0 && !fo) {
            if (kr && !cfg->model.type)
                continue; /* no family: finish() says model.kind is missing */
            return unknown_key(cx, knd, sec, kr ? cfg->model.type : NULL);
        }
        if (fo) {
            size_t fi = (size_t)(fo - cfg->model.type->options);
            if (seen->family_key[fi])
                return duplicate_key(cx, knd, seen->family_key[fi], path);
            seen->family_key[fi] = knd;
            st = set_value(cx, cfg, cfg->model.opts, fo, path, knd, vnd);
            if (st != IHG_OK)
                return st;
            continue;
        }
        if (seen->key[ki])
            return duplicate_key(cx, knd, seen->key[ki], keys[ki].name);
        seen->key[ki] = knd;
        seen->val[ki] = vnd;
        if (keys[ki].type == K_SECTION) {
            if (is_null(vnd))
                return fail_at(cx, knd, IHG_EINVAL,
                               "%s has no value (expected a mapping of keys)",
                               keys[ki].name);
            if (vnd->kind != YN_MAP)
                return fail_at(cx, vnd, IHG_EINVAL,
                               "%s must be a mapping of keys, not %s",
                               keys[ki].name, kind_word(vnd));
            st = walk(cx, cfg, seen, keys[ki].name, vnd);
        } else {
            st = set_value(cx, cfg, cfg, &keys[ki], keys[ki].name, knd, vnd);
        }
        if (st != IHG_OK)
            return st;
    }
    return IHG_OK;
}

/* Checks that involve more than one key, and defaults that depend on
 * other keys. */
static int finish(const loadctx *cx, ihg_config *cfg, const seenset *seen,
                  const ynode *root)
{
#define SEEN(p) (seen->key[key_index(p)])
#define VAL(p) (seen->val[key_index(p)])
    const ynode *nd;

    if (!cfg->model.type) {
        const ynode *model = SEEN("model");
        char list[400] = "";
        size_t i;
        for (i = 0; ihg_model_types[i]; i++) {
            append(list, sizeof list, i ? ", " : "");
            append(list, sizeof list, ihg_model_types[i]->name);
        }
        return fail_at(cx, model ? model : root, IHG_EINVAL,
                       "missing required key model.kind (one of %s)", list);
    }
    if (SEEN("data.images")) {
        /* image data: the section's presence selects it, even without dir */
        cfg->data.images = 1;
        if (!cfg->data.images_mark.line) {
            cfg->data.images_mark.line = SEEN("data.images")->line;
            cfg->data.images_mark.column = SEEN("data.images")->col;
        }
    }
    if (cfg->data.file && cfg->data.train) {
        return fail_at(cx, SEEN("data.file"), IHG_EINVAL,
                       "data.file and data.train cannot both be given "
                       "(one file with split fractions, or separate files)");
    }
    if (cfg->data.train && !cfg->data.val)
        return fail_at(cx, SEEN("data.train"), IHG_EINVAL,
                       "data.train needs data.val (the validation set of "
                       "the outer loss)");
    if (cfg->data.val && !cfg->data.train)
        return fail_at(cx, SEEN("data.val"), IHG_EINVAL,
                       "data.val needs data.train");
    if (cfg->data.test && !cfg->data.train)
        return fail_at(cx, SEEN("data.test"), IHG_EINVAL,
                       cfg->data.file
                           ? "data.test cannot be combined with data.file "
                             "(use data.split_test)"
                           : "data.test needs data.train");
    if (cfg->data.split_val + cfg->data.split_test >= 1.0) {
        nd = VAL("data.split_test") ? VAL("data.split_test")
                                    : VAL("data.split_val");
        return fail_at(cx, nd, IHG_EINVAL,
                       "data.split_val + data.split_test must be < 1 "
                       "(got %g + %g)", cfg->data.split_val,
                       cfg->data.split_test);
    }
    {
        double rows = (double)cfg->data.syn_n + (double)cfg->data.syn_n_val +
                      (double)cfg->data.syn_n_test;
        if (rows * (double)cfg->data.syn_d > MAX_SIZE) {
            nd = VAL("data.synthetic.d") ? VAL("data.synthetic.d")
                 : VAL("data.synthetic.n") ? VAL("data.synthetic.n")
                                           : SEEN("data.synthetic");
            return fail_at(cx, nd, IHG_EINVAL,
                           "synthetic data too large: (n + n_val + n_test) * d "
                           "= %.0f values, at most %.0f", rows *
                           (double)cfg->data.syn_d, MAX_SIZE);
        }
    }
    /* a family that learns images (distillation) reads the image set
     * (Fashion-MNIST by default) when no other data are given */
    if ((cfg->model.type->flags & IHG_MODEL_IMAGE_DATA) && !cfg->data.train &&
        !cfg->data.file)
        cfg->data.images = 1;
    {
        /* keys the chosen data source would ignore are errors, at the key */
        static const char *const with_images[] = {
            "data.train", "data.val", "data.test", "data.file", "data.target",
            "data.standardize", "data.split_val", "data.split_test",
            "data.synthetic", NULL};
        static const char *const with_files[] = {"data.synthetic", NULL};
        static const char *const with_train[] = {"data.split_val",
                                                 "data.split_test", NULL};
        static const char *const with_synthetic[] = {
            "data.target", "data.split_val", "data.split_test", NULL};
        const char *const *ignored = NULL;
        const char *why = NULL;
        int no_data = cfg->model.type->task == IHG_TASK_NONE;
        if (no_data && SEEN("data")) {
            return fail_at(cx, SEEN("data"), IHG_EINVAL,
                           "the %s model uses no data: remove the data section",
                           cfg->model.type->name);
        } else if (cfg->data.images) {
            ignored = with_images;
            why = SEEN("data.images") ? "data.images is given (the images are "
                                        "the data)"
                                      : "the model learns images and no data "
                                        "file is given (the images are the data)";
        } else if (cfg->data.train) {
            ignored = with_train;
            why = "the data come from data.train and data.val (the split "
                  "fractions are for data.file)";
        } else if (cfg->data.file) {
            ignored = with_files;
            why = "the data come from data.file";
        } else {
            ignored = with_synthetic;
            why = "the data are synthetic (no data file is given)";
        }
        for (size_t i = 0; ignored && ignored[i]; i++)
            if ((nd = SEEN(ignored[i])) != NULL)
                return fail_at(cx, nd, IHG_EINVAL,
                               "%s would be ignored: %s", ignored[i], why);
    }
    if (!SEEN("inner.optimizer") && cfg->inner.tol > 0)
        cfg->inner.optimizer = &ihg_inner_newton;
    if (!SEEN("hypergrad.compare_max"))
        cfg->hypergrad.compare_max = cfg->hypergrad.terms;
    cfg->init_seed_set = SEEN("init_seed") != NULL;
    if (cfg->inner.learn_lr || cfg->inner.learn_momentum) {
        /* learned optimizer settings drive a first-order optimizer's steps */
        const ynode *at = VAL("inner.learn");
        if (!(cfg->inner.optimizer->flags & IHG_INNER_FIRST_ORDER))
            return fail_at(cx, at, IHG_EINVAL,
                           "inner.learn: %s solves the inner problem to tolerance and "
                           "has no learning rate to learn (use sgd or momentum)",
                           cfg->inner.optimizer->name);
        if (cfg->inner.learn_momentum && !(cfg->inner.optimizer->flags & IHG_INNER_MOMENTUM))
            return fail_at(cx, at, IHG_EINVAL,
                           "inner.learn: momentum needs inner.optimizer: momentum "
                           "(got %s)", cfg->inner.optimizer->name);
        if (cfg->inner.tol > 0)
            return fail_at(cx, at, IHG_EINVAL,
                           "inner.learn needs a fixed number of inner steps "
                           "(inner.steps), not inner.tol");
    }
    return IHG_OK;
#undef SEEN
#undef VAL
}

/* ------------------------------------------------------------------ */
/* Overrides                                                           */

static ynode *map_get(const ynode *map, const char *key)
{
    const ynode *knd;
    return (ynode *)map_find(map, key, &knd);
}

static ynode *scalar_new(const char *text, size_t len, const char *origin)
{
    ynode *nd = node_new(YN_SCALAR, NULL);
    if (!nd)
        return NULL;
    nd->text = malloc(len + 1);
    if (!nd->text) {
        free(nd);
        return NULL;
    }
    memcpy(nd->text, text, len);
    nd->text[len] = '\0';
    nd->len = len;
    nd->plain = 1;
    nd->origin = origin;
    return nd;
}

/* Put value (owned; freed on failure) at key k in the map, replacing
 * any value given there. */
static int map_put(ynode *map, const char *key, ynode *value,
                   const char *origin)
{
    size_t i;
    ynode *knd;
    for (i = 0; i + 1 < map->n; i += 2) {
        const ynode *k = map->kids[i];
        if (k->kind == YN_SCALAR && strlen(k->text) == k->len &&
            strcmp(k->text, key) == 0) {
            node_free(map->kids[i + 1]);
            map->kids[i + 1] = value;
            map->kids[i]->origin = origin;
            return 0;
        }
    }
    knd = scalar_new(key, strlen(key), origin);
    if (!knd || node_append(map, knd) != 0) {
        node_free(knd);
        node_free(value);
        return -1;
    }
    if (node_append(map, value) != 0) {
        map->n--;
        node_free(knd);
        node_free(value);
        return -1;
    }
    return 0;
}

static int graft(const loadctx *cx, ynode *root, char *path, ynode *value,
                 const char *origin);

static int apply_override(const loadctx *cx, ynode *root, const char *ov)
{
    char sb[256], path[MAX_PATH], hint[200] = "";
    const char *eq = strchr(ov, '=');
    size_t plen;
    int known, st;
    ynode *value = NULL;

    if (!eq || eq == ov)
        return ihg_error_at(IHG_EINVAL, "--set", 0, 0,
                            "'%s' is not of the form key.path=value",
                            show(ov, strlen(ov), sb, sizeof sb));
    plen = (size_t)(eq - ov);
    if (plen >= sizeof path)
        known = 0;
    else {
        memcpy(path, ov, plen);
        path[plen] = '\0';
        known = known_path(path); /* the family's keys: checked in walk() */
    }
    if (!known) {
        size_t i, bd = (size_t)-1, n = all_key_paths();
        const char *best = NULL;
        for (i = 0; i < n; i++) {
            size_t d = edit_distance(ov, plen, key_paths[i]);
            if (d < bd) {
                bd = d;
                best = key_paths[i];
            }
        }
        if (best && bd <= close_enough(plen))
            snprintf(hint, sizeof hint, " (did you mean '%.159s'?)", best);
        return ihg_error_at(IHG_EINVAL, "--set", 0, 0, "unknown key '%s'%s",
                            show(ov, plen, sb, sizeof sb), hint);
    }
    if ((st = yaml_to_tree(cx, ov, eq + 1, strlen(eq + 1), &value)) != IHG_OK)
        return st;
    if (!value && !(value = scalar_new("", 0, ov)))
        return ihg_error_at(IHG_ENOMEM, "--set", 0, 0, "out of memory");
    node_set_origin(value, ov);
    return graft(cx, root, path, value, ov);
}

/* Put value (owned) at the dotted path in root, making the sections the
 * file does not have; origin marks what is made (NULL: a lesson's set:). */
static int graft(const loadctx *cx, ynode *root, char *path, ynode *value,
                 const char *origin)
{
    ynode *map = root;
    char *p, *dot;
    const char *ov = origin;

    /* Walk down, creating sections that the file does not have. */
    p = path;
    while ((dot = strchr(p, '.')) != NULL) {
        ynode *sub;
        *dot = '\0';
        sub = map_get(map, p);
        if (sub && is_null(sub)) {
            ynode *fresh = node_new(YN_MAP, NULL);
            if (!fresh || map_put(map, p, fresh, ov) != 0) {
                node_free(value);
                return ihg_error_at(IHG_ENOMEM, "--set", 0, 0, "out of memory");
            }
            sub = fresh;
        }
        if (sub && sub->kind != YN_MAP) {
            node_free(value);
            return fail_at(cx, sub, IHG_EINVAL,
                           "%s must be a mapping of keys, not %s", path,
                           kind_word(sub));
        }
        if (!sub) {
            sub = node_new(YN_MAP, NULL);
            if (!sub || map_put(map, p, sub, ov) != 0) {
                node_free(value);
                return ihg_error_at(IHG_ENOMEM, "--set", 0, 0, "out of memory");
            }
        }
        *dot = '.';
        map = sub;
        p = dot + 1;
    }
    const char *file = value->file;
    unsigned long line = value->line, col = value->col;
    if (map_put(map, p, value, ov) != 0)
        return ihg_error_at(IHG_ENOMEM, "--set", 0, 0, "out of memory");
    if (file) {
        /* the key is placed where its value was written */
        const ynode *k;
        if (map_find(map, p, &k)) {
            ((ynode *)k)->file = file;
            ((ynode *)k)->line = line;
            ((ynode *)k)->col = col;
        }
    }
    return IHG_OK;
}

/* ------------------------------------------------------------------ */
/* Public                                                              */

void ihg_config_defaults(ihg_config *cfg)
{
    fill_table_names();
    memset(cfg, 0, sizeof *cfg);
    cfg->path = NULL;
    cfg->dir = NULL;
    cfg->name = NULL;
    cfg->seed = 0;

    cfg->data.train = cfg->data.val = cfg->data.test = cfg->data.file = NULL;
    cfg->data.target = NULL;
    cfg->data.standardize = 0;
    cfg->data.split_val = 0.25;
    cfg->data.split_test = 0.0;
    cfg->data.syn_n = 200;
    cfg->data.syn_n_val = 200;
    cfg->data.syn_n_test = 0;
    cfg->data.syn_d = 10;
    cfg->data.syn_k = 3;
    cfg->data.syn_noise = 0.1;
    cfg->data.images_dir = NULL;
    cfg->data.images_n_train = 5000;
    cfg->data.images_n_val = 1000;
    cfg->data.images_n_test = 0;

    /* model: no family until model.kind is read (its options come with
     * it, defaults from its table) */
    cfg->model.kind = NULL;
    cfg->model.type = NULL;
    cfg->model.opts = NULL;

    cfg->inner.optimizer = &ihg_inner_sgd;
    cfg->inner.lr = 0.1;
    cfg->inner.momentum = 0.9;
    cfg->inner.beta1 = 0.9;
    cfg->inner.beta2 = 0.999;
    cfg->inner.eps = 1e-8;
    cfg->inner.steps = 100;
    cfg->inner.tol = 0.0;
    cfg->inner.max_steps = 10000;
    cfg->inner.batch = 0;
    cfg->inner.warm_start = 1;

    cfg->outer.optimizer = IHG_OUTER_ADAM;
    cfg->outer.lr = 0.05;
    cfg->outer.beta1 = 0.9;
    cfg->outer.beta2 = 0.999;
    cfg->outer.eps = 1e-8;
    cfg->outer.decay = 0.9;
    cfg->outer.steps = 20;
    cfg->outer.clip_min = -HUGE_VAL;
    cfg->outer.clip_max = HUGE_VAL;

    cfg->hypergrad.method = &ihg_method_neumann;
    cfg->hypergrad.terms = 20;
    cfg->hypergrad.iters = 20;
    cfg->hypergrad.alpha = 0.0;
    cfg->hypergrad.tol = 1e-10;
    cfg->hypergrad.exact_max = 2000;
    cfg->hypergrad.compare_max = 20;
    cfg->hypergrad.truncate = 0;
    cfg->hypergrad.checkpoint = 0;
    cfg->hypergrad.forward_max = 100;
    cfg->hypergrad.fd_max = 100;
    cfg->hypergrad.fd_step = 1e-5;
    cfg->hypergrad.damping = 0.0;
    cfg->hypergrad.precondition = IHG_PRECOND_NONE;
    cfg->hypergrad.probes = 20;
}

void ihg_config_free(ihg_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->dir);
    free(cfg->name);
    free(cfg->data.train);
    free(cfg->data.val);
    free(cfg->data.test);
    free(cfg->data.file);
    free(cfg->data.target);
    free(cfg->data.images_dir);
    free(cfg->model.kind);
    if (cfg->model.type)
        ihg_options_free(cfg->model.type->options, cfg->model.opts);
    free(cfg->model.opts);
    cfg->path = cfg->dir = cfg->name = NULL;
    cfg->data.train = cfg->data.val = cfg->data.test = cfg->data.file = NULL;
    cfg->data.target = cfg->data.images_dir = NULL;
    cfg->model.kind = NULL;
    cfg->model.type = NULL;
    cfg->model.opts = NULL;
}

const void *ihg_config_model_option(const ihg_config *cfg, const char *name,
                                    const ihg_option **row)
{
    const ihg_option *o;
    if (!cfg || !cfg->model.type || !cfg->model.opts)
        return NULL;
    o = ihg_option_find(cfg->model.type->options, name);
    if (!o)
        return NULL;
    if (row)
        *row = o;
    return ihg_option_cptr(o, cfg->model.opts);
}

const ihg_option *ihg_config_keys(size_t *n)
{
    if (n)
        *n = NKEYS;
    return keys;
}

/* One line of --list-keys. */
static void list_row(FILE *f, const char *path, const char *type,
                     const char *dflt, const char *range, const char *help)
{
    fprintf(f, "%-26s %-11s %-17s %s", path, type, dflt, range);
    if (help && *help)
        fprintf(f, "%s%s", *range ? "  " : "", help);
    fputc('\n', f);
}

int ihg_config_list_keys(FILE *f)
{
    ihg_config d;
    char dflt[200], range[300];
    size_t i, t;
    ihg_config_defaults(&d);
    fprintf(f, "%-26s %-11s %-17s %s\n", "KEY", "TYPE", "DEFAULT", "RANGE");
    for (i = 0; i < NKEYS; i++) {
        const ihg_option *k = &keys[i];
        if (k->type == K_SECTION)
            continue;
        ihg_option_format_range(k, range, sizeof range);
        if (k->names == inner_opts || k->names == methods)
            /* these two hold a pointer to a type table, not an index */
            snprintf(dflt, sizeof dflt, "%s", k->names == inner_opts
                                                  ? d.inner.optimizer->name
                                                  : d.hypergrad.method->name);
        else
            ihg_option_format(k, &d, dflt, sizeof dflt);
        if (k->type == K_KIND) {
            snprintf(dflt, sizeof dflt, "(required)");
            range[0] = '\0';
            for (t = 0; ihg_model_types[t]; t++) {
                append(range, sizeof range, t ? " | " : "");
                append(range, sizeof range, ihg_model_types[t]->name);
            }
        } else if (!dflt[0]) { /* no clip, no file, nothing learned */
            snprintf(dflt, sizeof dflt, "(none)");
        }
        list_row(f, k->name, ihg_option_type_word(k), dflt, range, NULL);
        if (k->type != K_KIND)
            continue;
        /* the families' keys, under the section of the kind */
        for (t = 0; ihg_model_types[t]; t++) {
            const ihg_model_type *type = ihg_model_types[t];
            void *opts = type->options_size ? calloc(1, type->options_size)
                                            : NULL;
            const ihg_option *o;
            if (type->options_size && !opts)
                return -1;
            ihg_options_set_defaults(type->options, opts);
            fprintf(f, "  with %s: %s\n", k->name, type->name);
            for (o = type->options; o && o->name; o++) {
                char path[MAX_PATH];
                snprintf(path, sizeof path, "  %.*s.%s",
                         (int)section_len(k->name), k->name, o->name);
                ihg_option_format(o, opts, dflt, sizeof dflt);
                ihg_option_format_range(o, range, sizeof range);
                list_row(f, path, ihg_option_type_word(o),
                         dflt[0] ? dflt : "(none)", range, o->help);
            }
            ihg_options_free(type->options, opts);
            free(opts);
        }
    }
    fprintf(f, "Some defaults follow other keys; ihgtui-experiment(5) says "
               "which.\n");
    return ferror(f) ? -1 : 0;
}

/* "dir/exp.yaml" -> "exp" (also .yml); NULL on allocation failure. */
static char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    size_t n;
    char *s;
    b = b ? b + 1 : path;
    n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(b + n - 4, ".yml") == 0)
        n -= 4;
    if (n == 0) {
        b = "experiment";
        n = strlen(b);
    }
    s = malloc(n + 1);
    if (s) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

static char *dir_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n;
    char *s;
    if (!slash)
        return strdup(".");
    n = (size_t)(slash - path);
    if (n == 0)
        n = 1; /* "/x.yaml" -> "/" */
    s = malloc(n + 1);
    if (s) {
        memcpy(s, path, n);
        s[n] = '\0';
    }
    return s;
}

static int graft_sets(const loadctx *cx, ynode *root, const ynode *const *sets,
                      size_t n_sets, const char *set_file);

/* Check and read the tree root (owned, freed here): the sets of set_file,
 * then the overrides, then every key. */
static int load_root(ihg_config *cfg, const loadctx *cx, ynode *root,
                     char *const *overrides, const ynode *const *sets,
                     size_t n_sets, const char *set_file)
{
    seenset *seen = NULL;
    int st = IHG_OK;
    size_t i;

    if (!root || is_null(root)) {
        st = root ? fail_at(cx, root, IHG_EINVAL, "empty experiment file")
                  : ihg_error_at(IHG_EINVAL, cx->name, 1, 1,
                                 "empty experiment file");
        goto out;
    }
    if (root->kind != YN_MAP) {
        st = fail_at(cx, root, IHG_EINVAL,
                     "the top level must be a mapping of keys, not %s",
                     kind_word(root));
        goto out;
    }
    if ((st = graft_sets(cx, root, sets, n_sets, set_file)) != IHG_OK)
        goto out;
    for (i = 0; overrides && overrides[i]; i++)
        if ((st = apply_override(cx, root, overrides[i])) != IHG_OK)
            goto out;
    seen = calloc(1, sizeof *seen);
    if (!seen) {
        st = ihg_error_at(IHG_ENOMEM, cx->name, 0, 0, "out of memory");
        goto out;
    }
    if ((st = walk(cx, cfg, seen, "", root)) != IHG_OK)
        goto out;
    st = finish(cx, cfg, seen, root);
out:
    free(seen);
    node_free(root);
    return st;
}

static int load_text(ihg_config *cfg, const loadctx *cx, const char *text,
                     size_t len, char *const *overrides)
{
    ynode *root = NULL;
    int st = yaml_to_tree(cx, NULL, text, len, &root);
    if (st != IHG_OK)
        return st;
    return load_root(cfg, cx, root, overrides, NULL, 0, NULL);
}

int ihg_config_load_string(ihg_config *cfg, const char *name, const char *text,
                           size_t len, char *const *overrides)
{
    loadctx cx;
    int st;
    ihg_config_defaults(cfg);
    cx.name = name ? name : "<string>";
    cfg->dir = strdup(".");
    cfg->name = base_name(name ? name : "experiment");
    if (!cfg->dir || !cfg->name)
        return ihg_error_at(IHG_ENOMEM, cx.name, 0, 0, "out of memory");
    st = load_text(cfg, &cx, text, text ? len : 0, overrides);
    return st;
}

int ihg_yaml_read(const char *path, char **text, size_t *length)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;

    *text = NULL;
    *length = 0;
    f = fopen(path, "rb");
    if (!f)
        return ihg_error_at(IHG_EIO, path, 0, 0, "cannot open: %s",
                            strerror(errno));
    for (;;) {
        size_t got;
        if (len == cap) {
            char *nb;
            if (cap >= (size_t)MAX_FILE_BYTES) {
                free(buf);
                fclose(f);
                return ihg_error_at(IHG_EIO, path, 0, 0,
                                    "file too large (more than %ld bytes)",
                                    MAX_FILE_BYTES);
            }
            cap = cap ? 2 * cap : 8192;
            nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return ihg_error_at(IHG_ENOMEM, path, 0, 0, "out of memory");
            }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                fclose(f);
                return ihg_error_at(IHG_EIO, path, 0, 0, "cannot read: %s",
                                    strerror(e));
            }
            break;
        }
    }
    fclose(f);
    buf[len] = '\0';
    *text = buf;
    *length = len;
    return IHG_OK;
}

/* The experiment file path into cfg, with overrides and sets on top. */
static int load_file(ihg_config *cfg, const char *path, char *const *overrides,
                     const ynode *const *sets, size_t n_sets, const char *set_file)
{
    loadctx cx;
    char *buf;
    size_t len;
    ynode *root = NULL;
    int st;

    ihg_config_defaults(cfg);
    if (!path || !*path)
        return ihg_error_at(IHG_EIO, "<none>", 0, 0,
                            "no experiment file given");
    cx.name = path;
    cfg->path = strdup(path);
    cfg->dir = dir_name(path);
    cfg->name = base_name(path);
    if (!cfg->path || !cfg->dir || !cfg->name)
        return ihg_error_at(IHG_ENOMEM, path, 0, 0, "out of memory");
    if ((st = ihg_yaml_read(path, &buf, &len)) != IHG_OK)
        return st;
    st = yaml_to_tree(&cx, NULL, buf, len, &root);
    free(buf);
    if (st != IHG_OK)
        return st;
    return load_root(cfg, &cx, root, overrides, sets, n_sets, set_file);
}

int ihg_config_load(ihg_config *cfg, const char *path, char *const *overrides)
{
    return load_file(cfg, path, overrides, NULL, 0, NULL);
}

char *ihg_config_resolve(const ihg_config *cfg, const char *relpath)
{
    const char *dir = cfg && cfg->dir ? cfg->dir : ".";
    size_t nd, nr;
    char *s;
    if (!relpath)
        return NULL;
    if (relpath[0] == '/' || strcmp(dir, ".") == 0 || dir[0] == '\0')
        return strdup(relpath);
    nd = strlen(dir);
    nr = strlen(relpath);
    s = malloc(nd + nr + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, nd);
    if (dir[nd - 1] != '/')
        s[nd++] = '/';
    memcpy(s + nd, relpath, nr + 1);
    return s;
}

/* ------------------------------------------------------------------ */
/* The tree for other files read the same way (lessons)                */

static ynode *node_clone(const ynode *nd, const char *file)
{
    ynode *c = calloc(1, sizeof *c);
    size_t i;
    if (!c)
        return NULL;
    c->kind = nd->kind;
    c->len = nd->len;
    c->plain = nd->plain;
    c->line = nd->line;
    c->col = nd->col;
    c->origin = nd->origin;
    c->file = file ? file : nd->file;
    if (nd->text) {
        c->text = malloc(nd->len + 1);
        if (!c->text) {
            free(c);
            return NULL;
        }
        memcpy(c->text, nd->text, nd->len + 1);
    }
    for (i = 0; i < nd->n; i++) {
        ynode *k = node_clone(nd->kids[i], file);
        if (!k || node_append(c, k) != 0) {
            node_free(k);
            node_free(c);
            return NULL;
        }
    }
    return c;
}

/* Each set is a mapping of dotted keys (as --set) to YAML values, from
 * set_file: grafted on root, errors at their place in set_file. */
static int graft_sets(const loadctx *cx, ynode *root, const ynode *const *sets,
                      size_t n_sets, const char *set_file)
{
    for (size_t k = 0; k < n_sets; k++) {
        const ynode *m = sets[k];
        char sb[256], path[MAX_PATH], hint[200] = "";
        if (m->kind != YN_MAP)
            return ihg_error_at(IHG_EINVAL, set_file, m->line, m->col,
                                "set must be a mapping of keys (key.path: value), "
                                "not %s", kind_word(m));
        for (size_t i = 0; i + 1 < m->n; i += 2) {
            const ynode *knd = m->kids[i];
            if (knd->kind != YN_SCALAR || strlen(knd->text) != knd->len ||
                knd->len >= sizeof path || !known_path(knd->text)) {
                if (knd->kind == YN_SCALAR) {
                    size_t n = all_key_paths();
                    const char *names[MAX_KEY_PATHS + 1];
                    for (size_t j = 0; j < n; j++)
                        names[j] = key_paths[j];
                    names[n] = NULL;
                    const char *best = closest_name(knd->text, knd->len, names);
                    if (best)
                        snprintf(hint, sizeof hint, " (did you mean '%.159s'?)", best);
                }
                return ihg_error_at(IHG_EINVAL, set_file, knd->line, knd->col,
                                    "set: unknown key '%s'%s",
                                    knd->kind == YN_SCALAR
                                        ? show(knd->text, knd->len, sb, sizeof sb)
                                        : kind_word(knd),
                                    hint);
            }
            memcpy(path, knd->text, knd->len + 1);
            ynode *value = node_clone(m->kids[i + 1], set_file);
            if (!value)
                return ihg_error_at(IHG_ENOMEM, set_file, 0, 0, "out of memory");
            int st = graft(cx, root, path, value, NULL);
            if (st != IHG_OK)
                return st;
        }
    }
    return IHG_OK;
}

int ihg_config_load_tree(ihg_config *cfg, const char *file, const char *dir,
                         const char *name, const ihg_ynode *root,
                         const ihg_ynode *const *sets, size_t n_sets,
                         char *const *overrides)
{
    loadctx cx;
    ihg_config_defaults(cfg);
    cx.name = file;
    cfg->path = strdup(file);
    cfg->dir = strdup(dir && *dir ? dir : ".");
    cfg->name = strdup(name && *name ? name : "experiment");
    if (!cfg->path || !cfg->dir || !cfg->name)
        return ihg_error_at(IHG_ENOMEM, file, 0, 0, "out of memory");
    ynode *copy = node_clone(root, NULL);
    if (!copy)
        return ihg_error_at(IHG_ENOMEM, file, 0, 0, "out of memory");
    return load_root(cfg, &cx, copy, overrides, sets, n_sets, file);
}

int ihg_config_load_sets(ihg_config *cfg, const char *path, const ihg_ynode *const *sets,
                         size_t n_sets, const char *set_file, char *const *overrides)
{
    return load_file(cfg, path, overrides, sets, n_sets, set_file);
}

int ihg_yaml_parse(const char *name, const char *text, size_t len, ihg_ynode **root)
{
    loadctx cx;
    cx.name = name;
    return yaml_to_tree(&cx, NULL, text, len, root);
}

void ihg_yaml_free(ihg_ynode *root) { node_free(root); }

int ihg_yaml_kind(const ihg_ynode *nd)
{
    return nd->kind == YN_MAP ? IHG_YAML_MAP : nd->kind == YN_SEQ ? IHG_YAML_SEQ
                                                                    : IHG_YAML_SCALAR;
}

const char *ihg_yaml_text(const ihg_ynode *nd, size_t *len)
{
    if (nd->kind != YN_SCALAR)
        return NULL;
    if (len)
        *len = nd->len;
    return nd->text;
}

int ihg_yaml_is_null(const ihg_ynode *nd) { return is_null(nd); }
int ihg_yaml_is_plain(const ihg_ynode *nd) { return nd->kind == YN_SCALAR && nd->plain; }

ihg_mark ihg_yaml_mark(const ihg_ynode *nd)
{
    ihg_mark m = {nd->line, nd->col};
    return m;
}

size_t ihg_yaml_size(const ihg_ynode *nd)
{
    return nd->kind == YN_MAP ? nd->n / 2 : nd->kind == YN_SEQ ? nd->n : 0;
}

const ihg_ynode *ihg_yaml_item(const ihg_ynode *nd, size_t i)
{
    return nd->kind == YN_SEQ && i < nd->n ? nd->kids[i] : NULL;
}

const ihg_ynode *ihg_yaml_key(const ihg_ynode *map, size_t i)
{
    return map->kind == YN_MAP && 2 * i + 1 < map->n ? map->kids[2 * i] : NULL;
}

const ihg_ynode *ihg_yaml_value(const ihg_ynode *map, size_t i)
{
    return map->kind == YN_MAP && 2 * i + 1 < map->n ? map->kids[2 * i + 1] : NULL;
}

const char *ihg_yaml_kind_word(const ihg_ynode *nd) { return kind_word(nd); }

const char *ihg_yaml_show(const char *text, size_t len, char *buf, size_t cap)
{
    return show(text, len, buf, cap);
}

int ihg_yaml_fail(const char *file, const ihg_ynode *nd, int status, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    loadctx cx;
    cx.name = file;
    return fail_at(&cx, nd, status, "%s", msg);
}

int ihg_yaml_number(const char *file, const ihg_ynode *nd, const char *what, double *out)
{
    loadctx cx;
    cx.name = file;
    return get_number(&cx, nd, what, out);
}

const char *ihg_yaml_closest(const char *s, size_t len, const char *const *names)
{
    return closest_name(s, len, names);
}
