/* fuzz_idx.c - libFuzzer target for the IDX reader (images and labels,
 * plain or gzipped).
 *
 * The first byte picks the reader (even: images, odd: labels); the rest is
 * the file's content, written to a temporary file because the reader opens
 * files by name (through zlib).  Whatever the header announces, the reader
 * must refuse it or read it without crashing, over-reading or allocating
 * more than the file can hold.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[256];

static void remove_file(void) { unlink(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/fuzz-idx.XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1)
        abort();
    if (fclose(f) != 0)
        abort();
    ihg_idx x;
    int st = data[0] & 1 ? ihg_idx_read_labels(path, 9, &x) : ihg_idx_read_images(path, &x);
    if (st == IHG_OK) {
        /* what was read is what the header announced */
        size_t item = x.rows ? x.rows * x.cols : 1;
        volatile unsigned sum = 0;
        for (size_t i = 0; i < x.n * item; i++)
            sum += x.data[i];
        ihg_idx_free(&x);
    }
    return 0;
}
