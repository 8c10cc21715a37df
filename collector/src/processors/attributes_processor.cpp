#include "processors/attributes_processor.h"

#include <algorithm>

namespace spanline::collector {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

void set_value(AnyValue& out, const ConfigValue& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out.set_string_value(x);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out.set_int_value(x);
        } else if constexpr (std::is_same_v<T, double>) {
          out.set_double_value(x);
        } else {
          out.set_bool_value(x);
        }
      },
      v);
}

KeyValue* find(KeyValues& attributes, const std::string& key) {
  for (auto& kv : attributes)
    if (kv.key() == key) return &kv;
  return nullptr;
}

// The value an insert/update/upsert writes; false when from_attribute names
// an attribute that is absent (the action then does nothing).
bool new_value(const AttributeAction& a, KeyValues& attributes, AnyValue& out) {
  if (a.value) {
    set_value(out, *a.value);
    return true;
  }
  if (a.from_attribute) {
    const KeyValue* source = find(attributes, *a.from_attribute);
    if (source == nullptr) return false;
    out = source->value();
    return true;
  }
  return false;
}

}  // namespace

void apply_attribute_actions(const std::vector<AttributeAction>& actions, KeyValues& attributes) {
  for (const AttributeAction& a : actions) {
    KeyValue* existing = find(attributes, a.key);
    if (a.action == AttributeActionKind::kDelete) {
      if (existing == nullptr) continue;
      auto it = std::find_if(attributes.begin(), attributes.end(),
                             [&](const KeyValue& kv) { return kv.key() == a.key; });
      attributes.erase(it);
      continue;
    }
    if (a.action == AttributeActionKind::kInsert && existing != nullptr) continue;
    if (a.action == AttributeActionKind::kUpdate && existing == nullptr) continue;
    AnyValue value;
    if (!new_value(a, attributes, value)) continue;
    if (existing == nullptr) {
      existing = attributes.Add();
      existing->set_key(a.key);
    }
    *existing->mutable_value() = std::move(value);
  }
}

AttributesProcessor::AttributesProcessor(AttributesProcessorConfig config, Target target)
    : config_(std::move(config)), target_(target) {}

ConsumeResult AttributesProcessor::consume(Traces traces) noexcept {
  if (target_ == Target::kResource) {
    // Only resources change: requests that arrived as protobuf stay bytes.
    traces.edit_resources([this](Traces::Resource& resource) {
      apply_attribute_actions(config_.actions, *resource.mutable_attributes());
    });
    return next_->consume(std::move(traces));
  }
  for (ExportTraceServiceRequest* request : traces.requests())
    for (auto& rs : *request->mutable_resource_spans())
      for (auto& ss : *rs.mutable_scope_spans())
        for (auto& span : *ss.mutable_spans())
          apply_attribute_actions(config_.actions, *span.mutable_attributes());
  return next_->consume(std::move(traces));
}

}  // namespace spanline::collector
