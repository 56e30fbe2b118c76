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
    if (cv->audit && cv->audit->owner)
        memset(cv->audit->owner, 0,
               (size_t)cv->audit->ow * (size_t)cv->audit->oh * sizeof *cv->audit->owner);
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
    if (cv->audit && x < cv->audit->ow && y < cv->audit->oh)
        cv->audit->owner[(size_t)y * cv->audit->ow + x] = 0; /* not text */
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

/* ---- the audit (tests) ------------------------------------------------- */

static ihg_audit *audit_now; /* the formatters' (one audit at a time) */

int ihg_audit_start(ihg_audit *a, ihg_canvas *cv)
{
    memset(a, 0, sizeof *a);
    a->owner = calloc((size_t)cv->w * (size_t)cv->h, sizeof *a->owner);
    if (!a->owner)
        return -1;
    a->ow = cv->w;
    a->oh = cv->h;
    cv->audit = a;
    audit_now = a;
    return 0;
}

void ihg_audit_stop(ihg_audit *a, ihg_canvas *cv)
{
    free(a->owner);
    a->owner = NULL;
    cv->audit = NULL;
    audit_now = NULL;
}

void ihg_audit_number(const char *text, double value)
{
    ihg_audit *a = audit_now;
    if (!a || a->nnum >= IHG_AUDIT_NUMBERS)
        return;
    snprintf(a->num[a->nnum].text, sizeof a->num[a->nnum].text, "%s", text);
    a->num[a->nnum].value = value;
    a->nnum++;
}

void ihg_audit_numbers_in(const char *text)
{
    const char *p = text;
    if (!audit_now || !p)
        return;
    while (*p) {
        char tok[32];
        /* tokens between blanks and punctuation; a no-break space (UTF-8
         * c2 a0) ends one too */
        size_t n = strcspn(p, " ,;:()[]=<>/*+|\xc2\xa0");
        if (n > 0 && n < sizeof tok) {
            memcpy(tok, p, n);
            tok[n] = '\0';
            while (n > 0 && strchr(".%?!'\"", tok[n - 1]))
                tok[--n] = '\0';
            char *end;
            double x = strtod(tok, &end);
            if (n > 0 && end && *end == '\0')
                ihg_audit_number(tok, x);
        }
        p += n ? n : 1;
    }
}

static void audit_cell(ihg_canvas *cv, int x, int y, unsigned serial, wchar_t ch,
                       const char *text)
{
    ihg_audit *a = cv->audit;
    size_t i;
    if (x < 0 || y < 0 || x >= a->ow || y >= a->oh)
        return;
    i = (size_t)y * a->ow + x;
    if (serial && a->owner[i] && a->owner[i] != serial && ch != L' ' &&
        cv->cells[i].ch != L' ') {
        if (!a->overlaps++)
            snprintf(a->first_overlap, sizeof a->first_overlap, "(%d,%d) '%s'", x, y, text);
    }
    a->owner[i] = serial;
}

static void audit_clip(ihg_canvas *cv, int x, int y, const char *text)
{
    ihg_audit *a = cv->audit;
    if (!a->clipped++)
        snprintf(a->first_clip, sizeof a->first_clip, "(%d,%d) '%s'", x, y, text);
}

int ihg_canvas_text(ihg_canvas *cv, int x, int y, int max_w, int role,
                    const char *s)
{
    int n = 0;
    wchar_t cp;
    const char *s0 = s;
    unsigned serial = 0;
    if (!s)
        return 0;
    if (cv->audit)
        serial = ++cv->audit->serial;
    while (*s && n < max_w) {
        s += ihg_utf8_decode(s, &cp);
        if (cp == L'\n' || cp == L'\t')
            cp = L' ';
        if (serial)
            audit_cell(cv, x + n, y, serial, cp, s0);
        ihg_canvas_set(cv, x + n, y, cp, role);
        if (serial && x + n >= 0 && x + n < cv->w && y >= 0 && y < cv->h)
            cv->audit->owner[(size_t)y * cv->audit->ow + x + n] = serial;
        n++;
    }
    if (serial && ((*s && max_w > 0) || (n > 0 && (x < 0 || x + n > cv->w || y < 0 ||
                                                   y >= cv->h))))
        audit_clip(cv, x, y, s0);
    return n;
}

/* ---- text that fits ------------------------------------------------------ */

static const char *ellipsis(int ascii) { return ascii ? "~" : "\xe2\x80\xa6"; }

/* byte offset after the first `cells` code points of s */
static size_t prefix_bytes(const char *s, int cells)
{
    const char *p = s;
    wchar_t cp;
    while (*p && cells-- > 0)
        p += ihg_utf8_decode(p, &cp);
    return (size_t)(p - s);
}

void ihg_fit_text(char *out, size_t size, const char *s, int max_w, int ascii)
{
    int w = ihg_text_width(s), cells = 0, cut = -1, word_start = 0, digit = 0;
    const char *p = s;
    wchar_t cp;
    size_t nb;
    if (size == 0)
        return;
    out[0] = '\0';
    if (max_w <= 0)
        return;
    if (w <= max_w) {
        snprintf(out, size, "%s", s);
        return;
    }
    /* the last blank at which the prefix and the ellipsis fit */
    while (*p && cells < max_w) {
        p += ihg_utf8_decode(p, &cp);
        if (cp == L' ') {
            if (cells > 0)
                cut = cells;
            word_start = cells + 1;
            digit = 0;
        } else if (cp >= L'0' && cp <= L'9') {
            digit = 1;
        }
        cells++;
    }
    /* cells = max_w: the ellipsis takes the last cell */
    if (cut > 0 && cut <= max_w - 1) {
        /* drop blanks before the cut */
        nb = prefix_bytes(s, cut);
        while (nb > 0 && s[nb - 1] == ' ')
            nb--;
        snprintf(out, size, "%.*s%s", (int)nb, s, ellipsis(ascii));
        return;
    }
    /* one long first word: cut it unless it holds a digit */
    (void)word_start;
    {
        const char *q = s;
        int has_digit = 0;
        while (*q && *q != ' ') {
            if (*q >= '0' && *q <= '9')
                has_digit = 1;
            q++;
        }
        if (has_digit || digit) {
            snprintf(out, size, "%s", ellipsis(ascii));
            return;
        }
    }
    nb = prefix_bytes(s, max_w - 1);
    snprintf(out, size, "%.*s%s", (int)nb, s, ellipsis(ascii));
}

int ihg_canvas_fit(ihg_canvas *cv, int x, int y, int max_w, int role, const char *s)
{
    char buf[1024];
    if (!s || max_w <= 0)
        return 0;
    if (x + max_w > cv->w)
        max_w = cv->w - x;
    ihg_fit_text(buf, sizeof buf, s, max_w, cv->ascii);
    return ihg_canvas_text(cv, x, y, max_w, role, buf);
}

int ihg_canvas_fitf(ihg_canvas *cv, int x, int y, int max_w, int role, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ihg_canvas_fit(cv, x, y, max_w, role, buf);
}

int ihg_canvas_items(ihg_canvas *cv, int x, int y, int max_w, const ihg_item *items, int n,
                     const char *sep, int sep_role)
{
    int keep[64], i, worst, total, sw = sep ? ihg_text_width(sep) : 0, x0 = x, last = -1;
    if (n > 64)
        n = 64;
    for (i = 0; i < n; i++)
        keep[i] = items[i].text && *items[i].text;
    for (;;) {
        int shown = 0;
        total = 0;
        for (i = 0; i < n; i++)
            if (keep[i]) {
                total += (shown ? sw : 0) + ihg_text_width(items[i].text);
                shown++;
            }
        if (total <= max_w)
            break;
        /* drop the least important (the last of equals) */
        worst = -1;
        for (i = 0; i < n; i++)
            if (keep[i] && items[i].priority > 0 &&
                (worst < 0 || items[i].priority >= items[worst].priority))
                worst = i;
        if (worst < 0)
            break; /* only items that must stay: shorten the last */
        keep[worst] = 0;
    }
    for (i = 0; i < n; i++)
        if (keep[i])
            last = i;
    for (i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        if (x > x0 && sw) {
            if (x + sw > x0 + max_w)
                break;
            x += ihg_canvas_text(cv, x, y, x0 + max_w - x, sep_role, sep);
        }
        if (i == last || ihg_text_width(items[i].text) > x0 + max_w - x)
            x += ihg_canvas_fit(cv, x, y, x0 + max_w - x, items[i].role, items[i].text);
        else
            x += ihg_canvas_text(cv, x, y, x0 + max_w - x, items[i].role, items[i].text);
    }
    return x - x0;
}

int ihg_canvas_printf(ihg_canvas *cv, int x, int y, int max_w, int role,
                      const char *fmt, ...)
{
    char buf[1024];
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
    /* "╭ title ─╮": a blank on each side, a border cell before the corner */
    if (title && *title && r.w > 6) {
        int n;
        ihg_canvas_set(cv, r.x + 1, r.y, L' ', title_role);
        n = ihg_canvas_fit(cv, r.x + 2, r.y, r.w - 6, title_role, title);
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
