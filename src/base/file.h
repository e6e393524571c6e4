/* file.h - reading a whole file that must be a regular one.
 *
 * Profiles, web configs and their PEM files are read with it, so a path naming a FIFO, a
 * device or a directory is refused at once instead of blocking: the type is checked before
 * opening (without following into a read), and again on the opened descriptor. */
#ifndef SWITCHSIM_FILE_H
#define SWITCHSIM_FILE_H

#include <stddef.h>

#include "base/errbuf.h"

/* Reads the regular file at path, at most max_bytes, into a malloc'd NUL-terminated buffer
 * (*data, the caller frees it; *len without the NUL). -1 with "PATH: why" otherwise (cannot
 * open, not a regular file, larger than the limit, read error). */
int file_read_regular(const char *path, size_t max_bytes, char **data, size_t *len,
                      struct errbuf *err);

#endif /* SWITCHSIM_FILE_H */
