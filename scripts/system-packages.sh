#!/usr/bin/env bash
# Install the Debian packages WeasyPrint needs at run time for the invoice and plan PDFs:
# Pango (layout), HarfBuzz's subsetter (font embedding) and the DejaVu fonts the PDFs use.
# Idempotent: installs only what `dpkg -s` says is missing, after `apt-get update`.
# As root it installs; otherwise it prints the command to run and exits 1 when something is
# missing. Exits 0 when everything is there (and on systems without dpkg, where it can't tell).
set -euo pipefail

REQUIRED=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
# Its own package since Debian 12 (bookworm); older releases ship it inside libharfbuzz0b.
OPTIONAL=(libharfbuzz-subset0)

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: no dpkg/apt-get here; make sure Pango >= 1.44, HarfBuzz and the DejaVu fonts are installed." >&2
  exit 0
fi

installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }
# Whether apt knows a version of the package (from the package lists as they are now).
available() {
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
  [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}
have_lists() { compgen -G "/var/lib/apt/lists/*Packages*" >/dev/null; }

missing=()
for package in "${REQUIRED[@]}" "${OPTIONAL[@]}"; do
  if installed "$package"; then
    echo "system-packages: $package is installed"
  elif [[ " ${OPTIONAL[*]} " == *" $package "* ]] && have_lists && ! available "$package"; then
    echo "system-packages: $package does not exist in this release: skipped"
  else
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system-packages: nothing to install"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "system-packages: missing ${missing[*]}; as root, run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "system-packages: apt-get update"
apt-get update -qq

to_install=()
for package in "${missing[@]}"; do
  if [[ " ${OPTIONAL[*]} " == *" $package "* ]]; then
    if ! available "$package"; then
      echo "system-packages: $package does not exist in this release: skipped"
      continue
    fi
  fi
  to_install+=("$package")
done

if [ ${#to_install[@]} -gt 0 ]; then
  echo "system-packages: apt-get install ${to_install[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${to_install[@]}"
fi
echo "system-packages: done"
