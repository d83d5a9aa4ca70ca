# Sourced by .ci scripts: the environment every Wine command runs in.
# WINEPREFIX lives in the build directory (target/, which cargo never scans) so
# runs never touch ~/.wine.
export WINEDEBUG=-all
export WINEPREFIX="${WINEPREFIX:-$PWD/target/wine-prefix}"
export WINEARCH=win64
unset DISPLAY
