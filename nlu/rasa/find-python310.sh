#!/usr/bin/env bash
# Print the path of a working Python 3.10 (Rasa 3.6 runs on nothing newer); exit 1 if none.
# A pyenv shim on PATH may exist without the version being selected, so every candidate is
# run, not just found.
set -u
candidates=()
[ -n "${RASA_PYTHON:-}" ] && candidates+=("$RASA_PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv /opt/pyenv; do
    [ -n "$root" ] || continue
    for found in "$root"/versions/3.10*/bin/python3.10; do
        [ -x "$found" ] && candidates+=("$found")
    done
done
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10)
for python in "${candidates[@]}"; do
    if [ -x "$python" ] && "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then
        echo "$python"
        exit 0
    fi
done
echo "no Python 3.10 found (Rasa 3.6 needs it): install one, or set RASA_PYTHON=/path/to/python3.10" >&2
exit 1
