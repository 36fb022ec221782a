#ifndef LSMKV_CSYSCALLS_H
#define LSMKV_CSYSCALLS_H

/// Starts writeback of the dirty pages of `fd` in [offset, offset + count) without waiting for it
/// (Linux sync_file_range with SYNC_FILE_RANGE_WRITE, which Glibc's Swift module does not export). Guarantees no
/// durability: it only leaves a later fdatasync less to wait for. Returns 0, or -1 with errno set; a no-op
/// returning 0 where the call does not exist.
int lsmkv_start_writeback(int fd, long long offset, long long count);

/// Adds `increment` to the nice value of the calling thread only (Linux setpriority on the thread's id), so the
/// scheduler favours the process's other threads when the CPU is short. Lowering it again needs privilege, so
/// call it only on a thread that the caller owns for good. Returns 0, or -1 with errno set; a no-op returning 0
/// where threads have no nice value of their own.
int lsmkv_lower_thread_priority(int increment);

#endif
