/* file.c - reading whole files safely (file.h). */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

int file_read_regular(const char *path, size_t max_bytes, char **data, size_t *len,
                      struct errbuf *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return errbuf_set(err, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return errbuf_set(err, "%s: not a regular file", path);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errbuf_set(err, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return errbuf_set(err, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return errbuf_set(err, "%s: larger than the limit of %zu bytes", path, max_bytes);
    }
    size_t size = (size_t)st.st_size;
    char *buf = xmalloc(size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    /* A file that grew after fstat() is read up to the size it had. */
    close(fd);
    if (got != size) {
        free(buf);
        return errbuf_set(err, "%s: read error", path);
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}
