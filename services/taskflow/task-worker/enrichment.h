// Task enrichment: what task-worker's POST /enrich computes for a task's text.
//
// Pure and deterministic: the same text always yields the same priority,
// score, keywords and category (the id is only echoed), so a test, a retry or
// a second worker replica all agree. No I/O, no clock, no randomness; the
// simulated latency lives in latency.h and is applied by the HTTP handler.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spanline::taskflow::worker {

// Reported in every enrichment so a stored task says which code scored it.
inline constexpr std::string_view kWorkerName = "task-worker";
inline constexpr std::string_view kWorkerVersion = "0.1.0";

// Without a priority keyword, texts of at least this many words are
// "medium": a long description usually means more than a one-line chore.
inline constexpr std::size_t kMediumWordCount = 20;

enum class Priority { kLow, kMedium, kHigh };

// "low", "medium", "high" — the wire form.
std::string_view to_string(Priority priority);

struct Enrichment {
  std::optional<std::string> id;  // the caller's id, echoed unchanged
  Priority priority = Priority::kLow;
  double score = 0;                   // [0, 100) with two decimals, from fnv1a64(text)
  std::size_t word_count = 0;         // runs of non-whitespace bytes
  std::size_t text_bytes = 0;         // UTF-8 bytes, as the length limit counts them
  std::vector<std::string> keywords;  // priority keywords found, canonical form, first-seen order
  std::string category;               // "incident", "bug", "feature", "docs", "chore" or "general"
  std::string processed_by{kWorkerName};
  std::string worker_version{kWorkerVersion};

  friend bool operator==(const Enrichment&, const Enrichment&) = default;
};

// 64-bit FNV-1a over the bytes of `text`: tiny, stable across platforms and
// releases (unlike std::hash), and good enough to spread scores.
std::uint64_t fnv1a64(std::string_view text);

// fnv1a64(text) mapped onto [0, 100) in steps of 0.01.
double score_for(std::string_view text);

// Rules, in order (words are ASCII-case-insensitive runs of letters and
// digits, so "URGENT!!" and "hot-fix" match; a trailing plural "s" is
// accepted, so "blockers" counts as "blocker"):
//   1. any of urgent, asap, critical, blocker, emergency, outage,
//      immediately → high;
//   2. else any of bug, fix, error, crash, broken, failure, regression,
//      issue → medium;
//   3. else word_count >= kMediumWordCount → medium, otherwise low.
// The category is the first of incident, bug, feature, docs, chore whose
// vocabulary appears in the text (see enrichment.cpp), else "general".
Enrichment enrich(std::string_view text, std::optional<std::string_view> id = std::nullopt);

// {"id"? , "priority", "score", "word_count", "text_bytes", "keywords",
//  "category", "processed_by", "worker_version"}; "id" only when present.
boost::json::object to_json(const Enrichment& enrichment);

}  // namespace spanline::taskflow::worker
