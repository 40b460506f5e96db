#!/usr/bin/env bash
# Installs the Debian packages redsim needs to build, test and benchmark.
# Idempotent: prints nothing and changes nothing when every package is present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  # scripts/tidy.sh: formatting and function lengths.
  clang-format universal-ctags
  libboost-fiber-dev libboost-context-dev
  librapidcheck-dev libgtest-dev libgmock-dev
  libspdlog-dev libfmt-dev
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  libxxhash-dev
  libjemalloc-dev
  libtomlplusplus-dev
  redis-server redis-tools python3-redis
  # Headless browser test of the HTML reports (tests/browser): Chromium, its WebDriver, and
  # Debian's Selenium bindings for /usr/bin/python3.
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The Debian redis-server package may try to start a system service; we never use it (tests start
# their own servers on free loopback ports), so tell invoke-rc.d not to start anything.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
fi
trap '[ -n "$policy" ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
