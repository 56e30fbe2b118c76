/* keys.c - key bindings (see keys.h).  Every binding listed in the help is
 * also in the man page; keep the three in step. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "keys.h"

#include <curses.h>

const ihg_key_help ihg_key_help_rows[] = {
    {"space", "play / pause"},
    {"i", "one inner step (train theta)"},
    {"o", "one outer step: inner steps, each Neumann term, the update"},
    {"n / N", "fewer / more Neumann terms (CG iterations)"},
    {"a / A", "smaller / larger Neumann alpha"},
    {"m", "next method: exact, neumann, cg, identity"},
    {"c", "recompute the Neumann/CG vs exact comparison"},
    {"l", "log / linear loss axis"},
    {"v", "losses pane: accuracy (train/val/test) / loss"},
    {"s", "distilled or augmented images: grey 0..1 / min..max per image"},
    {"r", "reset to the start (same seed)"},
    {"Tab", "focus the next pane (Shift-Tab: previous)"},
    {"1-6", "focus a pane; the same digit again zooms it"},
    {"z, Enter", "zoom / unzoom the focused pane"},
    {"arrows, h j k L", "scroll the focused pane (l is log/linear)"},
    {"t", "next colour theme (default, mono, contrast)"},
    {"Ctrl-L", "redraw the screen"},
    {"?", "this help (any key closes it)"},
    {"q", "quit"},
    {NULL, NULL}};

const ihg_key_help ihg_key_hint_rows[] = {
    {"space", "play"}, {"i", "inner"}, {"o", "outer"}, {"n/N", "terms"},
    {"a/A", "alpha"},  {"m", "method"}, {"c", "compare"}, {"l", "log"},
    {"v", "acc"},
    {"r", "reset"},    {"Tab", "pane"}, {"?", "help"},  {"q", "quit"},
    {NULL, NULL}};

ihg_key ihg_key_lookup(int is_keycode, int ch)
{
    ihg_key k = {IHG_ACT_NONE, 0};
    if (is_keycode) {
        switch (ch) {
        case KEY_RESIZE: k.action = IHG_ACT_RESIZE; break;
        case KEY_LEFT: k.action = IHG_ACT_LEFT; break;
        case KEY_RIGHT: k.action = IHG_ACT_RIGHT; break;
        case KEY_UP: k.action = IHG_ACT_UP; break;
        case KEY_DOWN: k.action = IHG_ACT_DOWN; break;
        case KEY_BTAB: k.action = IHG_ACT_PREV_PANE; break;
        case KEY_ENTER: k.action = IHG_ACT_ZOOM; break;
        case KEY_F(1): k.action = IHG_ACT_HELP; break;
        default: break;
        }
        return k;
    }
    switch (ch) {
    case 'q': case 'Q': k.action = IHG_ACT_QUIT; break;
    case ' ': k.action = IHG_ACT_PLAY; break;
    case 'i': k.action = IHG_ACT_INNER; break;
    case 'o': k.action = IHG_ACT_OUTER; break;
    case 'n': k.action = IHG_ACT_TERMS_DOWN; break;
    case 'N': k.action = IHG_ACT_TERMS_UP; break;
    case 'a': k.action = IHG_ACT_ALPHA_DOWN; break;
    case 'A': k.action = IHG_ACT_ALPHA_UP; break;
    case 'm': k.action = IHG_ACT_METHOD; break;
    case 'c': k.action = IHG_ACT_COMPARE; break;
    case 'l': k.action = IHG_ACT_LOG; break;
    case 'v': k.action = IHG_ACT_ACCURACY; break;
    case 's': k.action = IHG_ACT_GREY; break;
    case 'r': k.action = IHG_ACT_RESET; break;
    case '\t': k.action = IHG_ACT_NEXT_PANE; break;
    case 'z': case '\r': case '\n': k.action = IHG_ACT_ZOOM; break;
    case 'h': k.action = IHG_ACT_LEFT; break;
    case 'L': k.action = IHG_ACT_RIGHT; break; /* 'l' is log/linear */
    case 'j': k.action = IHG_ACT_DOWN; break;
    case 'k': k.action = IHG_ACT_UP; break;
    case '?': k.action = IHG_ACT_HELP; break;
    case 't': k.action = IHG_ACT_THEME; break;
    case 27: k.action = IHG_ACT_ESCAPE; break;
    case 12: k.action = IHG_ACT_REDRAW; break;
    default:
        if (ch >= '1' && ch <= '6') {
            k.action = IHG_ACT_PANE;
            k.arg = ch - '1';
        }
        break;
    }
    return k;
}
