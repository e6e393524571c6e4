/* fuzz_negotiate.c - libFuzzer target for HTTP content negotiation (src/web/negotiate.c).
 *
 * The input, cut at its first NUL, is split at its first newline: the part before is the
 * Accept header value, the part after the Accept-Encoding value (each also tried as absent).
 * Beyond what ASan/UBSan catch, two oracles that need no second implementation:
 *  - the format is one of the enum's values, and OpenMetrics only when "openmetrics" occurs;
 *  - gzip is allowed only when "gzip" or "*" occurs (case-insensitively). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *encoding = strchr(text, '\n');
    if (encoding != NULL)
        *encoding++ = '\0';
    else
        encoding = text;

    enum expo_format f = http_negotiate_format(text);
    if (f != EXPO_TEXT_004 && f != EXPO_OPENMETRICS_100)
        abort();
    if (f == EXPO_OPENMETRICS_100 && !contains_ci(text, "openmetrics"))
        abort();
    if (http_negotiate_format(NULL) != EXPO_TEXT_004)
        abort();

    int gz = http_accepts_gzip(encoding);
    if (gz != 0 && gz != 1)
        abort();
    if (gz && !contains_ci(encoding, "gzip") && strchr(encoding, '*') == NULL)
        abort();
    if (http_accepts_gzip(NULL) != 0)
        abort();
    free(text);
    return 0;
}
