/* test_chart.c - chart rendering and layout, without a terminal.
 *
 * Charts draw into an in-memory canvas, so every cell can be checked:
 * braille dot bits, axis ticks and labels, log scaling, the ASCII
 * fallback, bars, and the pane rectangles for several terminal sizes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "chart.h"
#include "check.h"
#include "layout.h"
#include "view.h"
#include "../src/idx.h"

static int is_braille(wchar_t c) { return c >= 0x2800 && c <= 0x28FF; }

static int row_contains(const ihg_canvas *cv, int y, const char *s)
{
    char *row = ihg_canvas_row_utf8(cv, y);
    int ok = row && strstr(row, s) != NULL;
    free(row);
    return ok;
}

static void test_braille_bits(void)
{
    CHECK(ihg_braille_bit(0, 0) == 0x01 && ihg_braille_bit(0, 1) == 0x02 &&
              ihg_braille_bit(0, 2) == 0x04 && ihg_braille_bit(0, 3) == 0x40,
          "braille: left column dots 1,2,3,7");
    CHECK(ihg_braille_bit(1, 0) == 0x08 && ihg_braille_bit(1, 1) == 0x10 &&
              ihg_braille_bit(1, 2) == 0x20 && ihg_braille_bit(1, 3) == 0x80,
          "braille: right column dots 4,5,6,8");
    CHECK(ihg_braille_bit(2, 0) == 0 && ihg_braille_bit(0, 4) == 0,
          "braille: out-of-cell dots have no bit");
    {
        ihg_canvas *cv = ihg_canvas_alloc(4, 2, 0);
        ihg_dots d;
        ihg_dots_init(&d, (ihg_rect){1, 0, 2, 2}, 0);
        CHECK(d.dw == 4 && d.dh == 8, "dots: 2x4 per cell (got %dx%d)", d.dw, d.dh);
        ihg_dots_set(&d, 0, 0, IHG_ROLE_TRAIN, 0);
        ihg_dots_set(&d, 1, 3, IHG_ROLE_TRAIN, 0);
        ihg_dots_set(&d, 3, 7, IHG_ROLE_VAL, 0);
        ihg_dots_set(&d, 4, 0, IHG_ROLE_VAL, 0);  /* outside: ignored */
        ihg_dots_blit(&d, cv);
        CHECK(ihg_canvas_get(cv, 1, 0).ch == 0x2800 + 0x01 + 0x80,
              "dots: (0,0)+(1,3) -> U+2881 (got U+%04X)",
              (unsigned)ihg_canvas_get(cv, 1, 0).ch);
        CHECK(ihg_canvas_get(cv, 2, 1).ch == 0x2800 + 0x80 &&
                  ihg_canvas_get(cv, 2, 1).role == IHG_ROLE_VAL,
              "dots: (3,7) -> U+2880 in the second row, with its role");
        CHECK(ihg_canvas_get(cv, 0, 0).ch == L' ' && ihg_canvas_get(cv, 3, 0).ch == L' ',
              "dots: nothing drawn outside the rectangle");
        ihg_dots_free(&d);
        ihg_canvas_free(cv);
    }
    {
        ihg_canvas *cv = ihg_canvas_alloc(3, 1, 0);
        ihg_dots d;
        int x;
        ihg_dots_init(&d, (ihg_rect){0, 0, 3, 1}, 0);
        ihg_dots_line(&d, 0, 3, 5, 3, IHG_ROLE_TRAIN, 0);
        ihg_dots_blit(&d, cv);
        for (x = 0; x < 3; x++)
            CHECK(ihg_canvas_get(cv, x, 0).ch == 0x2800 + 0x40 + 0x80,
                  "line: horizontal bottom line fills dots 7 and 8 of cell %d", x);
        /* a line from far above to far below: clamped to the canvas, so it
         * ends quickly and fills exactly the left dot column of cell 0 */
        ihg_dots_line(&d, 0, -100000000, 0, 100000000, IHG_ROLE_VAL, 0);
        ihg_dots_blit(&d, cv);
        CHECK(ihg_canvas_get(cv, 0, 0).ch == 0x2800 + 0x01 + 0x02 + 0x04 + 0x40 + 0x80 &&
                  ihg_canvas_get(cv, 1, 0).ch == 0x2800 + 0x40 + 0x80 &&
                  ihg_canvas_get(cv, 2, 0).ch == 0x2800 + 0x40 + 0x80,
              "line: huge coordinates clamped: the left dot column of cell 0 filled, "
              "nothing else (U+%04X U+%04X)",
              (unsigned)ihg_canvas_get(cv, 0, 0).ch, (unsigned)ihg_canvas_get(cv, 1, 0).ch);
        ihg_dots_free(&d);
        ihg_canvas_free(cv);
    }
}

static void test_linear_chart(void)
{
    ihg_canvas *cv = ihg_canvas_alloc(40, 12, 0);
    double y[11];
    int i, x, yy, all_braille = 1, n_dots = 0;
    ihg_chart c;
    ihg_chart_geom g;
    ihg_series s = {0};
    for (i = 0; i <= 10; i++)
        y[i] = i;
    s.y = y;
    s.n = 11;
    s.role = IHG_ROLE_TRAIN;
    s.label = "train";
    ihg_chart_init(&c);
    c.xlabel = "outer step";
    c.ylabel = "loss";
    ihg_chart_draw(cv, (ihg_rect){0, 0, 40, 12}, &c, &s, 1, &g);
    CHECK(g.ok, "linear: chart drawn");
    CHECK(g.ymin == 0 && g.ymax == 10, "linear: y range rounded to ticks [0, 10] (got [%g, %g])",
          g.ymin, g.ymax);
    CHECK(g.xmin == 0 && g.xmax == 10, "linear: x range [0, 10]");
    CHECK(g.plot.y == 1 && g.plot.h == 10, "linear: header row and x-tick row reserved");
    CHECK(g.dots_x == 2 * g.plot.w && g.dots_y == 4 * g.plot.h, "linear: braille resolution");
    {
        int glyphs = 0;
        for (yy = g.plot.y; yy < g.plot.y + g.plot.h; yy++)
            for (x = g.plot.x; x < g.plot.x + g.plot.w; x++) {
                wchar_t ch = ihg_canvas_get(cv, x, yy).ch;
                if (ch == 0x25CF)
                    glyphs++;
                else if (ch != L' ') {
                    n_dots++;
                    if (!is_braille(ch))
                        all_braille = 0;
                }
            }
        CHECK(all_braille && n_dots > 0,
              "linear: plot area holds braille cells (%d) and the series' glyph", n_dots);
        /* 11 points over 37 cells: a glyph about every 8 cells */
        CHECK(glyphs >= 3 && glyphs <= 6, "linear: the series' glyph every few cells (%d)",
              glyphs);
    }
    {
        ihg_cell bl = ihg_canvas_get(cv, g.plot.x, g.plot.y + g.plot.h - 1);
        ihg_cell tr = ihg_canvas_get(cv, g.plot.x + g.plot.w - 1, g.plot.y);
        CHECK(bl.ch == 0x25CF || (is_braille(bl.ch) && ((bl.ch - 0x2800) & 0x40)),
              "linear: first point at the bottom-left cell (U+%04X)", (unsigned)bl.ch);
        CHECK(is_braille(tr.ch) && ((tr.ch - 0x2800) & 0x08),
              "linear: last point at the top-right dot (U+%04X)", (unsigned)tr.ch);
        CHECK(bl.role == IHG_ROLE_TRAIN, "linear: the series' role is kept");
    }
    CHECK(ihg_canvas_get(cv, g.plot.x - 1, g.plot.y + 2).ch == 0x2502 ||
              ihg_canvas_get(cv, g.plot.x - 1, g.plot.y + 2).ch == 0x2524,
          "linear: y axis line left of the plot");
    CHECK(row_contains(cv, g.plot.y, "10") && row_contains(cv, g.plot.y + g.plot.h - 1, "0"),
          "linear: y tick labels 10 at the top, 0 at the bottom");
    CHECK(row_contains(cv, 11, "outer step"), "linear: x label on the tick row");
    CHECK(row_contains(cv, 11, "0") && row_contains(cv, 11, "5"), "linear: x tick labels 0 and 5");
    CHECK(row_contains(cv, 0, "loss"), "linear: y label in the header");
    CHECK(row_contains(cv, 0, "train"), "linear: legend names the series");
    ihg_canvas_free(cv);
}

static void test_log_chart(void)
{
    ihg_canvas *cv = ihg_canvas_alloc(30, 10, 0);
    double y[5] = {1, 10, 100, 1000, 10000}, z[4] = {-1, 0, NAN, 1e2};
    ihg_chart c;
    ihg_chart_geom g;
    ihg_series s[2] = {{0}, {0}};
    int d0, d1, d2, d4;
    s[0].y = y;
    s[0].n = 5;
    s[0].role = IHG_ROLE_NEUMANN;
    s[1].y = z;
    s[1].n = 4;
    s[1].role = IHG_ROLE_CG;
    ihg_chart_init(&c);
    c.log_y = 1;
    ihg_chart_draw(cv, (ihg_rect){0, 0, 30, 10}, &c, s, 2, &g);
    CHECK(g.ok && g.ymin == 1 && g.ymax == 10000, "log: range in whole decades [1, 1e4]");
    d0 = ihg_chart_dot_y(&g, 1, 1);
    d1 = ihg_chart_dot_y(&g, 1, 10);
    d2 = ihg_chart_dot_y(&g, 1, 100);
    d4 = ihg_chart_dot_y(&g, 1, 10000);
    CHECK(d0 == g.dots_y - 1 && d4 == 0, "log: 1 at the bottom dot, 1e4 at the top");
    CHECK(abs((d0 - d1) - (d1 - d2)) <= 1, "log: decades equally spaced (%d, %d)", d0 - d1, d1 - d2);
    CHECK(ihg_chart_dot_y(&g, 1, 0) == -1 && ihg_chart_dot_y(&g, 1, -3) == -1,
          "log: zero and negative values are not plotted");
    CHECK(row_contains(cv, g.plot.y, "1e4") && row_contains(cv, g.plot.y + g.plot.h - 1, "1e0"),
          "log: decade labels 1e4 (top) and 1e0 (bottom)");
    ihg_canvas_free(cv);

    /* many decades: labels thinned, never overlapping rows */
    cv = ihg_canvas_alloc(30, 6, 0);
    {
        double w[2] = {1e-16, 1e16};
        ihg_series t = {0};
        t.y = w;
        t.n = 2;
        ihg_chart_draw(cv, (ihg_rect){0, 0, 30, 6}, &c, &t, 1, &g);
        CHECK(g.ok && g.ymin <= 1e-16 && g.ymax >= 1e16, "log: 32 decades fit in 5 rows");
    }
    ihg_canvas_free(cv);
}

/* Series differ without colour; log labels bracket what is drawn; values
 * outside a fixed range are marked; legends keep whole items. */
static void test_chart_teaches(void)
{
    ihg_canvas *cv = ihg_canvas_alloc(40, 12, 0);
    double a[5] = {0.8, 0.4, 0.2, 0.1, 0.07}, b[5] = {0.5, 1e-3, 1e-9, 1e-16, 1e-16};
    ihg_series s[2];
    ihg_chart c;
    ihg_chart_geom g;
    int x, y, up = 0, down = 0;
    char *row;
    memset(s, 0, sizeof s);
    s[0] = (ihg_series){.y = a, .n = 5, .role = IHG_ROLE_NEUMANN, .label = "Neumann",
                        .mark = '*', .glyph = 0x25CF};
    s[1] = (ihg_series){.y = b, .n = 5, .role = IHG_ROLE_CG, .label = "CG", .mark = 'o',
                        .glyph = 0x25C6, .rank = 1};
    ihg_chart_init(&c);
    c.log_y = 1;
    ihg_chart_draw(cv, (ihg_rect){0, 0, 40, 12}, &c, s, 2, &g);
    row = ihg_canvas_row_utf8(cv, 0);
    CHECK(row && strstr(row, "\xe2\x97\x8f Neumann") && strstr(row, "\xe2\x97\x86 CG"),
          "legend: each series with its own mark (\"%s\")", row);
    free(row);
    CHECK(g.ymax == 1 && row_contains(cv, g.plot.y, "1e0"),
          "log labels: the top of the axis (1e0, above 0.8) is labelled");
    CHECK(g.ymin <= 1e-16 && row_contains(cv, g.plot.y + g.plot.h - 1, "1e-16"),
          "log labels: the bottom too (1e-16)");
    ihg_canvas_free(cv);

    /* a fixed range: CG leaves it below, once marked */
    cv = ihg_canvas_alloc(40, 12, 0);
    c.ymin = 1e-3;
    c.ymax = 1;
    ihg_chart_draw(cv, (ihg_rect){0, 0, 40, 12}, &c, s, 2, &g);
    for (y = 0; y < 12; y++)
        for (x = 0; x < 40; x++) {
            wchar_t ch = ihg_canvas_get(cv, x, y).ch;
            up += ch == 0x25B2;
            down += ch == 0x25BC;
        }
    CHECK(down == 1 && up == 0 &&
              ihg_canvas_get(cv, g.plot.x + ihg_chart_dot_x(&g, 2) / 2, g.plot.y + g.plot.h - 1)
                      .ch == 0x25BC,
          "range: where CG leaves the axis below, one mark at the bottom (%d, %d)", down, up);
    ihg_canvas_free(cv);

    /* ASCII and a narrow legend: marks, whole items, the least important
     * dropped first */
    cv = ihg_canvas_alloc(14, 12, 1);
    ihg_chart_init(&c);
    c.log_y = 1;
    ihg_chart_draw(cv, (ihg_rect){0, 0, 14, 12}, &c, s, 2, &g);
    row = ihg_canvas_row_utf8(cv, 0);
    CHECK(row && strstr(row, "* Neumann") && !strstr(row, "o C"),
          "legend: narrow, CG dropped whole, Neumann kept (\"%s\")", row);
    free(row);
    ihg_canvas_free(cv);
}

static void test_fit(void)
{
    char b[64];
    ihg_canvas *cv = ihg_canvas_alloc(20, 1, 0);
    ihg_fit_text(b, sizeof b, "CG 4.08e-16 at K 11", 9, 0);
    CHECK(strcmp(b, "CG\xe2\x80\xa6") == 0, "fit: a number is never cut (\"%s\")", b);
    ihg_fit_text(b, sizeof b, "the series converges", 18, 0);
    CHECK(strcmp(b, "the series\xe2\x80\xa6") == 0, "fit: cut at a blank, ellipsis (\"%s\")",
          b);
    ihg_fit_text(b, sizeof b, "Hyperparameters", 6, 1);
    CHECK(strcmp(b, "Hyper~") == 0, "fit: a long word shortened, ASCII ellipsis (\"%s\")", b);
    ihg_fit_text(b, sizeof b, "1.55e+03", 5, 0);
    CHECK(strcmp(b, "\xe2\x80\xa6") == 0, "fit: a number alone that does not fit: only the "
                                            "ellipsis (\"%s\")", b);
    {
        ihg_item it[4] = {{"name", 3, 0}, {"outer 2/30", 1, 0}, {"K=10", 0, 0},
                          {"inner total 300", 5, 0}};
        char *row;
        ihg_canvas_items(cv, 0, 0, 16, it, 4, "|", 0);
        row = ihg_canvas_row_utf8(cv, 0);
        CHECK(row && strncmp(row, "outer 2/30|K=10", 15) == 0,
              "items: the least important dropped whole, order kept (\"%s\")", row);
        free(row);
    }
    ihg_canvas_free(cv);
}

static void test_ascii_chart(void)
{
    ihg_canvas *cv = ihg_canvas_alloc(30, 10, 1);
    double y[3] = {3, 1, 2}, v[3] = {1, 2, 3};
    ihg_chart c;
    ihg_chart_geom g;
    ihg_series s[2] = {{0}, {0}};
    int x, yy, ascii_only = 1, stars = 0, plus = 0;
    s[0].y = y;
    s[0].n = 3;
    s[0].mark = '*';
    s[0].label = "train";
    s[1].y = v;
    s[1].n = 3;
    s[1].mark = '+';
    s[1].label = "val";
    ihg_chart_init(&c);
    c.xlabel = "outer";
    ihg_chart_draw(cv, (ihg_rect){0, 0, 30, 10}, &c, s, 2, &g);
    CHECK(g.dots_x == g.plot.w && g.dots_y == g.plot.h, "ascii: one point per cell");
    for (yy = 0; yy < 10; yy++)
        for (x = 0; x < 30; x++) {
            wchar_t ch = ihg_canvas_get(cv, x, yy).ch;
            if (ch > 126 || ch < 32)
                ascii_only = 0;
            if (ch == '*')
                stars++;
            if (ch == '+')
                plus++;
        }
    CHECK(ascii_only, "ascii: every cell is printable ASCII");
    CHECK(stars > 2 && plus > 2, "ascii: series drawn with their marks (%d '*', %d '+')", stars, plus);
    CHECK(row_contains(cv, 0, "* train") && row_contains(cv, 0, "+ val"),
          "ascii: legend shows each mark");
    CHECK(ihg_canvas_get(cv, g.plot.x - 1, g.plot.y).ch == '|' ||
              ihg_canvas_get(cv, g.plot.x - 1, g.plot.y).ch == '+',
          "ascii: y axis drawn with '|'");
    ihg_canvas_free(cv);

    cv = ihg_canvas_alloc(10, 1, 1);
    ihg_canvas_text(cv, 0, 0, 10, 0, "\xce\xbb=1 \xe2\x80\x96q\xe2\x80\x96");
    {
        char *row = ihg_canvas_row_utf8(cv, 0);
        CHECK(row && strncmp(row, "?=1 ?q?", 7) == 0, "ascii: non-ASCII text replaced (\"%s\")", row);
        free(row);
    }
    ihg_canvas_free(cv);
}

static void test_small_and_empty(void)
{
    ihg_canvas *cv = ihg_canvas_alloc(20, 5, 0);
    ihg_chart c;
    ihg_chart_geom g;
    ihg_series s = {0};
    double y[1] = {NAN};
    s.y = y;
    s.n = 1;
    ihg_chart_init(&c);
    ihg_chart_draw(cv, (ihg_rect){0, 0, 20, 5}, &c, &s, 1, &g);
    CHECK(!g.ok && row_contains(cv, 2, "no data"), "empty: 'no data yet' instead of a chart");
    y[0] = 5;
    ihg_canvas_clear(cv);
    ihg_chart_draw(cv, (ihg_rect){0, 0, 20, 5}, &c, &s, 1, &g);
    CHECK(g.ok && g.ymax > g.ymin && g.xmax > g.xmin, "single point: ranges widened");
    ihg_chart_draw(cv, (ihg_rect){0, 0, 5, 2}, &c, &s, 1, &g);
    CHECK(!g.ok, "tiny rectangle: nothing drawn, no crash");
    ihg_canvas_free(cv);
}

static void test_helpers(void)
{
    char b[32];
    ihg_canvas *cv;
    CHECK(ihg_nice_step(10, 5) == 2, "nice step 10/5 = 2");
    CHECK(ihg_nice_step(1, 4) == 0.5, "nice step 1/4 = 0.5");
    CHECK(fabs(ihg_nice_step(0.007, 3) - 0.005) < 1e-15, "nice step 0.007/3 = 0.005");
    ihg_format_short(b, sizeof b, 0.000012345, 6);
    CHECK(strlen(b) <= 6, "format_short fits 6 chars (\"%s\")", b);
    ihg_format_short(b, sizeof b, 123456789.0, 5);
    CHECK(strlen(b) <= 5 && strchr(b, 'e'), "format_short large number (\"%s\")", b);
    cv = ihg_canvas_alloc(8, 2, 0);
    ihg_hbar(cv, 0, 0, 4, 0.5, IHG_ROLE_GOOD);
    CHECK(ihg_canvas_get(cv, 0, 0).ch == 0x2588 && ihg_canvas_get(cv, 1, 0).ch == 0x2588 &&
              ihg_canvas_get(cv, 2, 0).ch == L' ',
          "hbar: half of 4 cells = 2 full blocks");
    ihg_hbar(cv, 0, 1, 2, 0.0625, IHG_ROLE_GOOD);
    CHECK(ihg_canvas_get(cv, 0, 1).ch == 0x258F, "hbar: 1/8 block");
    ihg_canvas_free(cv);
    cv = ihg_canvas_alloc(8, 2, 1);
    ihg_canvas_box(cv, (ihg_rect){0, 0, 8, 2}, 0, "T", 0);
    CHECK(ihg_canvas_get(cv, 0, 0).ch == '+' && ihg_canvas_get(cv, 2, 0).ch == 'T',
          "box: ASCII corners and title");
    ihg_canvas_free(cv);
}

static int rects_overlap(ihg_rect a, ihg_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void check_layout(int w, int h, const int *avail, int want_cols)
{
    ihg_layout lo;
    int i, j, area = 0, inside = 1, overlap = 0, n = 0, min_w = 1000, min_h = 1000;
    ihg_layout_compute(&lo, w, h, avail, -1);
    CHECK(!lo.too_small, "layout %dx%d: usable", w, h);
    CHECK(lo.status.y == 0 && lo.hints.y == h - 1 && lo.body.h == h - 2,
          "layout %dx%d: status on top, hints at the bottom", w, h);
    for (i = 0; i < IHG_PANE_COUNT; i++) {
        ihg_rect r = lo.pane[i];
        if (!lo.shown[i])
            continue;
        n++;
        area += r.w * r.h;
        if (r.w < min_w) min_w = r.w;
        if (r.h < min_h) min_h = r.h;
        if (r.x < 0 || r.y < lo.body.y || r.x + r.w > w || r.y + r.h > lo.body.y + lo.body.h)
            inside = 0;
        for (j = i + 1; j < IHG_PANE_COUNT; j++)
            if (lo.shown[j] && rects_overlap(r, lo.pane[j]))
                overlap = 1;
    }
    CHECK(inside && !overlap, "layout %dx%d: panes inside the body, no overlap", w, h);
    CHECK(area == lo.body.w * lo.body.h, "layout %dx%d: panes cover the body (%d of %d cells)",
          w, h, area, lo.body.w * lo.body.h);
    CHECK(lo.cols == want_cols, "layout %dx%d: %d columns (got %d)", w, h, want_cols, lo.cols);
    CHECK(min_w >= 26 && min_h >= 7, "layout %dx%d: every pane at least 26x7 (%dx%d), %d panes",
          w, h, min_w, min_h, n);
}

static void test_layout(void)
{
    int all[IHG_PANE_COUNT] = {1, 1, 1, 1, 1, 1};
    int no2d[IHG_PANE_COUNT] = {1, 1, 1, 1, 1, 0};
    ihg_layout lo;
    char msg[80];
    check_layout(80, 24, all, 2);
    check_layout(80, 24, no2d, 2);
    check_layout(120, 40, all, 2);
    check_layout(200, 60, all, 3);
    check_layout(200, 60, no2d, 3);
    check_layout(333, 99, all, 3);
    ihg_layout_compute(&lo, 200, 60, no2d, -1);
    CHECK(!lo.shown[IHG_PANE_2D] && lo.pane[IHG_PANE_2D].w == 0,
          "layout: 2-D view absent when unavailable");
    ihg_layout_compute(&lo, 120, 40, all, IHG_PANE_NEUMANN);
    CHECK(lo.shown[IHG_PANE_NEUMANN] && !lo.shown[IHG_PANE_LOSS] &&
              lo.pane[IHG_PANE_NEUMANN].w == 120 && lo.pane[IHG_PANE_NEUMANN].h == 38,
          "layout: zoom gives one pane the whole body");
    ihg_layout_compute(&lo, 79, 24, all, -1);
    CHECK(lo.too_small, "layout: 79x24 too small");
    ihg_layout_compute(&lo, 80, 23, all, -1);
    CHECK(lo.too_small, "layout: 80x23 too small");
    ihg_layout_compute(&lo, 60, 20, all, -1);
    CHECK(lo.too_small, "layout: 60x20 too small");
    ihg_layout_too_small_text(msg, sizeof msg, 60, 20, 0);
    CHECK(strcmp(msg, "terminal too small: need 80\xc3\x97" "24, have 60\xc3\x97" "20") == 0,
          "layout: message \"%s\"", msg);
    ihg_layout_too_small_text(msg, sizeof msg, 60, 20, 1);
    CHECK(strcmp(msg, "terminal too small: need 80x24, have 60x20") == 0,
          "layout: ASCII message \"%s\"", msg);
    ihg_layout_compute(&lo, 1, 1, all, -1);
    CHECK(lo.too_small, "layout: 1x1 too small, no crash");
}

static int screen_contains(const ihg_canvas *cv, const char *s)
{
    int y;
    for (y = 0; y < cv->h; y++)
        if (row_contains(cv, y, s))
            return 1;
    return 0;
}

/* A whole frame from a made-up view (no engine): a comparison under way
 * and a Neumann solve with three terms in. */
static void test_frame_live(void)
{
    int avail[IHG_PANE_COUNT] = {1, 1, 1, 1, 1, 0};
    double qn[3] = {0.1, 0.2, 0.3};
    gsl_vector *lam = gsl_vector_calloc(2), *hg = gsl_vector_calloc(2);
    ihg_canvas *cv = ihg_canvas_alloc(120, 40, 0);
    ihg_view v;
    memset(&v, 0, sizeof v);
    v.name = "made-up";
    v.model_kind = "ridge";
    v.P = 3;
    v.n_lambda = 2;
    v.outer_total = 10;
    v.phase = IHG_PHASE_SOLVE;
    v.phase_name = "solve";
    v.prog_done = 3;
    v.prog_total = 10;
    v.method = &ihg_method_neumann;
    v.method_name = "neumann";
    v.terms = 10;
    v.alpha = 0.1;
    v.message = "";
    v.lambda = lam;
    v.hypergrad = hg;
    v.cmp_outer = -1;
    v.disp.focus = IHG_PANE_LOSS;
    v.disp.zoom = -1;
    v.qnorm = qn;
    v.n_qnorm = 3;
    v.vnorm = 0.5;
    ihg_render(cv, &v, avail);
    CHECK(row_contains(cv, 0, "outer 0/10") && row_contains(cv, 0, "Neumann term 3/10"),
          "frame: status bar shows the solve under way");
    CHECK(screen_contains(cv, "Solving for q now (outer step 1), Neumann term 3/10") &&
              screen_contains(cv, "\xe2\x80\x96q_3\xe2\x80\x96 = 0.3") &&
              screen_contains(cv, "0.1 0.2 0.3"),
          "frame: theory pane shows each ||q_j|| as it arrives");
    v.cmp_progress = "Neumann K 12/30";
    ihg_render(cv, &v, avail);
    CHECK(row_contains(cv, 0, "comparing: Neumann K 12/30"),
          "frame: status bar shows the comparison's progress");
    CHECK(screen_contains(cv, "3 Neumann & CG comparing: Neumann K 12/30"),
          "frame: pane 3 title shows the comparison's progress");
    ihg_canvas_resize(cv, 200, 60);
    cv->ascii = 1;
    ihg_render(cv, &v, avail);
    CHECK(screen_contains(cv, "|q_3| = 0.3") && row_contains(cv, 0, "comparing:"),
          "frame: 200x60 ASCII shows the same");
    ihg_canvas_free(cv);
    gsl_vector_free(lam);
    gsl_vector_free(hg);
}

/* ---- the distilled images: grey cells, ASCII ramp, scaling ---------------- */

static void test_image_cells(void)
{
    /* 2 rows x 4 columns: one cell row of 4 half blocks */
    double px[8] = {0, 1.0 / 3, 2.0 / 3, 1, /* top    */
                    1, 2.0 / 3, 1.0 / 3, -5 /* bottom: -5 clamps to 0 */};
    int fg[4] = {232, 240, 247, 255}, bg[4] = {255, 247, 240, 232}, j, ok = 1;
    ihg_canvas *cv = ihg_canvas_alloc(6, 2, 0);
    cv->grey = 1;
    ihg_image_draw(cv, 1, 0, px, 1, 2, 4, 4, 2, 0, 1);
    for (j = 0; j < 4; j++) {
        ihg_cell c = ihg_canvas_get(cv, 1 + j, 0);
        if (c.ch != IHG_HALF_BLOCK || c.fg != fg[j] || c.bg != bg[j])
            ok = 0;
        CHECK(c.ch == IHG_HALF_BLOCK && c.fg == fg[j] && c.bg == bg[j],
              "image 2x4: cell %d is U+2580 fg %d bg %d (got U+%04X fg %d bg %d)", j, fg[j],
              bg[j], (unsigned)c.ch, c.fg, c.bg);
    }
    CHECK(ihg_canvas_get(cv, 0, 0).ch == L' ' && ihg_canvas_get(cv, 5, 0).ch == L' ' &&
              ihg_canvas_get(cv, 0, 0).fg == 0 && ihg_canvas_get(cv, 1, 1).ch == L' ',
          "image 2x4: nothing drawn outside its 4 x 1 cells");
    ihg_canvas_text(cv, 1, 0, 1, IHG_ROLE_NORMAL, "x");
    CHECK(ihg_canvas_get(cv, 1, 0).fg == 0 && ihg_canvas_get(cv, 1, 0).bg == 0,
          "image: text written over a grey cell clears its colours");
    CHECK(ihg_grey_colour(15, 10, 20) == 244 && ihg_grey_colour(10, 10, 20) == 232 &&
              ihg_grey_colour(20, 10, 20) == 255,
          "grey: any [lo, hi] maps to 232..255 (min..max per image)");
    CHECK(ihg_grey_colour(3, 3, 3) == 244 && ihg_grey_colour(NAN, 0, 1) == 232 &&
              ihg_grey_colour(7, 0, 1) == 255,
          "grey: lo = hi is mid grey, NaN black, above hi white");
    ihg_canvas_free(cv);
    (void)ok;

    /* the ASCII ramp: one character per pixel pair, their mean */
    {
        double q[8] = {0, 0, 1, 1, 0, 1, 1, 9};
        const char *want = " +@@";
        int mode;
        for (mode = 0; mode < 3; mode++) {
            /* mode 0: UTF-8 without grey (mono, few colours); 1: ASCII
             * locale with grey; 2: ASCII locale without */
            char *row;
            cv = ihg_canvas_alloc(4, 1, mode > 0);
            cv->grey = mode == 1;
            ihg_image_draw(cv, 0, 0, q, 1, 2, 4, 4, 2, 0, 1);
            row = ihg_canvas_row_utf8(cv, 0);
            CHECK(row && strcmp(row, want) == 0 && ihg_canvas_get(cv, 1, 0).fg == 0,
                  "ascii ramp (mode %d): \"%s\" (want \"%s\")", mode, row, want);
            free(row);
            ihg_canvas_free(cv);
        }
        CHECK(ihg_ascii_shade(0, 0, 0, 1) == ' ' && ihg_ascii_shade(1, 1, 0, 1) == '@' &&
                  ihg_ascii_shade(0.5, 0.5, 0, 1) == '+' &&
                  ihg_ascii_shade(-1, 0.5, 0, 1) == ':',
              "ascii ramp: \" .:-=+*#%%@\" by round(9 t), t the pair's mean");
    }
}

static void test_image_scaling(void)
{
    double px[8] = {0, 1.0 / 3, 2.0 / 3, 1, 1, 2.0 / 3, 1.0 / 3, 0};
    double big[32];
    int i, j, ok = 1;
    ihg_canvas *cv = ihg_canvas_alloc(10, 3, 0);
    ihg_image_grid g;
    cv->grey = 1;
    /* 2x: every source pixel becomes 2 x 2 shown pixels (nearest) */
    ihg_image_draw(cv, 0, 0, px, 1, 2, 4, 8, 4, 0, 1);
    for (j = 0; j < 8; j++) {
        ihg_cell a = ihg_canvas_get(cv, j, 0), b = ihg_canvas_get(cv, j, 1);
        int top = ihg_grey_colour(px[j / 2], 0, 1), bot = ihg_grey_colour(px[4 + j / 2], 0, 1);
        if (a.fg != top || a.bg != top || b.fg != bot || b.bg != bot)
            ok = 0;
    }
    CHECK(ok, "scale 2x: 2x4 image -> 8 cells x 2 rows, each pixel doubled both ways");
    CHECK(ihg_canvas_get(cv, 8, 0).ch == L' ' && ihg_canvas_get(cv, 0, 2).ch == L' ',
          "scale 2x: exactly 8 x 2 cells");
    ihg_canvas_free(cv);

    /* box filter: a 4x8 image shown at 2x4; 2x2 blocks of a checkerboard
     * (mean 0.5) alternate with blocks of ones */
    for (i = 0; i < 4; i++)
        for (j = 0; j < 8; j++)
            big[i * 8 + j] = (j / 2) % 2 == 0 ? (double)((i + j) % 2) : 1.0;
    cv = ihg_canvas_alloc(4, 1, 0);
    cv->grey = 1;
    ihg_image_draw(cv, 0, 0, big, 1, 4, 8, 4, 2, 0, 1);
    ok = 1;
    for (j = 0; j < 4; j++) {
        int want = j % 2 == 0 ? 244 : 255;
        ihg_cell c = ihg_canvas_get(cv, j, 0);
        if (c.fg != want || c.bg != want)
            ok = 0;
    }
    CHECK(ok, "scale 1/2: each shown pixel is the mean of its 2x2 box (244, 255, 244, 255)");
    /* a strided vector (every other element) draws the same */
    {
        double st[64];
        for (i = 0; i < 32; i++) {
            st[2 * i] = big[i];
            st[2 * i + 1] = NAN;
        }
        ihg_canvas_clear(cv);
        ihg_image_draw(cv, 0, 0, st, 2, 4, 8, 4, 2, 0, 1);
        CHECK(ihg_canvas_get(cv, 0, 0).fg == 244 && ihg_canvas_get(cv, 1, 0).fg == 255,
              "image: stride respected");
    }
    ihg_canvas_free(cv);

    /* the grid: 10 images of 28 x 28 */
    CHECK(ihg_image_grid_fit(&g, 1000, 500, 10, 28, 28, 8) && g.tw == 56 && g.th == 56 &&
              g.scale == 2,
          "grid: at most 2x on a huge pane (%dx%d)", g.tw, g.th);
    CHECK(ihg_image_grid_fit(&g, 198, 56, 10, 28, 28, 8) && g.gcols * g.cell_w - 1 <= 198 &&
              g.grows * g.cell_h <= 56 && g.gcols * g.grows >= 10 && g.tw == g.th &&
              g.tw > 28,
          "grid: zoomed 200x60 pane fits %dx%d images of %dx%d, enlarged", g.gcols, g.grows,
          g.tw, g.th);
    CHECK(ihg_image_grid_fit(&g, 64, 27, 10, 28, 28, 8) && g.gcols * g.cell_w - 1 <= 64 &&
              g.grows * g.cell_h <= 27 && g.tw >= 8 && g.tw < 28 && (g.th % 2) == 0,
          "grid: a 64x27 pane shrinks them to %dx%d (%dx%d grid)", g.tw, g.th, g.gcols,
          g.grows);
    CHECK(!ihg_image_grid_fit(&g, 38, 5, 10, 28, 28, 8),
          "grid: 10 images do not fit legibly in 38x5");
    CHECK(ihg_image_grid_fit(&g, 10, 3, 1, 2, 4, 8) && g.tw == 8 && g.th == 4,
          "grid: a small image is enlarged 2x where it fits");
}

static int count_half_blocks(const ihg_canvas *cv)
{
    int x, y, n = 0;
    for (y = 0; y < cv->h; y++)
        for (x = 0; x < cv->w; x++)
            if (ihg_canvas_get(cv, x, y).ch == IHG_HALF_BLOCK &&
                ihg_canvas_get(cv, x, y).fg >= 232)
                n++;
    return n;
}

/* The augmented-images pane: pairs of an image and its augmentation, as
 * many pairs as fit, each pair on one row. */
static void test_frame_augment(void)
{
    int avail[IHG_PANE_COUNT] = {1, 1, 1, 1, 1, 1}, i;
    enum { N = 8, PX = 28 * 28 };
    static double orig[N * PX], aug[N * PX];
    gsl_vector *lam = gsl_vector_calloc(50), *hg = gsl_vector_calloc(50);
    ihg_canvas *cv = ihg_canvas_alloc(200, 60, 0);
    ihg_view v;
    for (i = 0; i < N * PX; i++) {
        orig[i] = (double)(i % 28) / 27.0;
        aug[i] = orig[i] + (i % 5 == 0 ? 0.3 : -0.1);
    }
    memset(&v, 0, sizeof v);
    v.name = "made-up augment";
    v.model_kind = "augment";
    v.P = 7850;
    v.n_lambda = 50;
    v.phase = IHG_PHASE_INNER;
    v.phase_name = "inner";
    v.method = &ihg_method_cg;
    v.method_name = "cg";
    v.message = "";
    v.lambda = lam;
    v.hypergrad = hg;
    v.cmp_outer = -1;
    v.disp.focus = IHG_PANE_LOSS;
    v.disp.zoom = IHG_PANE_2D;
    v.img_rows = v.img_cols = 28;
    v.aug_n = N;
    v.aug_orig = orig;
    v.aug_img = aug;
    v.aug_draw = "now";
    cv->grey = 1;
    ihg_render(cv, &v, avail);
    CHECK(screen_contains(cv, "6 Augmented images") &&
              screen_contains(cv, "now, grey 0..1, ") && screen_contains(cv, "clipped (s)") &&
              screen_contains(cv, "0 aug") && screen_contains(cv, "7 aug"),
          "augment pane: the title says when and how grey, pairs labelled");
    /* 16 images of the same size, each at least 8 x 8 pixels (32 cells) */
    i = count_half_blocks(cv);
    CHECK(i % (2 * N) == 0 && i >= 2 * N * 32,
          "augment pane: %d images in half blocks (%d cells)", 2 * N, i);
    /* unzoomed at 100x32: fewer pairs, or a request for room, never cut */
    ihg_canvas_resize(cv, 100, 32);
    v.disp.zoom = -1;
    ihg_render(cv, &v, avail);
    CHECK(screen_contains(cv, "6 Augmented") &&
              (screen_contains(cv, "0 aug") || screen_contains(cv, "enlarge the terminal")),
          "augment pane at 100x32: pairs or a request for room");
    ihg_canvas_free(cv);
    gsl_vector_free(lam);
    gsl_vector_free(hg);
}

/* The images pane in a whole frame, from a made-up distill view. */
static void test_frame_images(void)
{
    int avail[IHG_PANE_COUNT] = {1, 1, 1, 1, 1, 1}, i;
    gsl_vector *lam = gsl_vector_alloc(10 * 28 * 28), *hg = gsl_vector_calloc(10 * 28 * 28);
    ihg_canvas *cv = ihg_canvas_alloc(200, 60, 0);
    ihg_image_grid g;
    ihg_view v;
    ihg_record rec[2];
    for (i = 0; i < 10 * 28 * 28; i++)
        gsl_vector_set(lam, i, (double)(i % 28) / 27.0 - (i % 97 == 0 ? 0.5 : 0));
    memset(&v, 0, sizeof v);
    memset(rec, 0, sizeof rec);
    for (i = 0; i < 2; i++) {
        rec[i].outer = i + 1;
        rec[i].train_loss = rec[i].val_loss = rec[i].test_loss = 1.0 / (i + 1);
        rec[i].train_acc = 0.5 + 0.5 * i;
        rec[i].val_acc = 0.4 + 0.6 * i;
        rec[i].test_acc = 0.3 + 0.3 * i;
    }
    v.name = "made-up distill";
    v.model_kind = "distill";
    v.P = 7850;
    v.n_lambda = 7840;
    v.outer_done = 2;
    v.outer_total = 10;
    v.phase = IHG_PHASE_INNER;
    v.phase_name = "inner";
    v.method = &ihg_method_cg;
    v.method_name = "cg";
    v.message = "";
    v.lambda = lam;
    v.hypergrad = hg;
    v.hist = rec;
    v.nhist = 2;
    v.cmp_outer = -1;
    v.disp.focus = IHG_PANE_LOSS;
    v.disp.zoom = IHG_PANE_2D;
    v.img_k = 10;
    v.img_rows = v.img_cols = 28;
    v.class_names = ihg_fashion_mnist_classes;
    cv->grey = 1;
    ihg_render(cv, &v, avail);
    CHECK(screen_contains(cv, "6 Distilled images") && screen_contains(cv, "outer 2") &&
              screen_contains(cv, "grey: 0..1, ") && screen_contains(cv, "clipped"),
          "images pane: title names the pane, the outer step and the grey range");
    CHECK(screen_contains(cv, "0 T-shirt/top") && screen_contains(cv, "5 Sandal") &&
              screen_contains(cv, "9 Ankle boot"),
          "images pane: Fashion-MNIST class names under k = 10");
    ihg_image_grid_fit(&g, 198, 56, 10, 28, 28, 8);
    CHECK(count_half_blocks(cv) == 10 * g.tw * g.th / 2,
          "images pane: 10 images of %dx%d pixels in half blocks (%d cells)", g.tw, g.th,
          count_half_blocks(cv));
    v.class_names = NULL;
    v.disp.img_minmax = 1;
    ihg_render(cv, &v, avail);
    CHECK(!screen_contains(cv, "T-shirt") && screen_contains(cv, "grey: min..max per image"),
          "images pane: digits only without Fashion-MNIST; min..max named in the title");
    cv->grey = 0;
    ihg_render(cv, &v, avail);
    CHECK(count_half_blocks(cv) == 0 && screen_contains(cv, "@"),
          "images pane: ASCII ramp without the grey ramp");
    /* unzoomed at 80x24: too small, says so */
    ihg_canvas_resize(cv, 80, 24);
    v.disp.zoom = -1;
    ihg_render(cv, &v, avail);
    CHECK(screen_contains(cv, "enlarge the terminal") && screen_contains(cv, "6 Distilled"),
          "images pane: 80x24 asks to enlarge the terminal or zoom");
    /* accuracy in the losses pane (v) */
    ihg_canvas_resize(cv, 120, 40);
    v.disp.show_acc = 1;
    ihg_render(cv, &v, avail);
    CHECK(screen_contains(cv, "1 Losses [acc] train 1.000 val 1.000 test 0.600") &&
              screen_contains(cv, "val acc") && screen_contains(cv, "test acc") &&
              screen_contains(cv, "accuracy"),
          "losses pane: accuracy view with train/val/test and the last values");
    ihg_canvas_free(cv);
    gsl_vector_free(lam);
    gsl_vector_free(hg);
}

/* The hyperparameter pane above 30 lambdas: exact min/median/max (the
 * median found through bins, not a sort), the histogram and its marker. */
static void test_hyper_summary(void)
{
    int avail[IHG_PANE_COUNT] = {1, 1, 1, 1, 1, 0};
    size_t n = 1001, i;
    gsl_vector *lam = gsl_vector_alloc(n), *hg = gsl_vector_alloc(n);
    ihg_canvas *cv = ihg_canvas_alloc(120, 40, 0);
    ihg_view v;
    memset(&v, 0, sizeof v);
    for (i = 0; i < n; i++) {
        gsl_vector_set(lam, (i * 389) % n, (double)i); /* 0..1000, shuffled */
        gsl_vector_set(hg, i, i < 600 ? 7.0 : (i % 2 ? -1e6 : 1e6));
    }
    gsl_vector_set(hg, 5, NAN); /* not counted */
    v.name = "made-up";
    v.model_kind = "mlp";
    v.P = 5000;
    v.n_lambda = n;
    v.phase_name = "inner";
    v.method_name = "neumann";
    v.message = "";
    v.lambda = lam;
    v.hypergrad = hg;
    v.cmp_outer = -1;
    v.disp.focus = IHG_PANE_HYPER;
    v.disp.zoom = IHG_PANE_HYPER;
    v.point_version = 1;
    ihg_render(cv, &v, avail);
    CHECK(screen_contains(cv, "1001 \xce\xbb: min 0  median 500  max 1e+03"),
          "hyper summary: min, median, max of 0..1000 shuffled");
    CHECK(screen_contains(cv, "hypergradient: min -1e+06  median 7  max 1e+06"),
          "hyper summary: median among many equal values, NaN skipped");
    CHECK(screen_contains(cv, "\xe2\x96\xb2median") && screen_contains(cv, "peak "),
          "hyper histogram: median marker and peak count");
    gsl_vector_set(lam, 0, -5000); /* a new point: derived again */
    v.point_version = 2;
    ihg_render(cv, &v, avail);
    CHECK(screen_contains(cv, "min -5e+03"), "hyper summary: derived again at a new point");
    ihg_canvas_free(cv);
    gsl_vector_free(lam);
    gsl_vector_free(hg);
}

int main(void)
{
    test_braille_bits();
    test_linear_chart();
    test_log_chart();
    test_ascii_chart();
    test_chart_teaches();
    test_fit();
    test_small_and_empty();
    test_helpers();
    test_layout();
    test_frame_live();
    test_image_cells();
    test_image_scaling();
    test_frame_images();
    test_frame_augment();
    test_hyper_summary();
    return check_summary();
}
