/* npy.h - one-dimensional arrays of doubles as NumPy .npy files.
 *
 * Format 1.0 of the NumPy file format (numpy.lib.format): the magic
 * "\x93NUMPY", the version bytes 1 and 0, the header length as a 2-byte
 * little-endian number, the header (an ASCII Python dict literal, padded
 * with spaces and ended by a newline so that the data start at a multiple of
 * 64 bytes), then the values in C order:
 *
 *   {'descr': '<f8', 'fortran_order': False, 'shape': (N,), }
 *
 * '<f8' (little-endian float64) or '>f8' on a big-endian machine: the bytes
 * are written as the machine holds them.  NaN and infinities are kept.
 * numpy.load(path) gives back an array of shape (N,).
 */
#ifndef IHG_NPY_H
#define IHG_NPY_H

#include <stddef.h>

/* Write x[0], x[stride], ..., x[(n-1) stride] to path.  The file is
 * written under a temporary name in the same directory ("path.XXXXXX"),
 * then renamed over path, so that path is never seen half written (a run
 * killed meanwhile may leave the temporary file).  Returns IHG_OK, or
 * IHG_EWRITE with "PATH: message" recorded (error.h). */
int ihg_npy_write(const char *path, const double *x, size_t n, size_t stride);

#endif
