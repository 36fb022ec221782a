#define _GNU_SOURCE
#include "CSyscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

int lsmkv_start_writeback(int fd, long long offset, long long count) {
#if defined(__linux__)
    return sync_file_range(fd, (off_t)offset, (off_t)count, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    (void)offset;
    (void)count;
    return 0;
#endif
}

int lsmkv_lower_thread_priority(int increment) {
#if defined(__linux__)
    // On Linux a nice value belongs to a thread, and setpriority on a thread id changes that thread alone.
    pid_t thread = gettid();
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t)thread);
    if (current == -1 && errno != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)thread, current + increment);
#else
    (void)increment;
    return 0;
#endif
}
