/* blas.c - reserve the CBLAS work buffer before the run (see blas.h). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, setenv */
#include "ihg_autoconf.h"

#include "blas.h"

#include <gsl/gsl_cblas.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"

/* OpenBLAS's BUFFER_SIZE on x86-64 (32 << 22) plus the page it adds. */
#define OPENBLAS_BUFFER ((size_t)128 << 20)
#define OPENBLAS_SLACK ((size_t)64 << 10)
/* Large enough for the buffered path: OpenBLAS's small-matrix kernels
 * (no buffer) take M N K <= 100^3. */
#define WARMUP_N 128

static int openblas(void)
{
#ifdef IHG_BLAS_NAME
    return strcmp(IHG_BLAS_NAME, "openblas") == 0;
#else
    return 0;
#endif
}

static int address_space_limited(struct rlimit *rl)
{
    return getrlimit(RLIMIT_AS, rl) == 0 && rl->rlim_cur != RLIM_INFINITY;
}

void ihg_blas_limit_threads(char **argv)
{
    struct rlimit rl;
    static const char *const chosen[] = {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
                                         "OMP_NUM_THREADS"};
    if (!openblas() || !address_space_limited(&rl))
        return;
    for (size_t i = 0; i < sizeof chosen / sizeof *chosen; i++)
        if (getenv(chosen[i]))
            return;
    if (setenv("OPENBLAS_NUM_THREADS", "1", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    /* exec failed: go on as we are (ihg_blas_reserve still checks) */
}

int ihg_blas_reserve(void)
{
    if (!openblas())
        return IHG_OK;
    void *probe = mmap(NULL, OPENBLAS_BUFFER + OPENBLAS_SLACK, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe == MAP_FAILED) {
        struct rlimit rl;
        if (address_space_limited(&rl))
            return ihg_error_set(
                IHG_ENOMEM,
                "out of memory: the address-space limit (ulimit -v %llu) leaves no "
                "room for OpenBLAS's %zu MiB work buffer; raise the limit",
                (unsigned long long)(rl.rlim_cur / 1024), OPENBLAS_BUFFER >> 20);
        return ihg_error_set(IHG_ENOMEM,
                             "out of memory: no room for OpenBLAS's %zu MiB work buffer",
                             OPENBLAS_BUFFER >> 20);
    }
    munmap(probe, OPENBLAS_BUFFER + OPENBLAS_SLACK);
    /* the first level-3 call of this thread maps its buffer, now */
    static double a[WARMUP_N * WARMUP_N], c[WARMUP_N * WARMUP_N];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, WARMUP_N, WARMUP_N, WARMUP_N,
                1.0, a, WARMUP_N, a, WARMUP_N, 0.0, c, WARMUP_N);
    return IHG_OK;
}
