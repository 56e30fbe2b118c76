/* jsonl.c - JSON Lines output (see jsonl.h). */
#define _POSIX_C_SOURCE 200809L
#include "jsonl.h"

#include <errno.h>
#include <unistd.h>

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "npy.h"
#include "output.h"

void ihg_json_init(ihg_json *j) { memset(j, 0, sizeof *j); }

void ihg_json_free(ihg_json *j)
{
    free(j->buf);
    free(j->spill_prefix);
    memset(j, 0, sizeof *j);
}

int ihg_json_spill(ihg_json *j, const char *json_path,
                   const char *const *inputs)
{
    free(j->spill_prefix);
    j->spill_prefix = NULL;
    j->spill_inputs = inputs;
    if (!json_path)
        return IHG_OK;
    size_t n = strlen(json_path);
    if (n > 6 && strcmp(json_path + n - 6, ".jsonl") == 0)
        n -= 6;
    else if (n > 5 && strcmp(json_path + n - 5, ".json") == 0)
        n -= 5;
    j->spill_prefix = malloc(n + 1);
    if (!j->spill_prefix)
        return ihg_error_set(IHG_ENOMEM, "out of memory");
    memcpy(j->spill_prefix, json_path, n);
    j->spill_prefix[n] = '\0';
    return IHG_OK;
}

void ihg_json_spill_tag(ihg_json *j, long tag) { j->spill_tag = tag; }

void ihg_json_clear(ihg_json *j)
{
    j->len = 0;
    j->depth = 0;
    j->after_key = 0;
    j->failed = 0;
    if (j->buf)
        j->buf[0] = '\0';
}

static void put(ihg_json *j, const char *s, size_t n)
{
    if (j->failed)
        return;
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1)
            cap *= 2;
        char *b = realloc(j->buf, cap);
        if (!b) {
            j->failed = 1;
            return;
        }
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void puts_(ihg_json *j, const char *s) { put(j, s, strlen(s)); }

static void putf(ihg_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(ihg_json *j, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(j, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A comma before every element but the first of its container; a value
 * directly after a key takes none. */

static void element(ihg_json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0) {
        if (!j->first[j->depth - 1])
            put(j, ",", 1);
        j->first[j->depth - 1] = 0;
    }
}

static void open_(ihg_json *j, const char *c)
{
    element(j);
    puts_(j, c);
    if (j->depth < IHG_JSON_DEPTH)
        j->first[j->depth] = 1;
    j->depth++;
}

static void close_(ihg_json *j, const char *c)
{
    if (j->depth > 0)
        j->depth--;
    puts_(j, c);
}

void ihg_json_begin_object(ihg_json *j) { open_(j, "{"); }
void ihg_json_end_object(ihg_json *j) { close_(j, "}"); }
void ihg_json_begin_array(ihg_json *j) { open_(j, "["); }
void ihg_json_end_array(ihg_json *j) { close_(j, "]"); }

void ihg_json_string(ihg_json *j, const char *s)
{
    element(j);
    put(j, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            put(j, e, 2);
        } else if (*p < 0x20) {
            putf(j, "\\u%04x", *p);
        } else {
            put(j, (const char *)p, 1);
        }
    }
    put(j, "\"", 1);
}

void ihg_json_key(ihg_json *j, const char *key)
{
    if (j->depth > 0 && j->depth <= IHG_JSON_DEPTH)
        snprintf(j->keys[j->depth - 1], IHG_JSON_KEY_MAX, "%s", key);
    ihg_json_string(j, key);
    put(j, ":", 1);
    j->after_key = 1;
}

void ihg_json_number(ihg_json *j, double x)
{
    element(j);
    if (!isfinite(x))
        puts_(j, "null");
    else if (x == 0)
        puts_(j, "0");
    else
        putf(j, "%.17g", x);
}

void ihg_json_integer(ihg_json *j, long x)
{
    element(j);
    putf(j, "%ld", x);
}

void ihg_json_bool(ihg_json *j, int b)
{
    element(j);
    puts_(j, b ? "true" : "false");
}

void ihg_json_null(ihg_json *j)
{
    element(j);
    puts_(j, "null");
}

/* A large array as a .npy file: {"npy": "FILE", "size": n} in the line.
 * Returns 1 when written that way (or failed: j->failed set), 0 when the
 * array stays inline. */
static int spill(ihg_json *j, const double *x, size_t n, size_t stride)
{
    if (!j->spill_prefix || n <= IHG_JSON_INLINE_MAX)
        return 0;
    char name[IHG_JSON_DEPTH * (IHG_JSON_KEY_MAX + 1) + 32];
    size_t o = (size_t)snprintf(name, sizeof name, "-%ld", j->spill_tag);
    for (int d = 0; d < j->depth && d < IHG_JSON_DEPTH; d++) {
        /* characters safe in a file name; others become '_' */
        name[o++] = '-';
        for (const char *k = j->keys[d]; *k && o + 6 < sizeof name; k++)
            name[o++] = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
                                (*k >= '0' && *k <= '9') || *k == '_'
                            ? *k
                            : '_';
    }
    memcpy(name + o, ".npy", 5);
    size_t plen = strlen(j->spill_prefix);
    char *path = malloc(plen + strlen(name) + 1);
    if (!path) {
        j->failed = 1;
        return 1;
    }
    memcpy(path, j->spill_prefix, plen);
    strcpy(path + plen, name);
    if (ihg_output_check(path, j->spill_inputs) != IHG_OK ||
        ihg_npy_write(path, x, n, stride) != IHG_OK) {
        j->failed = 1;
        j->write_failed = 1;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    ihg_json_begin_object(j);
    ihg_json_key(j, "npy");
    ihg_json_string(j, base);
    ihg_json_key(j, "size");
    ihg_json_integer(j, (long)n);
    ihg_json_end_object(j);
    free(path);
    return 1;
}

void ihg_json_vector(ihg_json *j, const gsl_vector *v)
{
    if (v && spill(j, v->data, v->size, v->stride))
        return;
    ihg_json_begin_array(j);
    for (size_t i = 0; v && i < v->size; i++)
        ihg_json_number(j, gsl_vector_get(v, i));
    ihg_json_end_array(j);
}

void ihg_json_doubles(ihg_json *j, const double *x, size_t n)
{
    if (spill(j, x, n, 1))
        return;
    ihg_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        ihg_json_number(j, x[i]);
    ihg_json_end_array(j);
}

int ihg_json_write_line(ihg_json *j, FILE *f)
{
    int bad = j->failed;
    put(j, "\n", 1);
    bad |= j->failed;
    if (bad && !j->write_failed)
        ihg_error_set(IHG_ENOMEM, "out of memory for a JSON line");
    /* Whatever stdio holds goes first; then the line in as few write(2)
     * calls as the kernel allows (one, for a regular file), so that a run
     * killed at any moment leaves whole lines. */
    if (fflush(f) != 0 && !bad) {
        ihg_error_set(IHG_EWRITE, "write error: %s", strerror(errno));
        bad = 1;
    }
    int fd = fileno(f);
    size_t done = 0;
    while (!bad && done < j->len) {
        ssize_t w = fd >= 0 ? write(fd, j->buf + done, j->len - done) : -1;
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            /* not a file descriptor stream: fall back to stdio */
            if (fd < 0 && fwrite(j->buf, 1, j->len, f) == j->len && fflush(f) == 0) {
                done = j->len;
            } else {
                ihg_error_set(IHG_EWRITE, "write error: %s",
                              w < 0 && errno ? strerror(errno) : "nothing written");
                bad = 1;
            }
            break;
        }
        done += (size_t)w;
    }
    ihg_json_clear(j);
    return bad ? -1 : 0;
}

void ihg_json_record(ihg_json *j, const ihg_record *r, int classifier, int has_test)
{
    ihg_json_key(j, "outer");
    ihg_json_integer(j, r->outer);
    ihg_json_key(j, "inner_steps");
    ihg_json_integer(j, r->inner_steps);
    ihg_json_key(j, "train_loss");
    ihg_json_number(j, r->train_loss);
    ihg_json_key(j, "val_loss");
    ihg_json_number(j, r->val_loss);
    if (classifier) {
        ihg_json_key(j, "train_acc");
        ihg_json_number(j, r->train_acc);
        ihg_json_key(j, "val_acc");
        ihg_json_number(j, r->val_acc);
    }
    if (has_test) {
        ihg_json_key(j, "test_loss");
        ihg_json_number(j, r->test_loss);
        if (classifier) {
            ihg_json_key(j, "test_acc");
            ihg_json_number(j, r->test_acc);
        }
    }
    ihg_json_key(j, "grad_norm");
    ihg_json_number(j, r->grad_norm);
    ihg_json_key(j, "hypergrad_norm");
    ihg_json_number(j, r->hypergrad_norm);
    ihg_json_key(j, "method");
    ihg_json_string(j, r->method ? r->method->name : "");
    ihg_json_key(j, "terms");
    ihg_json_integer(j, r->terms);
    ihg_json_key(j, "alpha");
    ihg_json_number(j, r->alpha);
    ihg_json_key(j, "hvps");
    ihg_json_integer(j, r->hvps);
    ihg_json_key(j, "seconds");
    ihg_json_number(j, r->seconds);
    ihg_json_key(j, "v_norm");
    ihg_json_number(j, r->v_norm);
    ihg_json_key(j, "q_norm");
    ihg_json_number(j, r->q_norm);
    ihg_json_key(j, "jtq_norm");
    ihg_json_number(j, r->jtq_norm);
    ihg_json_key(j, "direct_norm");
    ihg_json_number(j, r->direct_norm);
    ihg_json_key(j, "lambda_norm");
    ihg_json_number(j, r->lambda_norm);
    if (r->note) {
        ihg_json_key(j, "hypergrad_note");
        ihg_json_string(j, r->note);
    }
    if (r->fallback != IHG_FALLBACK_NONE) {
        ihg_json_key(j, "fallback");
        ihg_json_string(j, ihg_fallback_name(r->fallback));
    }
}
