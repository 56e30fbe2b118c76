/* option.c - values in structs described by option tables (option.h). */
#include "option.h"

#include "number.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ihg_option *ihg_option_find(const ihg_option *table, const char *name)
{
    if (!table || !name)
        return NULL;
    for (; table->name; table++)
        if (strcmp(table->name, name) == 0)
            return table;
    return NULL;
}

size_t ihg_option_count(const ihg_option *table)
{
    size_t n = 0;
    while (table && table[n].name)
        n++;
    return n;
}

void *ihg_option_ptr(const ihg_option *o, void *base)
{
    return (char *)base + o->off;
}

const void *ihg_option_cptr(const ihg_option *o, const void *base)
{
    return (const char *)base + o->off;
}

size_t ihg_option_ints_count(const ihg_option *o, const void *base)
{
    return *(const size_t *)((const char *)base + o->count_off);
}

void ihg_options_set_defaults(const ihg_option *table, void *base)
{
    for (const ihg_option *o = table; o && o->name; o++) {
        void *p = ihg_option_ptr(o, base);
        switch (o->type) {
        case IHG_OPT_STRING:
            *(char **)p = NULL;
            break;
        case IHG_OPT_INT:
            *(long *)p = (long)o->def;
            break;
        case IHG_OPT_SEED:
            *(unsigned long *)p = (unsigned long)o->def;
            break;
        case IHG_OPT_REAL:
            *(double *)p = o->def;
            break;
        case IHG_OPT_BOOL:
        case IHG_OPT_ENUM:
            *(int *)p = (int)o->def;
            break;
        case IHG_OPT_VEC2:
        case IHG_OPT_MAT2: {
            size_t n = o->type == IHG_OPT_VEC2 ? 2 : 4;
            for (size_t i = 0; i < n; i++)
                ((double *)p)[i] = o->def_values ? o->def_values[i] : 0.0;
            break;
        }
        case IHG_OPT_INTS: {
            size_t n = o->def_count < o->max_count ? o->def_count : o->max_count;
            for (size_t i = 0; i < n; i++)
                ((long *)p)[i] = o->def_ints[i];
            *(size_t *)((char *)base + o->count_off) = n;
            break;
        }
        default: /* SECTION, KIND, CLIP: the loader's own */
            break;
        }
    }
}

void ihg_options_free(const ihg_option *table, void *base)
{
    if (!base)
        return;
    for (const ihg_option *o = table; o && o->name; o++)
        if (o->type == IHG_OPT_STRING) {
            char **s = ihg_option_ptr(o, base);
            free(*s);
            *s = NULL;
        }
}

/* A number as YAML writes it: the shortest %g that reads back the same. */
static void number(double v, char *buf, size_t cap)
{
    if (isinf(v)) {
        snprintf(buf, cap, "%sinf", v < 0 ? "-" : "");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) { /* 100000000, not 1e+08 */
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (ihg_strtod_c(buf, NULL) == v)
            return;
    }
}

/* Append text to buf (bounded). */
static void put(char *buf, size_t cap, const char *text)
{
    size_t n = strlen(buf);
    if (n + 1 < cap)
        snprintf(buf + n, cap - n, "%s", text);
}

static void put_number(char *buf, size_t cap, double v)
{
    char nb[40];
    number(v, nb, sizeof nb);
    put(buf, cap, nb);
}

char *ihg_option_format(const ihg_option *o, const void *base, char *buf,
                        size_t cap)
{
    const void *p = ihg_option_cptr(o, base);
    if (!cap)
        return buf;
    buf[0] = '\0';
    switch (o->type) {
    case IHG_OPT_STRING: {
        const char *s = *(char *const *)p;
        if (s)
            put(buf, cap, s);
        break;
    }
    case IHG_OPT_INT:
        snprintf(buf, cap, "%ld", *(const long *)p);
        break;
    case IHG_OPT_SEED:
        snprintf(buf, cap, "%lu", *(const unsigned long *)p);
        break;
    case IHG_OPT_REAL:
        put_number(buf, cap, *(const double *)p);
        break;
    case IHG_OPT_BOOL:
        put(buf, cap, *(const int *)p ? "true" : "false");
        break;
    case IHG_OPT_ENUM: {
        int e = *(const int *)p;
        for (int i = 0; o->names && o->names[i]; i++)
            if (i == e)
                put(buf, cap, o->names[i]);
        break;
    }
    case IHG_OPT_VEC2:
    case IHG_OPT_MAT2: {
        const double *v = p;
        size_t n = o->type == IHG_OPT_VEC2 ? 2 : 4;
        put(buf, cap, o->type == IHG_OPT_MAT2 ? "[[" : "[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                put(buf, cap, o->type == IHG_OPT_MAT2 && i == 2 ? "], [" : ", ");
            put_number(buf, cap, v[i]);
        }
        put(buf, cap, o->type == IHG_OPT_MAT2 ? "]]" : "]");
        break;
    }
    case IHG_OPT_INTS: {
        const long *v = p;
        size_t n = ihg_option_ints_count(o, base);
        put(buf, cap, "[");
        for (size_t i = 0; i < n && i < o->max_count; i++) {
            char nb[32];
            snprintf(nb, sizeof nb, "%s%ld", i ? ", " : "", v[i]);
            put(buf, cap, nb);
        }
        put(buf, cap, "]");
        break;
    }
    default: /* SECTION, KIND, CLIP, LEARN: the loader's own */
        break;
    }
    return buf;
}

char *ihg_option_format_range(const ihg_option *o, char *buf, size_t cap)
{
    if (!cap)
        return buf;
    buf[0] = '\0';
    switch (o->type) {
    case IHG_OPT_INT:
    case IHG_OPT_SEED:
    case IHG_OPT_REAL:
    case IHG_OPT_INTS:
        if (o->type == IHG_OPT_INTS) {
            char nb[64];
            snprintf(nb, sizeof nb, "1 to %zu of ", o->max_count);
            put(buf, cap, nb);
        }
        put(buf, cap, o->lo_open || isinf(o->lo) ? "(" : "[");
        put_number(buf, cap, o->lo);
        put(buf, cap, ", ");
        put_number(buf, cap, o->hi);
        put(buf, cap, o->hi_open || isinf(o->hi) ? ")" : "]");
        break;
    case IHG_OPT_BOOL:
        put(buf, cap, "true | false");
        break;
    case IHG_OPT_ENUM:
        for (size_t i = 0; o->names && o->names[i]; i++) {
            if (i)
                put(buf, cap, " | ");
            put(buf, cap, o->names[i]);
        }
        break;
    case IHG_OPT_CLIP:
        put(buf, cap, "min < max");
        break;
    case IHG_OPT_LEARN:
        put(buf, cap, "lr, momentum (each once)");
        break;
    default:
        break;
    }
    return buf;
}

const char *ihg_option_type_word(const ihg_option *o)
{
    switch (o->type) {
    case IHG_OPT_SECTION: return "section";
    case IHG_OPT_STRING: return "string";
    case IHG_OPT_INT:
    case IHG_OPT_SEED: return "int";
    case IHG_OPT_REAL: return "real";
    case IHG_OPT_BOOL: return "bool";
    case IHG_OPT_ENUM:
    case IHG_OPT_KIND: return "name";
    case IHG_OPT_CLIP: return "[min, max]";
    case IHG_OPT_LEARN: return "sequence";
    case IHG_OPT_VEC2: return "[x, y]";
    case IHG_OPT_MAT2: return "matrix";
    case IHG_OPT_INTS: return "[int, ...]";
    }
    return "?";
}
