# Finds ONNX Runtime's C API inside the Microsoft.ML.OnnxRuntime NuGet package (or any folder with
# the same layout). Input: ORT_ROOT (the package folder, e.g. ~/.nuget/packages/microsoft.ml.onnxruntime/1.31.1).
# Output: OnnxRuntime_FOUND, OnnxRuntime_LIBRARY, OnnxRuntime_INCLUDE_DIR, target OnnxRuntime::OnnxRuntime.
set(ORT_ROOT "${ORT_ROOT}" CACHE PATH "Folder of the Microsoft.ML.OnnxRuntime package")

find_path(OnnxRuntime_INCLUDE_DIR onnxruntime_c_api.h
  HINTS "${ORT_ROOT}/build/native/include" "${ORT_ROOT}/include"
  NO_DEFAULT_PATH)
find_library(OnnxRuntime_LIBRARY NAMES onnxruntime
  HINTS "${ORT_ROOT}/runtimes/linux-x64/native" "${ORT_ROOT}/lib"
  NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OnnxRuntime REQUIRED_VARS OnnxRuntime_LIBRARY OnnxRuntime_INCLUDE_DIR)

if(OnnxRuntime_FOUND AND NOT TARGET OnnxRuntime::OnnxRuntime)
  add_library(OnnxRuntime::OnnxRuntime SHARED IMPORTED)
  set_target_properties(OnnxRuntime::OnnxRuntime PROPERTIES
    IMPORTED_LOCATION "${OnnxRuntime_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${OnnxRuntime_INCLUDE_DIR}")
endif()
