/* linalg.c - symmetric eigendecomposition (see linalg.h). */
#include "ihg_autoconf.h"

#include "linalg.h"


#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort_vector.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#ifdef HAVE_LAPACK_DSYEVD
/* LAPACK, Fortran calling convention (column-major; A symmetric, so the
 * row-major storage is the same matrix). */
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a,
                    const int *lda, double *w, double *work, const int *lwork,
                    int *iwork, const int *liwork, int *info);
#endif

struct ihg_eigen_work {
    size_t n;
    int vectors;
#ifdef HAVE_LAPACK_DSYEVD
    double *a, *work, *eval;
    int *iwork;
    int lwork, liwork;
#else
    gsl_eigen_symm_workspace *ws;
    gsl_eigen_symmv_workspace *wv;
#endif
};

const char *ihg_eigen_backend(void)
{
#ifdef HAVE_LAPACK_DSYEVD
    return "lapack-dsyevd";
#else
    return "gsl";
#endif
}

void ihg_eigen_work_free(ihg_eigen_work *w)
{
    if (!w)
        return;
#ifdef HAVE_LAPACK_DSYEVD
    free(w->a);
    free(w->eval);
    free(w->work);
    free(w->iwork);
#else
    if (w->ws)
        gsl_eigen_symm_free(w->ws);
    if (w->wv)
        gsl_eigen_symmv_free(w->wv);
#endif
    free(w);
}

ihg_eigen_work *ihg_eigen_work_alloc(size_t n, int vectors)
{
    ihg_eigen_work *w = calloc(1, sizeof *w);
    if (!w || n == 0) {
        free(w);
        ihg_error_set(IHG_ENOMEM, "eigendecomposition: out of memory");
        return NULL;
    }
    w->n = n;
    w->vectors = vectors;
#ifdef HAVE_LAPACK_DSYEVD
    if (n > 46000) { /* n*n must fit an int for LAPACK */
        free(w);
        ihg_error_set(IHG_ELIMIT, "eigendecomposition: n = %zu too large", n);
        return NULL;
    }
    int in = (int)n, info = 0, lq = -1, liq = -1, iw = 0;
    double wq = 0, dummy = 0, ev = 0;
    /* workspace query */
    dsyevd_(vectors ? "V" : "N", "L", &in, &dummy, &in, &ev, &wq, &lq, &iw, &liq,
            &info);
    w->lwork = info == 0 ? (int)wq + 1 : 1 + 6 * in + 2 * in * in;
    w->liwork = info == 0 && iw > 0 ? iw : 3 + 5 * in;
    w->a = malloc(n * n * sizeof(double));
    w->eval = malloc(n * sizeof(double));
    w->work = malloc((size_t)w->lwork * sizeof(double));
    w->iwork = malloc((size_t)w->liwork * sizeof(int));
    if (!w->a || !w->eval || !w->work || !w->iwork) {
        ihg_eigen_work_free(w);
        ihg_error_set(IHG_ENOMEM, "eigendecomposition: out of memory (n = %zu)", n);
        return NULL;
    }
#else
    if (vectors)
        w->wv = gsl_eigen_symmv_alloc(n);
    else
        w->ws = gsl_eigen_symm_alloc(n);
    if (!(vectors ? (void *)w->wv : (void *)w->ws)) {
        ihg_eigen_work_free(w);
        ihg_error_set(IHG_ENOMEM, "eigendecomposition: out of memory (n = %zu)", n);
        return NULL;
    }
#endif
    return w;
}

int ihg_eigen_symm(gsl_matrix *A, gsl_vector *eval, gsl_matrix *evec,
                   ihg_eigen_work *w)
{
    size_t n = w->n;
    if (A->size1 != n || A->size2 != n || eval->size != n ||
        (evec && (!w->vectors || evec->size1 != n || evec->size2 != n)))
        return ihg_error_set(IHG_EINVAL, "eigendecomposition: size mismatch");
#ifdef HAVE_LAPACK_DSYEVD
    for (size_t i = 0; i < n; i++)
        memcpy(w->a + i * n, A->data + i * A->tda, n * sizeof(double));
    int in = (int)n, info = 0;
    double *wv = w->eval;
    dsyevd_(evec ? "V" : "N", "L", &in, w->a, &in, wv, w->work, &w->lwork, w->iwork,
            &w->liwork, &info);
    if (info != 0)
        return ihg_error_set(IHG_EINTERNAL, "LAPACK dsyevd failed (info %d)", info);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(eval, i, wv[i]);
    /* column-major eigenvector j is a[j*n .. j*n + n) -> column j of evec */
    if (evec)
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < n; i++)
                gsl_matrix_set(evec, i, j, w->a[j * n + i]);
    return IHG_OK;
#else
    int st;
    if (evec) {
        st = gsl_eigen_symmv(A, eval, evec, w->wv);
        if (st == GSL_SUCCESS)
            gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_ASC);
    } else {
        st = gsl_eigen_symm(A, eval, w->ws);
        if (st == GSL_SUCCESS)
            gsl_sort_vector(eval);
    }
    return st == GSL_SUCCESS ? IHG_OK
                             : ihg_error_set(IHG_EINTERNAL, "GSL eigendecomposition failed");
#endif
}

int ihg_vector_finite(const gsl_vector *x)
{
    /* x_i * 0 is 0 for a finite x_i and NaN for an infinite or NaN one:
     * a sum of them is 0 exactly when all are finite.  Four independent
     * sums keep the adds from waiting on each other. */
    const double *p = x->data;
    size_t n = x->size, st = x->stride, i = 0;
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    if (st == 1)
        for (; i + 4 <= n; i += 4) {
            a0 += p[i] * 0.0;
            a1 += p[i + 1] * 0.0;
            a2 += p[i + 2] * 0.0;
            a3 += p[i + 3] * 0.0;
        }
    for (; i < n; i++)
        a0 += p[i * st] * 0.0;
    return a0 + a1 + a2 + a3 == 0.0;
}
