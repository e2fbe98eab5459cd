#!/usr/bin/env bash
# The demo: on a private Docker engine (never the machine's own), a developer's engine state
# (a "kind" node running on an untagged image, a stopped debug container, a database, stale
# <none> images), then a Vitest run of examples/vitest-demo with the docker-janitor plugin.
# Shows the engine before and after, and the summary the plugin prints.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh
[ -x node_modules/.bin/vitest ] || npm ci --no-audit --no-fund
npm run build --silent

dir=$(mktemp -d /tmp/dj-demo.XXXXXX)
cleanup() { bash scripts/test-engine.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
bash scripts/test-engine.sh start "$dir" >/dev/null
export DOCKER_HOST="unix://$dir/docker.sock" DOCKER_JANITOR_STATE_DIR="$dir/state" DOCKER_CLI_HINTS=false
unset DOCKER_CONTEXT

# The example resolves `docker-janitor` to this checkout, as if installed from npm.
mkdir -p examples/node_modules
[ -e examples/node_modules/docker-janitor ] || ln -s "$root" examples/node_modules/docker-janitor

build() { # build TAG|- LINE: an image FROM the base with one extra file; prints its ID
  local ctx; ctx=$(mktemp -d "$dir/ctx.XXXXXX")
  printf 'FROM dj-demo-base:latest\nRUN echo %s > /marker\n' "$2" > "$ctx/Dockerfile"
  if [ "$1" = - ]; then docker build -q "$ctx" 2>/dev/null; else docker build -q -t "$1" "$ctx" 2>/dev/null; fi
}
base_ctx=$(mktemp -d "$dir/base.XXXXXX")
cp "$(command -v busybox)" "$base_ctx/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n' > "$base_ctx/Dockerfile"
docker build -q -t dj-demo-base:latest "$base_ctx" >/dev/null 2>&1

echo "== The developer's engine before the test run"
# A rebuilt tag leaves the old image <none> while containers still use it (like a kind node).
build kindest/node:v1 kind-node-1 >/dev/null
docker run -d --name kind-control-plane kindest/node:v1 sleep 3600 >/dev/null
build kindest/node:v1 kind-node-2 >/dev/null
build debug:latest debug-1 >/dev/null
docker create --name debug-session debug:latest sleep 1 >/dev/null
build debug:latest debug-2 >/dev/null
build postgres:dev database >/dev/null
docker run -d --name dev-db postgres:dev sleep 3600 >/dev/null
for i in 1 2 3; do build - "stale-$i" >/dev/null; done
docker ps -a --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}'
echo
docker images
echo
echo "== npx vitest run   (examples/vitest-demo, plugins: [dockerJanitor()])"
status=0
(cd examples/vitest-demo && DEMO_BASE_IMAGE=dj-demo-base:latest "$root/node_modules/.bin/vitest" run) || status=$?
echo
echo "== The engine after the run: the run's containers, network and volume are gone;"
echo "   kind, the debug container and the database are untouched; their images stay."
docker ps -a --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}'
echo
docker images
docker network ls --filter type=custom --format '{{.Name}}' | sed 's/^/network left: /'
docker volume ls -q | sed 's/^/volume left: /'
echo
echo "== The same cleaner as a CLI: npx docker-janitor clean --dry-run"
node dist/cli/bin.js clean --dry-run || true
exit "$status"
