/* negotiate.h - HTTP content negotiation (RFC 9110 section 12): which exposition format
 * and which encoding a scrape gets. Pure functions of the header values; no libmicrohttpd.
 *
 * q-values must follow RFC 9110's grammar ("0", "0.5", "1.000"; not "0x1", "1e0" or ".5"),
 * else the element is ignored. Media types and codings are case-insensitive. */
#ifndef SWITCHSIM_NEGOTIATE_H
#define SWITCHSIM_NEGOTIATE_H

#include "expo/expo.h"

/* Whether an Accept-Encoding header value (NULL if absent) allows a gzip response:
 * "gzip" or "x-gzip" with q > 0, or "*" with q > 0 when gzip is not listed. */
int http_accepts_gzip(const char *accept_encoding);

/* OpenMetrics 1.0 when the Accept header (NULL if absent) lists
 * application/openmetrics-text (any version) with q > 0 and at least the q of text/plain
 * (or of a wildcard when text/plain is not listed) - as Prometheus asks; otherwise the
 * text format 0.0.4, which every scraper reads. */
enum expo_format http_negotiate_format(const char *accept);

#endif /* SWITCHSIM_NEGOTIATE_H */
