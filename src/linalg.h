/* linalg.h - the symmetric eigendecomposition behind the exact solver's
 * singular fallback and the spectrum of H.
 *
 * LAPACK's divide-and-conquer dsyevd when the CBLAS library provides it
 * (OpenBLAS does; configure checks), else GSL's gsl_eigen_symm(v), which is
 * correct but unblocked and some 20x slower at P = 1000.
 */
#ifndef IHG_LINALG_H
#define IHG_LINALG_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

typedef struct ihg_eigen_work ihg_eigen_work;

/* Workspace for n x n problems; vectors = 1 to also compute eigenvectors. */
ihg_eigen_work *ihg_eigen_work_alloc(size_t n, int vectors);
void ihg_eigen_work_free(ihg_eigen_work *w);

/* Eigenvalues of the symmetric A (ascending) into eval and, when evec is
 * not NULL (and w was made with vectors), the orthonormal eigenvectors as
 * the columns of evec (column i belongs to eval[i]).  A is destroyed.
 * Returns IHG_OK or an error status. */
int ihg_eigen_symm(gsl_matrix *A, gsl_vector *eval, gsl_matrix *evec,
                   ihg_eigen_work *w);

/* "lapack-dsyevd" or "gsl". */
const char *ihg_eigen_backend(void);

/* 1 when every entry of x is finite. */
int ihg_vector_finite(const gsl_vector *x);

#endif
