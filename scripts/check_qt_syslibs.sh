#!/usr/bin/env bash
# Qt's xcb platform plugin needs system libraries that a fresh Debian lacks.
# Check for them; install them when we are root, otherwise print the exact command.
set -u
PKGS=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libegl1 libgl1 libfontconfig1 libdbus-1-3)
command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian-like: nothing to check
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
line="apt-get install -y ${missing[*]}"
if [ "$(id -u)" = "0" ] && [ -z "${NO_AUTO_APT:-}" ]; then
  echo "Installing the system libraries Qt needs: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive $line && exit 0
  echo "Automatic install failed. Run as root:  $line" >&2
  exit 1
fi
echo "Qt needs system libraries that are missing. Run as root:" >&2
echo "  sudo $line" >&2
exit 1
