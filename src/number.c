/* number.c - decimal syntax and locale-independent conversion (number.h). */
#define _POSIX_C_SOURCE 200809L /* newlocale, uselocale */
#include "number.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

int ihg_decimal_syntax(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    if (len == 0)
        return 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t ed = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (ed == 0)
            return 0;
    }
    return i == len;
}

double ihg_strtod_c(const char *s, char **end)
{
    /* made once and kept for the process's life */
    static locale_t c_numeric;
    if (!c_numeric)
        c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_numeric ? uselocale(c_numeric) : (locale_t)0;
    double v = strtod(s, end);
    if (c_numeric)
        uselocale(old);
    return v;
}

char *ihg_format_above(char *buf, size_t size, double x, double bound)
{
    for (int digits = 3; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, x);
        if (ihg_strtod_c(buf, NULL) > bound)
            return buf;
    }
    snprintf(buf, size, "%.17g + %.2g", bound, x - bound);
    return buf;
}
