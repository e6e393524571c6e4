/* http.h - the HTTP endpoint (the only module that uses libmicrohttpd).
 *
 * Routes: GET/HEAD /metrics (exposition; gzip when Accept-Encoding allows it, with
 * Content-Encoding and Vary headers), / (HTML landing page), /-/healthy and
 * /-/ready (plain text "OK"); 404 for other paths; 405 with `Allow: GET, HEAD` for
 * other methods. Connections are kept alive (HTTP/1.1, and HTTP/1.0 with
 * "Connection: keep-alive") and pipelined requests are answered in order; a request
 * that carries a body (no route reads one) is refused and its connection closed.
 * Requests are served by a small thread pool; the exporter makes concurrent scrapes safe. The
 * server binds its own socket so that errors such as "Address already in use" reach the person who
 * started it.
 *
 * Ownership: borrows the exporter and the fleet; owns its socket and threads. */
#ifndef SWITCHSIM_HTTP_H
#define SWITCHSIM_HTTP_H

#include <stdint.h>

#include "base/errbuf.h"
#include "model/model.h"
#include "serve/exporter.h"

#define HTTP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct http_options {
    const char *host; /* "" or NULL = all interfaces (IPv6 dual-stack, else IPv4) */
    uint16_t port;    /* 0 = pick a free port (see http_port) */
    const char *version;
    unsigned threads; /* 0 = one per CPU, at most 8 */
};

/* Whether an Accept-Encoding header value (NULL if absent) allows a gzip response:
 * "gzip" or "x-gzip" with q > 0, or "*" with q > 0 when gzip is not listed. Tokens are
 * case-insensitive (RFC 9110 section 12.5.3). */
int http_accepts_gzip(const char *accept_encoding);

struct http_server;

struct http_server *http_start(const struct http_options *opts, struct exporter *exporter,
                               const struct fleet *fleet, struct errbuf *err);
uint16_t http_port(const struct http_server *srv);
void http_stop(struct http_server *srv); /* NULL is a no-op */

#endif /* SWITCHSIM_HTTP_H */
