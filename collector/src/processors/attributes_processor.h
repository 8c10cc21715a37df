// `attributes` (span attributes) and `resource` (resource attributes): the
// same insert / update / upsert / delete actions on one attribute list, in
// the order configured.
#pragma once

#include <string>

#include "config/config.h"
#include "pipeline/component.h"

namespace google::protobuf {
template <typename T>
class RepeatedPtrField;
}
namespace opentelemetry::proto::common::v1 {
class KeyValue;
}

namespace spanline::collector {

using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// Applies `actions` to one attribute list (Collector semantics: insert only
// when absent, update only when present, upsert either way; from_attribute
// copies another attribute's value and does nothing when that is absent).
void apply_attribute_actions(const std::vector<AttributeAction>& actions, KeyValues& attributes);

class AttributesProcessor final : public Processor {
 public:
  enum class Target { kSpans, kResource };
  AttributesProcessor(AttributesProcessorConfig config, Target target);
  ConsumeResult consume(Traces traces) noexcept override;

 private:
  AttributesProcessorConfig config_;
  Target target_;
};

}  // namespace spanline::collector
