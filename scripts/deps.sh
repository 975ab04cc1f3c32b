#!/usr/bin/env bash
# Install the Debian 12 packages openclaw builds and tests with (idempotent).
set -euo pipefail
PKGS=(build-essential cmake pkg-config liblua5.4-dev lua-cjson-dev
      lua-filesystem-dev libcurl4-openssl-dev python3 python3-jsonschema
      openssl ca-certificates)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
