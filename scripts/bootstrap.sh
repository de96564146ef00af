#!/usr/bin/env bash
# Sets up a fresh machine for jdwp-fabric: a JDK (when javac is missing) and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v javac >/dev/null 2>&1; then
  echo "bootstrap: javac missing, installing openjdk-17-jdk-headless"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
fi
npm ci --no-audit --no-fund
