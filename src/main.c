/* main.c - command line: the explorer, or a headless run. */
#include "ihg_autoconf.h"

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../models/model.h"
#include "batch.h"
#include "blas.h"
#include "error.h"
#include "figure.h"
#include "lesson.h"
#include "lesson_player.h"
#include "output.h"
#include "seeds.h"
#include "session.h"
#include "tui.h"

#define MAX_OVERRIDES 256

static void usage(FILE *f)
{
    fputs(
        "Usage: ihgtui [OPTION]... [FILE]\n"
        "Explore hyperparameter optimization by implicit differentiation\n"
        "(Lorraine, Vicol & Duvenaud, AISTATS 2020).\n"
        "\n"
        "Opens the explorer on the experiment FILE (YAML, see ihgtui-experiment(5)),\n"
        "or on the lesson FILE (recognised by its slides:, see ihgtui-lesson(5)),\n"
        "or on the built-in lesson (the implicit function theorem on a 2-D\n"
        "quadratic) when no FILE is given.\n"
        "\n"
        "Headless runs:\n"
        "  -b, --batch            run to the end without a screen, printing one JSON\n"
        "                         object per outer step (JSON Lines)\n"
        "  -o, --output=FILE      write the JSON Lines to FILE instead of stdout (opened\n"
        "                         once the inputs are loaded; never one of them)\n"
        "  -c, --compare          add, at every outer step, the hypergradient error and\n"
        "                         cosine of Neumann K=0..Kmax and CG K=1..Kmax against\n"
        "                         the exact solve, rho(I - alpha H) and H's spectrum\n"
        "      --vectors          add theta, lambda and the hypergradients as arrays\n"
        "                         (above 100000 numbers: NumPy .npy files beside FILE)\n"
        "      --seeds=S          run S initial weights (init_seed, init_seed + 1, ...)\n"
        "                         side by side: the spread of losses, solutions and\n"
        "                         hypergradients, then warm against cold retraining\n"
        "      --figures=DIR      also write the run's standard figures into DIR as\n"
        "                         SVG, PDF and PNG (losses, accuracy, hypergrad_error,\n"
        "                         spectrum, lambda, images; see ihgtui(1))\n"
        "      --figure-size=WxH  their size in pixels (default 1280x800)\n"
        "      --check            validate FILE and its data, then exit\n"
        "      --slide=N          with a lesson: the experiment of its slide N, run as\n"
        "                         an experiment (--batch plays the whole lesson without)\n"
        "\n"
        "Experiment settings:\n"
        "  -s, --set=KEY=VALUE    override a YAML key, e.g. --set inner.lr=0.05\n"
        "                         (repeatable; VALUE is YAML, e.g. outer.clip=[-8,2])\n"
        "      --outer=N          outer steps (same as --set outer.steps=N)\n"
        "      --seed=N           random seed (same as --set seed=N)\n"
        "      --dump-default     print the built-in default experiment and exit\n"
        "      --list-keys        print every YAML key (each model kind's too) with\n"
        "                         its type, default and range, and exit\n"
        "\n"
        "Explorer:\n"
        "      --no-color         monochrome (also when NO_COLOR is set)\n"
        "      --theme=NAME       colour theme: default, contrast (projectors) or mono\n"
        "      --ascii            ASCII charts instead of braille\n"
        "      --record=FILE      write each outer step as a JSON line (--batch format),\n"
        "                         and each reset, change of settings and comparison\n"
        "\n"
        "  -h, --help             show this help and exit\n"
        "      --version          show the version and exit\n"
        "\n"
        "Keys in the explorer: space play/pause, i inner step, o outer step,\n"
        "n/N fewer/more terms (truncation for unrolled), a/A smaller/larger alpha,\n"
        "b the best alpha, m method, c compare,\n"
        "l log/linear, v accuracies, s image contrast, r reset, Tab and 1-6 focus\n"
        "(again: zoom), arrows/h j k L scroll, t theme, ? help, q quit;\n"
        "[ ] a step back/forward in the history, } the live run, B branch from it,\n"
        "e the focused pane as SVG/PDF/PNG and the screen as text/HTML, w save,\n"
        "S 5 initial weights side by side (again: cancel).\n"
        "In a lesson: PgDn/PgUp (or Right/Left) slides, g N Enter slide N, . replay,\n"
        "p N the class's choice, R reveal, ! the lecturer's notes.\n"
        "\n"
        "Exit status: 0 success, 1 failure (out of memory, a write error, no terminal),\n"
        "2 bad command line, experiment or data file, 3 run stopped by divergence\n"
        "(NaN loss or a diverging Neumann series).\n"
        "\n"
        "See ihgtui(1), ihgtui-experiment(5) and ihgtui-lesson(5).\n",
        f);
}

enum {
    OPT_VECTORS = 256,
    OPT_CHECK,
    OPT_OUTER,
    OPT_SEED,
    OPT_NO_COLOR,
    OPT_THEME,
    OPT_ASCII,
    OPT_RECORD,
    OPT_VERSION,
    OPT_DUMP_DEFAULT,
    OPT_SEEDS,
    OPT_LIST_KEYS,
    OPT_FIGURES,
    OPT_FIGURE_SIZE,
    OPT_SLIDE
};

/* --check of a lesson: every experiment set up. */
static int check_lesson(const ihg_lesson *l, const char *path)
{
    size_t questions = 0;
    char shown[512];
    for (size_t i = 0; i < l->n_configs; i++) {
        ihg_session *s = ihg_session_alloc(&l->configs[i]);
        if (!s) {
            int st = ihg_error_status();
            ihg_error_print(stderr);
            return ihg_exit_status(st ? st : IHG_EINTERNAL);
        }
        ihg_session_free(s);
    }
    for (size_t i = 0; i < l->n_slides; i++)
        questions += l->slides[i].question != NULL;
    printf("%s: ok: lesson, %zu slides, %zu experiments, %zu questions\n",
           IHG_ESCAPE(shown, path), l->n_slides, l->n_configs, questions);
    return 0;
}

/* "WxH" in pixels, within the figure limits: 0, or -1 with a message. */
static int parse_figure_size(const char *arg, int *w, int *h)
{
    char *end;
    errno = 0;
    long a = strtol(arg, &end, 10), b = -1;
    if (end != arg && *end == 'x' && end[1] >= '0' && end[1] <= '9') {
        const char *q = end + 1;
        b = strtol(q, &end, 10);
    }
    if (errno || *end || a < IHG_FIGURE_MIN_SIZE || a > IHG_FIGURE_MAX_SIZE ||
        b < IHG_FIGURE_MIN_SIZE || b > IHG_FIGURE_MAX_SIZE) {
        fprintf(stderr, "ihgtui: --figure-size needs WIDTHxHEIGHT in pixels, each %d to %d "
                        "(e.g. 1280x800)\n", IHG_FIGURE_MIN_SIZE, IHG_FIGURE_MAX_SIZE);
        return -1;
    }
    *w = (int)a;
    *h = (int)b;
    return 0;
}

/* The explorer needs a terminal that can move its cursor: say so before
 * anything is loaded or opened, instead of a blank or garbled screen. */
static int explorer_refused(void)
{
    const char *term = getenv("TERM");
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "ihgtui: the explorer needs a terminal on standard input and "
                        "output (use --batch for a headless run)\n");
        return 1;
    }
    if (!term || !*term || strcmp(term, "dumb") == 0 || strcmp(term, "unknown") == 0) {
        char t[64];
        if (term && *term)
            fprintf(stderr, "ihgtui: TERM=%s cannot show the explorer", IHG_ESCAPE(t, term));
        else
            fprintf(stderr, "ihgtui: TERM is not set");
        fprintf(stderr, ": the explorer needs a terminal that can move the cursor "
                        "(set TERM, e.g. TERM=xterm-256color, or use --batch)\n");
        return 1;
    }
    return 0;
}

static int run(int argc, char **argv);

/* --seeds writes to output as --batch does: opened once a session shows
 * that the experiment and its data load, never onto one of them. */
static int run_seeds(const ihg_config *cfg, long seeds, const char *output)
{
    FILE *out = stdout;
    if (output) {
        ihg_session *s = ihg_session_alloc(cfg);
        if (!s) {
            int st = ihg_error_status();
            ihg_error_print(stderr);
            return ihg_exit_status(st ? st : IHG_EINTERNAL);
        }
        const char *inputs[IHG_MAX_INPUTS + 1];
        ihg_run_inputs(cfg, ihg_session_dataset(s), inputs);
        out = ihg_output_open(output, inputs);
        ihg_session_free(s);
        if (!out) {
            int st = ihg_error_status();
            fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
            return ihg_exit_status(st);
        }
    }
    int rc = ihg_seeds_run(cfg, seeds, out);
    if (ihg_output_close(out, output ? output : "standard output") != IHG_OK) {
        ihg_error_print(stderr);
        rc = rc ? rc : 1;
    }
    return rc;
}

/* Every mode ends here: what stdout holds must reach its file, or the exit
 * status says it did not (ihgtui --help >/dev/full fails). */
int main(int argc, char **argv)
{
    ihg_blas_limit_threads(argv);
    int rc = run(argc, argv);
    if (ihg_output_close(stdout, "standard output") != IHG_OK) {
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        if (rc == 0)
            rc = 1;
    }
    return rc;
}

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"batch", no_argument, NULL, 'b'},
        {"output", required_argument, NULL, 'o'},
        {"compare", no_argument, NULL, 'c'},
        {"vectors", no_argument, NULL, OPT_VECTORS},
        {"check", no_argument, NULL, OPT_CHECK},
        {"set", required_argument, NULL, 's'},
        {"outer", required_argument, NULL, OPT_OUTER},
        {"seed", required_argument, NULL, OPT_SEED},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"no-colour", no_argument, NULL, OPT_NO_COLOR},
        {"theme", required_argument, NULL, OPT_THEME},
        {"ascii", no_argument, NULL, OPT_ASCII},
        {"record", required_argument, NULL, OPT_RECORD},
        {"dump-default", no_argument, NULL, OPT_DUMP_DEFAULT},
        {"seeds", required_argument, NULL, OPT_SEEDS},
        {"list-keys", no_argument, NULL, OPT_LIST_KEYS},
        {"figures", required_argument, NULL, OPT_FIGURES},
        {"figure-size", required_argument, NULL, OPT_FIGURE_SIZE},
        {"slide", required_argument, NULL, OPT_SLIDE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0}};
    static char *overrides[MAX_OVERRIDES + 1];
    static char extra[2][64];
    int extra_slot[2] = {-1, -1};
    size_t n_over = 0;
    int batch = 0, check = 0;
    long seeds = 0;
    const char *output = NULL;
    ihg_batch_options bopt = {0, 0, 0, NULL, NULL, IHG_FIGURE_DEFAULT_WIDTH,
                              IHG_FIGURE_DEFAULT_HEIGHT};
    int figure_size_given = 0;
    long slide = 0;
    ihg_tui_options topt;
    memset(&topt, 0, sizeof topt);
    int c;

    ihg_error_install_gsl_handler();
    while ((c = getopt_long(argc, argv, "bo:cs:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': batch = 1; break;
        case 'o': output = optarg; break;
        case 'c': bopt.compare = 1; break;
        case OPT_VECTORS: bopt.vectors = 1; break;
        case OPT_CHECK: check = 1; break;
        case 's':
            if (n_over >= MAX_OVERRIDES - 2) {
                fprintf(stderr, "ihgtui: too many --set options\n");
                return 2;
            }
            if (!strchr(optarg, '=')) {
                char a[256];
                fprintf(stderr, "ihgtui: --set needs KEY=VALUE, got '%s'\n",
                        IHG_ESCAPE(a, optarg));
                return 2;
            }
            overrides[n_over++] = optarg;
            break;
        case OPT_OUTER:
        case OPT_SEED: {
            /* one slot each, the last one given wins */
            int which = c == OPT_SEED;
            char *end;
            errno = 0;
            unsigned long long n = strtoull(optarg, &end, 10);
            if (!*optarg || *end || errno || optarg[0] == '-' ||
                n > (which ? 4294967295ULL : 1000000000ULL)) {
                char a[256];
                fprintf(stderr, "ihgtui: --%s needs a non-negative integer%s, got '%s'\n",
                        which ? "seed" : "outer", which ? " below 2^32" : "",
                        IHG_ESCAPE(a, optarg));
                return 2;
            }
            snprintf(extra[which], sizeof extra[which], "%s=%llu",
                     which ? "seed" : "outer.steps", n);
            if (extra_slot[which] < 0) {
                if (n_over >= MAX_OVERRIDES - 2) {
                    fprintf(stderr, "ihgtui: too many --set options\n");
                    return 2;
                }
                extra_slot[which] = (int)n_over;
                overrides[n_over++] = extra[which];
            }
            break;
        }
        case OPT_SEEDS: {
            char *end;
            errno = 0;
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || n < 2 || n > IHG_SEEDS_MAX) {
                char a[256];
                fprintf(stderr, "ihgtui: --seeds needs a number of runs from 2 to %d, "
                                "got '%s'\n", IHG_SEEDS_MAX, IHG_ESCAPE(a, optarg));
                return 2;
            }
            seeds = n;
            break;
        }
        case OPT_FIGURES:
            if (!*optarg) {
                fprintf(stderr, "ihgtui: --figures needs a directory\n");
                return 2;
            }
            bopt.figures = optarg;
            break;
        case OPT_FIGURE_SIZE:
            if (parse_figure_size(optarg, &bopt.figure_width, &bopt.figure_height) != 0)
                return 2;
            figure_size_given = 1;
            break;
        case OPT_SLIDE: {
            char *end;
            errno = 0;
            slide = strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || slide < 1 || slide > IHG_LESSON_SLIDES_MAX) {
                fprintf(stderr, "ihgtui: --slide needs a slide number from 1 to %d\n",
                        IHG_LESSON_SLIDES_MAX);
                return 2;
            }
            break;
        }
        case OPT_NO_COLOR: topt.no_color = 1; break;
        case OPT_THEME: topt.theme = optarg; break;
        case OPT_ASCII: topt.ascii = 1; break;
        case OPT_RECORD: topt.record = optarg; break;
        case OPT_DUMP_DEFAULT: fputs(ihg_default_lesson, stdout); return 0;
        case OPT_LIST_KEYS:
            if (ihg_config_list_keys(stdout) != 0 || fflush(stdout) != 0) {
                fprintf(stderr, "ihgtui: cannot write the key list\n");
                return 1;
            }
            return 0;
        case 'h': usage(stdout); return 0;
        case OPT_VERSION:
            printf("ihgtui %s\n", PACKAGE_VERSION);
            return 0;
        default:
            fprintf(stderr, "Try 'ihgtui --help' for more information.\n");
            return 2;
        }
    }
    overrides[n_over] = NULL;
    if (argc - optind > 1) {
        fprintf(stderr, "ihgtui: one experiment file at most (got %d)\n"
                        "Try 'ihgtui --help' for more information.\n",
                argc - optind);
        return 2;
    }
    const char *path = optind < argc ? argv[optind] : NULL;
    if (seeds && (!batch || bopt.compare || bopt.vectors)) {
        fprintf(stderr, "ihgtui: --seeds runs headless with --batch, without --compare "
                        "and --vectors\n");
        return 2;
    }
    if ((bopt.figures || figure_size_given) && (!batch || seeds)) {
        fprintf(stderr, "ihgtui: %s runs headless with --batch (not --seeds)\n",
                bopt.figures ? "--figures" : "--figure-size");
        return 2;
    }
    if (figure_size_given && !bopt.figures) {
        fprintf(stderr, "ihgtui: --figure-size needs --figures DIR\n");
        return 2;
    }

    if (topt.theme && strcmp(topt.theme, "default") && strcmp(topt.theme, "contrast") &&
        strcmp(topt.theme, "mono")) {
        char a[256];
        fprintf(stderr, "ihgtui: unknown theme '%s' (default, contrast or mono)\n",
                IHG_ESCAPE(a, topt.theme));
        return 2;
    }
    /* options that would be ignored are refused */
    if (!batch && (output || bopt.compare || bopt.vectors)) {
        fprintf(stderr, "ihgtui: %s only applies to --batch runs\n"
                        "Try 'ihgtui --help' for more information.\n",
                output ? "--output" : bopt.compare ? "--compare" : "--vectors");
        return 2;
    }
    if ((batch || check) && topt.record) {
        fprintf(stderr, "ihgtui: --record only applies to the explorer (--batch writes "
                        "the same lines; use --output)\n");
        return 2;
    }
    if (check && batch) {
        fprintf(stderr, "ihgtui: --check and --batch exclude each other\n");
        return 2;
    }
    if (!batch && !check && explorer_refused())
        return 1;
    const char *nc = getenv("NO_COLOR");
    if (nc && nc[0])
        topt.no_color = 1;

    if (!check && ihg_blas_reserve() != IHG_OK) {
        fprintf(stderr, "ihgtui: %s\n", ihg_error_message());
        return 1;
    }

    /* a lesson (a file with slides:, or the built-in one) */
    ihg_lesson lesson;
    ihg_config own, *cfg = &own;
    int is_lesson = !path || ihg_lesson_file(path);
    int st;
    memset(&lesson, 0, sizeof lesson);
    ihg_config_defaults(&own);
    if (is_lesson) {
        st = path ? ihg_lesson_load(&lesson, path, overrides)
                  : ihg_lesson_load_string(&lesson, "<built-in>", ihg_default_lesson,
                                           strlen(ihg_default_lesson), overrides);
        if (st == IHG_OK && slide > (long)lesson.n_slides)
            st = ihg_error_set(IHG_EINVAL, "ihgtui: --slide %ld: the lesson has %zu slides",
                               slide, lesson.n_slides);
        if (st != IHG_OK) {
            ihg_error_print(stderr);
            ihg_lesson_free(&lesson);
            return ihg_exit_status(st) == 1 ? 1 : 2;
        }
        if (!slide && (check || batch)) {
            int rc = 0;
            if (bopt.compare || bopt.vectors || bopt.figures || seeds) {
                fprintf(stderr, "ihgtui: --compare, --vectors, --figures and --seeds run an "
                                "experiment: give the lesson's --slide N\n");
                rc = 2;
            } else if (check) {
                rc = check_lesson(&lesson, path ? path : "<built-in>");
            } else {
                rc = ihg_lesson_batch_run(&lesson, output);
            }
            ihg_lesson_free(&lesson);
            return rc;
        }
        if (!check && !batch) {
            /* the explorer plays the lesson, from slide N */
            topt.lesson = &lesson;
            topt.slide = slide ? (size_t)slide - 1 : 0;
            int rc = ihg_tui_run(NULL, &topt);
            ihg_lesson_free(&lesson);
            return rc;
        }
        /* the experiment of one slide, run as an experiment */
        cfg = &lesson.configs[lesson.slides[slide ? slide - 1 : 0].config];
    } else {
        if (slide) {
            char shown[256];
            fprintf(stderr, "ihgtui: --slide needs a lesson (%s has no slides:)\n",
                    IHG_ESCAPE(shown, path));
            return 2;
        }
        st = ihg_config_load(&own, path, overrides);
        if (st != IHG_OK) {
            ihg_error_print(stderr);
            ihg_config_free(&own);
            return ihg_exit_status(st) == 1 ? 1 : 2;
        }
    }

    int rc = 0;
    if (check) {
        ihg_session *s = ihg_session_alloc(cfg);
        if (!s) {
            st = ihg_error_status();
            ihg_error_print(stderr);
            rc = ihg_exit_status(st ? st : IHG_EINTERNAL);
        } else {
            const ihg_model *m = ihg_session_model(s);
            const ihg_dataset *ds = ihg_session_dataset(s);
            char shown[512];
            printf("%s: ok: model %s, P = %zu parameters, %zu hyperparameters",
                   IHG_ESCAPE(shown, path ? path : "<built-in>"), m->type->name,
                   ihg_session_n_params(s), ihg_session_n_hyper(s));
            if (ds->train) {
                printf(", %zu train / %zu val", ds->train->n, ds->val ? ds->val->n : 0);
                if (ds->test)
                    printf(" / %zu test", ds->test->n);
                printf(" rows");
            }
            printf("\n");
            ihg_session_free(s);
        }
    } else if (batch) {
        bopt.output = output;
        rc = seeds ? run_seeds(cfg, seeds, output) : ihg_batch_run(cfg, &bopt);
    } else {
        rc = ihg_tui_run(cfg, &topt);
    }
    ihg_config_free(&own);
    ihg_lesson_free(&lesson);
    return rc;
}
