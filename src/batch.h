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
} ihg_batch_options;

/* Run cfg to the end, writing lines to out.  Returns 0 when the run
 * finished, 3 when it stopped on a divergence (message on stderr, the lines
 * so far written), 2 when the data or model cannot be set up (bad input),
 * 1 on any other failure. */
int ihg_batch_run(const ihg_config *cfg, const ihg_batch_options *opt, FILE *out);

/* The "compare" member of a line (inside an open object), as --batch
 * --compare writes it; also the explorer's --record comparison events. */
void ihg_batch_json_compare(ihg_json *j, const ihg_comparison *c, int vectors);

#endif
