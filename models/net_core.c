/* net_core.c - a dense tanh network's passes (see net_core.h). */
#include "net_core.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "../src/error.h"

static int mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > IHG_NET_MAX_ELEMS / a)
        return 0;
    *out = a * b;
    return *out <= IHG_NET_MAX_ELEMS;
}

int ihg_net_shape(ihg_net *n, size_t L, const size_t *width, size_t chunk)
{
    memset(n, 0, sizeof *n);
    if (L < 1 || L > IHG_NET_MAX_LAYERS || chunk < 1)
        return 0;
    n->L = L;
    n->chunk = chunk;
    for (size_t l = 0; l <= L; l++) {
        if (width[l] < 1)
            return 0;
        n->width[l] = width[l];
        if (width[l] > n->wmax)
            n->wmax = width[l];
    }
    size_t P = 0, nw, tmp;
    for (size_t l = 1; l <= L; l++) {
        if (!mul_ok(width[l], width[l - 1], &nw))
            return 0;
        n->woff[l] = P;
        P += nw;
        n->n_weights += nw;
        n->boff[l] = P;
        P += width[l];
        if (P > IHG_NET_MAX_ELEMS)
            return 0;
    }
    n->P = P;
    return mul_ok(chunk, n->wmax, &tmp);
}

int ihg_net_init(ihg_net *n, size_t L, const size_t *width, size_t chunk)
{
    if (!ihg_net_shape(n, L, width, chunk))
        return ihg_error_set(IHG_EINVAL, "network of %zu layers: too many or too large "
                             "layers (at most %d layers, %zu entries)",
                             L, IHG_NET_MAX_LAYERS, (size_t)IHG_NET_MAX_ELEMS);
    int ok = 1;
    for (size_t l = 1; l <= L && ok; l++) {
        ok = (n->A[l] = gsl_matrix_alloc(chunk, width[l])) != NULL &&
             (n->RA[l] = gsl_matrix_alloc(chunk, width[l])) != NULL;
        if (ok && l < L)
            ok = (n->D[l] = gsl_matrix_alloc(chunk, width[l])) != NULL &&
                 (n->Q[l] = gsl_matrix_alloc(chunk, width[l])) != NULL;
    }
    for (int i = 0; i < 2 && ok; i++)
        ok = (n->G[i] = gsl_matrix_alloc(chunk, n->wmax)) != NULL &&
             (n->RG[i] = gsl_matrix_alloc(chunk, n->wmax)) != NULL;
    ok = ok && (n->WV = gsl_matrix_alloc(2 * width[1], width[0])) != NULL &&
         (n->ZR = gsl_matrix_alloc(chunk, 2 * width[1])) != NULL;
    if (!ok) {
        double dbl = ihg_net_workspace(n);
        ihg_net_free(n);
        return ihg_error_set(IHG_ENOMEM, "out of memory (network workspace, %.0f doubles)",
                             dbl);
    }
    return IHG_OK;
}

void ihg_net_free(ihg_net *n)
{
    for (size_t l = 0; l <= IHG_NET_MAX_LAYERS; l++) {
        gsl_matrix *ms[] = {n->A[l], n->RA[l], n->D[l], n->Q[l]};
        for (size_t i = 0; i < 4; i++)
            if (ms[i])
                gsl_matrix_free(ms[i]);
        n->A[l] = n->RA[l] = n->D[l] = n->Q[l] = NULL;
    }
    for (int i = 0; i < 2; i++) {
        if (n->G[i])
            gsl_matrix_free(n->G[i]);
        if (n->RG[i])
            gsl_matrix_free(n->RG[i]);
        n->G[i] = n->RG[i] = NULL;
    }
    if (n->WV)
        gsl_matrix_free(n->WV);
    if (n->ZR)
        gsl_matrix_free(n->ZR);
    n->WV = n->ZR = NULL;
}

double ihg_net_workspace(const ihg_net *n)
{
    double cells = 4.0 * (double)n->chunk * (double)n->wmax +
                   2.0 * (double)n->width[1] * ((double)n->width[0] + (double)n->chunk);
    for (size_t l = 1; l <= n->L; l++)
        cells += (l < n->L ? 4.0 : 2.0) * (double)n->chunk * (double)n->width[l];
    return cells;
}

void ihg_net_init_params(const ihg_net *n, double *th, gsl_rng *rng, double gain,
                         double last_gain)
{
    for (size_t l = 1; l <= n->L; l++) {
        double g = l == n->L ? last_gain : gain;
        double sd = g / sqrt((double)n->width[l - 1]);
        size_t nw = n->width[l] * n->width[l - 1];
        for (size_t j = 0; j < nw; j++)
            th[n->woff[l] + j] = sd > 0 ? gsl_ran_gaussian(rng, sd) : 0.0;
        for (size_t j = 0; j < n->width[l]; j++)
            th[n->boff[l] + j] = 0.0;
    }
}

/* ---- views ---- */

static gsl_matrix_view block(gsl_matrix *M, size_t nb, size_t nc)
{
    return gsl_matrix_submatrix(M, 0, 0, nb, nc);
}

static gsl_matrix W_of(const ihg_net *n, const double *th, size_t l)
{
    gsl_matrix_const_view v =
        gsl_matrix_const_view_array(th + n->woff[l], n->width[l], n->width[l - 1]);
    return v.matrix;
}

static gsl_matrix_view W_out(const ihg_net *n, double *th, size_t l)
{
    return gsl_matrix_view_array(th + n->woff[l], n->width[l], n->width[l - 1]);
}

gsl_matrix_view ihg_net_out(ihg_net *n, size_t nb) { return block(n->A[n->L], nb, n->width[n->L]); }
gsl_matrix_view ihg_net_rout(ihg_net *n, size_t nb) { return block(n->RA[n->L], nb, n->width[n->L]); }
gsl_matrix_view ihg_net_gout(ihg_net *n, size_t nb) { return block(n->G[0], nb, n->width[n->L]); }
gsl_matrix_view ihg_net_rgout(ihg_net *n, size_t nb) { return block(n->RG[0], nb, n->width[n->L]); }

/* Add b (M->size2 entries) to every row of M. */
static void add_bias(gsl_matrix *M, const double *b)
{
    for (size_t i = 0; i < M->size1; i++) {
        double *r = M->data + i * M->tda;
        for (size_t j = 0; j < M->size2; j++)
            r[j] += b[j];
    }
}

/* out = beta out + the column sums of M */
static void colsums(const gsl_matrix *M, double beta, double *out)
{
    if (beta == 0.0)
        memset(out, 0, M->size2 * sizeof *out);
    for (size_t i = 0; i < M->size1; i++) {
        const double *r = M->data + i * M->tda;
        for (size_t j = 0; j < M->size2; j++)
            out[j] += r[j];
    }
}

/* ---- forward ---- */

void ihg_net_forward(ihg_net *n, const double *th, const gsl_matrix *X, const double *V,
                     const gsl_matrix *RX)
{
    size_t nb = X->size1, L = n->L;
    int rpass = V || RX;
    for (size_t l = 1; l <= L; l++) {
        size_t w = n->width[l], wp = n->width[l - 1];
        gsl_matrix W = W_of(n, th, l);
        gsl_matrix_view Z = block(n->A[l], nb, w), RZ = block(n->RA[l], nb, w);
        gsl_matrix_view Ap, RAp;
        const gsl_matrix *in = X, *rin = RX;
        if (l > 1) {
            Ap = block(n->A[l - 1], nb, wp);
            RAp = block(n->RA[l - 1], nb, wp);
            in = &Ap.matrix;
            rin = rpass ? &RAp.matrix : NULL;
        }
        if (l == 1 && V && !rin) {
            /* [Z, R{Z}] = X [W; V]^T: one pass over the input */
            gsl_matrix_view top = gsl_matrix_submatrix(n->WV, 0, 0, w, wp),
                            bot = gsl_matrix_submatrix(n->WV, w, 0, w, wp);
            gsl_matrix Vl = W_of(n, V, l);
            gsl_matrix_memcpy(&top.matrix, &W);
            gsl_matrix_memcpy(&bot.matrix, &Vl);
            gsl_matrix_view ZR = block(n->ZR, nb, 2 * w);
            gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, in, n->WV, 0.0, &ZR.matrix);
            gsl_matrix_view zl = gsl_matrix_submatrix(&ZR.matrix, 0, 0, nb, w),
                            zr = gsl_matrix_submatrix(&ZR.matrix, 0, w, nb, w);
            gsl_matrix_memcpy(&Z.matrix, &zl.matrix);
            gsl_matrix_memcpy(&RZ.matrix, &zr.matrix);
            add_bias(&Z.matrix, th + n->boff[l]);
            add_bias(&RZ.matrix, V + n->boff[l]);
        } else {
            gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, in, &W, 0.0, &Z.matrix);
            add_bias(&Z.matrix, th + n->boff[l]);
        }
        if (rpass && !(l == 1 && V && !rin)) {
            double beta = 0.0;
            if (rin) {
                gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, rin, &W, 0.0, &RZ.matrix);
                beta = 1.0;
            }
            if (V) {
                gsl_matrix Vl = W_of(n, V, l);
                gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, in, &Vl, beta, &RZ.matrix);
                add_bias(&RZ.matrix, V + n->boff[l]);
            } else if (!rin) {
                gsl_matrix_set_zero(&RZ.matrix);
            }
        }
        if (l == L)
            break;
        /* A = tanh(Z), D = s', and along the R-pass Q = s'' R{Z}, R{A} = s' R{Z} */
        for (size_t i = 0; i < nb; i++) {
            double *z = n->A[l]->data + i * n->A[l]->tda;
            double *d = n->D[l]->data + i * n->D[l]->tda;
            double *rz = rpass ? n->RA[l]->data + i * n->RA[l]->tda : NULL;
            double *q = rpass ? n->Q[l]->data + i * n->Q[l]->tda : NULL;
            for (size_t j = 0; j < w; j++) {
                double a = tanh(z[j]), d1 = 1.0 - a * a;
                z[j] = a;
                d[j] = d1;
                if (rz) {
                    q[j] = -2.0 * a * d1 * rz[j];
                    rz[j] *= d1;
                }
            }
        }
    }
}

/* ---- backward ---- */

void ihg_net_backward(ihg_net *n, const double *th, const gsl_matrix *X, double *grad,
                      double beta, gsl_matrix *GX)
{
    size_t nb = X->size1;
    gsl_matrix *cur = n->G[0], *nxt = n->G[1];
    for (size_t l = n->L; l >= 1; l--) {
        size_t w = n->width[l], wp = n->width[l - 1];
        gsl_matrix_view G = block(cur, nb, w);
        gsl_matrix W = W_of(n, th, l);
        if (grad) {
            gsl_matrix_view gW = W_out(n, grad, l);
            gsl_matrix_view Ap;
            const gsl_matrix *in = X;
            if (l > 1) {
                Ap = block(n->A[l - 1], nb, wp);
                in = &Ap.matrix;
            }
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &G.matrix, in, beta, &gW.matrix);
            colsums(&G.matrix, beta, grad + n->boff[l]);
        }
        if (l == 1) {
            if (GX)
                gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &G.matrix, &W, 0.0, GX);
            break;
        }
        gsl_matrix_view dA = block(nxt, nb, wp);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &G.matrix, &W, 0.0, &dA.matrix);
        const gsl_matrix *D = n->D[l - 1];
        for (size_t i = 0; i < nb; i++) {
            double *g = nxt->data + i * nxt->tda;
            const double *d = D->data + i * D->tda;
            for (size_t j = 0; j < wp; j++)
                g[j] *= d[j];
        }
        gsl_matrix *t = cur;
        cur = nxt;
        nxt = t;
    }
}

void ihg_net_backward_r(ihg_net *n, const double *th, const double *V, const gsl_matrix *X,
                        const gsl_matrix *RX, double *rgrad, double beta, gsl_matrix *RGX)
{
    size_t nb = X->size1;
    gsl_matrix *cur = n->G[0], *nxt = n->G[1], *rcur = n->RG[0], *rnxt = n->RG[1];
    for (size_t l = n->L; l >= 1; l--) {
        size_t w = n->width[l], wp = n->width[l - 1];
        gsl_matrix_view G = block(cur, nb, w), RG = block(rcur, nb, w);
        gsl_matrix W = W_of(n, th, l);
        if (rgrad) {
            /* R{dW} = R{G}^T A_{l-1} + G^T R{A_{l-1}} */
            gsl_matrix_view hW = W_out(n, rgrad, l);
            gsl_matrix_view Ap, RAp;
            const gsl_matrix *in = X, *rin = RX;
            if (l > 1) {
                Ap = block(n->A[l - 1], nb, wp);
                RAp = block(n->RA[l - 1], nb, wp);
                in = &Ap.matrix;
                rin = &RAp.matrix;
            }
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &RG.matrix, in, beta, &hW.matrix);
            if (rin)
                gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &G.matrix, rin, 1.0,
                               &hW.matrix);
            colsums(&RG.matrix, beta, rgrad + n->boff[l]);
        }
        if (l == 1) {
            if (RGX) {
                gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &RG.matrix, &W, 0.0, RGX);
                if (V) {
                    gsl_matrix V1 = W_of(n, V, 1);
                    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &G.matrix, &V1, 1.0,
                                   RGX);
                }
            }
            break;
        }
        /* dA = G W, R{dA} = R{G} W + G V */
        gsl_matrix_view dA = block(nxt, nb, wp), RdA = block(rnxt, nb, wp);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &G.matrix, &W, 0.0, &dA.matrix);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &RG.matrix, &W, 0.0, &RdA.matrix);
        if (V) {
            gsl_matrix Vl = W_of(n, V, l);
            gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &G.matrix, &Vl, 1.0,
                           &RdA.matrix);
        }
        const gsl_matrix *D = n->D[l - 1], *Q = n->Q[l - 1];
        for (size_t i = 0; i < nb; i++) {
            double *g = nxt->data + i * nxt->tda, *r = rnxt->data + i * rnxt->tda;
            const double *d = D->data + i * D->tda, *q = Q->data + i * Q->tda;
            for (size_t j = 0; j < wp; j++) {
                double a = g[j];
                r[j] = r[j] * d[j] + a * q[j];
                g[j] = a * d[j];
            }
        }
        gsl_matrix *t = cur;
        cur = nxt;
        nxt = t;
        t = rcur;
        rcur = rnxt;
        rnxt = t;
    }
}
