#include "task-worker/enrichment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace tw = spanline::taskflow::worker;
using tw::Priority;

namespace {

std::vector<std::string> words(std::initializer_list<const char*> list) {
  return {list.begin(), list.end()};
}

}  // namespace

TEST(Fnv1a64, MatchesPublishedVectors) {
  EXPECT_EQ(tw::fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(tw::fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(tw::fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(Score, FixedTextsHaveFixedScores) {
  // These pin the wire contract: a release that changes them changes every
  // stored task's score.
  EXPECT_DOUBLE_EQ(tw::score_for(""), 60.37);
  EXPECT_DOUBLE_EQ(tw::score_for("a"), 19.96);
  EXPECT_DOUBLE_EQ(tw::score_for("Fix the login bug"), 43.68);
  EXPECT_DOUBLE_EQ(tw::enrich("URGENT: database outage in production").score, 59.76);
}

TEST(Score, StaysInRangeWithTwoDecimals) {
  for (int i = 0; i < 5000; ++i) {
    const double s = tw::score_for("task number " + std::to_string(i));
    ASSERT_GE(s, 0.0);
    ASSERT_LT(s, 100.0);
    ASSERT_DOUBLE_EQ(std::round(s * 100) / 100, s);
  }
}

TEST(Enrich, IsDeterministicAndEchoesTheId) {
  const std::string text = "Please fix the flaky deploy ASAP, it blocks the release";
  const auto a = tw::enrich(text);
  const auto b = tw::enrich(text);
  EXPECT_EQ(a, b);
  const auto with_id = tw::enrich(text, "task-7");
  ASSERT_TRUE(with_id.id.has_value());
  EXPECT_EQ(*with_id.id, "task-7");
  auto without = with_id;
  without.id.reset();
  EXPECT_EQ(without, a);  // the id changes nothing else
  EXPECT_FALSE(a.id.has_value());
}

TEST(Enrich, HighKeywordsWinInAnyCaseAndPunctuation) {
  for (const char* text :
       {"URGENT: payments are down", "do this asap", "Critical!", "two blockers left", "Emergency.",
        "outage in eu", "answer immediately", "ASAP!!!"}) {
    EXPECT_EQ(tw::enrich(text).priority, Priority::kHigh) << text;
  }
}

TEST(Enrich, MediumKeywordsAndPlurals) {
  for (const char* text :
       {"fix the login", "a bug in search", "Error on save", "app crashes", "broken link",
        "two failures", "perf regression", "open issues", "hot-fix for search", "several fixes"}) {
    EXPECT_EQ(tw::enrich(text).priority, Priority::kMedium) << text;
  }
}

TEST(Enrich, KeywordsAreWholeWordsOnly) {
  for (const char* text : {"prefix the table", "debug output", "urgently", "bugle call", "terror",
                           "criticality", "urgenté", "errorless"}) {
    const auto e = tw::enrich(text);
    EXPECT_EQ(e.priority, Priority::kLow) << text;
    EXPECT_TRUE(e.keywords.empty()) << text;
  }
}

TEST(Enrich, ListsDistinctKeywordsInFirstSeenOrder) {
  const auto e = tw::enrich("Bug: critical error, another bug, URGENT errors");
  EXPECT_EQ(e.priority, Priority::kHigh);
  EXPECT_EQ(e.keywords, words({"bug", "critical", "error", "urgent"}));
}

TEST(Enrich, LengthDecidesWithoutKeywords) {
  std::string text;
  for (std::size_t i = 1; i < tw::kMediumWordCount; ++i) text += "word ";
  EXPECT_EQ(tw::enrich(text).word_count, tw::kMediumWordCount - 1);
  EXPECT_EQ(tw::enrich(text).priority, Priority::kLow);
  text += "more";
  EXPECT_EQ(tw::enrich(text).word_count, tw::kMediumWordCount);
  EXPECT_EQ(tw::enrich(text).priority, Priority::kMedium);
}

TEST(Enrich, CountsWordsAndBytes) {
  const auto e = tw::enrich("  héllo\twörld \n\n again  ");
  EXPECT_EQ(e.word_count, 3u);
  EXPECT_EQ(e.text_bytes, std::string("  héllo\twörld \n\n again  ").size());
  const auto empty = tw::enrich("");
  EXPECT_EQ(empty.word_count, 0u);
  EXPECT_EQ(empty.priority, Priority::kLow);
  EXPECT_EQ(empty.category, "general");
}

TEST(Enrich, CategoryFollowsTheTableOrder) {
  EXPECT_EQ(tw::enrich("production outage with error spikes").category, "incident");
  EXPECT_EQ(tw::enrich("crash when saving").category, "bug");
  EXPECT_EQ(tw::enrich("add dark mode").category, "feature");
  EXPECT_EQ(tw::enrich("update the README").category, "docs");  // docs before chore
  EXPECT_EQ(tw::enrich("refactor the parser").category, "chore");
  EXPECT_EQ(tw::enrich("hello world").category, "general");
}

TEST(Enrich, ReportsTheWorker) {
  const auto e = tw::enrich("x");
  EXPECT_EQ(e.processed_by, "task-worker");
  EXPECT_EQ(e.worker_version, tw::kWorkerVersion);
}

TEST(EnrichJson, HasEveryFieldAndTheIdOnlyWhenGiven) {
  const auto o = tw::to_json(tw::enrich("Fix the login bug", "abc"));
  EXPECT_EQ(o.at("id").as_string(), "abc");
  EXPECT_EQ(o.at("priority").as_string(), "medium");
  EXPECT_DOUBLE_EQ(o.at("score").as_double(), 43.68);
  EXPECT_EQ(o.at("word_count").to_number<int>(), 4);
  EXPECT_EQ(o.at("text_bytes").to_number<int>(), 17);
  ASSERT_EQ(o.at("keywords").as_array().size(), 2u);
  EXPECT_EQ(o.at("keywords").as_array()[0].as_string(), "fix");
  EXPECT_EQ(o.at("keywords").as_array()[1].as_string(), "bug");
  EXPECT_EQ(o.at("category").as_string(), "bug");
  EXPECT_EQ(o.at("processed_by").as_string(), "task-worker");
  EXPECT_EQ(o.at("worker_version").as_string(), tw::kWorkerVersion);
  EXPECT_EQ(o.size(), 9u);

  const auto no_id = tw::to_json(tw::enrich("Fix the login bug"));
  EXPECT_FALSE(no_id.contains("id"));
  EXPECT_EQ(no_id.size(), 8u);
}

TEST(EnrichJson, PriorityNames) {
  EXPECT_EQ(tw::to_string(Priority::kHigh), "high");
  EXPECT_EQ(tw::to_string(Priority::kMedium), "medium");
  EXPECT_EQ(tw::to_string(Priority::kLow), "low");
}
