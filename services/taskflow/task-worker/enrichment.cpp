#include "task-worker/enrichment.h"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>

namespace spanline::taskflow::worker {

namespace {

// --- vocabularies ------------------------------------------------------------
// Canonical (singular, lower-case) forms; matching also accepts a plural.

constexpr std::array<std::string_view, 7> kHighWords = {
    "urgent", "asap", "critical", "blocker", "emergency", "outage", "immediately"};
constexpr std::array<std::string_view, 8> kMediumWords = {
    "bug", "fix", "error", "crash", "broken", "failure", "regression", "issue"};

struct Category {
  std::string_view name;
  std::array<std::string_view, 8> words;  // unused slots stay empty and never match
};

// Order matters: the first category with a match wins, so an outage report
// that mentions an error is an "incident", not a "bug".
constexpr std::array<Category, 5> kCategories = {{
    {"incident", {"outage", "incident", "emergency", "downtime", "production", "sev1"}},
    {"bug", {"bug", "fix", "error", "crash", "broken", "failure", "regression", "exception"}},
    {"feature", {"feature", "add", "implement", "support", "enhancement", "new"}},
    {"docs", {"doc", "docs", "documentation", "readme", "typo", "guide"}},
    {"chore", {"cleanup", "refactor", "upgrade", "update", "bump", "chore", "rename"}},
}};

// --- tokenizing --------------------------------------------------------------

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Bytes >= 0x80 count as word characters so that a keyword followed by a
// non-ASCII letter ("urgenté") is a different word, not a match.
bool is_word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

std::size_t count_words(std::string_view text) {
  std::size_t words = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    const bool space = is_space(c);
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

// Calls `fn` with each word lower-cased (ASCII only).
template <typename Fn>
void for_each_word(std::string_view text, Fn&& fn) {
  std::string word;
  auto flush = [&] {
    if (!word.empty()) fn(std::string_view(word));
    word.clear();
  };
  for (unsigned char c : text) {
    if (!is_word_char(c)) {
      flush();
      continue;
    }
    word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
  }
  flush();
}

// The vocabulary entry `word` stands for: itself, or its singular when it
// ends in "s" or "es" ("blockers", "fixes"). Empty when none.
template <typename Words>
std::string_view canonical(std::string_view word, const Words& vocabulary) {
  auto find = [&](std::string_view w) -> std::string_view {
    if (w.empty()) return {};
    auto it = std::find(vocabulary.begin(), vocabulary.end(), w);
    return it == vocabulary.end() ? std::string_view{} : *it;
  };
  if (auto hit = find(word); !hit.empty()) return hit;
  if (word.ends_with('s')) {
    if (auto hit = find(word.substr(0, word.size() - 1)); !hit.empty()) return hit;
    if (word.ends_with("es")) return find(word.substr(0, word.size() - 2));
  }
  return {};
}

}  // namespace

std::string_view to_string(Priority priority) {
  switch (priority) {
    case Priority::kHigh:
      return "high";
    case Priority::kMedium:
      return "medium";
    case Priority::kLow:
      break;
  }
  return "low";
}

std::uint64_t fnv1a64(std::string_view text) {
  // Offset basis and prime from the FNV specification (draft-eastlake-fnv).
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

double score_for(std::string_view text) {
  // The modulo bias (2^64 is not a multiple of 10000) is below 1e-15.
  return static_cast<double>(fnv1a64(text) % 10000) / 100.0;
}

Enrichment enrich(std::string_view text, std::optional<std::string_view> id) {
  Enrichment e;
  if (id) e.id = std::string(*id);
  e.score = score_for(text);
  e.word_count = count_words(text);
  e.text_bytes = text.size();

  bool high = false;
  bool medium = false;
  std::size_t category = kCategories.size();
  for_each_word(text, [&](std::string_view word) {
    std::string_view keyword = canonical(word, kHighWords);
    if (!keyword.empty()) {
      high = true;
    } else if (keyword = canonical(word, kMediumWords); !keyword.empty()) {
      medium = true;
    }
    if (!keyword.empty() &&
        std::find(e.keywords.begin(), e.keywords.end(), keyword) == e.keywords.end())
      e.keywords.emplace_back(keyword);
    for (std::size_t i = 0; i < category; ++i) {
      if (!canonical(word, kCategories[i].words).empty()) category = i;
    }
  });

  if (high) {
    e.priority = Priority::kHigh;
  } else if (medium || e.word_count >= kMediumWordCount) {
    e.priority = Priority::kMedium;
  }
  e.category = category < kCategories.size() ? kCategories[category].name : "general";
  return e;
}

boost::json::object to_json(const Enrichment& e) {
  boost::json::object o;
  if (e.id) o["id"] = *e.id;
  o["priority"] = to_string(e.priority);
  o["score"] = e.score;
  o["word_count"] = e.word_count;
  o["text_bytes"] = e.text_bytes;
  boost::json::array keywords;
  for (const auto& k : e.keywords) keywords.emplace_back(k);
  o["keywords"] = std::move(keywords);
  o["category"] = e.category;
  o["processed_by"] = e.processed_by;
  o["worker_version"] = e.worker_version;
  return o;
}

}  // namespace spanline::taskflow::worker
