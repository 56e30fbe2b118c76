/* figures.h - the standard figures of a run, for slides.
 *
 * Each figure draws what the engine already produced: the records of the
 * outer steps (session.h), a comparison of the methods at one point
 * (compare.h), lambda as numbers.  Nothing here evaluates a model: counts
 * of a histogram and the placing of marks are all the arithmetic there is.
 *
 *   losses           L_T, L_V and the test loss per outer step
 *   accuracy         training, validation and test accuracy per outer step
 *   hypergrad_error  relative error of each method against the reference,
 *                    per K, with Neumann's predicted envelope rho^(K+1)
 *   spectrum         eigenvalues of H on a log axis, the stable band
 *                    0 < alpha lambda < 2, 2/alpha, kappa and alpha*
 *   lambda           histogram of lambda at the start and now
 *   images           lambda as images (dataset distillation)
 *
 * Every function writes one figure to out and returns IHG_OK or the error
 * (IHG_EWRITE on a write error, IHG_EINVAL when there is nothing to draw).
 */
#ifndef IHG_FIGURES_H
#define IHG_FIGURES_H

#include <stdio.h>

#include "compare.h"
#include "figure.h"
#include "hyperlayout.h"
#include "session.h"

typedef struct {
    ihg_figure_format format;
    int width, height;        /* pixels                                  */
    const char *subtitle;     /* the run: "name · seed 0", or NULL       */
} ihg_figure_spec;

/* Whether the records carry accuracies (a classifier). */
int ihg_figure_has_accuracy(const ihg_record *hist, size_t n);
/* Whether a comparison has errors to draw / a spectrum. */
int ihg_figure_has_errors(const ihg_comparison *c);
int ihg_figure_has_spectrum(const ihg_comparison *c);

int ihg_figure_losses(FILE *out, const ihg_figure_spec *spec, const ihg_record *hist,
                      size_t n);
int ihg_figure_accuracy(FILE *out, const ihg_figure_spec *spec, const ihg_record *hist,
                        size_t n);
/* outer: the outer step whose point was compared (0: the start). */
int ihg_figure_hypergrad_error(FILE *out, const ihg_figure_spec *spec,
                               const ihg_comparison *c, long outer);
int ihg_figure_spectrum(FILE *out, const ihg_figure_spec *spec, const ihg_comparison *c,
                        long outer);
/* start, now: n values each (start may be NULL); outer: the outer steps
 * taken to reach now. */
int ihg_figure_lambda(FILE *out, const ihg_figure_spec *spec, const ihg_hyper_layout *layout,
                      const double *start, const double *now, size_t n, long outer);
/* k images of rows x cols pixels, image c at pixels[c rows cols ..],
 * row-major, drawn grey from 0 (black) to 1 (white); labels: k names or
 * NULL (then the class number). */
int ihg_figure_images(FILE *out, const ihg_figure_spec *spec, const double *pixels,
                      size_t k, size_t rows, size_t cols, const char *const *labels,
                      long outer);

#endif
