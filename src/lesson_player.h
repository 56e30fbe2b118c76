/* lesson_player.h - a lesson's slides played on sessions.
 *
 *   p = ihg_lesson_player_alloc(&lesson);
 *   ihg_lesson_player_goto(p, i);       // slide i as it starts
 *   ihg_lesson_player_play(p);          // its actions, each whole
 *   ihg_lesson_player_reveal(p, &ans);  // its question's reveal and answer
 *
 * Each experiment of the lesson gets one session, made when first needed;
 * its state right after it was made is kept, and so is the state where a
 * slide begins whenever it is between outer steps.  Going to a slide puts
 * back the nearest such state at or before it and plays the slides in
 * between (their actions and reveals): the same numbers every time, bit
 * for bit, whichever way the lecture went.
 *
 * Display actions (focus, zoom, unzoom, log, accuracy) do nothing here:
 * they are the explorer's.  A run that diverges stops, as in the explorer
 * (ihg_session_message says why); the next outer or inner action resumes
 * it.
 */
#ifndef IHG_LESSON_PLAYER_H
#define IHG_LESSON_PLAYER_H

#include <stdio.h>

#include "compare.h"
#include "lesson.h"
#include "output.h"
#include "session.h"

typedef struct ihg_lesson_player ihg_lesson_player;

/* NULL with the error recorded (out of memory). */
ihg_lesson_player *ihg_lesson_player_alloc(const ihg_lesson *l);
void ihg_lesson_player_free(ihg_lesson_player *p);

/* Slide i (0-based) as it starts: IHG_OK, or the error of an experiment
 * that cannot be set up or of an action of an earlier slide. */
int ihg_lesson_player_goto(ihg_lesson_player *p, size_t slide);
size_t ihg_lesson_player_slide(const ihg_lesson_player *p);

/* One action, whole.  IHG_OK (a run that stops on divergence is not an
 * error: the session says so), or the error (a method the experiment
 * refuses, best-alpha without a spectrum, ...). */
int ihg_lesson_player_act(ihg_lesson_player *p, const ihg_lesson_action *a);
/* The current slide's actions in order; *failed (may be NULL) gets the
 * index of an action that failed. */
int ihg_lesson_player_play(ihg_lesson_player *p, size_t *failed);
/* The current slide's reveal: its actions, a comparison when the answer
 * needs one, then the answer.  IHG_EINVAL when the slide has no question. */
int ihg_lesson_player_reveal(ihg_lesson_player *p, ihg_lesson_answer *a);

ihg_session *ihg_lesson_player_session(const ihg_lesson_player *p);
/* A comparison at the current point (made since the run last changed),
 * or NULL; _compare makes one now. */
const ihg_comparison *ihg_lesson_player_comparison(const ihg_lesson_player *p);
int ihg_lesson_player_compare(ihg_lesson_player *p);

/* Set up every experiment of the lesson now (their data loaded), and list
 * the lesson's inputs: the lesson file, the experiment files, their data
 * files (NULL-terminated; list has room for IHG_LESSON_INPUTS_MAX(l) + 1
 * pointers, valid while p lives). */
#define IHG_LESSON_INPUTS_MAX(l) (1 + (l)->n_configs * IHG_MAX_INPUTS)
int ihg_lesson_player_prepare(ihg_lesson_player *p, const char **list);

/* `ihgtui --batch LESSON`: every slide played with its reveal, one JSON
 * object per slide (ihgtui-lesson(5)), to output (NULL: standard output;
 * opened once every experiment is set up, never onto one of the lesson's
 * inputs: output.h).  Returns the exit status: 0, 2 for bad input (an
 * experiment cannot be set up, an output that is an input), 1 on any
 * other failure (a write error, an action that fails). */
int ihg_lesson_batch_run(const ihg_lesson *l, const char *output);

#endif
