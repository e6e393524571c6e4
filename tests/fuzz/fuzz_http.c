/* fuzz_http.c - libFuzzer target for whole HTTP requests: libmicrohttpd's parser plus what
 * switchsim adds (routing, percent-decoding, query parameters of /probe and /sd, Accept and
 * Accept-Encoding negotiation, the fault API's paths and bodies, the Host check).
 *
 * One server (tests/fixtures/profiles/ok/small.yaml, the fault API on, a tick of an hour)
 * runs in the process on 127.0.0.1; each input is sent as raw bytes on a new connection,
 * which is then half-closed. The answer, if any, must start with "HTTP/1.x NNN " and NNN
 * must be a status switchsim or the library sends (200, 201, 400, 401, 403, 404, 405, 406,
 * 409, 413, 414, 431, 500, 501, 503, 505). Faults an input makes are deleted again after it.
 * Inputs are bounded at 8 KiB and each exchange at 2 s of socket timeouts (a request the
 * server still waits on is abandoned); the client closes after the status line, so the
 * server also meets clients that leave mid-response. ASan/UBSan catch
 * memory and arithmetic errors in our code, and in the library's as far as it is built
 * with them (Debian's is not: its own bugs show only as crashes or hangs). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "config/profile.h"
#include "metrics/budget.h"
#include "metrics/catalog.h"
#include "serve/exporter.h"
#include "serve/world.h"
#include "web/http.h"

#ifndef FUZZ_PROFILE
#define FUZZ_PROFILE "tests/fixtures/profiles/ok/small.yaml"
#endif
#define MAX_INPUT 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct exporter *exporter;
static uint16_t port;

static void start_once(void)
{
    if (port)
        return;
    static struct profile_budget budget;
    catalog_budget(catalog_all(), &budget);
    const char *paths[] = {FUZZ_PROFILE};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &budget, &fleet, &err) != 0) {
        fprintf(stderr, "fuzz_http: %s (run from the project root)\n", err.msg);
        abort();
    }
    fleet->tick_ms = 3600 * 1000; /* one tick for a long while: no simulation work */
    int64_t now = exporter_now_ms();
    struct world_params params = {1, now, {"fuzz", "fuzz"}, {0, 1}};
    struct exporter_options opts = {.timestamps = 1, .families = catalog_all(), .loaded_ms = now};
    exporter = exporter_new(world_new_at(fleet, &params, (uint64_t)now / fleet->tick_ms), &opts);
    struct http_options hopts = {.host = "127.0.0.1",
                                 .page = {.version = "fuzz", .revision = "fuzz"},
                                 .threads = 2,
                                 .admin_api = 1};
    hopts.limits.request_timeout_ms = 200; /* incomplete requests end fast */
    hopts.limits.write_timeout_ms = 1000;
    struct http_server *srv = http_start(&hopts, exporter, &err);
    if (!srv) {
        fprintf(stderr, "fuzz_http: %s\n", err.msg);
        abort();
    }
    port = http_port(srv); /* the server lives as long as the process */
}

static int known_status(int code)
{
    static const int codes[] = {200, 201, 400, 401, 403, 404, 405, 406,
                                409, 413, 414, 431, 500, 501, 503, 505};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (codes[i] == code)
            return 1;
    return 0;
}

static void clear_faults(void)
{
    struct strbuf sb;
    strbuf_init(&sb, 1024, 1 << 20);
    exporter_faults_json(exporter, &sb);
    for (const char *p = sb.data; (p = strstr(p, "{\"id\":")) != NULL; p++)
        exporter_end_fault(exporter, strtoull(p + 6, NULL, 10));
    strbuf_cleanup(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    start_once();
    if (size > MAX_INPUT)
        return 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        abort();
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
        abort();
    if (size)
        (void)send(fd, data, size, MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    char head[16];
    size_t got = 0;
    while (got < sizeof(head)) {
        ssize_t n = recv(fd, head + got, sizeof(head) - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd); /* mid-response: the server must cope with a client that goes away */
    if (got >= 13) {
        if (memcmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ' || head[12] != ' ')
            abort();
        int code = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
        if (!known_status(code)) {
            fprintf(stderr, "fuzz_http: unexpected status %d\n", code);
            abort();
        }
    }
    clear_faults();
    return 0;
}
