#include "http/handler.hpp"

#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/url/params_encoded_view.hpp>

#include "common/log.hpp"
#include "http/json.hpp"

namespace concertd::http {
namespace {

Error missing_token() { return make_error(Errc::kInvalidToken, "a bearer token is required"); }

}  // namespace

std::optional<std::string_view> bearer_token(const Request& req) {
  constexpr std::string_view kScheme = "Bearer ";
  std::string_view value = req.authorization;
  if (value.size() <= kScheme.size() || !beast::iequals(value.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return value;
}

std::optional<std::string> query_param(const Request& req, std::string_view key) {
  // Through the url_view: Boost.URL 1.81's parse_query(string_view) reads past the end
  // of a view that is not NUL-terminated (it calls strlen).
  const auto params = req.target.encoded_params();
  const auto it = params.find(key);
  if (it == params.end() || !(*it).has_value) return std::nullopt;
  return (*it).value.decode();
}

void note_user(const Context& ctx, UserId user) {
  if (ctx.notes != nullptr) ctx.notes->user = user;
}

Result<UserId> authenticate_access(const Context& ctx, const Request& req) {
  const auto token = bearer_token(req);
  if (!token) return missing_token();
  auto user = ctx.services.tokens.verify_access(*token);
  if (user) note_user(ctx, *user);
  return user;
}

Result<UserId> own_path_user(const Context& ctx, const Request& req) {
  auto user = authenticate_access(ctx, req);
  if (!user) return user.error();
  // A path id that is not a UUID is nobody's: as forbidden as someone else's.
  auto path_user = path_id<UserTag>(req, Errc::kForbidden, "not the access token's user");
  if (!path_user) return path_user.error();
  if (*path_user != *user) return make_error(Errc::kForbidden, "not the access token's user");
  return *user;
}

Result<tokens::QueueClaims> authenticate_queue(const Context& ctx, const Request& req,
                                               std::optional<std::string_view> body_token) {
  std::optional<std::string> query_token;
  if (req.method == beast::http::verb::get) query_token = query_param(req, "token");
  const std::array<std::optional<std::string_view>, 3> candidates{body_token, query_token,
                                                                  bearer_token(req)};
  std::optional<Error> first_error;
  for (const auto& candidate : candidates) {
    if (!candidate) continue;
    auto claims = ctx.services.tokens.verify_queue(*candidate);
    if (claims) {
      note_user(ctx, claims->user);
      return claims;
    }
    if (!first_error) first_error = claims.error();
  }
  if (first_error) return *first_error;
  return missing_token();
}

Result<UserId> authenticate_owner(const Context& ctx, const Request& req,
                                  std::optional<std::string_view> body_token) {
  if (const auto token = bearer_token(req)) {
    if (auto user = ctx.services.tokens.verify_access(*token)) {
      note_user(ctx, *user);
      return *user;
    }
  }
  auto claims = authenticate_queue(ctx, req, body_token);
  if (!claims) return claims.error();
  return claims->user;
}

Result<QueueTokenBody> queue_token_body(const Context& ctx, const Request& req) {
  auto body = parse_object(req.body);
  if (!body) return body.error();
  auto token = optional_string(*body, "token");
  if (!token) return token.error();
  auto claims = authenticate_queue(ctx, req, *token);
  if (!claims) return claims.error();
  return QueueTokenBody{std::move(*body), *claims};
}

Result<std::optional<std::string>> optional_body_token(std::string_view body) {
  if (body.empty()) return std::optional<std::string>();
  auto object = parse_object(body);
  if (!object) return object.error();
  auto token = optional_string(*object, "token");
  if (!token) return token.error();
  if (!*token) return std::optional<std::string>();
  return std::optional<std::string>(std::string(**token));
}

void audit(const Request& req, std::string_view action, std::string_view members) {
  spdlog::warn(R"("event":"audit","action":"{}","request_id":"{}","client":"{}",{})", action,
               req.id, req.client, members);
}

Result<std::optional<std::string>> idempotency_key(const Request& req) {
  if (!req.idempotency_key) return std::optional<std::string>();
  const std::string_view key = *req.idempotency_key;
  bool visible = !key.empty() && key.size() <= 255;
  for (const char c : key) visible = visible && c >= 0x21 && c <= 0x7E;
  if (!visible) {
    return make_error(Errc::kInvalidArgument,
                      "Idempotency-Key must be 1 to 255 visible ASCII characters");
  }
  return std::optional<std::string>(std::string(key));
}

}  // namespace concertd::http
