/* batch.c - headless runs: the same session the explorer drives, written
 * as JSON Lines.
 *
 * Each line is the state where the outer step's hypergradient was taken:
 * the record (losses at (theta, lambda) after the inner loop), and with
 * --vectors theta, lambda (before the update) and the hypergradient, so an
 * independent implementation can recompute it from the line alone.
 */
#include "batch.h"

#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>

#include "compare.h"
#include "error.h"
#include "figures_dir.h"
#include "jsonl.h"
#include "output.h"
#include "precond.h"
#include "session.h"

void ihg_batch_json_compare(ihg_json *j, const ihg_comparison *c, int vectors)
{
    ihg_json_key(j, "compare");
    ihg_json_begin_object(j);
    ihg_json_key(j, "reference");
    ihg_json_string(j, c->reference_exact ? "exact" : "cg");
    if (!c->reference_exact) {
        ihg_json_key(j, "reference_iters");
        ihg_json_integer(j, c->reference_iters);
    }
    if (c->reference_fallback != IHG_FALLBACK_NONE) {
        ihg_json_key(j, "fallback");
        ihg_json_string(j, ihg_fallback_name(c->reference_fallback));
    }
    ihg_json_key(j, "kmax");
    ihg_json_integer(j, c->kmax);
    ihg_json_key(j, "alpha");
    ihg_json_number(j, c->alpha);
    ihg_json_key(j, "rho");
    ihg_json_number(j, c->rho);
    ihg_json_key(j, "eig_min");
    ihg_json_number(j, c->eig_min);
    ihg_json_key(j, "eig_max");
    ihg_json_number(j, c->eig_max);
    ihg_json_key(j, "n_null");
    ihg_json_integer(j, c->n_null);
    ihg_json_key(j, "n_unstable");
    ihg_json_integer(j, c->n_unstable);
    ihg_json_key(j, "neumann_converges");
    if (isfinite(c->rho))
        ihg_json_bool(j, c->rho < 1);
    else
        ihg_json_null(j);
    if (c->conditioned) {
        /* what the conditioned entries solve, and the spectrum they see */
        ihg_json_key(j, "damping");
        ihg_json_number(j, c->damping);
        ihg_json_key(j, "precondition");
        ihg_json_string(j, ihg_precond_names[c->precondition]);
        ihg_json_key(j, "seen_min");
        ihg_json_number(j, c->seen_min);
        ihg_json_key(j, "seen_max");
        ihg_json_number(j, c->seen_max);
        ihg_json_key(j, "rho_seen");
        ihg_json_number(j, c->rho_seen);
    }

    /* one object per compared method: a curve over K, or one value */
    for (size_t i = 0; i < c->n_methods; i++) {
        const ihg_compare_method *cm = &c->method[i];
        int explicit_method = (cm->type->flags & IHG_METHOD_EXPLICIT) != 0;
        ihg_json_key(j, cm->name);
        ihg_json_begin_object(j);
        if (!cm->ran) {
            ihg_json_key(j, "skipped");
            ihg_json_string(j, cm->skipped);
            ihg_json_end_object(j);
            continue;
        }
        if (cm->curve) {
            size_t n = cm->kmax >= cm->k_first ? (size_t)(cm->kmax - cm->k_first + 1) : 0;
            ihg_json_key(j, "K");
            ihg_json_begin_array(j);
            for (long k = cm->k_first; k <= cm->kmax; k++)
                ihg_json_integer(j, k);
            ihg_json_end_array(j);
            ihg_json_key(j, "rel_err");
            ihg_json_doubles(j, cm->rel_err + cm->k_first, n);
            ihg_json_key(j, "cos");
            ihg_json_doubles(j, cm->cos + cm->k_first, n);
            if (cm->type->flags & IHG_METHOD_USES_ALPHA) {
                /* the envelope rho^(K+1) that Neumann's error stays under */
                ihg_json_key(j, "predicted");
                ihg_json_doubles(j, (cm->conditioned ? c->predicted_seen : c->predicted) +
                                        cm->k_first, n);
            }
            if (explicit_method) {
                /* the truncation bias: against the whole unroll */
                ihg_json_key(j, "rel_err_unrolled");
                ihg_json_doubles(j, cm->rel_unrolled + cm->k_first, n);
            }
        } else {
            ihg_json_key(j, "rel_err");
            ihg_json_number(j, cm->rel_err[0]);
            ihg_json_key(j, "cos");
            ihg_json_number(j, cm->cos[0]);
            if (explicit_method) {
                ihg_json_key(j, "rel_err_unrolled");
                ihg_json_number(j, cm->rel_unrolled[0]);
            }
        }
        ihg_json_key(j, "seconds");
        ihg_json_number(j, cm->seconds);
        ihg_json_end_object(j);
    }

    ihg_json_key(j, "exact_seconds");
    ihg_json_number(j, c->t_reference);
    ihg_json_key(j, "eigen_seconds");
    ihg_json_number(j, c->t_eigen);

    if (vectors) {
        ihg_json_key(j, "hypergrads");
        ihg_json_begin_object(j);
        ihg_json_key(j, "reference");
        ihg_json_vector(j, c->hg_reference);
        for (size_t i = 0; i < c->n_methods; i++) {
            if (!c->method[i].ran)
                continue;
            ihg_json_key(j, c->method[i].name);
            ihg_json_vector(j, c->method[i].hg);
        }
        ihg_json_end_object(j);
        if (c->eigenvalues) {
            ihg_json_key(j, "eigenvalues");
            ihg_json_vector(j, c->eigenvalues);
        }
    }
    ihg_json_end_object(j);
}

/* Where the lines go: stdout, or opt->output opened once the inputs are
 * loaded (output.h); large arrays beside it as .npy files. */
static int open_output(const ihg_config *cfg, const ihg_batch_options *opt,
                       ihg_session *s, const char *inputs[IHG_MAX_INPUTS + 1],
                       ihg_json *j, FILE **out)
{
    size_t P = ihg_session_n_params(s), Hn = ihg_session_n_hyper(s);
    ihg_run_inputs(cfg, ihg_session_dataset(s), inputs);
    *out = stdout;
    if (opt->output) {
        *out = ihg_output_open(opt->output, inputs);
        if (!*out)
            return ihg_error_status();
    }
    if (!opt->vectors)
        return IHG_OK;
    if ((P > IHG_JSON_INLINE_MAX || Hn > IHG_JSON_INLINE_MAX) && !opt->output)
        return ihg_error_set(IHG_EINVAL,
                             "--vectors: arrays of more than %d numbers (here P = %zu, "
                             "%zu hyperparameters) are written as .npy files beside "
                             "the output: give --output FILE",
                             IHG_JSON_INLINE_MAX, P, Hn);
    return ihg_json_spill(j, opt->output, inputs);
}

/* Warn once that the test loss is not finite (it is written as null). */
static void warn_test_loss(const ihg_record *r, int *warned)
{
    if (*warned || isfinite(r->test_loss))
        return;
    *warned = 1;
    fprintf(stderr, "ihgtui: warning: the test loss is not finite at outer step %ld "
                    "(written as null): the test set may hold values too large for "
                    "the model\n", r->outer);
}

/* The layout of lambda: which entries of the "lambda" and "hypergrad"
 * arrays belong to which segment. */
static void write_layout(ihg_json *j, const ihg_hyper_layout *lo)
{
    ihg_json_key(j, "hyper_layout");
    ihg_json_begin_array(j);
    for (size_t i = 0; i < lo->nseg; i++) {
        const ihg_hyper_segment *sg = &lo->seg[i];
        ihg_json_begin_object(j);
        ihg_json_key(j, "name");
        ihg_json_string(j, sg->name);
        ihg_json_key(j, "offset");
        ihg_json_integer(j, (long)sg->offset);
        ihg_json_key(j, "count");
        ihg_json_integer(j, (long)sg->count);
        ihg_json_key(j, "owner");
        ihg_json_string(j, ihg_hyper_owner_name(sg->owner));
        ihg_json_key(j, "transform");
        ihg_json_string(j, ihg_transform_name(sg->transform));
        ihg_json_key(j, "in_loss");
        ihg_json_bool(j, sg->in_loss);
        ihg_json_end_object(j);
    }
    ihg_json_end_array(j);
}

int ihg_batch_run(const ihg_config *cfg, const ihg_batch_options *opt)
{
    ihg_session *s = ihg_session_alloc(cfg);
    if (!s) {
        int st = ihg_error_status();
        ihg_error_print(stderr);
        return ihg_exit_status(st ? st : IHG_EINTERNAL);
    }
    const ihg_model *m = ihg_session_model(s);
    size_t P = ihg_session_n_params(s), Hn = ihg_session_n_hyper(s);
    int classifier = m->type->accuracy != NULL;
    int has_test = ihg_session_has_test(s), warned_test = 0;
    long kmax = cfg->hypergrad.compare_max;
    ihg_comparison *cmp = NULL;
    ihg_figures_job *figures = NULL;
    gsl_vector *theta = NULL, *lambda = NULL;
    const char *inputs[IHG_MAX_INPUTS + 1];
    const char *out_name = opt->output ? opt->output : "standard output";
    FILE *out = NULL;
    ihg_json j;
    ihg_json_init(&j);
    int rc = 0;
    int st = open_output(cfg, opt, s, inputs, &j, &out);
    if (st != IHG_OK) {
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        rc = ihg_exit_status(st);
        goto done;
    }
    theta = gsl_vector_alloc(P);
    lambda = gsl_vector_alloc(Hn);
    if (!theta || !lambda) {
        fprintf(stderr, "ihgtui: out of memory\n");
        rc = 1;
        goto done;
    }
    if (opt->compare && !(cmp = ihg_comparison_alloc(Hn, kmax))) {
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        rc = 1;
        goto done;
    }
    if (opt->figures && !(figures = ihg_figures_job_alloc(opt->figures, opt->figure_width,
                                                          opt->figure_height, s))) {
        st = ihg_error_status();
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        rc = ihg_exit_status(st);
        goto done;
    }
    /* the explicit methods compare the recorded inner loop: record it when
     * it can be (when not, the comparison says why for each of them) */
    if (opt->compare)
        ihg_session_record_trajectory(s, 1);
    while (!ihg_session_finished(s)) {
        /* run to the point where the hypergradient is known but lambda
         * not yet updated */
        st = IHG_OK;
        while (st == IHG_OK && ihg_session_phase(s) != IHG_PHASE_UPDATE &&
               !ihg_session_finished(s))
            st = ihg_session_step(s, 1, NULL);
        if (st != IHG_OK || ihg_session_finished(s))
            break;
        if (cmp && ihg_compare_run(s, cmp) != IHG_OK) {
            fprintf(stderr, "ihgtui: comparison failed: %s\n", ihg_error_message());
            rc = 1;
            goto done;
        }
        if (figures && ihg_figures_job_point(figures, s, cmp) != IHG_OK) {
            fprintf(stderr, "ihgtui: comparison for the figures failed: %s\n",
                    ihg_error_message());
            rc = 1;
            goto done;
        }
        gsl_vector_memcpy(theta, ihg_session_theta(s));
        gsl_vector_memcpy(lambda, ihg_session_lambda(s));
        st = ihg_session_step(s, 1, NULL); /* the update: record appended */
        if (st != IHG_OK)
            break;
        const ihg_record *r = &ihg_session_history(s)[ihg_session_history_len(s) - 1];
        ihg_json_spill_tag(&j, r->outer);
        ihg_json_begin_object(&j);
        ihg_json_record(&j, r, classifier, has_test);
        if (cmp)
            ihg_batch_json_compare(&j, cmp, opt->vectors);
        if (opt->vectors) {
            write_layout(&j, ihg_session_layout(s));
            ihg_json_key(&j, "theta");
            ihg_json_vector(&j, theta);
            ihg_json_key(&j, "lambda");
            ihg_json_vector(&j, lambda);
            ihg_json_key(&j, "hypergrad");
            ihg_json_vector(&j, ihg_session_hypergrad(s));
            ihg_json_key(&j, "lambda_next");
            ihg_json_vector(&j, ihg_session_lambda(s));
        }
        ihg_json_end_object(&j);
        if (ihg_json_write_line(&j, out) != 0) {
            if (j.write_failed || ihg_error_status() != IHG_EWRITE)
                fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
            else
                fprintf(stderr, "ihgtui: %s: %s\n", out_name, ihg_error_message());
            rc = 1;
            goto done;
        }
        if (has_test)
            warn_test_loss(r, &warned_test);
    }
    if (!ihg_session_finished(s) && rc == 0) {
        fprintf(stderr, "ihgtui: run failed at outer step %ld: %s\n",
                ihg_session_outer(s) + 1, ihg_error_message());
        rc = 1;
    } else if (ihg_session_phase(s) == IHG_PHASE_STOPPED) {
        fprintf(stderr, "ihgtui: run stopped at outer step %ld: %s\n",
                ihg_session_outer(s) + 1, ihg_session_message(s));
        rc = 3;
    } else if (!opt->quiet && ihg_session_history_len(s) > 0) {
        const ihg_record *r = &ihg_session_history(s)[ihg_session_history_len(s) - 1];
        char name[256];
        IHG_ESCAPE(name, cfg->name ? cfg->name : "experiment");
        fprintf(stderr, "ihgtui: %s: %ld outer steps, train loss %.6g, val loss %.6g",
                name, r->outer, r->train_loss, r->val_loss);
        if (classifier)
            fprintf(stderr, ", val acc %.4f", r->val_acc);
        fprintf(stderr, "\n");
    }
    /* the figures of what ran, a stopped run's too */
    if (figures && rc != 1 && (st = ihg_figures_job_finish(figures, s, inputs)) != IHG_OK) {
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        rc = ihg_exit_status(st);
    }
done:
    ihg_figures_job_free(figures);
    if (out && ihg_output_close(out, out_name) != IHG_OK) {
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        rc = rc ? rc : 1;
    }
    ihg_json_free(&j);
    ihg_comparison_free(cmp);
    if (theta)
        gsl_vector_free(theta);
    if (lambda)
        gsl_vector_free(lambda);
    ihg_session_free(s);
    return rc;
}
