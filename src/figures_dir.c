/* figures_dir.c - the standard figures of a run into a directory. */
#define _POSIX_C_SOURCE 200809L /* fdopen */
#include "figures_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../models/model.h"
#include "error.h"
#include "output.h"

void ihg_figures_data_from_session(ihg_figures_data *d, const ihg_session *s,
                                   const ihg_comparison *cmp, long cmp_outer,
                                   const double *lambda_start)
{
    const ihg_config *cfg = ihg_session_config(s);
    const ihg_model *m = ihg_session_model(s);
    const ihg_dataset *ds = ihg_session_dataset(s);
    const gsl_vector *lambda = ihg_session_lambda(s);
    const ihg_method_type *mt = ihg_session_method(s);
    memset(d, 0, sizeof *d);
    d->hist = ihg_session_history(s);
    d->nhist = ihg_session_history_len(s);
    d->cmp = cmp;
    d->cmp_outer = cmp_outer;
    d->layout = ihg_session_layout(s);
    d->lambda_start = lambda_start;
    d->lambda_now = lambda->data; /* a session's vectors are contiguous */
    d->n_lambda = lambda->size;
    d->outer = ihg_session_outer(s);
    size_t px = ds->image_rows * ds->image_cols;
    if ((m->type->flags & IHG_MODEL_LAMBDA_IMAGES) && px > 0 && m->Hn % px == 0) {
        d->images = lambda->data; /* the model's segment comes first */
        d->img_k = m->Hn / px;
        d->img_rows = ds->image_rows;
        d->img_cols = ds->image_cols;
    }
    char k[64] = "";
    if (mt->flags & IHG_METHOD_USES_K)
        snprintf(k, sizeof k, ", %s = %ld", mt->k_key ? mt->k_key : "K",
                 ihg_session_terms(s));
    if (mt->flags & IHG_METHOD_USES_ALPHA) {
        char a[32];
        ihg_figure_number(a, sizeof a, ihg_session_alpha(s), 3);
        snprintf(k + strlen(k), sizeof k - strlen(k), ", \xce\xb1 = %s", a);
    }
    snprintf(d->subtitle, sizeof d->subtitle, "%s \xc2\xb7 %s%s \xc2\xb7 seed %lu",
             cfg->name ? cfg->name : "experiment", mt->label, k, cfg->seed);
}

int ihg_figures_dir_prepare(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || mkdir(dir, 0777) != 0)
            return ihg_error_at(IHG_EWRITE, dir, 0, 0, "cannot make the figures directory: %s",
                                strerror(errno));
        return IHG_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return ihg_error_at(IHG_EWRITE, dir, 0, 0, "not a directory (--figures needs one)");
    if (access(dir, W_OK | X_OK) != 0)
        return ihg_error_at(IHG_EWRITE, dir, 0, 0, "cannot write in it: %s", strerror(errno));
    return IHG_OK;
}

typedef enum { FIG_LOSSES, FIG_ACCURACY, FIG_ERROR, FIG_SPECTRUM, FIG_LAMBDA, FIG_IMAGES } fig_kind;

static const char *const fig_names[] = {"losses", "accuracy", "hypergrad_error",
                                        "spectrum", "lambda", "images"};

static int applies(fig_kind k, const ihg_figures_data *d)
{
    switch (k) {
    case FIG_LOSSES: return d->nhist > 0;
    case FIG_ACCURACY: return ihg_figure_has_accuracy(d->hist, d->nhist);
    case FIG_ERROR: return ihg_figure_has_errors(d->cmp);
    case FIG_SPECTRUM: return ihg_figure_has_spectrum(d->cmp);
    case FIG_LAMBDA: return d->lambda_now && d->n_lambda > 0;
    case FIG_IMAGES: return d->images != NULL;
    }
    return 0;
}

static int draw(fig_kind k, FILE *f, const ihg_figure_spec *spec, const ihg_figures_data *d)
{
    switch (k) {
    case FIG_LOSSES: return ihg_figure_losses(f, spec, d->hist, d->nhist);
    case FIG_ACCURACY: return ihg_figure_accuracy(f, spec, d->hist, d->nhist);
    case FIG_ERROR: return ihg_figure_hypergrad_error(f, spec, d->cmp, d->cmp_outer);
    case FIG_SPECTRUM: return ihg_figure_spectrum(f, spec, d->cmp, d->cmp_outer);
    case FIG_LAMBDA:
        return ihg_figure_lambda(f, spec, d->layout, d->lambda_start, d->lambda_now,
                                 d->n_lambda, d->outer);
    case FIG_IMAGES:
        return ihg_figure_images(f, spec, d->images, d->img_k, d->img_rows, d->img_cols,
                                 d->img_labels, d->outer);
    }
    return IHG_EINVAL;
}

int ihg_figures_dir_write(const char *dir, int width, int height, const ihg_figures_data *d,
                          const char *const *inputs, int *written)
{
    int n = 0;
    for (fig_kind k = FIG_LOSSES; k <= FIG_IMAGES; k++) {
        if (!applies(k, d))
            continue;
        for (int fmt = 0; fmt < IHG_FIGURE_FORMATS; fmt++) {
            if (k == FIG_IMAGES && fmt != IHG_FIGURE_PNG)
                continue;
            ihg_figure_spec spec = {(ihg_figure_format)fmt, width, height, d->subtitle};
            char path[4096];
            if ((size_t)snprintf(path, sizeof path, "%s/%s.%s", dir, fig_names[k],
                                 ihg_figure_extension(spec.format)) >= sizeof path)
                return ihg_error_at(IHG_EINVAL, dir, 0, 0, "path too long");
            FILE *f = ihg_output_open(path, inputs);
            if (!f)
                goto fail;
            int st = draw(k, f, &spec, d);
            if (st != IHG_OK) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s", ihg_error_message());
                ihg_output_close(f, path);
                ihg_error_at(st, path, 0, 0, "%s", msg);
                goto fail;
            }
            if (ihg_output_close(f, path) != IHG_OK)
                goto fail;
            n++;
        }
    }
    if (written)
        *written = n;
    return IHG_OK;
fail:
    if (written)
        *written = n;
    return ihg_error_status();
}

/* ---- the figures of a --batch run ------------------------------------ */

struct ihg_figures_job {
    char *dir;
    int width, height;
    double *lambda_start;
    ihg_comparison *own;          /* the job's comparison (no --compare)  */
    const ihg_comparison *cmp;    /* the one drawn                        */
    long cmp_outer;
};

ihg_figures_job *ihg_figures_job_alloc(const char *dir, int width, int height,
                                       ihg_session *s)
{
    if (ihg_figures_dir_prepare(dir) != IHG_OK)
        return NULL;
    ihg_figures_job *j = calloc(1, sizeof *j);
    const gsl_vector *lambda = ihg_session_lambda(s);
    if (!j || !(j->dir = strdup(dir)) ||
        !(j->lambda_start = malloc(lambda->size * sizeof *j->lambda_start))) {
        ihg_figures_job_free(j);
        ihg_error_set(IHG_ENOMEM, "out of memory (figures)");
        return NULL;
    }
    j->width = width;
    j->height = height;
    for (size_t i = 0; i < lambda->size; i++)
        j->lambda_start[i] = gsl_vector_get(lambda, i);
    /* the explicit methods in the comparison need the inner loop recorded
     * (when it cannot be, the comparison says why for each) */
    ihg_session_record_trajectory(s, 1);
    ihg_error_clear();
    return j;
}

int ihg_figures_job_point(ihg_figures_job *j, ihg_session *s, const ihg_comparison *cmp)
{
    long outer = ihg_session_outer(s) + 1; /* the step whose point this is */
    if (cmp) {
        j->cmp = cmp;
        j->cmp_outer = outer;
        return IHG_OK;
    }
    if (outer != ihg_session_config(s)->outer.steps)
        return IHG_OK;
    if (!j->own) {
        j->own = ihg_comparison_alloc(ihg_session_n_hyper(s),
                                      ihg_session_config(s)->hypergrad.compare_max);
        if (!j->own)
            return ihg_error_status();
    }
    int st = ihg_compare_run(s, j->own);
    if (st != IHG_OK)
        return st;
    j->cmp = j->own;
    j->cmp_outer = outer;
    return IHG_OK;
}

int ihg_figures_job_finish(ihg_figures_job *j, const ihg_session *s,
                           const char *const *inputs)
{
    ihg_figures_data d;
    int written = 0;
    ihg_figures_data_from_session(&d, s, j->cmp, j->cmp_outer, j->lambda_start);
    return ihg_figures_dir_write(j->dir, j->width, j->height, &d, inputs, &written);
}

void ihg_figures_job_free(ihg_figures_job *j)
{
    if (!j)
        return;
    free(j->dir);
    free(j->lambda_start);
    ihg_comparison_free(j->own);
    free(j);
}
