// Tests of the TensorRT back end through the C ABI; built only with TensorRT and skipped when no
// CUDA device is usable. Expected values come from the fixture formulas and from the ONNX Runtime
// back end running the same graph.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "aenative.h"

namespace {

std::string fixture(const char* name) {
    return std::string(AE_FIXTURES) + "/" + name;
}

std::string plan_path(const char* name) {
    return testing::TempDir() + name;
}

bool have_gpu() {
    ae_capabilities caps{};
    caps.struct_size = sizeof(caps);
    return ae_get_capabilities(&caps) == AE_OK && caps.has_tensorrt && caps.cuda_devices > 0;
}

// A device buffer of floats (cudaMalloc returns 256-byte aligned memory).
struct DeviceFloats {
    float* data = nullptr;
    size_t count;
    explicit DeviceFloats(size_t n) : count(n) {
        EXPECT_EQ(cudaMalloc(reinterpret_cast<void**>(&data), n * 4), cudaSuccess);
    }
    ~DeviceFloats() { cudaFree(data); }
    DeviceFloats(const DeviceFloats&) = delete;
    DeviceFloats& operator=(const DeviceFloats&) = delete;
    void upload(const std::vector<float>& host) {
        ASSERT_EQ(cudaMemcpy(data, host.data(), host.size() * 4, cudaMemcpyHostToDevice), cudaSuccess);
    }
    std::vector<float> download() const {
        std::vector<float> host(count);
        EXPECT_EQ(cudaMemcpy(host.data(), data, count * 4, cudaMemcpyDeviceToHost), cudaSuccess);
        return host;
    }
};

ae_session* open_plan(const std::string& path) {
    ae_session* s = nullptr;
    ae_session_options options{};
    options.struct_size = sizeof(options);
    options.device = AE_DEVICE_CUDA;
    EXPECT_EQ(ae_session_open(path.c_str(), &options, &s), AE_OK) << ae_last_error();
    return s;
}

ae_tensor floats(const char* name, const int64_t* shape, int32_t rank, void* data, size_t count) {
    return ae_tensor{name, AE_DTYPE_FLOAT32, rank, shape, data, count * 4};
}

TEST(TensorRT, dynamic_batch_plan_runs_inside_its_profile_and_rejects_outside) {
    if (!have_gpu()) GTEST_SKIP() << "no CUDA device";
    const std::string plan = plan_path("batch_affine.plan");
    ae_shape_profile profile{"x", 2, {1, 3}, {4, 3}, {8, 3}};
    ASSERT_EQ(ae_build_plan(fixture("batch_affine.onnx").c_str(), plan.c_str(), &profile, 1, 0, 0), AE_OK)
        << ae_last_error();
    ae_session* s = open_plan(plan);
    ASSERT_NE(s, nullptr);
    int32_t backend = 0;
    ASSERT_EQ(ae_session_backend(s, &backend), AE_OK);
    EXPECT_EQ(backend, AE_BACKEND_TENSORRT);
    for (int64_t batch : {2, 5, 5, 5, 1}) { // repeated shapes exercise capture and replay
        std::vector<float> x(static_cast<size_t>(batch * 3));
        for (size_t i = 0; i < x.size(); ++i)
            x[i] = 0.5f * static_cast<float>(i) - static_cast<float>(batch);
        DeviceFloats dx(x.size()), dy(x.size());
        dx.upload(x);
        const int64_t shape[] = {batch, 3};
        ae_tensor in = floats("x", shape, 2, dx.data, x.size()), out = floats("y", shape, 2, dy.data, x.size());
        ASSERT_EQ(ae_session_run(s, &in, 1, &out, 1, nullptr), AE_OK) << ae_last_error();
        const auto y = dy.download();
        for (size_t i = 0; i < x.size(); ++i)
            EXPECT_FLOAT_EQ(y[i], 2 * x[i] + 1);
    }
    DeviceFloats big(27);
    const int64_t too_big[] = {9, 3};
    ae_tensor in = floats("x", too_big, 2, big.data, 27), out = floats("y", too_big, 2, big.data, 27);
    EXPECT_EQ(ae_session_run(s, &in, 1, &out, 1, nullptr), AE_ERR_INVALID_TENSOR);
    ae_session_close(s);
    std::remove(plan.c_str());
}

TEST(TensorRT, replayed_graph_reads_new_contents_of_the_same_buffers) {
    if (!have_gpu()) GTEST_SKIP() << "no CUDA device";
    const std::string plan = plan_path("elementwise.plan");
    ASSERT_EQ(ae_build_plan(fixture("elementwise.onnx").c_str(), plan.c_str(), nullptr, 0, 0, 0), AE_OK)
        << ae_last_error();
    ae_session* s = open_plan(plan);
    ASSERT_NE(s, nullptr);
    DeviceFloats dx(6), dy(6);
    const int64_t shape[] = {2, 3};
    ae_tensor in = floats("x", shape, 2, dx.data, 6), out = floats("y", shape, 2, dy.data, 6);
    for (int run = 0; run < 4; ++run) {
        std::vector<float> x{1.f * run, 2, 3, -4, 5, -6.f * run};
        dx.upload(x);
        ASSERT_EQ(ae_session_run(s, &in, 1, &out, 1, nullptr), AE_OK) << ae_last_error();
        const auto y = dy.download();
        for (size_t i = 0; i < 6; ++i)
            EXPECT_FLOAT_EQ(y[i], 2 * x[i] + 1) << "run " << run;
    }
    // Misaligned and host addresses are refused before TensorRT sees them.
    ae_tensor misaligned = floats("x", shape, 2, reinterpret_cast<char*>(dx.data) + 4, 6);
    EXPECT_EQ(ae_session_run(s, &misaligned, 1, &out, 1, nullptr), AE_ERR_INVALID_TENSOR);
    EXPECT_NE(std::string(ae_last_error()).find("aligned"), std::string::npos);
    alignas(256) static float host[6] = {};
    ae_tensor on_host = floats("x", shape, 2, host, 6);
    EXPECT_EQ(ae_session_run(s, &on_host, 1, &out, 1, nullptr), AE_ERR_INVALID_TENSOR);
    ae_session_close(s);
    std::remove(plan.c_str());
}

TEST(TensorRT, small_conv_plan_matches_onnxruntime) {
    if (!have_gpu()) GTEST_SKIP() << "no CUDA device";
    const std::string plan = plan_path("small_conv.plan");
    ASSERT_EQ(ae_build_plan(fixture("small_conv.onnx").c_str(), plan.c_str(), nullptr, 0, 0, 0), AE_OK)
        << ae_last_error();
    std::vector<float> x(3 * 32 * 32), expected(4 * 30 * 30);
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = 0.01f * static_cast<float>(i % 97) - 0.4f;
    const int64_t in_shape[] = {1, 3, 32, 32}, out_shape[] = {1, 4, 30, 30};
    {
        ae_session* cpu = nullptr;
        ASSERT_EQ(ae_session_open(fixture("small_conv.onnx").c_str(), nullptr, &cpu), AE_OK) << ae_last_error();
        ae_tensor in = floats("x", in_shape, 4, x.data(), x.size()),
                  out = floats("y", out_shape, 4, expected.data(), expected.size());
        ASSERT_EQ(ae_session_run(cpu, &in, 1, &out, 1, nullptr), AE_OK) << ae_last_error();
        ae_session_close(cpu);
    }
    ae_session* s = open_plan(plan);
    ASSERT_NE(s, nullptr);
    DeviceFloats dx(x.size()), dy(expected.size());
    dx.upload(x);
    ae_tensor in = floats("x", in_shape, 4, dx.data, x.size()),
              out = floats("y", out_shape, 4, dy.data, expected.size());
    ASSERT_EQ(ae_session_run(s, &in, 1, &out, 1, nullptr), AE_OK) << ae_last_error();
    const auto y = dy.download();
    // TensorRT may use TF32 convolutions on Ampere and later: about 1e-3 relative.
    for (size_t i = 0; i < y.size(); ++i)
        EXPECT_NEAR(y[i], expected[i], 2e-3 * (1 + std::abs(expected[i])));
    ae_session_close(s);
    std::remove(plan.c_str());
}

} // namespace
