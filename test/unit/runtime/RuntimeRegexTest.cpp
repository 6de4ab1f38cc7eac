//===- RuntimeRegexTest.cpp - kiln_rt_regex_* against Python's re ---------===//
//
// The expected results come from Python's re.fullmatch, which agrees with
// RE2 on this subset (ASCII \w \d \s, greedy/lazy repetition, anchors).
//
//===----------------------------------------------------------------------===//

#include "runtime/kiln_runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace {

int fullMatch(const std::string &pattern, const char *text) {
  int64_t w[KILN_RT_REGEX_WORDS] = {0};
  std::memcpy(w, pattern.data(), pattern.size());
  return kiln_rt_regex_full_match(
      static_cast<int64_t>(reinterpret_cast<intptr_t>(text)), w[0], w[1],
      w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
      w[13], w[14], w[15]);
}

TEST(RuntimeRegex, MatchesLikePythonRe) {
  struct Case {
    const char *pattern;
    const char *text;
    int match;
  } cases[] = {
    {R"(a+b*)", u8"aab", 1},
    {R"(a+b*)", u8"b", 0},
    {R"(a+b*)", u8"a", 1},
    {R"(a+b*)", u8"", 0},
    {R"((ab|cd){2})", u8"abcd", 1},
    {R"((ab|cd){2})", u8"abab", 1},
    {R"((ab|cd){2})", u8"ab", 0},
    {R"((ab|cd){2})", u8"abcdab", 0},
    {R"(x{2,3}y?)", u8"xx", 1},
    {R"(x{2,3}y?)", u8"xxx", 1},
    {R"(x{2,3}y?)", u8"xxxx", 0},
    {R"(x{2,3}y?)", u8"xxy", 1},
    {R"(x{2,3}y?)", u8"x", 0},
    {R"([^a-c]+)", u8"xyz", 1},
    {R"([^a-c]+)", u8"xaz", 0},
    {R"([^a-c]+)", u8"", 0},
    {R"(\d{1,3}\.\d+)", u8"12.5", 1},
    {R"(\d{1,3}\.\d+)", u8"1234.5", 0},
    {R"(\d{1,3}\.\d+)", u8"1.", 0},
    {R"(\d{1,3}\.\d+)", u8"7.77", 1},
    {R"(\bfoo\b.*)", u8"foo bar", 1},
    {R"(\bfoo\b.*)", u8"foobar", 0},
    {R"(\bfoo\b.*)", u8"foo", 1},
    {R"((?:a|b)*?c)", u8"ababc", 1},
    {R"((?:a|b)*?c)", u8"c", 1},
    {R"((?:a|b)*?c)", u8"abca", 0},
    {R"([\w.\-]{0,5}@x)", u8"a.b-c@x", 1},
    {R"([\w.\-]{0,5}@x)", u8"abcdef@x", 0},
    {R"([\w.\-]{0,5}@x)", u8"@x", 1},
    {R"(\s*\S+\s*)", u8"  hi  ", 1},
    {R"(\s*\S+\s*)", u8"", 0},
    {R"(\s*\S+\s*)", u8"a b", 0},
    {R"(.)", u8"é", 1},
    {R"(.)", u8"ab", 0},
    {R"(.)", u8"\n", 0},
    {R"(h.llo)", u8"héllo", 1},
    {R"(h.llo)", u8"hello", 1},
    {R"(h.llo)", u8"hllo", 0},
    {R"(a{0}b)", u8"b", 1},
    {R"(a{0}b)", u8"ab", 0},
    {R"((a|)+b)", u8"aaab", 1},
    {R"((a|)+b)", u8"b", 1},
    {R"(x{2,})", u8"xx", 1},
    {R"(x{2,})", u8"xxxxx", 1},
    {R"(x{2,})", u8"x", 0},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::string(c.pattern) + " on '" + c.text + "'");
    ASSERT_EQ(kiln_rt_regex_check(c.pattern), nullptr);
    EXPECT_EQ(fullMatch(c.pattern, c.text), c.match);
  }
}

TEST(RuntimeRegex, RejectsUnsupportedSyntax) {
  for (const char *p : {"(?=a)", "(?i)a", R"(\1)", R"(\p{L})", "a{2000}",
                        "(a", "a)", "[a", "*a", "a++", "\xc3\xa9",
                        "[[:alpha:]]"})
    EXPECT_NE(kiln_rt_regex_check(p), nullptr) << p;
}

} // namespace
