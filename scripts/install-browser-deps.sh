#!/usr/bin/env bash
# Headless Chromium and a CJK font for the browser tests and screenshots, and LibreOffice Writer
# to print the DOCX export in a test (Debian packages).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi -E 'wqy|noto sans cjk|noto serif cjk' || need+=(fonts-wqy-microhei)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)  # tests/test_export_pdf.py prints the DOCX
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing: ${need[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to apt-get install ${need[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
