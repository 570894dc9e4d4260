// The C ABI: argument checks, binding validation shared by all back ends, and the one place
// where C++ exceptions become a status code plus a thread-local message.
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <sys/stat.h>

#include "aenative.h"
#include "backend.h"

struct ae_session {
    std::string path;
    std::unique_ptr<ae::Backend> backend;
    // Per-run scratch, reused so that a run allocates nothing (a session runs on one thread at a time).
    std::vector<const ae_tensor*> slots;
    std::vector<ae::Bound> inputs, outputs;
};

namespace ae {

namespace {

thread_local std::string last_error;

template <class F> int32_t guarded(F&& body) noexcept {
    try {
        body();
        return AE_OK;
    } catch (const Error& e) {
        last_error = e.what();
        return e.status();
    } catch (const std::bad_alloc&) {
        last_error = "out of memory";
        return AE_ERR_RUNTIME;
    } catch (const std::exception& e) {
        last_error = e.what();
        return AE_ERR_RUNTIME;
    } catch (...) {
        last_error = "unknown native error";
        return AE_ERR_RUNTIME;
    }
}

void require(bool condition, const char* message) {
    if (!condition) throw Error(AE_ERR_INVALID_ARGUMENT, message);
}

bool ends_with(const std::string& s, const char* suffix) {
    size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

std::string names_of(const std::vector<TensorDesc>& descs) {
    std::string all;
    for (const auto& d : descs)
        all += (all.empty() ? "" : ", ") + d.name;
    return all;
}

// Checks one binding against its description: dtype, rank, static dims, buffer size.
void check_binding(const char* role, const TensorDesc& desc, const ae_tensor& t) {
    const std::string what = std::string(role) + " '" + desc.name + "'";
    if (t.dtype != desc.dtype)
        throw Error(AE_ERR_INVALID_TENSOR,
                    what + " is " + dtype_name(t.dtype) + " but the graph expects " + dtype_name(desc.dtype));
    if (t.rank < 0 || t.rank > AE_MAX_RANK || (t.rank > 0 && t.shape == nullptr))
        throw Error(AE_ERR_INVALID_ARGUMENT, what + " has an invalid rank or a null shape");
    bool fits = static_cast<size_t>(t.rank) == desc.shape.size();
    uint64_t elements = 1;
    for (int32_t i = 0; i < t.rank; ++i) {
        if (t.shape[i] < 0)
            throw Error(AE_ERR_INVALID_TENSOR, what + " has a negative dimension in " + shape_string(t.shape, t.rank));
        if (fits && desc.shape[i] >= 0 && desc.shape[i] != t.shape[i]) fits = false;
        elements *= static_cast<uint64_t>(t.shape[i]);
    }
    if (!fits)
        throw Error(AE_ERR_INVALID_TENSOR, what + " has shape " + shape_string(t.shape, t.rank) +
                                               " but the graph expects " +
                                               shape_string(desc.shape.data(), desc.shape.size()) + " (-1 = any)");
    const uint64_t needed = elements * dtype_size(t.dtype);
    if (needed != t.byte_length)
        throw Error(AE_ERR_INVALID_TENSOR, what + " of shape " + shape_string(t.shape, t.rank) + " needs " +
                                               std::to_string(needed) + " bytes but its buffer has " +
                                               std::to_string(t.byte_length));
    if (t.data == nullptr && needed > 0) throw Error(AE_ERR_INVALID_ARGUMENT, what + " has a null data pointer");
}

// Matches bindings to descriptions by name (pointer equality first: callers may pass the names
// ae_session_input/output returned) and fills `bound` in graph order.
void bind(const char* role, const std::vector<TensorDesc>& descs, const ae_tensor* tensors, int32_t count,
          bool all_required, std::vector<const ae_tensor*>& slots, std::vector<Bound>& bound) {
    require(count >= 0 && (count == 0 || tensors != nullptr), "tensor array is null or its count is negative");
    slots.assign(descs.size(), nullptr);
    bound.clear();
    for (int32_t k = 0; k < count; ++k) {
        const ae_tensor& t = tensors[k];
        require(t.name != nullptr, "a bound tensor has a null name");
        size_t i = 0;
        while (i < descs.size() && descs[i].name.c_str() != t.name)
            ++i;
        if (i == descs.size()) {
            i = 0;
            while (i < descs.size() && descs[i].name != t.name)
                ++i;
        }
        if (i == descs.size())
            throw Error(AE_ERR_INVALID_TENSOR, std::string("unknown ") + role + " '" + t.name + "'; the graph's " +
                                                   role + "s are: " + names_of(descs));
        if (slots[i] != nullptr)
            throw Error(AE_ERR_INVALID_TENSOR, std::string(role) + " '" + t.name + "' is bound twice");
        check_binding(role, descs[i], t);
        slots[i] = &t;
    }
    for (size_t i = 0; i < descs.size(); ++i) {
        if (slots[i] != nullptr)
            bound.push_back({static_cast<int32_t>(i), slots[i]});
        else if (all_required)
            throw Error(AE_ERR_INVALID_TENSOR, std::string(role) + " '" + descs[i].name + "' is not bound");
    }
    if (bound.empty() && !all_required) throw Error(AE_ERR_INVALID_TENSOR, std::string("no ") + role + " is bound");
}

void fill_info(const TensorDesc& desc, ae_tensor_info* out) {
    out->name = desc.name.c_str();
    out->dtype = desc.dtype;
    out->rank = static_cast<int32_t>(desc.shape.size());
    for (int i = 0; i < AE_MAX_RANK; ++i)
        out->shape[i] = i < out->rank ? desc.shape[static_cast<size_t>(i)] : 0;
}

} // namespace

size_t dtype_size(int32_t dtype) {
    switch (dtype) {
    case AE_DTYPE_FLOAT32: return 4;
    case AE_DTYPE_INT64: return 8;
    case AE_DTYPE_INT32: return 4;
    case AE_DTYPE_UINT8: return 1;
    case AE_DTYPE_FLOAT16: return 2;
    default: throw Error(AE_ERR_INVALID_TENSOR, "unsupported element type " + std::to_string(dtype));
    }
}

const char* dtype_name(int32_t dtype) {
    switch (dtype) {
    case AE_DTYPE_FLOAT32: return "float32";
    case AE_DTYPE_INT64: return "int64";
    case AE_DTYPE_INT32: return "int32";
    case AE_DTYPE_UINT8: return "uint8";
    case AE_DTYPE_FLOAT16: return "float16";
    default: return "an unsupported type";
    }
}

std::string shape_string(const int64_t* dims, size_t rank) {
    std::ostringstream s;
    s << '[';
    for (size_t i = 0; i < rank; ++i)
        s << (i ? "," : "") << dims[i];
    s << ']';
    return s.str();
}

} // namespace ae

using ae::Error;

extern "C" {

AE_API int32_t ae_abi_version(void) {
    return AE_ABI_VERSION;
}

AE_API const char* ae_last_error(void) {
    return ae::last_error.c_str();
}

AE_API int32_t ae_get_capabilities(ae_capabilities* out) {
    return ae::guarded([&] {
        ae::require(out != nullptr && out->struct_size >= sizeof(ae_capabilities),
                    "capabilities is null or its struct_size is too small");
        std::memset(reinterpret_cast<char*>(out) + sizeof(uint32_t), 0, sizeof(ae_capabilities) - sizeof(uint32_t));
        ae::onnxruntime_capabilities(*out);
#ifdef AE_WITH_TENSORRT
        ae::tensorrt_capabilities(*out);
#endif
    });
}

AE_API int32_t ae_session_open(const char* path, const ae_session_options* options, ae_session** out) {
    return ae::guarded([&] {
        ae::require(out != nullptr, "out is null");
        *out = nullptr;
        ae::require(path != nullptr && *path != '\0', "graph path is null or empty");
        ae_session_options opts{sizeof(ae_session_options), AE_BACKEND_AUTO, AE_DEVICE_CPU, 0, 0};
        if (options != nullptr) {
            ae::require(options->struct_size >= sizeof(ae_session_options), "options.struct_size is too small");
            opts = *options;
        }
        ae::require(opts.threads >= 0, "options.threads must be 0 (default) or positive");
        ae::require(opts.device == AE_DEVICE_CPU || opts.device == AE_DEVICE_CUDA, "options.device is unknown");
        const std::string file(path);
        struct stat st {};
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !std::ifstream(file, std::ios::binary).good())
            throw Error(AE_ERR_FILE_NOT_FOUND, "graph file '" + file + "' does not exist or cannot be read");

        int32_t backend = opts.backend;
        if (backend == AE_BACKEND_AUTO)
            backend = ae::ends_with(file, ".plan") || ae::ends_with(file, ".engine") ? AE_BACKEND_TENSORRT
                                                                                     : AE_BACKEND_ONNXRUNTIME;
        auto session = std::make_unique<ae_session>();
        session->path = file;
        if (backend == AE_BACKEND_ONNXRUNTIME) {
            session->backend = ae::open_onnxruntime(file, opts);
        } else if (backend == AE_BACKEND_TENSORRT) {
#ifdef AE_WITH_TENSORRT
            session->backend = ae::open_tensorrt(file, opts);
#else
            throw Error(AE_ERR_BACKEND_UNAVAILABLE,
                        "'" + file + "' needs the TensorRT back end, which this build of aenative does not include");
#endif
        } else {
            throw Error(AE_ERR_INVALID_ARGUMENT, "options.backend is unknown");
        }
        *out = session.release();
    });
}

AE_API void ae_session_close(ae_session* session) {
    // Destructors of back ends do not throw; guarded() keeps that promise if one ever did.
    ae::guarded([&] { delete session; });
}

AE_API int32_t ae_session_backend(const ae_session* session, int32_t* out) {
    return ae::guarded([&] {
        ae::require(session != nullptr && out != nullptr, "session or out is null");
        *out = session->backend->kind();
    });
}

AE_API int32_t ae_session_io_count(const ae_session* session, int32_t* inputs, int32_t* outputs) {
    return ae::guarded([&] {
        ae::require(session != nullptr && inputs != nullptr && outputs != nullptr, "session or out is null");
        *inputs = static_cast<int32_t>(session->backend->inputs().size());
        *outputs = static_cast<int32_t>(session->backend->outputs().size());
    });
}

AE_API int32_t ae_session_input(const ae_session* session, int32_t index, ae_tensor_info* out) {
    return ae::guarded([&] {
        ae::require(session != nullptr && out != nullptr, "session or out is null");
        const auto& all = session->backend->inputs();
        ae::require(index >= 0 && static_cast<size_t>(index) < all.size(), "input index out of range");
        ae::fill_info(all[static_cast<size_t>(index)], out);
    });
}

AE_API int32_t ae_session_output(const ae_session* session, int32_t index, ae_tensor_info* out) {
    return ae::guarded([&] {
        ae::require(session != nullptr && out != nullptr, "session or out is null");
        const auto& all = session->backend->outputs();
        ae::require(index >= 0 && static_cast<size_t>(index) < all.size(), "output index out of range");
        ae::fill_info(all[static_cast<size_t>(index)], out);
    });
}

AE_API int32_t ae_session_run(ae_session* session, const ae_tensor* inputs, int32_t input_count,
                              const ae_tensor* outputs, int32_t output_count, void* cuda_stream) {
    return ae::guarded([&] {
        ae::require(session != nullptr, "session is null");
        auto& backend = *session->backend;
        ae::bind("input", backend.inputs(), inputs, input_count, true, session->slots, session->inputs);
        ae::bind("output", backend.outputs(), outputs, output_count, false, session->slots, session->outputs);
        backend.run(session->inputs, session->outputs, cuda_stream);
    });
}

AE_API int32_t ae_build_plan(const char* onnx_path, const char* plan_path, const ae_shape_profile* profiles,
                             int32_t profile_count, int32_t fp16, int32_t device_id) {
    return ae::guarded([&] {
        ae::require(onnx_path != nullptr && plan_path != nullptr, "a path is null");
        ae::require(profile_count >= 0 && (profile_count == 0 || profiles != nullptr), "profiles are null");
#ifdef AE_WITH_TENSORRT
        ae::build_tensorrt_plan(onnx_path, plan_path, profiles, profile_count, fp16 != 0, device_id);
#else
        (void)fp16;
        (void)device_id;
        throw Error(AE_ERR_BACKEND_UNAVAILABLE,
                    "building a plan needs TensorRT, which this build of aenative does not include");
#endif
    });
}

} // extern "C"
