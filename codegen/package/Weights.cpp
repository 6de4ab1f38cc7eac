//===- Weights.cpp - Weights blob as an ELF object or a `.weights` file ---===//
//
// Weights never pass through LLVM IR. With `--weights embed` they are
// streamed into a small ELF64 x86-64 relocatable object written here by
// hand: one read-only, 64-byte aligned section holding the blob and one
// hidden symbol `<m>_weights` the descriptor refers to. With `--weights
// file` they go to `<m>.weights` behind the 64-byte header the runtime
// checks (runtime/kiln_runtime.h). Both streams are deterministic.
//
//===----------------------------------------------------------------------===//

#include "codegen/package/Package.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/EndianStream.h"

#include <algorithm>

using namespace llvm;

namespace kiln::package {
namespace {

/// Calls `sink` on consecutive chunks covering the whole blob.
Error forEachChunk(const WeightsBlob &blob,
                   function_ref<void(StringRef)> sink) {
  std::vector<const WeightsPiece *> sorted;
  for (const WeightsPiece &p : blob.pieces)
    if (!p.bytes.empty())
      sorted.push_back(&p);
  llvm::stable_sort(sorted, [](const WeightsPiece *a, const WeightsPiece *b) {
    return a->offset < b->offset;
  });
  static const char zeros[4096] = {};
  uint64_t at = 0;
  auto pad = [&](uint64_t to) {
    while (at < to) {
      uint64_t n = std::min<uint64_t>(sizeof(zeros), to - at);
      sink(StringRef(zeros, n));
      at += n;
    }
  };
  for (const WeightsPiece *p : sorted) {
    if (p->offset < at || p->offset + p->bytes.size() > blob.totalBytes ||
        p->offset + p->bytes.size() < p->offset)
      return createStringError("weights piece at offset " +
                               Twine(p->offset) + " of " +
                               Twine(p->bytes.size()) +
                               " bytes overlaps another or leaves the " +
                               Twine(blob.totalBytes) + "-byte blob");
    pad(p->offset);
    sink(StringRef(p->bytes.data(), p->bytes.size()));
    at += p->bytes.size();
  }
  pad(blob.totalBytes);
  return Error::success();
}

/// Counts what is written to it; looks at no byte.
class CountingStream : public raw_ostream {
public:
  CountingStream() { SetUnbuffered(); }

private:
  void write_impl(const char *, size_t size) override { count += size; }
  uint64_t current_pos() const override { return count; }
  uint64_t count = 0;
};

void padTo(raw_ostream &os, uint64_t &at, uint64_t align) {
  while (at % align) {
    os << '\0';
    ++at;
  }
}

} // namespace

Error WeightsBlob::write(raw_ostream &os) const {
  return forEachChunk(*this, [&](StringRef s) { os << s; });
}

uint64_t WeightsBlob::hash() const {
  uint64_t h = 0xcbf29ce484222325ull;
  consumeError(forEachChunk(*this, [&](StringRef s) {
    for (unsigned char c : s.bytes())
      h = (h ^ c) * 0x100000001b3ull;
  }));
  return h;
}

Error writeWeightsFile(raw_ostream &os, const WeightsBlob &blob) {
  support::endian::Writer w(os, endianness::little);
  os.write("KILNWTS\0", 8);
  w.write<uint32_t>(1);  // KILN_WEIGHTS_VERSION
  w.write<uint32_t>(64); // KILN_WEIGHTS_HEADER_BYTES
  w.write<uint64_t>(blob.totalBytes);
  w.write<uint64_t>(blob.hash());
  os.write_zeros(32);
  return blob.write(os);
}

Error writeWeightsObject(raw_ostream &os, StringRef symbol,
                         const WeightsBlob &blob) {
  using namespace llvm::ELF;
  std::string symName = (symbol + "_weights").str();
  std::string strtab = std::string(1, '\0') + symName + '\0';
  const std::string sectionName = ".rodata.kiln_weights";
  std::string shstrtab = std::string(1, '\0');
  auto addName = [&](StringRef n) {
    uint32_t off = shstrtab.size();
    shstrtab += n.str() + '\0';
    return off;
  };
  uint32_t nRodata = addName(sectionName), nNote = addName(".note.GNU-stack"),
           nSymtab = addName(".symtab"), nStrtab = addName(".strtab"),
           nShstrtab = addName(".shstrtab");

  // Layout: header | blob (at 64) | symtab | strtab | shstrtab | sections.
  const uint64_t blobOff = 64;
  uint64_t symtabOff = alignTo(blobOff + blob.totalBytes, 8);
  uint64_t symtabSize = 2 * sizeof(Elf64_Sym);
  uint64_t strtabOff = symtabOff + symtabSize;
  uint64_t shstrtabOff = strtabOff + strtab.size();
  uint64_t shOff = alignTo(shstrtabOff + shstrtab.size(), 8);
  const uint16_t numSections = 6;

  support::endian::Writer w(os, endianness::little);
  uint64_t at = 0;
  // ELF header.
  const unsigned char ident[EI_NIDENT] = {0x7f, 'E', 'L', 'F', ELFCLASS64,
                                          ELFDATA2LSB, EV_CURRENT,
                                          ELFOSABI_NONE};
  os.write(reinterpret_cast<const char *>(ident), EI_NIDENT);
  w.write<uint16_t>(ET_REL);
  w.write<uint16_t>(EM_X86_64);
  w.write<uint32_t>(EV_CURRENT);
  w.write<uint64_t>(0); // e_entry
  w.write<uint64_t>(0); // e_phoff
  w.write<uint64_t>(shOff);
  w.write<uint32_t>(0); // e_flags
  w.write<uint16_t>(sizeof(Elf64_Ehdr));
  w.write<uint16_t>(0); // e_phentsize
  w.write<uint16_t>(0); // e_phnum
  w.write<uint16_t>(sizeof(Elf64_Shdr));
  w.write<uint16_t>(numSections);
  w.write<uint16_t>(numSections - 1); // .shstrtab is last
  at = sizeof(Elf64_Ehdr);
  padTo(os, at, blobOff);
  if (Error e = blob.write(os))
    return e;
  at += blob.totalBytes;
  padTo(os, at, 8);
  // Symbol table: the null symbol, then the hidden global object.
  os.write_zeros(sizeof(Elf64_Sym));
  w.write<uint32_t>(1); // st_name
  os << static_cast<char>((STB_GLOBAL << 4) | STT_OBJECT);
  os << static_cast<char>(STV_HIDDEN);
  w.write<uint16_t>(1); // st_shndx: the blob section
  w.write<uint64_t>(0);
  w.write<uint64_t>(blob.totalBytes);
  os << strtab << shstrtab;
  at = shstrtabOff + shstrtab.size();
  padTo(os, at, 8);

  auto section = [&](uint32_t name, uint32_t type, uint64_t flags,
                     uint64_t offset, uint64_t size, uint32_t link,
                     uint32_t info, uint64_t align, uint64_t entsize) {
    w.write<uint32_t>(name);
    w.write<uint32_t>(type);
    w.write<uint64_t>(flags);
    w.write<uint64_t>(0); // sh_addr
    w.write<uint64_t>(offset);
    w.write<uint64_t>(size);
    w.write<uint32_t>(link);
    w.write<uint32_t>(info);
    w.write<uint64_t>(align);
    w.write<uint64_t>(entsize);
  };
  section(0, SHT_NULL, 0, 0, 0, 0, 0, 0, 0);
  section(nRodata, SHT_PROGBITS, SHF_ALLOC, blobOff, blob.totalBytes, 0, 0,
          64, 0);
  section(nNote, SHT_PROGBITS, 0, blobOff, 0, 0, 0, 1, 0);
  section(nSymtab, SHT_SYMTAB, 0, symtabOff, symtabSize, /*link=strtab*/ 4,
          /*first global*/ 1, 8, sizeof(Elf64_Sym));
  section(nStrtab, SHT_STRTAB, 0, strtabOff, strtab.size(), 0, 0, 1, 0);
  section(nShstrtab, SHT_STRTAB, 0, shstrtabOff, shstrtab.size(), 0, 0, 1, 0);
  return Error::success();
}

uint64_t weightsObjectSize(StringRef symbol, const WeightsBlob &blob) {
  CountingStream counter;
  // Only fails on overlapping pieces, which writing reports again.
  consumeError(writeWeightsObject(counter, symbol, blob));
  return counter.tell();
}

} // namespace kiln::package
