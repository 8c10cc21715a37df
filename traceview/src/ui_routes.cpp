#include <fstream>
#include <sstream>

#include "assets.h"
#include "spanline/net/request.h"
#include "spanline/net/response.h"

namespace spanline::traceview {
namespace {

std::string_view type_of(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

// A plain file name: no directories, nothing hidden.
bool safe_name(std::string_view name) {
  return !name.empty() && name.front() != '.' && name.find('/') == std::string_view::npos &&
         name.find('\\') == std::string_view::npos;
}

net::Response file_response(const std::string& ui_dir, std::string_view name) {
  net::Response r;
  if (!safe_name(name)) return net::Response::error(404, "not_found", "no such file");
  if (ui_dir.empty()) {
    for (const Asset& a : embedded_assets()) {
      if (name != a.name) continue;
      r.body.assign(reinterpret_cast<const char*>(a.data), a.size);
      r.content_type = a.content_type;
      r.headers.emplace_back("Cache-Control", "no-cache");
      return r;
    }
    return net::Response::error(404, "not_found", "no such file");
  }
  std::ifstream in(ui_dir + "/" + std::string(name), std::ios::binary);
  if (!in) return net::Response::error(404, "not_found", "no such file");
  std::ostringstream body;
  body << in.rdbuf();
  r.body = body.str();
  r.content_type = type_of(name);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace

void add_ui_routes(net::Router& router, const std::string& ui_dir) {
  const net::RouteOptions untraced{.instrumentation = net::Instrumentation::kOff};
  net::SyncHandler page = [ui_dir](net::Request&) { return file_response(ui_dir, "index.html"); };
  for (const char* path : {"/", "/search", "/trace/{id}", "/dependencies"})
    router.get(path, page, untraced);
  router.get("/ui/{file}", net::SyncHandler([ui_dir](net::Request& r) {
               return file_response(ui_dir, net::percent_decode(r.param("file")));
             }),
             untraced);
}

}  // namespace spanline::traceview
