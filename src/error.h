/* error.h - one place that records what went wrong.
 *
 * Every engine function returns an int status (IHG_OK on success).  When it
 * fails it calls ihg_error_set() (or ihg_error_at() for a position in an
 * input file) once, and the caller reads the message with ihg_error_message().
 * A debugger can break on ihg_error_record() to see every failure.
 */
#ifndef IHG_ERROR_H
#define IHG_ERROR_H

enum {
    IHG_OK = 0,
    IHG_EINVAL = 1,   /* bad argument or configuration value              */
    IHG_ENOMEM = 2,   /* allocation failed or a size is too large          */
    IHG_EIO = 3,      /* file missing, unreadable or malformed             */
    IHG_EDIVERGE = 4, /* NaN/inf loss or a diverging series                */
    IHG_ENOTPD = 5,   /* matrix not positive definite (reported, not fatal) */
    IHG_ELIMIT = 6,   /* problem above a method's size limit               */
    IHG_EINTERNAL = 7 /* a GSL error or a broken invariant                 */
};

/* Record a message (printf format) and return status. */
int ihg_error_set(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record "path:line:column: message" and return status.  line and column
 * are 1-based; pass 0 for both when the position is unknown, which gives
 * "path: message". */
int ihg_error_at(int status, const char *path, unsigned long line,
                 unsigned long column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The last recorded message ("" when none). */
const char *ihg_error_message(void);
int ihg_error_status(void);
void ihg_error_clear(void);

/* Replace GSL's aborting error handler with one that records the message,
 * so a GSL failure returns an error status instead of killing the process
 * (and leaving the terminal raw). */
void ihg_error_install_gsl_handler(void);

/* Breakpoint target: called with every recorded message. */
void ihg_error_record(int status, const char *message);

#endif
