/* output.h - the files a run writes.
 *
 * Outputs never destroy anything:
 *   - they are opened only after the experiment and its data have been
 *     loaded and checked (the caller's part), so a run refused for bad
 *     input leaves every file as it was;
 *   - an output that is one of the run's inputs (the experiment file or a
 *     data file it reads; the same file by device and inode, so symbolic
 *     and hard links count) is refused before anything is truncated;
 *   - a write error is reported (the caller exits non-zero).
 */
#ifndef IHG_OUTPUT_H
#define IHG_OUTPUT_H

#include <stdio.h>

#include "config.h"
#include "data.h"

/* The experiment file plus every data file a run may read. */
#define IHG_MAX_INPUTS 16

/* Fill list with the inputs of a run (the experiment file when it came
 * from one, the data files of cfg->data resolved against its directory,
 * the image files when ds holds images), NULL-terminated; list has room
 * for IHG_MAX_INPUTS + 1 pointers, which stay valid until the next call.
 * ds may be NULL. */
void ihg_run_inputs(const ihg_config *cfg, const ihg_dataset *ds,
                    const char *list[IHG_MAX_INPUTS + 1]);

/* IHG_OK when path names none of inputs (NULL-terminated; NULL = none) or
 * does not exist yet; IHG_EINVAL with "PATH: is the input FILE; refusing to
 * overwrite it" otherwise. */
int ihg_output_check(const char *path, const char *const *inputs);

/* Open path for writing (created or emptied) once the check passes; the
 * check is made on the opened file itself, before it is emptied.  NULL
 * with the error recorded (IHG_EINVAL: an input; IHG_EIO: cannot open). */
FILE *ihg_output_open(const char *path, const char *const *inputs);

/* Flush and close an output; IHG_OK, or IHG_EIO with "NAME: write error:
 * REASON" recorded. */
int ihg_output_close(FILE *f, const char *name);

#endif
