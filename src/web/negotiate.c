/* negotiate.c - content negotiation: Accept and Accept-Encoding (see negotiate.h). */
#include "web/negotiate.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 section 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
 * Returns the value in thousandths, or -1. */
static int parse_qvalue(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int milli = (s[0] - '0') * 1000;
    if (n > 1) {
        if (s[1] != '.' || n > 5)
            return -1;
        int scale = 100;
        for (size_t i = 2; i < n; i++, scale /= 10) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            milli += (s[i] - '0') * scale;
        }
    }
    return milli > 1000 ? -1 : milli;
}

/* Parses the parameters after a coding (";q=x", OWS allowed around ";"); returns q in
 * thousandths (1000 without a q parameter), or -1 if the q parameter is malformed. */
static int element_q(const char *params, size_t len)
{
    int q = 1000;
    const char *p = params;
    const char *end = params + len;
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        const char *stop = p;
        while (stop < end && *stop != ';')
            stop++;
        size_t n = (size_t)(stop - p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            q = parse_qvalue(p + 2, n - 2);
            if (q < 0)
                return -1;
        }
        p = stop;
    }
    return q;
}

int http_accepts_gzip(const char *accept_encoding)
{
    if (!accept_encoding)
        return 0;
    int gzip_q = -1, star_q = -1;
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
        int q = element_q(tok + name_len, len - name_len);
        if ((name_len == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
            (name_len == 6 && strncasecmp(tok, "x-gzip", 6) == 0))
            gzip_q = q > gzip_q ? q : gzip_q;
        else if (name_len == 1 && *tok == '*')
            star_q = q;
        p = tok + len;
        if (*p == ',')
            p++;
    }
    if (gzip_q >= 0)
        return gzip_q > 0;
    return star_q > 0;
}

/* One element of an Accept header: its media range and its q (thousandths, -1 malformed). */
struct media {
    const char *type;
    size_t type_len;
    int q;
};

static int media_is(const struct media *m, const char *type)
{
    return m->type_len == strlen(type) && strncasecmp(m->type, type, m->type_len) == 0;
}

enum expo_format http_negotiate_format(const char *accept)
{
    int om_q = -1, text_q = -1, any_q = -1;
    for (const char *p = accept ? accept : ""; *p;) {
        size_t len = strcspn(p, ",");
        const char *tok = p;
        while (len && (*tok == ' ' || *tok == '\t')) {
            tok++;
            len--;
        }
        struct media m = {tok, 0, 0};
        while (m.type_len < len && tok[m.type_len] != ';' && tok[m.type_len] != ' ' &&
               tok[m.type_len] != '\t')
            m.type_len++;
        m.q = element_q(tok + m.type_len, len - m.type_len);
        if (media_is(&m, "application/openmetrics-text"))
            om_q = m.q > om_q ? m.q : om_q;
        else if (media_is(&m, "text/plain"))
            text_q = m.q > text_q ? m.q : text_q;
        else if (media_is(&m, "*/*") || media_is(&m, "text/*"))
            any_q = m.q > any_q ? m.q : any_q;
        p = tok + len;
        if (*p == ',')
            p++;
    }
    int text = text_q >= 0 ? text_q : any_q;
    return om_q > 0 && om_q >= text ? EXPO_OPENMETRICS_100 : EXPO_TEXT_004;
}
