/* output.h - the files a run writes (--output, --record, .npy arrays).
 *
 * Outputs never destroy anything:
 *   - they are opened only after the experiment and its data have been
 *     loaded and checked (the caller's part: open them after
 *     ihg_session_alloc), so a run refused for bad input leaves every file
 *     as it was;
 *   - an output that is one of the run's inputs (the experiment file or a
 *     data file it read; the same file by device and inode, so symbolic and
 *     hard links count) is refused before anything is truncated;
 *   - every write error is reported (IHG_EWRITE, exit status 1).
 */
#ifndef IHG_OUTPUT_H
#define IHG_OUTPUT_H

#include <stdio.h>

#include "config.h"
#include "data.h"

/* The experiment file plus every data file: at most this many inputs. */
#define IHG_MAX_INPUTS (1 + IHG_DATASET_MAX_FILES)

/* Fill list with the inputs of a run (cfg->path, when the experiment came
 * from a file, then ds->files), NULL-terminated; list has room for
 * IHG_MAX_INPUTS + 1 pointers.  ds may be NULL. */
void ihg_run_inputs(const ihg_config *cfg, const ihg_dataset *ds,
                    const char *list[IHG_MAX_INPUTS + 1]);

/* IHG_OK when path names none of inputs (NULL-terminated; NULL = none) or
 * does not exist yet; IHG_EINVAL with "PATH: is the input FILE; refusing to
 * overwrite it" otherwise. */
int ihg_output_check(const char *path, const char *const *inputs);

/* Open path for writing ("w": created or emptied) once ihg_output_check
 * passes; the check is made on the opened file itself, before it is
 * emptied.  NULL with IHG_EINVAL (an input) or IHG_EWRITE (cannot be
 * opened) recorded. */
FILE *ihg_output_open(const char *path, const char *const *inputs);

/* Flush and close an output (stdout is flushed, not closed); IHG_OK, or
 * IHG_EWRITE with "PATH: write error: REASON" recorded.  name is used in the
 * message ("standard output" when NULL). */
int ihg_output_close(FILE *f, const char *name);

#endif
