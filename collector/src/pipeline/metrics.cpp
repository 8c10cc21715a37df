#include "pipeline/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace spanline::collector {
namespace {

// Label values escape \, " and newline (exposition format).
void append_labels(std::string& out, const Labels& labels) {
  if (labels.empty()) return;
  out.push_back('{');
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += labels[i].first;
    out += "=\"";
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') {
        out.push_back('\\');
        out.push_back(c);
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out.push_back(c);
      }
    }
    out.push_back('"');
  }
  out.push_back('}');
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return std::to_string(static_cast<std::int64_t>(v));
  return std::to_string(v);
}

}  // namespace

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  for (auto& s : series_)
    if (s.is_counter && s.name == name && s.labels == labels) return s.counter;
  auto& s = series_.emplace_back();
  s.name = name;
  s.help = help;
  s.is_counter = true;
  s.labels = labels;
  return s.counter;
}

void Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels,
                    std::function<double()> read) {
  std::lock_guard lock(mu_);
  auto& s = series_.emplace_back();
  s.name = name;
  s.help = help;
  s.is_counter = false;
  s.labels = labels;
  s.read = std::move(read);
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<const Series*>> families;
  for (const auto& s : series_) families[s.name].push_back(&s);
  std::string out;
  for (const auto& [name, members] : families) {
    const Series& first = *members.front();
    out += "# HELP " + name + " " + first.help + "\n";
    out += "# TYPE " + name + (first.is_counter ? " counter\n" : " gauge\n");
    for (const Series* s : members) {
      out += name;
      append_labels(out, s->labels);
      out.push_back(' ');
      out += s->is_counter ? std::to_string(s->counter.value()) : format_value(s->read());
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace spanline::collector
