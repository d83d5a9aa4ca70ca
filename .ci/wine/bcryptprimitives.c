/* Wine 8 lacks bcryptprimitives.dll, from which Rust's std (since 1.78) imports
 * ProcessPrng; without it every Windows test binary exits with status 53.
 * This stand-in fills the buffer from RtlGenRandom (SystemFunction036). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    const SIZE_T chunk = 1u << 30; /* RtlGenRandom takes a ULONG length */
    while (length > 0) {
        ULONG now = (ULONG)(length < chunk ? length : chunk);
        if (!SystemFunction036(data, now))
            return FALSE;
        data += now;
        length -= now;
    }
    return TRUE;
}
