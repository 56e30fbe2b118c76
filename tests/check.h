/* check.h - one line per check, GSL test style.
 *
 *   CHECK(cond, "what")                 pass when cond holds
 *   CHECK_REL(got, want, rtol, "what")  |got - want| <= rtol * max(|want|, tiny)
 *   return check_summary();             exit status 0 iff nothing failed
 *
 * Every line starts with "PASS: " or "FAIL: " so tests/summary.sh can count
 * them across the suite.
 */
#ifndef IHG_CHECK_H
#define IHG_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int check_passed, check_failed;

static void check_report(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), unused));
static void check_report(int ok, const char *fmt, ...)
{
    va_list ap;
    printf("%s: ", ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (ok)
        check_passed++;
    else
        check_failed++;
}

#define CHECK(cond, ...) check_report(!!(cond), __VA_ARGS__)

/* Relative comparison; the scale floor keeps exact zeros comparable. */
static int check_rel(double got, double want, double rtol, double floor_)
    __attribute__((unused));
static int check_rel(double got, double want, double rtol, double floor_)
{
    double scale = fabs(want) > floor_ ? fabs(want) : floor_;
    return isfinite(got) && fabs(got - want) <= rtol * scale;
}

#define CHECK_REL(got, want, rtol, what)                                      \
    do {                                                                      \
        double check_g_ = (got), check_w_ = (want);                           \
        check_report(check_rel(check_g_, check_w_, (rtol), 1e-300),           \
                     "%s: got %.17g want %.17g (rtol %g)", (what), check_g_,  \
                     check_w_, (double)(rtol));                               \
    } while (0)

static int check_summary(void) __attribute__((unused));
static int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
