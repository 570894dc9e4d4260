// ONNX Runtime back end through its C API (the C++ wrapper throws, which this library must not).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <onnxruntime_c_api.h>

#include "backend.h"

namespace ae {
namespace {

const OrtApi& ort() {
    static const OrtApi* api = OrtGetApiBase()->GetApi(ORT_API_VERSION);
    if (api == nullptr)
        throw Error(AE_ERR_BACKEND_UNAVAILABLE,
                    std::string("the loaded ONNX Runtime (") + OrtGetApiBase()->GetVersionString() +
                        ") does not provide API version " + std::to_string(ORT_API_VERSION));
    return *api;
}

// Throws on a failed ORT call; invalid-argument errors from ORT are the caller's tensors.
void check(OrtStatus* status, ae_status failure, const std::string& context) {
    if (status == nullptr) return;
    std::string message = context + ": " + ort().GetErrorMessage(status);
    const OrtErrorCode code = ort().GetErrorCode(status);
    ort().ReleaseStatus(status);
    if (failure == AE_ERR_RUNTIME && code == ORT_INVALID_ARGUMENT) failure = AE_ERR_INVALID_TENSOR;
    throw Error(failure, message);
}

// Errors come back through ae_last_error, so ORT itself logs only fatal ones. One process-wide
// environment, created on first use and deliberately never released: ORT's
// environment must outlive every session, including sessions a finalizer closes at exit.
// It owns one global intra-op pool (ORT's default size: one thread per physical core) that every
// session opened without an explicit thread count shares, so a bundle's five graphs do not start
// five pools whose idle workers spin against each other between alternating calls.
OrtEnv* environment() {
    static OrtEnv* env = [] {
        OrtThreadingOptions* threading = nullptr;
        check(ort().CreateThreadingOptions(&threading), AE_ERR_BACKEND_UNAVAILABLE, "cannot create threading options");
        OrtStatus* status = ort().SetGlobalIntraOpNumThreads(threading, 0);
        if (status == nullptr) status = ort().SetGlobalInterOpNumThreads(threading, 1);
        OrtEnv* created = nullptr;
        if (status == nullptr)
            status = ort().CreateEnvWithGlobalThreadPools(ORT_LOGGING_LEVEL_FATAL, "aenative", threading, &created);
        ort().ReleaseThreadingOptions(threading);
        check(status, AE_ERR_BACKEND_UNAVAILABLE, "cannot create the ONNX Runtime environment");
        return created;
    }();
    return env;
}

template <class T, void (*Release)(T*)> struct Releaser {
    void operator()(T* p) const noexcept {
        if (p) Release(p);
    }
};
void release_session(OrtSession* p) {
    ort().ReleaseSession(p);
}
void release_options(OrtSessionOptions* p) {
    ort().ReleaseSessionOptions(p);
}
void release_memory_info(OrtMemoryInfo* p) {
    ort().ReleaseMemoryInfo(p);
}
void release_value(OrtValue* p) {
    ort().ReleaseValue(p);
}
void release_type_info(OrtTypeInfo* p) {
    ort().ReleaseTypeInfo(p);
}
void release_cuda_options(OrtCUDAProviderOptionsV2* p) {
    ort().ReleaseCUDAProviderOptions(p);
}
using SessionPtr = std::unique_ptr<OrtSession, Releaser<OrtSession, release_session>>;
using OptionsPtr = std::unique_ptr<OrtSessionOptions, Releaser<OrtSessionOptions, release_options>>;
using MemoryInfoPtr = std::unique_ptr<OrtMemoryInfo, Releaser<OrtMemoryInfo, release_memory_info>>;
using ValuePtr = std::unique_ptr<OrtValue, Releaser<OrtValue, release_value>>;
using TypeInfoPtr = std::unique_ptr<OrtTypeInfo, Releaser<OrtTypeInfo, release_type_info>>;
using CudaOptionsPtr =
    std::unique_ptr<OrtCUDAProviderOptionsV2, Releaser<OrtCUDAProviderOptionsV2, release_cuda_options>>;

int32_t from_ort(ONNXTensorElementDataType t) {
    switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return AE_DTYPE_FLOAT32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return AE_DTYPE_INT64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return AE_DTYPE_INT32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return AE_DTYPE_UINT8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return AE_DTYPE_FLOAT16;
    default: return AE_DTYPE_UNSUPPORTED;
    }
}

ONNXTensorElementDataType to_ort(int32_t dtype) {
    switch (dtype) {
    case AE_DTYPE_FLOAT32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    case AE_DTYPE_INT64: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
    case AE_DTYPE_INT32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
    case AE_DTYPE_UINT8: return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
    case AE_DTYPE_FLOAT16: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
    default: throw Error(AE_ERR_INVALID_TENSOR, "unsupported element type " + std::to_string(dtype));
    }
}

class OnnxRuntimeBackend final : public Backend {
  public:
    OnnxRuntimeBackend(const std::string& path, const ae_session_options& options) {
        OrtSessionOptions* raw_options = nullptr;
        check(ort().CreateSessionOptions(&raw_options), AE_ERR_RUNTIME, "cannot create session options");
        OptionsPtr session_options(raw_options);
        if (options.threads > 0) {
            // An explicit thread count gets the session its own pool of that size.
            check(ort().SetIntraOpNumThreads(raw_options, options.threads), AE_ERR_INVALID_ARGUMENT, "threads");
            check(ort().SetInterOpNumThreads(raw_options, 1), AE_ERR_INVALID_ARGUMENT, "threads");
        } else {
            check(ort().DisablePerSessionThreads(raw_options), AE_ERR_RUNTIME, "threads");
        }
        if (options.device == AE_DEVICE_CUDA) append_cuda(raw_options, options.device_id, path);

        OrtSession* raw_session = nullptr;
        check(ort().CreateSession(environment(), path.c_str(), raw_options, &raw_session), AE_ERR_INVALID_MODEL,
              "cannot load graph '" + path + "'");
        session_.reset(raw_session);

        OrtMemoryInfo* info = nullptr;
        if (options.device == AE_DEVICE_CUDA)
            check(ort().CreateMemoryInfo("Cuda", OrtDeviceAllocator, options.device_id, OrtMemTypeDefault, &info),
                  AE_ERR_RUNTIME, "memory info");
        else
            check(ort().CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &info), AE_ERR_RUNTIME,
                  "memory info");
        memory_.reset(info);

        describe(path, true);
        describe(path, false);
        in_cache_.resize(inputs_.size());
        out_cache_.resize(outputs_.size());
    }

    ae_backend kind() const override { return AE_BACKEND_ONNXRUNTIME; }

    void run(const std::vector<Bound>& inputs, const std::vector<Bound>& outputs, void*) override {
        // ORT runs synchronously on its own streams, so the caller's stream needs no handling here.
        in_names_.clear();
        out_names_.clear();
        in_values_.clear();
        out_values_.clear();
        for (const auto& b : inputs) {
            in_names_.push_back(inputs_[static_cast<size_t>(b.index)].name.c_str());
            in_values_.push_back(wrap(*b.tensor, in_cache_[static_cast<size_t>(b.index)]));
        }
        for (const auto& b : outputs) {
            out_names_.push_back(outputs_[static_cast<size_t>(b.index)].name.c_str());
            out_values_.push_back(wrap(*b.tensor, out_cache_[static_cast<size_t>(b.index)]));
        }
        check(ort().Run(session_.get(), nullptr, in_names_.data(), in_values_.data(), in_values_.size(),
                        out_names_.data(), out_names_.size(), out_values_.data()),
              AE_ERR_RUNTIME, "run failed");
    }

  private:
    static void append_cuda(OrtSessionOptions* options, int32_t device_id, const std::string& path) {
        OrtCUDAProviderOptionsV2* raw = nullptr;
        check(ort().CreateCUDAProviderOptions(&raw), AE_ERR_BACKEND_UNAVAILABLE,
              "'" + path + "': ONNX Runtime's CUDA execution provider is not available");
        CudaOptionsPtr cuda(raw);
        const std::string id = std::to_string(device_id);
        const char* keys[] = {"device_id"};
        const char* values[] = {id.c_str()};
        check(ort().UpdateCUDAProviderOptions(raw, keys, values, 1), AE_ERR_BACKEND_UNAVAILABLE, "CUDA options");
        check(ort().SessionOptionsAppendExecutionProvider_CUDA_V2(options, raw), AE_ERR_BACKEND_UNAVAILABLE,
              "'" + path + "': ONNX Runtime's CUDA execution provider is not available");
    }

    // The OrtValue wrapping a tensor's buffer, reused while the caller binds the same buffer with
    // the same shape (the usual loop), which saves creating two ORT objects per tensor per run.
    struct Wrapped {
        ValuePtr value;
        const void* data = nullptr;
        uint64_t bytes = 0;
        int32_t dtype = 0;
        std::vector<int64_t> shape;
    };

    OrtValue* wrap(const ae_tensor& t, Wrapped& cache) const {
        const size_t rank = static_cast<size_t>(t.rank);
        if (cache.value && cache.data == t.data && cache.bytes == t.byte_length && cache.dtype == t.dtype &&
            cache.shape.size() == rank && std::equal(t.shape, t.shape + rank, cache.shape.begin()))
            return cache.value.get();
        cache.value.reset();
        OrtValue* value = nullptr;
        check(ort().CreateTensorWithDataAsOrtValue(memory_.get(), t.data, static_cast<size_t>(t.byte_length), t.shape,
                                                   rank, to_ort(t.dtype), &value),
              AE_ERR_INVALID_TENSOR, std::string("tensor '") + t.name + "'");
        cache.value.reset(value);
        cache.data = t.data;
        cache.bytes = t.byte_length;
        cache.dtype = t.dtype;
        cache.shape.assign(t.shape, t.shape + rank);
        return value;
    }

    void describe(const std::string& path, bool inputs) {
        size_t count = 0;
        check(inputs ? ort().SessionGetInputCount(session_.get(), &count)
                     : ort().SessionGetOutputCount(session_.get(), &count),
              AE_ERR_INVALID_MODEL, path);
        OrtAllocator* allocator = nullptr;
        check(ort().GetAllocatorWithDefaultOptions(&allocator), AE_ERR_RUNTIME, "allocator");
        auto& target = inputs ? inputs_ : outputs_;
        for (size_t i = 0; i < count; ++i) {
            TensorDesc desc;
            char* name = nullptr;
            check(inputs ? ort().SessionGetInputName(session_.get(), i, allocator, &name)
                         : ort().SessionGetOutputName(session_.get(), i, allocator, &name),
                  AE_ERR_INVALID_MODEL, path);
            desc.name = name;
            check(ort().AllocatorFree(allocator, name), AE_ERR_RUNTIME, "allocator");

            OrtTypeInfo* raw_type = nullptr;
            check(inputs ? ort().SessionGetInputTypeInfo(session_.get(), i, &raw_type)
                         : ort().SessionGetOutputTypeInfo(session_.get(), i, &raw_type),
                  AE_ERR_INVALID_MODEL, path);
            TypeInfoPtr type(raw_type);
            const OrtTensorTypeAndShapeInfo* tensor = nullptr;
            check(ort().CastTypeInfoToTensorInfo(raw_type, &tensor), AE_ERR_INVALID_MODEL, path);
            if (tensor != nullptr) {
                ONNXTensorElementDataType element{};
                check(ort().GetTensorElementType(tensor, &element), AE_ERR_INVALID_MODEL, path);
                desc.dtype = from_ort(element);
                size_t rank = 0;
                check(ort().GetDimensionsCount(tensor, &rank), AE_ERR_INVALID_MODEL, path);
                if (rank > AE_MAX_RANK)
                    throw Error(AE_ERR_INVALID_MODEL, "'" + path + "': tensor '" + desc.name + "' has rank " +
                                                          std::to_string(rank) + ", more than " +
                                                          std::to_string(AE_MAX_RANK));
                desc.shape.resize(rank);
                check(ort().GetDimensions(tensor, desc.shape.data(), rank), AE_ERR_INVALID_MODEL, path);
                for (auto& d : desc.shape)
                    if (d < 0) d = -1;
            }
            target.push_back(std::move(desc));
        }
    }

    SessionPtr session_;
    MemoryInfoPtr memory_;
    std::vector<Wrapped> in_cache_, out_cache_;
    std::vector<const char*> in_names_, out_names_;
    std::vector<const OrtValue*> in_values_;
    std::vector<OrtValue*> out_values_;
};

} // namespace

std::unique_ptr<Backend> open_onnxruntime(const std::string& path, const ae_session_options& options) {
    return std::make_unique<OnnxRuntimeBackend>(path, options);
}

void onnxruntime_capabilities(ae_capabilities& caps) {
    caps.has_onnxruntime = 1;
    const std::string version = OrtGetApiBase()->GetVersionString();
    version.copy(caps.onnxruntime_version, sizeof(caps.onnxruntime_version) - 1);
    char** providers = nullptr;
    int count = 0;
    check(ort().GetAvailableProviders(&providers, &count), AE_ERR_RUNTIME, "available providers");
    for (int i = 0; i < count; ++i)
        if (std::string(providers[i]) == "CUDAExecutionProvider") caps.onnxruntime_cuda = 1;
    check(ort().ReleaseAvailableProviders(providers, count), AE_ERR_RUNTIME, "available providers");
}

} // namespace ae
