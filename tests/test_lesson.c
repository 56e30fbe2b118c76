/* test_lesson.c - lessons (lesson.h) and their player (lesson_player.h):
 * actions and answers read as documented, a lesson recognised by its
 * content, and every slide's starting state the same bit for bit whatever
 * order the slides are visited in (forward, backward, jumping, after
 * playing a slide and coming back to it).
 */
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "lesson.h"
#include "lesson_player.h"
#include "method.h"

static void test_actions(void)
{
    static const struct {
        const char *text, *normal;
    } good[] = {{"outer", "outer 1"},       {"outer 3", "outer 3"},
                {"terms 7", "K 7"},         {"K 0", "K 0"},
                {"alpha 0.25", "alpha 0.25"}, {"method cg", "method cg"},
                {"focus 4", "focus spectrum"}, {"zoom neumann", "zoom errors"},
                {"log", "log on"},          {"accuracy off", "accuracy off"},
                {"outer-lr 0", "outer-lr 0"}, {"hypergrad", "hypergrad"}};
    static const char *const bad[] = {"", "outr 3", "outer 0", "outer 3 4", "K", "K -1",
                                      "alpha 0", "alpha x", "method newton", "focus 7",
                                      "log maybe", "compare now", "inner-lr -1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ihg_lesson_action a;
        char err[200] = "";
        int st = ihg_lesson_parse_action(good[i].text, &a, err, sizeof err);
        CHECK(st == IHG_OK && strcmp(a.text, good[i].normal) == 0,
              "action '%s' reads as '%s' (%s)", good[i].text, good[i].normal,
              st == IHG_OK ? a.text : err);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ihg_lesson_action a;
        char err[200] = "";
        int st = ihg_lesson_parse_action(bad[i], &a, err, sizeof err);
        CHECK(st != IHG_OK && err[0], "action '%s' refused: %s", bad[i], err);
    }
    ihg_lesson_action a;
    char err[200];
    ihg_lesson_parse_action("method unrolled", &a, err, sizeof err);
    CHECK(a.method == &ihg_method_unrolled, "method unrolled names the unrolled method");
}

static void test_recognise(void)
{
    const char *lesson = "slides:\n  - title: x\n";
    const char *experiment = "model:\n  kind: quadratic\n";
    const char *broken = "slides: [\n";
    CHECK(ihg_lesson_recognise(lesson, strlen(lesson)), "a mapping with slides: is a lesson");
    CHECK(!ihg_lesson_recognise(experiment, strlen(experiment)),
          "an experiment is not a lesson");
    CHECK(!ihg_lesson_recognise(broken, strlen(broken)) && ihg_error_message()[0] == '\0',
          "broken YAML is not a lesson (and leaves no error behind)");
    CHECK(ihg_lesson_recognise(ihg_default_lesson, strlen(ihg_default_lesson)),
          "the built-in lesson is one");
}

/* What a slide's start is: the run's numbers. */
typedef struct {
    long outer, inner_total;
    ihg_phase phase;
    const ihg_method_type *method;
    long K;
    double alpha, inner_lr, outer_lr;
    size_t nhist, Hn, P;
    ihg_record last;
    double *lambda, *theta, *hg;
} snapshot;

static void snap(const ihg_session *s, snapshot *x)
{
    memset(x, 0, sizeof *x);
    x->outer = ihg_session_outer(s);
    x->inner_total = ihg_session_inner_total(s);
    x->phase = ihg_session_phase(s);
    x->method = ihg_session_method(s);
    x->K = ihg_session_terms(s);
    x->alpha = ihg_session_alpha(s);
    x->inner_lr = ihg_session_inner_lr(s);
    x->outer_lr = ihg_session_outer_lr(s);
    x->nhist = ihg_session_history_len(s);
    if (x->nhist)
        x->last = ihg_session_history(s)[x->nhist - 1];
    x->last.seconds = 0;
    x->Hn = ihg_session_n_hyper(s);
    x->P = ihg_session_n_params(s);
    x->lambda = malloc(x->Hn * sizeof(double));
    x->hg = malloc(x->Hn * sizeof(double));
    x->theta = malloc(x->P * sizeof(double));
    memcpy(x->lambda, ihg_session_lambda(s)->data, x->Hn * sizeof(double));
    memcpy(x->hg, ihg_session_hypergrad(s)->data, x->Hn * sizeof(double));
    memcpy(x->theta, ihg_session_theta(s)->data, x->P * sizeof(double));
}

static int same(const snapshot *a, const snapshot *b)
{
    return a->outer == b->outer && a->inner_total == b->inner_total && a->phase == b->phase &&
           a->method == b->method && a->K == b->K && a->alpha == b->alpha &&
           a->inner_lr == b->inner_lr && a->outer_lr == b->outer_lr && a->nhist == b->nhist &&
           a->Hn == b->Hn && a->P == b->P &&
           memcmp(&a->last.val_loss, &b->last.val_loss, sizeof(double)) == 0 &&
           memcmp(&a->last.train_loss, &b->last.train_loss, sizeof(double)) == 0 &&
           memcmp(&a->last.hypergrad_norm, &b->last.hypergrad_norm, sizeof(double)) == 0 &&
           memcmp(a->lambda, b->lambda, a->Hn * sizeof(double)) == 0 &&
           memcmp(a->hg, b->hg, a->Hn * sizeof(double)) == 0 &&
           memcmp(a->theta, b->theta, a->P * sizeof(double)) == 0;
}

static void unsnap(snapshot *x)
{
    free(x->lambda);
    free(x->hg);
    free(x->theta);
}

#define MAX_SLIDES 16

static void test_player(const char *what, const ihg_lesson *l)
{
    size_t n = l->n_slides < MAX_SLIDES ? l->n_slides : MAX_SLIDES;
    snapshot ref[MAX_SLIDES];
    ihg_lesson_answer ans[MAX_SLIDES];
    ihg_lesson_player *p = ihg_lesson_player_alloc(l);
    CHECK(p != NULL, "%s: a player", what);
    if (!p)
        return;
    /* forward, as a lecture goes: start, play, reveal */
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        ok = ihg_lesson_player_goto(p, i) == IHG_OK;
        if (!ok)
            printf("  goto %zu: %s\n", i + 1, ihg_error_message());
        snap(ihg_lesson_player_session(p), &ref[i]);
        ok = ok && ihg_lesson_player_play(p, NULL) == IHG_OK;
        if (ok && l->slides[i].question)
            ok = ihg_lesson_player_reveal(p, &ans[i]) == IHG_OK;
    }
    CHECK(ok, "%s: every slide played forward with its reveal", what);
    if (!ok) {
        ihg_lesson_player_free(p);
        return;
    }
    /* backward: each start as it was */
    int back = 1;
    for (size_t i = n; i-- > 0;) {
        snapshot x;
        if (ihg_lesson_player_goto(p, i) != IHG_OK) {
            back = 0;
            continue;
        }
        snap(ihg_lesson_player_session(p), &x);
        back &= same(&x, &ref[i]);
        unsnap(&x);
    }
    CHECK(back, "%s: going back restores each slide's start bit for bit", what);
    /* jumps, and a slide played then visited again, in a fresh player */
    ihg_lesson_player *q = ihg_lesson_player_alloc(l);
    int jumps = q != NULL;
    int answers = 1;
    for (size_t k = 0; q && k < 3 * n; k++) {
        size_t i = (k * 7 + 3) % n;
        snapshot x;
        if (ihg_lesson_player_goto(q, i) != IHG_OK) {
            jumps = 0;
            continue;
        }
        snap(ihg_lesson_player_session(q), &x);
        jumps &= same(&x, &ref[i]);
        unsnap(&x);
        if (ihg_lesson_player_play(q, NULL) == IHG_OK && l->slides[i].question) {
            ihg_lesson_answer a;
            if (ihg_lesson_player_reveal(q, &a) == IHG_OK)
                answers &= memcmp(&a.value, &ans[i].value, sizeof a.value) == 0 &&
                           a.choice == ans[i].choice;
            else
                answers = 0;
        }
    }
    CHECK(jumps, "%s: jumping between slides (and replaying them) gives each start "
          "bit for bit", what);
    CHECK(answers, "%s: every reveal gives the same answer and choice each time", what);
    ihg_lesson_player_free(q);
    ihg_lesson_player_free(p);
    for (size_t i = 0; i < n; i++)
        unsnap(&ref[i]);
}

int main(void)
{
    ihg_error_install_gsl_handler();
    test_actions();
    test_recognise();
    ihg_lesson l;
    int st = ihg_lesson_load_string(&l, "<built-in>", ihg_default_lesson,
                                    strlen(ihg_default_lesson), NULL);
    CHECK(st == IHG_OK && l.n_slides >= 6, "the built-in lesson loads (%s)",
          st == IHG_OK ? "ok" : ihg_error_message());
    if (st == IHG_OK)
        test_player("built-in", &l);
    ihg_lesson_free(&l);
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/experiments/lesson_neumann_cg.yaml", top ? top : ".");
    st = ihg_lesson_load(&l, path, NULL);
    CHECK(st == IHG_OK, "lesson_neumann_cg loads (%s)", st == IHG_OK ? "ok" : ihg_error_message());
    if (st == IHG_OK)
        test_player("lesson_neumann_cg", &l);
    ihg_lesson_free(&l);
    snprintf(path, sizeof path, "%s/experiments/lesson_explicit.yaml", top ? top : ".");
    st = ihg_lesson_load(&l, path, NULL);
    CHECK(st == IHG_OK, "lesson_explicit loads (%s)", st == IHG_OK ? "ok" : ihg_error_message());
    if (st == IHG_OK)
        test_player("lesson_explicit", &l);
    ihg_lesson_free(&l);
    return check_summary();
}
