# Finds TensorRT 10 (headers, nvinfer, nvonnxparser) and the CUDA runtime it runs on.
# Input: TENSORRT_ROOT (optional; also read from the environment). Output: TensorRT_FOUND,
# TensorRT_VERSION, target TensorRT::TensorRT (nvinfer + nvonnxparser + CUDA::cudart).
set(TENSORRT_ROOT "${TENSORRT_ROOT}" CACHE PATH "TensorRT install folder (optional)")
if(NOT TENSORRT_ROOT AND DEFINED ENV{TENSORRT_ROOT})
  set(TENSORRT_ROOT "$ENV{TENSORRT_ROOT}")
endif()

find_path(TensorRT_INCLUDE_DIR NvInfer.h
  HINTS "${TENSORRT_ROOT}/include" PATH_SUFFIXES x86_64-linux-gnu)
find_library(TensorRT_LIBRARY nvinfer HINTS "${TENSORRT_ROOT}/lib" "${TENSORRT_ROOT}/lib64")
find_library(TensorRT_ONNXPARSER_LIBRARY nvonnxparser HINTS "${TENSORRT_ROOT}/lib" "${TENSORRT_ROOT}/lib64")

if(TensorRT_INCLUDE_DIR AND EXISTS "${TensorRT_INCLUDE_DIR}/NvInferVersion.h")
  file(STRINGS "${TensorRT_INCLUDE_DIR}/NvInferVersion.h" _trt_lines REGEX "#define (NV_)?TENSORRT_(MAJOR|MINOR|PATCH) ")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX MATCH "TENSORRT_${_part} ([0-9]+)" _m "${_trt_lines}")
    set(_trt_${_part} "${CMAKE_MATCH_1}")
  endforeach()
  set(TensorRT_VERSION "${_trt_MAJOR}.${_trt_MINOR}.${_trt_PATCH}")
endif()

find_package(CUDAToolkit QUIET)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(TensorRT
  REQUIRED_VARS TensorRT_LIBRARY TensorRT_ONNXPARSER_LIBRARY TensorRT_INCLUDE_DIR CUDAToolkit_FOUND
  VERSION_VAR TensorRT_VERSION)

if(TensorRT_FOUND AND NOT TARGET TensorRT::TensorRT)
  add_library(TensorRT::TensorRT INTERFACE IMPORTED)
  set_target_properties(TensorRT::TensorRT PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${TensorRT_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${TensorRT_LIBRARY};${TensorRT_ONNXPARSER_LIBRARY};CUDA::cudart")
endif()
