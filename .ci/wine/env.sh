# Sourced by .ci scripts: the environment every Wine command runs in.
# WINEPREFIX lives in the build directory (git-ignored) so runs never touch ~/.wine.
export WINEDEBUG=-all
export WINEPREFIX="${WINEPREFIX:-$PWD/.wine}"
export WINEARCH=win64
unset DISPLAY
