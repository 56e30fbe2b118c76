/* action.c - actions and their text form (see action.h). */
#include "action.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The words of the text form; `argument`: 0 none, 1 optional count,
 * 2 required integer, 3 required number, 4 required name, 5 required pane
 * number, 6 optional pane number, 7 a number from 1 (kept from 0), 8 an
 * optional count, 0 when not given. */
static const struct {
    const char *word;
    ihg_action action;
    long arg;
    int argument;
} words[] = {
    {"quit", IHG_ACT_QUIT, 0, 0},
    {"toggle", IHG_ACT_PLAY, -1, 0},
    {"play", IHG_ACT_PLAY, 1, 0},
    {"pause", IHG_ACT_PLAY, 0, 0},
    {"inner", IHG_ACT_INNER, 1, 1},
    {"outer", IHG_ACT_OUTER, 1, 1},
    {"fewer-terms", IHG_ACT_TERMS_DOWN, 0, 0},
    {"more-terms", IHG_ACT_TERMS_UP, 0, 0},
    {"K", IHG_ACT_SET_TERMS, 0, 2},
    {"smaller-alpha", IHG_ACT_ALPHA_DOWN, 0, 0},
    {"larger-alpha", IHG_ACT_ALPHA_UP, 0, 0},
    {"alpha", IHG_ACT_SET_ALPHA, 0, 3},
    {"best-alpha", IHG_ACT_BEST_ALPHA, 0, 0},
    {"next-method", IHG_ACT_METHOD, 0, 0},
    {"method", IHG_ACT_SET_METHOD, 0, 4},
    {"compare", IHG_ACT_COMPARE, 0, 0},
    {"log", IHG_ACT_LOG, 0, 0},
    {"accuracy", IHG_ACT_ACCURACY, 0, 0},
    {"grey", IHG_ACT_GREY, 0, 0},
    {"reset", IHG_ACT_RESET, 0, 0},
    {"next-pane", IHG_ACT_NEXT_PANE, 0, 0},
    {"prev-pane", IHG_ACT_PREV_PANE, 0, 0},
    {"focus", IHG_ACT_PANE, 0, 5},
    {"zoom", IHG_ACT_ZOOM, -1, 6},
    {"unzoom", IHG_ACT_ESCAPE, 0, 0},
    {"left", IHG_ACT_LEFT, 0, 0},
    {"right", IHG_ACT_RIGHT, 0, 0},
    {"up", IHG_ACT_UP, 0, 0},
    {"down", IHG_ACT_DOWN, 0, 0},
    {"help", IHG_ACT_HELP, 0, 0},
    {"theme", IHG_ACT_THEME, 0, 0},
    {"redraw", IHG_ACT_REDRAW, 0, 0},
    {"resize", IHG_ACT_RESIZE, 0, 0},
    {"run", IHG_ACT_RUN, 0, 0},
    {"hypergrad", IHG_ACT_TO_HYPERGRAD, 0, 0},
    {"inner-lr", IHG_ACT_SET_INNER_LR, 0, 3},
    {"outer-lr", IHG_ACT_SET_OUTER_LR, 0, 3},
    {"next-slide", IHG_ACT_SLIDE_NEXT, 0, 0},
    {"prev-slide", IHG_ACT_SLIDE_PREV, 0, 0},
    {"slide", IHG_ACT_SLIDE_GOTO, 0, 7},
    {"replay", IHG_ACT_REPLAY, 0, 0},
    {"reveal", IHG_ACT_REVEAL, 0, 0},
    {"choice", IHG_ACT_CHOICE, 0, 7},
    {"notes", IHG_ACT_NOTES, 0, 0},
    {"back", IHG_ACT_SCRUB, -1, 0},
    {"forward", IHG_ACT_SCRUB, 1, 0},
    {"live", IHG_ACT_SCRUB, 0, 0},
    {"branch", IHG_ACT_BRANCH, 0, 0},
    {"export", IHG_ACT_EXPORT, 0, 0},
    {"save", IHG_ACT_SAVE, 0, 0},
    {"seeds", IHG_ACT_SEEDS, 0, 8},
};
#define NWORDS (sizeof words / sizeof words[0])

ihg_act ihg_act_make(ihg_action a)
{
    ihg_act x;
    memset(&x, 0, sizeof x);
    x.action = a;
    if (a == IHG_ACT_PLAY || a == IHG_ACT_ZOOM)
        x.arg = -1;
    else if (a == IHG_ACT_INNER || a == IHG_ACT_OUTER)
        x.arg = 1;
    return x;
}

static int fail(char *err, size_t size, const char *fmt, const char *what)
{
    if (err && size)
        snprintf(err, size, fmt, what);
    return -1;
}

int ihg_act_parse(const char *text, ihg_act *out, char *err, size_t errsize)
{
    char word[32], rest[64], extra[8];
    int n;
    size_t i;
    if (!text)
        return fail(err, errsize, "%s", "no action");
    n = sscanf(text, " %31s %63s %7s", word, rest, extra);
    if (n < 1)
        return fail(err, errsize, "%s", "no action");
    if (n > 2)
        return fail(err, errsize, "one argument at most: '%s'", text);
    for (i = 0; i < NWORDS; i++)
        if (strcmp(words[i].word, word) == 0)
            break;
    if (i == NWORDS)
        return fail(err, errsize, "unknown action '%s'", word);
    *out = ihg_act_make(words[i].action);
    out->arg = words[i].arg;
    if (n == 1) {
        if ((words[i].argument >= 2 && words[i].argument <= 5) || words[i].argument == 7)
            return fail(err, errsize, "'%s' needs an argument", word);
        return 0;
    }
    switch (words[i].argument) {
    case 0: return fail(err, errsize, "'%s' takes no argument", word);
    case 1: case 2: case 5: case 6: case 7: case 8: {
        char *end;
        long v;
        errno = 0;
        v = strtol(rest, &end, 10);
        if (errno || *end || end == rest || v < 0 || v > 1000000)
            return fail(err, errsize, "not a count in 0..1000000: '%s'", rest);
        if ((words[i].argument == 1 || words[i].argument == 8) && v < 1)
            return fail(err, errsize, "a count of at least 1, got '%s'", rest);
        if (words[i].argument == 7) {
            if (v < 1)
                return fail(err, errsize, "a number from 1, got '%s'", rest);
            v--;
        } else if (words[i].argument == 5 || words[i].argument == 6) {
            if (v < 1 || v > 6)
                return fail(err, errsize, "a pane number 1..6, got '%s'", rest);
            v--;
        }
        out->arg = v;
        return 0;
    }
    case 3: {
        char *end;
        double v;
        errno = 0;
        v = strtod(rest, &end);
        if (errno || *end || end == rest || !isfinite(v))
            return fail(err, errsize, "not a number: '%s'", rest);
        out->value = v;
        return 0;
    }
    default:
        if (strlen(rest) >= sizeof out->name)
            return fail(err, errsize, "name too long: '%s'", rest);
        strcpy(out->name, rest);
        return 0;
    }
}

void ihg_act_format(const ihg_act *a, char *buf, size_t size)
{
    size_t i;
    for (i = 0; i < NWORDS; i++) {
        if (words[i].action != a->action)
            continue;
        /* several words share PLAY and SCRUB: the one with this arg */
        if ((a->action == IHG_ACT_PLAY || a->action == IHG_ACT_SCRUB) &&
            words[i].arg != (a->arg < 0 ? -1 : a->arg ? 1 : 0))
            continue;
        switch (words[i].argument) {
        case 1: snprintf(buf, size, "%s %ld", words[i].word, a->arg < 1 ? 1 : a->arg); return;
        case 2: snprintf(buf, size, "%s %ld", words[i].word, a->arg); return;
        case 3: snprintf(buf, size, "%s %.17g", words[i].word, a->value); return;
        case 4: snprintf(buf, size, "%s %s", words[i].word, a->name); return;
        case 5: case 7: snprintf(buf, size, "%s %ld", words[i].word, a->arg + 1); return;
        case 8:
            if (a->arg > 0)
                snprintf(buf, size, "%s %ld", words[i].word, a->arg);
            else
                snprintf(buf, size, "%s", words[i].word);
            return;
        case 6:
            if (a->arg >= 0)
                snprintf(buf, size, "%s %ld", words[i].word, a->arg + 1);
            else
                snprintf(buf, size, "%s", words[i].word);
            return;
        default: snprintf(buf, size, "%s", words[i].word); return;
        }
    }
    snprintf(buf, size, "none");
}
