/* fuzz_cli.c - libFuzzer target for the command line (src/app/cli.c).
 *
 * The input is split at NUL bytes into arguments after "switchsim" (at most 64) and given
 * to cli_parse(); it must return 0, or -1 with a non-empty message. Accepted options go
 * through cli_validate() with a fixed clock. The time and listen-address parsers get the
 * first argument too. ASan/UBSan catch memory and arithmetic errors. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "base/errbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void check(int rc, const struct errbuf *err)
{
    if (rc != 0 && (rc != -1 || err->msg[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "switchsim";
    for (size_t at = 0; at <= size && argc <= MAX_ARGS; at += strlen(text + at) + 1)
        argv[argc++] = text + at;
    argv[argc] = NULL;
    struct options opts;
    struct errbuf err = {0};
    int rc = cli_parse(argc, argv, &opts, &err);
    check(rc, &err);
    if (rc == 0) {
        err.msg[0] = '\0';
        check(cli_validate(&opts, 1795305600000LL, &err), &err);
    }
    int64_t ms = 0;
    err.msg[0] = '\0';
    check(cli_parse_time_ms(argv[1], &ms, &err), &err);
    err.msg[0] = '\0';
    check(cli_parse_when_ms("--from", argv[1], 1795305600000LL, &ms, &err), &err);
    char host[256];
    uint16_t port = 0;
    err.msg[0] = '\0';
    check(cli_parse_listen_address(argv[1], host, sizeof(host), &port, &err), &err);
    free(text);
    return 0;
}
