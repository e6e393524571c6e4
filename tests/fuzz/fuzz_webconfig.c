/* fuzz_webconfig.c - libFuzzer target for the web configuration file (src/config/webconfig.c,
 * through the YAML layer).
 *
 * The input is written to a temporary file and loaded; the load must return 0 (then the
 * config is freed) or -1 with a non-empty message. Inputs that name files under /dev,
 * /proc or /sys are left out: the PEM reader refuses non-regular files (a unit test checks
 * a FIFO), but /proc and /sys hold regular-looking files whose reads have side effects.
 * ASan/UBSan catch memory and arithmetic errors. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errbuf.h"
#include "config/webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int mentions(const uint8_t *data, size_t size, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, what, n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (mentions(data, size, "/dev") || mentions(data, size, "/proc") ||
        mentions(data, size, "/sys"))
        return 0;
    char path[] = "/tmp/switchsim-fuzz-webconfig-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    struct web_config *cfg = NULL;
    struct errbuf err = {0};
    int rc = webconfig_load(path, &cfg, &err);
    if (rc == 0)
        webconfig_free(cfg);
    else if (rc != -1 || err.msg[0] == '\0')
        abort();
    unlink(path);
    return 0;
}
