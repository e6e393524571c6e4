/* fuzz_units.c - libFuzzer target for the unit parsers in src/base/units.c.
 *
 * The input, cut at its first NUL, is given to every parser; each must either succeed or
 * fill the errbuf with a non-empty message. ASan/UBSan catch memory and arithmetic errors. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"
#include "base/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const struct errbuf *err)
{
    if (rc != 0 && (rc != -1 || err->msg[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    uint64_t u = 0;
    double d = 0;
    struct errbuf err = {0};
    check(units_parse_speed_bps(text, &u, &err), &err);
    err.msg[0] = '\0';
    check(units_parse_size_bytes(text, &u, &err), &err);
    err.msg[0] = '\0';
    check(units_parse_duration_ms(text, &u, &err), &err);
    err.msg[0] = '\0';
    check(units_parse_double(text, &d, &err), &err);
    err.msg[0] = '\0';
    check(units_parse_ratio(text, &d, &err), &err);
    err.msg[0] = '\0';
    check(units_parse_u64(text, &u, &err), &err);
    free(text);
    return 0;
}
