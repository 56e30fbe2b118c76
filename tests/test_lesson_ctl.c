/* test_lesson_ctl.c - every shipped lesson played to its end through the
 * explorer's controller (no terminal): each slide's actions run as the
 * keys' actions, each reveal computes its answer, and the numbers are
 * those of the headless player (src/lesson_player.h) bit for bit; going
 * back and forth between slides restores each slide's numbers exactly;
 * the history: back a step, forward, a branch from the past.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "../src/error.h"
#include "../src/lesson.h"
#include "../src/lesson_player.h"
#include "check.h"
#include "controller.h"
#include "export.h"
#include "view.h"

#define ALL (1L << 40)
#define MAX_SLIDES 16

/* The run's numbers where a slide's actions ended. */
typedef struct {
    long outer, inner_total;
    size_t nhist, Hn, P;
    double *lambda, *theta, val, train;
    const ihg_method_type *method;
    long K;
    double alpha;
} numbers;

static void take(const ihg_session *s, numbers *x)
{
    memset(x, 0, sizeof *x);
    x->outer = ihg_session_outer(s);
    x->inner_total = ihg_session_inner_total(s);
    x->nhist = ihg_session_history_len(s);
    x->Hn = ihg_session_n_hyper(s);
    x->P = ihg_session_n_params(s);
    x->lambda = malloc(x->Hn * sizeof(double));
    x->theta = malloc(x->P * sizeof(double));
    memcpy(x->lambda, ihg_session_lambda(s)->data, x->Hn * sizeof(double));
    memcpy(x->theta, ihg_session_theta(s)->data, x->P * sizeof(double));
    x->val = x->nhist ? ihg_session_history(s)[x->nhist - 1].val_loss : NAN;
    x->train = x->nhist ? ihg_session_history(s)[x->nhist - 1].train_loss : NAN;
    x->method = ihg_session_method(s);
    x->K = ihg_session_terms(s);
    x->alpha = ihg_session_alpha(s);
}

static int same(const numbers *a, const numbers *b)
{
    return a->outer == b->outer && a->inner_total == b->inner_total && a->nhist == b->nhist &&
           a->Hn == b->Hn && a->P == b->P && a->method == b->method && a->K == b->K &&
           a->alpha == b->alpha && memcmp(&a->val, &b->val, sizeof(double)) == 0 &&
           memcmp(&a->train, &b->train, sizeof(double)) == 0 &&
           memcmp(a->lambda, b->lambda, a->Hn * sizeof(double)) == 0 &&
           memcmp(a->theta, b->theta, a->P * sizeof(double)) == 0;
}

static void drop(numbers *x)
{
    free(x->lambda);
    free(x->theta);
}

static int act(ihg_ctl *c, const char *text)
{
    char err[160];
    if (ihg_ctl_do(c, text, err, sizeof err) != 0) {
        printf("  (%s: %s)\n", text, err);
        return -1;
    }
    ihg_ctl_settle(c, ALL);
    return 0;
}

static void test_lesson(const char *path, const char *name)
{
    ihg_lesson l;
    if (ihg_lesson_load(&l, path, NULL) != IHG_OK) {
        CHECK(0, "%s loads: %s", name, ihg_error_message());
        return;
    }
    size_t n = l.n_slides < MAX_SLIDES ? l.n_slides : MAX_SLIDES;
    numbers ref[MAX_SLIDES];
    int have[MAX_SLIDES] = {0};
    ihg_lesson_player *p = ihg_lesson_player_alloc(&l);
    ihg_ctl *c = ihg_ctl_alloc_lesson(&l, 0);
    CHECK(p && c, "%s: a controller and a player", name);
    if (!p || !c)
        goto done;
    /* forward, as in a lecture: the slide's actions, the class's choice,
     * the reveal; against the headless player */
    int played = 1, answers = 1, captions = 1;
    for (size_t i = 0; i < n; i++) {
        char cmd[32];
        ihg_view v;
        if (i > 0 && act(c, "next-slide") != 0)
            played = 0;
        ihg_ctl_settle(c, ALL);
        ihg_ctl_view(c, &v);
        captions &= v.lesson.on && v.lesson.slide == i && !v.lesson.playing &&
                    v.lesson.slide_title == l.slides[i].title;
        int st = ihg_lesson_player_goto(p, i);
        st = st == IHG_OK ? ihg_lesson_player_play(p, NULL) : st;
        numbers here, there;
        take(ihg_ctl_session(c), &here);
        take(ihg_lesson_player_session(p), &there);
        played &= st == IHG_OK && same(&here, &there);
        if (!same(&here, &there))
            printf("  slide %zu: the controller at outer %ld (val %.17g), the player at %ld "
                   "(val %.17g)\n", i + 1, here.outer, here.val, there.outer, there.val);
        ref[i] = here;
        have[i] = 1;
        drop(&there);
        if (l.slides[i].question) {
            ihg_lesson_answer want;
            if (l.slides[i].question->n_choices) {
                snprintf(cmd, sizeof cmd, "choice %zu", l.slides[i].question->n_choices);
                act(c, cmd);
            }
            act(c, "reveal");
            ihg_ctl_view(c, &v);
            st = ihg_lesson_player_reveal(p, &want);
            int ok = st == IHG_OK && v.lesson.revealed && strcmp(v.lesson.answer, want.text) == 0 &&
                     v.lesson.correct == want.choice;
            if (!ok)
                printf("  slide %zu: the explorer answers '%s' (choice %d), the player '%s' "
                       "(choice %d)\n", i + 1, v.lesson.answer, v.lesson.correct, want.text,
                       want.choice);
            answers &= ok;
        }
    }
    CHECK(played, "%s: every slide's actions played through the controller, the numbers "
          "of the headless player bit for bit", name);
    CHECK(captions, "%s: each slide's title on show when its actions are done", name);
    CHECK(answers, "%s: every reveal computes the headless player's answer and right "
          "choice", name);
    /* back to every slide, then forward again: the same numbers */
    int back = 1;
    for (size_t k = 0; k < 2 * n; k++) {
        size_t i = k < n ? n - 1 - k : k - n;
        char cmd[32];
        numbers x;
        snprintf(cmd, sizeof cmd, "slide %zu", i + 1);
        act(c, cmd);
        take(ihg_ctl_session(c), &x);
        back &= have[i] && same(&x, &ref[i]);
        drop(&x);
    }
    CHECK(back, "%s: going back and forth between slides gives each slide's numbers "
          "exactly", name);
    act(c, "slide 1");
    act(c, "outer 1");
    act(c, "replay");
    numbers x;
    take(ihg_ctl_session(c), &x);
    CHECK(same(&x, &ref[0]), "%s: replay gives slide 1 as it was after a step more", name);
    drop(&x);
    for (size_t i = 0; i < n; i++)
        if (have[i])
            drop(&ref[i]);
done:
    ihg_ctl_free(c);
    ihg_lesson_player_free(p);
    ihg_lesson_free(&l);
}

/* A jump over slides not played yet (g N), after a reveal and a step back:
 * the headless player's numbers. */
static void test_jump(const char *path)
{
    ihg_lesson l;
    if (ihg_lesson_load(&l, path, NULL) != IHG_OK) {
        CHECK(0, "%s loads: %s", path, ihg_error_message());
        return;
    }
    ihg_lesson_player *p = ihg_lesson_player_alloc(&l);
    ihg_ctl *c = ihg_ctl_alloc_lesson(&l, 0);
    size_t to = l.n_slides - 2;
    char cmd[32];
    act(c, "next-slide");
    act(c, "next-slide");
    act(c, "reveal");
    act(c, "prev-slide");
    snprintf(cmd, sizeof cmd, "slide %zu", to + 1);
    act(c, cmd);
    int st = ihg_lesson_player_goto(p, to);
    st = st == IHG_OK ? ihg_lesson_player_play(p, NULL) : st;
    numbers here, there;
    take(ihg_ctl_session(c), &here);
    take(ihg_lesson_player_session(p), &there);
    CHECK(st == IHG_OK && same(&here, &there),
          "slides 1-3, a reveal, back to 2, then slide %zu: the player's numbers (outer %ld "
          "val %.6g; the player: outer %ld val %.6g)", to + 1, here.outer, here.val,
          there.outer, there.val);
    drop(&here);
    drop(&there);
    ihg_ctl_free(c);
    ihg_lesson_player_free(p);
    ihg_lesson_free(&l);
}

/* UTF-8 of a code point below U+10000 (the canvas's characters). */
static size_t utf8_of(wchar_t ch, char *out)
{
    unsigned long u = (unsigned long)ch;
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xC0 | (u >> 6));
        out[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (u >> 12));
    out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[2] = (char)(0x80 | (u & 0x3F));
    return 3;
}

/* The key e's files: the screen as text (the canvas's rows) and HTML, a
 * pane as SVG and PNG of the asked size; a pane hidden until the reveal,
 * the theory pane and an input of the run are refused. */
static void test_export(void)
{
    ihg_lesson l;
    char dir[] = "/tmp/ihgtui-export-XXXXXX", stem[256], path[400], done[300], row[1024];
    if (ihg_lesson_load_string(&l, "<built-in>", ihg_default_lesson,
                               strlen(ihg_default_lesson), NULL) != IHG_OK ||
        !mkdtemp(dir)) {
        CHECK(0, "the built-in lesson loads, a directory for the files");
        return;
    }
    ihg_ctl *c = ihg_ctl_alloc_lesson(&l, 0);
    ihg_canvas *cv = ihg_canvas_alloc(120, 40, 0);
    ihg_view v;
    act(c, "next-slide");
    act(c, "next-slide"); /* slide 3: pane 3 hidden until the reveal */
    ihg_ctl_view(c, &v);
    ihg_render(cv, &v, ihg_ctl_display_ctx(c)->available);
    snprintf(stem, sizeof stem, "%s/lesson", dir);
    int st = ihg_export_screen(cv, stem, NULL, done, sizeof done);
    int same = st == IHG_OK, lines = 0;
    snprintf(path, sizeof path, "%s-screen.txt", stem);
    FILE *f = fopen(path, "r");
    while (f && fgets(row, sizeof row, f) && lines < cv->h) {
        char want[1024];
        size_t n = 0;
        for (int x = 0; x < cv->w; x++) {
            ihg_cell cell = ihg_canvas_get(cv, x, lines);
            if (cell.ch == 0)
                continue;
            if (n + 8 < sizeof want)
                n += utf8_of(cell.ch, want + n);
        }
        while (n > 0 && want[n - 1] == ' ')
            n--;
        want[n++] = '\n';
        want[n] = '\0';
        same &= strcmp(row, want) == 0;
        lines++;
    }
    if (f)
        fclose(f);
    CHECK(same && lines == cv->h, "e: the screen as text, row by row the canvas (%d rows)",
          lines);
    snprintf(path, sizeof path, "%s-screen.html", stem);
    f = fopen(path, "r");
    size_t got = f ? fread(row, 1, sizeof row - 1, f) : 0;
    row[got] = '\0';
    if (f)
        fclose(f);
    CHECK(strstr(row, "<!DOCTYPE html>") && strstr(row, "<pre>"), "e: the screen as HTML");
    st = ihg_export_pane(&v, IHG_PANE_NEUMANN, stem, NULL, done, sizeof done);
    CHECK(st != IHG_OK && strstr(ihg_error_message(), "hidden until the reveal"),
          "e: a pane hidden until the reveal is not written (%s)", ihg_error_message());
    act(c, "reveal");
    ihg_ctl_view(c, &v);
    st = ihg_export_pane(&v, IHG_PANE_NEUMANN, stem, NULL, done, sizeof done);
    unsigned char png[24] = {0};
    snprintf(path, sizeof path, "%s-errors.png", stem);
    f = fopen(path, "rb");
    if (f) {
        if (fread(png, 1, sizeof png, f) != sizeof png)
            png[1] = 0;
        fclose(f);
    }
    unsigned long pw = (unsigned long)png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19];
    unsigned long ph = (unsigned long)png[20] << 24 | png[21] << 16 | png[22] << 8 | png[23];
    snprintf(path, sizeof path, "%s-errors.svg", stem);
    CHECK(st == IHG_OK && png[1] == 'P' && pw == IHG_EXPORT_WIDTH && ph == IHG_EXPORT_HEIGHT &&
              access(path, R_OK) == 0,
          "after the reveal: pane 3 as SVG and a %lux%lu PNG (%s)", pw, ph,
          st == IHG_OK ? done : ihg_error_message());
    st = ihg_export_pane(&v, IHG_PANE_THEORY, stem, NULL, done, sizeof done);
    CHECK(st != IHG_OK, "e: the theory pane has no figure (%s)", ihg_error_message());
    const char *inputs[] = {path, NULL};
    st = ihg_export_pane(&v, IHG_PANE_NEUMANN, stem, inputs, done, sizeof done);
    CHECK(st != IHG_OK, "e: never onto an input of the run (%s)", ihg_error_message());
    static const char *const made[] = {"-screen.txt", "-screen.html", "-errors.svg",
                                       "-errors.pdf", "-errors.png"};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        snprintf(path, sizeof path, "%s%s", stem, made[i]);
        unlink(path);
    }
    rmdir(dir);
    ihg_canvas_free(cv);
    ihg_ctl_free(c);
    ihg_lesson_free(&l);
}

/* The history in the explorer: back, forward, a branch from the past
 * drawn on the losses chart. */
static void test_history(void)
{
    ihg_lesson l;
    if (ihg_lesson_load_string(&l, "<built-in>", ihg_default_lesson,
                               strlen(ihg_default_lesson), NULL) != IHG_OK) {
        CHECK(0, "the built-in lesson loads");
        return;
    }
    ihg_ctl *c = ihg_ctl_alloc_lesson(&l, 0);
    ihg_view v;
    act(c, "outer 5");
    ihg_ctl_view(c, &v);
    double val5 = v.hist[4].val_loss, val3 = v.hist[2].val_loss;
    act(c, "back");
    act(c, "back");
    ihg_ctl_view(c, &v);
    CHECK(v.history.step == 3 && v.nhist == 3 && v.hist[2].val_loss == val3 &&
              v.outer_done == 3,
          "two steps back: the records of outer step 3 on show");
    act(c, "forward");
    act(c, "forward");
    ihg_ctl_view(c, &v);
    CHECK(v.history.step < 0 && v.nhist == 5 && v.hist[4].val_loss == val5,
          "two steps forward: the live run again");
    act(c, "back");
    act(c, "back");
    act(c, "branch");
    act(c, "K 2");
    act(c, "outer 2");
    ihg_ctl_view(c, &v);
    CHECK(v.history.n_branches == 2 && v.history.n_drawn == 1 && v.nhist == 5 &&
              v.hist[2].val_loss == val3 && v.hist[4].val_loss != val5,
          "a branch from step 3 with K = 2: its own steps 4 and 5, the other branch drawn "
          "beside (%d branches, %d drawn)", v.history.n_branches, v.history.n_drawn);
    CHECK(v.history.n_listed == 2 && v.history.listed[1].live && !v.history.listed[0].live &&
              v.history.listed[1].parent == 0 && v.history.listed[1].base == 3 &&
              v.history.listed[1].last == 5 && v.history.listed[1].at == 5 &&
              v.history.listed[1].dist > 0 && isfinite(v.history.listed[1].rel) &&
              strstr(v.history.listed[1].label, "K=2"),
          "the branches listed: b1 (live, K=2) from b0 at 3 to 5, its lambda %.3g from b0's "
          "at 5", v.history.listed[1].dist);
    CHECK(v.history.n_drawn == 1 && v.history.branch_n[0] == 5 &&
              isnan(v.history.branch_val[0][0]) && v.history.branch_val[0][4] == val5,
          "the other branch's losses from where it parts, to its outer step 5");
    ihg_ctl_free(c);
    ihg_lesson_free(&l);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    static const char *const lessons[] = {"lesson_ift.yaml", "lesson_neumann_cg.yaml",
                                          "lesson_explicit.yaml", "lesson_millions.yaml"};
    ihg_error_install_gsl_handler();
    for (size_t i = 0; i < sizeof lessons / sizeof lessons[0]; i++) {
        char path[4096];
        if (strcmp(lessons[i], "lesson_millions.yaml") == 0 &&
            access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) != 0) {
            printf("skip lesson_millions: Fashion-MNIST not installed\n");
            continue;
        }
        snprintf(path, sizeof path, "%s/experiments/%s", top && *top ? top : ".", lessons[i]);
        test_lesson(path, lessons[i]);
    }
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/experiments/lesson_ift.yaml", top && *top ? top : ".");
        test_jump(path);
    }
    test_history();
    test_export();
    return check_summary();
}
