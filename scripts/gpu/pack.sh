#!/usr/bin/env bash
# Packs everything the GPU machine needs into one archive, .gpu-pack/spin-ts-gpu.tar.xz
# (< 60 MiB, so `carry` can take it; that machine has no Node, no registry, no network):
#   node/bin/node            this machine's Node 20 binary (the addon is built against its ABI)
#   node/include/node/       its N-API headers (cmake-js would download them from nodejs.org)
#   spin-ts/                 the built project (dist/), bin/, package.json, the guests the LLM
#                            tests and bench use, scripts/, and the production node_modules
#                            without node-llama-cpp's prebuilt binaries (@node-llama-cpp/*)
#   spin-ts/node_modules/node-llama-cpp/llama/llama.cpp/
#                            llama.cpp at the commit node-llama-cpp ships (its gitRelease.bundle),
#                            with node-llama-cpp's patch applied, trimmed to what the addon builds
# Models are not packed: on-device.sh generates them there with the project's GGUF writer.
# Usage: scripts/gpu/pack.sh            (from anywhere; writes <repo>/.gpu-pack/)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK_DIR=$ROOT/.gpu-pack
ARCHIVE=$PACK_DIR/spin-ts-gpu.tar.xz
LIMIT_MIB=60
JOBS=${JOBS:-2}
NODE_BIN=$(readlink -f "$(command -v node)")
NODE_INC=${NODE_INCLUDE_DIR:-$(dirname "$(dirname "$NODE_BIN")")/include/node}
NM=$(readlink -f "$ROOT/node_modules")
NLC=$NM/node-llama-cpp
# Guests the LLM tests (test/llm*.test.ts) and the LLM bench load.
GUESTS=(js-llm rust-llm)

# Production packages the LLM tests and bench never load, and node-llama-cpp's prebuilt binaries
# (the point is to use the binary built on the device). binaryen: jco resolves it only for
# `opt`/wasm2js; componentize-js, wizer and oxc-parser build JS guests, which are prebuilt here;
# @typescript/old is node-llama-cpp's optional typescript peer; the musl libsql is for Alpine.
EXCLUDE=(
  '@node-llama-cpp'
  'binaryen'
  '@bytecodealliance/componentize-js'
  '@bytecodealliance/wizer'
  '@bytecodealliance/wizer-linux-x64'
  'oxc-parser'
  '@oxc-parser'
  '@typescript/old'
  'typescript'
  '@libsql/linux-x64-musl'
)

[ -f "$NODE_INC/node_api.h" ] || {
  echo "pack: no node_api.h under $NODE_INC (set NODE_INCLUDE_DIR)" >&2
  exit 1
}
node -e 'process.exit(process.versions.node.split(".")[0] === "20" ? 0 : 1)' || {
  echo "pack: needs Node 20 on PATH (found $(node -v))" >&2
  exit 1
}

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/spin-ts-gpu-pack.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
APP=$STAGE/spin-ts

echo "pack: building the project"
(cd "$ROOT" && npm run -s build)

echo "pack: node $(node -v) from $NODE_BIN, headers from $NODE_INC"
mkdir -p "$STAGE/node/bin" "$STAGE/node/include/node"
cp "$NODE_BIN" "$STAGE/node/bin/node"
# The addon uses N-API only (node-addon-api, NAPI_VERSION=7): these headers are all it includes.
cp "$NODE_INC"/node_api.h "$NODE_INC"/node_api_types.h "$NODE_INC"/js_native_api.h "$NODE_INC"/js_native_api_types.h "$NODE_INC"/node_version.h "$STAGE/node/include/node/"

echo "pack: project files"
mkdir -p "$APP/scripts"
cp -r "$ROOT/dist" "$ROOT/bin" "$ROOT/package.json" "$APP/"
cp -r "$ROOT/scripts/gpu" "$ROOT/scripts/run-tests.mjs" "$APP/scripts/"
for g in "${GUESTS[@]}"; do
  wasm=$ROOT/guest-examples/$g/dist/$g.wasm
  [ -f "$wasm" ] || {
    echo "pack: $wasm is missing (npm run build:guests)" >&2
    exit 1
  }
  mkdir -p "$APP/guest-examples/$g/dist"
  cp "$wasm" "$APP/guest-examples/$g/dist/"
done

echo "pack: production node_modules"
excluded() {
  local rel=$1 e
  for e in "${EXCLUDE[@]}"; do
    [ "$rel" = "$e" ] && return 0
    case "$rel" in "$e"/*) return 0 ;; esac
  done
  return 1
}
mkdir -p "$APP/node_modules"
# Top-level production packages (nested ones travel inside their parent's folder).
(cd "$ROOT" && npm ls --omit=dev --all --parseable 2>/dev/null) | sed -n -e "s|^$ROOT/node_modules/||p" -e "s|^$NM/||p" | grep -v '/node_modules/' | sort -u | while read -r rel; do
  excluded "$rel" && continue
  mkdir -p "$APP/node_modules/$(dirname "$rel")"
  cp -r "$NM/$rel" "$APP/node_modules/$rel"
done

# node-llama-cpp: no bundle, no local builds; the source goes in below.
rm -rf "$APP/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$APP/node_modules/node-llama-cpp/llama/localBuilds" \
  "$APP/node_modules/node-llama-cpp/llama/llama.cpp" "$APP/node_modules/node-llama-cpp/llama/lastBuild.json"

echo "pack: llama.cpp source from $NLC/llama/gitRelease.bundle"
SRC=$STAGE/llama.cpp.git
git clone -q "$NLC/llama/gitRelease.bundle" "$SRC" 2>/dev/null
# The patch node-llama-cpp applies after cloning (applyLlamaCppRepoPatches), unless already in.
for p in "$NLC"/llama/patches/*.diff; do
  if git -C "$SRC" apply --check "$p" 2>/dev/null; then
    git -C "$SRC" apply "$p"
    echo "pack: applied $(basename "$p")"
  fi
done
# Trim: as a subproject (not LLAMA_STANDALONE, CMAKE_JS_VERSION set) llama.cpp builds no tests,
# tools, examples or app; ggml adds a backend's folder only when GGML_<BACKEND> is ON
# (ggml_add_backend in ggml/src/CMakeLists.txt), and only CPU and CUDA are ever on here.
DEST=$APP/node_modules/node-llama-cpp/llama/llama.cpp
mkdir -p "$DEST"
DROP_BACKENDS=$(cd "$SRC/ggml/src" && ls -d ggml-*/ | tr -d / | grep -vx -e ggml-cpu -e ggml-cuda | sed 's|^|--exclude=./ggml/src/|')
# shellcheck disable=SC2086
tar -C "$SRC" -cf - --exclude=./.git --exclude=./.github --exclude=./docs --exclude=./models --exclude=./tools --exclude=./examples \
  --exclude=./tests --exclude=./benches --exclude=./media --exclude=./gguf-py --exclude=./conversion --exclude=./pocs --exclude=./app \
  --exclude=./scripts --exclude=./ci --exclude=./grammars --exclude=./requirements --exclude=./.devops $DROP_BACKENDS . | tar -C "$DEST" -xf -

echo "pack: compressing (xz -T$JOBS)"
mkdir -p "$PACK_DIR"
{
  echo "node $(node -v)"
  echo "llama.cpp $(git -C "$SRC" rev-parse HEAD) (node-llama-cpp $(node -p "require('$NLC/package.json').version"), release $(node -p "require('$NLC/llama/binariesGithubRelease.json').release"))"
  echo "spin-ts $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!node_modules' || echo '+dirty')"
  echo "packed $(date -u +%FT%TZ)"
} >"$STAGE/PACK-INFO"
rm -rf "$SRC"
tar -C "$STAGE" -cf - PACK-INFO node spin-ts | xz -T"$JOBS" -6 >"$ARCHIVE.tmp"
mv "$ARCHIVE.tmp" "$ARCHIVE"

bytes=$(stat -c %s "$ARCHIVE")
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "pack: $ARCHIVE is $mib MiB ($bytes bytes), limit $LIMIT_MIB MiB"
cat "$STAGE/PACK-INFO"
if [ "$bytes" -ge $((LIMIT_MIB * 1048576)) ]; then
  echo "pack: too big for carry" >&2
  exit 1
fi
