#include "pipeline/traces.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <climits>

#include "otlp/otlp_wire.h"

namespace spanline::collector {
namespace {

using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::ScopeSpans;

// A decoded request's strings and repeated fields come from one arena:
// decoding allocates by bumping a pointer and freeing the part frees a few
// blocks instead of every string.
std::unique_ptr<google::protobuf::Arena> make_arena(std::size_t expected_bytes) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = std::clamp<std::size_t>(expected_bytes, 4096, 1 << 20);
  options.max_block_size = 1 << 20;
  return std::make_unique<google::protobuf::Arena>(options);
}

}  // namespace

struct Traces::Part {
  std::string wire;  // while request is null
  std::unique_ptr<google::protobuf::Arena> arena;
  std::unique_ptr<ExportTraceServiceRequest> heap;  // a decoded request not on the arena
  ExportTraceServiceRequest* request = nullptr;
  std::size_t spans = 0;

  static std::unique_ptr<Part> decoded(std::size_t expected_bytes) {
    auto part = std::make_unique<Part>();
    part->arena = make_arena(expected_bytes);
    part->request =
        google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(part->arena.get());
    return part;
  }

  // Decodes the wire form. The receivers scanned it, so this cannot fail;
  // were it to, the part is left empty rather than half-read.
  ExportTraceServiceRequest& decode() {
    if (request != nullptr) return *request;
    arena = make_arena(wire.size() * 2);
    request = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(arena.get());
    if (wire.size() > INT_MAX ||
        !request->ParseFromArray(wire.data(), static_cast<int>(wire.size())))
      request->Clear();
    std::string().swap(wire);
    spans = count_spans(*request);
    return *request;
  }
};

Traces::Traces() = default;
Traces::Traces(Traces&&) noexcept = default;
Traces& Traces::operator=(Traces&&) noexcept = default;
Traces::~Traces() = default;

Traces Traces::from_wire(std::string wire, std::size_t spans) {
  Traces t;
  if (spans == 0) return t;
  auto part = std::make_unique<Part>();
  part->wire = std::move(wire);
  part->spans = spans;
  t.parts_.push_back(std::move(part));
  t.span_count_ = spans;
  return t;
}

Traces Traces::from_request(ExportTraceServiceRequest&& request) {
  Traces t;
  auto part = std::make_unique<Part>();
  part->heap = std::make_unique<ExportTraceServiceRequest>(std::move(request));
  part->request = part->heap.get();
  part->spans = count_spans(*part->request);
  t.span_count_ = part->spans;
  t.parts_.push_back(std::move(part));
  return t;
}

std::vector<ExportTraceServiceRequest*> Traces::requests() {
  std::vector<ExportTraceServiceRequest*> out;
  out.reserve(parts_.size());
  std::size_t total = 0;
  for (auto& part : parts_) {
    out.push_back(&part->decode());
    total += part->spans;
  }
  span_count_ = total;
  return out;
}

void Traces::edit_resources(const std::function<void(Resource&)>& edit) {
  std::string rewritten;
  for (auto& part : parts_) {
    if (part->request == nullptr) {
      rewritten.clear();
      if (rewrite_resources(part->wire, edit, rewritten)) {
        part->wire.swap(rewritten);
        continue;
      }
    }
    for (auto& rs : *part->decode().mutable_resource_spans()) edit(*rs.mutable_resource());
  }
}

ExportTraceServiceRequest& Traces::add_request() {
  parts_.push_back(Part::decoded(4096));
  return *parts_.back()->request;
}

std::size_t Traces::decoded_part_count() const noexcept {
  return static_cast<std::size_t>(std::count_if(
      parts_.begin(), parts_.end(), [](const auto& part) { return part->request != nullptr; }));
}

void Traces::recount() noexcept {
  std::size_t total = 0;
  for (auto& part : parts_) {
    if (part->request != nullptr) part->spans = count_spans(*part->request);
    total += part->spans;
  }
  span_count_ = total;
}

void Traces::append(Traces&& other) {
  parts_.reserve(parts_.size() + other.parts_.size());
  for (auto& part : other.parts_) parts_.push_back(std::move(part));
  span_count_ += other.span_count_;
  other.parts_.clear();
  other.span_count_ = 0;
}

std::vector<Traces> Traces::split(std::size_t max) && {
  std::vector<Traces> out;
  if (max == 0 || span_count_ <= max) {
    if (span_count_ > 0) out.push_back(std::move(*this));
    return out;
  }
  Traces piece;
  // Where spans of a straddling part go: the piece's last part, filled.
  ExportTraceServiceRequest* dst = nullptr;
  Part* dst_part = nullptr;
  auto flush = [&] {
    out.push_back(std::move(piece));
    piece = Traces();
    dst = nullptr;
    dst_part = nullptr;
  };
  for (auto& part : parts_) {
    if (piece.span_count_ + part->spans <= max) {
      piece.span_count_ += part->spans;
      piece.parts_.push_back(std::move(part));
      dst = nullptr;
      if (piece.span_count_ == max) flush();
      continue;
    }
    for (auto& rs : *part->decode().mutable_resource_spans()) {
      ResourceSpans* dst_rs = nullptr;
      for (auto& ss : *rs.mutable_scope_spans()) {
        ScopeSpans* dst_ss = nullptr;
        for (auto& span : *ss.mutable_spans()) {
          if (piece.span_count_ == max) {
            flush();
            dst_rs = nullptr;
          }
          if (dst == nullptr) {
            piece.parts_.push_back(Part::decoded(4096));
            dst_part = piece.parts_.back().get();
            dst = dst_part->request;
            dst_rs = nullptr;
          }
          if (dst_rs == nullptr) {
            dst_rs = dst->add_resource_spans();
            *dst_rs->mutable_resource() = rs.resource();
            dst_rs->set_schema_url(rs.schema_url());
            dst_ss = nullptr;
          }
          if (dst_ss == nullptr) {
            dst_ss = dst_rs->add_scope_spans();
            *dst_ss->mutable_scope() = ss.scope();
            dst_ss->set_schema_url(ss.schema_url());
          }
          *dst_ss->add_spans() = std::move(span);
          ++dst_part->spans;
          ++piece.span_count_;
        }
      }
    }
    part.reset();
  }
  if (piece.span_count_ > 0) out.push_back(std::move(piece));
  parts_.clear();
  span_count_ = 0;
  return out;
}

bool Traces::append_proto(std::string& out) const {
  for (const auto& part : parts_) {
    if (part->request == nullptr)
      out += part->wire;
    else if (!part->request->AppendToString(&out))
      return false;
  }
  return true;
}

ExportTraceServiceRequest Traces::merged() const {
  ExportTraceServiceRequest out;
  for (const auto& part : parts_) {
    if (part->request != nullptr)
      out.MergeFrom(*part->request);
    else if (part->wire.size() > INT_MAX || !out.MergeFromString(part->wire))
      return ExportTraceServiceRequest();  // cannot happen for scanned bytes
  }
  return out;
}

std::size_t Traces::resource_spans_count() const {
  std::size_t n = 0;
  for (const auto& part : parts_)
    n += part->request == nullptr ? count_resource_spans(part->wire)
                                  : static_cast<std::size_t>(part->request->resource_spans_size());
  return n;
}

Traces Traces::clone() const {
  Traces copy;
  copy.span_count_ = span_count_;
  for (const auto& part : parts_) {
    auto p = std::make_unique<Part>();
    p->spans = part->spans;
    if (part->request == nullptr) {
      p->wire = part->wire;
    } else {
      p->heap = std::make_unique<ExportTraceServiceRequest>(*part->request);
      p->request = p->heap.get();
    }
    copy.parts_.push_back(std::move(p));
  }
  return copy;
}

std::size_t count_spans(const ExportTraceServiceRequest& request) noexcept {
  std::size_t n = 0;
  for (const auto& rs : request.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += static_cast<std::size_t>(ss.spans_size());
  return n;
}

}  // namespace spanline::collector
