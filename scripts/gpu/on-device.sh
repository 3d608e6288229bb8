#!/usr/bin/env bash
# Runs on the GPU machine (no Node, no registry, no network), in the repository root of a copy
# of the working tree with .gpu-pack/ carried in: unpacks scripts/gpu/pack.sh's archive, puts
# its Node on PATH, builds node-llama-cpp's backend from the packed llama.cpp source (CUDA for
# sm_90, or the CPU with --cpu), then runs, each step logged and timed under $OUT:
#   build.log      the addon build                 tests.log     the LLM integration tests
#   gpu-auto.log   `spin-ts up --gpu auto` start-up models.log    model generation
#   bench.md       the LLM bench (RESULTS fragment) bench.log     its progress
#   summary.txt    one line per step: name, exit status, seconds; env.txt: machine facts
# A failing step is recorded and the next one still runs; the exit status is the first failure's.
# A rerun on the same machine (the device keeps ignored paths such as .gpu-work/ while it stays
# warm) reuses the unpacked archive if it is the same, a finished build and finished models.
# Usage: OUT=<dir> bash scripts/gpu/on-device.sh [--cpu]
#   env: PACK (archive, default .gpu-pack/spin-ts-gpu.tar.xz), JOBS (build jobs, default nproc),
#        WORK (unpack dir, default .gpu-work/ in the repository root), BENCH_PRESETS (model
#        presets to bench), BENCH_MODELS (or name=path pairs, see bench/llm-gpu.ts)
set -uo pipefail

MODE=cuda
for a in "$@"; do
  case "$a" in
    --cpu) MODE=cpu ;;
    *)
      echo "on-device: unknown argument '$a' (only --cpu)" >&2
      exit 2
      ;;
  esac
done
REPO=$(pwd)
PACK=${PACK:-$REPO/.gpu-pack/spin-ts-gpu.tar.xz}
OUT=${OUT:?on-device: set OUT to the results folder}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$OUT"
WORK=${WORK:-$REPO/.gpu-work}
mkdir -p "$WORK"
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"
FIRST_FAILURE=0

# step <name> <log file> <command…>: runs it, appends "name rc seconds" to summary.txt.
step() {
  local name=$1 log=$2
  shift 2
  local t0 rc
  t0=$(date +%s.%N)
  echo "== $name ($(date -u +%T))"
  "$@" >"$log" 2>&1
  rc=$?
  local secs
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "$name rc=$rc seconds=$secs" | tee -a "$SUMMARY"
  if [ "$rc" -ne 0 ] && [ "$FIRST_FAILURE" -eq 0 ]; then FIRST_FAILURE=$rc; fi
  [ "$rc" -ne 0 ] && tail -n 40 "$log"
  return "$rc"
}

# nvcc where the CUDA toolkit usually lives, if it is not on PATH already.
if [ "$MODE" = cuda ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH=$PATH:/usr/local/cuda/bin
fi
# The toolkit's libraries (cudart, cublas) where node-llama-cpp's CUDA probe and the loader look,
# in case the toolkit is not under /usr/local/cuda*.
if [ "$MODE" = cuda ] && command -v nvcc >/dev/null; then
  CUDA_HOME_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")
  export CUDA_PATH=${CUDA_PATH:-$CUDA_HOME_DIR}
  export LD_LIBRARY_PATH=$CUDA_HOME_DIR/lib64:$CUDA_HOME_DIR/targets/x86_64-linux/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
{
  echo "mode: $MODE"
  echo "date: $(date -u +%FT%TZ)"
  echo "node on PATH before unpacking: $(command -v node || echo none)"
  echo "cores: $(nproc)"
  uname -a
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  command -v nvcc >/dev/null && nvcc --version | tail -n 2
  cmake --version | head -n 1
} >"$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

PACK_ID=$(sha256sum <"$PACK" | cut -c1-16) || exit 1
if [ -f "$WORK/.pack-id" ] && [ "$(cat "$WORK/.pack-id")" = "$PACK_ID" ]; then
  echo "unpack reused ($WORK)" | tee -a "$SUMMARY"
else
  rm -rf "$WORK/node" "$WORK/spin-ts" "$WORK/PACK-INFO" "$WORK/.pack-id"
  step unpack "$OUT/unpack.log" bash -c "xz -dc '$PACK' | tar -x -C '$WORK' && cat '$WORK/PACK-INFO'" || exit 1
  echo "$PACK_ID" >"$WORK/.pack-id"
fi
cp "$WORK/PACK-INFO" "$OUT/PACK-INFO"
export PATH=$WORK/node/bin:$PATH
APP=$WORK/spin-ts
cd "$APP" || exit 1
echo "node $(node -v) at $(command -v node)" | tee -a "$OUT/env.txt"

# Models: generated here by the project's GGUF writer (single-threaded JS), in the background
# while the addon builds. Bench shapes: the CPU proof uses a tiny one.
MODELS=$WORK/models
mkdir -p "$MODELS"
if [ "$MODE" = cuda ]; then
  BENCH_PRESETS=${BENCH_PRESETS:-tinyllama-1.1b mistral-7b}
else
  BENCH_PRESETS=${BENCH_PRESETS:-tiny-llama}
fi
generate_models() {
  local p
  for p in $BENCH_PRESETS; do
    local t0=$SECONDS
    if [ -f "$MODELS/$p.gguf" ]; then
      echo "$p: reused $MODELS/$p.gguf"
      continue
    fi
    # written aside and moved, so a run cut short leaves no half model for the rerun
    node bin/spin-ts.js models generate "$p" -o "$MODELS/$p.part.gguf" || return 1
    mv "$MODELS/$p.part.gguf" "$MODELS/$p.gguf"
    echo "$p: generated in $((SECONDS - t0)) s"
  done
}
generate_models >"$OUT/models.log" 2>&1 &
MODELS_PID=$!

FOLDER=$([ "$MODE" = cuda ] && echo linux-x64-cuda || echo linux-x64)
if [ -f "$APP/node_modules/node-llama-cpp/llama/localBuilds/$FOLDER/buildDone.status" ]; then
  echo "build reused ($FOLDER)" | tee -a "$SUMMARY"
else
  step build "$OUT/build.log" bash "$REPO/scripts/gpu/build-addon.sh" "$MODE" "$APP" "$WORK/node/include/node" "$JOBS"
fi

# The LLM integration tests: exact greedy text, params, the allow-list, embeddings (llm.test),
# slots, the queue and cancellation (llm-slots.test), with --gpu passed through SPIN_TS_TEST_GPU.
step tests "$OUT/tests.log" env SPIN_TS_TEST_GPU="$MODE" node scripts/run-tests.mjs dist/test/llm

step gpu-auto "$OUT/gpu-auto.log" node "$REPO/scripts/gpu/check-gpu-auto.mjs" "$MODE"

wait "$MODELS_PID"
models_rc=$?
echo "models rc=$models_rc (generated in the background beside the build: $(grep -h ': generated in\|: reused' "$OUT/models.log" | paste -sd ';' -))" | tee -a "$SUMMARY"
[ "$models_rc" -ne 0 ] && [ "$FIRST_FAILURE" -eq 0 ] && FIRST_FAILURE=$models_rc

BENCH_MODELS=${BENCH_MODELS:-$(for p in $BENCH_PRESETS; do printf '%s=%s ' "$p" "$MODELS/$p.gguf"; done)}
step bench "$OUT/bench.log" env BENCH_GPU="$MODE" BENCH_MODELS="$BENCH_MODELS" BENCH_OUT="$OUT/bench.md" node dist/bench/llm-gpu.js

cat "$SUMMARY"
exit "$FIRST_FAILURE"
