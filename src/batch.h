/* batch.h - the headless runner: JSON Lines, one object per outer step. */
#ifndef IHG_BATCH_H
#define IHG_BATCH_H

#include <stdio.h>

#include "config.h"

typedef struct {
    int compare;  /* every method at each outer step's (theta, lambda) */
    int vectors;  /* theta, lambda and hypergradients as arrays         */
    int quiet;    /* no summary on stderr                               */
    /* the standard figures of the run into this directory (NULL: none),
     * figure_width x figure_height pixels (figures_dir.h) */
    const char *figures;
    int figure_width, figure_height;
} ihg_batch_options;

/* Run cfg to the end, writing lines to out.  Returns 0 when the run
 * finished, 3 when it stopped on a divergence (message on stderr, the lines
 * so far written), 2 when the data or model cannot be set up (bad input),
 * 1 on any other failure (a write error among them). */
int ihg_batch_run(const ihg_config *cfg, const ihg_batch_options *opt, FILE *out);

#endif
