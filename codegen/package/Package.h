//===- Package.h - From a compiled kernel to a linkable library -*- C++ -*-===//
//
// codegen/package turns the output of codegen/cpu (an llvm::Module defining
// `<m>_kernel(const kiln_frame *)`, the arena size and the weights layout)
// into what a user links: the model descriptor and the exported C API of
// DESIGN.md as thin IR wrappers over the runtime (runtime/kiln_runtime.h),
// the runtime itself (embedded bitcode, linked and internalized), the
// weights (an ELF object section or a `.weights` file), the C and C++
// headers, and the archive / object / shared library.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_PACKAGE_PACKAGE_H
#define KILN_CODEGEN_PACKAGE_PACKAGE_H

#include "codegen/package/ModelInterface.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class Module;
class raw_pwrite_stream;
} // namespace llvm

namespace kiln::package {

/// What `--emit` asks for.
enum class EmitKind { Lib, Shared, Obj, Header, LLVMIR, Asm };

/// Where the weights go (`--weights`).
enum class WeightsMode { Embed, File };

/// Parses `lib|shared|obj|header|llvm-ir|asm`; std::nullopt otherwise.
std::optional<EmitKind> parseEmitKind(llvm::StringRef text);

/// One contiguous piece of the weights blob (the rest is zero).
struct WeightsPiece {
  uint64_t offset = 0;
  llvm::ArrayRef<char> bytes;
};

/// The weights blob as codegen laid it out: `totalBytes` bytes, pieces at
/// their offsets, gaps zero. Streamed into the output, never copied whole.
struct WeightsBlob {
  uint64_t totalBytes = 0;
  std::vector<WeightsPiece> pieces;

  /// Writes the blob (pieces sorted, gaps zero-filled) to `os`.
  llvm::Error write(llvm::raw_ostream &os) const;
  /// FNV-1a 64 of the blob, as stored in the descriptor and `.weights`.
  uint64_t hash() const;
};

/// Optimizes and emits `module` as an object file (EmitKind::Obj),
/// assembly (Asm) or textual IR (LLVMIR): codegen/cpu's emitters.
using ObjectEmitter = std::function<llvm::Expected<std::string>(
    llvm::Module &module, EmitKind kind)>;

/// Everything packaging needs from codegen.
struct KernelArtifact {
  llvm::Module *module = nullptr; ///< defines `kernelName`; extended in place
  std::string kernelName;         ///< `void kernelName(const kiln_frame *)`
  uint64_t workspaceBytes = 0;
  WeightsBlob weights;
  ObjectEmitter emit;
  /// Prefix of the session functions the C API calls (`<prefix>create`,
  /// run, infer, destroy, error): `kiln_rt_` (runtime/kiln_session.c), or
  /// `kiln_cu_` for --target cuda (runtime/cuda/kiln_cuda.c).
  std::string runtimePrefix = "kiln_rt_";
  /// Symbols of the kernel module exported besides the C API (the profile
  /// globals of a --profile build).
  std::vector<std::string> extraExports;
  /// kiln_rt_model.flags (KILN_RT_MODEL_* of runtime/kiln_runtime.h).
  uint32_t flags = 0;
};

struct PackageOptions {
  std::string symbol = "model"; ///< C prefix of every exported name
  std::string outputDir = ".";
  WeightsMode weights = WeightsMode::Embed;
  EmitKind emit = EmitKind::Lib;
  std::string sourceName; ///< model file named in the header comment
  std::string linker = "cc"; ///< driver for `--emit shared`
};

/// True when `symbol` is a C identifier usable as a prefix.
bool isValidSymbol(llvm::StringRef symbol);

/// Adds the descriptor and the exported C API of `iface` to `kernel.module`,
/// links the runtime in, internalizes every non-API symbol, emits and writes
/// the files `opts.emit` asks for into `opts.outputDir` (through temporary
/// names, renamed only when everything succeeded). Returns the paths
/// written, or a one-line error.
llvm::Expected<std::vector<std::string>>
packageModel(const ModelInterface &iface, KernelArtifact &kernel,
             const PackageOptions &opts);

/// Adds the descriptor global and the `<symbol>_*` wrappers (EntryPoints.cpp).
llvm::Error buildEntryPoints(llvm::Module &module, const ModelInterface &iface,
                             const KernelArtifact &kernel,
                             const PackageOptions &opts);

/// Links the embedded runtime bitcode into `module` and internalizes every
/// definition not named in `exported` (RuntimeLinking.cpp).
llvm::Error linkRuntime(llvm::Module &module,
                        llvm::ArrayRef<std::string> exported);

/// Whether the embedded runtime is instrumented (a KILN_SANITIZE build of
/// kiln): a model's code then calls into a sanitizer runtime that only the
/// program loading it provides (RuntimeLinking.cpp).
bool runtimeIsSanitized();

/// The names of the exported API functions of model `symbol`.
std::vector<std::string> exportedNames(const ModelInterface &iface,
                                       llvm::StringRef symbol);

/// Writes an ELF64 x86-64 relocatable object holding the blob in a
/// read-only section under the hidden symbol `<symbol>_weights`.
llvm::Error writeWeightsObject(llvm::raw_ostream &os, llvm::StringRef symbol,
                               const WeightsBlob &blob);

/// Writes the `.weights` file: 64-byte header (runtime/kiln_runtime.h) + blob.
llvm::Error writeWeightsFile(llvm::raw_ostream &os, const WeightsBlob &blob);

/// One member of a static archive, streamed by `write` (exactly `size`
/// bytes); `symbols` are its defined global symbols, for the index.
struct ArchiveMember {
  std::string name;
  uint64_t size = 0;
  std::vector<std::string> symbols;
  std::function<llvm::Error(llvm::raw_ostream &)> write;
};

/// Writes a GNU `ar` archive of `members`, streaming each one, so no
/// member (the weights object) is ever held in memory whole (Archive.cpp).
llvm::Error writeArchive(llvm::raw_ostream &os,
                         llvm::ArrayRef<ArchiveMember> members);

/// The defined global symbols of the object file `object` (what an archive
/// index lists); `name` is used in errors.
llvm::Expected<std::vector<std::string>>
globalSymbols(llvm::StringRef object, llvm::StringRef name);

/// Size in bytes of what writeWeightsObject writes, without writing it.
uint64_t weightsObjectSize(llvm::StringRef symbol, const WeightsBlob &blob);

/// The C header `<symbol>.h` and the C++ wrapper `<symbol>.hpp`.
std::string generateCHeader(const ModelInterface &iface,
                            const PackageOptions &opts);
std::string generateCppHeader(const ModelInterface &iface,
                              const PackageOptions &opts);

} // namespace kiln::package

#endif // KILN_CODEGEN_PACKAGE_PACKAGE_H
