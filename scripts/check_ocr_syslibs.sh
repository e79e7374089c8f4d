#!/usr/bin/env bash
# OCR needs the tesseract program and its language data (Debian packages).
# Check for them; install them when we are root, otherwise print the exact command.
# PASSERELLE_TESSDATA (a folder of *.traineddata) replaces the language packages.
set -u
PKGS=(tesseract-ocr tesseract-ocr-osd tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-ara tesseract-ocr-rus tesseract-ocr-ukr tesseract-ocr-chi-sim)
command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian-like: nothing to check
missing=()
for p in "${PKGS[@]}"; do
  if [ -n "${PASSERELLE_TESSDATA:-}" ] && [ "$p" != tesseract-ocr ]; then
    lang=${p#tesseract-ocr-}; lang=${lang//-/_}
    [ -f "$PASSERELLE_TESSDATA/$lang.traineddata" ] && continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
line="apt-get install -y ${missing[*]}"
if [ "$(id -u)" = "0" ] && [ -z "${NO_AUTO_APT:-}" ]; then
  echo "Installing OCR (Tesseract and its language data): ${missing[*]}"
  if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y "${missing[@]}" \
     || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y "${missing[@]}"; }; then
    exit 0
  fi
  echo "Automatic install failed. Run as root:  $line" >&2
  exit 0   # OCR is optional: scans are refused with this message, everything else works
fi
echo "OCR (scanned PDFs and images) needs packages that are missing. Run as root:" >&2
echo "  sudo $line" >&2
exit 0
