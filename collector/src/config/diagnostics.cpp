#include "config/diagnostics.h"

namespace spanline::collector::detail {
namespace {

std::string format(const SourceMark& mark, std::string_view path, std::string_view message) {
  std::string out = format_mark(mark);
  if (!out.empty()) out += ": ";
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace

std::string join_path(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  if (key.empty()) return std::string(prefix);
  std::string out(prefix);
  out += "::";
  out += key;
  return out;
}

std::string join_names(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

void Diagnostics::error(const SourceMark& mark, std::string_view path, std::string_view message) {
  errors_.push_back(format(mark, path, message));
  error_paths_.emplace_back(path);
}

void Diagnostics::warning(const SourceMark& mark, std::string_view path, std::string_view message) {
  warnings_.push_back(format(mark, path, message));
}

void Diagnostics::unsupported(const SourceMark& mark, std::string_view path,
                              std::string_view message) {
  if (lenient_) {
    warnings_.push_back(format(mark, path, std::string(message) + " (ignored)"));
  } else {
    error(mark, path, message);
  }
}

bool Diagnostics::has_error_at_or_above(std::string_view path) const {
  for (const std::string& e : error_paths_) {
    if (e.empty() || !path.starts_with(e)) continue;
    std::string_view rest = path.substr(e.size());
    if (rest.empty() || rest.starts_with("::") || rest.starts_with("[")) return true;
  }
  return false;
}

void Diagnostics::add_errors(const std::vector<std::string>& messages) {
  errors_.insert(errors_.end(), messages.begin(), messages.end());
}

}  // namespace spanline::collector::detail
