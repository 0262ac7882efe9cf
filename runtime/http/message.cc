#include "runtime/http/message.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

namespace ck::http {

FileBody::~FileBody() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string_view> Request::header(std::string_view lowerName) const {
  for (const auto& [name, value] : headers) {
    if (name == lowerName) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::queryParam(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

const std::string& Request::pathParam(std::string_view name) const {
  for (const auto& [key, value] : pathParams) {
    if (key == name) return value;
  }
  static const std::string kEmpty;
  return kEmpty;
}

Response Response::json(int status, const nlohmann::json& body) {
  return jsonText(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Response::jsonText(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

Response Response::error(const Status& status) {
  if (status.ok()) return error(ErrorCode::kInternal);
  return json(status.httpStatus(),
              nlohmann::json{{"code", static_cast<int>(status.code())}, {"message", status.message()}});
}

Response Response::error(ErrorCode code) { return error(Status::error(code)); }

Response Response::error(ErrorCode code, std::string message) {
  return error(Status(code, std::move(message)));
}

}  // namespace ck::http
