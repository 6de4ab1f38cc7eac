//===- Backend.cpp - kiln compile: onnx dialect to a linkable library -----===//
//
// Composes the stages after import, in order:
//   1. the C API signature, read from the onnx-level graph (codegen/package)
//   2. convert-onnx-to-linalg, then at -O1+ kiln-linalg-fusion (lowering/)
//                                                  -> --emit linalg-mlir
//   3. codegen/cpu: bufferize, plan memory, LLVM IR (compileLinalgModule)
//   4. codegen/package: entry points, runtime, weights, headers, archive
//                                                  -> lib|shared|obj|llvm-ir|asm
// `--emit header` stops after 1.
//
//===----------------------------------------------------------------------===//

#include "tools/kiln/Backend.h"

#include "codegen/cpu/CpuCodegen.h"
#include "codegen/cuda/CudaCodegen.h"
#include "codegen/package/Package.h"
#include "frontend/Diagnostics.h"
#include "frontend/Importer.h"
#include "frontend/ModelReader.h"
#include "lowering/Passes.h"
#include "lowering/Pipelines.h"
#include "lowering/bufferize/BufferizePipeline.h"
#include "lowering/bufferize/EntryAbi.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln::driver {

int fail(const llvm::Twine &message) {
  llvm::errs() << "kiln: error: " << message << "\n";
  return 1;
}

namespace {

package::WeightsBlob toBlob(const cpu::WeightsLayout &layout) {
  package::WeightsBlob blob;
  blob.totalBytes = static_cast<uint64_t>(layout.totalBytes);
  for (const auto &e : layout.entries)
    blob.pieces.push_back({static_cast<uint64_t>(e.offset), e.data});
  return blob;
}

} // namespace

std::optional<std::string>
writeFileAtomically(llvm::StringRef dir, llvm::StringRef fileName,
                    llvm::function_ref<void(llvm::raw_ostream &)> emit) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return "cannot create output folder '" + dir.str() + "': " + ec.message();
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, fileName);
  auto temp = llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp)
    return "cannot write '" + path.str().str() +
           "': " + llvm::toString(temp.takeError());
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    emit(os);
    os.flush();
    if (os.has_error()) {
      std::string msg = os.error().message();
      os.clear_error();
      llvm::consumeError(temp->discard());
      return "cannot write '" + path.str().str() + "': " + msg;
    }
  }
  if (llvm::Error err = temp->keep(path)) {
    std::string msg = llvm::toString(std::move(err));
    llvm::consumeError(temp->discard());
    return "cannot write '" + path.str().str() + "': " + msg;
  }
  return std::nullopt;
}

bool isBackendEmitKind(llvm::StringRef emit) {
  return emit == "linalg-mlir" || emit == "ptx" ||
         package::parseEmitKind(emit).has_value();
}

int compileBackend(ModuleOp module, const BackendOptions &opts,
                   TimingScope &timing) {
  MLIRContext &ctx = *module.getContext();
  FailureOr<package::ModelInterface> iface =
      package::extractModelInterface(module);
  if (failed(iface))
    return 1;

  package::PackageOptions popts;
  popts.symbol = opts.symbol;
  popts.outputDir = opts.outDir;
  popts.sourceName = llvm::sys::path::filename(opts.modelPath).str();
  if (opts.weights == "file")
    popts.weights = package::WeightsMode::File;
  else if (opts.weights != "embed")
    return fail("--weights expects embed or file, got '" + opts.weights + "'");
  bool cuda = opts.target == "cuda";
  // String outputs are made by host helpers into the session's string
  // arena, which the CUDA runtime's device copies cannot carry.
  if (cuda)
    for (const package::TensorInterface &t : iface->outputs)
      if (t.dtype == 8)
        return fail("output '" + t.name +
                    "' is a string tensor; string outputs need --target cpu (" +
                    llvm::sys::path::filename(opts.modelPath).str() + ")");
  if (opts.emit == "ptx" && !cuda)
    return fail("--emit ptx needs --target cuda");
  if (opts.emit != "linalg-mlir" && opts.emit != "ptx") {
    std::optional<package::EmitKind> kind = package::parseEmitKind(opts.emit);
    if (!kind)
      return fail("--emit " + opts.emit + " is not supported for --target " +
                  opts.target);
    popts.emit = *kind;
  }
  if (opts.emit == "header") {
    package::KernelArtifact none;
    auto written = package::packageModel(*iface, none, popts);
    if (!written)
      return fail(llvm::toString(written.takeError()));
    return 0;
  }

  // Stage 2: onnx -> linalg on tensors.
  {
    TimingScope phase = timing.nest("to-linalg");
    PassManager pm(&ctx);
    pm.enableTiming(phase);
    // --profile names dispatches after the op types of their nodes.
    if (opts.profile)
      pm.addPass(kiln::createOnnxTagOpKinds());
    pm.addPass(kiln::createConvertOnnxToLinalg());
    if (failed(pm.run(module)))
      return 1;
  }
  // Fusion on linalg on tensors from -O1 on, before --emit linalg-mlir
  // prints the module.
  if (opts.optLevel >= 1) {
    TimingScope phase = timing.nest("fusion");
    PassManager pm(&ctx);
    pm.enableTiming(phase);
    kiln::buildLinalgFusionPipeline(pm);
    if (failed(pm.run(module)))
      return 1;
  }
  if (opts.emit == "linalg-mlir") {
    auto err = writeFileAtomically(
        opts.outDir, opts.symbol + ".linalg.mlir",
        [&](llvm::raw_ostream &os) { module.print(os); });
    return err ? fail(*err) : 0;
  }

  // Stage 3: codegen/cpu, or codegen/cuda (PTX kernels + a host module
  // that the CPU emitters compile).
  cpu::CpuCodegenOptions copts;
  copts.symbol = opts.symbol;
  copts.mcpu = opts.mcpu;
  copts.optLevel = opts.optLevel;
  copts.timing = &timing;
  copts.ukernels = true;
  copts.profile = opts.profile;
  if (opts.profile && cuda)
    return fail("--profile is for --target cpu (the CUDA runtime has "
                "KILN_CUDA_PROFILE)");
  llvm::LLVMContext llvmContext;
  FailureOr<cpu::CompiledKernel> kernel = failure();
  if (cuda) {
    cuda::CudaCodegenOptions gopts;
    gopts.symbol = opts.symbol;
    gopts.arch = opts.cudaArch;
    gopts.precision = opts.precision;
    gopts.tma = opts.cudaTma;
    FailureOr<cuda::CudaCompiledKernel> gpu =
        cuda::compileLinalgModule(module, llvmContext, gopts);
    if (failed(gpu))
      return 1;
    if (opts.emit == "ptx") {
      // Every GPU module's PTX, one after another, split by marker lines.
      auto err = writeFileAtomically(
          opts.outDir, opts.symbol + ".ptx", [&](llvm::raw_ostream &os) {
            for (const std::string &ptx : gpu->ptx)
              os << "// ---- kiln: PTX module ----\n"
                 << llvm::StringRef(ptx).rtrim('\0') << "\n";
          });
      return err ? fail(*err) : 0;
    }
    cpu::CompiledKernel host;
    host.module = std::move(gpu->module);
    host.kernelName = gpu->kernelName;
    host.workspaceBytes = gpu->workspaceBytes;
    host.weights = std::move(gpu->weights);
    host.flags = gpu->flags;
    kernel = std::move(host);
  } else {
    kernel = cpu::compileLinalgModule(module, llvmContext, copts);
    if (failed(kernel))
      return 1;
  }

  // Stage 4: packaging; LLVM optimization and object emission (called back
  // from the packager) are timed under it.
  TimingScope packaging = timing.nest("package");
  copts.timing = &packaging;
  package::KernelArtifact artifact;
  artifact.module = kernel->module.get();
  artifact.kernelName = kernel->kernelName;
  artifact.workspaceBytes = static_cast<uint64_t>(kernel->workspaceBytes);
  artifact.weights = toBlob(kernel->weights);
  artifact.extraExports = kernel->exports;
  artifact.flags = kernel->flags;
  if (cuda)
    artifact.runtimePrefix = "kiln_cu_";
  artifact.emit = [&](llvm::Module &m, package::EmitKind kind)
      -> llvm::Expected<std::string> {
    switch (kind) {
    case package::EmitKind::Asm:
      return cpu::emitAssembly(m, copts);
    case package::EmitKind::LLVMIR:
      return cpu::emitLLVMIR(m, copts);
    default:
      return cpu::emitObject(m, copts);
    }
  };
  auto written = package::packageModel(*iface, artifact, popts);
  if (!written)
    return fail(llvm::toString(written.takeError()) + " (" +
                opts.modelPath + ")");
  if (opts.verbose)
    for (const std::string &path : *written)
      llvm::errs() << "kiln: wrote " << path << "\n";
  return 0;
}

CompilerSession::CompilerSession(bool verbose)
    : registry(makeRegistry()), context(registry),
      handler(context, llvm::errs(), verbose) {
  context.printOpOnDiagnostic(false);
  context.printStackTraceOnDiagnostic(false);
}

DialectRegistry CompilerSession::makeRegistry() {
  DialectRegistry registry;
  kiln::registerImporterDialects(registry);
  return registry;
}

FailureOr<OwningOpRef<ModuleOp>>
CompilerSession::loadModel(const std::string &modelPath,
                           const llvm::StringMap<int64_t> &dims,
                           bool runImportPipeline, unsigned optLevel,
                           const InputStructures &structures) {
  TimingScope reading = rootTimer.nest("read");
  auto model = kiln::readModelFile(context, modelPath);
  reading.stop();
  if (failed(model))
    return failure();
  kiln::ImportOptions importOptions;
  importOptions.modelPath = modelPath;
  importOptions.dimOverrides = dims;
  importOptions.inputStructures = structures.byName;
  importOptions.describeInput = structures.describe;
  TimingScope importing = rootTimer.nest("import");
  // The import consumes the proto: weights move into resource blobs.
  auto module = kiln::importModel(context, std::move(*model), importOptions);
  if (failed(module) || handler.hadError())
    return failure();
  if (failed(verify(**module)))
    return failure();
  importing.stop();
  if (runImportPipeline) {
    // Shape inference and the graph-level optimizations (fusion,
    // recognition) from -O1 on, before --emit onnx-mlir prints the module;
    // timed as two phases.
    TimingScope inference = rootTimer.nest("import passes");
    PassManager importPm(&context);
    importPm.enableTiming(inference);
    kiln::buildOnnxImportPipeline(importPm);
    if (failed(importPm.run(**module)) || handler.hadError())
      return failure();
    inference.stop();
    if (optLevel >= 1) {
      TimingScope optimization = rootTimer.nest("optimize");
      PassManager optimizePm(&context);
      optimizePm.enableTiming(optimization);
      kiln::buildOnnxOptimizationPipeline(optimizePm);
      if (failed(optimizePm.run(**module)) || handler.hadError())
        return failure();
    }
  }
  return std::move(*module);
}

void CompilerSession::enableTiming() {
  timingManager.setEnabled(true);
  timingManager.setDisplayMode(DefaultTimingManager::DisplayMode::Tree);
  rootTimer = timingManager.getRootScope();
}

int CompilerSession::finish(int status) const {
  return handler.hadError() ? 1 : status;
}

int compileModelFile(const std::string &modelPath, const BackendOptions &opts,
                     const llvm::StringMap<int64_t> &dims) {
  CompilerSession session(opts.verbose);
  auto module = session.loadModel(modelPath, dims, /*runImportPipeline=*/true,
                                  opts.optLevel, opts.inputStructures);
  if (failed(module))
    return 1;
  return session.finish(compileBackend(**module, opts, session.timing()));
}

FailureOr<int64_t> planWorkspace(const std::string &modelPath,
                                 std::string &error) {
  DialectRegistry registry;
  kiln::registerImporterDialects(registry);
  cpu::registerCpuCodegenDialects(registry);
  MLIRContext ctx(registry);
  ctx.printOpOnDiagnostic(false);
  std::string messages;
  llvm::raw_string_ostream os(messages);
  auto failWith = [&]() -> FailureOr<int64_t> {
    StringRef first = StringRef(messages).split('\n').first;
    first.consume_front("kiln: error: "); // The caller words its own line.
    error = first.str();
    return failure();
  };
  kiln::OneLineDiagnosticHandler handler(ctx, os);
  auto model = kiln::readModelFile(ctx, modelPath);
  if (failed(model))
    return failWith();
  kiln::ImportOptions importOptions;
  importOptions.modelPath = modelPath;
  auto module = kiln::importModel(ctx, std::move(*model), importOptions);
  if (failed(module) || handler.hadError())
    return failWith();
  // What `kiln compile -O3` runs up to the memory plan.
  PassManager pm(&ctx);
  kiln::buildOnnxImportPipeline(pm);
  kiln::buildOnnxOptimizationPipeline(pm);
  pm.addPass(kiln::createConvertOnnxToLinalg());
  buildBufferizePipeline(pm, BufferizePipelineOptions());
  if (failed(pm.run(**module)) || handler.hadError())
    return failWith();
  auto bytes = (**module)->getAttrOfType<IntegerAttr>(kWorkspaceBytesAttr);
  return bytes ? bytes.getInt() : 0;
}

} // namespace kiln::driver
