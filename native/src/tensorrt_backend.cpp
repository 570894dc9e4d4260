// TensorRT 10 back end: deserialise a plan, bind IO by name, run with enqueueV3 on a session
// stream, and replay a captured CUDA graph while shapes and addresses stay the same. Also the
// builder that turns an ONNX file into a plan with optimisation profiles.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>

#include "backend.h"

namespace ae {
namespace {

// TensorRT wants tensor addresses aligned to 256 bytes (TensorRT developer guide, "I/O tensors").
constexpr uintptr_t kAlignment = 256;

// Keeps the last error TensorRT reported on this thread so failures can say why.
class Logger final : public nvinfer1::ILogger {
  public:
    void log(Severity severity, const char* message) noexcept override {
        if (severity > Severity::kWARNING) return;
        try {
            last() = message;
        } catch (...) {
        }
    }
    static std::string& last() {
        thread_local std::string message;
        return message;
    }
};

// The logger must outlive every TensorRT object, including those closed by finalizers at exit.
Logger& logger() {
    static Logger* instance = new Logger();
    return *instance;
}

std::string why() {
    std::string& message = Logger::last();
    std::string result = message.empty() ? std::string() : " (" + message + ")";
    message.clear();
    return result;
}

void check_cuda(cudaError_t error, const char* what) {
    if (error != cudaSuccess) throw Error(AE_ERR_RUNTIME, std::string(what) + ": " + cudaGetErrorString(error));
}

// cudaSetDevice would replace a context the caller made current (ILGPU's), so it is only called
// when the current device differs.
void use_device(int32_t device_id) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0)
        throw Error(AE_ERR_BACKEND_UNAVAILABLE, "TensorRT needs a CUDA device and none is usable");
    if (device_id < 0 || device_id >= count)
        throw Error(AE_ERR_BACKEND_UNAVAILABLE, "CUDA device " + std::to_string(device_id) + " does not exist (" +
                                                    std::to_string(count) + " visible)");
    int current = -1;
    if (cudaGetDevice(&current) != cudaSuccess || current != device_id)
        check_cuda(cudaSetDevice(device_id), "cudaSetDevice");
}

int32_t from_trt(nvinfer1::DataType t) {
    switch (t) {
    case nvinfer1::DataType::kFLOAT: return AE_DTYPE_FLOAT32;
    case nvinfer1::DataType::kHALF: return AE_DTYPE_FLOAT16;
    case nvinfer1::DataType::kINT32: return AE_DTYPE_INT32;
    case nvinfer1::DataType::kINT64: return AE_DTYPE_INT64;
    case nvinfer1::DataType::kUINT8: return AE_DTYPE_UINT8;
    default: return AE_DTYPE_UNSUPPORTED;
    }
}

nvinfer1::Dims to_dims(const int64_t* shape, int32_t rank) {
    nvinfer1::Dims dims{};
    dims.nbDims = rank;
    for (int32_t i = 0; i < rank; ++i)
        dims.d[i] = shape[i];
    return dims;
}

class TensorRtBackend final : public Backend {
  public:
    TensorRtBackend(const std::string& path, const ae_session_options& options) : device_id_(options.device_id) {
        // TensorRT has no CPU mode: a TensorRT session is a CUDA session whatever the device option says.
        use_device(device_id_);
        std::ifstream file(path, std::ios::binary | std::ios::ate);
        const std::streamsize size = file.tellg();
        file.seekg(0);
        std::vector<char> plan(static_cast<size_t>(size > 0 ? size : 0));
        if (size <= 0 || !file.read(plan.data(), size))
            throw Error(AE_ERR_INVALID_MODEL, "'" + path + "' is empty or unreadable");

        runtime_.reset(nvinfer1::createInferRuntime(logger()));
        if (!runtime_) throw Error(AE_ERR_BACKEND_UNAVAILABLE, "cannot create the TensorRT runtime" + why());
        engine_.reset(runtime_->deserializeCudaEngine(plan.data(), plan.size()));
        if (!engine_)
            throw Error(AE_ERR_INVALID_MODEL,
                        "'" + path + "' is not a TensorRT plan for this TensorRT version and GPU" + why());
        context_.reset(engine_->createExecutionContext());
        if (!context_) throw Error(AE_ERR_RUNTIME, "cannot create a TensorRT execution context" + why());
        check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
        check_cuda(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming), "cudaEventCreate");

        for (int32_t i = 0; i < engine_->getNbIOTensors(); ++i) {
            const char* name = engine_->getIOTensorName(i);
            TensorDesc desc;
            desc.name = name;
            desc.dtype = from_trt(engine_->getTensorDataType(name));
            const nvinfer1::Dims dims = engine_->getTensorShape(name);
            for (int32_t d = 0; d < dims.nbDims; ++d)
                desc.shape.push_back(dims.d[d] < 0 ? -1 : dims.d[d]);
            if (engine_->getTensorIOMode(name) == nvinfer1::TensorIOMode::kINPUT)
                inputs_.push_back(std::move(desc));
            else
                outputs_.push_back(std::move(desc));
        }
        scratch_.resize(outputs_.size());
    }

    ~TensorRtBackend() override {
        if (graph_) cudaGraphExecDestroy(graph_);
        for (auto& s : scratch_)
            if (s.data) cudaFree(s.data);
        if (ready_) cudaEventDestroy(ready_);
        if (stream_) cudaStreamDestroy(stream_);
        // Members release the context, engine and runtime in that order.
    }

    ae_backend kind() const override { return AE_BACKEND_TENSORRT; }

    void run(const std::vector<Bound>& inputs, const std::vector<Bound>& outputs, void* cuda_stream) override {
        use_device(device_id_);
        std::vector<int64_t> key; // input shapes and every address: equal keys replay the same graph
        for (const auto& b : inputs) {
            const ae_tensor& t = *b.tensor;
            if (!context_->setInputShape(t.name, to_dims(t.shape, t.rank)))
                throw Error(AE_ERR_INVALID_TENSOR, std::string("input '") + t.name + "' has shape " +
                                                       shape_string(t.shape, static_cast<size_t>(t.rank)) +
                                                       ", outside the plan's optimisation profile" + why());
            key.insert(key.end(), t.shape, t.shape + t.rank);
            bind_address(t.name, t.data, key);
        }
        std::vector<bool> bound(outputs_.size(), false);
        for (const auto& b : outputs) {
            const ae_tensor& t = *b.tensor;
            const nvinfer1::Dims expected = context_->getTensorShape(t.name);
            bool same = expected.nbDims == t.rank;
            for (int32_t d = 0; same && d < t.rank; ++d)
                same = expected.d[d] == t.shape[d];
            if (!same)
                throw Error(AE_ERR_INVALID_TENSOR, std::string("output '") + t.name + "' has shape " +
                                                       shape_string(t.shape, static_cast<size_t>(t.rank)) +
                                                       " but these inputs give " +
                                                       shape_string(expected.d, static_cast<size_t>(expected.nbDims)));
            bind_address(t.name, t.data, key);
            bound[static_cast<size_t>(b.index)] = true;
        }
        // TensorRT writes every output: unbound ones go to session-owned scratch memory.
        for (size_t i = 0; i < outputs_.size(); ++i)
            if (!bound[i]) bind_address(outputs_[i].name.c_str(), scratch_for(i), key);
        if (!context_->allInputDimensionsSpecified())
            throw Error(AE_ERR_INVALID_TENSOR, "some input shapes are not specified" + why());

        if (cuda_stream != nullptr) {
            check_cuda(cudaEventRecord(ready_, static_cast<cudaStream_t>(cuda_stream)), "cudaEventRecord");
            check_cuda(cudaStreamWaitEvent(stream_, ready_, 0), "cudaStreamWaitEvent");
        }
        if (graph_ && key == graph_key_) {
            check_cuda(cudaGraphLaunch(graph_, stream_), "cudaGraphLaunch");
        } else if (key == last_key_ && key != uncapturable_key_) {
            // The previous run had these shapes, so TensorRT's shape-dependent setup is done:
            // capture this run and replay it while nothing changes.
            capture(key);
        } else {
            enqueue();
        }
        last_key_ = std::move(key);
        check_cuda(cudaStreamSynchronize(stream_), "TensorRT run");
    }

  private:
    struct Scratch {
        void* data = nullptr;
        size_t bytes = 0;
    };

    void bind_address(const char* name, void* data, std::vector<int64_t>& key) {
        if (reinterpret_cast<uintptr_t>(data) % kAlignment != 0)
            throw Error(AE_ERR_INVALID_TENSOR, std::string("tensor '") + name +
                                                   "' is not 256-byte aligned; TensorRT needs aligned device buffers");
        // A host pointer here would make the GPU fault later, far from the cause: refuse it now.
        cudaPointerAttributes attributes{};
        if (cudaPointerGetAttributes(&attributes, data) != cudaSuccess ||
            (attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged)) {
            cudaGetLastError();
            throw Error(AE_ERR_INVALID_TENSOR,
                        std::string("tensor '") + name + "' is not CUDA device memory; TensorRT reads device buffers");
        }
        if (!context_->setTensorAddress(name, data))
            throw Error(AE_ERR_INVALID_TENSOR, std::string("tensor '") + name + "' cannot be bound" + why());
        key.push_back(static_cast<int64_t>(reinterpret_cast<uintptr_t>(data)));
    }

    void* scratch_for(size_t output) {
        const nvinfer1::Dims dims = context_->getTensorShape(outputs_[output].name.c_str());
        size_t bytes = dtype_size(outputs_[output].dtype);
        for (int32_t d = 0; d < dims.nbDims; ++d)
            bytes *= static_cast<size_t>(dims.d[d] > 0 ? dims.d[d] : 1);
        Scratch& s = scratch_[output];
        if (s.bytes < bytes) {
            if (s.data) check_cuda(cudaFree(s.data), "cudaFree");
            s = {};
            check_cuda(cudaMalloc(&s.data, bytes), "cudaMalloc");
            s.bytes = bytes;
        }
        return s.data;
    }

    void enqueue() {
        if (!context_->enqueueV3(stream_)) throw Error(AE_ERR_RUNTIME, "TensorRT enqueueV3 failed" + why());
    }

    void capture(const std::vector<int64_t>& key) {
        if (graph_) {
            check_cuda(cudaGraphExecDestroy(graph_), "cudaGraphExecDestroy");
            graph_ = nullptr;
        }
        check_cuda(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
        const bool queued = context_->enqueueV3(stream_);
        cudaGraph_t graph = nullptr;
        const cudaError_t ended = cudaStreamEndCapture(stream_, &graph);
        cudaGraphExec_t exec = nullptr;
        const bool ok =
            queued && ended == cudaSuccess && graph != nullptr && cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess;
        if (graph) cudaGraphDestroy(graph);
        if (!ok) {
            // Some plans (e.g. with data-dependent shapes) cannot be captured: run them directly.
            cudaGetLastError();
            uncapturable_key_ = key;
            enqueue();
            return;
        }
        graph_ = exec;
        graph_key_ = key;
        check_cuda(cudaGraphLaunch(graph_, stream_), "cudaGraphLaunch");
    }

    int32_t device_id_;
    std::unique_ptr<nvinfer1::IRuntime> runtime_;
    std::unique_ptr<nvinfer1::ICudaEngine> engine_;
    std::unique_ptr<nvinfer1::IExecutionContext> context_;
    cudaStream_t stream_ = nullptr;
    cudaEvent_t ready_ = nullptr;
    cudaGraphExec_t graph_ = nullptr;
    std::vector<int64_t> graph_key_, last_key_, uncapturable_key_;
    std::vector<Scratch> scratch_;
};

} // namespace

std::unique_ptr<Backend> open_tensorrt(const std::string& path, const ae_session_options& options) {
    return std::make_unique<TensorRtBackend>(path, options);
}

void tensorrt_capabilities(ae_capabilities& caps) {
    caps.has_tensorrt = 1;
    // getInferLibVersion() is major * 10000 + minor * 100 + patch since TensorRT 10.
    const int32_t v = getInferLibVersion();
    std::snprintf(caps.tensorrt_version, sizeof(caps.tensorrt_version), "%d.%d.%d", v / 10000, (v / 100) % 100,
                  v % 100);
    int count = 0;
    caps.cuda_devices = cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
    cudaGetLastError();
}

void build_tensorrt_plan(const std::string& onnx_path, const std::string& plan_path, const ae_shape_profile* profiles,
                         int32_t profile_count, bool fp16, int32_t device_id) {
    use_device(device_id);
    std::unique_ptr<nvinfer1::IBuilder> builder(nvinfer1::createInferBuilder(logger()));
    if (!builder) throw Error(AE_ERR_BACKEND_UNAVAILABLE, "cannot create the TensorRT builder" + why());
    std::unique_ptr<nvinfer1::INetworkDefinition> network(builder->createNetworkV2(0));
    std::unique_ptr<nvonnxparser::IParser> parser(nvonnxparser::createParser(*network, logger()));
    if (!network || !parser) throw Error(AE_ERR_RUNTIME, "cannot create the TensorRT network or ONNX parser" + why());
    if (!parser->parseFromFile(onnx_path.c_str(), static_cast<int32_t>(nvinfer1::ILogger::Severity::kWARNING))) {
        std::string errors;
        for (int32_t i = 0; i < parser->getNbErrors(); ++i)
            errors += std::string("; ") + parser->getError(i)->desc();
        throw Error(AE_ERR_INVALID_MODEL, "TensorRT cannot parse '" + onnx_path + "'" + errors);
    }

    std::unique_ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
    nvinfer1::IOptimizationProfile* profile = builder->createOptimizationProfile(); // owned by the builder
    for (int32_t i = 0; i < network->getNbInputs(); ++i) {
        const nvinfer1::ITensor* input = network->getInput(i);
        const nvinfer1::Dims dims = input->getDimensions();
        bool dynamic = false;
        for (int32_t d = 0; d < dims.nbDims; ++d)
            dynamic |= dims.d[d] < 0;
        const ae_shape_profile* p = nullptr;
        for (int32_t k = 0; k < profile_count; ++k)
            if (profiles[k].name != nullptr && std::string(profiles[k].name) == input->getName()) p = &profiles[k];
        if (p == nullptr) {
            if (dynamic)
                throw Error(AE_ERR_INVALID_ARGUMENT, std::string("input '") + input->getName() +
                                                         "' has dynamic shape " +
                                                         shape_string(dims.d, static_cast<size_t>(dims.nbDims)) +
                                                         "; give it a min/opt/max profile");
            continue;
        }
        if (p->rank != dims.nbDims)
            throw Error(AE_ERR_INVALID_ARGUMENT, std::string("the profile of '") + input->getName() + "' has rank " +
                                                     std::to_string(p->rank) + " but the input has rank " +
                                                     std::to_string(dims.nbDims));
        using Sel = nvinfer1::OptProfileSelector;
        if (!profile->setDimensions(input->getName(), Sel::kMIN, to_dims(p->min, p->rank)) ||
            !profile->setDimensions(input->getName(), Sel::kOPT, to_dims(p->opt, p->rank)) ||
            !profile->setDimensions(input->getName(), Sel::kMAX, to_dims(p->max, p->rank)))
            throw Error(AE_ERR_INVALID_ARGUMENT, std::string("the profile of '") + input->getName() +
                                                     "' is invalid (need min <= opt <= max)" + why());
    }
    if (profile_count > 0 && config->addOptimizationProfile(profile) < 0)
        throw Error(AE_ERR_INVALID_ARGUMENT, "TensorRT rejected the optimisation profile" + why());
    if (fp16) {
#if NV_TENSORRT_MAJOR < 11
        // kFP16 is deprecated in late 10.x in favour of strongly typed networks, yet it remains the
        // way to let TensorRT choose half-precision kernels for an fp32 ONNX graph.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        config->setFlag(nvinfer1::BuilderFlag::kFP16);
#pragma GCC diagnostic pop
#else
        throw Error(AE_ERR_INVALID_ARGUMENT, "TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                                                 " builds strongly typed networks only: export '" + onnx_path +
                                                 "' in float16 instead of asking for fp16");
#endif
    }

    std::unique_ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
    if (!plan || plan->size() == 0)
        throw Error(AE_ERR_INVALID_MODEL, "TensorRT could not build '" + onnx_path + "'" + why());
    const std::string temp = plan_path + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(static_cast<const char*>(plan->data()), static_cast<std::streamsize>(plan->size()));
        if (!out.flush()) throw Error(AE_ERR_RUNTIME, "cannot write '" + temp + "'");
    }
    if (std::rename(temp.c_str(), plan_path.c_str()) != 0) {
        std::remove(temp.c_str());
        throw Error(AE_ERR_RUNTIME, "cannot rename '" + temp + "' to '" + plan_path + "'");
    }
}

} // namespace ae
