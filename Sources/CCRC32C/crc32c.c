// Hardware CRC-32C (Castagnoli) for LSMKV: SSE4.2 crc32 on x86-64, the CRC32 extension on aarch64 Linux.
// Every other target reports "not available" and LSMKV keeps its software slicing-by-8 path.
#include "CCRC32C.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>

int lsmkv_crc32c_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2"))) uint32_t lsmkv_crc32c_extend(uint32_t crc, const uint8_t *data, size_t count) {
    uint64_t c = crc;
    // Byte steps up to 8-byte alignment, then 8 bytes per instruction, then the tail.
    while (count > 0 && ((uintptr_t)data & 7) != 0) {
        c = _mm_crc32_u8((uint32_t)c, *data++);
        count--;
    }
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, data, 8);
        c = _mm_crc32_u64(c, word);
        data += 8;
        count -= 8;
    }
    while (count > 0) {
        c = _mm_crc32_u8((uint32_t)c, *data++);
        count--;
    }
    return (uint32_t)c;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <arm_acle.h>
#include <sys/auxv.h>

#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif

int lsmkv_crc32c_hardware_available(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }

__attribute__((target("crc"))) uint32_t lsmkv_crc32c_extend(uint32_t crc, const uint8_t *data, size_t count) {
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, data, 8);
        crc = __crc32cd(crc, word);
        data += 8;
        count -= 8;
    }
    while (count > 0) {
        crc = __crc32cb(crc, *data++);
        count--;
    }
    return crc;
}

#else

int lsmkv_crc32c_hardware_available(void) { return 0; }

uint32_t lsmkv_crc32c_extend(uint32_t crc, const uint8_t *data, size_t count) {
    (void)data;
    (void)count;
    return crc;
}

#endif
