//===- Archive.cpp - A GNU `ar` archive streamed member by member ---------===//
//
// `--emit lib` writes `lib<m>.a` holding the code object and the weights
// object. LLVM's archive writer wants every member in memory; the weights
// object is as large as the weights, so it would be built once more in
// memory (and the archive a second time). This writer streams each member
// from its producer instead: it only needs every member's size and global
// symbols up front. The layout is the GNU/SysV one LLVM writes for K_GNU
// (symbol table `/`, long-name table `//`, deterministic headers), so
// linkers and `ar`/`nm` read it as usual.
//
//===----------------------------------------------------------------------===//

#include "codegen/package/Package.h"

#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/EndianStream.h"
#include "llvm/Support/Format.h"

using namespace llvm;

namespace kiln::package {
namespace {

/// One 60-byte member header: name, zero date/uid/gid, mode, size.
void writeHeader(raw_ostream &os, StringRef name, StringRef mode,
                 uint64_t size) {
  os << left_justify(name, 16) << left_justify("0", 12) << left_justify("0", 6)
     << left_justify("0", 6) << left_justify(mode, 8)
     << left_justify(std::to_string(size), 10) << "`\n";
}

uint64_t padded(uint64_t size) { return size + (size & 1); }

} // namespace

Expected<std::vector<std::string>> globalSymbols(StringRef object,
                                                 StringRef name) {
  Expected<std::unique_ptr<object::ObjectFile>> file =
      object::ObjectFile::createObjectFile(MemoryBufferRef(object, name));
  if (!file)
    return file.takeError();
  std::vector<std::string> names;
  for (const object::SymbolRef &symbol : (*file)->symbols()) {
    Expected<uint32_t> flags = symbol.getFlags();
    if (!flags)
      return flags.takeError();
    // What LLVM's archive writer indexes: defined global symbols.
    if (*flags & object::SymbolRef::SF_FormatSpecific ||
        !(*flags & object::SymbolRef::SF_Global) ||
        (*flags & object::SymbolRef::SF_Undefined &&
         !(*flags & object::SymbolRef::SF_Indirect)))
      continue;
    Expected<StringRef> symbolName = symbol.getName();
    if (!symbolName)
      return symbolName.takeError();
    names.push_back(symbolName->str());
  }
  return names;
}

Error writeArchive(raw_ostream &os, ArrayRef<ArchiveMember> members) {
  // Names longer than 15 characters live in the `//` member.
  std::string longNames;
  std::vector<std::string> nameFields;
  for (const ArchiveMember &member : members) {
    if (member.name.size() <= 15 && !StringRef(member.name).contains('/')) {
      nameFields.push_back(member.name + "/");
    } else {
      nameFields.push_back("/" + std::to_string(longNames.size()));
      longNames += member.name + "/\n";
    }
  }
  uint64_t numSymbols = 0, symbolBytes = 0;
  for (const ArchiveMember &member : members) {
    numSymbols += member.symbols.size();
    for (const std::string &symbol : member.symbols)
      symbolBytes += symbol.size() + 1;
  }
  uint64_t symtabSize = padded(4 + 4 * numSymbols + symbolBytes);

  // Offsets of the member headers, which the symbol table points at.
  uint64_t at = 8 + 60 + symtabSize;
  if (!longNames.empty())
    at += 60 + padded(longNames.size());
  std::vector<uint64_t> offsets;
  for (const ArchiveMember &member : members) {
    offsets.push_back(at);
    at += 60 + padded(member.size);
  }
  if (at > UINT32_MAX)
    return createStringError("the archive would exceed 4 GiB");

  os << "!<arch>\n";
  writeHeader(os, "/", "0", symtabSize);
  support::endian::Writer be(os, endianness::big);
  be.write<uint32_t>(static_cast<uint32_t>(numSymbols));
  for (size_t i = 0; i < members.size(); ++i)
    for (size_t s = 0; s < members[i].symbols.size(); ++s)
      be.write<uint32_t>(static_cast<uint32_t>(offsets[i]));
  for (const ArchiveMember &member : members)
    for (const std::string &symbol : member.symbols)
      os << symbol << '\0';
  if ((4 + 4 * numSymbols + symbolBytes) & 1)
    os << '\0';
  if (!longNames.empty()) {
    // The long-name table's header has no date, owner or mode.
    os << left_justify("//", 48)
       << left_justify(std::to_string(padded(longNames.size())), 10) << "`\n";
    os << longNames;
    if (longNames.size() & 1)
      os << '\n';
  }
  for (size_t i = 0; i < members.size(); ++i) {
    writeHeader(os, nameFields[i], "644", members[i].size);
    uint64_t before = os.tell();
    if (Error e = members[i].write(os))
      return e;
    if (os.tell() - before != members[i].size)
      return createStringError("archive member '" + members[i].name +
                               "' wrote " + Twine(os.tell() - before) +
                               " bytes, announced " + Twine(members[i].size));
    if (members[i].size & 1)
      os << '\n';
  }
  return Error::success();
}

} // namespace kiln::package
