#!/usr/bin/env bash
# Sets up a fresh machine for jdwp-fabric: a JDK (when javac is missing), dnsmasq (for the DNS discovery tests,
# when missing) and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
MISSING=()
command -v javac >/dev/null 2>&1 || MISSING+=(openjdk-17-jdk-headless)
command -v dnsmasq >/dev/null 2>&1 || MISSING+=(dnsmasq-base)
if [ ${#MISSING[@]} -gt 0 ]; then
  echo "bootstrap: installing ${MISSING[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
