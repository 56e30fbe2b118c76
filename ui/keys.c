/* keys.c - key bindings (see keys.h).  Every binding listed in the help is
 * also in the man page; keep the three in step. */
#include "keys.h"

const ihg_key_help ihg_key_help_rows[] = {
    {"space", "play / pause", "play / pause"},
    {"i", "one inner step (train theta)", "one inner step"},
    {"o", "one outer step: inner steps, each Neumann term, the update", "one outer step"},
    {"n / N", "fewer / more Neumann terms (CG iterations)", "fewer / more terms"},
    {"a / A", "smaller / larger Neumann alpha", "alpha down / up"},
    {"b", "alpha = 2/(lambda_min + lambda_max), the best step", "the best alpha"},
    {"m", "next method: exact, neumann, cg, identity", "next method"},
    {"c", "recompute the Neumann/CG vs exact comparison", "compare the methods"},
    {"l", "log / linear loss axis", "log / linear axis"},
    {"v", "losses pane: accuracy (train/val/test) / loss", "accuracy / loss"},
    {"s", "distilled or augmented images: grey 0..1 / min..max per image", "image grey scale"},
    {"r", "reset to the start (same seed)", "reset to the start"},
    {"Tab", "focus the next pane (Shift-Tab: previous)", "next pane; S-Tab back"},
    {"1-6", "focus a pane; the same digit again zooms it", "focus; again: zoom"},
    {"z, Enter", "zoom / unzoom the focused pane", "zoom / unzoom"},
    {"arrows, h j k L", "scroll the focused pane (l is log/linear)", "scroll the pane"},
    {"[ / ]", "one outer step back / forward in the history", "a step back / forward"},
    {"}", "back to the live run", "the live run again"},
    {"B", "go on from the step on show (then a new setting: a branch)", "branch from this step"},
    {"e", "the focused pane as SVG, PDF, PNG; the screen as text, HTML", "export pane and screen"},
    {"w", "the settings as an experiment, the run as a lesson", "save experiment, lesson"},
    {"S", "5 initial weights side by side (again: cancel)", "compare 5 seeds"},
    {"PgDn / PgUp", "lesson: next / previous slide (also the arrows)", "next / previous slide"},
    {"g N Enter", "lesson: go to slide N", "go to slide N"},
    {".", "lesson: the slide again from its start", "the slide again"},
    {"p N", "lesson: the class's choice N", "the class's choice"},
    {"R", "lesson: reveal the answer", "reveal the answer"},
    {"!", "lesson: the notes for the lecturer", "the lecturer's notes"},
    {"t", "next colour theme (default, mono, contrast)", "next colour theme"},
    {"Ctrl-L", "redraw the screen", "redraw"},
    {"?", "this help (any key closes it)", "this help"},
    {"q", "quit", "quit"},
    {NULL, NULL, NULL}};

const ihg_key_hint ihg_key_hint_rows[] = {
    {"space", "play"}, {"i", "inner"}, {"o", "outer"}, {"n/N", "terms"},
    {"a/A", "alpha"},  {"m", "method"}, {"c", "compare"}, {"l", "log"},
    {"v", "acc"},
    {"r", "reset"},    {"Tab", "pane"}, {"?", "help"},  {"q", "quit"},
    {NULL, NULL}};

ihg_act ihg_key_lookup(long ch)
{
    ihg_action a = IHG_ACT_NONE;
    ihg_act k;
    switch (ch) {
    case IHG_KEY_RESIZE: a = IHG_ACT_RESIZE; break;
    case IHG_KEY_LEFT: a = IHG_ACT_LEFT; break;
    case IHG_KEY_RIGHT: a = IHG_ACT_RIGHT; break;
    case IHG_KEY_PGDN: a = IHG_ACT_SLIDE_NEXT; break;
    case IHG_KEY_PGUP: a = IHG_ACT_SLIDE_PREV; break;
    case '.': a = IHG_ACT_REPLAY; break;
    case 'R': a = IHG_ACT_REVEAL; break;
    case '!': a = IHG_ACT_NOTES; break;
    case '[': case ']': case '}': a = IHG_ACT_SCRUB; break;
    case 'B': a = IHG_ACT_BRANCH; break;
    case 'e': a = IHG_ACT_EXPORT; break;
    case 'w': a = IHG_ACT_SAVE; break;
    case 'S': a = IHG_ACT_SEEDS; break;
    case IHG_KEY_UP: a = IHG_ACT_UP; break;
    case IHG_KEY_DOWN: a = IHG_ACT_DOWN; break;
    case IHG_KEY_BTAB: a = IHG_ACT_PREV_PANE; break;
    case IHG_KEY_ENTER: a = IHG_ACT_ZOOM; break;
    case IHG_KEY_F1: a = IHG_ACT_HELP; break;
    case 'q': case 'Q': a = IHG_ACT_QUIT; break;
    case ' ': a = IHG_ACT_PLAY; break;
    case 'i': a = IHG_ACT_INNER; break;
    case 'o': a = IHG_ACT_OUTER; break;
    case 'n': a = IHG_ACT_TERMS_DOWN; break;
    case 'N': a = IHG_ACT_TERMS_UP; break;
    case 'a': a = IHG_ACT_ALPHA_DOWN; break;
    case 'A': a = IHG_ACT_ALPHA_UP; break;
    case 'b': a = IHG_ACT_BEST_ALPHA; break;
    case 'm': a = IHG_ACT_METHOD; break;
    case 'c': a = IHG_ACT_COMPARE; break;
    case 'l': a = IHG_ACT_LOG; break;
    case 'v': a = IHG_ACT_ACCURACY; break;
    case 's': a = IHG_ACT_GREY; break;
    case 'r': a = IHG_ACT_RESET; break;
    case '\t': a = IHG_ACT_NEXT_PANE; break;
    case 'z': case '\r': case '\n': a = IHG_ACT_ZOOM; break;
    case 'h': a = IHG_ACT_LEFT; break;
    case 'L': a = IHG_ACT_RIGHT; break; /* 'l' is log/linear */
    case 'j': a = IHG_ACT_DOWN; break;
    case 'k': a = IHG_ACT_UP; break;
    case '?': a = IHG_ACT_HELP; break;
    case 't': a = IHG_ACT_THEME; break;
    case 27: a = IHG_ACT_ESCAPE; break;
    case 12: a = IHG_ACT_REDRAW; break;
    default: break;
    }
    k = ihg_act_make(a);
    if (a == IHG_ACT_SCRUB)
        k.arg = ch == '[' ? -1 : ch == ']' ? 1 : 0;
    else if (a == IHG_ACT_EXPORT)
        k.arg = -1; /* the focused pane */
    else if ((a == IHG_ACT_LEFT || a == IHG_ACT_RIGHT) &&
             (ch == IHG_KEY_LEFT || ch == IHG_KEY_RIGHT))
        k.arg = 1; /* an arrow: in a lesson it changes slides */
    if (a == IHG_ACT_NONE && ch >= '1' && ch <= '6') {
        k = ihg_act_make(IHG_ACT_PANE);
        k.arg = ch - '1';
    }
    return k;
}
