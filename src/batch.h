/* batch.h - the headless runner: JSON Lines, one object per outer step. */
#ifndef IHG_BATCH_H
#define IHG_BATCH_H

#include <stdio.h>

#include "compare.h"
#include "config.h"
#include "jsonl.h"

typedef struct {
    int compare;  /* every method at each outer step's (theta, lambda) */
    int vectors;  /* theta, lambda and hypergradients as arrays         */
    int quiet;    /* no summary on stderr                               */
    const char *output; /* the JSON Lines file; NULL: standard output   */
    /* the standard figures of the run into this directory (NULL: none),
     * figure_width x figure_height pixels (figures_dir.h; made and written
     * as the output is: after the inputs load, never onto one of them) */
    const char *figures;
    int figure_width, figure_height;
} ihg_batch_options;

/* Run cfg to the end, writing lines to opt->output (opened only once the
 * experiment's data and model are set up, never onto one of its inputs:
 * output.h) or standard output; with vectors, arrays above
 * IHG_JSON_INLINE_MAX numbers go to .npy files beside the output
 * (jsonl.h).  Returns the exit status: 0 when the run finished, 3 when it
 * stopped on a divergence (message on stderr, the lines so far written), 2
 * for bad input (the data or model cannot be set up, an output that is an
 * input), 1 on any other failure (out of memory, a write error). */
int ihg_batch_run(const ihg_config *cfg, const ihg_batch_options *opt);

/* The "compare" member of a line (inside an open object), as --batch
 * --compare writes it; also the explorer's --record comparison events. */
void ihg_batch_json_compare(ihg_json *j, const ihg_comparison *c, int vectors);

#endif
