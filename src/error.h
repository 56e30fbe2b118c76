/* error.h - one place that records what went wrong.
 *
 * Every engine function returns an int status (IHG_OK on success).  When it
 * fails it calls ihg_error_set() (or ihg_error_at() for a position in an
 * input file) once, and the caller reads the message with ihg_error_message().
 * A debugger can break on ihg_error_record() to see every failure.
 *
 * Recorded messages are escaped (ihg_escape below) as they are recorded, so
 * ihg_error_message() can be printed on a terminal as it is, whatever input
 * strings the message quotes.
 */
#ifndef IHG_ERROR_H
#define IHG_ERROR_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum {
    IHG_OK = 0,
    IHG_EINVAL = 1,   /* bad argument or configuration value              */
    IHG_ENOMEM = 2,   /* an allocation failed (out of memory)             */
    IHG_EIO = 3,      /* file missing, unreadable or malformed             */
    IHG_EDIVERGE = 4, /* NaN/inf loss or a diverging series                */
    IHG_ENOTPD = 5,   /* matrix not positive definite (reported, not fatal) */
    IHG_ELIMIT = 6,   /* problem above a method's size limit               */
    IHG_EINTERNAL = 7, /* a GSL error or a broken invariant                */
    IHG_EWRITE = 8     /* an output file cannot be opened or written        */
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

/* Print the last message and a newline on f: as it is when it locates
 * bad input ("FILE:LINE:COLUMN: ..."), after "ihgtui: " otherwise (out of
 * memory, a write error). */
void ihg_error_print(FILE *f);

/* The process exit status for a failure status (man page, EXIT STATUS):
 * 2 for bad input (IHG_EINVAL, IHG_EIO, IHG_ELIMIT), 3 for a divergence,
 * 1 for anything else (out of memory, a write error, an internal error);
 * 0 for IHG_OK. */
int ihg_exit_status(int status);

/* Escaping: every string that comes from an input (file names, YAML
 * values, CSV cells and column names) passes through ihg_escape before it
 * reaches a terminal, so that no byte of an input can move the cursor,
 * retitle the window or clear the screen.  The rules, applied to s[0..len):
 *   ESC as \e; BEL, BS, TAB, LF, VT, FF, CR as \a \b \t \n \v \f \r;
 *   every other C0 control and DEL as \xNN;
 *   C1 controls (U+0080..U+009F, bytes C2 80..C2 9F in UTF-8) as \xNN
 *   (U+009B, CSI, is \x9b);
 *   bytes that are not part of valid UTF-8 (stray continuation bytes,
 *   truncated or overlong sequences, surrogates, beyond U+10FFFF) as \xNN;
 *   invisible format characters that reorder or hide text (U+061C,
 *   U+200B..U+200F, U+2028..U+202E, U+2060..U+2069, U+FEFF) as \u{XXXX};
 *   everything else (printable ASCII, valid UTF-8 text) unchanged.
 * Writes at most size - 1 bytes and a NUL (size > 0); a copy that does not
 * fit ends in "..." at a character boundary.  Returns buf. */
char *ihg_escape(char *buf, size_t size, const char *s, size_t len);

/* ihg_escape of a NUL-terminated string into a buffer of the caller. */
#define IHG_ESCAPE(buf, s) ihg_escape((buf), sizeof(buf), (s), (s) ? strlen(s) : 0)

/* fputs of an escaped copy of s (any length) to f. */
int ihg_fputs_escaped(const char *s, FILE *f);

#endif
