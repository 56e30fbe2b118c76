/* jsonl.h - building one JSON object per line, written whole and flushed.
 *
 * Numbers are written with 17 significant digits (round-trip exact);
 * non-finite numbers, which JSON cannot represent, are written as null.
 */
#ifndef IHG_JSONL_H
#define IHG_JSONL_H

#include <gsl/gsl_vector.h>
#include <stdio.h>

#include "session.h"

#define IHG_JSON_DEPTH 16

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;                      /* allocation failed          */
    int depth;
    int after_key;                   /* a key was just written     */
    int first[IHG_JSON_DEPTH];       /* no element written yet     */
} ihg_json;

void ihg_json_init(ihg_json *j);
void ihg_json_free(ihg_json *j);
void ihg_json_clear(ihg_json *j);

void ihg_json_begin_object(ihg_json *j);
void ihg_json_end_object(ihg_json *j);
void ihg_json_begin_array(ihg_json *j);
void ihg_json_end_array(ihg_json *j);
void ihg_json_key(ihg_json *j, const char *key);   /* inside an object */
void ihg_json_number(ihg_json *j, double x);
void ihg_json_integer(ihg_json *j, long x);
void ihg_json_string(ihg_json *j, const char *s);
void ihg_json_bool(ihg_json *j, int b);
void ihg_json_null(ihg_json *j);
void ihg_json_vector(ihg_json *j, const gsl_vector *v);
void ihg_json_doubles(ihg_json *j, const double *x, size_t n);

/* Write the buffer plus a newline with one fwrite and flush; clears j.
 * Returns 0, or -1 on a write error or earlier allocation failure. */
int ihg_json_write_line(ihg_json *j, FILE *f);

/* The standard fields of one outer-step record (inside an open object).
 * classifier: add *_acc; has_test: add test_*. */
void ihg_json_record(ihg_json *j, const ihg_record *r, int classifier,
                     int has_test);

#endif
