// The web UI's files (traceview/ui/), embedded in the binary at build time
// (cmake/embed_assets.cmake), and the routes that serve them: `/`,
// `/search`, `/trace/{id}` and `/dependencies` answer index.html (the page
// routes itself), `/ui/{file}` the file. With a directory (--ui-dir) the
// files are read from there on each request instead (for UI development).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "spanline/net/router.h"

namespace spanline::traceview {

struct Asset {
  const char* name;          // relative to traceview/ui/, e.g. "app.js"
  const char* content_type;  // static storage
  const unsigned char* data;
  std::size_t size;
};

std::span<const Asset> embedded_assets() noexcept;

// `ui_dir` empty: the embedded files.
void add_ui_routes(net::Router& router, const std::string& ui_dir);

}  // namespace spanline::traceview
