/* canvas.c - the in-memory screen (see canvas.h). */
#include "canvas.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ihg_canvas *ihg_canvas_alloc(int w, int h, int ascii)
{
    ihg_canvas *cv = calloc(1, sizeof *cv);
    if (!cv)
        return NULL;
    cv->ascii = ascii;
    if (ihg_canvas_resize(cv, w, h) != 0) {
        free(cv);
        return NULL;
    }
    return cv;
}

int ihg_canvas_resize(ihg_canvas *cv, int w, int h)
{
    ihg_cell *cells;
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    cells = malloc((size_t)w * (size_t)h * sizeof *cells);
    if (!cells)
        return -1;
    free(cv->cells);
    cv->cells = cells;
    cv->w = w;
    cv->h = h;
    ihg_canvas_clear(cv);
    return 0;
}

void ihg_canvas_free(ihg_canvas *cv)
{
    if (!cv)
        return;
    free(cv->cells);
    free(cv);
}

void ihg_canvas_clear(ihg_canvas *cv)
{
    size_t i, n = (size_t)cv->w * (size_t)cv->h;
    for (i = 0; i < n; i++) {
        cv->cells[i].ch = L' ';
        cv->cells[i].role = IHG_ROLE_NORMAL;
        cv->cells[i].fg = cv->cells[i].bg = 0;
    }
}

void ihg_canvas_set(ihg_canvas *cv, int x, int y, wchar_t ch, int role)
{
    ihg_cell *c;
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
        return;
    if (cv->ascii && (ch < 32 || ch > 126))
        ch = L'?';
    c = &cv->cells[(size_t)y * cv->w + x];
    c->ch = ch;
    c->role = (unsigned char)role;
    c->fg = c->bg = 0;
}

void ihg_canvas_set_grey(ihg_canvas *cv, int x, int y, wchar_t ch, int fg, int bg)
{
    ihg_cell *c;
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
        return;
    ihg_canvas_set(cv, x, y, ch, IHG_ROLE_NORMAL);
    c = &cv->cells[(size_t)y * cv->w + x];
    c->fg = (unsigned char)(fg >= 232 && fg <= 255 ? fg : 0);
    c->bg = (unsigned char)(bg >= 232 && bg <= 255 ? bg : 0);
}

void ihg_canvas_role(ihg_canvas *cv, int x, int y, int role)
{
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
        return;
    cv->cells[(size_t)y * cv->w + x].role = (unsigned char)role;
}

ihg_cell ihg_canvas_get(const ihg_canvas *cv, int x, int y)
{
    ihg_cell none = {L'\0', 0, 0, 0};
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
        return none;
    return cv->cells[(size_t)y * cv->w + x];
}

void ihg_canvas_fill(ihg_canvas *cv, ihg_rect r, wchar_t ch, int role)
{
    int x, y;
    for (y = r.y; y < r.y + r.h; y++)
        for (x = r.x; x < r.x + r.w; x++)
            ihg_canvas_set(cv, x, y, ch, role);
}

int ihg_utf8_decode(const char *s, wchar_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int n, i;
    unsigned long v;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if ((u[0] & 0xE0) == 0xC0) {
        n = 2;
        v = u[0] & 0x1F;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3;
        v = u[0] & 0x0F;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4;
        v = u[0] & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return i;
        }
        v = (v << 6) | (u[i] & 0x3F);
    }
    *cp = (wchar_t)v;
    return n;
}

int ihg_text_width(const char *s)
{
    int n = 0;
    wchar_t cp;
    while (*s) {
        s += ihg_utf8_decode(s, &cp);
        n++;
    }
    return n;
}

int ihg_canvas_text(ihg_canvas *cv, int x, int y, int max_w, int role,
                    const char *s)
{
    int n = 0;
    wchar_t cp;
    if (!s)
        return 0;
    while (*s && n < max_w) {
        s += ihg_utf8_decode(s, &cp);
        if (cp == L'\n' || cp == L'\t')
            cp = L' ';
        ihg_canvas_set(cv, x + n, y, cp, role);
        n++;
    }
    return n;
}

int ihg_canvas_printf(ihg_canvas *cv, int x, int y, int max_w, int role,
                      const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ihg_canvas_text(cv, x, y, max_w, role, buf);
}

void ihg_canvas_box(ihg_canvas *cv, ihg_rect r, int role, const char *title,
                    int title_role)
{
    int x, y;
    wchar_t hz = cv->ascii ? L'-' : 0x2500, vt = cv->ascii ? L'|' : 0x2502;
    wchar_t tl = cv->ascii ? L'+' : 0x256D, tr = cv->ascii ? L'+' : 0x256E;
    wchar_t bl = cv->ascii ? L'+' : 0x2570, br = cv->ascii ? L'+' : 0x256F;
    if (r.w < 2 || r.h < 2)
        return;
    for (x = r.x + 1; x < r.x + r.w - 1; x++) {
        ihg_canvas_set(cv, x, r.y, hz, role);
        ihg_canvas_set(cv, x, r.y + r.h - 1, hz, role);
    }
    for (y = r.y + 1; y < r.y + r.h - 1; y++) {
        ihg_canvas_set(cv, r.x, y, vt, role);
        ihg_canvas_set(cv, r.x + r.w - 1, y, vt, role);
    }
    ihg_canvas_set(cv, r.x, r.y, tl, role);
    ihg_canvas_set(cv, r.x + r.w - 1, r.y, tr, role);
    ihg_canvas_set(cv, r.x, r.y + r.h - 1, bl, role);
    ihg_canvas_set(cv, r.x + r.w - 1, r.y + r.h - 1, br, role);
    if (title && r.w > 4) {
        int n;
        ihg_canvas_set(cv, r.x + 1, r.y, L' ', title_role);
        n = ihg_canvas_text(cv, r.x + 2, r.y, r.w - 4, title_role, title);
        ihg_canvas_set(cv, r.x + 2 + n, r.y, L' ', title_role);
    }
}

char *ihg_canvas_row_utf8(const ihg_canvas *cv, int y)
{
    char *out = malloc((size_t)cv->w * 4 + 1), *p = out;
    int x;
    if (!out)
        return NULL;
    for (x = 0; x < cv->w; x++) {
        unsigned long c = (unsigned long)ihg_canvas_get(cv, x, y).ch;
        if (c < 0x80) {
            *p++ = (char)c;
        } else if (c < 0x800) {
            *p++ = (char)(0xC0 | (c >> 6));
            *p++ = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *p++ = (char)(0xE0 | (c >> 12));
            *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *p++ = (char)(0x80 | (c & 0x3F));
        } else {
            *p++ = (char)(0xF0 | (c >> 18));
            *p++ = (char)(0x80 | ((c >> 12) & 0x3F));
            *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *p++ = (char)(0x80 | (c & 0x3F));
        }
    }
    *p = '\0';
    return out;
}
