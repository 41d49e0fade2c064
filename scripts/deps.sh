#!/usr/bin/env bash
# Installs the Debian packages voxdial needs to build, test and run the demo,
# only those missing, so a second run is a no-op. Needs root (or sudo).
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  sqlite3 libsqlite3-dev libjansson-dev libmicrohttpd-dev libsodium-dev
  libicu-dev libcsv-dev libcurl4-openssl-dev libxlsxwriter-dev curl
  libre-dev libspandsp-dev libspeexdsp-dev libsndfile1-dev
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
  espeak-ng libespeak-ng-dev sox sip-tester python3 wrk valgrind cppcheck
  nodejs chromium
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
