/* keys.h - what each key does, and the help text that lists them. */
#ifndef IHG_KEYS_H
#define IHG_KEYS_H

typedef enum {
    IHG_ACT_NONE = 0,
    IHG_ACT_QUIT,
    IHG_ACT_PLAY,        /* space: play / pause                      */
    IHG_ACT_INNER,       /* i: one inner step                        */
    IHG_ACT_OUTER,       /* o: one outer step, shown unit by unit    */
    IHG_ACT_TERMS_DOWN,  /* n */
    IHG_ACT_TERMS_UP,    /* N */
    IHG_ACT_ALPHA_DOWN,  /* a */
    IHG_ACT_ALPHA_UP,    /* A */
    IHG_ACT_METHOD,      /* m */
    IHG_ACT_COMPARE,     /* c */
    IHG_ACT_LOG,         /* l */
    IHG_ACT_ACCURACY,    /* v: losses pane shows accuracy / loss     */
    IHG_ACT_GREY,        /* s: image grey range 0..1 / per image     */
    IHG_ACT_RESET,       /* r */
    IHG_ACT_NEXT_PANE,   /* Tab */
    IHG_ACT_PREV_PANE,   /* Shift-Tab */
    IHG_ACT_PANE,        /* 1..6: focus; again: zoom (arg = pane)   */
    IHG_ACT_ZOOM,        /* z, Enter: zoom / unzoom the focused pane */
    IHG_ACT_LEFT,
    IHG_ACT_RIGHT,
    IHG_ACT_UP,
    IHG_ACT_DOWN,
    IHG_ACT_HELP,        /* ? */
    IHG_ACT_THEME,       /* t: next colour theme                     */
    IHG_ACT_ESCAPE,      /* Esc: close help, unzoom                  */
    IHG_ACT_REDRAW,      /* Ctrl-L */
    IHG_ACT_RESIZE       /* KEY_RESIZE */
} ihg_action;

typedef struct {
    ihg_action action;
    int arg;
} ihg_key;

/* Map a key code from wget_wch()/getch() to an action. */
ihg_key ihg_key_lookup(int is_keycode, int ch);

/* The help overlay: NULL-terminated rows of {keys, what}. */
typedef struct {
    const char *keys, *what;
} ihg_key_help;
extern const ihg_key_help ihg_key_help_rows[];

/* The hint line: {key, word} pairs, most important first. */
extern const ihg_key_help ihg_key_hint_rows[];

#endif
