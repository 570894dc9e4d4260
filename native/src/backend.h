// Internal interface every back end implements; the C ABI in api.cpp validates bindings against
// the description a back end publishes, so a back end's run() only sees well-formed tensors.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aenative.h"

namespace ae {

// The one exception type thrown inside the library; api.cpp turns it into a status + message.
class Error : public std::runtime_error {
  public:
    Error(ae_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
    ae_status status() const noexcept { return status_; }

  private:
    ae_status status_;
};

struct TensorDesc {
    std::string name;
    int32_t dtype = AE_DTYPE_UNSUPPORTED;
    std::vector<int64_t> shape; // -1 = dynamic
};

// A bound tensor in graph order: index into inputs()/outputs() plus the caller's binding.
struct Bound {
    int32_t index;
    const ae_tensor* tensor;
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual ae_backend kind() const = 0;
    const std::vector<TensorDesc>& inputs() const { return inputs_; }
    const std::vector<TensorDesc>& outputs() const { return outputs_; }
    // inputs: every graph input once, in graph order; outputs: a non-empty subset in graph order.
    virtual void run(const std::vector<Bound>& inputs, const std::vector<Bound>& outputs, void* cuda_stream) = 0;

  protected:
    std::vector<TensorDesc> inputs_;
    std::vector<TensorDesc> outputs_;
};

std::unique_ptr<Backend> open_onnxruntime(const std::string& path, const ae_session_options& options);
void onnxruntime_capabilities(ae_capabilities& caps);

#ifdef AE_WITH_TENSORRT
std::unique_ptr<Backend> open_tensorrt(const std::string& path, const ae_session_options& options);
void tensorrt_capabilities(ae_capabilities& caps);
void build_tensorrt_plan(const std::string& onnx_path, const std::string& plan_path, const ae_shape_profile* profiles,
                         int32_t profile_count, bool fp16, int32_t device_id);
#endif

size_t dtype_size(int32_t dtype);
const char* dtype_name(int32_t dtype);
std::string shape_string(const int64_t* dims, size_t rank);

} // namespace ae
