/* test_layout.c - every pane of every shipped experiment laid out at the
 * sizes a projector gives (80x24, 100x32, 120x40, 200x60), through the
 * renderer, without a terminal.
 *
 * For each experiment (and the built-in lesson) after two outer steps
 * (one for the 1.8M-hyperparameter run) and its comparison, each size is
 * rendered plain, with each pane zoomed, on a linear axis, with accuracy
 * (classifiers), with the help shown, and once in ASCII.  Checked:
 *   - no text is cut at its width or the screen's edge, and no text is
 *     written over other text (the canvas audit, canvas.h);
 *   - every pane's border is whole, its title and legend keep a blank and
 *     a border cell before each corner, and the column inside each side
 *     is blank;
 *   - every number on screen that holds a point or an exponent is one the
 *     renderer formatted, whole, and it reads back as the value it stands
 *     for to the digits shown (a cut "4.08e-1" of 4.08e-16 would not).
 * Experiments that need Fashion-MNIST are skipped when it is absent.
 */
#define _POSIX_C_SOURCE 200809L
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "../src/config.h"
#include "../src/error.h"
#include "../src/lesson.h"
#include "canvas.h"
#include "check.h"
#include "controller.h"
#include "layout.h"
#include "view.h"

static const int sizes[][2] = {{80, 24}, {100, 32}, {120, 40}, {200, 60}};

/* ---- checks of one frame ------------------------------------------------- */

static int ascii_mode;
/* border lines ('-' is also text in ASCII: there only the corners are
 * checked) */
static int is_h(wchar_t c) { return c == 0x2500 || (ascii_mode && c == L'-'); }
static int is_v(wchar_t c) { return c == 0x2502 || (ascii_mode && c == L'|'); }

/* one border row (top or bottom) of r: corners, and text in it (title,
 * legend) with a blank on both sides and a border cell before each
 * corner */
static int border_row_ok(const ihg_canvas *cv, ihg_rect r, int y, char *why, size_t size)
{
    int x;
    wchar_t l = ihg_canvas_get(cv, r.x + 1, y).ch, rr = ihg_canvas_get(cv, r.x + r.w - 2, y).ch;
    if (!is_h(rr)) {
        snprintf(why, size, "row %d: text reaches the corner at column %d", y, r.x + r.w - 2);
        return 0;
    }
    if (!is_h(l) && l != L' ') {
        snprintf(why, size, "row %d: text reaches the corner at column %d", y, r.x + 1);
        return 0;
    }
    for (x = r.x + 2; x < r.x + r.w - 2 && !ascii_mode; x++) {
        wchar_t c = ihg_canvas_get(cv, x, y).ch, prev = ihg_canvas_get(cv, x - 1, y).ch;
        /* text starts after a blank that follows the border line */
        if (!is_h(c) && c != L' ' && is_h(prev)) {
            snprintf(why, size, "row %d: text touches the border line at column %d", y, x);
            return 0;
        }
        if (!is_h(c) && c != L' ' && is_h(ihg_canvas_get(cv, x + 1, y).ch)) {
            snprintf(why, size, "row %d: text runs into the border line at column %d", y, x);
            return 0;
        }
    }
    return 1;
}

static int pane_ok(const ihg_canvas *cv, ihg_rect r, char *why, size_t size)
{
    int y;
    for (y = r.y + 1; y < r.y + r.h - 1; y++) {
        if (!is_v(ihg_canvas_get(cv, r.x, y).ch) ||
            !is_v(ihg_canvas_get(cv, r.x + r.w - 1, y).ch)) {
            snprintf(why, size, "row %d: a side of the border is overwritten", y);
            return 0;
        }
        if (ihg_canvas_get(cv, r.x + 1, y).ch != L' ' ||
            ihg_canvas_get(cv, r.x + r.w - 2, y).ch != L' ') {
            snprintf(why, size, "row %d: the column inside the border is not blank", y);
            return 0;
        }
    }
    return border_row_ok(cv, r, r.y, why, size) &&
           border_row_ok(cv, r, r.y + r.h - 1, why, size);
}

/* significant digits of a number's text (its mantissa) */
static int shown_digits(const char *t)
{
    int n = 0, lead = 1;
    for (; *t && *t != 'e' && *t != 'E'; t++) {
        if (*t < '0' || *t > '9')
            continue;
        if (lead && *t == '0')
            continue;
        lead = 0;
        n++;
    }
    return n ? n : 1;
}

/* the text stands for the value to the digits shown */
static int reads_as(const char *text, double value)
{
    char *end;
    double got = strtod(text, &end), tol;
    if (!isfinite(value))
        return 1; /* nan, inf: words */
    if (*end && *end != '%')
        return 0;
    if (strchr(text, '.') && !strchr(text, 'e')) {
        /* fixed decimals: half a unit of the last place */
        const char *dot = strchr(text, '.');
        int dec = (int)strlen(dot + 1);
        tol = 0.5 * pow(10.0, -dec) * (1 + 1e-9);
    } else {
        tol = 0.5 * pow(10.0, 1 - shown_digits(text)) * fabs(value) * (1 + 1e-9);
    }
    return fabs(got - value) <= tol + 1e-300;
}

static int registered(const ihg_audit *a, const char *t, double *value)
{
    int i;
    for (i = 0; i < a->nnum; i++)
        if (strcmp(a->num[i].text, t) == 0) {
            *value = a->num[i].value;
            return 1;
        }
    return 0;
}

/* the numbers of one row; 0 and why at the first bad one */
static int numbers_ok(const ihg_canvas *cv, const ihg_audit *a, int y, char *why, size_t size)
{
    int x = 0;
    while (x < cv->w) {
        wchar_t c = ihg_canvas_get(cv, x, y).ch, before = x ? ihg_canvas_get(cv, x - 1, y).ch : L' ';
        int start = x, point = 0, expo = 0;
        char t[48];
        size_t n = 0;
        double value;
        if (!(c >= L'0' && c <= L'9') ||
            (before < 128 && (iswalnum(before) || before == L'_' || before == L'.'))) {
            x++;
            continue;
        }
        if (before == L'-' && start > 1) {
            wchar_t bb = ihg_canvas_get(cv, start - 2, y).ch;
            if (!(bb < 128 && iswalnum(bb)))
                t[n++] = '-';
        }
        while (x < cv->w && n + 2 < sizeof t) {
            wchar_t d = ihg_canvas_get(cv, x, y).ch;
            if (d >= L'0' && d <= L'9') {
                t[n++] = (char)d;
            } else if (d == L'.' && !point && !expo && x + 1 < cv->w &&
                       ihg_canvas_get(cv, x + 1, y).ch >= L'0' &&
                       ihg_canvas_get(cv, x + 1, y).ch <= L'9') {
                t[n++] = '.';
                point = 1;
            } else if (d == L'e' && !expo && x + 1 < cv->w &&
                       (ihg_canvas_get(cv, x + 1, y).ch == L'-' ||
                        ihg_canvas_get(cv, x + 1, y).ch == L'+' ||
                        (ihg_canvas_get(cv, x + 1, y).ch >= L'0' &&
                         ihg_canvas_get(cv, x + 1, y).ch <= L'9'))) {
                t[n++] = 'e';
                expo = 1;
                if (ihg_canvas_get(cv, x + 1, y).ch != L'-' &&
                    ihg_canvas_get(cv, x + 1, y).ch != L'+') {
                    x++;
                    continue;
                }
                x++;
                t[n++] = (char)ihg_canvas_get(cv, x, y).ch;
            } else {
                break;
            }
            x++;
        }
        t[n] = '\0';
        if (x < cv->w && ihg_canvas_get(cv, x, y).ch < 128 &&
            (iswalpha(ihg_canvas_get(cv, x, y).ch) || ihg_canvas_get(cv, x, y).ch == L'_'))
            continue; /* part of a name: 2D, 28x28 */
        if (!point && !expo)
            continue; /* whole numbers: counts, labels ("Algorithm 3") */
        if (!registered(a, t, &value) && !(t[0] == '-' && registered(a, t + 1, &value))) {
            snprintf(why, size, "row %d col %d: '%s' is no number the renderer formatted "
                                "(cut?)", y, start, t);
            return 0;
        }
        if (t[0] == '-' && !registered(a, t, &value))
            continue; /* a minus sign of the text before a registered number */
        if (!reads_as(t, value)) {
            snprintf(why, size, "row %d col %d: '%s' does not read as %.17g", y, start, t,
                     value);
            return 0;
        }
    }
    return 1;
}

typedef struct {
    const char *name;
    long frames, bad;
} tally;

static void check_frame(tally *tl, ihg_ctl *c, ihg_view *v, int w, int h, int ascii,
                        const char *state)
{
    ihg_canvas *cv = ihg_canvas_alloc(w, h, ascii);
    ihg_audit *a = calloc(1, sizeof *a);
    ihg_plane_frame want;
    ihg_layout lo;
    char why[300] = "";
    int i, ok = 1;
    if (!cv || !a) {
        CHECK(0, "%s %dx%d %s: out of memory", tl->name, w, h, state);
        return;
    }
    cv->grey = 1;
    ascii_mode = ascii;
    memset(&want, 0, sizeof want);
    v->plane_want = &want;
    ihg_render(cv, v, ihg_ctl_display_ctx(c)->available);
    if (want.nx > 0 && ihg_ctl_plane_grid(c, &want) > 0) {
        ihg_display d = v->disp;
        ihg_ctl_view(c, v);
        v->disp = d;
    }
    v->plane_want = NULL;
    ihg_audit_start(a, cv);
    ihg_render(cv, v, ihg_ctl_display_ctx(c)->available);
    if (a->clipped) {
        ok = 0;
        snprintf(why, sizeof why, "%d texts cut, first %s", a->clipped, a->first_clip);
    } else if (a->overlaps) {
        ok = 0;
        snprintf(why, sizeof why, "%d texts written over text, first %s", a->overlaps,
                 a->first_overlap);
    }
    ihg_layout_compute_bar(&lo, w, h, ihg_ctl_display_ctx(c)->available, v->disp.zoom,
                           ihg_render_bar_rows(v, w, h));
    for (i = 0; ok && i < IHG_PANE_COUNT && !v->disp.help && !(v->disp.notes && v->lesson.on);
         i++)
        if (lo.shown[i] && !pane_ok(cv, lo.pane[i], why, sizeof why)) {
            ok = 0;
            snprintf(why + strlen(why), sizeof why - strlen(why), " (pane %d)", i + 1);
        }
    for (i = 0; ok && i < h; i++)
        if (!numbers_ok(cv, a, i, why, sizeof why))
            ok = 0;
    tl->frames++;
    if (!ok) {
        tl->bad++;
        CHECK(0, "%s %dx%d%s %s: %s", tl->name, w, h, ascii ? " ASCII" : "", state, why);
        if (getenv("LAYOUT_SHOW"))
            for (i = 0; i < h; i++) {
                char *row = ihg_canvas_row_utf8(cv, i);
                printf("  |%s|\n", row ? row : "");
                free(row);
            }
    }
    ihg_audit_stop(a, cv);
    free(a);
    ihg_canvas_free(cv);
}

static void check_experiment(const char *path, const char *fashion_dir)
{
    ihg_config cfg;
    ihg_ctl *c;
    ihg_view v;
    tally tl = {path ? strrchr(path, '/') + 1 : "built-in lesson", 0, 0};
    char err[128];
    int s, z, st;
    const ihg_display_ctx *x;
    long outer;
    if (path) {
        FILE *f = fopen(path, "r");
        char line[512];
        int images = 0;
        while (f && fgets(line, sizeof line, f))
            if (strstr(line, "images:") && !strchr(line, '#'))
                images = 1;
        if (f)
            fclose(f);
        if (images) {
            char probe[4096];
            snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte.gz", fashion_dir);
            f = fopen(probe, "r");
            if (!f) {
                printf("SKIP: %s: no Fashion-MNIST at %s\n", tl.name, fashion_dir);
                return;
            }
            fclose(f);
        }
        st = ihg_config_load(&cfg, path, NULL);
    } else {
        st = ihg_config_load_string(&cfg, "<built-in>", ihg_default_experiment,
                                    strlen(ihg_default_experiment), NULL);
    }
    if (st != IHG_OK) {
        CHECK(0, "%s: loads (%s)", tl.name, ihg_error_message());
        return;
    }
    c = ihg_ctl_alloc(&cfg);
    if (!c) {
        CHECK(0, "%s: controller (%s)", tl.name, ihg_error_message());
        ihg_config_free(&cfg);
        return;
    }
    x = ihg_ctl_display_ctx(c);
    ihg_ctl_settle(c, 1L << 40);
    outer = ihg_session_model(ihg_ctl_session(c))->P > 100000 ? 1 : 2;
    ihg_ctl_do(c, outer == 1 ? "outer 1" : "outer 2", err, sizeof err);
    ihg_ctl_settle(c, 1L << 40);
    for (s = 0; s < (int)(sizeof sizes / sizeof sizes[0]); s++) {
        int w = sizes[s][0], h = sizes[s][1];
        ihg_ctl_view(c, &v);
        check_frame(&tl, c, &v, w, h, 0, "plain");
        for (z = 0; z < IHG_PANE_COUNT; z++) {
            char st_name[32];
            if (!x->available[z])
                continue;
            ihg_ctl_view(c, &v);
            v.disp.focus = v.disp.zoom = z;
            snprintf(st_name, sizeof st_name, "pane %d zoomed", z + 1);
            check_frame(&tl, c, &v, w, h, 0, st_name);
        }
        ihg_ctl_view(c, &v);
        v.disp.log_y = 0;
        check_frame(&tl, c, &v, w, h, 0, "linear axis");
        if (x->classifier) {
            ihg_ctl_view(c, &v);
            v.disp.show_acc = 1;
            check_frame(&tl, c, &v, w, h, 0, "accuracy");
        }
        if (x->images) {
            ihg_ctl_view(c, &v);
            v.disp.img_minmax = 1;
            v.disp.zoom = IHG_PANE_2D;
            check_frame(&tl, c, &v, w, h, 0, "images min..max");
        }
        ihg_ctl_view(c, &v);
        v.disp.help = 1;
        check_frame(&tl, c, &v, w, h, 0, "help");
        ihg_ctl_view(c, &v);
        check_frame(&tl, c, &v, w, h, 1, "plain");
    }
    CHECK(tl.bad == 0, "%s: %ld frames laid out honestly at 80x24 .. 200x60", tl.name,
          tl.frames);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* A lesson: each slide after its actions, and after its reveal; its
 * notes over the panes; the caption bar never cut, never over a pane. */
static void check_lesson(const char *path)
{
    ihg_lesson l;
    tally tl = {strrchr(path, '/') + 1, 0, 0};
    ihg_view v;
    char err[128];
    if (ihg_lesson_load(&l, path, NULL) != IHG_OK) {
        CHECK(0, "%s: loads (%s)", tl.name, ihg_error_message());
        return;
    }
    ihg_ctl *c = ihg_ctl_alloc_lesson(&l, 0);
    if (!c) {
        CHECK(0, "%s: controller (%s)", tl.name, ihg_error_message());
        ihg_lesson_free(&l);
        return;
    }
    for (size_t i = 0; i < l.n_slides; i++) {
        char cmd[32], st_name[64];
        snprintf(cmd, sizeof cmd, "slide %zu", i + 1);
        ihg_ctl_do(c, cmd, err, sizeof err);
        ihg_ctl_settle(c, 1L << 40);
        for (int s = 0; s < (int)(sizeof sizes / sizeof sizes[0]); s++) {
            int w = sizes[s][0], h = sizes[s][1];
            ihg_ctl_view(c, &v);
            snprintf(st_name, sizeof st_name, "slide %zu", i + 1);
            check_frame(&tl, c, &v, w, h, 0, st_name);
            ihg_ctl_view(c, &v);
            v.disp.notes = 1;
            snprintf(st_name, sizeof st_name, "slide %zu notes", i + 1);
            check_frame(&tl, c, &v, w, h, 0, st_name);
        }
        if (l.slides[i].question) {
            ihg_ctl_do(c, "choice 1", err, sizeof err);
            ihg_ctl_do(c, "reveal", err, sizeof err);
            ihg_ctl_settle(c, 1L << 40);
            for (int s = 0; s < (int)(sizeof sizes / sizeof sizes[0]); s++) {
                char st2[64];
                ihg_ctl_view(c, &v);
                snprintf(st2, sizeof st2, "slide %zu revealed", i + 1);
                check_frame(&tl, c, &v, sizes[s][0], sizes[s][1], 0, st2);
            }
        }
    }
    CHECK(tl.bad == 0, "%s: %ld frames of its slides laid out honestly at 80x24 .. 200x60",
          tl.name, tl.frames);
    ihg_ctl_free(c);
    ihg_lesson_free(&l);
}

int main(void)
{
    const char *top = getenv("top_srcdir"), *fd = getenv("FASHION_DIR");
    char pattern[4096];
    glob_t g;
    size_t i;
    ihg_error_install_gsl_handler();
    if (!fd || !*fd)
        fd = "/usr/share/datasets/fashion-mnist";
    check_experiment(NULL, fd);
    snprintf(pattern, sizeof pattern, "%s/experiments/*.yaml", top && *top ? top : ".");
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (i = 0; i < g.gl_pathc; i++) {
            if (!ihg_lesson_file(g.gl_pathv[i]))
                check_experiment(g.gl_pathv[i], fd);
            else if (!strstr(g.gl_pathv[i], "lesson_millions")) /* its steps take a minute */
                check_lesson(g.gl_pathv[i]);
        }
        globfree(&g);
    } else {
        CHECK(0, "experiments found at %s", pattern);
    }
    return check_summary();
}
