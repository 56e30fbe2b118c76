/* lesson_ctl.h - a lesson in the explorer: which slide, the question's
 * state, and the slide's actions as the explorer's own.
 *
 * The controller (controller.c) plays a lesson through this: going to a
 * slide puts its experiment's session back where the slide starts (the
 * lesson player, src/lesson_player.h: the same numbers every time), and
 * turns the slide's actions into the actions the keys perform, which the
 * controller then runs one after another, shown unit by unit.  No curses
 * and no mathematics in here.
 */
#ifndef IHG_LESSON_CTL_H
#define IHG_LESSON_CTL_H

#include <stddef.h>

#include "../src/lesson.h"
#include "../src/lesson_player.h"
#include "action.h"
#include "display.h"
#include "view.h"

typedef struct ihg_lesson_ctl ihg_lesson_ctl;

/* For a loaded lesson (it must outlive this).  NULL with the error
 * recorded. */
ihg_lesson_ctl *ihg_lesson_ctl_alloc(const ihg_lesson *l);
void ihg_lesson_ctl_free(ihg_lesson_ctl *lc);

/* Slide i as it starts: its experiment and session (the player's, kept
 * for the lesson's life), put back exactly; the question's state starts
 * over.  IHG_OK or the error. */
int ihg_lesson_ctl_enter(ihg_lesson_ctl *lc, size_t i, const ihg_config **cfg,
                         ihg_session **s);
size_t ihg_lesson_ctl_slide(const ihg_lesson_ctl *lc);
size_t ihg_lesson_ctl_count(const ihg_lesson_ctl *lc);
const ihg_lesson *ihg_lesson_ctl_lesson(const ihg_lesson_ctl *lc);

/* The explorer's actions for lesson actions, into acts (room for cap):
 * the engine's in order (best-alpha becomes compare, then best-alpha);
 * the display's applied to d at once.  Returns how many actions. */
size_t ihg_lesson_ctl_script(const ihg_lesson_action *a, size_t n, ihg_act *acts, size_t cap,
                             ihg_display *d, const ihg_display_ctx *x);

/* The question of the slide on show (NULL: none). */
const ihg_lesson_question *ihg_lesson_ctl_question(const ihg_lesson_ctl *lc);
/* The class's choice (from 0; -1 clears).  IHG_OK, or IHG_EINVAL with a
 * message when the slide has no question or no such choice. */
int ihg_lesson_ctl_choose(ihg_lesson_ctl *lc, long choice);
/* The reveal under way, and its end: the answer computed at the session's
 * point with the comparison c made there (NULL: none). */
void ihg_lesson_ctl_revealing(ihg_lesson_ctl *lc, int on);
int ihg_lesson_ctl_is_revealing(const ihg_lesson_ctl *lc);
void ihg_lesson_ctl_answer(ihg_lesson_ctl *lc, const ihg_session *s, const ihg_comparison *c);
int ihg_lesson_ctl_revealed(const ihg_lesson_ctl *lc);
/* The slide's actions still run (set by the controller). */
void ihg_lesson_ctl_playing(ihg_lesson_ctl *lc, int on);
int ihg_lesson_ctl_is_playing(const ihg_lesson_ctl *lc);

/* What the caption bar and the question draw. */
void ihg_lesson_ctl_view(const ihg_lesson_ctl *lc, ihg_lesson_view *v);

#endif
