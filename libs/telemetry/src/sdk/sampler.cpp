#include "spanline/telemetry/sdk/sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "sdk/env.h"

namespace spanline::telemetry {
namespace {

class AlwaysOnSampler final : public Sampler {
 public:
  SamplingResult should_sample(const SamplingParams&) const override {
    return {SamplingDecision::kRecordAndSample, {}, nullptr};
  }
  std::string description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOffSampler final : public Sampler {
 public:
  SamplingResult should_sample(const SamplingParams&) const override {
    return {SamplingDecision::kDrop, {}, nullptr};
  }
  std::string description() const override { return "AlwaysOffSampler"; }
};

// The threshold compares against the trace id's last 8 bytes, the part W3C
// Trace Context Level 2 requires to be random; every SDK that does the same
// makes the same decision for the same trace.
class TraceIdRatioSampler final : public Sampler {
 public:
  explicit TraceIdRatioSampler(double ratio) : ratio_(std::clamp(ratio, 0.0, 1.0)) {
    if (ratio_ >= 1.0) {
      always_ = true;
    } else {
      threshold_ = static_cast<std::uint64_t>(std::ldexp(ratio_, 64));
    }
  }
  SamplingResult should_sample(const SamplingParams& p) const override {
    if (always_) return {SamplingDecision::kRecordAndSample, {}, nullptr};
    std::uint64_t v = 0;
    for (int i = 8; i < 16; ++i) v = (v << 8) | p.trace_id.bytes()[i];
    return {
        v < threshold_ ? SamplingDecision::kRecordAndSample : SamplingDecision::kDrop, {}, nullptr};
  }
  std::string description() const override {
    char buf[64];
    std::snprintf(buf, sizeof buf, "TraceIdRatioBased{%.6f}", ratio_);
    return buf;
  }

 private:
  double ratio_;
  bool always_ = false;
  std::uint64_t threshold_ = 0;
};

template <typename T>
bool is(const std::unique_ptr<Sampler>& sampler) noexcept {
  return dynamic_cast<const T*>(sampler.get()) != nullptr;
}

class ParentBasedSampler final : public Sampler {
 public:
  explicit ParentBasedSampler(ParentBasedOptions o) : o_(std::move(o)) {
    if (!o_.root) o_.root = make_always_on_sampler();
    if (!o_.remote_parent_sampled) o_.remote_parent_sampled = make_always_on_sampler();
    if (!o_.remote_parent_not_sampled) o_.remote_parent_not_sampled = make_always_off_sampler();
    if (!o_.local_parent_sampled) o_.local_parent_sampled = make_always_on_sampler();
    if (!o_.local_parent_not_sampled) o_.local_parent_not_sampled = make_always_off_sampler();
  }
  SamplingResult should_sample(const SamplingParams& p) const override {
    const SpanContext& parent = p.parent.span_context();
    if (!parent.is_valid()) return o_.root->should_sample(p);
    if (parent.is_remote()) {
      return parent.is_sampled() ? o_.remote_parent_sampled->should_sample(p)
                                 : o_.remote_parent_not_sampled->should_sample(p);
    }
    return parent.is_sampled() ? o_.local_parent_sampled->should_sample(p)
                               : o_.local_parent_not_sampled->should_sample(p);
  }
  // The spec default (every delegate at its default, root always on): the
  // decision is the parent's sampled flag, or sample for a root.
  bool follows_parent_flag() const noexcept {
    return is<AlwaysOnSampler>(o_.root) && is<AlwaysOnSampler>(o_.remote_parent_sampled) &&
           is<AlwaysOffSampler>(o_.remote_parent_not_sampled) &&
           is<AlwaysOnSampler>(o_.local_parent_sampled) &&
           is<AlwaysOffSampler>(o_.local_parent_not_sampled);
  }
  std::string description() const override {
    return "ParentBased{root:" + o_.root->description() +
           ",remoteParentSampled:" + o_.remote_parent_sampled->description() +
           ",remoteParentNotSampled:" + o_.remote_parent_not_sampled->description() +
           ",localParentSampled:" + o_.local_parent_sampled->description() +
           ",localParentNotSampled:" + o_.local_parent_not_sampled->description() + "}";
  }

 private:
  ParentBasedOptions o_;
};

double parse_ratio(std::string_view arg, std::string* warning) {
  if (arg.empty()) return 1.0;
  double ratio = 0;
  auto s = env::trim(arg);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ratio);
  if (ec != std::errc() || end != s.data() + s.size() || !(ratio >= 0.0 && ratio <= 1.0)) {
    if (warning)
      *warning = "OTEL_TRACES_SAMPLER_ARG=\"" + std::string(arg) +
                 "\" is not a ratio in [0, 1]; using 1.0";
    return 1.0;
  }
  return ratio;
}

}  // namespace

namespace detail {
bool samples_by_parent_flag(const Sampler& sampler) noexcept {
  const auto* parent_based = dynamic_cast<const ParentBasedSampler*>(&sampler);
  return parent_based != nullptr && parent_based->follows_parent_flag();
}
}  // namespace detail

std::unique_ptr<Sampler> make_always_on_sampler() {
  return std::make_unique<AlwaysOnSampler>();
}
std::unique_ptr<Sampler> make_always_off_sampler() {
  return std::make_unique<AlwaysOffSampler>();
}
std::unique_ptr<Sampler> make_trace_id_ratio_sampler(double ratio) {
  return std::make_unique<TraceIdRatioSampler>(ratio);
}
std::unique_ptr<Sampler> make_parent_based_sampler(ParentBasedOptions options) {
  return std::make_unique<ParentBasedSampler>(std::move(options));
}
std::unique_ptr<Sampler> make_parent_based_sampler(std::unique_ptr<Sampler> root) {
  ParentBasedOptions o;
  o.root = std::move(root);
  return make_parent_based_sampler(std::move(o));
}

std::unique_ptr<Sampler> make_sampler(std::string_view name, std::string_view arg,
                                      std::string* warning) {
  const std::string n = env::to_lower(env::trim(name));
  if (n.empty() || n == "parentbased_always_on")
    return make_parent_based_sampler(make_always_on_sampler());
  if (n == "always_on") return make_always_on_sampler();
  if (n == "always_off") return make_always_off_sampler();
  if (n == "traceidratio") return make_trace_id_ratio_sampler(parse_ratio(arg, warning));
  if (n == "parentbased_always_off") return make_parent_based_sampler(make_always_off_sampler());
  if (n == "parentbased_traceidratio")
    return make_parent_based_sampler(make_trace_id_ratio_sampler(parse_ratio(arg, warning)));
  if (warning)
    *warning = "OTEL_TRACES_SAMPLER=\"" + std::string(name) +
               "\" is not supported (always_on, always_off, traceidratio, "
               "parentbased_always_on, parentbased_always_off, parentbased_traceidratio); "
               "using parentbased_always_on";
  return make_parent_based_sampler(make_always_on_sampler());
}

}  // namespace spanline::telemetry
