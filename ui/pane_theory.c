/* pane_theory.c - the IFT hypergradient and the Neumann series written
 * out, with the live quantities of the last outer step substituted. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "view.h"

#define U(cv, u, a) IHG_TXT(cv, u, a)
#define LAM "\xce\xbb"
#define THE "\xce\xb8"
#define ALP "\xce\xb1"
#define RHO "\xcf\x81"
#define NRM "\xe2\x80\x96"
#define PAR "\xe2\x88\x82"
#define SUM "\xce\xa3"
#define INV "\xe2\x81\xbb\xc2\xb9"
#define TRN "\xe1\xb5\x80"
#define APX "\xe2\x89\x88"
#define MIN "\xe2\x88\x92"
#define KAP "\xce\xba"

typedef struct {
    ihg_canvas *cv;
    ihg_rect in;
    int y, skip;
} writer;

static void line(writer *w, int role, const char *text)
{
    if (w->skip > 0) {
        w->skip--;
        return;
    }
    if (w->y < w->in.y + w->in.h)
        ihg_canvas_fit(w->cv, w->in.x, w->y, w->in.w, role, text);
    w->y++;
}

static const char *num(char *buf, size_t size, double x)
{
    ihg_format_short(buf, size, x, 9);
    return buf;
}

#define ETA "\xce\xb7"
#define MU "\xce\xbc"
#define DOT "\xc2\xb7"
#define GRD "\xe2\x88\x87"
#define CEIL_SQRT_T "\xe2\x8c\x88\xe2\x88\x9aT\xe2\x8c\x89"

/* The hyperparameters outside L_T (inner.learn) under an IFT method: the
 * engine's note of the last record, or the same from the layout before
 * the first. */
static void blind_note(writer *w, const ihg_view *v, const ihg_record *rec)
{
    char t[320];
    size_t used = 0;
    if (!v->layout || !v->method || !(v->method->flags & IHG_METHOD_IFT))
        return;
    if (rec && rec->note && rec->method == v->method) {
        snprintf(t, sizeof t, "  %s", rec->note);
    } else {
        used = (size_t)snprintf(t, sizeof t, "  ");
        for (size_t i = 0; i < v->layout->nseg && used < sizeof t; i++)
            if (!v->layout->seg[i].in_loss)
                used += (size_t)snprintf(t + used, sizeof t - used, "%s%s",
                                         used > 2 ? ", " : "", v->layout->seg[i].name);
        if (used <= 2)
            return;
        if (used < sizeof t)
            snprintf(t + used, sizeof t - used, ": hypergradient 0: not in L_T: use unrolled "
                                               "or forward");
    }
    ihg_audit_numbers_in(t);
    line(w, IHG_ROLE_WARN, t);
}

/* The explicit methods (method_unrolled.c, method_forward.c,
 * method_fd.c): the recurrence they differentiate, its numbers and the
 * memory the recorded inner loop takes. */
static void explicit_section(writer *w, const ihg_view *v, const ihg_record *rec)
{
    ihg_canvas *cv = w->cv;
    char t[320], a[16], b[16], c[16], d[24], e[24];
    const ihg_method_type *m = v->method;
    int mom = v->inner_type == &ihg_inner_momentum, sgd = v->inner_type == &ihg_inner_sgd;
    int fd = m == &ihg_method_fd, fwd = m == &ihg_method_forward;
    long T = v->inner_steps;

    ihg_format_int(d, sizeof d, T);
    snprintf(t, sizeof t, "%s: L_V(%s_T) differentiated through the T = %s inner steps:",
             m ? m->title : "?", U(w->cv, THE, "theta"), d);
    line(w, IHG_ROLE_TITLE, t);
    if (mom) {
        line(w, IHG_ROLE_NORMAL, U(cv, "  m_{t+1} = " MU " m_t + g_t,   " THE "_{t+1} = " THE "_t " MIN " " ETA " m_{t+1},   g_t = " GRD "L_T(" THE "_t, " LAM "; B_t)",
                                   "  m_{t+1} = mu m_t + g_t, theta_{t+1} = theta_t - eta m_{t+1}, g_t = grad L_T(theta_t, lambda; B_t)"));
    } else {
        line(w, IHG_ROLE_NORMAL, U(cv, "  " THE "_{t+1} = " THE "_t " MIN " " ETA " g_t,   g_t = " GRD "L_T(" THE "_t, " LAM "; B_t)",
                                   "  theta_{t+1} = theta_t - eta g_t, g_t = grad L_T(theta_t, lambda; B_t)"));
    }
    if (fwd) {
        line(w, IHG_ROLE_DIM, U(cv, "  forward mode (Franceschi et al. 2017): Z_t = d" THE "_t/d" LAM " along the loop",
                                "  forward mode (Franceschi et al. 2017): Z_t = dtheta_t/dlambda along the loop"));
        line(w, IHG_ROLE_NORMAL, U(cv, "    Z_{t+1} = Z_t " MIN " " ETA "(H_t Z_t + J_t);   dL_V/d" LAM " = " PAR "L_V/" PAR LAM " + Z_T" TRN " " PAR "L_V/" PAR THE,
                                   "    Z_{t+1} = Z_t - eta (H_t Z_t + J_t); dL_V/dlambda = direct + Z_T^T dL_V/dtheta"));
        if (mom)
            line(w, IHG_ROLE_DIM, "    (momentum: the buffer's derivative is carried beside Z)");
    } else if (fd) {
        line(w, IHG_ROLE_DIM, U(cv, "  central differences of f(" LAM ") = L_V after this step's inner loop, re-run at " LAM " \xc2\xb1 h e_j:",
                                "  central differences of f(lambda) = L_V after this step's inner loop, re-run at lambda +- h e_j:"));
        line(w, IHG_ROLE_NORMAL, U(cv, "    dL_V/d" LAM "_j " APX " (f(" LAM " + h e_j) " MIN " f(" LAM " " MIN " h e_j)) / 2h,   2 re-runs a hyperparameter",
                                   "    dL_V/dlambda_j ~ (f(lambda + h e_j) - f(lambda - h e_j)) / 2h, 2 re-runs each"));
    } else if (mom) {
        line(w, IHG_ROLE_DIM, U(cv, "  reverse pass, t = T" MIN "1 \xe2\x80\xa6 T" MIN "K, from d" THE " = " PAR "L_V/" PAR THE "_T, dm = 0:",
                                "  reverse pass, t = T-1 ... T-K, from dtheta = dL_V/dtheta_T, dm = 0:"));
        line(w, IHG_ROLE_NORMAL, U(cv, "    dm " MIN "= " ETA " d" THE ";  d" ETA "_t = " MIN "d" THE DOT "m_{t+1};  d" MU "_t = dm" DOT "m_t",
                                   "    dm -= eta dtheta; deta_t = -dtheta.m_{t+1}; dmu_t = dm.m_t"));
        line(w, IHG_ROLE_NORMAL, U(cv, "    d" LAM " += J_t" TRN " dm;  d" THE " += H_t dm;  dm " "\xe2\x86\x90 " MU " dm",
                                   "    dlambda += J_t^T dm; dtheta += H_t dm; dm <- mu dm"));
    } else {
        line(w, IHG_ROLE_DIM, U(cv, "  reverse pass of SGD, t = T" MIN "1 \xe2\x80\xa6 T" MIN "K, from d" THE " = " PAR "L_V/" PAR THE "_T:",
                                "  reverse pass of SGD, t = T-1 ... T-K, from dtheta = dL_V/dtheta_T:"));
        line(w, IHG_ROLE_NORMAL, U(cv, "    d" LAM " " MIN "= " ETA " J_t" TRN " d" THE ";   d" ETA "_t = " MIN "d" THE DOT "g_t;   d" THE " \xe2\x86\x90 d" THE " " MIN " " ETA " H_t d" THE,
                                   "    dlambda -= eta J_t^T dtheta; deta_t = -dtheta.g_t; dtheta <- dtheta - eta H_t dtheta"));
    }
    /* the numbers: T, K, eta (mu), the minibatch, the memory */
    ihg_format_short(a, sizeof a, v->inner_lr, 8);
    ihg_format_short(b, sizeof b, v->inner_momentum, 8);
    ihg_format_int(c, sizeof c, m && (m->flags & IHG_METHOD_USES_K) && v->terms > 0 &&
                                        v->terms < T ? v->terms : T);
    ihg_format_int(e, sizeof e, v->inner_batch);
    {
        int n = snprintf(t, sizeof t, U(cv, "  T = %s", "  T = %s"), d);
        if (m && (m->flags & IHG_METHOD_USES_K) && n > 0 && (size_t)n < sizeof t)
            n += snprintf(t + n, sizeof t - (size_t)n, ", K = %s%s", c,
                          v->terms > 0 && v->terms < T ? " (truncate)" : " (all)");
        if (n > 0 && (size_t)n < sizeof t)
            n += snprintf(t + n, sizeof t - (size_t)n, U(cv, ", " ETA " = %s", ", eta = %s"), a);
        if (mom && n > 0 && (size_t)n < sizeof t)
            n += snprintf(t + n, sizeof t - (size_t)n, U(cv, ", " MU " = %s", ", mu = %s"), b);
        if (n > 0 && (size_t)n < sizeof t)
            snprintf(t + n, sizeof t - (size_t)n, v->inner_batch > 0 ? ", batch %s" : ", full batch",
                     e);
    }
    line(w, IHG_ROLE_NUMBER, t);
    if (rec && rec->method == m && m) {
        char h[24], o[24];
        ihg_format_int(h, sizeof h, rec->hvps);
        ihg_format_int(o, sizeof o, rec->outer);
        snprintf(t, sizeof t, "  outer step %s: %s HVPs", o, h);
        line(w, IHG_ROLE_DIM, t);
    }
    if (!fd) {
        char mb[32];
        ihg_format_bytes(mb, sizeof mb, v->hg_bytes);
        if (v->checkpoint)
            snprintf(t, sizeof t, U(cv, "  memory: %s (" THE "_t every " CEIL_SQRT_T " steps, the rest recomputed: O(" "\xe2\x88\x9a" "T" DOT "P))",
                                    "  memory: %s (theta_t every ceil(sqrt T) steps, the rest recomputed: O(sqrt(T) P))"),
                     mb);
        else
            snprintf(t, sizeof t, U(cv, "  memory: %s (the trajectory: " THE "_t%s of every step, %sT" DOT "P doubles)",
                                    "  memory: %s (the trajectory: theta_t%s of every step, %sT P doubles)"),
                     mb, mom ? " and m_t" : "", mom ? "2" : "");
        line(w, IHG_ROLE_NUMBER, t);
    }
    if (sgd && !fd) {
        /* Lorraine et al. 2020: the reverse pass from theta* is Neumann's */
        line(w, IHG_ROLE_DIM, U(cv, "  bridge (Lorraine et al. 2020): K+1 GD steps from " THE "* = K-term Neumann, " ALP " = " ETA,
                                "  bridge (Lorraine et al. 2020): K+1 GD steps from theta* = K-term Neumann, alpha = eta"));
        line(w, IHG_ROLE_DIM, v->inner_batch > 0
                                  ? "    (exactly for full batches: here minibatches)"
                                  : "    (exactly when the loop starts at the optimum, full batch)");
    }
    line(w, IHG_ROLE_NORMAL, "");
}

/* "1.63e+03 ± 0.00407" */
static const char *pm(const ihg_canvas *cv, char *buf, size_t size, const ihg_seeds_stat *st)
{
    char a[16], b[16];
    ihg_format_short(a, sizeof a, st->mean, 9);
    ihg_format_short(b, sizeof b, st->sd, 9);
    snprintf(buf, size, "%s %s %s", a, U(cv, "\xc2\xb1", "+-"), b);
    return buf;
}

/* The seeds comparison (key S, seeds.c): the S runs from the start with
 * different initial weights, at their last outer step. */
static void seeds_section(writer *w, const ihg_view *v)
{
    ihg_canvas *cv = w->cv;
    const ihg_seeds_spread *sp = &v->seeds;
    char t[320], a[40], b[40], c[16], d[16], e[16], n1[24], n2[24], n3[24];
    ihg_format_int(n1, sizeof n1, v->seeds_S);
    ihg_format_int(n2, sizeof n2, v->seeds_outer);
    if (v->seeds_state == 1) {
        snprintf(t, sizeof t, "Seeds: %s initial weights, %s outer steps each: %s (S cancels)", n1,
                 n2, v->seeds_progress ? v->seeds_progress : "running");
        line(w, IHG_ROLE_WARN, t);
        if (!v->seeds_have_spread) {
            line(w, IHG_ROLE_NORMAL, "");
            return;
        }
    }
    ihg_format_int(n3, sizeof n3, sp->outer);
    ihg_format_int(a, sizeof a, (long)sp->base);
    ihg_format_int(b, sizeof b, (long)(sp->base + (unsigned long)(sp->S - 1)));
    snprintf(t, sizeof t, "Seeds: %s runs from the start, init_seed %s..%s, at outer step %s%s:",
             n1, a, b, n3, v->seeds_state == 1 ? " so far" : "");
    line(w, IHG_ROLE_TITLE, t);
    snprintf(t, sizeof t, "  L_V = %s (mean %s sd)   L_T = %s", pm(cv, a, sizeof a, &sp->val_loss),
             U(cv, "\xc2\xb1", "+-"), pm(cv, b, sizeof b, &sp->train_loss));
    line(w, IHG_ROLE_NUMBER, t);
    ihg_format_short(c, sizeof c, sp->dist_rel, 9);
    ihg_format_short(d, sizeof d, sp->dist_mean, 9);
    ihg_format_short(e, sizeof e, sp->dist_max, 9);
    snprintf(t, sizeof t, U(cv, "  between solutions: mean " NRM THE "_i " MIN " " THE "_j" NRM " = %s (max %s), relative %s",
                            "  between solutions: mean |theta_i - theta_j| = %s (max %s), relative %s"),
             d, e, c);
    line(w, IHG_ROLE_NUMBER, t);
    ihg_format_short(c, sizeof c, sp->mine_cos_mean, 9);
    ihg_format_short(d, sizeof d, sp->mine_cos_min, 9);
    line(w, IHG_ROLE_NORMAL, "  hypergradients across seeds, mean pairwise cosine:");
    snprintf(t, sizeof t, "    %s %s (min %s)", sp->mine, c, d);
    if (sp->other_ok) {
        size_t n = strlen(t);
        ihg_format_short(c, sizeof c, sp->other_cos_mean, 9);
        ihg_format_short(d, sizeof d, sp->other_cos_min, 9);
        snprintf(t + n, sizeof t - n, "   %s %s (min %s)", sp->other, c, d);
    }
    line(w, IHG_ROLE_NUMBER, t);
    if (sp->other_ok) {
        ihg_format_short(c, sizeof c, sp->ift_vs_unrolled.mean, 9);
        ihg_format_short(d, sizeof d, sp->ift_vs_unrolled.min, 9);
        snprintf(t, sizeof t, "  IFT vs unrolled in each run: cosine %s (min %s)", c, d);
        line(w, IHG_ROLE_NUMBER, t);
    } else {
        snprintf(t, sizeof t, "  IFT vs unrolled: %s could not be computed here", sp->other);
        line(w, IHG_ROLE_DIM, t);
    }
    if (v->seeds_state == 2) {
        const ihg_seeds_retrain *rt = &v->seeds_retrain;
        snprintf(t, sizeof t, U(cv, "  retrained at the final " LAM ": L_V warm %s, cold %s",
                                "  retrained at the final lambda: L_V warm %s, cold %s"),
                 pm(cv, a, sizeof a, &rt->val_warm), pm(cv, b, sizeof b, &rt->val_cold));
        line(w, IHG_ROLE_NUMBER, t);
        if (rt->have_test) {
            snprintf(t, sizeof t, "    test loss warm %s, cold %s",
                     pm(cv, a, sizeof a, &rt->test_warm), pm(cv, b, sizeof b, &rt->test_cold));
            line(w, IHG_ROLE_NUMBER, t);
        }
        line(w, IHG_ROLE_DIM, "  (S again: with the run's settings now; --batch --seeds: every step)");
    }
    line(w, IHG_ROLE_NORMAL, "");
}

void ihg_pane_theory(ihg_canvas *cv, ihg_rect r, const ihg_view *v)
{
    char t[320], a[16], b[16], c[16], d[16];
    const ihg_record *rec = v->nhist ? &v->hist[v->nhist - 1] : NULL;
    const ihg_comparison *cmp = v->cmp;
    writer w;
    char extra[48];
    long K;

    if (rec)
        snprintf(extra, sizeof extra, "(numbers of outer step %ld)", rec->outer);
    else
        snprintf(extra, sizeof extra, "(numbers after the first outer step)");
    w.cv = cv;
    w.in = ihg_pane_frame(cv, r, v, IHG_PANE_THEORY, extra);
    w.y = w.in.y;
    w.skip = v->disp.scroll_y[IHG_PANE_THEORY];
    if (w.in.w < 10 || w.in.h < 1)
        return;

    if (v->phase == IHG_PHASE_STOPPED && v->stop_reason && *v->stop_reason) {
        ihg_audit_numbers_in(v->stop_reason); /* the engine's words, whole */
        /* the whole reason, wrapped: the status line may be too short */
        const char *p = v->stop_reason;
        int width = w.in.w > 8 ? w.in.w - 2 : w.in.w;
        line(&w, IHG_ROLE_BAD, "The run stopped:");
        while (*p && w.y < w.in.y + w.in.h) {
            int n = (int)strlen(p), cut = n;
            if (n > width) {
                cut = width;
                while (cut > width / 2 && p[cut] != ' ')
                    cut--;
                if (p[cut] != ' ')
                    cut = width;
            }
            snprintf(t, sizeof t, "  %.*s", cut, p);
            line(&w, IHG_ROLE_BAD, t);
            p += cut;
            while (*p == ' ')
                p++;
        }
        line(&w, IHG_ROLE_NORMAL, "");
    }
    if (v->seeds_state)
        seeds_section(&w, v);
    if (v->history.n_listed > 1) {
        /* the branches of the history (B), with how far their lambda went */
        line(&w, IHG_ROLE_TITLE, "Branches (B; the others dotted on the losses chart):");
        for (int k = 0; k < v->history.n_listed; k++) {
            const ihg_view_branch *br = &v->history.listed[k];
            int role = br->live ? IHG_ROLE_NUMBER : IHG_ROLE_NORMAL;
            int n;
            if (br->parent < 0)
                n = snprintf(t, sizeof t, "  b%d%s steps %ld to %ld", br->id,
                             br->live ? " (live)" : "", br->base + 1, br->last);
            else
                n = snprintf(t, sizeof t, "  b%d%s from b%d at %ld to %ld", br->id,
                             br->live ? " (live)" : "", br->parent, br->base, br->last);
            if (br->parent >= 0 && br->at >= 0 && isfinite(br->dist) && n > 0 &&
                (size_t)n < sizeof t) {
                n += snprintf(t + n, sizeof t - (size_t)n,
                              U(cv, ": " NRM "\xce\x94" LAM NRM " = %s", ": |d lambda| = %s"),
                              (ihg_format_short(a, sizeof a, br->dist, 7), a));
                if (isfinite(br->rel) && (size_t)n < sizeof t) {
                    ihg_format_short(b, sizeof b, 100 * br->rel, 5);
                    n += snprintf(t + n, sizeof t - (size_t)n, " (%s %%)", b);
                }
                if ((size_t)n < sizeof t && br->at != br->last)
                    snprintf(t + n, sizeof t - (size_t)n, " at %ld", br->at);
            }
            line(&w, role, t);
            snprintf(t, sizeof t, "      %s", br->label);
            ihg_audit_numbers_in(t);
            line(&w, IHG_ROLE_DIM, t);
        }
        line(&w, IHG_ROLE_NORMAL, "");
    }
    if (v->n_qnorm > 0 && v->qnorm) {
        /* the solve under way: each term's partial sum as it arrives */
        long i, first;
        int x, room;
        if (v->phase == IHG_PHASE_SOLVE && v->prog_total > 0)
            snprintf(t, sizeof t, "Solving for q now (outer step %ld), %s %s %ld/%ld:",
                     v->outer_done + 1,
                     v->method ? v->method->label : "?", v->method ? v->method->unit : "",
                     v->prog_done, v->prog_total);
        else
            snprintf(t, sizeof t, "q solved (outer step %ld, %s); J%sq next:",
                     v->outer_done + 1, v->method_name ? v->method_name : "?",
                     U(cv, TRN, "^T"));
        line(&w, IHG_ROLE_TITLE, t);
        snprintf(t, sizeof t, U(cv, "  " NRM "v" NRM " = %s   " NRM "q_%ld" NRM " = %s",
                                "  |v| = %s   |q_%ld| = %s"),
                 num(a, sizeof a, v->vnorm), v->n_qnorm,
                 num(b, sizeof b, v->qnorm[v->n_qnorm - 1]));
        line(&w, IHG_ROLE_NUMBER, t);
        /* as many of the latest ||q_j|| as fit, oldest first */
        room = w.in.w - 12;
        first = v->n_qnorm - (room > 0 ? room / 10 : 1);
        if (first < 0)
            first = 0;
        x = snprintf(t, sizeof t, U(cv, "  " NRM "q_j" NRM ": %s", "  |q_j|: %s"),
                     first > 0 ? "... " : "");
        for (i = first; i < v->n_qnorm && x > 0 && (size_t)x + 12 < sizeof t; i++)
            x += snprintf(t + x, sizeof t - (size_t)x, "%s ",
                          num(c, sizeof c, v->qnorm[i]));
        line(&w, IHG_ROLE_NUMBER, t);
        line(&w, IHG_ROLE_NORMAL, "");
    }
    int explicit_ = v->method && (v->method->flags & IHG_METHOD_EXPLICIT);
    if (explicit_)
        explicit_section(&w, v, rec);
    line(&w, IHG_ROLE_TITLE, explicit_ ? "For comparison, the implicit function theorem, at "
                                         "theta ~ theta*(lambda):"
                                       : "Implicit function theorem, at theta ~ theta*(lambda):");
    snprintf(t, sizeof t, "  %s", U(cv, "dL_V/d" LAM " = " PAR "L_V/" PAR LAM " " MIN " J" TRN " H" INV " " PAR "L_V/" PAR THE,
                                     "dL_V/dlambda = dL_V/dlambda(direct) - J^T H^-1 dL_V/dtheta"));
    line(&w, IHG_ROLE_NORMAL, t);
    snprintf(t, sizeof t, "  %s", U(cv, "H = " PAR "\xc2\xb2L_T/" PAR THE "\xc2\xb2,  J = " PAR "\xc2\xb2L_T/" PAR THE PAR LAM ",  v = " PAR "L_V/" PAR THE ",  q " APX " H" INV "v",
                                     "H = d2L_T/dtheta2, J = d2L_T/dtheta dlambda, v = dL_V/dtheta, q ~ H^-1 v"));
    line(&w, IHG_ROLE_DIM, t);
    blind_note(&w, v, rec);
    if (rec && rec->method && (rec->method->flags & IHG_METHOD_EXPLICIT)) {
        /* no q: the hypergradient came through the inner steps */
        snprintf(t, sizeof t, U(cv, "  " NRM "v" NRM " = %s   " NRM "dL_V/d" LAM NRM " = %s   " NRM PAR "L_T/" PAR THE NRM " = %s   (by %s)",
                                "  |v| = %s   |dL_V/dlambda| = %s   |grad L_T| = %s   (by %s)"),
                 num(a, sizeof a, rec->v_norm), num(b, sizeof b, rec->hypergrad_norm),
                 num(c, sizeof c, rec->grad_norm), rec->method->name);
        line(&w, IHG_ROLE_NUMBER, t);
        ihg_format_fixed(a, sizeof a, rec->seconds * 1e3, 2);
        snprintf(t, sizeof t, "  computed in %s ms", a);
        line(&w, IHG_ROLE_DIM, t);
    } else if (rec) {
        snprintf(t, sizeof t, U(cv, "  " NRM "v" NRM " = %s   " NRM "q" NRM " = %s   " NRM "J" TRN "q" NRM " = %s",
                                "  |v| = %s   |q| = %s   |J^T q| = %s"),
                 num(a, sizeof a, rec->v_norm), num(b, sizeof b, rec->q_norm),
                 num(c, sizeof c, rec->jtq_norm));
        line(&w, IHG_ROLE_NUMBER, t);
        snprintf(t, sizeof t, U(cv, "  " NRM PAR "L_V/" PAR LAM NRM " = %s   " NRM "dL_V/d" LAM NRM " = %s   " NRM PAR "L_T/" PAR THE NRM " = %s",
                                "  |direct| = %s   |dL_V/dlambda| = %s   |grad L_T| = %s"),
                 num(a, sizeof a, rec->direct_norm), num(b, sizeof b, rec->hypergrad_norm),
                 num(c, sizeof c, rec->grad_norm));
        line(&w, IHG_ROLE_NUMBER, t);
        snprintf(t, sizeof t, "  q by %s, K = %ld, %ld HVPs%s%s%s",
                 rec->method ? rec->method->name : "?", rec->terms, rec->hvps,
                 rec->fallback ? " (" : "", ihg_fallback_describe(rec->fallback),
                 rec->fallback ? ")" : "");
        line(&w, IHG_ROLE_DIM, t);
        /* the engine's compute time of the outer step (the explorer's
         * pacing and drawing between units are not counted) */
        ihg_format_fixed(a, sizeof a, rec->seconds * 1e3, 2);
        snprintf(t, sizeof t, "  computed in %s ms", a);
        line(&w, IHG_ROLE_DIM, t);
    } else {
        line(&w, IHG_ROLE_DIM, "  (press o for one outer step)");
    }
    line(&w, IHG_ROLE_NORMAL, "");
    if (v->method && !(v->method->flags & IHG_METHOD_USES_ALPHA) && !explicit_) {
        snprintf(t, sizeof t, "Method: %s", v->method->describe);
        line(&w, IHG_ROLE_TITLE, t);
        if (v->method->flags & IHG_METHOD_USES_K) {
            snprintf(t, sizeof t, "  K = %ld", v->terms);
            line(&w, IHG_ROLE_NUMBER, t);
        }
    }
    line(&w, IHG_ROLE_TITLE, v->method && (v->method->flags & IHG_METHOD_USES_ALPHA)
                                 ? "Neumann series (Lorraine et al. 2020, Algorithm 3):"
                                 : "For comparison, the Neumann series (Lorraine et al. "
                                   "2020, Algorithm 3):");
    snprintf(t, sizeof t, "  %s", U(cv, "H" INV "v " APX " " ALP " " SUM "_{j=0..K} (I " MIN " " ALP "H)^j v",
                                     "H^-1 v ~ alpha sum_{j=0..K} (I - alpha H)^j v"));
    line(&w, IHG_ROLE_NORMAL, t);
    /* an explicit method's K truncates its unroll: Neumann's is Kmax of the
     * comparison */
    long nK = explicit_ && cmp ? cmp->kmax : v->terms;
    snprintf(t, sizeof t, U(cv, "  K = %ld,  " ALP " = %s", "  K = %ld, alpha = %s"), nK,
             num(a, sizeof a, v->alpha));
    line(&w, IHG_ROLE_NUMBER, t);
    line(&w, IHG_ROLE_DIM, U(cv, "  p = v; K times { v " MIN "= " ALP "Hv; p += v }; q = " ALP "p",
                             "  p = v; K times { v -= alpha Hv; p += v }; q = alpha p"));
    snprintf(t, sizeof t, "  %s", U(cv, "converges iff " RHO "(I " MIN " " ALP "H) < 1, i.e. 0 < " ALP LAM "_i < 2 for all eigenvalues " LAM "_i",
                                     "converges iff rho(I - alpha H) < 1: 0 < alpha lambda_i < 2 for all i"));
    line(&w, IHG_ROLE_DIM, t);
    if (cmp) {
        /* numbers of an earlier point are dimmed and say whose they are */
        int stale = v->cmp_moved;
        K = nK < cmp->kmax ? nK : cmp->kmax;
        if (K < 0)
            K = 0;
        if (stale) {
            char o[24];
            ihg_format_int(o, sizeof o, v->cmp_outer >= 0 ? v->cmp_outer : v->cmp_done);
            if (v->cmp_outer >= 0 || v->outer_done > v->cmp_done)
                snprintf(t, sizeof t, "  (the comparison below is of outer step %s: c "
                                      "recomputes)", o);
            else
                snprintf(t, sizeof t, "  (the comparison below is of an earlier theta: c "
                                      "recomputes)");
            line(&w, IHG_ROLE_WARN, t);
        }
        if (isfinite(cmp->rho))
            snprintf(t, sizeof t, U(cv, "  " RHO "(I " MIN " " ALP "H) = %s  \xe2\x86\x92  error " APX " " RHO "^(K+1) = %s;  measured %s",
                                    "  rho(I - alpha H) = %s  ->  error ~ rho^(K+1) = %s;  measured %s"),
                     num(a, sizeof a, cmp->rho), num(b, sizeof b, cmp->predicted[K]),
                     num(c, sizeof c, ihg_comparison_error(cmp, "neumann", K)));
        else /* no spectrum above hypergrad.exact_max */
            snprintf(t, sizeof t, "  %s unknown (H's spectrum needs P <= hypergrad.exact_max); "
                                  "measured error %s",
                     U(cv, RHO "(I " MIN " " ALP "H)", "rho(I - alpha H)"),
                     num(c, sizeof c, ihg_comparison_error(cmp, "neumann", K)));
        line(&w, stale ? IHG_ROLE_DIM
                       : isfinite(cmp->rho) && cmp->rho >= 1 ? IHG_ROLE_BAD : IHG_ROLE_NUMBER,
             t);
        if (isfinite(cmp->eig_min)) {
            snprintf(t, sizeof t, U(cv, "  eig(H) in [%s, %s];  stable band: 0 < " LAM " < 2/" ALP " = %s",
                                    "  eig(H) in [%s, %s];  stable band: 0 < lambda < 2/alpha = %s"),
                     num(a, sizeof a, cmp->eig_min), num(b, sizeof b, cmp->eig_max),
                     num(d, sizeof d, cmp->band_top));
            line(&w, stale ? IHG_ROLE_DIM : IHG_ROLE_NUMBER, t);
        }
        if (isfinite(cmp->alpha_best)) {
            snprintf(t, sizeof t, U(cv, "  best step " ALP "* = 2/(" LAM "_min + " LAM "_max) = %s gives " RHO " = %s (" KAP " = %s; key b)",
                                    "  best step alpha* = 2/(lambda_min + lambda_max) = %s gives rho = %s (kappa = %s; key b)"),
                     num(a, sizeof a, cmp->alpha_best), num(b, sizeof b, cmp->rho_best),
                     num(d, sizeof d, cmp->kappa));
            line(&w, stale ? IHG_ROLE_DIM : IHG_ROLE_NUMBER, t);
        }
        snprintf(t, sizeof t, "  identity (q = v): error %s;  CG after K: %s",
                 num(a, sizeof a, ihg_comparison_error(cmp, "identity", 0)),
                 num(b, sizeof b, ihg_comparison_error(cmp, "cg", K)));
        line(&w, IHG_ROLE_DIM, t);
    } else {
        line(&w, IHG_ROLE_DIM, "  (press c to compare with the exact solve)");
    }
}
