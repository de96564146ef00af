#!/usr/bin/env bash
# Sets up a fresh machine for jdwp-fabric: a JDK (when javac is missing), Jetty 9 and the servlet API (when their
# jars are missing; the servlet test fixture runs on them), dnsmasq (for the DNS discovery tests, when missing)
# and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
missing=()
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
[ -f /usr/share/java/jetty9-servlet.jar ] || missing+=(libjetty9-java)
[ -f /usr/share/java/servlet-api.jar ] || missing+=(libservlet-api-java)
command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
