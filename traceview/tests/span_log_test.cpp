// The append-only log and the persistence over it: records come back in
// order, a torn or corrupt tail is cut off, a foreign file is refused, and
// compaction keeps exactly what the store kept.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "persistence.h"
#include "span_log.h"

namespace spanline::traceview {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/traceview-log-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string log() const { return path_ + "/traces.log"; }

 private:
  std::string path_;
};

std::vector<std::string> replayed(SpanLog& log) {
  std::vector<std::string> out;
  log.replay([&](std::string_view r) { out.emplace_back(r); });
  return out;
}

TEST(SpanLog, RecordsComeBackInOrderAfterReopening) {
  TempDir dir;
  {
    SpanLog log(dir.path());
    EXPECT_TRUE(replayed(log).empty());
    ASSERT_TRUE(log.append("first"));
    ASSERT_TRUE(log.append(""));
    ASSERT_TRUE(log.append(std::string(100000, 'x')));
  }
  SpanLog log(dir.path());
  const auto records = replayed(log);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], "first");
  EXPECT_EQ(records[1], "");
  EXPECT_EQ(records[2].size(), 100000u);
  ASSERT_TRUE(log.append("after"));  // appends go after the replayed records
  SpanLog again(dir.path());
  EXPECT_EQ(replayed(again).back(), "after");
}

TEST(SpanLog, ATornTailIsCutOff) {
  TempDir dir;
  std::uintmax_t good_size;
  {
    SpanLog log(dir.path());
    ASSERT_TRUE(log.append("kept"));
    good_size = log.size();
    ASSERT_TRUE(log.append("torn record"));
  }
  fs::resize_file(dir.log(), good_size + 10);  // a crash mid-write
  SpanLog log(dir.path());
  SpanLog::ReplayResult result;
  std::vector<std::string> records;
  result = log.replay([&](std::string_view r) { records.emplace_back(r); });
  EXPECT_EQ(records, std::vector<std::string>{"kept"});
  EXPECT_EQ(result.dropped_bytes, 10u);
  EXPECT_EQ(fs::file_size(dir.log()), good_size);
}

TEST(SpanLog, ACorruptRecordEndsTheReplay) {
  TempDir dir;
  {
    SpanLog log(dir.path());
    ASSERT_TRUE(log.append("one"));
    ASSERT_TRUE(log.append("two"));
    ASSERT_TRUE(log.append("three"));
  }
  {
    std::fstream f(dir.log(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(dir.log()) - 14));  // the last byte of "two"
    f.put('X');
  }
  SpanLog log(dir.path());
  EXPECT_EQ(replayed(log), std::vector<std::string>{"one"});
}

TEST(SpanLog, AForeignFileIsRefused) {
  TempDir dir;
  std::ofstream(dir.log()) << "not a log\n";
  EXPECT_THROW(SpanLog{dir.path()}, std::runtime_error);
  EXPECT_THROW(SpanLog{"/proc/no-such-dir/x"}, std::runtime_error);
}

TEST(SpanLog, ALogCutOffWhileItsHeaderWasWrittenStartsEmpty) {
  TempDir dir;
  std::ofstream(dir.log()) << "SPANLINE-TRACE";  // a crash mid-header
  SpanLog log(dir.path());
  EXPECT_TRUE(replayed(log).empty());
  ASSERT_TRUE(log.append("after the crash"));
  SpanLog again(dir.path());
  EXPECT_EQ(replayed(again), std::vector<std::string>{"after the crash"});
}

TEST(SpanLog, RewriteReplacesTheContent) {
  TempDir dir;
  SpanLog log(dir.path());
  ASSERT_TRUE(log.append("old"));
  ASSERT_TRUE(log.rewrite([](const std::function<void(std::string_view)>& emit) {
    emit("new 1");
    emit("new 2");
  }));
  ASSERT_TRUE(log.append("new 3"));
  SpanLog again(dir.path());
  EXPECT_EQ(replayed(again), (std::vector<std::string>{"new 1", "new 2", "new 3"}));
}

ExportTraceServiceRequest one_span(std::uint8_t trace) {
  ExportTraceServiceRequest r;
  auto* rs = r.add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("svc");
  auto* span = rs->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(15, '\0') + static_cast<char>(trace));
  span->set_span_id(std::string(7, '\0') + static_cast<char>(trace));
  span->set_name("op");
  span->set_start_time_unix_nano(1000u * trace);
  span->set_end_time_unix_nano(1000u * trace + 10);
  return r;
}

TEST(Persistence, WhatWasAcknowledgedIsThereAfterARestart) {
  TempDir dir;
  {
    TraceStore store({3, std::size_t{1} << 30});
    Persistence p(dir.path(), store);
    for (std::uint8_t t = 1; t <= 5; ++t)
      ASSERT_TRUE(p.add(collector::Traces::from_wire(one_span(t).SerializeAsString(), 1)));
    EXPECT_EQ(store.stats().traces, 3u);
  }
  // The log holds every acknowledged request until a compaction; a store
  // with room for all of them gets all of them back.
  TraceStore store({100, std::size_t{1} << 30});
  Persistence p(dir.path(), store);
  EXPECT_EQ(p.loaded().records, 5u);
  EXPECT_EQ(p.loaded().spans, 5u);
  EXPECT_EQ(store.stats().traces, 5u);
}

TEST(Persistence, CompactionAtStartKeepsOnlyWhatTheStoreKept) {
  TempDir dir;
  {
    TraceStore store({100, std::size_t{1} << 30});
    Persistence p(dir.path(), store);
    for (std::uint8_t t = 1; t <= 5; ++t)
      ASSERT_TRUE(p.add(collector::Traces::from_request(one_span(t))));
  }
  {
    TraceStore small({2, std::size_t{1} << 30});
    Persistence p(dir.path(), small);  // replays 5, keeps 2, compacts to 2
    EXPECT_EQ(small.stats().traces, 2u);
  }
  TraceStore store({100, std::size_t{1} << 30});
  Persistence p(dir.path(), store);
  EXPECT_EQ(store.stats().traces, 2u);
  TraceId newest{};
  newest[15] = 5;
  EXPECT_TRUE(store.get(newest));
}

}  // namespace
}  // namespace spanline::traceview
