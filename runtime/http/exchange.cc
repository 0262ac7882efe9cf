#include "runtime/http/exchange.h"

namespace ck::http {
namespace {

// Buffers bigger than this are released between requests instead of kept
// for reuse, so one large upload does not pin memory on an idle connection.
constexpr size_t kKeepCapacity = 64 * 1024;

void clearString(std::string& s) {
  if (s.capacity() > kKeepCapacity) {
    std::string().swap(s);
  } else {
    s.clear();
  }
}

}  // namespace

void Exchange::reset() {
  request.method.clear();
  request.target.clear();
  request.path.clear();
  request.rawQuery.clear();
  request.headers.clear();
  request.query.clear();
  request.pathParams.clear();
  clearString(request.body);
  request.bodyStream = nullptr;
  request.requestId.clear();
  request.remoteAddr.clear();
  response.status = 200;
  response.headers.clear();
  clearString(response.body);
  response.file.reset();
  refusal = Response();
  route = nullptr;
  refusalCode = ErrorCode::kOk;
  state = State::kPending;
  headersDone = bodyDone = preset = running = false;
  keepAlive = true;
  closeAfter = headRequest = expectContinue = continueSent = logged = false;
  method = 0;
  allowOrigin.clear();
  bodyLimit = 0;
  bodyBytes = 0;
  stream.reset();
  startNs = 0;
  bytesOut = 0;
  statusSent = 0;
  head.clear();
  file.reset();  // closes the descriptor unless a copy of the response still holds it
  fileOffset = 0;
  fileLeft = 0;
  fileBuf.reset();
}

}  // namespace ck::http
