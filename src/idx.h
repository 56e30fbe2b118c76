/* idx.h - IDX files: the format of MNIST and Fashion-MNIST.
 *
 * An IDX file is a 4-byte magic number, one 4-byte big-endian size per
 * dimension, then the items as unsigned bytes, row-major:
 *
 *   images  magic 0x00000803  dims n, rows, cols   n * rows * cols bytes
 *   labels  magic 0x00000801  dims n               n bytes
 *
 * (magic = 0, 0, type 0x08 = unsigned byte, number of dimensions).  Files
 * are read through zlib's gzopen/gzread, so gzipped (.gz) and plain files
 * both work.  Everything is validated: the magic, the dimensions (at least
 * 1, images at most 4096 x 4096, at most 1 GiB of data, and for a data set
 * images small enough that n_train, n_val or n_test of them stay within
 * IHG_DATA_MAX_CELLS values), the data length (no missing and no extra
 * bytes; for a plain file the size is checked against the header before
 * anything is allocated, for a gzipped one against the largest size deflate
 * can expand it to) and the label range.  So a header announcing more than
 * the file or the limits allow is refused from its 16 bytes alone.  Errors
 * are recorded as "PATH: message" (IHG_EIO) through error.h.
 */
#ifndef IHG_IDX_H
#define IHG_IDX_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "config.h"
#include "data.h"

/* Where the Debian package dataset-fashion-mnist installs the files. */
#define IHG_IDX_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

/* Fashion-MNIST's ten class names, label order (ds->class_names of the
 * default data set). */
extern const char *const ihg_fashion_mnist_classes[10];

typedef struct {
    size_t n;            /* items                                     */
    size_t rows, cols;   /* image size; 0, 0 for a label file         */
    unsigned char *data; /* n * rows * cols bytes (images) or n labels */
} ihg_idx;

/* Read an image file (magic 0x00000803).  On success *out owns data. */
int ihg_idx_read_images(const char *path, ihg_idx *out);
/* Read a label file (magic 0x00000801); every label must be <= max_label. */
int ihg_idx_read_labels(const char *path, unsigned max_label, ihg_idx *out);
/* Free out->data and zero *out (NULL or zeroed: no-op). */
void ihg_idx_free(ihg_idx *x);

/* Fill ds from the IDX files in cfg->data.images_dir (relative to the
 * experiment's directory; NULL = IHG_IDX_DEFAULT_DIR):
 *   train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
 *   t10k-images-idx3-ubyte.gz,  t10k-labels-idx1-ubyte.gz
 * (each also found without .gz).  ds->train (images_n_train) and ds->val
 * (images_n_val) are disjoint random subsets of the training file, ds->test
 * (images_n_test; NULL when 0, and then the t10k files are not read) a
 * random subset of the test file, each drawn with rng (same seed, same
 * subsample) and kept in file order.  Pixels are scaled to [0, 1] by
 * dividing by 255 (no centring, so an image can be drawn as it is); labels
 * 0..9 as doubles.  ds->d = rows * cols, ds->k = 10, ds->task =
 * IHG_TASK_MULTICLASS, ds->image_rows/cols set, ds->source describes it,
 * ds->class_names the class names for the default (Fashion-MNIST) files.
 * On error ds is left empty (all zero) and the message names the file; a
 * missing data set names the Debian package to install. */
int ihg_idx_load_dataset(ihg_dataset *ds, const ihg_config *cfg, gsl_rng *rng);

#endif
