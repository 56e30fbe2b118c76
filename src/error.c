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

/* Every message is escaped as it is recorded. */
static void record_text(const char *text)
{
    ihg_escape(error_text, sizeof error_text, text, strlen(text));
}

int ihg_error_set(int status, const char *fmt, ...)
{
    char text[sizeof error_text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    record_text(text);
    error_code = status;
    ihg_error_record(status, error_text);
    return status;
}

int ihg_error_at(int status, const char *path, unsigned long line,
                 unsigned long column, const char *fmt, ...)
{
    char what[768], text[sizeof error_text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(text, sizeof text, "%s:%lu:%lu: %s",
                 path ? path : "<input>", line, column, what);
    else
        snprintf(text, sizeof text, "%s: %s", path ? path : "<input>", what);
    record_text(text);
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

void ihg_error_print(FILE *f)
{
    int located = error_code == IHG_EINVAL || error_code == IHG_EIO ||
                  error_code == IHG_ELIMIT;
    fprintf(f, "%s%s\n", located ? "" : "ihgtui: ", error_text);
}

int ihg_exit_status(int status)
{
    switch (status) {
    case IHG_OK: return 0;
    case IHG_EINVAL:
    case IHG_EIO:
    case IHG_ELIMIT: return 2;
    case IHG_EDIVERGE: return 3;
    default: return 1;
    }
}

/* ---------- escaping ---------- */

/* Length of the valid UTF-8 sequence at s[0..n) and its code point, or 0
 * when s[0] does not start one (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t n, unsigned long *cp)
{
    unsigned long c;
    size_t len;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        c = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        c = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Characters that are printable in a terminal's eyes but reorder, hide or
 * break text: bidirectional controls, zero-width characters, separators. */
static int invisible_format(unsigned long c)
{
    return c == 0x061C || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x2069) ||
           c == 0xFEFF;
}

char *ihg_escape(char *buf, size_t size, const char *s, size_t len)
{
    static const char named[] = "abtnvfr"; /* BEL..CR, 0x07..0x0D */
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;

    if (size == 0)
        return buf;
    while (p && i < len) {
        char piece[16];
        size_t plen, used;
        unsigned long c;
        size_t n = utf8_char(p + i, len - i, &c);
        if (n == 0) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", p[i]);
            used = 1;
        } else if (c == 0x1B) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\e");
            used = 1;
        } else if (c >= 0x07 && c <= 0x0D) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\%c",
                                    named[c - 0x07]);
            used = 1;
        } else if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\x%02lx", c);
            used = n;
        } else if (invisible_format(c)) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\u{%04lx}", c);
            used = n;
        } else {
            memcpy(piece, p + i, n);
            plen = n;
            used = n;
        }
        /* room for this piece and, if more follows, for "..." */
        size_t tail = i + used < len ? 3 : 0;
        if (o + plen + tail >= size) {
            if (o + 3 < size) {
                memcpy(buf + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(buf + o, piece, plen);
        o += plen;
        i += used;
    }
    buf[o] = '\0';
    return buf;
}

int ihg_fputs_escaped(const char *s, FILE *f)
{
    char buf[1024];
    size_t len = s ? strlen(s) : 0, i = 0;
    /* in pieces that end at character boundaries */
    while (i < len) {
        size_t n = len - i > 200 ? 200 : len - i;
        while (n < len - i && n > 1 && ((unsigned char)s[i + n] & 0xC0) == 0x80)
            n--;
        ihg_escape(buf, sizeof buf, s + i, n);
        if (fputs(buf, f) == EOF)
            return EOF;
        i += n;
    }
    return 0;
}
