/* error.c - the single place where failures are recorded. */
#include "error.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char error_text[1024];
static int error_code;

void ihg_error_record(int status, const char *message)
{
    (void)status;
    (void)message; /* a debugger breaks here */
}

int ihg_error_set(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_text, sizeof error_text, fmt, ap);
    va_end(ap);
    error_code = status;
    ihg_error_record(status, error_text);
    return status;
}

int ihg_error_at(int status, const char *path, unsigned long line,
                 unsigned long column, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(error_text, sizeof error_text, "%s:%lu:%lu: %s",
                 path ? path : "<input>", line, column, what);
    else
        snprintf(error_text, sizeof error_text, "%s: %s",
                 path ? path : "<input>", what);
    error_code = status;
    ihg_error_record(status, error_text);
    return status;
}

const char *ihg_error_message(void) { return error_text; }
int ihg_error_status(void) { return error_code; }

void ihg_error_clear(void)
{
    error_text[0] = '\0';
    error_code = IHG_OK;
}

static void gsl_handler(const char *reason, const char *file, int line,
                        int gsl_errno)
{
    ihg_error_set(IHG_EINTERNAL, "GSL: %s (%s:%d, code %d)", reason, file,
                  line, gsl_errno);
}

void ihg_error_install_gsl_handler(void)
{
    gsl_set_error_handler(gsl_handler);
}
