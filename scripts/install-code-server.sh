#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3 for the browser, which runs on Node 20) from the npm registry,
# with no downloads outside the npm and Debian registries: ripgrep comes from Debian and native modules are built
# here with node-gyp. Usage: scripts/install-code-server.sh [DIR]; DIR defaults to $CODE_SERVER_DIR or .tmp/code-server.
# Prints the path of the code-server executable on its last line. Does nothing when DIR already holds the install.
set -euo pipefail
VERSION=4.100.3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-${CODE_SERVER_DIR:-$ROOT/.tmp/code-server}}
mkdir -p "$DIR" && DIR=$(cd "$DIR" && pwd)
BIN="$DIR/node_modules/.bin/code-server"
STAMP="$DIR/.installed-$VERSION"
if [ -f "$STAMP" ] && [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

log() { echo "install-code-server: $*" >&2; }
DEBS=(libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev ripgrep build-essential python3)
missing=()
for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi

cd "$DIR"
[ -f package.json ] || echo '{"private":true}' > package.json
if [ ! -d node_modules/code-server ]; then
  log "installing code-server@$VERSION from npm"
  npm install --no-audit --no-fund --ignore-scripts --loglevel=error "code-server@$VERSION" >&2
fi

cd node_modules/code-server/lib/vscode
log "installing VS Code's runtime modules"
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2
mkdir -p node_modules/@vscode/ripgrep/bin && cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
log "building native modules"
for m in node_modules/* node_modules/@*/*; do
  [ -f "$m/binding.gyp" ] || continue
  case "$m" in *windows*) continue ;; esac
  (cd "$m" && npx --yes node-gyp rebuild >/dev/null 2>&1) || log "native build failed: $m"
done
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
log "installing the built-in extensions' modules"
(cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

cd "$DIR/node_modules/argon2"
npx --yes node-gyp rebuild --module_name=argon2 --module_path=lib/binding/napi-v3 --napi_build_version=3 >/dev/null 2>&1
mkdir -p lib/binding/napi-v3 && cp build/lib/binding/napi-v3/argon2.node lib/binding/napi-v3/

XDG_CONFIG_HOME="$DIR/xdg-config" XDG_DATA_HOME="$DIR/xdg-data" "$BIN" --version >&2
date -u +%FT%TZ > "$STAMP"
echo "$BIN"
