/* pane_loss.c - training, validation (and test) loss against outer step;
 * for classifiers, `v` switches to train/val/test accuracy (a linear axis
 * from 0 to 1, whatever `l` says). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "view.h"

static void accuracy(ihg_canvas *cv, ihg_rect r, const ihg_view *v, size_t n, size_t skip)
{
    char extra[128] = "[acc]";
    double *buf;
    ihg_series s[3];
    size_t ns = 0, i;
    int has_test = 0;
    ihg_chart c;
    ihg_rect in;
    if (n > 0) {
        const ihg_record *last = &v->hist[n - 1];
        size_t l = strlen(extra);
        snprintf(extra + l, sizeof extra - l, " train %.3f val %.3f", last->train_acc,
                 last->val_acc);
        l = strlen(extra);
        if (isfinite(last->test_acc))
            snprintf(extra + l, sizeof extra - l, " test %.3f", last->test_acc);
    }
    if (skip)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " (-%zu)", skip);
    in = ihg_pane_frame(cv, r, v, IHG_PANE_LOSS, extra);
    buf = malloc((3 * n + 1) * sizeof *buf);
    if (!buf)
        return;
    for (i = 0; i < n; i++) {
        buf[i] = v->hist[i].train_acc;
        buf[n + i] = v->hist[i].val_acc;
        buf[2 * n + i] = v->hist[i].test_acc;
        if (isfinite(v->hist[i].test_acc))
            has_test = 1;
    }
    s[ns++] = (ihg_series){.y = buf, .n = n, .x0 = 1, .role = IHG_ROLE_TRAIN,
                           .label = "train acc", .mark = '*'};
    s[ns++] = (ihg_series){.y = buf + n, .n = n, .x0 = 1, .role = IHG_ROLE_VAL,
                           .label = "val acc", .mark = '+'};
    if (has_test)
        s[ns++] = (ihg_series){.y = buf + 2 * n, .n = n, .x0 = 1, .role = IHG_ROLE_TEST,
                               .label = "test acc", .mark = 'o'};
    ihg_chart_init(&c);
    c.xlabel = "outer step";
    c.ylabel = "accuracy";
    c.ymin = 0;
    c.ymax = 1;
    c.legend_row = r.y + r.h - 1;
    c.legend_right = r.x + r.w - 2;
    if (n == 1) {
        c.xmin = 0.5;
        c.xmax = 1.5;
    }
    ihg_chart_draw(cv, in, &c, s, ns, NULL);
    free(buf);
}

void ihg_pane_loss(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char extra[96] = "", a[16], b[16];
    size_t n = v->nhist, i, skip = 0;
    double *buf;
    ihg_series s[3];
    size_t ns = 0;
    ihg_chart c;
    ihg_rect in;
    int has_test = 0, has_acc = 0;

    if (v->scroll_x[IHG_PANE_LOSS] > 0 && n > 1) {
        skip = (size_t)v->scroll_x[IHG_PANE_LOSS];
        if (skip > n - 1)
            skip = n - 1;
        n -= skip; /* look at older steps: the newest `skip` hidden */
    }
    if (v->show_acc) {
        accuracy(cv, r, v, n, skip);
        return;
    }
    if (n > 0) {
        const ihg_record *last = &v->hist[n - 1];
        ihg_format_short(a, sizeof a, last->train_loss, 8);
        ihg_format_short(b, sizeof b, last->val_loss, 8);
        has_acc = isfinite(last->val_acc);
        if (has_acc)
            snprintf(extra, sizeof extra, "%s train %s val %s acc %.3f",
                     v->log_y ? "[log]" : "[lin]", a, b, last->val_acc);
        else
            snprintf(extra, sizeof extra, "%s train %s val %s",
                     v->log_y ? "[log]" : "[lin]", a, b);
    } else {
        snprintf(extra, sizeof extra, "%s", v->log_y ? "[log]" : "[lin]");
    }
    if (skip)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " (-%zu)", skip);
    in = ihg_pane_frame(cv, r, v, IHG_PANE_LOSS, extra);

    buf = malloc((3 * n + 1) * sizeof *buf);
    if (!buf)
        return;
    for (i = 0; i < n; i++) {
        buf[i] = v->hist[i].train_loss;
        buf[n + i] = v->hist[i].val_loss;
        buf[2 * n + i] = v->hist[i].test_loss;
        if (isfinite(v->hist[i].test_loss))
            has_test = 1;
    }
    s[ns] = (ihg_series){.y = buf, .n = n, .x0 = 1, .role = IHG_ROLE_TRAIN,
                         .label = "train L_T", .mark = '*'};
    ns++;
    s[ns] = (ihg_series){.y = buf + n, .n = n, .x0 = 1, .role = IHG_ROLE_VAL,
                         .label = "val L_V", .mark = '+'};
    ns++;
    if (has_test) {
        s[ns] = (ihg_series){.y = buf + 2 * n, .n = n, .x0 = 1, .role = IHG_ROLE_TEST,
                             .label = "test", .mark = 'o'};
        ns++;
    }
    ihg_chart_init(&c);
    c.log_y = v->log_y;
    c.xlabel = "outer step";
    c.ylabel = "loss";
    c.legend_row = r.y + r.h - 1;
    c.legend_right = r.x + r.w - 2;
    if (n == 1) {
        c.xmin = 0.5;
        c.xmax = 1.5;
    }
    ihg_chart_draw(cv, in, &c, s, ns, NULL);
    free(buf);
}
