//===- CpuCodegenTest.cpp - CPU backend end to end ------------------------===//
//
// Compiles linalg-on-tensors modules with compileLinalgModule + emitObject,
// links each object into a shared object with the system C compiler, loads it
// and calls `<sym>_kernel` with a filled kiln_frame. Results are compared with
// references computed here with plain loops from the same input numbers.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/CpuCodegen.h"
#include "runtime/kiln_frame.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <vector>

using namespace kiln::cpu;

// The generated kernels allocate their dynamic buffers through MLIR's
// generic allocation functions, which the runtime defines (kiln_heap.c,
// tracked per session). These tests load a kernel object without the
// runtime: the executable exports plain malloc/free versions (ENABLE_EXPORTS).
extern "C" void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  return std::malloc(bytes);
}
extern "C" void _mlir_memref_to_llvm_free(void *p) { std::free(p); }

namespace {

/// Hex of a dense_resource blob: 4-byte alignment header, then the floats.
std::string resourceHex(const std::vector<float> &values) {
  std::string hex = "0x04000000";
  llvm::raw_string_ostream os(hex);
  for (float value : values) {
    const auto *bytes = reinterpret_cast<const unsigned char *>(&value);
    for (int i = 0; i < 4; ++i)
      os << llvm::format_hex_no_prefix(bytes[i], 2, /*Upper=*/true);
  }
  return hex;
}

/// A compiled module loaded from a shared object.
class LoadedKernel {
public:
  ~LoadedKernel() {
    if (handle)
      dlclose(handle);
    if (!soPath.empty())
      llvm::sys::fs::remove(soPath);
  }

  /// Compiles `source`, links and loads it; fails the test on any error.
  void compile(const std::string &source, const CpuCodegenOptions &options) {
    mlir::DialectRegistry registry;
    registerCpuCodegenDialects(registry);
    context.appendDialectRegistry(registry);
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString<mlir::ModuleOp>(source, &context);
    ASSERT_TRUE(module) << "cannot parse the test module";
    mlir::FailureOr<CompiledKernel> compiled =
        compileLinalgModule(*module, llvmContext, options);
    ASSERT_TRUE(mlir::succeeded(compiled)) << "compileLinalgModule failed";
    kernel = std::move(*compiled);

    // Only the kernel may be visible: two models must link together (the
    // weak serial kiln_rt_parallel_for fallback may be shared).
    for (llvm::Function &function : *kernel.module)
      if (!function.isDeclaration())
        EXPECT_EQ(function.getName() == kernel.kernelName,
                  !function.hasLocalLinkage() && !function.hasWeakLinkage())
            << function.getName().str();

    llvm::Expected<std::string> object = emitObject(*kernel.module, options);
    ASSERT_TRUE(static_cast<bool>(object)) << llvm::toString(object.takeError());
    ASSERT_GT(object->size(), 4u);
    EXPECT_EQ(object->substr(0, 4), "\x7f"
                                    "ELF");

    llvm::SmallString<128> objPath, so;
    ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("kiln-cg", "o", objPath));
    ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("kiln-cg", "so", so));
    soPath = so.str().str();
    {
      std::error_code error;
      llvm::raw_fd_ostream os(objPath, error);
      ASSERT_FALSE(error) << error.message();
      os << *object;
    }
    std::string command = std::string(KILN_TEST_CC) + " -shared -o " + soPath +
                          " " + objPath.str().str();
    int status = std::system(command.c_str());
    llvm::sys::fs::remove(objPath);
    ASSERT_EQ(status, 0) << command;
    handle = dlopen(soPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle, nullptr) << dlerror();
    function = reinterpret_cast<kiln_kernel_fn>(
        dlsym(handle, kernel.kernelName.c_str()));
    ASSERT_NE(function, nullptr) << kernel.kernelName;
    EXPECT_EQ(dlsym(handle, "main_graph"), nullptr);

    blob.assign(kernel.weights.totalBytes + 64, 0);
    kernel.weights.writeBlob(alignedBlob());
  }

  /// Runs the kernel on dense inputs; outputs must be sized by the caller.
  void run(const std::vector<std::vector<float>> &inputs,
           const std::vector<std::vector<int64_t>> &inputShapes,
           std::vector<std::vector<float>> &outputs,
           const std::vector<std::vector<int64_t>> &outputShapes) {
    std::vector<void *> inPtrs, outPtrs;
    std::vector<const int64_t *> inShapes, outShapes;
    for (size_t i = 0; i < inputs.size(); ++i) {
      inPtrs.push_back(const_cast<float *>(inputs[i].data()));
      inShapes.push_back(inputShapes[i].data());
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      outPtrs.push_back(outputs[i].data());
      outShapes.push_back(outputShapes[i].data());
    }
    // The arena is filled with garbage: the kernel must not rely on zeros.
    size_t arenaBytes = std::max<int64_t>(kernel.workspaceBytes, 64);
    void *arena = std::aligned_alloc(64, (arenaBytes + 63) / 64 * 64);
    std::memset(arena, 0x7f, arenaBytes);
    kiln_frame frame{alignedBlob(), arena,          inPtrs.data(),
                     inShapes.data(), outPtrs.data(), outShapes.data(),
                     nullptr};
    function(&frame);
    std::free(arena);
  }

  // Declared first so they outlive the module that lives in them.
  mlir::MLIRContext context;
  llvm::LLVMContext llvmContext;
  CompiledKernel kernel;

private:
  char *alignedBlob() {
    auto address = reinterpret_cast<uintptr_t>(blob.data());
    return blob.data() + ((64 - address % 64) % 64);
  }

  std::vector<char> blob;
  std::string soPath;
  void *handle = nullptr;
  kiln_kernel_fn function = nullptr;
};

// y = max(tanh(x @ W + b), 0) with W a dense_resource weight and a dynamic
// batch dimension.
constexpr int64_t kIn = 5, kOut = 3;

std::vector<float> mlpWeights() {
  std::vector<float> w(kIn * kOut);
  for (int64_t i = 0; i < kIn * kOut; ++i)
    w[i] = 0.25f * static_cast<float>((i * 7) % 11) - 1.2f;
  return w;
}
const float kBias[kOut] = {0.5f, -0.25f, 0.125f};

std::string mlpModule() {
  return R"mlir(
#map = affine_map<(d0, d1) -> (d0, d1)>
#bias = affine_map<(d0, d1) -> (d1)>
func.func @main_graph(%x: tensor<?x5xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %w = arith.constant dense_resource<mlp_w> : tensor<5x3xf32>
  %b = arith.constant dense<[0.5, -0.25, 0.125]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x5xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<?x5xf32>, tensor<5x3xf32>)
                      outs(%f : tensor<?x3xf32>) -> tensor<?x3xf32>
  %e2 = tensor.empty(%n) : tensor<?x3xf32>
  %r = linalg.generic {indexing_maps = [#map, #bias, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<?x3xf32>, tensor<3xf32>) outs(%e2 : tensor<?x3xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %s = arith.addf %a, %bb : f32
    %t = math.tanh %s : f32
    %m = arith.maximumf %t, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
{-#
  dialect_resources: {
    builtin: {
      mlp_w: ")mlir" +
         resourceHex(mlpWeights()) + R"mlir("
    }
  }
#-}
)mlir";
}

std::vector<float> mlpReference(const std::vector<float> &x, int64_t batch) {
  std::vector<float> w = mlpWeights(), y(batch * kOut);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t j = 0; j < kOut; ++j) {
      double acc = 0;
      for (int64_t k = 0; k < kIn; ++k)
        acc += double(x[n * kIn + k]) * double(w[k * kOut + j]);
      y[n * kOut + j] = std::max(std::tanh(acc + kBias[j]), 0.0);
    }
  return y;
}

void expectNear(const std::vector<float> &actual,
                const std::vector<float> &expected, float tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "at " << i;
}

class CpuCodegenMlp : public ::testing::TestWithParam<unsigned> {};

TEST_P(CpuCodegenMlp, DynamicBatchMatchesReference) {
  CpuCodegenOptions options;
  options.symbol = "mlp";
  options.optLevel = GetParam();
  LoadedKernel loaded;
  ASSERT_NO_FATAL_FAILURE(loaded.compile(mlpModule(), options));
  EXPECT_EQ(loaded.kernel.kernelName, "mlp_kernel");

  // The weight went to the blob, byte for byte; the small bias did not.
  const WeightsLayout &weights = loaded.kernel.weights;
  ASSERT_EQ(weights.entries.size(), 1u);
  EXPECT_EQ(weights.entries[0].offset, 0);
  EXPECT_EQ(weights.entries[0].size, kIn * kOut * 4);
  std::vector<float> w = mlpWeights();
  EXPECT_EQ(std::memcmp(weights.entries[0].data.data(), w.data(), w.size() * 4),
            0);
  EXPECT_EQ(weights.totalBytes % 64, 0);
  ASSERT_EQ(loaded.kernel.inputs.size(), 1u);
  EXPECT_EQ(loaded.kernel.inputs[0].shape, (std::vector<int64_t>{-1, kIn}));
  EXPECT_EQ(loaded.kernel.inputs[0].elementType, "f32");
  ASSERT_EQ(loaded.kernel.outputs.size(), 1u);

  for (int64_t batch : {1, 5}) {
    std::vector<float> x(batch * kIn);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = std::sin(0.7f * static_cast<float>(i)) * 2.0f;
    std::vector<std::vector<float>> outputs = {
        std::vector<float>(batch * kOut, -42.0f)};
    loaded.run({x}, {{batch, kIn}}, outputs, {{batch, kOut}});
    expectNear(outputs[0], mlpReference(x, batch), 2e-6f);
  }
}

INSTANTIATE_TEST_SUITE_P(OptLevels, CpuCodegenMlp, ::testing::Values(0u, 3u));

// A static chain with intermediates (arena reuse), a splat weight above the
// size threshold, exp/erf approximations and two outputs:
//   a = exp(x) * 0.5; b = erf(a) + c (c a splat 2x64 constant); h = a @ V
//   outputs: (b, h) with V a dense_resource 64x4.
constexpr int64_t kRows = 2, kCols = 64, kHidden = 4;

std::vector<float> chainWeights() {
  std::vector<float> v(kCols * kHidden);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = 0.01f * static_cast<float>(static_cast<int>(i % 13) - 6);
  return v;
}

std::string chainModule() {
  return R"mlir(
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main_graph(%x: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x4xf32>) {
  %half = arith.constant 0.5 : f32
  %zero = arith.constant 0.0 : f32
  %c = arith.constant dense<0.75> : tensor<2x64xf32>
  %v = arith.constant dense_resource<chain_v> : tensor<64x4xf32>
  %e0 = tensor.empty() : tensor<2x64xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x64xf32>) outs(%e0 : tensor<2x64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %ex = math.exp %i : f32
    %m = arith.mulf %ex, %half : f32
    linalg.yield %m : f32
  } -> tensor<2x64xf32>
  %e1 = tensor.empty() : tensor<2x64xf32>
  %erf = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<2x64xf32>) outs(%e1 : tensor<2x64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %r = math.erf %i : f32
    linalg.yield %r : f32
  } -> tensor<2x64xf32>
  %e2 = tensor.empty() : tensor<2x64xf32>
  %b = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%erf, %c : tensor<2x64xf32>, tensor<2x64xf32>) outs(%e2 : tensor<2x64xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %s = arith.addf %i, %j : f32
    linalg.yield %s : f32
  } -> tensor<2x64xf32>
  %e3 = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %h = linalg.matmul ins(%a, %v : tensor<2x64xf32>, tensor<64x4xf32>)
                     outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %b, %h : tensor<2x64xf32>, tensor<2x4xf32>
}
{-#
  dialect_resources: {
    builtin: {
      chain_v: ")mlir" +
         resourceHex(chainWeights()) + R"mlir("
    }
  }
#-}
)mlir";
}

TEST(CpuCodegen, StaticChainWithArenaMatchesReference) {
  CpuCodegenOptions options;
  options.symbol = "chain";
  options.mcpu = "x86-64-v3";
  LoadedKernel loaded;
  ASSERT_NO_FATAL_FAILURE(loaded.compile(chainModule(), options));

  // Intermediates a and erf(a) live in the arena (512 bytes each, both live
  // when b is computed); the splat constant and V are in the blob.
  EXPECT_EQ(loaded.kernel.workspaceBytes, 2 * kRows * kCols * 4);
  const WeightsLayout &weights = loaded.kernel.weights;
  ASSERT_EQ(weights.entries.size(), 2u);
  for (const WeightsLayout::Entry &entry : weights.entries) {
    EXPECT_EQ(entry.offset % 64, 0);
    EXPECT_EQ(static_cast<int64_t>(entry.data.size()), entry.size);
  }

  std::vector<float> x(kRows * kCols);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.05f * static_cast<float>(static_cast<int>(i % 37) - 18);
  std::vector<std::vector<float>> outputs = {
      std::vector<float>(kRows * kCols), std::vector<float>(kRows * kHidden)};
  loaded.run({x}, {{kRows, kCols}}, outputs,
             {{kRows, kCols}, {kRows, kHidden}});

  std::vector<float> v = chainWeights(), b(kRows * kCols), h(kRows * kHidden);
  std::vector<double> a(kRows * kCols);
  for (size_t i = 0; i < x.size(); ++i) {
    a[i] = std::exp(double(x[i])) * 0.5;
    b[i] = static_cast<float>(std::erf(a[i]) + 0.75);
  }
  for (int64_t r = 0; r < kRows; ++r)
    for (int64_t j = 0; j < kHidden; ++j) {
      double acc = 0;
      for (int64_t k = 0; k < kCols; ++k)
        acc += a[r * kCols + k] * double(v[k * kHidden + j]);
      h[r * kHidden + j] = static_cast<float>(acc);
    }
  expectNear(outputs[0], b, 1e-5f);
  expectNear(outputs[1], h, 1e-5f);
}

TEST(CpuCodegen, EmitsAssemblyAndIR) {
  mlir::MLIRContext context;
  mlir::DialectRegistry registry;
  registerCpuCodegenDialects(registry);
  context.appendDialectRegistry(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(mlpModule(), &context);
  ASSERT_TRUE(module);
  llvm::LLVMContext llvmContext;
  CpuCodegenOptions options;
  options.symbol = "asm_test";
  options.mcpu = "skylake-avx512";
  options.optLevel = 2;
  mlir::FailureOr<CompiledKernel> compiled =
      compileLinalgModule(*module, llvmContext, options);
  ASSERT_TRUE(mlir::succeeded(compiled));
  llvm::Expected<std::string> ir = emitLLVMIR(*compiled->module, options);
  ASSERT_TRUE(static_cast<bool>(ir)) << llvm::toString(ir.takeError());
  EXPECT_NE(ir->find("define void @asm_test_kernel(ptr"), std::string::npos);
  EXPECT_NE(ir->find("\"target-cpu\"=\"skylake-avx512\""), std::string::npos);
  // The weights never become IR constants.
  EXPECT_EQ(ir->find("mlp_w"), std::string::npos);
  llvm::Expected<std::string> assembly =
      emitAssembly(*compiled->module, options);
  ASSERT_TRUE(static_cast<bool>(assembly))
      << llvm::toString(assembly.takeError());
  EXPECT_NE(assembly->find(".globl\tasm_test_kernel"), std::string::npos);
}

TEST(CpuCodegen, RejectsUnknownCpu) {
  CpuCodegenOptions options;
  options.mcpu = "no-such-cpu";
  auto machine = createTargetMachine(options);
  ASSERT_FALSE(static_cast<bool>(machine));
  EXPECT_NE(llvm::toString(machine.takeError()).find("no-such-cpu"),
            std::string::npos);
}

} // namespace
