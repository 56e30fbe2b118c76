/* output.c - opening and closing the files a run writes (output.h). */
#define _POSIX_C_SOURCE 200809L /* fdopen */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "idx.h"

void ihg_run_inputs(const ihg_config *cfg, const ihg_dataset *ds,
                    const char *list[IHG_MAX_INPUTS + 1])
{
    static char *held[IHG_MAX_INPUTS];
    static const char *const idx_files[] = {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte"};
    size_t n = 0, h = 0, i;
    for (i = 0; i < IHG_MAX_INPUTS; i++) {
        free(held[i]);
        held[i] = NULL;
    }
    if (cfg && cfg->path)
        list[n++] = cfg->path;
    if (cfg) {
        const char *rel[4] = {cfg->data.train, cfg->data.val, cfg->data.test, cfg->data.file};
        for (i = 0; i < 4 && h < IHG_MAX_INPUTS && n < IHG_MAX_INPUTS; i++)
            if (rel[i] && (held[h] = ihg_config_resolve(cfg, rel[i])) != NULL)
                list[n++] = held[h++];
    }
    if (cfg && ds && ds->image_rows > 0) {
        /* the image set's files, with and without .gz */
        char *dir = cfg->data.images_dir ? ihg_config_resolve(cfg, cfg->data.images_dir)
                                         : strdup(IHG_IDX_DEFAULT_DIR);
        for (i = 0; dir && i < 8 && h < IHG_MAX_INPUTS && n < IHG_MAX_INPUTS; i++) {
            size_t len = strlen(dir) + strlen(idx_files[i / 2]) + 8;
            if ((held[h] = malloc(len)) != NULL) {
                snprintf(held[h], len, "%s/%s%s", dir, idx_files[i / 2], i % 2 ? ".gz" : "");
                list[n++] = held[h++];
            }
        }
        free(dir);
    }
    list[n] = NULL;
}

/* the input that st (an output's status) is, or NULL */
static const char *same_as(const struct stat *st, const char *const *inputs)
{
    size_t i;
    for (i = 0; inputs && inputs[i]; i++) {
        struct stat in;
        if (stat(inputs[i], &in) == 0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino)
            return inputs[i];
    }
    return NULL;
}

static int refuse(const char *path, const char *input)
{
    if (strcmp(path, input) == 0)
        return ihg_error_set(IHG_EINVAL, "%s: is an input of this run; refusing to "
                                         "overwrite it", path);
    return ihg_error_set(IHG_EINVAL, "%s: is the input %s (the same file); refusing to "
                                     "overwrite it", path, input);
}

int ihg_output_check(const char *path, const char *const *inputs)
{
    struct stat st;
    const char *in;
    if (stat(path, &st) != 0)
        return IHG_OK; /* not there yet: cannot be an input */
    in = same_as(&st, inputs);
    return in ? refuse(path, in) : IHG_OK;
}

FILE *ihg_output_open(const char *path, const char *const *inputs)
{
    struct stat st;
    const char *in;
    FILE *f;
    /* open without truncating, check the file opened, then empty it */
    int fd = open(path, O_WRONLY | O_CREAT, 0666);
    if (fd < 0) {
        ihg_error_set(IHG_EIO, "%s: cannot open for writing: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        ihg_error_set(IHG_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if ((in = same_as(&st, inputs)) != NULL) {
        refuse(path, in);
        close(fd);
        return NULL;
    }
    if (S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) {
        ihg_error_set(IHG_EIO, "%s: cannot empty it: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    f = fdopen(fd, "w");
    if (!f) {
        ihg_error_set(IHG_EIO, "%s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int ihg_output_close(FILE *f, const char *name)
{
    int failed = ferror(f), err = 0;
    if (fflush(f) != 0)
        failed = 1, err = errno;
    if (fclose(f) != 0 && !err)
        failed = 1, err = errno;
    if (failed)
        return ihg_error_set(IHG_EIO, "%s: write error: %s", name ? name : "output",
                             err ? strerror(err) : "the output could not be written");
    return IHG_OK;
}
