//===- ObjectEmission.cpp - TargetMachine, optimization, object code ------===//
//
// In-process replacement for opt + llc: an x86-64 TargetMachine for the
// requested CPU, LLVM's default optimization pipeline, and emission of ELF
// objects, assembly or textual IR into memory.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/CpuCodegen.h"

#include "mlir/Support/Timing.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopAnalysisManager.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

#include <mutex>

namespace kiln::cpu {

namespace {

/// A timer named `name` under options.timing, or a disabled one.
mlir::TimingScope nestTimer(const CpuCodegenOptions &options,
                            llvm::StringRef name) {
  return options.timing ? options.timing->nest(name) : mlir::TimingScope();
}

void initializeX86Target() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeX86AsmParser();
  });
}

/// The target triple: the host's when it is x86-64 (same OS and ABI as the
/// runtime it links with), a generic Linux one otherwise.
llvm::Triple getTargetTriple() {
  llvm::Triple host(llvm::sys::getProcessTriple());
  if (host.getArch() == llvm::Triple::x86_64)
    return host;
  return llvm::Triple("x86_64-unknown-linux-gnu");
}

llvm::CodeGenOptLevel getCodeGenOptLevel(unsigned level) {
  switch (level) {
  case 0:
    return llvm::CodeGenOptLevel::None;
  case 1:
    return llvm::CodeGenOptLevel::Less;
  case 2:
    return llvm::CodeGenOptLevel::Default;
  default:
    return llvm::CodeGenOptLevel::Aggressive;
  }
}

llvm::Expected<std::string> emitFile(llvm::Module &module,
                                     const CpuCodegenOptions &options,
                                     llvm::CodeGenFileType fileType) {
  auto machine = createTargetMachine(options);
  if (!machine)
    return machine.takeError();
  if (llvm::Error error = optimizeModule(module, options))
    return std::move(error);
  mlir::TimingScope emission = nestTimer(options, "object emission");
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if ((*machine)->addPassesToEmitFile(pm, os, nullptr, fileType))
    return llvm::createStringError("the target cannot emit this file type");
  pm.run(module);
  return std::string(buffer.str());
}

} // namespace

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CpuCodegenOptions &options) {
  initializeX86Target();
  llvm::Triple triple = getTargetTriple();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no x86-64 target: " + error);

  std::string cpu = options.mcpu;
  llvm::SubtargetFeatures features;
  if (cpu.empty() || cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.AddFeature(feature.getKey(), feature.getValue());
  }
  if (!options.features.empty())
    for (llvm::StringRef feature : llvm::split(options.features, ','))
      if (!feature.empty())
        features.AddFeature(feature);

  // Reject CPU names LLVM does not know (it would silently fall back to a
  // generic CPU and print a warning on stderr).
  // (Created for the generic CPU: LLVM warns on stderr for unknown names.)
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu))
    return llvm::createStringError("unknown CPU '" + options.mcpu +
                                   "' for --mcpu (try native, x86-64-v3, "
                                   "x86-64-v4, skylake-avx512)");
  if (options.optLevel > 3)
    return llvm::createStringError("optimization level must be 0..3, got " +
                                   std::to_string(options.optLevel));

  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features.getString(), targetOptions, llvm::Reloc::PIC_,
      llvm::CodeModel::Small, getCodeGenOptLevel(options.optLevel)));
  if (!machine)
    return llvm::createStringError("cannot create a target machine for '" +
                                   cpu + "'");
  return machine;
}

llvm::Error optimizeModule(llvm::Module &module,
                           const CpuCodegenOptions &options) {
  mlir::TimingScope timer = nestTimer(options, "LLVM optimization");
  auto machine = createTargetMachine(options);
  if (!machine)
    return machine.takeError();
  module.setTargetTriple((*machine)->getTargetTriple());
  module.setDataLayout((*machine)->createDataLayout());
  // Functions carry the CPU and features so that inlining and
  // vectorization see the same target as code generation.
  for (llvm::Function &function : module) {
    if (function.isDeclaration())
      continue;
    function.addFnAttr("target-cpu", (*machine)->getTargetCPU());
    if (!(*machine)->getTargetFeatureString().empty())
      function.addFnAttr("target-features",
                         (*machine)->getTargetFeatureString());
  }
  if (llvm::verifyModule(module, &llvm::errs()))
    return llvm::createStringError("invalid LLVM IR before optimization");

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = options.optLevel >= 2;
  tuning.SLPVectorization = options.optLevel >= 2;
  tuning.LoopUnrolling = options.optLevel >= 2;
  llvm::PassBuilder builder(machine->get(), tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);

  llvm::OptimizationLevel level;
  switch (options.optLevel) {
  case 0:
    level = llvm::OptimizationLevel::O0;
    break;
  case 1:
    level = llvm::OptimizationLevel::O1;
    break;
  case 2:
    level = llvm::OptimizationLevel::O2;
    break;
  default:
    level = llvm::OptimizationLevel::O3;
    break;
  }
  llvm::ModulePassManager mpm =
      options.optLevel == 0 ? builder.buildO0DefaultPipeline(level)
                            : builder.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
  return llvm::Error::success();
}

llvm::Expected<std::string> emitObject(llvm::Module &module,
                                       const CpuCodegenOptions &options) {
  return emitFile(module, options, llvm::CodeGenFileType::ObjectFile);
}

llvm::Expected<std::string> emitAssembly(llvm::Module &module,
                                         const CpuCodegenOptions &options) {
  return emitFile(module, options, llvm::CodeGenFileType::AssemblyFile);
}

llvm::Expected<std::string> emitLLVMIR(llvm::Module &module,
                                       const CpuCodegenOptions &options) {
  if (llvm::Error error = optimizeModule(module, options))
    return std::move(error);
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, nullptr);
  return text;
}

} // namespace kiln::cpu
