/* csv.c - read a numeric CSV file with a header row.
 *
 * Format: the first non-blank line names the columns; every further
 * non-blank line holds one example, one number per column, separated by
 * commas.  Spaces and tabs around a cell are ignored, lines end in LF or
 * CRLF, the last line may lack its newline, blank lines are skipped and a
 * UTF-8 byte order mark at the start is ignored.  A cell may be quoted
 * ("a,b", with "" for a literal quote); quotes cannot span lines.
 *
 * The target is the column named `target`, or the last column when target
 * is NULL; every other column, in file order, is a feature.  Numbers are
 * plain decimals ([+-]digits[.digits][e[+-]digits]), parsed in the C locale
 * whatever LC_NUMERIC says.
 *
 * Every error is "NAME:LINE:COLUMN: message", COLUMN being the 1-based
 * character (not byte) column of the offending cell.  The parser reads
 * exactly len bytes of text (no NUL terminator is needed), checks sizes
 * before allocating and never trusts the input: it is run under libFuzzer.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* fileno */
#endif
#include "data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "number.h"

#define CSV_MAX_CELLS 100000000UL  /* rows x columns */
#define CSV_MAX_COLUMNS 1000000UL
#define CSV_MAX_BYTES (1UL << 31)   /* 2 GiB */
#define CSV_MAX_CLASSES IHG_CSV_MAX_CLASSES
#define CSV_NUMBER_MAX 400          /* longest number accepted, in bytes */
#define CSV_SHOW 40                 /* cell text quoted in messages      */

/* One line of the text: [beg, end) without its line terminator. */
typedef struct {
    const char *text;
    size_t len;
    size_t pos;          /* start of the next line                 */
    unsigned long line;  /* number of the line last returned       */
} csv_lines;

/* A cell: content [beg, end) after trimming.
 * Quoted cells keep their quotes out of [beg, end) and may contain "". */
typedef struct {
    size_t at;       /* where the cell starts (its opening quote, if any) */
    size_t beg, end;
    int quoted;
} csv_cell;

static int next_line(csv_lines *ls, size_t *beg, size_t *end)
{
    if (ls->pos >= ls->len)
        return 0;
    size_t b = ls->pos, e = b;
    while (e < ls->len && ls->text[e] != '\n')
        e++;
    ls->pos = e < ls->len ? e + 1 : e;
    if (e > b && ls->text[e - 1] == '\r')
        e--;
    ls->line++;
    *beg = b;
    *end = e;
    return 1;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static int is_blank(const char *t, size_t beg, size_t end)
{
    for (size_t i = beg; i < end; i++)
        if (!is_space(t[i]))
            return 0;
    return 1;
}

/* 1-based character column of byte offset `at` in the line starting at
 * `line_beg` (UTF-8 continuation bytes do not count). */
static unsigned long char_column(const char *t, size_t line_beg, size_t at)
{
    unsigned long col = 1;
    for (size_t i = line_beg; i < at; i++)
        if (((unsigned char)t[i] & 0xC0) != 0x80)
            col++;
    return col;
}

/* Copy a cell for a message: at most CSV_SHOW bytes of it (cut at a
 * character), quotes unescaped, escaped by ihg_escape (error.h). */
static void show_cell(const char *t, const csv_cell *c, char *buf, size_t size)
{
    char raw[CSV_SHOW + 8];
    size_t o = 0, i;
    for (i = c->beg; i < c->end && o < CSV_SHOW; i++) {
        if (c->quoted && t[i] == '"' && i + 1 < c->end && t[i + 1] == '"')
            i++;
        raw[o++] = t[i];
    }
    while (i < c->end && o > 0 && ((unsigned char)t[i] & 0xC0) == 0x80) {
        o--; /* do not cut a character */
        i--;
    }
    ihg_escape(buf, size > 4 ? size - 3 : size, raw, o);
    if (i < c->end && size > 4)
        strcat(buf, "...");
}

/* Split the next cell of the line [*pos, end).  Returns 1 with the cell,
 * 0 when the line is finished, -1 on a quoting error (*err_at set). */
static int next_cell(const char *t, size_t *pos, size_t end, int *more,
                     csv_cell *c, size_t *err_at, const char **why)
{
    size_t i = *pos;
    if (!*more)
        return 0;
    while (i < end && is_space(t[i]))
        i++;
    c->quoted = 0;
    c->at = i;
    if (i < end && t[i] == '"') {
        size_t open = i;
        i++;
        c->beg = i;
        for (;;) {
            if (i >= end) {
                *err_at = open;
                *why = "unterminated quoted cell";
                return -1;
            }
            if (t[i] == '"') {
                if (i + 1 < end && t[i + 1] == '"') {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        c->end = i;
        c->quoted = 1;
        i++;
        while (i < end && is_space(t[i]))
            i++;
        if (i < end && t[i] != ',') {
            *err_at = i;
            *why = "unexpected text after a closing quote";
            return -1;
        }
    } else {
        c->beg = i;
        while (i < end && t[i] != ',')
            i++;
        size_t e = i;
        while (e > c->beg && is_space(t[e - 1]))
            e--;
        c->end = e;
    }
    if (i < end) { /* at a comma: another cell follows */
        *pos = i + 1;
        *more = 1;
    } else {
        *pos = end;
        *more = 0;
    }
    return 1;
}

enum { NUM_OK, NUM_BAD, NUM_NONFINITE, NUM_LONG };

static int ieq(const char *s, size_t n, const char *word)
{
    size_t m = strlen(word);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char a = s[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != word[i])
            return 0;
    }
    return 1;
}

/* Strict decimal number. */
static int parse_number(const char *s, size_t n, double *out)
{
    size_t i = 0;
    if (n == 0)
        return NUM_BAD;
    if (s[0] == '+' || s[0] == '-')
        i++;
    if (ieq(s + i, n - i, "nan") || ieq(s + i, n - i, "inf") ||
        ieq(s + i, n - i, "infinity"))
        return NUM_NONFINITE;
    if (!ihg_decimal_syntax(s, n))
        return NUM_BAD;
    if (n > CSV_NUMBER_MAX)
        return NUM_LONG;
    char buf[CSV_NUMBER_MAX + 1];
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = ihg_strtod_c(buf, NULL);
    if (!isfinite(v))
        return NUM_NONFINITE;
    *out = v;
    return NUM_OK;
}

/* Unescape a (possibly quoted) header cell into a new string. */
static char *cell_string(const char *t, const csv_cell *c)
{
    size_t n = c->end - c->beg;
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = c->beg; i < c->end; i++) {
        s[o++] = t[i];
        if (c->quoted && t[i] == '"' && i + 1 < c->end && t[i + 1] == '"')
            i++;
    }
    s[o] = '\0';
    return s;
}

/* The first repeated column name in file order: names[*again] equals the
 * earlier names[*first]; *again = 0 when all differ.  O(n log n), so a
 * header of a million columns is no denial of service.  -1: no memory. */
typedef struct {
    const char *name;
    size_t index;
} named_index;

static int cmp_named_index(const void *a, const void *b)
{
    const named_index *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int find_duplicate(char **names, size_t n, size_t *first,
                          size_t *again)
{
    named_index *v;
    *again = 0;
    if (n < 2)
        return 0;
    v = malloc(n * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < n; i++) {
        v[i].name = names[i];
        v[i].index = i;
    }
    qsort(v, n, sizeof *v, cmp_named_index);
    for (size_t i = 1; i < n; i++) {
        /* v[i] is the second occurrence of its name when it equals its
         * predecessor and the predecessor starts the run. */
        if (strcmp(v[i - 1].name, v[i].name) == 0 &&
            (i < 2 || strcmp(v[i - 2].name, v[i].name) != 0) &&
            (*again == 0 || v[i].index < *again)) {
            *first = v[i - 1].index;
            *again = v[i].index;
        }
    }
    free(v);
    return 0;
}

static void free_names(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* "a, b, c" for the target-not-found message, shortened to fit. */
static void list_names(char **names, size_t n, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t need = strlen(names[i]) + 2;
        if (o + need + 8 >= size) {
            snprintf(buf + o, size - o, "%s...", i ? ", " : "");
            return;
        }
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "",
                              names[i]);
    }
}

void ihg_csv_info_free(ihg_csv_info *info)
{
    if (!info)
        return;
    free_names(info->names, info->ncols);
    free(info->name_column);
    memset(info, 0, sizeof *info);
}

/* A header whose every cell is a number is a data row: the file has no
 * header. */
static int all_numbers(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v;
        if (parse_number(names[i], strlen(names[i]), &v) != NUM_OK)
            return 0;
    }
    return n > 0;
}

int ihg_csv_parse(const char *name, const char *text, size_t len,
                  const char *target, ihg_task task, ihg_data **out,
                  size_t *n_classes)
{
    ihg_csv_info info;
    int st = ihg_csv_parse_info(name, text, len, target, task, out, &info);
    if (n_classes)
        *n_classes = st == IHG_OK ? info.n_classes : 0;
    ihg_csv_info_free(&info);
    return st;
}

int ihg_csv_parse_info(const char *name, const char *text, size_t len,
                       const char *target, ihg_task task, ihg_data **out,
                       ihg_csv_info *info)
{
    csv_lines ls = {text, len, 0, 0};
    size_t beg = 0, end = 0;
    char **names = NULL;
    size_t ncols = 0, cap = 0;
    csv_cell *cells = NULL;
    ihg_data *data = NULL;
    int status = IHG_OK;
    char show[4 * CSV_SHOW + 8];

    if (out)
        *out = NULL;
    memset(info, 0, sizeof *info);
    info->max_label = -1;
    if (!name)
        name = "<csv>";
    if (!text)
        len = 0;
    if (!out)
        return ihg_error_set(IHG_EINVAL, "ihg_csv_parse: no output");

    /* A NUL byte means this is not a text file. */
    {
        const char *z = len ? memchr(text, '\0', len) : NULL;
        if (z) {
            size_t at = (size_t)(z - text), lb = 0;
            unsigned long line = 1;
            for (size_t i = 0; i < at; i++)
                if (text[i] == '\n')
                    line++, lb = i + 1;
            return ihg_error_at(IHG_EIO, name, line,
                                char_column(text, lb, at),
                                "NUL byte: not a text CSV file");
        }
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        ls.pos = 3; /* byte order mark: ignored, columns count from after it */

    /* Header. */
    size_t hdr_beg = 0;
    unsigned long hdr_line = 0;
    for (;;) {
        if (!next_line(&ls, &beg, &end))
            return ihg_error_at(IHG_EIO, name, ls.line ? ls.line : 1, 1,
                                "empty file: expected a header row of "
                                "column names");
        if (!is_blank(text, beg, end))
            break;
    }
    hdr_beg = beg; /* after the byte order mark, if any */
    hdr_line = ls.line;
    {
        size_t pos = beg, err_at = 0;
        int more = 1, r;
        const char *why = NULL;
        csv_cell c;
        while ((r = next_cell(text, &pos, end, &more, &c, &err_at, &why)) ==
               1) {
            if (c.beg == c.end) {
                status = ihg_error_at(IHG_EIO, name, hdr_line,
                                      char_column(text, hdr_beg, c.at),
                                      "empty column name in the header");
                goto fail;
            }
            if (ncols >= CSV_MAX_COLUMNS) {
                status = ihg_error_at(IHG_EIO, name, hdr_line,
                                      char_column(text, hdr_beg, c.at),
                                      "too large: more than %lu columns",
                                      CSV_MAX_COLUMNS);
                goto fail;
            }
            if (ncols == cap) {
                size_t ncap = cap ? 2 * cap : 16;
                char **nn = realloc(names, ncap * sizeof *nn);
                csv_cell *nc = realloc(cells, ncap * sizeof *nc);
                if (nn)
                    names = nn;
                if (nc)
                    cells = nc;
                if (!nn || !nc) {
                    status = ihg_error_set(IHG_ENOMEM, "%s: out of memory",
                                           name);
                    goto fail;
                }
                cap = ncap;
            }
            names[ncols] = cell_string(text, &c);
            if (!names[ncols]) {
                status = ihg_error_set(IHG_ENOMEM, "%s: out of memory", name);
                goto fail;
            }
            cells[ncols] = c;
            ncols++;
        }
        if (r < 0) {
            status = ihg_error_at(IHG_EIO, name, hdr_line,
                                  char_column(text, hdr_beg, err_at), "%s",
                                  why);
            goto fail;
        }
    }
    {
        size_t first = 0, again = 0;
        if (find_duplicate(names, ncols, &first, &again) < 0) {
            status = ihg_error_set(IHG_ENOMEM, "%s: out of memory", name);
            goto fail;
        }
        if (again) {
            show_cell(text, &cells[again], show, sizeof show);
            status = ihg_error_at(IHG_EIO, name, hdr_line,
                                  char_column(text, hdr_beg,
                                              cells[again].at),
                                  "duplicate column name '%s' (also column "
                                  "%zu)",
                                  show, first + 1);
            goto fail;
        }
    }
    if (ncols < 2) {
        status = ihg_error_at(IHG_EIO, name, hdr_line, 1,
                              "need at least two columns (features and "
                              "a target), the header has %zu",
                              ncols);
        goto fail;
    }
    info->name_column = malloc(ncols * sizeof *info->name_column);
    if (!info->name_column) {
        status = ihg_error_set(IHG_ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    for (size_t j = 0; j < ncols; j++)
        info->name_column[j] = char_column(text, hdr_beg, cells[j].at);
    if (all_numbers(names, ncols)) {
        show_cell(text, &cells[0], show, sizeof show);
        status = ihg_error_at(IHG_EIO, name, hdr_line,
                              char_column(text, hdr_beg, cells[0].at),
                              "the first row holds numbers ('%s', ...), not "
                              "column names: the file needs a header row",
                              show);
        goto fail;
    }

    size_t tcol = ncols - 1;
    if (target) {
        size_t j;
        for (j = 0; j < ncols; j++)
            if (strcmp(names[j], target) == 0)
                break;
        if (j == ncols) {
            char list[400];
            list_names(names, ncols, list, sizeof list);
            status = ihg_error_at(IHG_EIO, name, hdr_line, 1,
                                  "no target column named '%.100s' "
                                  "(columns: %s)",
                                  target, list);
            goto fail;
        }
        tcol = j;
    }

    /* Count the data rows, then check the size before allocating. */
    size_t nrows = 0;
    {
        csv_lines scan = ls;
        size_t b, e;
        while (next_line(&scan, &b, &e))
            if (!is_blank(text, b, e))
                nrows++;
    }
    if (nrows == 0) {
        status = ihg_error_at(IHG_EIO, name, hdr_line + 1, 1,
                              "no data rows after the header");
        goto fail;
    }
    if (nrows > CSV_MAX_CELLS / ncols) {
        status = ihg_error_at(IHG_ELIMIT, name, hdr_line, 1,
                              "too large: %zu rows x %zu columns (at most "
                              "%lu cells)",
                              nrows, ncols, CSV_MAX_CELLS);
        goto fail;
    }
    data = ihg_data_alloc(nrows, ncols - 1);
    if (!data) {
        status = ihg_error_status() ? ihg_error_status() : IHG_ENOMEM;
        goto fail;
    }

    /* The rows. */
    long max_label = -1;
    size_t row = 0;
    while (next_line(&ls, &beg, &end)) {
        if (is_blank(text, beg, end))
            continue;
        size_t pos = beg, err_at = 0, nf = 0;
        int more = 1, r;
        const char *why = NULL;
        csv_cell c;
        while ((r = next_cell(text, &pos, end, &more, &c, &err_at, &why)) ==
               1) {
            if (nf < ncols)
                cells[nf] = c;
            else if (nf == ncols)
                err_at = c.at; /* first extra cell */
            nf++;
        }
        if (r < 0) {
            status = ihg_error_at(IHG_EIO, name, ls.line,
                                  char_column(text, beg, err_at), "%s", why);
            goto fail;
        }
        if (nf != ncols) {
            size_t at = nf > ncols ? err_at : end;
            while (nf < ncols && at > beg && is_space(text[at - 1]))
                at--;
            status = ihg_error_at(IHG_EIO, name, ls.line,
                                  char_column(text, beg, at),
                                  "row has %zu field%s, header has %zu", nf,
                                  nf == 1 ? "" : "s", ncols);
            goto fail;
        }
        size_t f = 0;
        for (size_t j = 0; j < ncols; j++) {
            const csv_cell *cj = &cells[j];
            unsigned long col;
            double v = 0;
            if (cj->beg == cj->end) {
                col = char_column(text, beg, cj->at);
                status = ihg_error_at(IHG_EIO, name, ls.line, col,
                                      "empty cell in column '%s'", names[j]);
                goto fail;
            }
            int nr = parse_number(text + cj->beg, cj->end - cj->beg, &v);
            if (nr != NUM_OK) {
                col = char_column(text, beg, cj->at);
                show_cell(text, cj, show, sizeof show);
                if (nr == NUM_NONFINITE)
                    status = ihg_error_at(IHG_EIO, name, ls.line, col,
                                          "non-finite value '%s'", show);
                else if (nr == NUM_LONG)
                    status = ihg_error_at(IHG_EIO, name, ls.line, col,
                                          "number '%s' is too long", show);
                else
                    status = ihg_error_at(IHG_EIO, name, ls.line, col,
                                          "'%s' is not a number", show);
                goto fail;
            }
            if (j == tcol) {
                if (task == IHG_TASK_BINARY && v != 0.0 && v != 1.0) {
                    show_cell(text, cj, show, sizeof show);
                    status = ihg_error_at(
                        IHG_EIO, name, ls.line,
                        char_column(text, beg, cj->at),
                        "label '%s' must be 0 or 1 for a binary task", show);
                    goto fail;
                }
                if (task == IHG_TASK_MULTICLASS) {
                    if (!(v >= 0 && v < CSV_MAX_CLASSES && v == floor(v))) {
                        show_cell(text, cj, show, sizeof show);
                        status = ihg_error_at(
                            IHG_EIO, name, ls.line,
                            char_column(text, beg, cj->at),
                            "class label '%s' must be an integer from 0 to "
                            "%d",
                            show, CSV_MAX_CLASSES - 1);
                        goto fail;
                    }
                    if ((long)v > max_label) {
                        max_label = (long)v;
                        info->max_label_line = ls.line;
                        info->max_label_column = char_column(text, beg, cj->at);
                    }
                    info->label_seen[(long)v] = 1;
                }
                if (v == 0.0)
                    v = 0.0; /* no -0 labels */
                gsl_vector_set(data->y, row, v);
            } else {
                gsl_matrix_set(data->X, row, f++, v);
            }
        }
        row++;
    }

    if (task == IHG_TASK_BINARY)
        info->n_classes = 2;
    else if (task == IHG_TASK_MULTICLASS)
        info->n_classes = (size_t)(max_label + 1);
    info->max_label = max_label;
    info->names = names;
    info->ncols = ncols;
    info->target = tcol;
    info->header_line = hdr_line;
    free(cells);
    *out = data;
    return IHG_OK;

fail:
    free_names(names, ncols);
    free(cells);
    ihg_data_free(data);
    free(info->name_column);
    info->name_column = NULL;
    return status;
}

int ihg_csv_read(const char *path, const char *target, ihg_task task,
                 ihg_data **out, size_t *n_classes)
{
    ihg_csv_info info;
    int st = ihg_csv_read_info(path, target, task, out, &info);
    if (n_classes)
        *n_classes = st == IHG_OK ? info.n_classes : 0;
    ihg_csv_info_free(&info);
    return st;
}

int ihg_csv_read_info(const char *path, const char *target, ihg_task task,
                      ihg_data **out, ihg_csv_info *info)
{
    memset(info, 0, sizeof *info);
    info->max_label = -1;
    FILE *f;
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap;
    int status;

    if (out)
        *out = NULL;
    if (!path)
        return ihg_error_set(IHG_EINVAL, "ihg_csv_read: no file name");
    f = fopen(path, "rb");
    if (!f)
        return ihg_error_at(IHG_EIO, path, 0, 0, "cannot open: %s",
                            strerror(errno));
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        return ihg_error_at(IHG_EIO, path, 0, 0, "cannot read: %s",
                            strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        int e = EISDIR;
        fclose(f);
        return ihg_error_at(IHG_EIO, path, 0, 0, "cannot read: %s",
                            strerror(e));
    }
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > CSV_MAX_BYTES) {
        fclose(f);
        return ihg_error_at(IHG_ELIMIT, path, 1, 1,
                            "too large: %lld bytes (at most %lu)",
                            (long long)st.st_size, CSV_MAX_BYTES);
    }
    cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1
                                                 : 65536;
    buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return ihg_error_set(IHG_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (len == cap) {
            if (cap >= CSV_MAX_BYTES) {
                free(buf);
                fclose(f);
                return ihg_error_at(IHG_ELIMIT, path, 1, 1,
                                    "too large: more than %lu bytes",
                                    CSV_MAX_BYTES);
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return ihg_error_set(IHG_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        /* Stop at a NUL byte (binary file, /dev/zero): the parser reports
         * it at its position. */
        int nul = got && memchr(buf + len, '\0', got) != NULL;
        len += got;
        if (got == 0 || nul)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return ihg_error_at(IHG_EIO, path, 0, 0, "cannot read: %s",
                            strerror(e));
    }
    fclose(f);
    status = ihg_csv_parse_info(path, buf, len, target, task, out, info);
    free(buf);
    return status;
}
