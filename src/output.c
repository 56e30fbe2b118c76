/* output.c - opening and closing the files a run writes (output.h). */
#define _POSIX_C_SOURCE 200809L /* fdopen, fileno */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

void ihg_run_inputs(const ihg_config *cfg, const ihg_dataset *ds,
                    const char *list[IHG_MAX_INPUTS + 1])
{
    size_t n = 0;
    if (cfg && cfg->path)
        list[n++] = cfg->path;
    for (size_t i = 0; ds && i < IHG_DATASET_MAX_FILES && ds->files[i]; i++)
        list[n++] = ds->files[i];
    list[n] = NULL;
}

/* The input that st (an output's status) is, or NULL. */
static const char *same_as(const struct stat *st, const char *const *inputs)
{
    for (size_t i = 0; inputs && inputs[i]; i++) {
        struct stat in;
        if (stat(inputs[i], &in) == 0 && in.st_dev == st->st_dev &&
            in.st_ino == st->st_ino)
            return inputs[i];
    }
    return NULL;
}

static int refuse(const char *path, const char *input)
{
    if (strcmp(path, input) == 0)
        return ihg_error_at(IHG_EINVAL, path, 0, 0,
                            "is an input of this run; refusing to "
                            "overwrite it");
    return ihg_error_at(IHG_EINVAL, path, 0, 0,
                        "is the input '%s' (the same file); refusing to "
                        "overwrite it",
                        input);
}

int ihg_output_check(const char *path, const char *const *inputs)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return IHG_OK; /* not there yet: cannot be an input */
    const char *in = same_as(&st, inputs);
    return in ? refuse(path, in) : IHG_OK;
}

FILE *ihg_output_open(const char *path, const char *const *inputs)
{
    /* Open without truncating, check the file opened, then empty it: no
     * window in which another name could be swapped in between. */
    int fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0666);
    if (fd < 0) {
        ihg_error_at(IHG_EWRITE, path, 0, 0, "cannot open for writing: %s",
                     strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        ihg_error_at(IHG_EWRITE, path, 0, 0, "cannot open for writing: %s",
                     strerror(errno));
        close(fd);
        return NULL;
    }
    const char *in = same_as(&st, inputs);
    if (in) {
        close(fd);
        refuse(path, in);
        return NULL;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0 && ftruncate(fd, 0) != 0) {
        ihg_error_at(IHG_EWRITE, path, 0, 0, "cannot empty: %s",
                     strerror(errno));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        ihg_error_at(IHG_EWRITE, path, 0, 0, "cannot open for writing: %s",
                     strerror(errno));
        close(fd);
        return NULL;
    }
    return f;
}

int ihg_output_close(FILE *f, const char *name)
{
    if (!f)
        return IHG_OK;
    int bad = ferror(f), e = 0;
    if (fflush(f) != 0) {
        bad = 1;
        e = errno;
    }
    if (f != stdout && f != stderr && fclose(f) != 0) {
        bad = 1;
        e = e ? e : errno;
    }
    if (bad)
        return ihg_error_at(IHG_EWRITE, name ? name : "standard output", 0, 0,
                            "write error: %s",
                            e ? strerror(e) : "earlier write failed");
    return IHG_OK;
}
