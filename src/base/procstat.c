/* procstat.c - process resource use from /proc/self (see procstat.h). */
#include "base/procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Seconds since the epoch at which the system booted (btime in /proc/stat). */
static double boot_time_seconds(void)
{
    FILE *fp = fopen("/proc/stat", "r");
    if (!fp)
        return 0;
    char line[256];
    double btime = 0;
    while (fgets(line, sizeof(line), fp))
        if (strncmp(line, "btime ", 6) == 0) {
            btime = (double)strtoull(line + 6, NULL, 10);
            break;
        }
    fclose(fp);
    return btime;
}

static uint64_t count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    uint64_t n = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n > 0 ? n - 1 : 0; /* not the directory stream's own descriptor */
}

int procstat_read(struct procstat *out)
{
    memset(out, 0, sizeof(*out));
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        out->max_fds = (uint64_t)rl.rlim_cur;
    out->open_fds = count_fds();
    FILE *fp = fopen("/proc/self/stat", "r");
    if (!fp)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: fields 3.. follow the
     * last ')'. proc(5): 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss. */
    char *p = strrchr(buf, ')');
    unsigned long long field[25] = {0};
    int n_fields = 2;
    for (p = p ? p + 1 : NULL; p && *p && n_fields < 24;) {
        while (*p == ' ')
            p++;
        char *end = p;
        field[++n_fields] = strtoull(p, &end, 10);
        p = *end ? end + 1 : end;
    }
    if (n_fields < 24)
        return -1;
    unsigned long long utime = field[14], stime = field[15], start = field[22];
    unsigned long long vsize = field[23], rss = field[24];
    double hz = (double)sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    out->cpu_seconds = (double)(utime + stime) / hz;
    out->virtual_bytes = vsize;
    out->resident_bytes = rss * (uint64_t)(page > 0 ? page : 4096);
    out->start_time_seconds = boot_time_seconds() + (double)start / hz;
    return 0;
}
