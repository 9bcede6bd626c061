#!/usr/bin/env bash
# Installs the system packages caveat uses beyond Node.js, when missing (Debian/Ubuntu, apt-get; run as
# root or through sudo). Does nothing when everything is present.
#   chromium          prints the PDF report (puppeteer never downloads a browser)
#   fonts-dejavu-core the report's page footer and fingerprints (the body font is embedded)
#   poppler-utils     pdftotext/pdfinfo/pdftoppm: the tests read the PDFs they produce
#   postgresql        server binaries: the tests start throwaway PostgreSQL clusters
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || need+=(chromium)
fc-list 2>/dev/null | grep -q "DejaVu Sans" || need+=(fonts-dejavu-core)
command -v pdftotext >/dev/null || need+=(poppler-utils)
# PostgreSQL server binaries, searched where test/postgres.ts searches. The package also creates the
# postgres user the server must run as under root; the cluster it may start on 5432 goes unused.
postgres_found() {
  local dir IFS=:
  for dir in $PATH /usr/local/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && return 0
  done
  return 1
}
{ postgres_found && { [ "$(id -u)" != 0 ] || id -u postgres >/dev/null 2>&1; }; } || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  echo "installing: ${need[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
