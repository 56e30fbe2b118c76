/* config_write.c - an experiment written back as YAML (config.h).
 *
 * Every key with its value, numbers to the last bit (the option tables'
 * formatting), so that loading the text gives the same experiment; data
 * paths made absolute, so that the text can be kept anywhere.  Only the
 * data keys of the experiment's source are written (the loader refuses
 * keys a source would ignore).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/model.h"
#include "error.h"
#include "inner.h"
#include "method.h"
#include "option.h"

/* A string as a YAML double-quoted scalar. */
static void quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* A data path: absolute when the file exists, as written otherwise. */
static void path_value(FILE *out, const ihg_config *cfg, const char *rel)
{
    char *p = ihg_config_resolve(cfg, rel), real[PATH_MAX];
    if (p && realpath(p, real))
        quoted(out, real);
    else
        quoted(out, p ? p : rel);
    free(p);
}

static void line_start(FILE *out, int indent, int depth)
{
    for (int i = 0; i < indent + 2 * depth; i++)
        fputc(' ', out);
}

/* key: value of one row of a table over base. */
static void row(FILE *out, int indent, int depth, const ihg_option *o, const char *key,
                const void *base)
{
    char buf[512];
    if (o->type == IHG_OPT_STRING && !*(char *const *)ihg_option_cptr(o, base))
        return; /* not given */
    line_start(out, indent, depth);
    fprintf(out, "%s: ", key);
    if (o->type == IHG_OPT_STRING)
        quoted(out, *(char *const *)ihg_option_cptr(o, base));
    else
        fputs(ihg_option_format(o, base, buf, sizeof buf), out);
    fputc('\n', out);
}

/* The rows of the loader's table in section sec ("inner", ...) that the
 * option tables can write (the others are the caller's). */
static void section_rows(FILE *out, int indent, const ihg_config *cfg, const char *sec)
{
    size_t n, len = strlen(sec);
    const ihg_option *keys = ihg_config_keys(&n);
    for (size_t i = 0; i < n; i++) {
        const ihg_option *o = &keys[i];
        if (strncmp(o->name, sec, len) != 0 || o->name[len] != '.' ||
            strchr(o->name + len + 1, '.'))
            continue;
        if (o->type == IHG_OPT_SECTION || o->type == IHG_OPT_KIND ||
            o->type == IHG_OPT_CLIP || o->type == IHG_OPT_LEARN || o->type == IHG_OPT_ENUM)
            continue;
        row(out, indent, 1, o, o->name + len + 1, cfg);
    }
}

static void data_section(FILE *out, int indent, const ihg_config *cfg)
{
    char buf[64];
    size_t n;
    const ihg_option *keys = ihg_config_keys(&n);
    line_start(out, indent, 0);
    fputs("data:\n", out);
    if (cfg->data.images) {
        line_start(out, indent, 1);
        fputs("images:\n", out);
        if (cfg->data.images_dir) {
            line_start(out, indent, 2);
            fputs("dir: ", out);
            path_value(out, cfg, cfg->data.images_dir);
            fputc('\n', out);
        }
        line_start(out, indent, 2);
        fprintf(out, "n_train: %ld\n", cfg->data.images_n_train);
        line_start(out, indent, 2);
        fprintf(out, "n_val: %ld\n", cfg->data.images_n_val);
        line_start(out, indent, 2);
        fprintf(out, "n_test: %ld\n", cfg->data.images_n_test);
        return;
    }
    const char *files[] = {"train", "val", "test", "file"};
    const char *values[] = {cfg->data.train, cfg->data.val, cfg->data.test, cfg->data.file};
    int any = 0;
    for (size_t i = 0; i < 4; i++)
        if (values[i]) {
            line_start(out, indent, 1);
            fprintf(out, "%s: ", files[i]);
            path_value(out, cfg, values[i]);
            fputc('\n', out);
            any = 1;
        }
    if (any) {
        if (cfg->data.target) {
            line_start(out, indent, 1);
            fputs("target: ", out);
            quoted(out, cfg->data.target);
            fputc('\n', out);
        }
        line_start(out, indent, 1);
        fprintf(out, "standardize: %s\n", cfg->data.standardize ? "true" : "false");
        if (cfg->data.file) {
            for (size_t i = 0; i < n; i++)
                if (strcmp(keys[i].name, "data.split_val") == 0 ||
                    strcmp(keys[i].name, "data.split_test") == 0)
                    row(out, indent, 1, &keys[i], keys[i].name + 5, cfg);
        }
        return;
    }
    line_start(out, indent, 1);
    fputs("synthetic:\n", out);
    for (size_t i = 0; i < n; i++)
        if (strncmp(keys[i].name, "data.synthetic.", 15) == 0)
            row(out, indent, 2, &keys[i], keys[i].name + 15, cfg);
    (void)buf;
}

int ihg_config_write(const ihg_config *cfg, FILE *out, int indent)
{
    size_t n;
    const ihg_option *keys = ihg_config_keys(&n);
    for (size_t i = 0; i < n; i++)
        if (!strchr(keys[i].name, '.') && keys[i].type != IHG_OPT_SECTION &&
            (strcmp(keys[i].name, "init_seed") != 0 || cfg->init_seed_set))
            row(out, indent, 0, &keys[i], keys[i].name, cfg);
    if (cfg->model.type && cfg->model.type->task != IHG_TASK_NONE)
        data_section(out, indent, cfg);

    line_start(out, indent, 0);
    fputs("model:\n", out);
    line_start(out, indent, 1);
    fprintf(out, "kind: %s\n", cfg->model.kind ? cfg->model.kind : "");
    for (const ihg_option *o = cfg->model.type ? cfg->model.type->options : NULL; o && o->name;
         o++)
        row(out, indent, 1, o, o->name, cfg->model.opts);

    line_start(out, indent, 0);
    fputs("inner:\n", out);
    line_start(out, indent, 1);
    fprintf(out, "optimizer: %s\n", cfg->inner.optimizer->name);
    section_rows(out, indent, cfg, "inner");
    if (cfg->inner.learn_lr || cfg->inner.learn_momentum) {
        line_start(out, indent, 1);
        fprintf(out, "learn: [%s%s%s]\n", cfg->inner.learn_lr ? "lr" : "",
                cfg->inner.learn_lr && cfg->inner.learn_momentum ? ", " : "",
                cfg->inner.learn_momentum ? "momentum" : "");
    }

    static const char *const outer_names[] = {"sgd", "adam", "rmsprop"};
    line_start(out, indent, 0);
    fputs("outer:\n", out);
    line_start(out, indent, 1);
    fprintf(out, "optimizer: %s\n", outer_names[cfg->outer.optimizer]);
    section_rows(out, indent, cfg, "outer");
    if (isfinite(cfg->outer.clip_min) && isfinite(cfg->outer.clip_max)) {
        char a[40], b[40];
        snprintf(a, sizeof a, "%.17g", cfg->outer.clip_min);
        snprintf(b, sizeof b, "%.17g", cfg->outer.clip_max);
        line_start(out, indent, 1);
        fprintf(out, "clip: [%s, %s]\n", a, b);
    }

    line_start(out, indent, 0);
    fputs("hypergrad:\n", out);
    line_start(out, indent, 1);
    fprintf(out, "method: %s\n", cfg->hypergrad.method->name);
    section_rows(out, indent, cfg, "hypergrad");
    return ferror(out) ? ihg_error_set(IHG_EWRITE, "write error") : IHG_OK;
}
