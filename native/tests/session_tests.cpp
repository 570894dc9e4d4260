// Tests of the C ABI on the ONNX Runtime back end, using the fixtures written by
// tools/make_fixtures.py; expected values come from the formulas documented there.
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aenative.h"

namespace {

std::string fixture(const char* name) {
    return std::string(AE_FIXTURES) + "/" + name;
}

struct Session {
    ae_session* s = nullptr;
    explicit Session(const std::string& path, const ae_session_options* options = nullptr) {
        int32_t status = ae_session_open(path.c_str(), options, &s);
        EXPECT_EQ(status, AE_OK) << ae_last_error();
    }
    ~Session() { ae_session_close(s); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
};

// Keeps every shape a test binds alive until the process ends (ae_tensor only points at it).
ae_tensor tensor(const char* name, int32_t dtype, const std::vector<int64_t>& shape, void* data, uint64_t bytes) {
    static std::deque<std::vector<int64_t>> shapes;
    shapes.push_back(shape);
    return ae_tensor{name, dtype, static_cast<int32_t>(shape.size()), shapes.back().data(), data, bytes};
}

ae_tensor floats(const char* name, const std::vector<int64_t>& shape, std::vector<float>& data) {
    return tensor(name, AE_DTYPE_FLOAT32, shape, data.data(), data.size() * sizeof(float));
}

// y = x W + b + offset with W[i][j] = (i + 1) - 0.5 j, b[j] = 0.25 j (tools/make_fixtures.py).
float dynamic_batch_expected(const std::vector<float>& x, int64_t row, int j, int64_t offset) {
    float sum = 0.25f * j + static_cast<float>(offset);
    for (int i = 0; i < 4; ++i)
        sum += x[static_cast<size_t>(row * 4 + i)] * ((i + 1) - 0.5f * j);
    return sum;
}

TEST(Abi, version_matches_the_header) {
    EXPECT_EQ(ae_abi_version(), AE_ABI_VERSION);
}

TEST(Abi, capabilities_report_the_linked_onnxruntime) {
    ae_capabilities caps{};
    caps.struct_size = sizeof(caps);
    ASSERT_EQ(ae_get_capabilities(&caps), AE_OK) << ae_last_error();
    EXPECT_EQ(caps.has_onnxruntime, 1);
    EXPECT_STREQ(caps.onnxruntime_version, "1.31.1");
#ifdef AE_WITH_TENSORRT
    EXPECT_EQ(caps.has_tensorrt, 1);
#endif
}

TEST(Abi, capabilities_reject_a_short_struct) {
    ae_capabilities caps{};
    caps.struct_size = 4;
    EXPECT_EQ(ae_get_capabilities(&caps), AE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(ae_last_error()).find("struct_size"), std::string::npos);
}

TEST(Open, missing_file_is_reported_with_its_path) {
    ae_session* s = reinterpret_cast<ae_session*>(0x1);
    EXPECT_EQ(ae_session_open("/nonexistent/graph.onnx", nullptr, &s), AE_ERR_FILE_NOT_FOUND);
    EXPECT_EQ(s, nullptr);
    EXPECT_NE(std::string(ae_last_error()).find("/nonexistent/graph.onnx"), std::string::npos);
}

TEST(Open, corrupt_file_is_an_invalid_model) {
    const std::string path = testing::TempDir() + "corrupt.onnx";
    std::ofstream(path, std::ios::binary) << "this is not a protobuf \x01\x02\x03";
    ae_session* s = nullptr;
    EXPECT_EQ(ae_session_open(path.c_str(), nullptr, &s), AE_ERR_INVALID_MODEL);
    EXPECT_EQ(s, nullptr);
    EXPECT_NE(std::string(ae_last_error()).find(path), std::string::npos);
    std::remove(path.c_str());
}

TEST(Open, null_arguments_are_rejected) {
    ae_session* s = nullptr;
    EXPECT_EQ(ae_session_open(nullptr, nullptr, &s), AE_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(ae_session_open(fixture("elementwise.onnx").c_str(), nullptr, nullptr), AE_ERR_INVALID_ARGUMENT);
    ae_session_options bad{};
    bad.struct_size = sizeof(bad);
    bad.threads = -2;
    EXPECT_EQ(ae_session_open(fixture("elementwise.onnx").c_str(), &bad, &s), AE_ERR_INVALID_ARGUMENT);
    ae_session_close(nullptr); // must be a no-op
}

TEST(Open, unavailable_backends_are_reported) {
    ae_capabilities caps{};
    caps.struct_size = sizeof(caps);
    ASSERT_EQ(ae_get_capabilities(&caps), AE_OK);
    ae_session* s = nullptr;
    ae_session_options options{};
    options.struct_size = sizeof(options);
    if (!caps.has_tensorrt) {
        options.backend = AE_BACKEND_TENSORRT;
        EXPECT_EQ(ae_session_open(fixture("elementwise.onnx").c_str(), &options, &s), AE_ERR_BACKEND_UNAVAILABLE);
        EXPECT_NE(std::string(ae_last_error()).find("TensorRT"), std::string::npos);
    }
    if (!caps.onnxruntime_cuda) {
        options.backend = AE_BACKEND_ONNXRUNTIME;
        options.device = AE_DEVICE_CUDA;
        EXPECT_EQ(ae_session_open(fixture("elementwise.onnx").c_str(), &options, &s), AE_ERR_BACKEND_UNAVAILABLE);
    }
    EXPECT_EQ(s, nullptr);
}

TEST(Describe, dynamic_dimensions_are_minus_one) {
    Session g(fixture("dynamic_batch.onnx"));
    int32_t backend = -1, n_in = 0, n_out = 0;
    ASSERT_EQ(ae_session_backend(g.s, &backend), AE_OK);
    EXPECT_EQ(backend, AE_BACKEND_ONNXRUNTIME);
    ASSERT_EQ(ae_session_io_count(g.s, &n_in, &n_out), AE_OK);
    ASSERT_EQ(n_in, 2);
    ASSERT_EQ(n_out, 2);
    ae_tensor_info info{};
    ASSERT_EQ(ae_session_input(g.s, 0, &info), AE_OK);
    EXPECT_STREQ(info.name, "x");
    EXPECT_EQ(info.dtype, AE_DTYPE_FLOAT32);
    ASSERT_EQ(info.rank, 2);
    EXPECT_EQ(info.shape[0], -1);
    EXPECT_EQ(info.shape[1], 4);
    ASSERT_EQ(ae_session_input(g.s, 1, &info), AE_OK);
    EXPECT_STREQ(info.name, "offset");
    EXPECT_EQ(info.dtype, AE_DTYPE_INT64);
    ASSERT_EQ(ae_session_output(g.s, 1, &info), AE_OK);
    EXPECT_STREQ(info.name, "shape");
    EXPECT_EQ(info.dtype, AE_DTYPE_INT64);
    EXPECT_EQ(ae_session_input(g.s, 2, &info), AE_ERR_INVALID_ARGUMENT);
}

TEST(Run, elementwise_computes_two_x_plus_one) {
    Session g(fixture("elementwise.onnx"));
    std::vector<float> x{-1.5f, 0.f, 0.25f, 3.f, -7.f, 100.f}, y(6, -999.f);
    ae_tensor in = floats("x", {2, 3}, x), out = floats("y", {2, 3}, y);
    ASSERT_EQ(ae_session_run(g.s, &in, 1, &out, 1, nullptr), AE_OK) << ae_last_error();
    for (size_t i = 0; i < x.size(); ++i)
        EXPECT_FLOAT_EQ(y[i], 2 * x[i] + 1);
}

TEST(Run, dynamic_batch_accepts_several_batch_sizes) {
    Session g(fixture("dynamic_batch.onnx"));
    for (int64_t batch : {1, 5, 2}) {
        std::vector<float> x(static_cast<size_t>(batch * 4)), y(static_cast<size_t>(batch * 3));
        for (size_t i = 0; i < x.size(); ++i)
            x[i] = 0.1f * static_cast<float>(i) - 0.7f;
        int64_t offset = batch * 10;
        std::vector<int64_t> shape_out(2, -1);
        ae_tensor in[] = {floats("x", {batch, 4}, x), tensor("offset", AE_DTYPE_INT64, {1}, &offset, 8)};
        ae_tensor out[] = {floats("y", {batch, 3}, y), tensor("shape", AE_DTYPE_INT64, {2}, shape_out.data(), 16)};
        ASSERT_EQ(ae_session_run(g.s, in, 2, out, 2, nullptr), AE_OK) << ae_last_error();
        for (int64_t r = 0; r < batch; ++r)
            for (int j = 0; j < 3; ++j)
                EXPECT_NEAR(y[static_cast<size_t>(r * 3 + j)], dynamic_batch_expected(x, r, j, offset), 1e-4);
        EXPECT_EQ(shape_out[0], batch);
        EXPECT_EQ(shape_out[1], 4);
    }
}

TEST(Run, reused_buffers_see_new_contents_and_new_shapes) {
    Session g(fixture("dynamic_batch.onnx"));
    std::vector<float> x(12), y(9, 0.f);
    int64_t offset = 1;
    for (int64_t batch : {3, 3, 2, 3}) {
        for (size_t i = 0; i < x.size(); ++i)
            x[i] = static_cast<float>(i) * 0.5f + static_cast<float>(batch * offset);
        ++offset;
        ae_tensor in[] = {tensor("x", AE_DTYPE_FLOAT32, {batch, 4}, x.data(), static_cast<uint64_t>(batch * 16)),
                          tensor("offset", AE_DTYPE_INT64, {1}, &offset, 8)};
        ae_tensor out = tensor("y", AE_DTYPE_FLOAT32, {batch, 3}, y.data(), static_cast<uint64_t>(batch * 12));
        ASSERT_EQ(ae_session_run(g.s, in, 2, &out, 1, nullptr), AE_OK) << ae_last_error();
        for (int64_t r = 0; r < batch; ++r)
            for (int j = 0; j < 3; ++j)
                EXPECT_NEAR(y[static_cast<size_t>(r * 3 + j)], dynamic_batch_expected(x, r, j, offset), 1e-4);
    }
}

TEST(Run, a_subset_of_outputs_can_be_bound) {
    Session g(fixture("dynamic_batch.onnx"));
    std::vector<float> x{1, 2, 3, 4};
    int64_t offset = 0;
    std::vector<int64_t> shape_out(2);
    ae_tensor in[] = {floats("x", {1, 4}, x), tensor("offset", AE_DTYPE_INT64, {1}, &offset, 8)};
    ae_tensor out = tensor("shape", AE_DTYPE_INT64, {2}, shape_out.data(), 16);
    ASSERT_EQ(ae_session_run(g.s, in, 2, &out, 1, nullptr), AE_OK) << ae_last_error();
    EXPECT_EQ(shape_out[0], 1);
    EXPECT_EQ(shape_out[1], 4);
}

// Each case binds one bad tensor and must fail with a message naming it, leaving y untouched.
struct BadRun {
    std::string name;
    std::vector<ae_tensor> inputs, outputs;
    int32_t status;
    std::string message_part;
};

TEST(Run, bad_bindings_are_rejected_with_a_message) {
    Session g(fixture("elementwise.onnx"));
    std::vector<float> x(6, 1.f), y(6, -5.f), small(5, 0.f);
    std::vector<int64_t> xi(6, 1);
    const std::vector<int64_t> s23{2, 3}, s32{3, 2}, s6{6}, neg{-2, -3};
    auto t = [](const char* n, int32_t dt, const std::vector<int64_t>& s, void* d, uint64_t b) {
        return ae_tensor{n, dt, static_cast<int32_t>(s.size()), s.data(), d, b};
    };
    const ae_tensor good_in = t("x", AE_DTYPE_FLOAT32, s23, x.data(), 24);
    const ae_tensor good_out = t("y", AE_DTYPE_FLOAT32, s23, y.data(), 24);
    const std::vector<BadRun> cases{
        {"unknown input name",
         {t("X", AE_DTYPE_FLOAT32, s23, x.data(), 24)},
         {good_out},
         AE_ERR_INVALID_TENSOR,
         "unknown input 'X'"},
        {"wrong dtype",
         {t("x", AE_DTYPE_INT64, s23, xi.data(), 48)},
         {good_out},
         AE_ERR_INVALID_TENSOR,
         "'x' is int64"},
        {"wrong static dim",
         {t("x", AE_DTYPE_FLOAT32, s32, x.data(), 24)},
         {good_out},
         AE_ERR_INVALID_TENSOR,
         "'x' has shape [3,2]"},
        {"wrong rank",
         {t("x", AE_DTYPE_FLOAT32, s6, x.data(), 24)},
         {good_out},
         AE_ERR_INVALID_TENSOR,
         "'x' has shape [6]"},
        {"negative dim", {t("x", AE_DTYPE_FLOAT32, neg, x.data(), 24)}, {good_out}, AE_ERR_INVALID_TENSOR, "negative"},
        {"short buffer",
         {t("x", AE_DTYPE_FLOAT32, s23, small.data(), 20)},
         {good_out},
         AE_ERR_INVALID_TENSOR,
         "needs 24 bytes"},
        {"null data", {t("x", AE_DTYPE_FLOAT32, s23, nullptr, 24)}, {good_out}, AE_ERR_INVALID_ARGUMENT, "null data"},
        {"missing input", {}, {good_out}, AE_ERR_INVALID_TENSOR, "input 'x' is not bound"},
        {"duplicate input", {good_in, good_in}, {good_out}, AE_ERR_INVALID_TENSOR, "bound twice"},
        {"unknown output",
         {good_in},
         {t("z", AE_DTYPE_FLOAT32, s23, y.data(), 24)},
         AE_ERR_INVALID_TENSOR,
         "unknown output 'z'"},
        {"no output", {good_in}, {}, AE_ERR_INVALID_TENSOR, "no output"},
        {"output too small",
         {good_in},
         {t("y", AE_DTYPE_FLOAT32, s23, small.data(), 20)},
         AE_ERR_INVALID_TENSOR,
         "'y'"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        int32_t status = ae_session_run(g.s, c.inputs.data(), static_cast<int32_t>(c.inputs.size()), c.outputs.data(),
                                        static_cast<int32_t>(c.outputs.size()), nullptr);
        EXPECT_EQ(status, c.status);
        EXPECT_NE(std::string(ae_last_error()).find(c.message_part), std::string::npos) << ae_last_error();
        EXPECT_EQ(y[0], -5.f);
    }
    EXPECT_EQ(ae_session_run(nullptr, &good_in, 1, &good_out, 1, nullptr), AE_ERR_INVALID_ARGUMENT);
}

TEST(Run, output_shape_that_contradicts_the_inputs_is_rejected) {
    Session g(fixture("dynamic_batch.onnx"));
    std::vector<float> x(8, 1.f), y(9, 0.f);
    int64_t offset = 0;
    ae_tensor in[] = {floats("x", {2, 4}, x), tensor("offset", AE_DTYPE_INT64, {1}, &offset, 8)};
    ae_tensor out = floats("y", {3, 3}, y);
    EXPECT_EQ(ae_session_run(g.s, in, 2, &out, 1, nullptr), AE_ERR_INVALID_TENSOR);
    EXPECT_GT(std::string(ae_last_error()).size(), 0u);
}

TEST(Errors, last_error_is_per_thread) {
    ae_session* s = nullptr;
    ASSERT_EQ(ae_session_open("/nonexistent/a.onnx", nullptr, &s), AE_ERR_FILE_NOT_FOUND);
    std::string other;
    std::thread([&] {
        ae_session* t = nullptr;
        ae_session_open("/nonexistent/b.onnx", nullptr, &t);
        other = ae_last_error();
    }).join();
    EXPECT_NE(std::string(ae_last_error()).find("a.onnx"), std::string::npos);
    EXPECT_NE(other.find("b.onnx"), std::string::npos);
}

// Even sessions use the environment's shared intra-op pool (threads 0), odd ones their own.
TEST(Concurrency, separate_sessions_run_in_parallel_on_the_shared_and_their_own_pools) {
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int k = 0; k < 4; ++k)
        threads.emplace_back([k, &failures] {
            ae_session_options options{};
            options.struct_size = sizeof(options);
            options.threads = k % 2 == 0 ? 0 : 1;
            ae_session* s = nullptr;
            if (ae_session_open(fixture("elementwise.onnx").c_str(), &options, &s) != AE_OK) {
                failures[static_cast<size_t>(k)] = -1;
                return;
            }
            for (int it = 0; it < 200; ++it) {
                std::vector<float> x(6), y(6);
                for (size_t i = 0; i < 6; ++i)
                    x[i] = static_cast<float>(k * 1000 + it * 10 + static_cast<int>(i));
                const std::vector<int64_t> shape{2, 3};
                ae_tensor in{"x", AE_DTYPE_FLOAT32, 2, shape.data(), x.data(), 24};
                ae_tensor out{"y", AE_DTYPE_FLOAT32, 2, shape.data(), y.data(), 24};
                if (ae_session_run(s, &in, 1, &out, 1, nullptr) != AE_OK) ++failures[static_cast<size_t>(k)];
                for (size_t i = 0; i < 6; ++i)
                    if (y[i] != 2 * x[i] + 1) ++failures[static_cast<size_t>(k)];
            }
            ae_session_close(s);
        });
    for (auto& t : threads)
        t.join();
    for (int f : failures)
        EXPECT_EQ(f, 0);
}

} // namespace
