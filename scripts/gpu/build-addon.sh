#!/usr/bin/env bash
# Builds node-llama-cpp's addon (llama/CMakeLists.txt + llama/addon + llama/llama.cpp) from the
# packed source, as `node-llama-cpp source build` would, but with cmake directly: that command
# goes through `npm run cmake-js-llama`, and cmake-js fetches Node's headers from nodejs.org;
# here there is no npm and no network, so the packed N-API headers are passed as CMAKE_JS_INC.
# The result lands where getLlama() looks first, before any prebuilt binary:
#   node_modules/node-llama-cpp/llama/localBuilds/<linux-x64|linux-x64-cuda>/Release/llama-addon.node
# with _nlcBuildMetadata.json beside it and buildDone.status in the folder above.
# Usage: build-addon.sh <cpu|cuda> <spin-ts dir> <node include dir> [jobs]
# CUDA builds for the H200 alone (sm_90): minutes, not the hour all architectures take.
set -euo pipefail

MODE=$1
APP=$2
NODE_INC=$3
JOBS=${4:-$(nproc)}
LLAMA=$APP/node_modules/node-llama-cpp/llama
RELEASE=$(node -p "require('$LLAMA/binariesGithubRelease.json').release")

case "$MODE" in
  cuda)
    FOLDER=linux-x64-cuda
    VARIANT=cuda.$RELEASE
    GPU=cuda
    GPU_FLAGS=(-DGGML_CUDA=1 -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-90}")
    ;;
  cpu)
    FOLDER=linux-x64
    VARIANT=$RELEASE
    GPU=false
    GPU_FLAGS=()
    ;;
  *)
    echo "build-addon: mode must be cpu or cuda, got '$MODE'" >&2
    exit 2
    ;;
esac

# Folder name and variant as getBuildFolderNameForBuildOptions() derives them for the builtin
# llama.cpp release with no custom cmake options, so the runtime's lookup finds this build.
OUTDIR=$LLAMA/localBuilds/$FOLDER
# Not wiped: a build cut short by a time limit resumes where ninja left it on the rerun.
rm -f "$OUTDIR/buildDone.status"
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)

# The flags compileLlamaCpp() passes (GGML_BUILD_NUMBER … GGML_NATIVE) plus those cmake-js adds.
cmake -S "$LLAMA" -B "$OUTDIR" "${GENERATOR[@]}" --no-warn-unused-cli \
  -DCMAKE_JS_VERSION=8.0.0 \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$OUTDIR/Release" \
  -DCMAKE_JS_INC="$NODE_INC" \
  -DNODE_RUNTIME=node \
  -DNODE_RUNTIMEVERSION="$(node -p process.versions.node)" \
  -DNODE_ARCH=x64 \
  -DGGML_BUILD_NUMBER=1 \
  -DCMAKE_CONFIGURATION_TYPES=Release \
  -DNLC_CURRENT_PLATFORM=linux-x64 \
  -DNLC_TARGET_PLATFORM=linux-x64 \
  -DNLC_VARIANT="$VARIANT" \
  -DGGML_METAL=OFF \
  -DGGML_CCACHE=OFF \
  -DLLAMA_CURL=OFF \
  -DLLAMA_HTTPLIB=OFF \
  -DLLAMA_BUILD_BORINGSSL=OFF \
  -DLLAMA_OPENSSL=OFF \
  -DGGML_NATIVE=ON \
  "${GPU_FLAGS[@]}"
cmake --build "$OUTDIR" --config Release -j "$JOBS"

# moveBuildFilesToResultDir(): shared libraries written to bin/ go beside the addon ($ORIGIN rpath).
RESULT=$OUTDIR/Release
for d in "$OUTDIR/bin" "$OUTDIR/llama.cpp/bin"; do
  [ -d "$d" ] && cp -rn "$d"/. "$RESULT"/
done
[ -f "$RESULT/llama-addon.node" ] || {
  echo "build-addon: no llama-addon.node in $RESULT" >&2
  exit 1
}

node --input-type=module -e "
import { getPlatformInfo } from '$APP/node_modules/node-llama-cpp/dist/bindings/utils/getPlatformInfo.js';
import { writeFileSync } from 'node:fs';
const buildOptions = { customCmakeOptions: {}, progressLogs: true, platform: 'linux', platformInfo: await getPlatformInfo(), arch: 'x64', gpu: $([ "$GPU" = false ] && echo false || echo "'$GPU'"), llamaCpp: { repo: 'ggml-org/llama.cpp', release: '$RELEASE' } };
writeFileSync('$RESULT/_nlcBuildMetadata.json', JSON.stringify({ buildOptions }));
"
touch "$OUTDIR/buildDone.status"
echo "build-addon: $RESULT"
ls -la "$RESULT"
