/* figures_dir.h - `--figures DIR`: the standard figures of a run as files.
 *
 *   DIR/losses.svg, .pdf, .png           losses per outer step (always)
 *   DIR/accuracy.svg, .pdf, .png         accuracies (classifiers)
 *   DIR/hypergrad_error.svg, .pdf, .png  error against K of every method
 *                                        (when a comparison was made)
 *   DIR/spectrum.svg, .pdf, .png         eigenvalues of H and the stable
 *                                        band (when the comparison has them:
 *                                        P <= hypergrad.exact_max)
 *   DIR/lambda.svg, .pdf, .png           histogram of lambda, start and end
 *   DIR/images.png                       lambda as images (distill)
 *
 * Like every output of a run (see ihgtui(1)): DIR is made or checked only
 * once the experiment and its data are loaded, a file that is one of the
 * run's inputs is never written, and a write error is an error.
 */
#ifndef IHG_FIGURES_DIR_H
#define IHG_FIGURES_DIR_H

#include "compare.h"
#include "figures.h"
#include "session.h"

/* What the figures of a run are drawn from (all plain numbers). */
typedef struct {
    const ihg_record *hist;
    size_t nhist;
    const ihg_comparison *cmp;    /* NULL: no comparison made          */
    long cmp_outer;               /* the outer step it was made at     */
    const ihg_hyper_layout *layout;
    const double *lambda_start;   /* NULL: unknown                      */
    const double *lambda_now;
    size_t n_lambda;
    long outer;                   /* outer steps taken                  */
    const double *images;         /* NULL: lambda is not images         */
    size_t img_k, img_rows, img_cols;
    const char *const *img_labels;
    char subtitle[160];
} ihg_figures_data;

/* The numbers of a session (kept by pointer: valid until it steps). */
void ihg_figures_data_from_session(ihg_figures_data *d, const ihg_session *s,
                                   const ihg_comparison *cmp, long cmp_outer,
                                   const double *lambda_start);

/* Make dir when it does not exist, or check that it is a directory one can
 * write in.  IHG_OK or IHG_EWRITE with "DIR: reason" recorded. */
int ihg_figures_dir_prepare(const char *dir);

/* Write every figure that applies into dir, each as SVG, PDF and PNG of
 * width x height pixels (images: PNG only).  inputs: NULL-terminated paths
 * that must not be overwritten (NULL: none).  *written (may be NULL): files
 * written.  IHG_OK, or the first error ("DIR/FILE: write error") with the
 * files before it written. */
int ihg_figures_dir_write(const char *dir, int width, int height, const ihg_figures_data *d,
                          const char *const *inputs, int *written);

/* The figures of a --batch run, from its start to its end:
 *   j = ihg_figures_job_alloc(dir, w, h, s);   after the session loaded
 *   ... at each outer step's point, before its update:
 *   ihg_figures_job_point(j, s, cmp);          cmp: the run's comparison there
 *                                              (NULL: the job compares at the
 *                                              last outer step itself)
 *   ihg_figures_job_finish(j, s, inputs);      writes the files
 * Each returns NULL / an error status with the message recorded. */
typedef struct ihg_figures_job ihg_figures_job;
ihg_figures_job *ihg_figures_job_alloc(const char *dir, int width, int height,
                                       ihg_session *s);
int ihg_figures_job_point(ihg_figures_job *j, ihg_session *s, const ihg_comparison *cmp);
/* inputs: the run's inputs (output.h), never written over. */
int ihg_figures_job_finish(ihg_figures_job *j, const ihg_session *s,
                           const char *const *inputs);
void ihg_figures_job_free(ihg_figures_job *j);

#endif
