//===- Package.cpp - Writing the library, object, headers and weights -----===//
//
// packageModel(): entry points + runtime into the kernel module, then one of
// `--emit lib|shared|obj|header|llvm-ir|asm`. Every file is first written
// under a unique temporary name in the output folder and renamed only after
// all of them were written, so a failure leaves no partial output behind.
// `--emit shared` links with the system C compiler driver (`cc -shared`).
//
//===----------------------------------------------------------------------===//

#include "codegen/package/Package.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace kiln::package {
namespace {

/// Files written under temporary names, renamed together by commit().
class PendingOutputs {
public:
  explicit PendingOutputs(StringRef dir) : dir(dir.str()) {}
  ~PendingOutputs() {
    for (auto &e : entries)
      sys::fs::remove(e.first);
  }

  /// Writes `name` (in the output folder) through `fill`.
  Error add(StringRef name, function_ref<Error(raw_ostream &)> fill) {
    SmallString<256> model(dir);
    sys::path::append(model, "." + name + ".tmp-%%%%%%");
    int fd;
    SmallString<256> tmp;
    if (std::error_code ec = sys::fs::createUniqueFile(model, fd, tmp))
      return createStringError("cannot create a file in '" + dir +
                               "': " + ec.message());
    SmallString<256> final(dir);
    sys::path::append(final, name);
    entries.emplace_back(tmp.str().str(), final.str().str());
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    if (Error e = fill(os))
      return e;
    os.close();
    if (os.has_error())
      return createStringError("cannot write '" + final.str().str() +
                               "': " + os.error().message());
    return Error::success();
  }
  Error addBytes(StringRef name, StringRef bytes) {
    return add(name, [&](raw_ostream &os) {
      os << bytes;
      return Error::success();
    });
  }

  Expected<std::vector<std::string>> commit() {
    std::vector<std::string> written;
    for (auto &[tmp, final] : entries) {
      if (std::error_code ec = sys::fs::rename(tmp, final))
        return createStringError("cannot rename to '" + final +
                                 "': " + ec.message());
      written.push_back(final);
    }
    entries.clear();
    return written;
  }

private:
  std::string dir;
  std::vector<std::pair<std::string, std::string>> entries;
};

Expected<std::string> emitToString(KernelArtifact &kernel, EmitKind kind) {
  if (!kernel.emit)
    return createStringError("no object emitter was given to packaging");
  return kernel.emit(*kernel.module, kind);
}

/// An object file of the output: the code object (in memory) or the
/// weights object, streamed from the blob whenever it is written.
struct OutputObject {
  std::string name;
  std::string bytes;
  const WeightsBlob *weights = nullptr;
  std::string symbol; ///< model symbol of the weights object

  uint64_t size() const {
    return weights ? weightsObjectSize(symbol, *weights) : bytes.size();
  }
  Error write(raw_ostream &os) const {
    if (weights)
      return writeWeightsObject(os, symbol, *weights);
    os << bytes;
    return Error::success();
  }
};

Error writeLibrary(raw_ostream &os, ArrayRef<OutputObject> objects) {
  std::vector<ArchiveMember> members;
  for (const OutputObject &object : objects) {
    ArchiveMember member;
    member.name = object.name;
    member.size = object.size();
    if (object.weights) {
      member.symbols.push_back(object.symbol + "_weights");
    } else {
      Expected<std::vector<std::string>> symbols =
          globalSymbols(object.bytes, object.name);
      if (!symbols)
        return symbols.takeError();
      member.symbols = std::move(*symbols);
    }
    member.write = [&object](raw_ostream &out) { return object.write(out); };
    members.push_back(std::move(member));
  }
  return writeArchive(os, members);
}

/// Copies the file at `path` into `os` in chunks.
Error copyFile(StringRef path, raw_ostream &os) {
  Expected<sys::fs::file_t> file = sys::fs::openNativeFileForRead(path);
  if (!file)
    return file.takeError();
  llvm::scope_exit close([&] { sys::fs::closeFile(*file); });
  std::vector<char> chunk(1 << 20);
  while (true) {
    Expected<size_t> n = sys::fs::readNativeFile(
        *file, MutableArrayRef<char>(chunk.data(), chunk.size()));
    if (!n)
      return n.takeError();
    if (*n == 0)
      return Error::success();
    os.write(chunk.data(), *n);
  }
}

/// Links `objects` into a shared object with `linker -shared` and copies
/// it into `os`.
Error linkShared(StringRef linker, ArrayRef<OutputObject> objects,
                 raw_ostream &os) {
  ErrorOr<std::string> program = sys::findProgramByName(linker);
  if (!program)
    return createStringError("cannot find the linker driver '" + linker +
                             "' for --emit shared");
  SmallString<128> tmpDir;
  if (std::error_code ec =
          sys::fs::createUniqueDirectory("kiln-shared", tmpDir))
    return createStringError("cannot create a temporary folder: " +
                             ec.message());
  llvm::scope_exit cleanup([&] { sys::fs::remove_directories(tmpDir); });
  std::vector<std::string> args = {*program, "-shared", "-o"};
  SmallString<128> out(tmpDir), log(tmpDir);
  sys::path::append(out, "lib.so");
  sys::path::append(log, "link.log");
  args.push_back(out.str().str());
  for (const OutputObject &object : objects) {
    SmallString<128> path(tmpDir);
    sys::path::append(path, object.name);
    std::error_code ec;
    raw_fd_ostream file(path, ec);
    if (ec)
      return createStringError("cannot write '" + path.str().str() + "'");
    if (Error e = object.write(file))
      return e;
    file.close();
    if (file.has_error())
      return createStringError("cannot write '" + path.str().str() + "'");
    args.push_back(path.str().str());
  }
  for (const char *a : {"-Wl,-z,noexecstack", "-lpthread", "-lm"})
    args.push_back(a);
  // An instrumented runtime's __asan_*/__ubsan_* calls resolve against the
  // sanitizer runtime of the program that dlopens the model, as with any
  // sanitized shared object; otherwise every symbol must resolve here.
  if (!runtimeIsSanitized())
    args.push_back("-Wl,--no-undefined");
  std::vector<StringRef> argRefs(args.begin(), args.end());
  std::optional<StringRef> redirects[] = {std::nullopt, log.str(), log.str()};
  std::string errMsg;
  int rc = sys::ExecuteAndWait(*program, argRefs, std::nullopt, redirects, 0,
                               0, &errMsg);
  if (rc != 0) {
    std::string firstLine;
    if (auto buf = MemoryBuffer::getFile(log))
      firstLine = (*buf)->getBuffer().split('\n').first.str();
    return createStringError("linking the shared library with '" + linker +
                             "' failed: " +
                             (firstLine.empty() ? errMsg : firstLine));
  }
  if (Error e = copyFile(out, os)) {
    consumeError(std::move(e));
    return createStringError("cannot read the linked shared library");
  }
  return Error::success();
}

} // namespace

std::optional<EmitKind> parseEmitKind(StringRef text) {
  return StringSwitch<std::optional<EmitKind>>(text)
      .Case("lib", EmitKind::Lib)
      .Case("shared", EmitKind::Shared)
      .Case("obj", EmitKind::Obj)
      .Case("header", EmitKind::Header)
      .Case("llvm-ir", EmitKind::LLVMIR)
      .Case("asm", EmitKind::Asm)
      .Default(std::nullopt);
}

bool isValidSymbol(StringRef symbol) {
  if (symbol.empty() || symbol.size() > 64 || isDigit(symbol.front()))
    return false;
  return llvm::all_of(symbol, [](char c) { return isAlnum(c) || c == '_'; });
}

Expected<std::vector<std::string>> packageModel(const ModelInterface &iface,
                                                KernelArtifact &kernel,
                                                const PackageOptions &opts) {
  const std::string &m = opts.symbol;
  if (!isValidSymbol(m))
    return createStringError("model name '" + m +
                             "' is not a C identifier (letters, digits, _)");
  if (std::error_code ec = sys::fs::create_directories(opts.outputDir))
    return createStringError("cannot create output folder '" +
                             opts.outputDir + "': " + ec.message());
  PendingOutputs out(opts.outputDir);
  auto headers = [&]() -> Error {
    if (Error e = out.addBytes(m + ".h", generateCHeader(iface, opts)))
      return e;
    return out.addBytes(m + ".hpp", generateCppHeader(iface, opts));
  };
  if (opts.emit == EmitKind::Header) {
    if (Error e = headers())
      return std::move(e);
    return out.commit();
  }

  if (!kernel.module)
    return createStringError("packaging got no kernel module");
  Module &module = *kernel.module;
  if (Error e = buildEntryPoints(module, iface, kernel, opts))
    return std::move(e);
  std::vector<std::string> exported = exportedNames(iface, m);
  llvm::append_range(exported, kernel.extraExports);
  if (Error e = linkRuntime(module, exported))
    return std::move(e);
  std::string verifyMsg;
  raw_string_ostream verifyOs(verifyMsg);
  if (verifyModule(module, &verifyOs))
    return createStringError("the packaged LLVM module is invalid: " +
                             StringRef(verifyMsg).split('\n').first);

  bool embed = opts.weights == WeightsMode::Embed &&
               kernel.weights.totalBytes > 0;
  if (opts.weights == WeightsMode::File && kernel.weights.totalBytes > 0 &&
      opts.emit != EmitKind::LLVMIR && opts.emit != EmitKind::Asm)
    if (Error e = out.add(m + ".weights", [&](raw_ostream &os) {
          return writeWeightsFile(os, kernel.weights);
        }))
      return std::move(e);

  switch (opts.emit) {
  case EmitKind::LLVMIR:
  case EmitKind::Asm: {
    Expected<std::string> text = emitToString(kernel, opts.emit);
    if (!text)
      return text.takeError();
    std::string ext = opts.emit == EmitKind::Asm ? ".s" : ".ll";
    if (Error e = out.addBytes(m + ext, *text))
      return std::move(e);
    return out.commit();
  }
  default:
    break;
  }

  Expected<std::string> object = emitToString(kernel, EmitKind::Obj);
  if (!object)
    return object.takeError();
  // The weights object is never built in memory: it is streamed from the
  // blob into whichever file holds it.
  std::vector<OutputObject> objects(1);
  objects[0].name = m + ".o";
  objects[0].bytes = std::move(*object);
  if (embed) {
    OutputObject weights;
    weights.name = m + "_weights.o";
    weights.weights = &kernel.weights;
    weights.symbol = m;
    objects.push_back(std::move(weights));
  }

  if (opts.emit == EmitKind::Obj) {
    for (const OutputObject &o : objects)
      if (Error e = out.add(o.name, [&](raw_ostream &os) { return o.write(os); }))
        return std::move(e);
  } else if (opts.emit == EmitKind::Lib) {
    if (Error e = out.add("lib" + m + ".a", [&](raw_ostream &os) {
          return writeLibrary(os, objects);
        }))
      return std::move(e);
  } else {
    if (Error e = out.add("lib" + m + ".so", [&](raw_ostream &os) {
          return linkShared(opts.linker, objects, os);
        }))
      return std::move(e);
  }
  if (Error e = headers())
    return std::move(e);
  return out.commit();
}

} // namespace kiln::package
