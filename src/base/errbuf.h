/* errbuf.h - a caller-owned slot for a message a person will read.
 *
 * Fallible functions return 0 on success and -1 on failure; when they take a
 * `struct errbuf *` they fill it with one line (no trailing newline) saying what
 * went wrong, e.g. "profiles/x.yaml:14:9: speed: expected ...". */
#ifndef SWITCHSIM_ERRBUF_H
#define SWITCHSIM_ERRBUF_H

#define ERRBUF_MSG_BYTES 512

struct errbuf {
    char msg[ERRBUF_MSG_BYTES];
};

/* Formats into err (ignored when NULL) and returns -1, so callers can write
 * `return errbuf_set(err, ...);`. */
int errbuf_set(struct errbuf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* SWITCHSIM_ERRBUF_H */
