/* aenative: a small C ABI over graph runtimes (ONNX Runtime, TensorRT).
 *
 * Conventions
 * - Every function that can fail returns an ae_status; on failure ae_last_error() returns a
 *   message for the calling thread, valid until that thread's next call into the library.
 *   Strings returned by the library are owned by it: never free them.
 * - Memory is owned by the caller: ae_session_run reads inputs from and writes outputs to the
 *   caller's buffers (host memory for CPU sessions, device memory for CUDA sessions).
 * - No C++ exception crosses this boundary.
 * - A session may be used from one thread at a time; separate sessions may run concurrently.
 * - The ABI version changes whenever a declaration below changes incompatibly.
 */
#ifndef AENATIVE_H
#define AENATIVE_H

#include <stdint.h>

#if defined(_WIN32)
#define AE_API __declspec(dllexport)
#else
#define AE_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define AE_ABI_VERSION 1
#define AE_MAX_RANK 8

typedef enum ae_status {
    AE_OK = 0,
    AE_ERR_INVALID_ARGUMENT = 1,    /* a null pointer or nonsense value passed by the caller */
    AE_ERR_FILE_NOT_FOUND = 2,      /* the graph file does not exist or cannot be read */
    AE_ERR_INVALID_MODEL = 3,       /* the graph file is corrupt or not supported by the back end */
    AE_ERR_INVALID_TENSOR = 4,      /* a bound tensor's name, dtype, shape or size does not fit the graph */
    AE_ERR_BACKEND_UNAVAILABLE = 5, /* the back end or device was not compiled in or is not usable */
    AE_ERR_RUNTIME = 6              /* the back end failed while running */
} ae_status;

typedef enum ae_backend { AE_BACKEND_AUTO = 0, AE_BACKEND_ONNXRUNTIME = 1, AE_BACKEND_TENSORRT = 2 } ae_backend;

typedef enum ae_device { AE_DEVICE_CPU = 0, AE_DEVICE_CUDA = 1 } ae_device;

typedef enum ae_dtype {
    AE_DTYPE_UNSUPPORTED = 0,
    AE_DTYPE_FLOAT32 = 1,
    AE_DTYPE_INT64 = 2,
    AE_DTYPE_INT32 = 3,
    AE_DTYPE_UINT8 = 4,
    AE_DTYPE_FLOAT16 = 5
} ae_dtype;

/* Options for ae_session_open; zero-initialise, then set struct_size = sizeof(ae_session_options). */
typedef struct ae_session_options {
    uint32_t struct_size;
    int32_t backend;   /* ae_backend; AUTO picks TensorRT for .plan/.engine files, ONNX Runtime otherwise */
    int32_t device;    /* ae_device; TensorRT sessions always run on CUDA */
    int32_t device_id; /* CUDA ordinal */
    int32_t threads;   /* CPU intra-op threads of the session's own pool; 0 = share the process-wide pool (one thread per physical core) */
} ae_session_options;

/* One graph input or output; dims of -1 are dynamic. name lives as long as the session. */
typedef struct ae_tensor_info {
    const char* name;
    int32_t dtype; /* ae_dtype */
    int32_t rank;
    int64_t shape[AE_MAX_RANK];
} ae_tensor_info;

/* A caller-owned buffer bound by name; shape is the concrete shape of this call. */
typedef struct ae_tensor {
    const char* name;
    int32_t dtype; /* ae_dtype */
    int32_t rank;
    const int64_t* shape;
    void* data;
    uint64_t byte_length;
} ae_tensor;

typedef struct ae_capabilities {
    uint32_t struct_size;
    int32_t has_onnxruntime;   /* compiled in */
    int32_t has_tensorrt;      /* compiled in */
    int32_t onnxruntime_cuda;  /* ONNX Runtime's CUDA execution provider is available */
    int32_t cuda_devices;      /* CUDA devices visible to the TensorRT back end (0 when not compiled) */
    char onnxruntime_version[32];
    char tensorrt_version[32]; /* empty when not compiled */
} ae_capabilities;

/* Optimisation profile for one dynamic input of ae_build_plan. */
typedef struct ae_shape_profile {
    const char* name;
    int32_t rank;
    int64_t min[AE_MAX_RANK];
    int64_t opt[AE_MAX_RANK];
    int64_t max[AE_MAX_RANK];
} ae_shape_profile;

typedef struct ae_session ae_session;

AE_API int32_t ae_abi_version(void);

/* The last error message of the calling thread ("" when none). */
AE_API const char* ae_last_error(void);

AE_API int32_t ae_get_capabilities(ae_capabilities* out);

/* Opens a graph; options may be NULL for defaults (ONNX Runtime on CPU). */
AE_API int32_t ae_session_open(const char* path, const ae_session_options* options, ae_session** out);

/* Closes a session; NULL is ignored. */
AE_API void ae_session_close(ae_session* session);

/* The back end the session runs on (never AE_BACKEND_AUTO). */
AE_API int32_t ae_session_backend(const ae_session* session, int32_t* out);

AE_API int32_t ae_session_io_count(const ae_session* session, int32_t* inputs, int32_t* outputs);

AE_API int32_t ae_session_input(const ae_session* session, int32_t index, ae_tensor_info* out);

AE_API int32_t ae_session_output(const ae_session* session, int32_t index, ae_tensor_info* out);

/* Runs the graph. Every input must be bound once; outputs may be any non-empty subset.
 * cuda_stream (a cudaStream_t, may be NULL) orders the run after work already queued on it; the
 * call returns when the outputs are written. */
AE_API int32_t ae_session_run(ae_session* session, const ae_tensor* inputs, int32_t input_count,
                              const ae_tensor* outputs, int32_t output_count, void* cuda_stream);

/* Builds a TensorRT plan from an ONNX file (TensorRT back end only); profiles cover every dynamic input. */
AE_API int32_t ae_build_plan(const char* onnx_path, const char* plan_path, const ae_shape_profile* profiles,
                             int32_t profile_count, int32_t fp16, int32_t device_id);

#ifdef __cplusplus
}
#endif

#endif /* AENATIVE_H */
