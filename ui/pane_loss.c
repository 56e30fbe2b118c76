/* pane_loss.c - training, validation (and test) loss against outer step;
 * for classifiers, `v` switches to train/val/test accuracy (a linear axis
 * from 0 to 1, whatever `l` says). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "view.h"

/* One chart of three record fields (train, val, test) against outer step
 * 1..n; the test series only when some value is finite.  ymin < ymax fixes
 * the axis (accuracies), else it follows the data. */
typedef struct {
    size_t off[3];          /* offsetof(ihg_record, ...) of the three series */
    const char *label[3];
    const char *ylabel;
    int log_y;
    double ymin, ymax;
    size_t skip;            /* the newest steps hidden (looking back)     */
} history_chart;

static double field(const ihg_record *rec, size_t off)
{
    return *(const double *)((const char *)rec + off);
}

static void draw_history(ihg_canvas *cv, ihg_rect r, ihg_rect in, const ihg_view *v,
                         size_t n, const history_chart *h)
{
    static const ihg_role roles[3] = {IHG_ROLE_TRAIN, IHG_ROLE_VAL, IHG_ROLE_TEST};
    static const char marks[3] = {'*', '+', 'o'};
    static const wchar_t glyphs[3] = {0x25CF, 0x25C6, 0x25A0}; /* ● ◆ ■ */
    /* the other branches of the history (validation loss only), each its
     * own glyph, digit and dotted line */
    static const ihg_role broles[4] = {IHG_ROLE_NEUMANN, IHG_ROLE_CG, IHG_ROLE_PREDICT,
                                       IHG_ROLE_EXACT};
    static const wchar_t bglyphs[IHG_VIEW_BRANCHES_MAX] = {
        0x25B2, 0x25BC, 0x25C7, 0x25A1, 0x25B3, 0x25BD, 0x25CB, 0x2605}; /* ▲▼◇□△▽○★ */
    ihg_series s[3 + IHG_VIEW_BRANCHES_MAX];
    size_t ns = 0;
    int has_test = 0;
    ihg_chart c;
    double *buf = malloc((3 * n + 1) * sizeof *buf);
    if (!buf)
        return;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            buf[k * n + i] = field(&v->hist[i], h->off[k]);
    for (size_t i = 0; i < n; i++)
        if (isfinite(buf[2 * n + i]))
            has_test = 1;
    for (int k = 0; k < (has_test ? 3 : 2); k++)
        s[ns++] = (ihg_series){.y = buf + k * n, .n = n, .x0 = 1, .role = roles[k],
                               .label = h->label[k], .mark = marks[k], .glyph = glyphs[k],
                               .rank = k == 2};
    if (h->off[1] == offsetof(ihg_record, val_loss))
        for (int k = 0; k < v->history.n_drawn && k < IHG_VIEW_BRANCHES_MAX; k++) {
            size_t bn = v->history.branch_n[k];
            if (!v->history.branch_val[k] || bn == 0)
                continue;
            if (h->skip && bn > n)
                bn = n; /* looking back: the newest steps hidden for all */
            s[ns++] = (ihg_series){.y = v->history.branch_val[k], .n = bn, .x0 = 1,
                                   .role = broles[k % 4], .label = v->history.branch_label[k],
                                   .mark = (char)('1' + k), .glyph = bglyphs[k],
                                   .dotted = 1, .rank = 2 + k};
        }
    ihg_chart_init(&c);
    c.log_y = h->log_y;
    c.xlabel = "outer step";
    c.ylabel = h->ylabel;
    if (h->ymin < h->ymax) {
        c.ymin = h->ymin;
        c.ymax = h->ymax;
    }
    c.legend_row = r.y + r.h - 1;
    c.legend_right = r.x + r.w - 2;
    size_t nmax = n;
    for (size_t i = 0; i < ns; i++)
        if (s[i].n > nmax)
            nmax = s[i].n;
    if (nmax == 1) {
        c.xmin = 0.5;
        c.xmax = 1.5;
    }
    ihg_chart_draw(cv, in, &c, s, ns, NULL);
    free(buf);
}

static void accuracy(ihg_canvas *cv, ihg_rect r, const ihg_view *v, size_t n, size_t skip)
{
    char extra[128];
    static const history_chart h = {
        {offsetof(ihg_record, train_acc), offsetof(ihg_record, val_acc),
         offsetof(ihg_record, test_acc)},
        {"train acc", "val acc", "test acc"}, "accuracy", 0, 0, 1, 0};
    /* looking back comes first: it must not be the part that is dropped */
    if (skip)
        snprintf(extra, sizeof extra, "[acc] (-%zu)", skip);
    else
        snprintf(extra, sizeof extra, "[acc]");
    if (n > 0) {
        const ihg_record *last = &v->hist[n - 1];
        size_t l = strlen(extra);
        char a[24], b[24];
        ihg_format_fixed(a, sizeof a, last->train_acc, 3);
        ihg_format_fixed(b, sizeof b, last->val_acc, 3);
        snprintf(extra + l, sizeof extra - l, " train %s val %s", a, b);
        l = strlen(extra);
        if (isfinite(last->test_acc)) {
            ihg_format_fixed(a, sizeof a, last->test_acc, 3);
            snprintf(extra + l, sizeof extra - l, " test %s", a);
        }
    }
    draw_history(cv, r, ihg_pane_frame(cv, r, v, IHG_PANE_LOSS, extra), v, n, &h);
}

void ihg_pane_loss(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[96] = "", a[16], b[16];
    size_t n = v->nhist, skip = 0;
    history_chart h = {
        {offsetof(ihg_record, train_loss), offsetof(ihg_record, val_loss),
         offsetof(ihg_record, test_loss)},
        {"train L_T", "val L_V", "test"}, "loss", v->disp.log_y, 0, 0, 0};

    if (v->disp.scroll_x[IHG_PANE_LOSS] > 0 && n > 1) {
        skip = (size_t)v->disp.scroll_x[IHG_PANE_LOSS];
        if (skip > n - 1)
            skip = n - 1;
        n -= skip; /* look at older steps: the newest `skip` hidden */
    }
    if (v->disp.show_acc) {
        accuracy(cv, r, v, n, skip);
        return;
    }
    h.skip = skip;
    {
        char back[48] = "";
        size_t l;
        if (v->history.n_branches > 1) /* which branch is drawn solid */
            snprintf(back, sizeof back, " b%d", v->history.branch);
        l = strlen(back);
        if (skip)
            snprintf(back + l, sizeof back - l, " (-%zu)", skip);
        if (n > 0) {
            const ihg_record *last = &v->hist[n - 1];
            ihg_format_short(a, sizeof a, last->train_loss, 8);
            ihg_format_short(b, sizeof b, last->val_loss, 8);
            if (isfinite(last->val_acc)) {
                char acc[24];
                ihg_format_fixed(acc, sizeof acc, last->val_acc, 3);
                snprintf(extra, sizeof extra, "%s%s train %s val %s acc %s",
                         v->disp.log_y ? "[log]" : "[lin]", back, a, b, acc);
            } else {
                snprintf(extra, sizeof extra, "%s%s train %s val %s",
                         v->disp.log_y ? "[log]" : "[lin]", back, a, b);
            }
        } else {
            snprintf(extra, sizeof extra, "%s%s", v->disp.log_y ? "[log]" : "[lin]", back);
        }
    }
    draw_history(cv, r, ihg_pane_frame(cv, r, v, IHG_PANE_LOSS, extra), v, n, &h);
}
