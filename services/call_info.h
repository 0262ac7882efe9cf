#pragma once

// Where an operation comes from, for the audit log and error messages. A
// plain value the channel (an HTTP route, a service invocation, the admin
// API) fills in and passes down with the principal.

#include <string>
#include <string_view>

namespace ck::services {

// X(enum, name)
#define CK_CHANNELS(X)   \
  X(kRest, "rest")       \
  X(kService, "service") \
  X(kAdmin, "admin")

enum class Channel : uint8_t {
#define CK_CHANNEL_ENUM(e, name) e,
  CK_CHANNELS(CK_CHANNEL_ENUM)
#undef CK_CHANNEL_ENUM
};

inline std::string_view channelName(Channel channel) {
  switch (channel) {
#define CK_CHANNEL_NAME(e, name) \
  case Channel::e:               \
    return name;
    CK_CHANNELS(CK_CHANNEL_NAME)
#undef CK_CHANNEL_NAME
  }
  return "?";
}

struct CallInfo {
  Channel channel = Channel::kRest;
  std::string requestId;      // the HTTP request's X-Request-Id, or the invocation's id
  std::string clientAddress;  // the peer's address, for the login throttle; may be empty
  std::string service;        // service code: the service and method running
  std::string method;
  // Dev mode: a denial's message names the deciding rule.
  bool devMode = false;
};

}  // namespace ck::services
