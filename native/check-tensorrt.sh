#!/usr/bin/env bash
# Compile-checks the TensorRT back end (-fsyntax-only) on machines without TensorRT.
#
#   native/check-tensorrt.sh <tensorrt-include-dir> [cuda-include-dir]
#   native/check-tensorrt.sh --git <TensorRT git dir> <ref>   e.g. --git ~/src/TensorRT v10.16
#
# The TensorRT headers can be the public headers of NVIDIA's open-source TensorRT repository
# (include/); --git extracts them from a clone into a temporary folder. Without a CUDA include
# folder, a stub cuda_runtime_api.h declaring only what the back end uses is generated.
# Nothing is written into the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "${1:-}" = "--git" ]; then
  [ $# -eq 3 ] || { echo "usage: $0 --git <TensorRT git dir> <ref>" >&2; exit 2; }
  git_dir=$2 ref=$3
  mkdir -p "$work/tensorrt"
  for f in $(git --git-dir="$git_dir" ls-tree -r --name-only "$ref" include/); do
    mkdir -p "$work/tensorrt/$(dirname "${f#include/}")"
    git --git-dir="$git_dir" show "$ref:$f" >"$work/tensorrt/${f#include/}"
  done
  trt_include=$work/tensorrt
  cuda_include=${4:-}
else
  [ $# -ge 1 ] || { echo "usage: $0 <tensorrt-include-dir> [cuda-include-dir]" >&2; exit 2; }
  trt_include=$1
  cuda_include=${2:-}
fi
[ -f "$trt_include/NvInfer.h" ] || { echo "no NvInfer.h in $trt_include" >&2; exit 2; }

if [ -z "$cuda_include" ]; then
  cuda_include=$work/cuda
  mkdir -p "$cuda_include"
  # Declarations follow CUDA 12's cuda_runtime_api.h / driver_types.h for the calls the back end makes.
  cat >"$cuda_include/cuda_runtime_api.h" <<'STUB'
#pragma once
#include <stddef.h>
typedef struct CUstream_st* cudaStream_t;
typedef struct CUevent_st* cudaEvent_t;
typedef struct CUgraph_st* cudaGraph_t;
typedef struct CUgraphExec_st* cudaGraphExec_t;
typedef enum cudaError { cudaSuccess = 0 } cudaError_t;
enum cudaStreamCaptureMode { cudaStreamCaptureModeGlobal = 0, cudaStreamCaptureModeThreadLocal = 1, cudaStreamCaptureModeRelaxed = 2 };
enum cudaMemoryType { cudaMemoryTypeUnregistered = 0, cudaMemoryTypeHost = 1, cudaMemoryTypeDevice = 2, cudaMemoryTypeManaged = 3 };
struct cudaPointerAttributes { enum cudaMemoryType type; int device; void* devicePointer; void* hostPointer; };
#define cudaStreamNonBlocking 0x01
#define cudaEventDisableTiming 0x02
extern "C" {
const char* cudaGetErrorString(cudaError_t error);
cudaError_t cudaGetLastError(void);
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaMalloc(void** ptr, size_t size);
cudaError_t cudaFree(void* ptr);
enum cudaMemcpyKind { cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2, cudaMemcpyDeviceToDevice = 3, cudaMemcpyDefault = 4 };
cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind);
cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes* attributes, const void* ptr);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream);
cudaError_t cudaStreamBeginCapture(cudaStream_t stream, enum cudaStreamCaptureMode mode);
cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph);
cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags);
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream);
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec);
cudaError_t cudaGraphDestroy(cudaGraph_t graph);
}
STUB
fi

version=$(grep -hE '#define (NV_TENSORRT|TRT)_(MAJOR|MINOR|PATCH)(_ENTERPRISE)? [0-9]+' "$trt_include/NvInferVersion.h" |
  awk '{v[$2]=$3} END {printf "%s.%s.%s", (v["TRT_MAJOR_ENTERPRISE"]!="" ? v["TRT_MAJOR_ENTERPRISE"] : v["NV_TENSORRT_MAJOR"]), (v["TRT_MINOR_ENTERPRISE"]!="" ? v["TRT_MINOR_ENTERPRISE"] : v["NV_TENSORRT_MINOR"]), (v["TRT_PATCH_ENTERPRISE"]!="" ? v["TRT_PATCH_ENTERPRISE"] : v["NV_TENSORRT_PATCH"])}')
CXX=${CXX:-g++}
flags=(-std=c++17 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -DAE_WITH_TENSORRT
       -isystem "$trt_include" -isystem "$cuda_include" -I "$here/include" -I "$here/src")
for src in src/tensorrt_backend.cpp src/api.cpp; do
  "$CXX" "${flags[@]}" "$here/$src"
done
# The GPU tests too, when GoogleTest's headers are installed.
if [ -f /usr/include/gtest/gtest.h ]; then
  "$CXX" "${flags[@]}" -DAE_FIXTURES='"."' "$here/tests/tensorrt_tests.cpp"
fi
echo "TensorRT back end compiles against TensorRT $version headers ($trt_include)"
