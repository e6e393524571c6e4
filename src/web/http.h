/* http.h - the HTTP endpoint (the only module that uses libmicrohttpd).
 *
 * Routes: GET/HEAD /metrics (exposition; gzip when Accept-Encoding allows it, with
 * Content-Encoding and Vary headers), / (HTML landing page), /-/healthy and
 * /-/ready (plain text "OK"); 404 for other paths; 405 with `Allow: GET, HEAD` for
 * other methods. Connections are kept alive (HTTP/1.1, and HTTP/1.0 with
 * "Connection: keep-alive") and pipelined requests are answered in order; a request
 * that carries a body (no route reads one) is refused and its connection closed. An
 * HTTP/1.1 request without exactly one Host header gets 400. Paths are percent-decoded
 * except "%00", which stays as written (so "/metrics%00.txt" is not "/metrics").
 * The limits below protect scrapers from other clients (slowloris, idle and half-closed
 * connections, slow readers); a background watchdog thread enforces the timeouts.
 * Requests are served by a small thread pool; the exporter makes concurrent scrapes safe. The
 * server binds its own socket so that errors such as "Address already in use" reach the person who
 * started it.
 *
 * Ownership: borrows the exporter and the fleet; owns its socket and threads. */
#ifndef SWITCHSIM_HTTP_H
#define SWITCHSIM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "config/webconfig.h"
#include "model/model.h"
#include "serve/exporter.h"
#include "web/negotiate.h"
#include "web/pages.h"

/* The HTTP limits, each defined here once: X(field, flag, kind, default, default as written
 * on the command line, help) - the two defaults are checked equal by tests/test_http.c.
 * kind says how a flag value is written: HTTP_LIMIT_NUMBER (plain integer),
 * HTTP_LIMIT_DURATION (units_parse_duration_ms: "10s"; the field is in ms) or
 * HTTP_LIMIT_SIZE (units_parse_size_bytes: "256MiB"; the field is in bytes).
 * docs/LIMITS.md lists them; the flags' usage text can be generated from http_limit_table.
 *
 * - request_timeout_ms: a request line and its headers must arrive within this time,
 *   counted from the request's first byte, or from the connection's accept for its first
 *   request (a connection that sends nothing is closed after it too). Beyond it the
 *   connection is closed (shutdown). Checked every HTTP_WATCHDOG_PERIOD_MS.
 * - write_timeout_ms: a response must be sent within this time from when its request
 *   was read; beyond it the connection is closed.
 * - idle_timeout_ms: a connection with no traffic for this long is closed (keep-alive
 *   idle time included); libmicrohttpd counts it in whole seconds (rounded up).
 * - max_connections / max_connections_per_ip: connections served at once, in total
 *   and from one client address; more are accepted and closed at once.
 * - max_inflight_body_bytes: bytes of distinct /metrics bodies (of any tick) held by
 *   responses still being sent. A scrape that needs one more body beyond it closes the
 *   connections still sending the oldest bodies (slow readers), oldest first, and is
 *   served. Memory held for responses is thus at most max(this, one body) plus the
 *   bodies of closing connections, which are released within a watchdog period. */
#define HTTP_LIMITS(X)                                                                       \
    X(request_timeout_ms, "web.request-timeout", HTTP_LIMIT_DURATION, 10000, "10s",          \
      "time to receive a whole request (line and headers) from its first byte")              \
    X(write_timeout_ms, "web.write-timeout", HTTP_LIMIT_DURATION, 60000, "60s",              \
      "time to send a whole response from the end of its request")                           \
    X(idle_timeout_ms, "web.idle-timeout", HTTP_LIMIT_DURATION, 30000, "30s",                \
      "close a connection without traffic for this long")                                    \
    X(max_connections, "web.max-connections", HTTP_LIMIT_NUMBER, 1024, "1024",               \
      "connections served at once")                                                          \
    X(max_connections_per_ip, "web.max-connections-per-ip", HTTP_LIMIT_NUMBER, 64, "64",     \
      "connections served at once from one client address")                                  \
    X(max_inflight_body_bytes, "web.max-inflight-body-bytes", HTTP_LIMIT_SIZE, 256ull << 20, \
      "256MiB",                                                                              \
      "bytes of distinct /metrics bodies held by responses being sent; beyond it the "       \
      "oldest slow readers are disconnected")

enum http_limit_kind { HTTP_LIMIT_NUMBER, HTTP_LIMIT_DURATION, HTTP_LIMIT_SIZE };

/* Values in effect; 0 in a field means that limit's default. */
struct http_limits {
#define HTTP_LIMIT_FIELD(field, flag, kind, def, def_text, help) uint64_t field;
    HTTP_LIMITS(HTTP_LIMIT_FIELD)
#undef HTTP_LIMIT_FIELD
};

/* One row per limit, in HTTP_LIMITS order (for flags, usage and docs). */
struct http_limit_info {
    const char *field;
    size_t offset;    /* of the uint64_t field in struct http_limits */
    const char *flag; /* without the leading "--" */
    enum http_limit_kind kind;
    uint64_t default_value;   /* ms for durations, bytes for sizes */
    const char *default_text; /* the same, as written on the command line */
    const char *help;
};
extern const struct http_limit_info http_limit_table[];
extern const size_t http_limit_count;

/* Parses a flag value of that kind into *out; -1 with "FLAG: why" in err. */
int http_limit_parse(enum http_limit_kind kind, const char *flag, const char *text, uint64_t *out,
                     struct errbuf *err);

/* How often the watchdog enforces request_timeout_ms and write_timeout_ms. */
#define HTTP_WATCHDOG_PERIOD_MS 100

struct http_options {
    const char *host; /* "" or NULL = all interfaces (IPv6 dual-stack, else IPv4) */
    uint16_t port;    /* 0 = pick a free port (see http_port) */
    unsigned threads; /* 0 = one per CPU, at most 8 */
    struct http_limits limits;
    struct page_info page;        /* what the landing page shows about the process */
    const char *sd_address;       /* HOST:PORT /sd advertises; NULL or "": each request's Host */
    const struct web_config *web; /* --web.config.file: TLS, basic auth; NULL: neither.
                                   * Borrowed: must outlive the server. */
    /* POST /-/reload calls this (NULL: the lifecycle API is off, 403). Returns -1 with the
     * reason when the new profiles were refused (the old ones keep serving). Called from
     * an HTTP thread; must be thread-safe. */
    int (*reload)(void *ctx, struct errbuf *err);
    void *reload_ctx;
    int admin_api; /* --web.enable-admin-api: the fault API (web/api.h); else 403 */
};

struct http_server;

struct http_server *http_start(const struct http_options *opts, struct exporter *exporter,
                               struct errbuf *err);
uint16_t http_port(const struct http_server *srv);
void http_stop(struct http_server *srv); /* NULL is a no-op */

#endif /* SWITCHSIM_HTTP_H */
