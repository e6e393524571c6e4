/* http.c - libmicrohttpd front end: routing, headers, the landing page. */
#include "web/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/log.h"
#include "base/strbuf.h"
#include "base/xalloc.h"

#define LANDING_MAX_DEVICES 50

struct http_server {
    struct MHD_Daemon *daemon;
    struct exporter *exporter;
    struct MHD_Response *landing;
    struct MHD_Response *ok;
    struct MHD_Response *not_found;
    struct MHD_Response *not_allowed;
    char *landing_html;
    uint16_t port;
};

static struct MHD_Response *static_response(const char *text, const char *content_type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (r)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    return r;
}

static void html_escape(struct strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            strbuf_puts(sb, "&lt;");
            break;
        case '>':
            strbuf_puts(sb, "&gt;");
            break;
        case '&':
            strbuf_puts(sb, "&amp;");
            break;
        case '"':
            strbuf_puts(sb, "&quot;");
            break;
        default:
            strbuf_putc(sb, *s);
        }
    }
}

static char *build_landing(const struct fleet *fleet, const char *version)
{
    struct strbuf sb;
    strbuf_init(&sb, 4096, 1 << 20);
    strbuf_puts(&sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
                     "<title>switchsim</title></head>\n<body>\n<h1>switchsim</h1>\n"
                     "<p>Simulated network-switch telemetry for Prometheus. Version ");
    html_escape(&sb, version);
    strbuf_appendf(&sb,
                   ".</p>\n<p><a href=\"/metrics\">Metrics</a> &middot; "
                   "<a href=\"/-/healthy\">health</a> &middot; "
                   "<a href=\"/-/ready\">readiness</a></p>\n"
                   "<h2>%zu devices, %zu ports</h2>\n<ul>\n",
                   fleet->n_devices, fleet->n_ports);
    for (size_t d = 0; d < fleet->n_devices && d < LANDING_MAX_DEVICES; d++) {
        const struct device *dev = &fleet->devices[d];
        strbuf_puts(&sb, "<li>");
        html_escape(&sb, dev->name);
        strbuf_puts(&sb, " (");
        html_escape(&sb, dev->vendor);
        strbuf_putc(&sb, ' ');
        html_escape(&sb, dev->model);
        strbuf_appendf(&sb, ", %zu ports)</li>\n", dev->n_ports);
    }
    if (fleet->n_devices > LANDING_MAX_DEVICES)
        strbuf_appendf(&sb, "<li>and %zu more</li>\n", fleet->n_devices - LANDING_MAX_DEVICES);
    strbuf_puts(&sb, "</ul>\n</body>\n</html>\n");
    return strbuf_release(&sb, NULL);
}

/* Parses one "coding;q=x" element; returns its q (0..1), or -1 if malformed. */
static double element_q(const char *params, size_t len)
{
    double q = 1.0;
    const char *p = params;
    const char *end = params + len;
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char num[16];
            size_t n = 0;
            for (p += 2; p < end && n < sizeof(num) - 1 && *p != ';'; p++)
                if (*p != ' ' && *p != '\t')
                    num[n++] = *p;
            num[n] = '\0';
            char *stop = NULL;
            q = strtod(num, &stop);
            if (n == 0 || *stop != '\0' || q < 0.0 || q > 1.0)
                return -1.0;
        } else {
            while (p < end && *p != ';')
                p++;
        }
    }
    return q;
}

int http_accepts_gzip(const char *accept_encoding)
{
    if (!accept_encoding)
        return 0;
    double gzip_q = -1.0, star_q = -1.0;
    const char *p = accept_encoding;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *tok = p;
        while (len && (*tok == ' ' || *tok == '\t')) {
            tok++;
            len--;
        }
        size_t name_len = 0;
        while (name_len < len && tok[name_len] != ';' && tok[name_len] != ' ' &&
               tok[name_len] != '\t')
            name_len++;
        double q = element_q(tok + name_len, len - name_len);
        if ((name_len == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
            (name_len == 6 && strncasecmp(tok, "x-gzip", 6) == 0))
            gzip_q = q > gzip_q ? q : gzip_q;
        else if (name_len == 1 && *tok == '*')
            star_q = q;
        p = tok + len;
        if (*p == ',')
            p++;
    }
    if (gzip_q >= 0.0)
        return gzip_q > 0.0;
    return star_q > 0.0;
}

static void release_body(void *cls)
{
    body_release(cls);
}

static enum MHD_Result serve_metrics(struct http_server *srv, struct MHD_Connection *conn)
{
    struct errbuf err;
    const char *accept =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    enum body_encoding encoding = http_accepts_gzip(accept) ? BODY_GZIP : BODY_IDENTITY;
    struct body *b = exporter_scrape(srv->exporter, exporter_now_ms(), encoding, &err);
    if (!b) {
        log_error("render failed", "err=\"%s\"", err.msg);
        struct MHD_Response *r =
            MHD_create_response_from_buffer(strlen(err.msg), err.msg, MHD_RESPMEM_MUST_COPY);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, r);
        MHD_destroy_response(r);
        return ret;
    }
    /* The response borrows the shared body; MHD drops our reference when done with it. */
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data, release_body, b);
    if (!r) {
        body_release(b);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_METRICS_CONTENT_TYPE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (encoding == BODY_GZIP)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* Whether the request announces a body (no route takes one). */
static int request_has_body(struct MHD_Connection *conn)
{
    const char *len =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (len && strcmp(len, "0") != 0) ||
           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static enum MHD_Result route(struct http_server *srv, struct MHD_Connection *conn, const char *url,
                             const char *method)
{
    int is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    int is_head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    int known = strcmp(url, "/metrics") == 0 || strcmp(url, "/") == 0 ||
                strcmp(url, "/-/healthy") == 0 || strcmp(url, "/-/ready") == 0;
    if (!known)
        return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, srv->not_found);
    if (!is_get && !is_head)
        return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, srv->not_allowed);
    if (strcmp(url, "/metrics") == 0)
        return serve_metrics(srv, conn);
    if (strcmp(url, "/") == 0)
        return MHD_queue_response(conn, MHD_HTTP_OK, srv->landing);
    return MHD_queue_response(conn, MHD_HTTP_OK, srv->ok);
}

/* libmicrohttpd calls this once when the headers are in and again when the request is
 * complete. A response queued on the first call is an "early" response: the library then
 * discards the rest of the connection (no keep-alive, pipelined requests dropped). So
 * requests without a body are answered on the second call; a request with a body (which
 * no route reads) is refused on the first call, which closes the connection instead of
 * reading a body nobody wants. */
static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls)
{
    (void)version;
    (void)upload_data;
    struct http_server *srv = cls;
    if (!*req_cls) {
        *req_cls = srv; /* any non-NULL value: "headers seen" */
        log_debug("request", "method=%s path=\"%s\"", method, url);
        if (!request_has_body(conn))
            return MHD_YES;
        return route(srv, conn, url, method);
    }
    if (*upload_data_size != 0) { /* not reached: requests with a body were answered early */
        *upload_data_size = 0;
        return MHD_YES;
    }
    return route(srv, conn, url, method);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* Per-request complaints (bad requests from clients) are not the operator's problem;
     * start-up failures are reported by http_start() itself. */
    log_debug(msg, "component=%s", "http");
}

/* Binds and listens; the host decides the family. Empty host = IPv6 dual stack,
 * falling back to IPv4 where IPv6 is unavailable. */
static int open_listener(const char *host, uint16_t port, struct errbuf *err)
{
    char port_text[8];
    snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
    int any = !host || !*host;
    const char *shown = any ? "" : host;
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    hints.ai_family = AF_UNSPEC;
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(any ? "::" : host, port_text, &hints, &res);
    if (gai != 0 && any) {
        hints.ai_family = AF_INET;
        gai = getaddrinfo("0.0.0.0", port_text, &hints, &res);
    }
    if (gai != 0)
        return errbuf_set(err, "cannot listen on %s:%s: %s", shown, port_text, gai_strerror(gai));
    int fd = -1;
    int saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0 && any && ai->ai_family == AF_INET6) {
            /* No IPv6 on this host: listen on IPv4 instead. */
            struct sockaddr_in v4;
            memset(&v4, 0, sizeof(v4));
            v4.sin_family = AF_INET;
            v4.sin_port = htons(port);
            fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            int one = 1;
            if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
                bind(fd, (struct sockaddr *)&v4, sizeof(v4)) == 0 && listen(fd, 256) == 0)
                break;
            saved = errno;
            if (fd >= 0)
                close(fd);
            fd = -1;
            continue;
        }
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1, zero = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6 && any)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 256) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return errbuf_set(err, "cannot listen on %s:%s: %s", shown, port_text, strerror(saved));
    return fd;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

struct http_server *http_start(const struct http_options *opts, struct exporter *exporter,
                               const struct fleet *fleet, struct errbuf *err)
{
    int fd = open_listener(opts->host, opts->port, err);
    if (fd < 0)
        return NULL;
    struct http_server *srv = xcalloc(1, sizeof(*srv));
    srv->exporter = exporter;
    srv->port = bound_port(fd);
    srv->landing_html = build_landing(fleet, opts->version);
    srv->landing = static_response(srv->landing_html, "text/html; charset=utf-8");
    srv->ok = static_response("OK\n", "text/plain; charset=utf-8");
    srv->not_found = static_response("404 page not found\n", "text/plain; charset=utf-8");
    srv->not_allowed = static_response("405 method not allowed\n", "text/plain; charset=utf-8");
    if (srv->not_allowed)
        MHD_add_response_header(srv->not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    unsigned threads = opts->threads;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 1 ? 1 : (cpus > 8 ? 8 : (unsigned)cpus);
    }
    if (srv->landing && srv->ok && srv->not_found && srv->not_allowed)
        srv->daemon = MHD_start_daemon(
            MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle_request, srv,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
            MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_END);
    if (!srv->daemon) {
        errbuf_set(err, "cannot start the HTTP server on port %u", (unsigned)srv->port);
        close(fd);
        http_stop(srv);
        return NULL;
    }
    log_info("HTTP server", "mode=\"%s\" threads=%u", "keep-alive, epoll", threads);
    return srv;
}

uint16_t http_port(const struct http_server *srv)
{
    return srv->port;
}

void http_stop(struct http_server *srv)
{
    if (!srv)
        return;
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon); /* also closes the listen socket it was given */
    if (srv->landing)
        MHD_destroy_response(srv->landing);
    if (srv->ok)
        MHD_destroy_response(srv->ok);
    if (srv->not_found)
        MHD_destroy_response(srv->not_found);
    if (srv->not_allowed)
        MHD_destroy_response(srv->not_allowed);
    free(srv->landing_html);
    free(srv);
}
