/* snapshot.c - a view's own copy (see snapshot.h). */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"

void ihg_snapshot_init(ihg_snapshot *s) { memset(s, 0, sizeof *s); }

void ihg_snapshot_free(ihg_snapshot *s)
{
    free(s->hist);
    if (s->lambda)
        gsl_vector_free(s->lambda);
    if (s->hypergrad)
        gsl_vector_free(s->hypergrad);
    ihg_comparison_free(s->cmp);
    free(s->qnorm);
    free(s->lambda_path);
    free(s->theta_path);
    free(s->opt_path);
    free(s->grid);
    free(s->aug_orig);
    free(s->aug_img);
    free(s->lambda_summary);
    free(s->hypergrad_summary);
    for (int k = 0; k < IHG_VIEW_BRANCHES_MAX; k++)
        free(s->branch_val[k]);
    memset(s, 0, sizeof *s);
}

/* dst (re)allocated to src's size and filled when the version moved */
static int copy_vector(gsl_vector **dst, unsigned long *have, const gsl_vector *src,
                       unsigned long version)
{
    if (!src) {
        if (*dst)
            gsl_vector_free(*dst);
        *dst = NULL;
        *have = 0;
        return IHG_OK;
    }
    if (*dst && (*dst)->size != src->size) {
        gsl_vector_free(*dst);
        *dst = NULL;
    }
    if (!*dst) {
        *dst = gsl_vector_alloc(src->size);
        if (!*dst)
            return IHG_ENOMEM;
        *have = 0;
    }
    /* version 0: unknown, copy every time */
    if (version == 0 || *have != version) {
        gsl_vector_memcpy(*dst, src);
        *have = version;
    }
    return IHG_OK;
}

static int grow(double **p, size_t *cap, size_t need)
{
    double *a;
    if (need <= *cap)
        return IHG_OK;
    a = realloc(*p, need * sizeof *a);
    if (!a)
        return IHG_ENOMEM;
    *p = a;
    *cap = need;
    return IHG_OK;
}

static int copy_doubles(double **dst, size_t *cap, const double *src, size_t n)
{
    if (grow(dst, cap, n) != IHG_OK)
        return IHG_ENOMEM;
    memcpy(*dst, src, n * sizeof **dst);
    return IHG_OK;
}

static int copy_plane(ihg_snapshot *s, const ihg_plane_view *src, ihg_plane_view *dst)
{
    size_t n = src->n_path;
    *dst = *src;
    dst->lambda_path = dst->theta_path = dst->opt_path = NULL;
    dst->grid = NULL;
    if (!src->on)
        return IHG_OK;
    if (n > 0) {
        if (copy_doubles(&s->lambda_path, &s->lambda_path_cap, src->lambda_path,
                         n * src->n_lambda) != IHG_OK ||
            copy_doubles(&s->theta_path, &s->theta_path_cap, src->theta_path, 2 * n) !=
                IHG_OK ||
            copy_doubles(&s->opt_path, &s->opt_path_cap, src->opt_path, 2 * n) != IHG_OK)
            return IHG_ENOMEM;
        dst->lambda_path = s->lambda_path;
        dst->theta_path = s->theta_path;
        dst->opt_path = s->opt_path;
    }
    if (src->grid) {
        const ihg_plane_frame *f = &src->grid_frame, *g = &s->grid_frame;
        if (!s->have_grid || g->x0 != f->x0 || g->y0 != f->y0 || g->step != f->step ||
            g->nx != f->nx || g->ny != f->ny || g->lambda_version != f->lambda_version) {
            if (copy_doubles(&s->grid, &s->grid_cap, src->grid,
                             (size_t)f->nx * (size_t)f->ny) != IHG_OK)
                return IHG_ENOMEM;
            s->grid_frame = *f;
            s->have_grid = 1;
        }
        dst->grid = s->grid;
        dst->grid_frame = s->grid_frame;
    }
    return IHG_OK;
}

/* dst made and filled from src, or NULL when src is */
static int copy_summary(ihg_summary **dst, const ihg_summary *src)
{
    if (!src)
        return IHG_OK;
    if (!*dst && !(*dst = malloc(sizeof **dst)))
        return IHG_ENOMEM;
    memcpy(*dst, src, sizeof **dst);
    return IHG_OK;
}

int ihg_snapshot_take(ihg_snapshot *s, const ihg_view *live, const ihg_summary *lsum,
                      const ihg_summary *gsum)
{
    ihg_view *v = &s->v;
    int st;
    *v = *live;
    v->plane_want = NULL;

    /* strings that live in the session or the controller */
    snprintf(s->message, sizeof s->message, "%s", live->message ? live->message : "");
    v->message = s->message;
    snprintf(s->stop_reason, sizeof s->stop_reason, "%s",
             live->stop_reason ? live->stop_reason : "");
    v->stop_reason = s->stop_reason;
    if (live->cmp_progress) {
        snprintf(s->cmp_progress, sizeof s->cmp_progress, "%s", live->cmp_progress);
        v->cmp_progress = s->cmp_progress;
    }
    if (live->seeds_progress) {
        snprintf(s->seeds_progress, sizeof s->seeds_progress, "%s", live->seeds_progress);
        v->seeds_progress = s->seeds_progress;
    }
    if (live->method_name) {
        snprintf(s->method_name, sizeof s->method_name, "%s", live->method_name);
        v->method_name = s->method_name;
    }

    /* the history grows by appending; a reset starts it again */
    if (live->nhist > s->hist_cap) {
        size_t cap = live->nhist + live->nhist / 2 + 16;
        ihg_record *h = realloc(s->hist, cap * sizeof *h);
        if (!h)
            return IHG_ENOMEM;
        s->hist = h;
        s->hist_cap = cap;
    }
    /* records are small (a few hundred bytes): copied whole */
    if (live->nhist > 0)
        memcpy(s->hist, live->hist, live->nhist * sizeof *s->hist);
    s->hist_version = live->hist_version;
    v->hist = s->hist;

    if ((st = copy_vector(&s->lambda, &s->lambda_version, live->lambda,
                          live->lambda_version)) != IHG_OK ||
        (st = copy_vector(&s->hypergrad, &s->hypergrad_version, live->hypergrad,
                          live->hypergrad_version ? live->hypergrad_version
                                                  : live->point_version)) != IHG_OK)
        return st;
    v->lambda = s->lambda;
    v->hypergrad = s->hypergrad;

    if (live->cmp) {
        if (!s->cmp || s->cmp_version != live->cmp_version || live->cmp_version == 0) {
            if (!s->cmp && !(s->cmp = calloc(1, sizeof *s->cmp)))
                return IHG_ENOMEM;
            if (ihg_comparison_copy_shown(s->cmp, live->cmp) != IHG_OK)
                return IHG_ENOMEM;
            s->cmp_version = live->cmp_version;
        }
        v->cmp = s->cmp;
    }

    if (live->n_qnorm > 0 && live->qnorm) {
        if (live->n_qnorm > s->qnorm_cap) {
            long cap = live->n_qnorm * 2;
            double *q = realloc(s->qnorm, (size_t)cap * sizeof *q);
            if (!q)
                return IHG_ENOMEM;
            s->qnorm = q;
            s->qnorm_cap = cap;
        }
        memcpy(s->qnorm, live->qnorm, (size_t)live->n_qnorm * sizeof *s->qnorm);
        v->qnorm = s->qnorm;
    } else {
        v->qnorm = NULL;
    }

    if ((st = copy_plane(s, &live->plane, &v->plane)) != IHG_OK)
        return st;
    if (live->aug_n > 0) {
        size_t n = live->aug_n * live->img_rows * live->img_cols;
        if (copy_doubles(&s->aug_orig, &s->aug_orig_cap, live->aug_orig, n) != IHG_OK ||
            copy_doubles(&s->aug_img, &s->aug_img_cap, live->aug_img, n) != IHG_OK)
            return IHG_ENOMEM;
        v->aug_orig = s->aug_orig;
        v->aug_img = s->aug_img;
    }
    if (copy_summary(&s->lambda_summary, lsum) != IHG_OK ||
        copy_summary(&s->hypergrad_summary, gsum) != IHG_OK)
        return IHG_ENOMEM;
    v->lambda_summary = lsum ? s->lambda_summary : NULL;
    v->hypergrad_summary = gsum ? s->hypergrad_summary : NULL;
    /* the other branches of the history (small: one number a step) */
    for (int k = 0; k < live->history.n_drawn && k < IHG_VIEW_BRANCHES_MAX; k++) {
        if (copy_doubles(&s->branch_val[k], &s->branch_cap[k], live->history.branch_val[k],
                         live->history.branch_n[k]) != IHG_OK)
            return IHG_ENOMEM;
        snprintf(s->branch_label[k], sizeof s->branch_label[k], "%s",
                 live->history.branch_label[k] ? live->history.branch_label[k] : "");
        v->history.branch_val[k] = s->branch_val[k];
        v->history.branch_label[k] = s->branch_label[k];
    }

    s->valid = 1;
    return IHG_OK;
}
