#!/usr/bin/env bash
# Installs the Debian packages optlayer needs, if any are missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
#
#   scripts/install_deps.sh         what `make build`, `make test` and `make demo` need
#   scripts/install_deps.sh docs    the same, and doxygen for `make docs`
set -euo pipefail
packages=(cmake make g++ libeigen3-dev doctest-dev libbenchmark-dev)
for extra in "$@"; do
  case $extra in
    docs) packages+=(doxygen) ;;
    *) echo "install_deps.sh: unknown argument $extra (known: docs)" >&2; exit 2 ;;
  esac
done
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "optlayer: missing Debian packages: ${missing[*]}" >&2
  echo "optlayer: install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "optlayer: installing missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
