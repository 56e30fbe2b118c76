/* npy.c - NumPy .npy files (see npy.h). */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen */
#include "npy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

static int little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b[2];
    memcpy(b, &one, 2);
    return b[0] == 1;
}

/* The preamble: magic, version 1.0, header length, header; 64-byte
 * aligned.  Returns its length. */
static size_t preamble(char *buf, size_t size, size_t n)
{
    char dict[128];
    int dl = snprintf(dict, sizeof dict,
                      "{'descr': '%cf8', 'fortran_order': False, 'shape': (%zu,), }",
                      little_endian() ? '<' : '>', n);
    size_t fixed = 10; /* magic (6), version (2), header length (2) */
    size_t total = fixed + (size_t)dl + 1;
    total = (total + 63) / 64 * 64;
    size_t hlen = total - fixed;
    if (total > size)
        return 0;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hlen & 0xFF);
    buf[9] = (char)(hlen >> 8);
    memcpy(buf + fixed, dict, (size_t)dl);
    memset(buf + fixed + dl, ' ', hlen - (size_t)dl - 1);
    buf[total - 1] = '\n';
    return total;
}

int ihg_npy_write(const char *path, const double *x, size_t n, size_t stride)
{
    char head[256];
    size_t hlen = preamble(head, sizeof head, n);
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 8);
    if (!tmp || hlen == 0) {
        free(tmp);
        return ihg_error_at(IHG_EWRITE, path, 0, 0, "out of memory");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".XXXXXX", 8);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return ihg_error_at(IHG_EWRITE, path, 0, 0, "cannot create: %s",
                            strerror(e));
    }
    /* the permissions of a file made by fopen, not mkstemp's 0600 */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        /* not worth failing for */
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return ihg_error_at(IHG_EWRITE, path, 0, 0, "cannot write: %s",
                            strerror(e));
    }
    int ok = fwrite(head, 1, hlen, f) == hlen;
    if (stride == 1) {
        ok = ok && fwrite(x, sizeof *x, n, f) == n;
    } else {
        double chunk[512];
        for (size_t i = 0; ok && i < n;) {
            size_t m = n - i < 512 ? n - i : 512;
            for (size_t k = 0; k < m; k++)
                chunk[k] = x[(i + k) * stride];
            ok = fwrite(chunk, sizeof *chunk, m, f) == m;
            i += m;
        }
    }
    int e = ok ? 0 : errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlink(tmp);
        free(tmp);
        return ihg_error_at(IHG_EWRITE, path, 0, 0, "cannot write: %s",
                            e ? strerror(e) : "write error");
    }
    free(tmp);
    return IHG_OK;
}
