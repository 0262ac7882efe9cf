#include "base/errors.h"

#include <iterator>

namespace ck {
namespace {

constexpr ErrorInfo kErrors[] = {
#define CK_ERROR_ENTRY(name, code, status, message) {ErrorCode::name, status, #name, message},
    CK_ERROR_CODES(CK_ERROR_ENTRY)
#undef CK_ERROR_ENTRY
};

}  // namespace

const ErrorInfo& errorInfo(ErrorCode code) {
  for (const ErrorInfo& e : kErrors) {
    if (e.code == code) return e;
  }
  return errorInfo(ErrorCode::kInternal);
}

const ErrorInfo* allErrors(int* count) {
  *count = static_cast<int>(std::size(kErrors));
  return kErrors;
}

}  // namespace ck
