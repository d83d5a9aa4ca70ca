/* Keeps one Wine process alive so that wineserver is not restarted between
 * test processes. Killed by `wineserver -k` when the run ends. */
#include <windows.h>

int main(void)
{
    Sleep(INFINITE);
    return 0;
}
