/* canvas.h - a plain in-memory screen: a grid of wide characters, each with
 * a semantic colour role.
 *
 * Every pane draws into a canvas; crt.c copies the canvas to the terminal.
 * Nothing here touches curses, so charts and layouts can be checked cell by
 * cell without a terminal (tests/test_chart.c) and a frame can be timed.
 */
#ifndef IHG_CANVAS_H
#define IHG_CANVAS_H

#include <stddef.h>
#include <wchar.h>

/* Semantic colour roles; crt.c maps each to colours per theme. */
typedef enum {
    IHG_ROLE_NORMAL = 0,
    IHG_ROLE_DIM,      /* grid lines, secondary text                 */
    IHG_ROLE_TITLE,    /* pane titles                                */
    IHG_ROLE_BORDER,
    IHG_ROLE_FOCUS,    /* border and title of the focused pane       */
    IHG_ROLE_STATUS,   /* status bar                                 */
    IHG_ROLE_KEY,      /* key names in hints and help                */
    IHG_ROLE_AXIS,
    IHG_ROLE_TRAIN,    /* training loss                              */
    IHG_ROLE_VAL,      /* validation loss                            */
    IHG_ROLE_TEST,
    IHG_ROLE_NEUMANN,
    IHG_ROLE_CG,
    IHG_ROLE_PREDICT,  /* predicted envelope rho^(K+1)               */
    IHG_ROLE_EXACT,
    IHG_ROLE_GOOD,     /* inside the stable band, running            */
    IHG_ROLE_WARN,     /* paused, fallbacks                          */
    IHG_ROLE_BAD,      /* divergence, unstable eigenvalues, errors   */
    IHG_ROLE_NUMBER,   /* live numbers in the theory pane            */
    IHG_ROLE_COUNT
} ihg_role;

/* fg, bg: 0, or an xterm-256 colour (232..255, the grey ramp) that
 * overrides the role's colours when the terminal has them (canvas.grey). */
typedef struct {
    wchar_t ch;
    unsigned char role;
    unsigned char fg, bg;
} ihg_cell;

typedef struct ihg_audit ihg_audit;

typedef struct {
    int w, h;
    ihg_cell *cells; /* h rows of w cells */
    ihg_audit *audit; /* tests: what is drawn is checked (NULL: off) */
    int ascii;       /* draw with ASCII only (no braille, no box glyphs) */
    int grey;        /* the screen shows the 24-step grey ramp (xterm
                        colours 232..255): >= 256 colours, colour theme */
} ihg_canvas;

typedef struct {
    int x, y, w, h;
} ihg_rect;

ihg_canvas *ihg_canvas_alloc(int w, int h, int ascii);
/* Resize (contents cleared).  0 on success, -1 on allocation failure. */
int ihg_canvas_resize(ihg_canvas *cv, int w, int h);
void ihg_canvas_free(ihg_canvas *cv);

void ihg_canvas_clear(ihg_canvas *cv);
void ihg_canvas_fill(ihg_canvas *cv, ihg_rect r, wchar_t ch, int role);
void ihg_canvas_set(ihg_canvas *cv, int x, int y, wchar_t ch, int role);
ihg_cell ihg_canvas_get(const ihg_canvas *cv, int x, int y);
/* A cell with explicit grey-ramp colours (fg, bg in 232..255; 0: the
 * role's).  Any other write to the cell clears them. */
void ihg_canvas_set_grey(ihg_canvas *cv, int x, int y, wchar_t ch, int fg, int bg);
/* Set only the role of a cell (highlighting). */
void ihg_canvas_role(ihg_canvas *cv, int x, int y, int role);

/* Write UTF-8 text at (x, y), clipped to max_w cells (and the canvas).
 * In ASCII mode every non-ASCII character becomes '?'.  Returns the number
 * of cells written. */
int ihg_canvas_text(ihg_canvas *cv, int x, int y, int max_w, int role,
                    const char *utf8);
int ihg_canvas_printf(ihg_canvas *cv, int x, int y, int max_w, int role,
                      const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Cells that UTF-8 text would occupy (one per code point). */
int ihg_text_width(const char *utf8);

/* Write text that must not be cut: when it is wider than max_w it is
 * shortened at a blank (never inside a word holding a digit, so a number
 * is shown whole or not at all; a word without digits may be cut) and
 * ends in the ellipsis (U+2026; "~" in ASCII mode).  Returns the cells
 * written. */
int ihg_canvas_fit(ihg_canvas *cv, int x, int y, int max_w, int role, const char *utf8);
int ihg_canvas_fitf(ihg_canvas *cv, int x, int y, int max_w, int role, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The same into a buffer: text shortened to at most max_w cells (with
 * the ellipsis when shortened). */
void ihg_fit_text(char *out, size_t size, const char *utf8, int max_w, int ascii);

/* A line of items, most important first to keep: items are dropped,
 * lowest priority first (the largest number), until the rest fits
 * (joined by sep); if even the items of the highest priority do not fit,
 * the last one is shortened (ihg_canvas_fit).  Items keep their order.
 * Returns the cells written. */
typedef struct {
    const char *text;
    int priority; /* 0 = always kept */
    int role;
} ihg_item;
int ihg_canvas_items(ihg_canvas *cv, int x, int y, int max_w, const ihg_item *items, int n,
                     const char *sep, int sep_role);

/* Checking what is drawn, for tests: text cut at its width or the edge
 * of the canvas (instead of ihg_canvas_fit), text written over other
 * text, and every number formatted by the formatters of chart.h with the
 * value it stands for.  Attach with ihg_audit_start (one at a time); the
 * owner array is the audit's. */
#define IHG_AUDIT_NUMBERS 8192
struct ihg_audit {
    int clipped, overlaps;
    char first_clip[200], first_overlap[200];
    struct {
        char text[32];
        double value;
    } num[IHG_AUDIT_NUMBERS];
    int nnum;
    unsigned *owner; /* per cell: the text write that made it (0: none) */
    int ow, oh;
    unsigned serial;
};
int ihg_audit_start(ihg_audit *a, ihg_canvas *cv);
void ihg_audit_stop(ihg_audit *a, ihg_canvas *cv);
/* Formatters call this (no-op without an audit). */
void ihg_audit_number(const char *text, double value);
/* Text that holds numbers as they were written (a message printed by the
 * engine, a lesson's caption): each whole number in it is registered as
 * the value it reads as. */
void ihg_audit_numbers_in(const char *text);

/* A box around r with an optional title in the top border. */
void ihg_canvas_box(ihg_canvas *cv, ihg_rect r, int role, const char *title,
                    int title_role);

/* Read one code point from UTF-8; returns bytes used (>= 1), *cp set
 * (U+FFFD on malformed input). */
int ihg_utf8_decode(const char *s, wchar_t *cp);

/* Row as a malloc'd UTF-8 string (tests, screen dumps); caller frees. */
char *ihg_canvas_row_utf8(const ihg_canvas *cv, int y);

/* Choose between a Unicode and an ASCII spelling of a label. */
#define IHG_TXT(cv, uni, asc) ((cv)->ascii ? (asc) : (uni))

#endif
