/* softmax_core.c - softmax cross-entropy pieces (see softmax_core.h). */
#include "softmax_core.h"

#include <gsl/gsl_blas.h>
#include <math.h>

size_t ihg_sm_label(double y, size_t k)
{
    if (!(y >= 0.0) || y >= (double)k || y != floor(y))
        return k;
    return (size_t)y;
}

size_t ihg_sm_argmax(const double *z, size_t k)
{
    size_t best = 0;
    for (size_t c = 1; c < k; c++)
        if (z[c] > z[best])
            best = c;
    return best;
}

double ihg_sm_row(double *z, size_t k)
{
    double mx = z[0];
    for (size_t c = 1; c < k; c++)
        if (z[c] > mx)
            mx = z[c];
    double s = 0.0;
    for (size_t c = 0; c < k; c++) {
        z[c] = exp(z[c] - mx);
        s += z[c];
    }
    for (size_t c = 0; c < k; c++)
        z[c] /= s;
    return mx + log(s);
}

void ihg_sm_rop_row(const double *p, const double *v, double *out, size_t k,
                    double scale)
{
    double pv = 0.0;
    for (size_t c = 0; c < k; c++)
        pv += p[c] * v[c];
    for (size_t c = 0; c < k; c++)
        out[c] = p[c] * (v[c] - pv) * scale;
}

gsl_matrix ihg_sm_weights(const gsl_vector *v, size_t k, size_t d,
                          gsl_matrix *buf)
{
    if (v->stride != 1)
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < d; j++)
                gsl_matrix_set(buf, c, j, gsl_vector_get(v, c * d + j));
    gsl_matrix_const_view cv = gsl_matrix_const_view_array(
        v->stride == 1 ? v->data : buf->data, k, d);
    return cv.matrix;
}

gsl_matrix_view ihg_sm_weights_out(gsl_vector *v, size_t k, size_t d,
                                   gsl_matrix *buf)
{
    return gsl_matrix_view_array(v->stride == 1 ? v->data : buf->data, k, d);
}

void ihg_sm_weights_store(gsl_vector *v, const gsl_matrix *buf)
{
    if (v->stride == 1)
        return;
    for (size_t c = 0; c < buf->size1; c++)
        for (size_t j = 0; j < buf->size2; j++)
            gsl_vector_set(v, c * buf->size2 + j, gsl_matrix_get(buf, c, j));
}

void ihg_sm_logits(const gsl_matrix *X, const gsl_matrix *W,
                   const gsl_vector *v, size_t kd, gsl_matrix *Z)
{
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, X, W, 0.0, Z);
    for (size_t i = 0; i < Z->size1; i++) {
        double *z = Z->data + i * Z->tda;
        for (size_t c = 0; c < Z->size2; c++)
            z[c] += gsl_vector_get(v, kd + c);
    }
}

double ihg_sm_data_loss(ihg_sm_work *w, const gsl_vector *v,
                        const ihg_data *data, gsl_vector *grad)
{
    size_t d = w->d, k = w->k, kd = k * d, n = data->n;
    if (grad)
        gsl_vector_set_zero(grad);
    if (n == 0)
        return 0.0;
    gsl_matrix W = ihg_sm_weights(v, k, d, w->Wbuf);
    gsl_matrix_view GW;
    if (grad) {
        GW = ihg_sm_weights_out(grad, k, d, w->Gbuf);
        gsl_matrix_set_zero(&GW.matrix);
    }
    double inv_n = 1.0 / (double)n, sl = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_matrix_view Zb = gsl_matrix_submatrix(w->Z, 0, 0, nb, k);
        ihg_sm_logits(&Xb.matrix, &W, v, kd, &Zb.matrix);
        for (size_t i = 0; i < nb; i++) {
            double *z = Zb.matrix.data + i * Zb.matrix.tda;
            size_t y = ihg_sm_label(gsl_vector_get(data->y, i0 + i), k);
            double zy = y < k ? z[y] : NAN;
            sl += ihg_sm_row(z, k) - zy;
            if (y < k)
                z[y] -= 1.0; /* row of P - Y */
            if (grad)
                for (size_t c = 0; c < k; c++)
                    *gsl_vector_ptr(grad, kd + c) += z[c] * inv_n;
        }
        if (grad)
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv_n, &Zb.matrix,
                           &Xb.matrix, 1.0, &GW.matrix);
    }
    if (grad)
        ihg_sm_weights_store(grad, &GW.matrix);
    return sl * inv_n;
}

double ihg_sm_accuracy(ihg_sm_work *w, const gsl_vector *v,
                       const ihg_data *data)
{
    size_t d = w->d, k = w->k, kd = k * d, n = data->n, right = 0;
    if (n == 0)
        return 0.0;
    gsl_matrix W = ihg_sm_weights(v, k, d, w->Wbuf);
    for (size_t i0 = 0; i0 < n; i0 += w->chunk) {
        size_t nb = n - i0 < w->chunk ? n - i0 : w->chunk;
        gsl_matrix_const_view Xb =
            gsl_matrix_const_submatrix(data->X, i0, 0, nb, d);
        gsl_matrix_view Zb = gsl_matrix_submatrix(w->Z, 0, 0, nb, k);
        ihg_sm_logits(&Xb.matrix, &W, v, kd, &Zb.matrix);
        for (size_t i = 0; i < nb; i++) {
            const double *z = Zb.matrix.data + i * Zb.matrix.tda;
            right += ihg_sm_argmax(z, k) ==
                     ihg_sm_label(gsl_vector_get(data->y, i0 + i), k);
        }
    }
    return (double)right / (double)n;
}

size_t ihg_sm_bias_null_space(size_t offset, size_t k, gsl_matrix *U)
{
    if (U->size2 < 1 || k < 2 || offset + k > U->size1)
        return 0;
    gsl_vector_view u = gsl_matrix_column(U, 0);
    gsl_vector_set_zero(&u.vector);
    for (size_t c = 0; c < k; c++)
        gsl_vector_set(&u.vector, offset + c, 1.0 / sqrt((double)k));
    return 1;
}

size_t ihg_sm_null_space(const ihg_model *m, gsl_matrix *U)
{
    return ihg_sm_bias_null_space(m->k * m->d, m->k, U);
}
