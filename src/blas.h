/* blas.h - what the CBLAS library needs before the run starts.
 *
 * OpenBLAS (the CBLAS of a default build) gives each thread slot a work
 * buffer of its BUFFER_SIZE (128 MiB on x86-64) for level-3 routines.  The
 * worker threads' buffers are mapped when the library loads; the calling
 * thread's on its first level-3 call.  If that mapping fails, OpenBLAS
 * retries it forever (blas_memory_alloc in driver/others/memory.c loops
 * "do { ... } while (map_address == -1)"): under an address-space limit
 * (ulimit -v) a run whose data and model have used up the space before its
 * first dgemm spins at 100 % CPU without a word.
 *
 * The worker threads fare worse: a worker whose buffer cannot be mapped
 * when the library loads loops in its start routine, and the first
 * threaded call waits for it forever.  Nothing in the process can reach
 * OpenBLAS before it loads, so:
 *
 * ihg_blas_limit_threads() runs first in main: under an address-space
 * limit, unless the user chose a thread count (OPENBLAS_NUM_THREADS,
 * GOTO_NUM_THREADS, OMP_NUM_THREADS), it executes the program again with
 * OPENBLAS_NUM_THREADS=1, so that one buffer is needed instead of one per
 * core.
 *
 * ihg_blas_reserve() then makes the calling thread's first level-3 call
 * while the process is still small, after checking that a buffer of that
 * size can be mapped at all; OpenBLAS keeps the buffer for the rest of the
 * run, and an allocation that fails later is one of ours, reported as out
 * of memory.
 *
 * With GSL's CBLAS both do nothing.
 */
#ifndef IHG_BLAS_H
#define IHG_BLAS_H

/* IHG_OK, or IHG_ENOMEM with a message (the limit in force and what to
 * do) when the buffer cannot be had. */
int ihg_blas_reserve(void);

/* Under an address-space limit, run again with one OpenBLAS thread (see
 * above).  Returns only when nothing needs to change (or exec fails). */
void ihg_blas_limit_threads(char **argv);

#endif
