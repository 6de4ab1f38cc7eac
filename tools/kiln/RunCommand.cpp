//===- RunCommand.cpp - kiln run and kiln bench ---------------------------===//
//
// `kiln run MODEL.onnx|LIB.so --data DIR [--rtol R --atol A] [--threads N]`
// runs DIR/input_N.pb and compares with DIR/output_N.pb (ONNX backend-test
// layout): an element matches when |got - want| <= atol + rtol * |want|.
// `--input NAME=FILE.(pb|npy)` gives inputs explicitly; `--output-dir DIR`
// writes each output as NAME.npy. `kiln bench` runs random inputs (fixed
// seed; dynamic dims 1 unless --dim) and reports the median latency.
// `--target cuda [--cuda-arch SM]` compiles MODEL.onnx for the GPU.
//
//===----------------------------------------------------------------------===//

#include "tools/kiln/Backend.h"
#include "tools/kiln/LoadedModel.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

using namespace llvm;

namespace kiln::driver {
namespace {

struct RunOptions {
  std::string model, dataDir, outputDir;
  std::string target = "cpu", cudaArch = "sm_80"; ///< when MODEL is .onnx
  std::vector<std::pair<std::string, std::string>> inputs;
  StringMap<int64_t> dims;
  double rtol = 1e-3, atol = 1e-4;
  int32_t threads = 0;
  int64_t iterations = 20;
  bool json = false, verbose = false;
  bool profile = false; ///< bench: per-dispatch profile (--profile)
};

std::optional<std::string> parse(ArrayRef<std::string> args, RunOptions &o,
                                 bool bench) {
  for (size_t i = 0; i < args.size(); ++i) {
    StringRef arg = args[i];
    std::optional<std::string> inlineValue;
    if (arg.starts_with("--") && arg.contains('=') && arg != "--input") {
      inlineValue = arg.split('=').second.str();
      arg = arg.split('=').first;
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inlineValue)
        return inlineValue;
      if (i + 1 >= args.size())
        return std::nullopt;
      return args[++i];
    };
    auto number = [&](auto &out) -> std::optional<std::string> {
      auto v = value();
      if (!v)
        return "option '" + arg.str() + "' needs a value";
      double d;
      if (StringRef(*v).getAsDouble(d) || !(d >= 0) || d > 1e12)
        return "option '" + arg.str() + "' expects a number >= 0, got '" +
               *v + "'";
      out = static_cast<std::remove_reference_t<decltype(out)>>(d);
      return std::nullopt;
    };
    std::optional<std::string> err;
    if (arg == "--threads")
      err = number(o.threads);
    else if (bench && arg == "--iterations")
      err = number(o.iterations);
    else if (bench && arg == "--json")
      o.json = true;
    else if (bench && arg == "--profile")
      o.profile = true;
    else if (!bench && arg == "--rtol")
      err = number(o.rtol);
    else if (!bench && arg == "--atol")
      err = number(o.atol);
    else if (!bench && (arg == "--data" || arg == "--output-dir")) {
      auto v = value();
      if (!v)
        return "option '" + arg.str() + "' needs a value";
      (arg == "--data" ? o.dataDir : o.outputDir) = *v;
    } else if (!bench && arg == "--input") {
      auto v = value();
      if (!v || !StringRef(*v).contains('='))
        return std::string("--input expects NAME=FILE");
      auto [name, file] = StringRef(*v).split('=');
      o.inputs.emplace_back(name.str(), file.str());
    } else if (arg == "--target" || arg == "--cuda-arch") {
      auto v = value();
      if (!v)
        return "option '" + arg.str() + "' needs a value";
      if (arg == "--target" && *v != "cpu" && *v != "cuda")
        return "--target expects cpu or cuda, got '" + *v + "'";
      (arg == "--target" ? o.target : o.cudaArch) = *v;
    } else if (arg == "--dim") {
      auto v = value();
      int64_t size;
      auto [name, text] = StringRef(v ? *v : "").split('=');
      if (name.empty() || text.getAsInteger(10, size) || size < 0)
        return std::string("--dim expects NAME=VALUE");
      o.dims[name] = size;
    } else if (arg == "-v" || arg == "--verbose")
      o.verbose = true;
    else if (arg.starts_with("-"))
      return "unknown option '" + arg.str() + "'";
    else if (o.model.empty())
      o.model = arg.str();
    else
      return std::string("takes one MODEL or LIB.so");
    if (err)
      return err;
  }
  if (o.model.empty())
    return std::string("needs a MODEL.onnx or LIB.so");
  if (!bench && o.dataDir.empty() && o.inputs.empty())
    return std::string("needs --data DIR or --input NAME=FILE");
  return std::nullopt;
}

/// The graph inputs of a model compiled for --data: their positions
/// (input_<position>.pb) and which are optionals or sequences, whose
/// structure the test data fixes (SequenceProto length, OptionalProto
/// presence), so they compile to the tensor inputs they hold.
struct DataLayout {
  struct Input {
    unsigned position;
    bool optional, sequence;
  };
  StringMap<Input> inputs;
  std::string firstError;

  InputStructures structures(const std::string &dataDir) {
    InputStructures s;
    s.describe = [this, dataDir](unsigned position, StringRef name,
                                 mlir::Type type)
        -> std::optional<kiln::ImportOptions::InputStructure> {
      bool optional = llvm::isa<kiln::onnx::OptType>(type);
      bool sequence = llvm::isa<kiln::onnx::SeqType>(type);
      inputs[name] = {position, optional, sequence};
      if (!optional && !sequence)
        return std::nullopt;
      auto structure = readInputStructure(
          dataDir + "/input_" + std::to_string(position) + ".pb", optional);
      if (!structure) {
        std::string message = toString(structure.takeError());
        if (firstError.empty())
          firstError = message;
        return std::nullopt;
      }
      return *structure;
    };
    return s;
  }
};

/// The --data file of model input `name` (the i-th): `name` itself, or the
/// element `name[k]` of a sequence input (inside an optional or not).
Expected<HostTensor> loadDataInput(const DataLayout &layout, StringRef name,
                                   size_t i, const std::string &dataDir) {
  auto file = [&](unsigned position) {
    return dataDir + "/input_" + std::to_string(position) + ".pb";
  };
  auto it = layout.inputs.find(name);
  if (it != layout.inputs.end())
    return it->second.optional ? readOptionalTensor(file(it->second.position))
                               : readTensorFile(file(it->second.position));
  if (name.ends_with("]")) {
    auto [base, index] = name.drop_back().rsplit('[');
    size_t k;
    auto outer = layout.inputs.find(base);
    if (!index.getAsInteger(10, k) && outer != layout.inputs.end())
      return readSequenceElement(file(outer->second.position), k);
  }
  return readTensorFile(file(i));
}

/// Inputs in graph order from --data or --input.
Expected<std::vector<HostTensor>> loadInputs(LoadedModel &m,
                                             const RunOptions &o,
                                             const DataLayout &layout) {
  std::vector<HostTensor> inputs(m.numInputs());
  std::vector<bool> given(m.numInputs(), false);
  for (size_t i = 0; i < m.numInputs() && !o.dataDir.empty(); ++i) {
    auto t = loadDataInput(layout, m.inputName(i), i, o.dataDir);
    if (!t)
      return t.takeError();
    inputs[i] = std::move(*t);
    given[i] = true;
  }
  for (auto &[name, file] : o.inputs) {
    size_t i = 0;
    while (i < m.numInputs() && m.inputName(i) != name)
      ++i;
    if (i == m.numInputs())
      return createStringError("the model has no input '" + name + "'");
    auto t = readTensorFile(file);
    if (!t)
      return t.takeError();
    inputs[i] = std::move(*t);
    given[i] = true;
  }
  for (size_t i = 0; i < given.size(); ++i)
    if (!given[i])
      return createStringError("no value for input '" + m.inputName(i) + "'");
  return inputs;
}

struct Comparison {
  double maxAbs = 0, maxRel = 0;
  int64_t mismatches = 0;
};

/// Compares two tensors of one dtype and shape. Strings and integer types
/// must match exactly, bools as truth values; floating-point components
/// match when equal
/// (infinities included), both NaN, or |got - want| <= atol + rtol * |want|.
Comparison compare(const HostTensor &got, const HostTensor &want, double rtol,
                   double atol) {
  Comparison c;
  int32_t dt = got.dtype;
  // Strings match byte for byte (a mismatch counts as an error of 1).
  if (dt == 8) {
    for (int64_t i = 0; i < got.numElements(); ++i) {
      bool match = got.strings && want.strings &&
                   (*got.strings)[i] == (*want.strings)[i];
      c.maxAbs = std::max(c.maxAbs, match ? 0.0 : 1.0);
      c.mismatches += !match;
    }
    return c;
  }
  bool integral = dt == 2 || dt == 3 || dt == 4 || dt == 5 || dt == 6 ||
                  dt == 7 || dt == 12 || dt == 13 || dt == 21 || dt == 22 ||
                  dt == 25 || dt == 26;
  size_t elem = hostElemSize(dt);
  for (int64_t i = 0; i < got.numComponents(); ++i) {
    double a = got.at(i), b = want.at(i), diff;
    bool match;
    if (integral) {
      match = std::memcmp(got.bytes.data() + i * elem,
                          want.bytes.data() + i * elem, elem) == 0;
      diff = match ? 0 : std::fabs(a - b);
    } else if (dt == 9) {
      match = (a != 0) == (b != 0);
      diff = match ? 0 : 1;
    } else if (std::isnan(a) || std::isnan(b)) {
      match = std::isnan(a) && std::isnan(b);
      diff = match ? 0 : INFINITY;
    } else if (a == b) {
      match = true;
      diff = 0;
    } else {
      diff = std::fabs(a - b);
      match = diff <= atol + rtol * std::fabs(b);
    }
    c.maxAbs = std::max(c.maxAbs, diff);
    if (b != 0 && !std::isnan(b))
      c.maxRel = std::max(c.maxRel, diff / std::fabs(b));
    c.mismatches += !match;
  }
  return c;
}

} // namespace

int runCommand(ArrayRef<std::string> args) {
  RunOptions o;
  if (auto err = parse(args, o, /*bench=*/false))
    return fail("run: " + *err);
  DataLayout layout;
  InputStructures structures;
  if (!o.dataDir.empty())
    structures = layout.structures(o.dataDir);
  auto model = LoadedModel::open(o.model, o.dims, o.verbose, o.target,
                                 o.cudaArch, /*profile=*/false, structures);
  if (!model)
    return fail(layout.firstError.empty() ? toString(model.takeError())
                                          : layout.firstError);
  LoadedModel &m = **model;
  auto inputs = loadInputs(m, o, layout);
  if (!inputs)
    return fail(toString(inputs.takeError()));
  auto session = m.create(o.threads);
  if (!session)
    return fail(toString(session.takeError()));
  std::vector<HostTensor> outputs;
  Error runErr = m.run(*session, *inputs, outputs);
  m.destroy(*session);
  if (runErr)
    return fail("run failed: " + toString(std::move(runErr)));

  // The expected file of each output: a sequence output of known length
  // comes as outputs `name[0]`, `name[1]`, ... (onnx-resolve-sequences),
  // all compared with the elements of one SequenceProto file.
  std::vector<std::pair<size_t, int64_t>> expected;
  {
    size_t file = 0;
    StringRef previous;
    for (const HostTensor &t : outputs) {
      StringRef name(t.name);
      int64_t element = -1;
      StringRef base;
      if (name.ends_with("]")) {
        auto [head, tail] = name.drop_back().rsplit('[');
        if (!tail.empty() && !head.empty() && !tail.getAsInteger(10, element))
          base = head;
        else
          element = -1;
      }
      if (element > 0 && base == previous)
        expected.push_back({file - 1, element});
      else
        expected.push_back({file++, element});
      previous = element >= 0 ? base : StringRef();
    }
  }

  bool ok = true;
  for (size_t o_ = 0; o_ < outputs.size(); ++o_) {
    HostTensor &got = outputs[o_];
    if (!o.outputDir.empty()) {
      sys::fs::create_directories(o.outputDir);
      std::string name = got.name.empty() ? "output_" + std::to_string(o_)
                                          : got.name;
      for (char &c : name)
        if (!isAlnum(c) && c != '_' && c != '-' && c != '.')
          c = '_';
      if (Error e = writeNpy(o.outputDir + "/" + name + ".npy", got))
        return fail(toString(std::move(e)));
    }
    if (o.dataDir.empty()) {
      outs() << "output " << o_ << " '" << got.name << "': shape [";
      interleaveComma(got.shape, outs());
      outs() << "]\n";
      continue;
    }
    std::string file =
        o.dataDir + "/output_" + std::to_string(expected[o_].first) + ".pb";
    auto want = expected[o_].second >= 0
                    ? readSequenceElement(file, expected[o_].second)
                    : readTensorFile(file);
    if (!want)
      return fail(toString(want.takeError()));
    if (want->shape != got.shape) {
      outs() << "output " << o_ << " '" << got.name << "': shape mismatch\n";
      ok = false;
      continue;
    }
    if (want->dtype != got.dtype) {
      outs() << "output " << o_ << " '" << got.name << "': dtype mismatch (got "
             << got.dtype << ", want " << want->dtype << ")\n";
      ok = false;
      continue;
    }
    Comparison c = compare(got, *want, o.rtol, o.atol);
    bool match = c.mismatches == 0;
    outs() << "output " << o_ << " '" << got.name << "': max abs err "
           << format("%.3g", c.maxAbs) << ", max rel err "
           << format("%.3g", c.maxRel);
    if (!match)
      outs() << ", " << c.mismatches << " of " << got.numComponents()
             << " differ";
    outs() << (match ? ": ok" : ": MISMATCH") << "\n";
    ok &= match;
  }
  return ok ? 0 : 1;
}

namespace {

std::string jsonEscape(StringRef s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20)
      continue;
    out += c;
  }
  return out;
}

/// The per-dispatch table of `kiln bench --profile`, slowest first: time
/// and calls per run, averaged over the timed iterations.
void printProfile(std::vector<LoadedModel::DispatchProfile> dispatches,
                  int64_t iterations) {
  llvm::stable_sort(dispatches, [](const auto &a, const auto &b) {
    return a.nanoseconds > b.nanoseconds;
  });
  double total = 0;
  size_t nameWidth = 8, kindWidth = 4;
  for (const auto &d : dispatches) {
    total += d.nanoseconds;
    nameWidth = std::max(nameWidth, std::min<size_t>(d.name.size(), 48));
    kindWidth = std::max(kindWidth, std::min<size_t>(d.kind.size(), 24));
  }
  outs() << "\nper-dispatch profile (" << dispatches.size()
         << " dispatches; ms and calls per run, over " << iterations
         << " runs; total " << format("%.3f", total / 1e6 / iterations)
         << " ms)\n";
  outs() << left_justify("dispatch", nameWidth) << "  "
         << left_justify("kind", kindWidth) << "  " << right_justify("ms", 9)
         << "  " << right_justify("%", 6) << "  " << right_justify("calls", 6)
         << "\n";
  for (const auto &d : dispatches) {
    double ms = d.nanoseconds / 1e6 / iterations;
    outs() << left_justify(d.name, nameWidth) << "  "
           << left_justify(d.kind, kindWidth) << "  "
           << format("%9.3f", ms) << "  "
           << format("%5.1f%%", total > 0 ? 100.0 * d.nanoseconds / total : 0)
           << "  " << format("%6lld", (long long)(d.calls / iterations))
           << "\n";
  }
}

} // namespace

int benchCommand(ArrayRef<std::string> args) {
  RunOptions o;
  if (auto err = parse(args, o, /*bench=*/true))
    return fail("bench: " + *err);
  if (o.iterations < 1)
    o.iterations = 1;
  auto model = LoadedModel::open(o.model, o.dims, o.verbose, o.target,
                                 o.cudaArch, o.profile);
  if (!model)
    return fail(toString(model.takeError()));
  LoadedModel &m = **model;
  if (o.profile && !m.hasProfile())
    return fail("bench --profile: '" + o.model +
                "' was not compiled with --profile");
  std::vector<HostTensor> inputs(m.numInputs());
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (size_t i = 0; i < m.numInputs(); ++i) {
    HostTensor &t = inputs[i];
    t.name = m.inputName(i);
    t.dtype = m.inputDtype(i);
    for (int64_t d : m.inputDims(i))
      t.shape.push_back(d < 0 ? 1 : d);
    size_t elem = kiln_rt_dtype_size(t.dtype);
    t.bytes.assign(t.numElements() * elem, 0);
    if (t.dtype == 1)
      for (int64_t k = 0; k < t.numElements(); ++k) {
        float v = dist(rng);
        std::memcpy(&t.bytes[k * 4], &v, 4);
      }
  }
  auto session = m.create(o.threads);
  if (!session)
    return fail(toString(session.takeError()));
  std::vector<HostTensor> outputs;
  std::vector<double> ms;
  for (int64_t it = -3; it < o.iterations; ++it) {
    auto start = std::chrono::steady_clock::now();
    if (Error e = m.run(*session, inputs, outputs)) {
      m.destroy(*session);
      return fail("run failed: " + toString(std::move(e)));
    }
    auto end = std::chrono::steady_clock::now();
    if (it >= 0)
      ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    if (it == -1)
      m.resetProfile(); // Warm-up runs are not profiled.
  }
  m.destroy(*session);
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  double median = sorted[sorted.size() / 2];
  if (sorted.size() % 2 == 0)
    median = (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
  double mean = 0;
  for (double v : ms)
    mean += v / ms.size();
  int64_t workspace = m.workspaceBytes();
  std::vector<LoadedModel::DispatchProfile> profile = m.readProfile();
  if (o.json) {
    outs() << "{\"model\": \"" << sys::path::filename(o.model)
           << "\", \"threads\": " << o.threads << ", \"iterations\": "
           << o.iterations << ", \"median_ms\": " << format("%.4f", median)
           << ", \"min_ms\": " << format("%.4f", sorted.front())
           << ", \"mean_ms\": " << format("%.4f", mean)
           << ", \"workspace_bytes\": " << workspace;
    if (o.profile) {
      outs() << ", \"profile\": [";
      for (auto [i, d] : llvm::enumerate(profile))
        outs() << (i ? ", " : "") << "{\"dispatch\": \"" << jsonEscape(d.name)
               << "\", \"kind\": \"" << jsonEscape(d.kind)
               << "\", \"ms\": "
               << format("%.4f", d.nanoseconds / 1e6 / o.iterations)
               << ", \"calls\": " << d.calls / o.iterations << "}";
      outs() << "]";
    }
    outs() << "}\n";
  } else {
    outs() << "median " << format("%.3f", median) << " ms, min "
           << format("%.3f", sorted.front()) << " ms, mean "
           << format("%.3f", mean) << " ms over " << o.iterations
           << " iterations\n";
    if (workspace >= 0)
      outs() << "workspace " << workspace << " bytes ("
             << format("%.1f", workspace / 1048576.0) << " MiB)\n";
    if (o.profile)
      printProfile(profile, o.iterations);
  }
  return 0;
}

} // namespace kiln::driver
