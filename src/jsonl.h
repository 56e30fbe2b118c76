/* jsonl.h - building one JSON object per line, written whole and flushed.
 *
 * Numbers are written with 17 significant digits (round-trip exact);
 * non-finite numbers, which JSON cannot represent, are written as null.
 *
 * Large arrays stay out of the line: once ihg_json_spill() has named a
 * place for them, an array (ihg_json_vector, ihg_json_doubles) of more than
 * IHG_JSON_INLINE_MAX numbers is written as a NumPy .npy file (npy.h) and
 * the line holds {"npy": "FILE", "size": N} in its place.  FILE is
 * PREFIX-TAG-KEYS.npy, KEYS being the keys leading to the array joined by
 * '-' (theta, compare-hypergrads-neumann); the line names it relative to
 * the directory of the JSON file.  So lines stay short enough to be written
 * in one write(2), and a killed run leaves whole lines.
 */
#ifndef IHG_JSONL_H
#define IHG_JSONL_H

#include <gsl/gsl_vector.h>
#include <stdio.h>

#include "session.h"

#define IHG_JSON_DEPTH 16
/* Arrays longer than this go to .npy files when spilling is on.  Above
 * every array of the shipped small experiments, below the 1.8 million
 * hyperparameters of the large one. */
#define IHG_JSON_INLINE_MAX 100000
#define IHG_JSON_KEY_MAX 32

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;                      /* allocation or .npy write failed */
    int write_failed;                /* a .npy file could not be written
                                        (message recorded, error.h)     */
    int depth;
    int after_key;                   /* a key was just written     */
    int first[IHG_JSON_DEPTH];       /* no element written yet     */
    char keys[IHG_JSON_DEPTH][IHG_JSON_KEY_MAX]; /* key at each depth */
    /* spilling large arrays (ihg_json_spill) */
    char *spill_prefix;              /* NULL: arrays stay inline    */
    const char *const *spill_inputs; /* never overwritten           */
    long spill_tag;
} ihg_json;

void ihg_json_init(ihg_json *j);
void ihg_json_free(ihg_json *j);
void ihg_json_clear(ihg_json *j);

/* Write arrays above IHG_JSON_INLINE_MAX to PREFIX-TAG-KEYS.npy, where
 * PREFIX is json_path without a .jsonl or .json suffix; inputs (NULL-
 * terminated, may be NULL) are files never to overwrite (output.h).
 * json_path NULL turns spilling off.  IHG_OK or IHG_ENOMEM. */
int ihg_json_spill(ihg_json *j, const char *json_path,
                   const char *const *inputs);
/* TAG for the next arrays (the outer step). */
void ihg_json_spill_tag(ihg_json *j, long tag);

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

/* Write the buffer plus a newline with one write(2) where the system
 * allows (after flushing what stdio holds); clears j.  Returns 0, or -1 on
 * a write error, an earlier allocation failure or a .npy file that could
 * not be written (then j->write_failed is set and the message recorded). */
int ihg_json_write_line(ihg_json *j, FILE *f);

/* The standard fields of one outer-step record (inside an open object).
 * classifier: add *_acc; has_test: add test_*. */
void ihg_json_record(ihg_json *j, const ihg_record *r, int classifier,
                     int has_test);

#endif
