/* fuzz_config.c - libFuzzer target for the experiment loader.
 *
 * The input is split at the first NUL byte: before it the YAML text, after
 * it an optional list of newline-separated --set overrides, so the fuzzer
 * reaches the override path too.  Any crash, leak or sanitizer report is a
 * bug; a rejected input is fine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t ylen = size;
    const uint8_t *nul = memchr(data, 0, size);
    char *over_buf = NULL;
    char *overrides[9] = {NULL};
    if (nul) {
        ylen = (size_t)(nul - data);
        size_t olen = size - ylen - 1;
        over_buf = malloc(olen + 1);
        if (!over_buf)
            return 0;
        memcpy(over_buf, nul + 1, olen);
        over_buf[olen] = '\0';
        size_t n = 0;
        char *save = NULL;
        for (char *tok = strtok_r(over_buf, "\n", &save); tok && n < 8;
             tok = strtok_r(NULL, "\n", &save))
            if (strchr(tok, '='))
                overrides[n++] = tok;
    }
    ihg_config cfg;
    ihg_config_load_string(&cfg, "fuzz.yaml", text, ylen, overrides);
    ihg_config_free(&cfg);
    free(over_buf);
    return 0;
}
