//===- RuntimeStringsTest.cpp - the string-making helpers -----------------===//
//
// kiln_rt_str_split_* against Python's str.split (the ONNX reference's
// StringSplit), the case mapping against Python's str.upper/lower where
// they agree with the simple mapping (ONNX Runtime's towupper), and the
// string arena: strings freed by the next run, failures recorded.
//
//===----------------------------------------------------------------------===//

#include "runtime/kiln_internal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

int64_t handle(const char *s) {
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(s));
}
std::string text(int64_t h) {
  const char *s = reinterpret_cast<const char *>(static_cast<intptr_t>(h));
  return s ? s : "<NULL>";
}

/// A run's string arena made current on this thread.
class RuntimeStrings : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(kiln_rt_strings_init(&arena), KILN_OK);
    kiln_rt_strings_reset(&arena);
    kiln_rt_strings_make_current(&arena);
  }
  void TearDown() override {
    kiln_rt_strings_make_current(nullptr);
    kiln_rt_strings_free(&arena);
  }
  kiln_rt_strings arena = {};
};

std::vector<std::string> split(const char *s, const char *delim,
                               int64_t maxsplit) {
  int64_t w[KILN_RT_REGEX_WORDS] = {0};
  std::memcpy(w, delim, std::strlen(delim));
  int64_t n = kiln_rt_str_split_count(handle(s), maxsplit, w[0], w[1], w[2],
                                      w[3], w[4], w[5], w[6], w[7], w[8], w[9],
                                      w[10], w[11], w[12], w[13], w[14], w[15]);
  std::vector<std::string> pieces;
  for (int64_t k = 0; k <= n; ++k) {
    int64_t p = kiln_rt_str_split_piece(handle(s), k, maxsplit, w[0], w[1],
                                        w[2], w[3], w[4], w[5], w[6], w[7],
                                        w[8], w[9], w[10], w[11], w[12], w[13],
                                        w[14], w[15]);
    if (k == n)
      EXPECT_EQ(p, 0) << "piece past the last one of '" << s << "'";
    else
      pieces.push_back(text(p));
  }
  return pieces;
}

TEST_F(RuntimeStrings, SplitsLikePythonStrSplit) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("a,b,,c,", ",", -1), (V{"a", "b", "", "c", ""}));
  EXPECT_EQ(split(",a", ",", 1), (V{"", "a"}));
  EXPECT_EQ(split("", ".", -1), (V{""}));
  EXPECT_EQ(split("abab", "ab", -1), (V{"", "", ""}));
  EXPECT_EQ(split("x--y--", "--", 1), (V{"x", "y--"}));
  EXPECT_EQ(split("  a  b  ", "", -1), (V{"a", "b"}));
  EXPECT_EQ(split("  a  b  ", "", 1), (V{"a", "b  "}));
  EXPECT_EQ(split("  a  b  ", "", 0), (V{"a  b  "}));
  EXPECT_EQ(split("   ", "", -1), V{});
  EXPECT_EQ(split("", "", -1), V{});
  // U+3000, U+00A0 and U+001C are whitespace to Python.
  EXPECT_EQ(split("a\xe3\x80\x80" "b\xc2\xa0" "c\x1c" "d", "", -1),
            (V{"a", "b", "c", "d"}));
  // A delimiter of UTF-8 text never splits inside a character.
  EXPECT_EQ(split("\xe7\x9a\x84.\xe4\xb8\xad", ".", -1),
            (V{"\xe7\x9a\x84", "\xe4\xb8\xad"}));
}

TEST_F(RuntimeStrings, PiecesOutOfOrderRestartTheScan) {
  int64_t w[KILN_RT_REGEX_WORDS] = {','};
  const char *s = "p,q,r";
  auto piece = [&](int64_t k) {
    return text(kiln_rt_str_split_piece(handle(s), k, -1, w[0], w[1], w[2],
                                        w[3], w[4], w[5], w[6], w[7], w[8],
                                        w[9], w[10], w[11], w[12], w[13],
                                        w[14], w[15]));
  };
  EXPECT_EQ(piece(2), "r");
  EXPECT_EQ(piece(0), "p");
  EXPECT_EQ(piece(1), "q");
  EXPECT_EQ(piece(1), "q");
}

TEST_F(RuntimeStrings, ChangesCaseWithTheSimpleMapping) {
  auto upper = [](const char *s) {
    return text(kiln_rt_str_change_case(handle(s), 1));
  };
  auto lower = [](const char *s) {
    return text(kiln_rt_str_change_case(handle(s), 0));
  };
  EXPECT_EQ(upper("monday"), "MONDAY");
  EXPECT_EQ(lower("MonDAY 42!"), "monday 42!");
  // Latin-1, Extended-A, Greek (final sigma), Cyrillic, Vietnamese; sharp
  // s keeps its one code point, dotless i and long s map to ASCII.
  EXPECT_EQ(upper("h\xc3\xa9llo \xc3\xbf \xc3\x9f \xc4\xb1 \xc5\xbf"),
            "H\xc3\x89LLO \xc5\xb8 \xc3\x9f I S");
  EXPECT_EQ(lower("\xc3\x80\xc4\x8c\xc5\x81"), "\xc3\xa0\xc4\x8d\xc5\x82");
  EXPECT_EQ(upper("\xc5\x82\xc5\xbe\xc4\x8d"), "\xc5\x81\xc5\xbd\xc4\x8c");
  EXPECT_EQ(upper("\xce\xbb\xcf\x8c\xce\xb3\xce\xbf\xcf\x82"),
            "\xce\x9b\xce\x8c\xce\x93\xce\x9f\xce\xa3");
  EXPECT_EQ(upper("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
                  "\xd1\x91"),
            "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2 \xd0\x81");
  EXPECT_EQ(upper("vi\xe1\xbb\x87t"), "VI\xe1\xbb\x86T");
  // Caseless scripts pass through.
  EXPECT_EQ(upper("\xe7\x9a\x84 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80"),
            "\xe7\x9a\x84 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80");
  EXPECT_EQ(arena.failed, 0);
}

TEST_F(RuntimeStrings, UnmappedTextFailsTheRun) {
  // U+01C5 (Latin Extended-B) is not mapped: no string, a message.
  EXPECT_EQ(kiln_rt_str_change_case(handle("\xc7\x85"), 1), 0);
  EXPECT_EQ(arena.failed, KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(arena.error, "U+01C5"), nullptr) << arena.error;
  kiln_rt_strings_reset(&arena);
  EXPECT_EQ(kiln_rt_str_change_case(handle("a\xc0\x80"), 0), 0); // overlong
  EXPECT_NE(std::strstr(arena.error, "not valid UTF-8"), nullptr)
      << arena.error;
  EXPECT_NE(kiln_rt_str_case_check("\xd4\xb2"), nullptr);
  EXPECT_EQ(kiln_rt_str_case_check("Monday \xc3\xa9"), nullptr);
}

TEST_F(RuntimeStrings, StopwordsCompareFolded) {
  int64_t w[KILN_RT_REGEX_WORDS] = {0};
  std::memcpy(w, "stra\xc3\x9f" "e", 7);
  auto stop = [&](const char *s, int32_t fold) {
    return kiln_rt_str_stopword(handle(s), fold, w[0], w[1], w[2], w[3], w[4],
                                w[5], w[6], w[7], w[8], w[9], w[10], w[11],
                                w[12], w[13], w[14], w[15]);
  };
  EXPECT_EQ(stop("stra\xc3\x9f" "e", 0), 1);
  EXPECT_EQ(stop("STRA\xc3\x9f" "E", 0), 0);
  EXPECT_EQ(stop("STRA\xc3\x9f" "E", 1), 1);
  EXPECT_EQ(stop("Stra\xc3\x9f" "e", 2), 1);
  EXPECT_EQ(stop("strasse", 2), 0);
  EXPECT_EQ(stop(nullptr, 1), 0);
}

TEST_F(RuntimeStrings, ConcatAndAdoptOwnTheirStrings) {
  int64_t joined = kiln_rt_str_concat(handle("ab"), 0);
  EXPECT_EQ(text(joined), "ab");
  char input[] = "in";
  const char *elems[3] = {reinterpret_cast<const char *>(joined), input,
                          nullptr};
  ASSERT_EQ(kiln_rt_strings_adopt(&arena, elems, 3), KILN_OK);
  EXPECT_EQ(elems[0], reinterpret_cast<const char *>(joined)); // already owned
  EXPECT_NE(elems[1], input);                                  // copied
  input[0] = 'X';
  EXPECT_STREQ(elems[1], "in");
  EXPECT_STREQ(elems[2], "");
  // A new run drops the strings but keeps a chunk for reuse.
  kiln_rt_strings_reset(&arena);
  int64_t again = kiln_rt_str_concat(handle("c"), handle("d"));
  EXPECT_EQ(text(again), "cd");
  // Strings larger than a chunk get a chunk of their own.
  std::string big(100000, 'y');
  EXPECT_EQ(text(kiln_rt_str_concat(handle(big.c_str()), handle("z"))),
            big + "z");
  EXPECT_EQ(arena.failed, 0);
}

} // namespace
