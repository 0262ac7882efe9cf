#include "runtime/http/response_head.h"

#include <charconv>
#include <ctime>

namespace ck::http {
namespace {

bool equalsLower(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool serverOwned(std::string_view name) {
  return equalsLower(name, "content-length") || equalsLower(name, "transfer-encoding") ||
         equalsLower(name, "connection") || equalsLower(name, "date") || equalsLower(name, "x-request-id");
}

bool safeHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c <= ' ' || c == ':' || c == 127) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void appendNumber(std::string& out, uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

std::string_view DateCache::get(int64_t nowMs) {
  int64_t second = nowMs / 1000;
  if (second == second_) return text_;
  second_ = second;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(second);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                        tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                        tm.tm_sec);
  text_.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return text_;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

bool appendResponseHead(std::string& out, const Response& r, const HeadParams& p) {
  int status = (r.status >= 100 && r.status <= 999) ? r.status : 500;
  bool bodyAllowed = !(status < 200 || status == 204 || status == 304);
  out.append("HTTP/1.1 ");
  appendNumber(out, static_cast<uint64_t>(status));
  out.push_back(' ');
  out.append(reasonPhrase(status));
  out.append("\r\n");
  if (bodyAllowed) {
    out.append("Content-Length: ");
    appendNumber(out, r.file ? r.file->length() : r.body.size());
    out.append("\r\n");
  }
  appendHeader(out, "Date", p.date);
  appendHeader(out, "X-Request-Id", p.requestId);
  appendHeader(out, "Connection", p.keepAlive ? "keep-alive" : "close");
  if (!p.allowOrigin.empty()) {
    appendHeader(out, "Access-Control-Allow-Origin", p.allowOrigin);
    appendHeader(out, "Access-Control-Expose-Headers", "X-Request-Id");
    if (p.varyOrigin) appendHeader(out, "Vary", "Origin");
  }
  for (const auto& [name, value] : r.headers) {
    if (serverOwned(name) || !safeHeader(name, value)) continue;
    appendHeader(out, name, value);
  }
  out.append("\r\n");
  return bodyAllowed && !p.headRequest && (r.file ? r.file->length() > 0 : !r.body.empty());
}

}  // namespace ck::http
