/* summary.h - what pane 2 shows of many values: min, median and max, and
 * how they are spread.
 *
 * For millions of hyperparameters this takes tens of milliseconds, so the
 * explorer's engine thread derives it when lambda or the hypergradient
 * changes (runner.c) and the UI thread only draws it.
 */
#ifndef IHG_SUMMARY_H
#define IHG_SUMMARY_H

#include <stddef.h>

#include <gsl/gsl_vector.h>

#define IHG_SUMMARY_BINS 4096
/* Pane 2 lists up to this many hyperparameters; above, it summarises. */
#define IHG_SUMMARY_MIN 30

typedef struct {
    double mn, md, mx;                /* of the finite entries; NaN: none */
    size_t n;                         /* finite entries                 */
    unsigned count[IHG_SUMMARY_BINS]; /* entries in each of equal bins
                                         from mn to mx                  */
} ihg_summary;

/* Exact min, median and max without copying the vector, and the counts. */
void ihg_summary_of(const gsl_vector *x, ihg_summary *s);

/* The counts gathered into cols columns (a column holds the fine bins
 * whose centre rounds to it). */
void ihg_summary_columns(const ihg_summary *s, int *count, int cols);

#endif
