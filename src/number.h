/* number.h - decimal numbers in experiment and data files.
 *
 * Both the YAML loader and the CSV reader accept the same plain decimals,
 * [+-] digits [. digits] [(e|E) [+-] digits] (at least one mantissa digit),
 * and convert them in the C locale: "1.5" must not depend on LC_NUMERIC
 * (the explorer calls setlocale for the terminal).
 */
#ifndef IHG_NUMBER_H
#define IHG_NUMBER_H

#include <stddef.h>

/* 1 when s[0..len) is such a decimal, 0 otherwise. */
int ihg_decimal_syntax(const char *s, size_t len);

/* strtod in the C locale. */
double ihg_strtod_c(const char *s, char **end);

/* x > bound printed with the fewest significant digits, at least 3, that
 * still read as more than bound ("1.02", "1.0000002"), so a message never
 * says "1 > 1"; when even 17 digits do not (x within rounding of bound),
 * "BOUND + X-BOUND" ("2 + 2.2e-16").  Returns buf. */
char *ihg_format_above(char *buf, size_t size, double x, double bound);

#endif
