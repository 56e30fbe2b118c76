/* seeds.h - one experiment from S initial weights side by side (--seeds):
 * the spread of losses, solutions and hypergradients across them, and
 * warm against cold retraining with the learned hyperparameters
 * (seeds.c). */
#ifndef IHG_SEEDS_H
#define IHG_SEEDS_H

#include <stdio.h>

#include "config.h"

/* The most runs side by side. */
#define IHG_SEEDS_MAX 1000

/* Run S >= 2 copies of cfg with init_seed = base, base + 1, ..., writing
 * one JSON line per outer step and a last "cold_retrain" line to out.
 * Returns the exit status of ihg_batch_run's convention (0, 1, 2, 3). */
int ihg_seeds_run(const ihg_config *cfg, long S, FILE *out);

#endif
