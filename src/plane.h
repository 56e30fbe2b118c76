/* plane.h - the numbers behind the explorer's 2-D view.
 *
 * For a model of two parameters with a closed-form inner optimum (the
 * quadratic lesson) the whole problem can be drawn in the theta plane:
 * the training loss L_T(., lambda) over a grid, the optimum
 * theta*(lambda), the validation target and the data optimum.  The
 * explorer asks for them here, as plain numbers, instead of evaluating
 * the model itself.
 */
#ifndef IHG_PLANE_H
#define IHG_PLANE_H

#include <gsl/gsl_vector.h>

#include "session.h"

/* Whether the 2-D view exists for this session's model: P = 2, at most
 * two hyperparameters of the model, theta*(lambda) in closed form. */
int ihg_plane_available(const ihg_session *s);

/* Where the model's hyperparameters are in lambda: their count (what the
 * 2-D view draws) and *offset. */
size_t ihg_plane_model_lambda(const ihg_session *s, size_t *offset);

/* theta*(lambda) for the model's hyperparameters model_lambda[0..count-1]
 * (ihg_plane_model_lambda): 0, or -1 when the model has no closed form or
 * no solution there. */
int ihg_plane_optimum(ihg_session *s, const double *model_lambda, double theta_star[2]);

/* L_T(theta, lambda) (lambda: the session's whole vector; the model gets
 * its part) on the training set at theta = (x0 + i step,
 * y0 + (ny - 1 - j) step) into out[j nx + i], for i < nx, j < ny: row 0
 * is the top (largest theta_2). */
void ihg_plane_loss_grid(ihg_session *s, const gsl_vector *lambda, double x0, double y0,
                         double step, int nx, int ny, double *out);

/* The points the lesson marks: the validation target t and the optimum
 * c of the data term (NaN when the model has none). */
void ihg_plane_marks(const ihg_session *s, double target[2], double data_optimum[2]);

#endif
