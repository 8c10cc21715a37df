#include "spanline/net/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace spanline::net {
namespace {

Response ok(Request&) {
  return Response::text(200, "ok");
}

using Kind = Router::Match::Kind;

TEST(Router, MatchesLiteralAndParameterSegments) {
  Router router;
  router.get("/tasks", SyncHandler(ok)).get("/tasks/{id}", SyncHandler(ok));
  router.get("/users/{user}/tasks/{task}", SyncHandler(ok));
  PathParams params;

  auto m = router.match(Method::kGet, "/tasks", params);
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/tasks");
  EXPECT_EQ(params.size(), 0u);

  m = router.match(Method::kGet, "/tasks/42", params);
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/tasks/{id}");
  EXPECT_EQ(params.get("id"), "42");

  m = router.match(Method::kGet, "/users/ann/tasks/7", params);
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(params.get("user"), "ann");
  EXPECT_EQ(params.get("task"), "7");
  EXPECT_EQ(params.get("missing"), "");
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  router.get("/tasks/{id}", SyncHandler(ok));
  PathParams params;
  EXPECT_EQ(router.match(Method::kGet, "/nope", params).kind, Kind::kNotFound);
  EXPECT_EQ(router.match(Method::kGet, "/tasks", params).kind, Kind::kNotFound);
  EXPECT_EQ(router.match(Method::kGet, "/tasks/1/extra", params).kind, Kind::kNotFound);
  // A parameter binds a non-empty segment; a trailing slash is another path.
  EXPECT_EQ(router.match(Method::kGet, "/tasks/", params).kind, Kind::kNotFound);
}

TEST(Router, WrongMethodIsMethodNotAllowedWithAllow) {
  Router router;
  router.get("/tasks", SyncHandler(ok)).post("/tasks", SyncHandler(ok));
  PathParams params;
  auto m = router.match(Method::kDelete, "/tasks", params);
  ASSERT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.route->allow, "GET, HEAD, POST");
  EXPECT_EQ(router.match(Method::kOther, "/tasks", params).kind, Kind::kMethodNotAllowed);
}

// RFC 9110 §9.3.2: HEAD is answered wherever GET is, by GET's handler,
// under an endpoint that names HEAD (span name and method attribute).
TEST(Router, GetRoutesAnswerHeadWithTheGetHandler) {
  Router router;
  router.get("/tasks/{id}", SyncHandler(ok)).post("/items", SyncHandler(ok));
  PathParams params;
  const auto get = router.match(Method::kGet, "/tasks/7", params);
  const auto head = router.match(Method::kHead, "/tasks/7", params);
  ASSERT_EQ(head.kind, Kind::kFound);
  EXPECT_EQ(params.get("id"), "7");
  EXPECT_EQ(head.endpoint->method, Method::kHead);
  EXPECT_EQ(head.endpoint->span_name, "HEAD /tasks/{id}");
  EXPECT_TRUE(head.endpoint->head_from_get);
  EXPECT_EQ(head.handler, get.endpoint);
  EXPECT_EQ(get.handler, get.endpoint);
  EXPECT_EQ(head.route->allow, "GET, HEAD");
  // A route without GET has no HEAD.
  const auto post_only = router.match(Method::kHead, "/items", params);
  EXPECT_EQ(post_only.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(post_only.route->allow, "POST");
}

TEST(Router, AnExplicitHeadReplacesTheOneGetServes) {
  Router router;
  router.get("/a", SyncHandler(ok)).route(Method::kHead, "/a", SyncHandler(ok));
  router.route(Method::kHead, "/b", SyncHandler(ok)).get("/b", SyncHandler(ok));
  PathParams params;
  for (const char* path : {"/a", "/b"}) {
    const auto head = router.match(Method::kHead, path, params);
    ASSERT_EQ(head.kind, Kind::kFound) << path;
    EXPECT_FALSE(head.endpoint->head_from_get) << path;
    EXPECT_EQ(head.handler, head.endpoint) << path;
    EXPECT_TRUE(head.handler->sync_handler) << path;
  }
  EXPECT_EQ(router.match(Method::kGet, "/a", params).route->allow, "GET, HEAD");
  EXPECT_EQ(router.match(Method::kGet, "/b", params).route->allow, "HEAD, GET");
  // Twice explicitly is still a duplicate.
  EXPECT_THROW(router.route(Method::kHead, "/a", SyncHandler(ok)), std::invalid_argument);
  EXPECT_THROW(router.get("/b", SyncHandler(ok)), std::invalid_argument);
}

TEST(Router, MoreLiteralSegmentsWin) {
  Router router;
  router.get("/tasks/{id}", SyncHandler(ok)).get("/tasks/stats", SyncHandler(ok));
  PathParams params;
  auto m = router.match(Method::kGet, "/tasks/stats", params);
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/tasks/stats");
  EXPECT_EQ(params.size(), 0u);
  EXPECT_EQ(router.match(Method::kGet, "/tasks/9", params).route->pattern, "/tasks/{id}");
}

TEST(Router, RootPath) {
  Router router;
  router.get("/", SyncHandler(ok));
  PathParams params;
  EXPECT_EQ(router.match(Method::kGet, "/", params).kind, Kind::kFound);
  EXPECT_EQ(router.match(Method::kGet, "/x", params).kind, Kind::kNotFound);
}

TEST(Router, SpanNamesAndHealthChecks) {
  Router router;
  router.post("/tasks", SyncHandler(ok)).get("/health", SyncHandler(ok));
  router.get("/api/v1/health", SyncHandler(ok), {.instrumentation = Instrumentation::kOn});
  router.get("/quiet", SyncHandler(ok), {.instrumentation = Instrumentation::kOff});
  PathParams params;
  auto post = router.match(Method::kPost, "/tasks", params);
  EXPECT_EQ(post.endpoint->span_name, "POST /tasks");
  EXPECT_TRUE(post.endpoint->instrumented);
  EXPECT_FALSE(router.match(Method::kGet, "/health", params).endpoint->instrumented);
  EXPECT_TRUE(router.match(Method::kGet, "/api/v1/health", params).endpoint->instrumented);
  EXPECT_FALSE(router.match(Method::kGet, "/quiet", params).endpoint->instrumented);
}

TEST(Router, RejectsMalformedAndDuplicateTemplates) {
  Router router;
  EXPECT_THROW(router.get("tasks", SyncHandler(ok)), std::invalid_argument);
  EXPECT_THROW(router.get("/tasks/{}", SyncHandler(ok)), std::invalid_argument);
  EXPECT_THROW(router.get("/tasks/{a-b}", SyncHandler(ok)), std::invalid_argument);
  EXPECT_THROW(router.get("/tasks/x{id}", SyncHandler(ok)), std::invalid_argument);
  EXPECT_THROW(router.get("/a/{id}/b/{id}", SyncHandler(ok)), std::invalid_argument);
  EXPECT_THROW(router.get("/a?b", SyncHandler(ok)), std::invalid_argument);
  router.get("/tasks", SyncHandler(ok));
  EXPECT_THROW(router.get("/tasks", SyncHandler(ok)), std::invalid_argument);
  EXPECT_THROW(router.get("/x", SyncHandler()), std::invalid_argument);
}

TEST(Method, NamesAndIdempotence) {
  EXPECT_EQ(parse_method("PATCH"), Method::kPatch);
  EXPECT_EQ(parse_method("get"), Method::kOther);
  EXPECT_EQ(to_string(Method::kOther), "_OTHER");
  EXPECT_TRUE(is_idempotent(Method::kPut));
  EXPECT_FALSE(is_idempotent(Method::kPost));
}

}  // namespace
}  // namespace spanline::net
