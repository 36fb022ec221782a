#ifndef LSMKV_CCRC32C_H
#define LSMKV_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has CRC-32C instructions (x86-64 SSE4.2, checked with cpuid once; aarch64 CRC32, checked with
/// the kernel's hwcap). When it returns 0, lsmkv_crc32c_extend must not be called.
int lsmkv_crc32c_hardware_available(void);

/// Extends the raw (already inverted) CRC-32C register `crc` over `count` bytes at `data` with the CPU's
/// instructions. The caller inverts before and after, as for the software table method.
uint32_t lsmkv_crc32c_extend(uint32_t crc, const uint8_t *data, size_t count);

#endif
