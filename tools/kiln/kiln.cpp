//===- kiln.cpp - The kiln driver: compile, run, inspect, bench -----------===//
//
// Parses the command line and composes the pieces: frontend/ reads and
// imports the model, lowering/ pipelines transform it, the result is
// written atomically. The driver owns no compiler logic; every failure is
// one line "kiln: error: ..." on stderr and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "frontend/Diagnostics.h"
#include "frontend/ModelPrinter.h"
#include "frontend/ModelReader.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "tools/kiln/Backend.h"

#include <optional>
#include <string>
#include <vector>

using namespace mlir;

namespace {

const char *kUsage =
    "usage: kiln compile MODEL.onnx [-o OUTDIR|-] [--name SYMBOL]\n"
    "                   [--emit onnx-mlir|lib|shared|obj|header|linalg-mlir|"
    "llvm-ir|asm|ptx]\n"
    "                   [--target cpu|cuda] [-O0|-O1|-O2|-O3] [--mcpu CPU]\n"
    "                   [--cuda-arch SM] [--precision fp32|tf32|fp16]\n"
    "                   [--cuda-tma on|off]\n"
    "                   [--weights embed|file]\n"
    "                   [--dim NAME=VALUE]... [--threads N] [--timing]\n"
    "                   [--seq-len INPUT=K]... [--absent INPUT]...\n"
    "                   [--profile] [-v]\n"
    "                   [--import-only]   (with --emit onnx-mlir: skip the\n"
    "                                      passes after import; for tests)\n"
    "       kiln inspect MODEL.onnx\n"
    "       kiln run MODEL.onnx|LIB.so --data DIR [--rtol R --atol A] [--threads N]\n"
    "                [--target cpu|cuda] [--cuda-arch SM]   (MODEL.onnx: compile for)\n"
    "       kiln run MODEL.onnx|LIB.so --input NAME=FILE.pb|npy ... [--output-dir DIR]\n"
    "       kiln bench MODEL.onnx|LIB.so [--threads N] [--iterations K] [--json]\n"
    "                  [--profile]\n";

using kiln::driver::fail;

struct CompileOptions {
  std::string model;
  std::string outDir = ".";
  std::string name;
  std::string emit = "lib";
  bool verbose = false;
  llvm::StringMap<int64_t> dims;
  kiln::driver::InputStructures structures;
  std::string weights = "embed";
  std::string mcpu = "native";
  std::string target = "cpu";
  std::string cudaArch = "sm_80";
  std::string precision = "fp32";
  bool cudaTma = true;
  unsigned optLevel = 3;
  bool importOnly = false;
  bool timing = false;
  bool profile = false;
};

/// A C identifier made from the model file's stem.
std::string symbolFromPath(llvm::StringRef path) {
  std::string name;
  for (char c : llvm::sys::path::stem(path))
    name += (llvm::isAlnum(c) || c == '_') ? c : '_';
  if (name.empty())
    name = "model";
  if (llvm::isDigit(name[0]))
    name.insert(0, "_");
  return name;
}

bool isCIdentifier(llvm::StringRef s) {
  if (s.empty() || llvm::isDigit(s[0]))
    return false;
  return llvm::all_of(s, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// Parses `kiln compile` arguments; returns an error message on failure.
std::optional<std::string> parseCompileArgs(llvm::ArrayRef<std::string> args,
                                            CompileOptions &opts) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    llvm::StringRef arg = args[i];
    std::optional<std::string> inlineValue;
    if (arg.starts_with("--") && arg.contains('=')) {
      inlineValue = arg.split('=').second.str();
      arg = arg.split('=').first;
    }
    auto value = [&](std::string &out) -> std::optional<std::string> {
      if (inlineValue) {
        out = *inlineValue;
        return std::nullopt;
      }
      if (i + 1 >= args.size())
        return "option '" + arg.str() + "' needs a value";
      out = args[++i];
      return std::nullopt;
    };
    std::string v;
    if (arg == "-o" || arg == "--output") {
      if (auto err = value(opts.outDir))
        return err;
    } else if (arg == "--name") {
      if (auto err = value(opts.name))
        return err;
      if (!isCIdentifier(opts.name))
        return "--name '" + opts.name + "' is not a C identifier";
    } else if (arg == "--emit") {
      if (auto err = value(opts.emit))
        return err;
    } else if (arg == "--dim") {
      if (auto err = value(v))
        return err;
      auto [dimName, dimValue] = llvm::StringRef(v).split('=');
      int64_t size;
      if (dimName.empty() || dimValue.getAsInteger(10, size) || size < 0)
        return "--dim expects NAME=VALUE with VALUE >= 0, got '" + v + "'";
      opts.dims[dimName] = size;
    } else if (arg == "--seq-len") {
      // A sequence input (or the sequence an optional input holds) of K
      // tensors: K tensor inputs INPUT[0]...
      if (auto err = value(v))
        return err;
      auto [input, text] = llvm::StringRef(v).split('=');
      int64_t length;
      if (input.empty() || text.getAsInteger(10, length) || length < 0)
        return "--seq-len expects INPUT=K with K >= 0, got '" + v + "'";
      opts.structures.byName[input].length = length;
    } else if (arg == "--absent") {
      // An optional input that holds nothing: no C API input.
      if (auto err = value(v))
        return err;
      opts.structures.byName[v].present = false;
    } else if (arg == "-v" || arg == "--verbose") {
      opts.verbose = true;
    } else if (arg == "--weights") {
      if (auto err = value(opts.weights))
        return err;
      if (opts.weights != "embed" && opts.weights != "file")
        return "--weights expects embed or file, got '" + opts.weights + "'";
    } else if (arg == "--mcpu") {
      if (auto err = value(opts.mcpu))
        return err;
    } else if (arg == "--target") {
      if (auto err = value(opts.target))
        return err;
      if (opts.target != "cpu" && opts.target != "cuda")
        return "--target expects cpu or cuda, got '" + opts.target + "'";
    } else if (arg == "--cuda-arch") {
      if (auto err = value(opts.cudaArch))
        return err;
    } else if (arg == "--cuda-tma") {
      if (auto err = value(v))
        return err;
      if (v != "on" && v != "off")
        return "--cuda-tma expects on or off, got '" + v + "'";
      opts.cudaTma = v == "on";
    } else if (arg == "--precision") {
      if (auto err = value(opts.precision))
        return err;
      if (opts.precision != "fp32" && opts.precision != "tf32" &&
          opts.precision != "fp16")
        return "--precision expects fp32, tf32 or fp16, got '" +
               opts.precision + "'";
    } else if (arg == "--threads") {
      // Accepted for the contract; used by later stages.
      if (auto err = value(v))
        return err;
    } else if (arg == "-O0" || arg == "-O1" || arg == "-O2" ||
               arg == "-O3") {
      opts.optLevel = static_cast<unsigned>(arg[2] - '0');
    } else if (arg == "--import-only") {
      opts.importOnly = true;
    } else if (arg == "--timing") {
      opts.timing = true;
    } else if (arg == "--profile") {
      opts.profile = true;
    } else if (arg.starts_with("-") && arg != "-") {
      return "unknown option '" + arg.str() + "'";
    } else {
      positional.push_back(arg.str());
    }
  }
  if (positional.size() != 1)
    return positional.empty() ? std::string("compile needs a MODEL file")
                              : std::string("compile takes one MODEL file");
  opts.model = positional[0];
  if (opts.name.empty())
    opts.name = symbolFromPath(opts.model);
  return std::nullopt;
}

int runCompile(llvm::ArrayRef<std::string> args) {
  CompileOptions opts;
  if (auto err = parseCompileArgs(args, opts))
    return fail(*err);
  if (opts.emit != "onnx-mlir" && !kiln::driver::isBackendEmitKind(opts.emit))
    return fail("--emit " + opts.emit + " is not implemented yet");
  if (opts.importOnly && opts.emit != "onnx-mlir")
    return fail("--import-only needs --emit onnx-mlir");

  kiln::driver::CompilerSession session(opts.verbose);
  if (opts.timing)
    session.enableTiming();
  auto module = session.loadModel(opts.model, opts.dims,
                                  /*runImportPipeline=*/!opts.importOnly,
                                  opts.optLevel, opts.structures);
  if (failed(module))
    return 1;

  if (opts.emit != "onnx-mlir") {
    kiln::driver::BackendOptions backend;
    backend.symbol = opts.name;
    backend.outDir = opts.outDir == "-" ? "." : opts.outDir;
    backend.emit = opts.emit;
    backend.weights = opts.weights;
    backend.mcpu = opts.mcpu;
    backend.target = opts.target;
    backend.cudaArch = opts.cudaArch;
    backend.precision = opts.precision;
    backend.cudaTma = opts.cudaTma;
    backend.optLevel = opts.optLevel;
    backend.modelPath = opts.model;
    backend.verbose = opts.verbose;
    backend.profile = opts.profile;
    return session.finish(
        kiln::driver::compileBackend(**module, backend, session.timing()));
  }
  TimingScope printing = session.timing().nest("print");
  auto emit = [&](llvm::raw_ostream &os) { (*module)->print(os); };
  if (opts.outDir == "-") {
    emit(llvm::outs());
    llvm::outs().flush();
    return 0;
  }
  if (auto err = kiln::driver::writeFileAtomically(opts.outDir,
                                                   opts.name + ".onnx.mlir", emit))
    return fail(*err);
  if (opts.verbose)
    llvm::errs() << "kiln: wrote " << opts.outDir << "/" << opts.name
                 << ".onnx.mlir\n";
  return 0;
}

int runInspect(llvm::ArrayRef<std::string> args) {
  if (args.size() != 1 || llvm::StringRef(args[0]).starts_with("-"))
    return fail("inspect takes one MODEL file");
  MLIRContext ctx;
  kiln::OneLineDiagnosticHandler handler(ctx, llvm::errs());
  auto model = kiln::readModelFile(ctx, args[0]);
  if (failed(model))
    return 1;
  kiln::printModel(**model, llvm::outs());
  model->reset();
  // The arena a compiled library needs (m_workspace_bytes()).
  std::string why;
  FailureOr<int64_t> workspace = kiln::driver::planWorkspace(args[0], why);
  if (succeeded(workspace))
    llvm::outs() << "workspace_bytes: " << *workspace << "\n";
  else
    llvm::outs() << "workspace_bytes: unknown (" << why << ")\n";
  llvm::outs().flush();
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  kiln::silenceProtobufLogging();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty())
    return fail("no command given (kiln compile|run|inspect|bench; see --help)");
  llvm::StringRef command = args[0];
  llvm::ArrayRef<std::string> rest = llvm::ArrayRef(args).drop_front();
  if (command == "--help" || command == "-h" || command == "help") {
    llvm::outs() << kUsage;
    return 0;
  }
  if (command == "compile")
    return runCompile(rest);
  if (command == "inspect")
    return runInspect(rest);
  if (command == "run")
    return kiln::driver::runCommand(rest);
  if (command == "bench")
    return kiln::driver::benchCommand(rest);
  return fail("unknown command '" + command + "' (kiln compile|run|inspect|bench)");
}
