#!/usr/bin/env bash
# Install Passerelle from a wheelhouse on a machine without network access (Linux, macOS).
#
#   ./install_offline.sh [--venv DIR] [WHEELHOUSE]
#
# WHEELHOUSE defaults to the folder holding this script; DIR to
# ~/.local/share/passerelle/venv.  Needs Python 3.11 (set PYTHON=/path/to/python3.11 if
# `python3` is another version).  pip is told never to use an index (--no-index) and to
# check every wheel against its SHA-256 in requirements.lock (--require-hashes).
set -euo pipefail

wheelhouse="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${XDG_DATA_HOME:-$HOME/.local/share}/passerelle/venv"
python="${PYTHON:-python3}"

while [ $# -gt 0 ]; do
    case "$1" in
        --venv) venv="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) wheelhouse="$(cd "$1" && pwd)"; shift ;;
    esac
done

lock="$wheelhouse/requirements.lock"
if [ ! -f "$lock" ]; then
    echo "No requirements.lock in $wheelhouse: is this a Passerelle wheelhouse?" >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "$python is not Python 3.11 (the wheelhouse was built for it): set PYTHON=..." >&2
    exit 1
fi

"$python" -m venv "$venv"
PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install \
    --no-index --find-links "$wheelhouse" --require-hashes --only-binary=:all: -r "$lock"
"$venv/bin/passerelle" --version
echo "Installed. Start the GUI with: $venv/bin/passerelle"
