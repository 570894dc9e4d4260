#!/usr/bin/env bash
# Build native + managed with one command.
#   ./build.sh            build everything (Release)
#   ./build.sh test       build, then run the native (ctest) and managed (xunit) tests
#   ./build.sh demo       build, then run the end-to-end demo on the embedded default bundle
#   ./build.sh pack       build the AnomalyEngine NuGet package into artifacts/packages
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
CONFIG=${CONFIG:-Release}
ORT_VERSION=1.31.1

log() { printf '\033[1m== %s\033[0m\n' "$*"; }

# Install what a fresh Debian 12 machine lacks (the .NET 10 SDK is a prerequisite).
ensure_tools() {
  local missing=()
  command -v cmake >/dev/null || missing+=(cmake)
  command -v g++ >/dev/null || missing+=(g++)
  [ -f /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      log "installing ${missing[*]}"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
      echo "missing: ${missing[*]} (install them with apt-get)" >&2; exit 1
    fi
  fi
  command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet on PATH)" >&2; exit 1; }
}

restore() {
  log "dotnet restore"
  dotnet restore AnomalyEngine.sln --verbosity quiet
}

ort_root() {
  local gp
  gp=$(dotnet nuget locals global-packages -l | sed 's/^global-packages: //')
  echo "${gp%/}/microsoft.ml.onnxruntime/$ORT_VERSION"
}

build_native() {
  [ -f native/CMakeLists.txt ] || return 0
  log "native (cmake)"
  cmake -S native -B native/build -DCMAKE_BUILD_TYPE=Release -DORT_ROOT="$(ort_root)" \
        -DAE_NATIVE_OUT="$ROOT/artifacts/native/linux-x64" >/dev/null
  cmake --build native/build -j"$(nproc)"
}

build_managed() {
  log "dotnet build ($CONFIG)"
  dotnet build AnomalyEngine.sln -c "$CONFIG" --no-restore --nologo -v q -clp:ErrorsOnly
}

# The model tools' tests (tools/tests) need Debian's PyTorch and ONNX; installed when missing
# (as root), skipped with AE_SKIP_TOOLS_TESTS=1.
TOOLS_PACKAGES=(python3-torch python3-onnx python3-numpy python3-pil python3-pytest)
ensure_tools_python() {
  /usr/bin/python3 -c "import torch, onnx, numpy, PIL, pytest" 2>/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${TOOLS_PACKAGES[*]} for the model tools' tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${TOOLS_PACKAGES[@]}" >/dev/null
  fi
  /usr/bin/python3 -c "import torch, onnx, numpy, PIL, pytest" 2>/dev/null
}

run_tests() {
  local native_pass=0 native_fail=0 tools_pass=0 tools_fail=0 tools_rc=0
  if [ -d native/build ] && [ -f native/build/CTestTestfile.cmake ]; then
    log "native tests (ctest)"
    ctest --test-dir native/build --output-on-failure | tee artifacts/ctest.log
    native_pass=$( (grep -Eo '[0-9]+ tests failed out of [0-9]+' artifacts/ctest.log || true) | awk '{print $6-$1}')
    native_fail=$( (grep -Eo '[0-9]+ tests failed out of [0-9]+' artifacts/ctest.log || true) | awk '{print $1}')
  fi
  log "managed tests (xunit)"
  set +e
  dotnet test AnomalyEngine.sln -c "$CONFIG" --no-build --nologo 2>&1 | tee artifacts/dotnet-test.log
  local rc=${PIPESTATUS[0]}
  set -e
  local p f s
  p=$( (grep -Eo 'Passed: +[0-9]+' artifacts/dotnet-test.log || true) | awk '{s+=$2} END {print s+0}')
  f=$( (grep -Eo 'Failed: +[0-9]+' artifacts/dotnet-test.log || true) | awk '{s+=$2} END {print s+0}')
  s=$( (grep -Eo 'Skipped: +[0-9]+' artifacts/dotnet-test.log || true) | awk '{s+=$2} END {print s+0}')
  if [ "${AE_SKIP_TOOLS_TESTS:-0}" != 1 ]; then
    if ensure_tools_python; then
      log "model tools tests (pytest)"
      set +e
      /usr/bin/python3 -m pytest -q -p no:cacheprovider tools/tests 2>&1 | tee artifacts/pytest.log
      tools_rc=${PIPESTATUS[0]}
      set -e
      tools_pass=$( (grep -Eo '[0-9]+ passed' artifacts/pytest.log || true) | tail -1 | awk '{print $1}')
      tools_fail=$( (grep -Eo '[0-9]+ failed' artifacts/pytest.log || true) | tail -1 | awk '{print $1}')
      [ "$tools_rc" = 0 ] || [ -n "$tools_fail" ] || tools_fail=1
    else
      echo "model tools tests skipped: /usr/bin/python3 lacks ${TOOLS_PACKAGES[*]}"
    fi
  fi
  tools_pass=${tools_pass:-0}; tools_fail=${tools_fail:-0}
  echo
  echo "native: ${native_pass:-0} passed, ${native_fail:-0} failed"
  echo "managed: $p passed, $f failed, $s skipped"
  echo "tools: $tools_pass passed, $tools_fail failed"
  echo "$((p + ${native_pass:-0} + tools_pass)) passed, $((f + ${native_fail:-0} + tools_fail)) failed, $s skipped"
  [ "$rc" = 0 ] && [ "${native_fail:-0}" = 0 ] && [ "$tools_fail" = 0 ]
}

mkdir -p artifacts
cmd=${1:-build}
case "$cmd" in
  build) ensure_tools; restore; build_native; build_managed ;;
  test)  ensure_tools; restore; build_native; build_managed; run_tests ;;
  demo)  ensure_tools; restore; build_native; build_managed
         dotnet "src/AnomalyEngine.Cli/bin/$CONFIG/net10.0/anomaly-engine.dll" demo "${@:2}" ;;
  pack)  ensure_tools; restore; build_native; build_managed
         dotnet pack src/AnomalyEngine/AnomalyEngine.csproj -c "$CONFIG" --no-build -o artifacts/packages ;;
  *) echo "usage: ./build.sh [build|test|demo|pack]" >&2; exit 2 ;;
esac
