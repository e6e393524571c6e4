/* test_http.c - the HTTP endpoint on an ephemeral loopback port, spoken to over
 * plain sockets: status codes, headers, HEAD, 404/405, port in use, concurrency. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "serve/compress.h"
#include "stack.h"
#include "web/http.h"

struct fixture {
    struct stack st;
    struct http_server *srv;
    uint16_t port;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    /* One tick for the whole test, starting now (not at a wall-clock hour, which a run at
     * hh:59:59 would straddle): every body must match. */
    stack_init(&f->st, FIXTURE("fixtures/profiles/ok/small.yaml"), 3600 * 1000, 7,
               exporter_now_ms());
    struct http_options opts = {.host = "127.0.0.1",
                                .port = 0,
                                .page = {.version = "9.9.9", .revision = "abc"},
                                .threads = 2};
    struct errbuf err;
    f->srv = http_start(&opts, f->st.exporter, &err);
    if (!f->srv)
        fail_msg("%s", err.msg);
    f->port = http_port(f->srv);
    assert_true(f->port > 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    http_stop(f->srv);
    stack_cleanup(&f->st);
    free(f);
    return 0;
}

struct response {
    int status;
    char *head; /* status line + headers */
    char *body;
    size_t body_len;
};

/* Sends raw request bytes and reads until the server closes (5 s timeout); the whole
 * byte stream is returned in .body/.body_len (head is NULL). */
static struct response http_raw_keep(uint16_t port, const char *request)
{
    struct response r = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    size_t len = strlen(request);
    assert_int_equal(write(fd, request, len), (ssize_t)len);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    r.body = buf;
    r.body_len = n;
    return r;
}

/* Sends raw request bytes and reads until the server closes (5 s timeout). */
static struct response http_raw(uint16_t port, const char *request)
{
    struct response r = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    size_t len = strlen(request);
    assert_int_equal(write(fd, request, len), (ssize_t)len);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    assert_non_null(sep);
    *sep = '\0';
    r.head = buf;
    r.body = sep + 4;
    r.body_len = n - (size_t)(r.body - buf);
    sscanf(buf, "HTTP/1.1 %d", &r.status);
    return r;
}

static struct response http_do(uint16_t port, const char *method, const char *path)
{
    char req[512];
    snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
             method, path);
    return http_raw(port, req);
}

/* Value of a header (case-insensitive name), or NULL. Points into r->head. */
static const char *header(struct response *r, const char *name)
{
    static char value[256];
    for (char *line = strstr(r->head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        char *p = line + 2;
        size_t n = strlen(name);
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ')
                p++;
            size_t vlen = strcspn(p, "\r\n");
            snprintf(value, sizeof(value), "%.*s", (int)vlen, p);
            return value;
        }
    }
    return NULL;
}

/* Sends raw request bytes (the last request should say "Connection: close") and reads
 * until the server closes; returns the whole byte stream (NUL-terminated, free it). */
static char *http_stream(uint16_t port, const char *request, size_t *len_out)
{
    struct response r = http_raw_keep(port, request);
    *len_out = r.body_len;
    return r.body;
}

/* Splits the n responses off a byte stream; is_head[i] says response i has no body.
 * Each head is NUL-terminated in place; bodies are located by Content-Length. */
static void split_responses(char *stream, size_t len, int n, const int *is_head,
                            struct response *out)
{
    char *p = stream, *end = stream + len;
    for (int i = 0; i < n; i++) {
        char *sep = strstr(p, "\r\n\r\n");
        if (!sep)
            fail_msg("response %d of %d missing (stream has %zu bytes)", i + 1, n, len);
        *sep = '\0';
        out[i].head = p;
        out[i].status = 0;
        sscanf(p, "HTTP/1.1 %d", &out[i].status);
        out[i].body = sep + 4;
        out[i].body_len = 0;
        if (!is_head[i]) {
            const char *cl = header(&out[i], "Content-Length");
            assert_non_null(cl);
            out[i].body_len = strtoul(cl, NULL, 10);
        }
        p = out[i].body + out[i].body_len;
        assert_true(p <= end);
    }
    assert_true(p == end); /* nothing after the last expected response */
}

static void test_http_metrics_get(void **state)
{
    struct fixture *f = *state;
    struct response r = http_do(f->port, "GET", "/metrics");
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    assert_true(r.body_len > 1000);
    assert_true(r.body[r.body_len - 1] == '\n');
    assert_int_equal(strncmp(r.body, "# HELP switch_device_info ", 26), 0);
    assert_non_null(
        strstr(r.body, "\nswitch_port_rx_packets_total{device=\"tor01\",port=\"swp1\"} "));
    char len[32];
    snprintf(len, sizeof(len), "%zu", r.body_len);
    assert_string_equal(header(&r, "Content-Length"), len);
    free(r.head);
}

static void test_http_metrics_head(void **state)
{
    struct fixture *f = *state;
    struct response get = http_do(f->port, "GET", "/metrics");
    struct response head = http_do(f->port, "HEAD", "/metrics");
    assert_int_equal(head.status, 200);
    assert_int_equal(head.body_len, 0);
    assert_string_equal(header(&head, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    char len[32];
    snprintf(len, sizeof(len), "%zu", get.body_len);
    assert_string_equal(header(&head, "Content-Length"), len);
    free(get.head);
    free(head.head);
}

static void test_http_other_pages(void **state)
{
    struct fixture *f = *state;
    struct response r = http_do(f->port, "GET", "/");
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "text/html; charset=utf-8");
    assert_non_null(strstr(r.body, "Version 9.9.9 (revision abc)."));
    assert_non_null(strstr(r.body, "<a href=\"sd\">")); /* and /config, with the settings: */
    assert_non_null(strstr(r.body, "<a href=\"config\">"));
    assert_non_null(strstr(r.body, "<tr><td>seed</td><td>7</td></tr>"));
    assert_non_null(strstr(r.body, "<tr><td>tick</td><td>3600000 ms</td></tr>"));
    assert_non_null(strstr(r.body, "<a href=\"metrics\">")); /* relative: works under a prefix */
    assert_non_null(strstr(r.body, "<a href=\"-/healthy\">"));
    assert_null(strstr(r.body, "href=\"/"));
    assert_non_null(
        strstr(r.body, "<li><a href=\"probe?target=tor01\">tor01</a> (Acme TOR-8, 4 ports)</li>"));
    assert_non_null(
        strstr(r.body, "<li><a href=\"probe?target=core1\">core1</a> (Acme CORE-2, 2 ports)</li>"));
    free(r.head);
    static const char *const health[] = {"/-/healthy", "/-/ready"};
    for (int i = 0; i < 2; i++) {
        r = http_do(f->port, "GET", health[i]);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "OK\n");
        free(r.head);
    }
}

static void test_http_errors(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *method, *path;
        int status;
    } cases[] = {
        {"GET", "/nope", 404},        {"GET", "/metrics/", 404}, {"GET", "/metricsx", 404},
        {"POST", "/metrics", 405},    {"PUT", "/", 405},         {"DELETE", "/-/ready", 405},
        {"OPTIONS", "/metrics", 405},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct response r = http_do(f->port, cases[i].method, cases[i].path);
        if (r.status != cases[i].status)
            fail_msg("%s %s: %d, want %d", cases[i].method, cases[i].path, r.status,
                     cases[i].status);
        if (r.status == 405)
            assert_string_equal(header(&r, "Allow"), "GET, HEAD");
        free(r.head);
    }
    /* malformed requests get a 400 from the server, not a crash */
    static const char *const malformed[] = {
        "GET /metrics HTTP/1.1\r\nBad Header Line\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
    };
    for (size_t i = 0; i < 2; i++) {
        struct response bad = http_raw(f->port, malformed[i]);
        assert_int_equal(bad.status, 400);
        free(bad.head);
    }
    /* and the server still answers afterwards */
    struct response ok = http_do(f->port, "GET", "/-/healthy");
    assert_int_equal(ok.status, 200);
    free(ok.head);
}

static void test_http_port_in_use(void **state)
{
    struct fixture *f = *state;
    struct http_options opts = {
        .host = "127.0.0.1", .port = f->port, .page = {.version = "x", .revision = "abc"}};
    struct errbuf err;
    struct http_server *second = http_start(&opts, f->st.exporter, &err);
    assert_null(second);
    char want[128];
    snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%u: Address already in use",
             (unsigned)f->port);
    assert_string_equal(err.msg, want);
}

struct client {
    uint16_t port;
    struct response r[5];
};

static void *client_main(void *arg)
{
    struct client *c = arg;
    for (int i = 0; i < 5; i++)
        c->r[i] = http_do(c->port, "GET", "/metrics");
    return NULL;
}

static void test_http_concurrent_scrapes_identical(void **state)
{
    struct fixture *f = *state;
    struct client c[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        c[i].port = f->port;
        pthread_create(&th[i], NULL, client_main, &c[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 5; j++) {
            assert_int_equal(c[i].r[j].status, 200);
            assert_int_equal(c[i].r[j].body_len, c[0].r[0].body_len);
            assert_memory_equal(c[i].r[j].body, c[0].r[0].body, c[0].r[0].body_len);
        }
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 5; j++)
            free(c[i].r[j].head);
}

static void test_http_accept_encoding_parsing(void **state)
{
    (void)state;
    static const struct {
        const char *header;
        int gzip;
    } cases[] = {
        {NULL, 0},
        {"", 0},
        {"gzip", 1},
        {"GZIP", 1},
        {"x-gzip", 1},
        {"identity", 0},
        {"deflate, gzip;q=0.5", 1},
        {"gzip;q=0", 0},
        {"gzip; q=0.0", 0},
        {"gzip;q=0.001", 1},
        {"*", 1},
        {"*;q=0", 0},
        {"br, *", 1},
        {"gzip;q=0, *", 0}, /* gzip named explicitly: it wins over the wildcard */
        {"gzip;q=bogus", 0},
        {"gzipped", 0},
        {"identity, gzip, deflate", 1}, /* what curl --compressed and Prometheus send */
        /* q-values per RFC 9110 12.4.2; a malformed one makes its element ignored */
        {"gzip;q=1", 1},
        {"gzip;q=1.000", 1},
        {"gzip;q=0.5", 1},
        {"gzip ; q=0.5 ", 1},
        {"gzip;Q=0.5", 1},
        {"gzip;level=1;q=0.2", 1},
        {"gzip;q=0.000", 0},
        {"gzip;q=0x1", 0},
        {"gzip;q=1e0", 0},
        {"gzip;q=.5", 0},
        {"gzip;q=1.001", 0},
        {"gzip;q=0.0001", 0},
        {"gzip;q=+1", 0},
        {"gzip;q= 1", 0},
        {"gzip;q=", 0},
        {"gzip;q=0x1, *", 1}, /* the malformed gzip element is ignored: the wildcard counts */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (http_accepts_gzip(cases[i].header) != cases[i].gzip)
            fail_msg("Accept-Encoding \"%s\": want %d",
                     cases[i].header ? cases[i].header : "(none)", cases[i].gzip);
}

static void test_http_gzip_negotiation(void **state)
{
    struct fixture *f = *state;
    struct response plain = http_do(f->port, "GET", "/metrics");
    assert_null(header(&plain, "Content-Encoding"));
    assert_string_equal(header(&plain, "Vary"), "Accept, Accept-Encoding");
    struct response gz = http_raw(f->port, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                           "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n");
    assert_int_equal(gz.status, 200);
    assert_string_equal(header(&gz, "Content-Encoding"), "gzip");
    assert_string_equal(header(&gz, "Vary"), "Accept, Accept-Encoding");
    assert_string_equal(header(&gz, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    char *out = NULL;
    size_t out_len = 0;
    struct errbuf err;
    assert_int_equal(compress_gunzip(gz.body, gz.body_len, plain.body_len, &out, &out_len, &err),
                     0);
    assert_int_equal(out_len, plain.body_len); /* one-hour tick: the same exposition */
    assert_memory_equal(out, plain.body, plain.body_len);
    free(out);
    struct response no =
        http_raw(f->port, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
                          "Accept-Encoding: gzip;q=0\r\nConnection: close\r\n\r\n");
    assert_null(header(&no, "Content-Encoding"));
    assert_int_equal(no.body_len, plain.body_len);
    free(plain.head);
    free(gz.head);
    free(no.head);
}

/* Four pipelined requests on one connection: all answered, in order, and the connection
 * stays open between them (libmicrohttpd drops pipelined requests and closes when a
 * response is queued on the first access-handler call). */
static void test_http_pipelining_keep_alive(void **state)
{
    struct fixture *f = *state;
    size_t len = 0;
    char *stream = http_stream(f->port,
                               "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                               &len);
    struct response r[4];
    static const int no_head[4] = {0, 0, 0, 0};
    split_responses(stream, len, 4, no_head, r);
    for (int i = 0; i < 4; i++)
        assert_int_equal(r[i].status, 200);
    assert_int_equal(strncmp(r[0].body, "# HELP switch_device_info ", 26), 0);
    assert_int_equal(strncmp(r[1].body, "<!DOCTYPE html>", 15), 0);
    assert_int_equal(r[2].body_len, 3);
    assert_memory_equal(r[2].body, "OK\n", 3);
    assert_int_equal(r[3].body_len, r[0].body_len); /* one-hour tick: the same body */
    assert_memory_equal(r[3].body, r[0].body, r[0].body_len);
    for (int i = 0; i < 3; i++) {
        const char *c = header(&r[i], "Connection");
        if (c && strcasecmp(c, "close") == 0)
            fail_msg("response %d carries Connection: close", i + 1);
    }
    free(stream);
}

/* 404, 405 without a body, and HEAD keep the connection; HEAD has no body. */
static void test_http_keep_alive_errors_and_head(void **state)
{
    struct fixture *f = *state;
    size_t len = 0;
    char *stream = http_stream(f->port,
                               "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                               "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                               "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET /-/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                               &len);
    struct response r[4];
    static const int heads[4] = {0, 0, 1, 0};
    split_responses(stream, len, 4, heads, r);
    assert_int_equal(r[0].status, 404);
    assert_int_equal(r[1].status, 405);
    assert_string_equal(header(&r[1], "Allow"), "GET, HEAD");
    assert_int_equal(r[2].status, 200);
    assert_true(strtoul(header(&r[2], "Content-Length"), NULL, 10) > 1000);
    assert_int_equal(r[3].status, 200);
    assert_memory_equal(r[3].body, "OK\n", 3);
    free(stream);
}

/* A request with a body no route reads is refused at once and the connection closed. */
static void test_http_body_refused_early(void **state)
{
    struct fixture *f = *state;
    size_t len = 0;
    char *stream = http_stream(f->port,
                               "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
                               "hello"
                               "GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n",
                               &len);
    struct response r[1];
    static const int no_head[1] = {0};
    split_responses(stream, len, 1, no_head, r);
    assert_int_equal(r[0].status, 405);
    free(stream);
}

/* HTTP/1.1 needs exactly one Host header (RFC 9112 section 3.2); HTTP/1.0 needs none. */
static void test_http_host_header(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *request;
        int status;
    } cases[] = {
        {"GET /-/healthy HTTP/1.1\r\nConnection: close\r\n\r\n", 400},
        {"GET /-/healthy HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n", 400},
        {"GET /-/healthy HTTP/1.1\r\nhost: a\r\nConnection: close\r\n\r\n", 200},
        {"GET /-/healthy HTTP/1.0\r\n\r\n", 200},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct response r = http_raw(f->port, cases[i].request);
        if (r.status != cases[i].status)
            fail_msg("case %zu: %d, want %d", i, r.status, cases[i].status);
        free(r.head);
    }
}

/* Percent-decoding of paths, except %00: "/metrics%00.txt" is not "/metrics". */
static void test_http_path_decoding(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *path;
        int status;
    } cases[] = {
        {"/metrics%00.txt", 404}, {"/metrics%00", 404},  {"/met%72ics", 200},
        {"/metrics%2", 404},      {"/%2D/healthy", 200},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct response r = http_do(f->port, "GET", cases[i].path);
        if (r.status != cases[i].status)
            fail_msg("GET %s: %d, want %d", cases[i].path, r.status, cases[i].status);
        free(r.head);
    }
}

static int connect_loopback(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    return fd;
}

/* Reads until the server closes (0) or the 5 s receive timeout (-1). */
static int wait_closed(int fd)
{
    char buf[4096];
    for (;;) {
        ssize_t got = read(fd, buf, sizeof(buf));
        if (got == 0)
            return 0;
        if (got < 0)
            return -1;
    }
}

/* With a short request deadline and a long idle timeout: a connection that trickles
 * header lines, one that sends nothing and one that sends half a request are all closed
 * (by the deadline: activity keeps the idle timeout away); a kept-alive connection that
 * is merely idle between requests is not. */
static void test_http_request_deadline(void **state)
{
    struct fixture *f = *state;
    struct http_options opts = {
        .host = "127.0.0.1", .page = {.version = "x", .revision = "abc"}, .threads = 1};
    opts.limits.request_timeout_ms = 300;
    opts.limits.idle_timeout_ms = 60000;
    struct errbuf err;
    struct http_server *srv = http_start(&opts, f->st.exporter, &err);
    if (!srv)
        fail_msg("%s", err.msg);
    uint16_t port = http_port(srv);

    int slow = connect_loopback(port);
    assert_true(write(slow, "GET /metrics HTTP/1.1\r\n", 23) == 23);
    int closed = 0;
    for (int i = 0; i < 100 && !closed; i++) { /* a header line every 100 ms, up to 10 s */
        usleep(100 * 1000);
        closed = send(slow, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL) != 11;
    }
    close(slow);
    if (!closed)
        fail_msg("a request trickling for 10 s was not closed");

    int silent = connect_loopback(port);
    assert_int_equal(wait_closed(silent), 0);
    close(silent);

    int half = connect_loopback(port);
    assert_true(write(half, "GET /metrics HTTP/1.1\r\nHost:", 28) == 28);
    assert_int_equal(wait_closed(half), 0);
    close(half);

    int kept = connect_loopback(port);
    static const char req[] = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n";
    char buf[1024];
    for (int i = 0; i < 2; i++) {
        assert_true(write(kept, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1));
        ssize_t got = read(kept, buf, sizeof(buf) - 1);
        assert_true(got > 0);
        buf[got] = '\0';
        assert_non_null(strstr(buf, "200 OK"));
        usleep(1000 * 1000); /* idle for 3+ request deadlines: still open */
    }
    close(kept);
    http_stop(srv);
}

/* docs/LIMITS.md has one row per HTTP limit, with its flag and default. */
static void test_http_limits_documented(void **state)
{
    (void)state;
    char *doc = testutil_read_file(FIXTURE("../docs/LIMITS.md"), NULL);
    assert_non_null(doc);
    assert_true(http_limit_count >= 6);
    for (size_t i = 0; i < http_limit_count; i++) {
        const struct http_limit_info *l = &http_limit_table[i];
        assert_true(l->offset % sizeof(uint64_t) == 0 && l->offset < sizeof(struct http_limits));
        uint64_t parsed = 0; /* the written default is the default */
        assert_int_equal(http_limit_parse(l->kind, l->flag, l->default_text, &parsed, NULL), 0);
        assert_int_equal(parsed, l->default_value);
        char flag[96], def[48];
        snprintf(flag, sizeof(flag), "| `--%s` |", l->flag);
        unsigned long long v = (unsigned long long)l->default_value;
        if (l->kind == HTTP_LIMIT_DURATION)
            snprintf(def, sizeof(def), v % 1000 ? "| %llums " : "| %llus ",
                     v % 1000 ? v : v / 1000);
        else if (l->kind == HTTP_LIMIT_SIZE && v % (1 << 20) == 0)
            snprintf(def, sizeof(def), "| %lluMiB ", v >> 20);
        else
            snprintf(def, sizeof(def), "| %llu ", v);
        const char *row = strstr(doc, flag);
        if (!row)
            fail_msg("docs/LIMITS.md has no row for --%s", l->flag);
        const char *start = row;
        while (start > doc && start[-1] != '\n')
            start--;
        char line[1024];
        snprintf(line, sizeof(line), "%.*s", (int)(row - start) + (int)strlen(flag), start);
        if (!strstr(line, def))
            fail_msg("docs/LIMITS.md: --%s should show the default \"%s\"", l->flag, def + 2);
    }
    free(doc);
}

/* The landing page counts in the singular when there is one device. */
static void test_http_landing_singular(void **state)
{
    (void)state;
    struct stack st;
    stack_init(&st, FIXTURE("fixtures/profiles/ok/minimal.yaml"), 3600 * 1000, 7,
               exporter_now_ms());
    struct http_options opts = {
        .host = "127.0.0.1", .page = {.version = "x", .revision = "abc"}, .threads = 1};
    struct errbuf err;
    struct http_server *srv = http_start(&opts, st.exporter, &err);
    if (!srv)
        fail_msg("%s", err.msg);
    struct response r = http_do(http_port(srv), "GET", "/");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<h2>1 device, 2 ports</h2>"));
    free(r.head);
    http_stop(srv);
    stack_cleanup(&st);
}

/* Literal Accept headers, Prometheus's own first. */
static void test_http_accept_format_negotiation(void **state)
{
    (void)state;
    static const struct {
        const char *accept;
        enum expo_format want;
    } cases[] = {
        {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
         "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
         EXPO_OPENMETRICS_100},
        {"text/plain;version=0.0.4;q=1,*/*;q=0.1", EXPO_TEXT_004},
        {NULL, EXPO_TEXT_004},
        {"*/*", EXPO_TEXT_004},
        {"application/openmetrics-text", EXPO_OPENMETRICS_100},
        {"Application/OpenMetrics-Text; version=1.0.0", EXPO_OPENMETRICS_100},
        {"application/openmetrics-text;q=0, text/plain", EXPO_TEXT_004},
        {"application/openmetrics-text;q=0.5, text/plain;q=0.9", EXPO_TEXT_004},
        {"application/openmetrics-text;q=0x1, text/plain;q=0.1", EXPO_TEXT_004}, /* malformed */
        {"text/plain;q=0.2, application/openmetrics-text;q=0.8", EXPO_OPENMETRICS_100},
        {"application/json", EXPO_TEXT_004},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (http_negotiate_format(cases[i].accept) != cases[i].want)
            fail_msg("case %zu: \"%s\"", i, cases[i].accept ? cases[i].accept : "(none)");
}

static const char prometheus_accept[] =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

static void test_http_openmetrics(void **state)
{
    struct fixture *f = *state;
    char req[512];
    snprintf(req, sizeof(req),
             "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: %s\r\nConnection: close\r\n\r\n",
             prometheus_accept);
    struct response r = http_raw(f->port, req);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"),
                        "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert_true(r.body_len > 6 && memcmp(r.body + r.body_len - 6, "# EOF\n", 6) == 0);
    assert_non_null(strstr(r.body, "# TYPE switch_port_rx_packets counter\n"));
    assert_non_null(strstr(r.body, "switch_port_oper_state{device=\"tor01\",port=\"swp1\","
                                   "switch_port_oper_state=\"up\"}"));
    free(r.head);
}

/* /probe: one device, snmp_exporter's parameters and status codes. */
static void test_http_probe(void **state)
{
    struct fixture *f = *state;
    struct response r = http_do(f->port, "GET", "/probe?target=tor02");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "switch_port_link_up{device=\"tor02\",port=\"swp1\"}"));
    assert_null(strstr(r.body, "device=\"tor01\""));
    assert_null(strstr(r.body, "switchsim_devices"));
    free(r.head);
    r = http_do(f->port, "GET", "/probe");
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, "'target' parameter must be specified: /probe?target=DEVICE\n");
    free(r.head);
    r = http_do(f->port, "GET", "/probe?target=nope");
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "unknown device \"nope\"\n");
    free(r.head);
    r = http_do(f->port, "GET", "/probe?target=tor01&module=if_mib");
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, "unknown module \"if_mib\" (known: switchsim)\n");
    free(r.head);
    r = http_do(f->port, "GET", "/probe?target=tor01&module=switchsim");
    assert_int_equal(r.status, 200);
    free(r.head);
}

/* /sd lists every device as a target at the address the request used; /config resolves. */
static void test_http_sd_and_config(void **state)
{
    struct fixture *f = *state;
    struct response r = http_raw(
        f->port, "GET /sd HTTP/1.1\r\nHost: sim.example:19116\r\nConnection: close\r\n\r\n");
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "application/json; charset=utf-8");
    assert_non_null(strstr(r.body, "{\"targets\":[\"sim.example:19116\"],\"labels\":{"
                                   "\"__metrics_path__\":\"/probe\",\"__param_target\":\"core1\","
                                   "\"instance\":\"core1\",\"__meta_switchsim_vendor\":\"Acme\","
                                   "\"__meta_switchsim_model\":\"CORE-2\","
                                   "\"__meta_switchsim_label_role\":\"core\","
                                   "\"__meta_switchsim_label_site\":\"lab \\\"A\\\"\"}}"));
    free(r.head);
    r = http_do(f->port, "GET", "/config");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "  - name: \"tor01\"\n    vendor: \"Acme\"\n"));
    assert_non_null(strstr(r.body, "      - name: \"swp3\"\n"));
    assert_non_null(strstr(r.body, "description: \"pinned down for tests\""));
    free(r.head);
}

/* Without --web.enable-lifecycle a reload request is refused, as Prometheus does. */
static void test_http_reload_refused(void **state)
{
    struct fixture *f = *state;
    struct response r = http_do(f->port, "POST", "/-/reload");
    assert_int_equal(r.status, 403);
    free(r.head);
    r = http_do(f->port, "GET", "/-/reload");
    assert_int_equal(r.status, 405);
    assert_string_equal(header(&r, "Allow"), "POST, PUT");
    free(r.head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_metrics_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_metrics_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_other_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_port_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_concurrent_scrapes_identical, setup, teardown),
        cmocka_unit_test(test_http_accept_encoding_parsing),
        cmocka_unit_test_setup_teardown(test_http_gzip_negotiation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_pipelining_keep_alive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_keep_alive_errors_and_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_body_refused_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_host_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_path_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_request_deadline, setup, teardown),
        cmocka_unit_test(test_http_limits_documented),
        cmocka_unit_test(test_http_accept_format_negotiation),
        cmocka_unit_test_setup_teardown(test_http_openmetrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_sd_and_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_reload_refused, setup, teardown),
        cmocka_unit_test(test_http_landing_singular),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
