#!/usr/bin/env bash
# LibreOffice headless converts legacy .doc/.ppt/.xls/.rtf and lets the format tests check
# that translated files reopen. Check for it; install it when we are root (Debian),
# otherwise print the exact command. Never fails: without it those tests skip, saying why.
set -u
command -v soffice >/dev/null 2>&1 && exit 0
command -v dpkg-query >/dev/null 2>&1 || { echo "LibreOffice (soffice) not found: legacy formats and the reopen checks are skipped." >&2; exit 0; }
line="apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui"
if [ "$(id -u)" = "0" ] && [ -z "${NO_AUTO_APT:-}" ]; then
  echo "Installing LibreOffice headless (legacy formats, reopen checks)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive $line >/dev/null) && exit 0
  echo "Automatic install failed. Run as root:  $line" >&2
  exit 0
fi
echo "LibreOffice (soffice) is missing: legacy formats and the reopen checks are skipped. Run as root:" >&2
echo "  sudo $line" >&2
exit 0
