// A memcpy out of (or into) a memory-mapped file that returns an error instead of killing the process when the kernel
// cannot deliver a page (the file was truncated underneath the mapping, or the disk failed a read): SIGBUS.
#ifndef CGUARDEDCOPY_H
#define CGUARDEDCOPY_H

#include <stddef.h>

// Installs the SIGBUS handler (once per process; later calls do nothing). Returns 0, or -1 with errno set when
// sigaction fails, in which case guarded copies must not be used.
int lsmkv_guarded_copy_install(void);

// Copies `count` bytes from `source` to `destination`, either of which may lie inside a file mapping. Returns 0,
// or -1 when a page of either raised SIGBUS (then `destination` holds an unspecified prefix). Requires a successful
// `lsmkv_guarded_copy_install()` first.
int lsmkv_guarded_copy(void *destination, const void *source, size_t count);

#endif
