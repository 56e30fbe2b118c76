/* plane.c - the numbers behind the explorer's 2-D view (see plane.h).
 *
 * Every value is the model's own: train_loss and solve_inner of its type
 * table, evaluated with the session's model between units of work (its
 * workspace is scratch then). */
#include "plane.h"

#include <math.h>

size_t ihg_plane_model_lambda(const ihg_session *s, size_t *offset)
{
    const ihg_hyper_segment *seg =
        ihg_hyper_layout_owner(ihg_session_layout(s), IHG_OWNER_MODEL);
    *offset = seg ? seg->offset : 0;
    return seg ? seg->count : 0;
}

int ihg_plane_available(const ihg_session *s)
{
    const ihg_model *m = ihg_session_model(s);
    size_t off, n = ihg_plane_model_lambda(s, &off);
    return m->P == 2 && n >= 1 && n <= 2 && m->type->solve_inner != NULL;
}

int ihg_plane_optimum(ihg_session *s, const double *model_lambda, double theta_star[2])
{
    ihg_model *m = ihg_session_model_scratch(s);
    size_t off, n = ihg_plane_model_lambda(s, &off);
    gsl_vector_const_view lv = gsl_vector_const_view_array(model_lambda, n ? n : 1);
    gsl_vector_view tv = gsl_vector_view_array(theta_star, 2);
    if (!ihg_plane_available(s))
        return -1;
    return m->type->solve_inner(m, &lv.vector, &tv.vector) == 0 ? 0 : -1;
}

void ihg_plane_loss_grid(ihg_session *s, const gsl_vector *lambda, double x0, double y0,
                         double step, int nx, int ny, double *out)
{
    ihg_model *m = ihg_session_model_scratch(s);
    const ihg_data *train = ihg_session_dataset(s)->train;
    size_t off, n = ihg_plane_model_lambda(s, &off);
    gsl_vector_const_view ml = gsl_vector_const_subvector(lambda, off, n);
    int i, j;
    for (j = 0; j < ny; j++)
        for (i = 0; i < nx; i++) {
            double p[2];
            gsl_vector_view pv;
            p[0] = x0 + i * step;
            p[1] = y0 + (ny - 1 - j) * step;
            pv = gsl_vector_view_array(p, 2);
            out[(size_t)j * nx + i] =
                m->type->train_loss(m, &pv.vector, &ml.vector, train, NULL);
        }
}

void ihg_plane_marks(const ihg_session *s, double target[2], double data_optimum[2])
{
    const ihg_model *m = ihg_session_model(s);
    ihg_plane_points pts;
    target[0] = target[1] = data_optimum[0] = data_optimum[1] = NAN;
    if (!ihg_plane_available(s) || !m->type->plane_points)
        return;
    pts = m->type->plane_points(m);
    if (pts.target) {
        target[0] = pts.target[0];
        target[1] = pts.target[1];
    }
    if (pts.data_optimum) {
        data_optimum[0] = pts.data_optimum[0];
        data_optimum[1] = pts.data_optimum[1];
    }
}
