/* procstat.h - the process's own resource use, as Prometheus client libraries expose it
 * (process_cpu_seconds_total, process_resident_memory_bytes, ...), read from /proc.
 *
 * Linux only. Thread-safe (reads files; no shared state). */
#ifndef SWITCHSIM_PROCSTAT_H
#define SWITCHSIM_PROCSTAT_H

#include <stdint.h>

struct procstat {
    double cpu_seconds;      /* user + system CPU time */
    uint64_t resident_bytes; /* RSS */
    uint64_t virtual_bytes;  /* VSZ */
    uint64_t open_fds;
    uint64_t max_fds;          /* soft RLIMIT_NOFILE */
    double start_time_seconds; /* Unix time the process started */
};

/* Fills *out; returns -1 if /proc could not be read (the fields are then 0). */
int procstat_read(struct procstat *out);

#endif /* SWITCHSIM_PROCSTAT_H */
