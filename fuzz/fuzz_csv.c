/* fuzz_csv.c - libFuzzer target for the CSV reader.
 *
 * The first byte picks the task (regression, binary, multiclass) and whether
 * the target column is named; the rest is the CSV text (not NUL-terminated,
 * so reads past the end are caught by AddressSanitizer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const ihg_task tasks[] = {IHG_TASK_REGRESSION, IHG_TASK_BINARY,
                                     IHG_TASK_MULTICLASS};
    ihg_task task = tasks[data[0] % 3];
    const char *target = (data[0] & 4) ? "y" : NULL;
    /* an exact-size heap copy so any over-read is reported */
    char *text = malloc(size - 1 ? size - 1 : 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    ihg_data *out = NULL;
    size_t k = 0;
    if (ihg_csv_parse("fuzz.csv", text, size - 1, target, task, &out, &k) == IHG_OK)
        ihg_data_free(out);
    free(text);
    return 0;
}
