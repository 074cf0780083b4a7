#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Tizhi needs, when run as root with apt available;
# otherwise says exactly what to install. Safe to run again: it only installs what is missing.
set -euo pipefail

# python3-venv: the venv; pango/harfbuzz-subset: WeasyPrint (harfbuzz-subset makes font
# subsetting 6x faster); fonts-noto-cjk: Chinese in PDFs and charts; poppler-utils: pdftotext,
# pdffonts, pdftoppm for the PDF tests; chromium: the browser tests.
PACKAGES=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
          poppler-utils chromium gettext)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "WARNING: missing system packages: ${missing[*]}" >&2
    echo "         install them with: sudo apt-get install ${missing[*]}" >&2
    echo "         (PDF bulletins, Chinese fonts and browser tests need them)" >&2
fi
