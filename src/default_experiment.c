/* default_experiment.c - the built-in lesson, used when ihgtui is started
 * without an experiment file: the 2-D quadratic toy (models/quadratic.c
 * derives its formulas).
 *
 *   L_T = 1/2 (theta - c)' A (theta - c) + 1/2 sum_j exp(lambda_j) theta_j^2
 *   L_V = 1/2 |theta - t|^2
 *
 * With A = [[3, 1], [1, 2]] the Hessian A + diag(exp(lambda)) has
 * eigenvalues about 2.4..5.2 at lambda = 0, so with alpha = inner lr = 0.1
 * every |1 - alpha*lambda_i| is below 0.8 and the Neumann series converges
 * visibly over its 10 terms.  Pressing on, the decays move theta*(lambda)
 * from c towards the validation target t.
 */
#include "config.h"

const char ihg_default_experiment[] =
    "# The built-in lesson: a 2-D quadratic you can see whole.\n"
    "# Inner problem:  L_T = 1/2 (theta-c)' A (theta-c)\n"
    "#                       + 1/2 sum_j exp(lambda_j) theta_j^2\n"
    "# Outer problem:  L_V = 1/2 |theta - t|^2\n"
    "name: quadratic-lesson\n"
    "seed: 1\n"
    "model:\n"
    "  kind: quadratic\n"
    "  hyper: per-weight\n"
    "  init_log_decay: 0\n"
    "  A: [[3, 1], [1, 2]]\n"
    "  c: [1, 1]\n"
    "  t: [0.5, 0.2]\n"
    "  theta0: [0, 0]\n"
    "inner:\n"
    "  optimizer: sgd\n"
    "  lr: 0.1\n"
    "  steps: 50\n"
    "  warm_start: true\n"
    "outer:\n"
    "  optimizer: adam\n"
    "  lr: 0.1\n"
    "  steps: 30\n"
    "  clip: [-8, 8]\n"
    "hypergrad:\n"
    "  method: neumann\n"
    "  terms: 10\n"
    "  compare_max: 20\n";
