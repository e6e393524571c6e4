/* json.c - JSON string output (see json.h). */
#include "base/json.h"

#include "base/utf8.h"

/* The escapes are those of json.h (and log.h). */
void json_put_string(struct strbuf *sb, const char *s, size_t n)
{
    strbuf_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            strbuf_puts(sb, "\\\"");
            continue;
        case '\\':
            strbuf_puts(sb, "\\\\");
            continue;
        case '\n':
            strbuf_puts(sb, "\\n");
            continue;
        case '\r':
            strbuf_puts(sb, "\\r");
            continue;
        case '\t':
            strbuf_puts(sb, "\\t");
            continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7F) {
            strbuf_appendf(sb, "\\u%04x", (unsigned)c);
        } else if (c < 0x80) {
            strbuf_putc(sb, (char)c);
        } else {
            size_t len = utf8_char_len((const unsigned char *)s + i, n - i);
            if (len == 0) {
                strbuf_puts(sb, "\\ufffd");
            } else {
                strbuf_append(sb, s + i, len);
                i += len - 1;
            }
        }
    }
    strbuf_putc(sb, '"');
}
