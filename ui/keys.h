/* keys.h - what each key does, and the help text that lists them.
 *
 * No curses in here: the terminal layer (tui.c) turns its special key
 * codes into the IHG_KEY_* codes below, so bindings can be checked without
 * a terminal. */
#ifndef IHG_KEYS_H
#define IHG_KEYS_H

#include "action.h"

/* Special keys, above every Unicode code point. */
enum {
    IHG_KEY_LEFT = 0x110000,
    IHG_KEY_RIGHT,
    IHG_KEY_UP,
    IHG_KEY_DOWN,
    IHG_KEY_BTAB,   /* Shift-Tab */
    IHG_KEY_ENTER,  /* the keypad's Enter */
    IHG_KEY_F1,
    IHG_KEY_RESIZE,
    IHG_KEY_PGUP,
    IHG_KEY_PGDN
};

/* The action of a key: a character, or an IHG_KEY_* code. */
ihg_act ihg_key_lookup(long key);

/* The help overlay: NULL-terminated rows of {keys, what, brief}; brief
 * (at most 21 cells in the first half of the rows, 25 in the second) is
 * shown when the help needs two columns (an 80x24 terminal). */
typedef struct {
    const char *keys, *what, *brief;
} ihg_key_help;
extern const ihg_key_help ihg_key_help_rows[];

/* The hint line: {key, word} pairs, most important first. */
typedef struct {
    const char *keys, *what;
} ihg_key_hint;
extern const ihg_key_hint ihg_key_hint_rows[];

#endif
