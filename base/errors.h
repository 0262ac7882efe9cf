#pragma once

// Every error code a client can meet, declared once. The HTTP layer, the
// services, `explain` and the docs read this table; nothing else invents codes.
//
// Codes below 100000 are Backendless's (same number, same meaning). Codes from
// 100000 up are cloudkeep's own, for conditions Backendless has no code for;
// for the HTTP protocol errors the last three digits are the HTTP status.
//
// X(name, code, http_status, default message)
#define CK_ERROR_CODES(X)                                                              \
  X(kEntityNotFound, 1000, 404, "Entity with the specified ID cannot be found")        \
  X(kEmptyUpdate, 1001, 400, "Cannot update object without any properties")             \
  X(kInvalidProperties, 1006, 400, "Query contains invalid object properties")          \
  X(kInvalidDataType, 1007, 400, "Invalid data type for a property")                    \
  X(kUnknownTable, 1009, 404, "Unknown table")                                          \
  X(kNoPermissionCreate, 1011, 403, "No permission to create")                          \
  X(kNoPermissionUpdate, 1012, 403, "No permission to update")                          \
  X(kNoPermissionFind, 1013, 403, "No permission to find")                              \
  X(kNoPermissionDelete, 1014, 403, "No permission to delete")                          \
  X(kNoPermissionDescribe, 1015, 403, "No permission to describe")                      \
  X(kInvalidWhere, 1017, 400, "Invalid where clause")                                   \
  X(kNoSuchProperties, 1021, 400, "There are no such properties")                       \
  X(kPageSizeTooLarge, 1025, 400, "Page size cannot be greater than 100")              \
  X(kAppNotFound, 2002, 404, "Unable to find application")                             \
  X(kInvalidLogin, 3003, 401, "Invalid login or password")                           \
  X(kUserAlreadyExists, 3033, 409, "User already exists")                              \
  X(kInvalidUserToken, 3064, 401, "Not existing user token")                           \
  X(kUserDisabled, 3090, 403, "User account is disabled")                              \
  X(kNoPermissionFiles, 4000, 403, "User has no permissions to specified resource")     \
  X(kFileNotFound, 6000, 404, "File or directory cannot be found")                      \
  X(kFileAlreadyExists, 6003, 409, "File already exists")                               \
  X(kFilePathProhibited, 6006, 400, "Path contains prohibited symbols")                 \
  X(kFileTargetExists, 6018, 409, "Unable to modify file/folder: file/folder already exists") \
  X(kServiceNotFound, 14001, 404, "Service not found")                                  \
  X(kServiceMethodNotFound, 14002, 404, "Service method not found")                      \
  X(kNoPermissionInvoke, 14008, 403, "Access denied")                                   \
  X(kCodeTimeout, 15000, 504, "Cloud Code execution time exceeded")                    \
  X(kBadRequest, 100400, 400, "Malformed request")                                     \
  X(kUnauthorized, 100401, 401, "Missing or invalid credentials")                      \
  X(kNotFound, 100404, 404, "No such route")                                           \
  X(kMethodNotAllowed, 100405, 405, "Method not allowed on this route")                \
  X(kHeaderTimeout, 100408, 408, "Request headers not received in time")               \
  X(kBodyTooLarge, 100413, 413, "Request body too large")                              \
  X(kUriTooLong, 100414, 414, "Request line too long")                                 \
  X(kUnsupportedMediaType, 100415, 415, "Unsupported content type")                    \
  X(kExpectationFailed, 100417, 417, "Unsupported expectation")                        \
  X(kAppBusy, 100429, 429, "Too many invocations queued for this app")               \
  X(kHeadersTooLarge, 100431, 431, "Request headers too large")                        \
  X(kTooManyLogins, 100432, 429, "Too many failed logins; try again later")             \
  X(kLoginLaneFull, 100433, 503, "Too many logins waiting; try again shortly")          \
  X(kInternal, 100500, 500, "Internal error")                                          \
  X(kNotImplemented, 100501, 501, "Not implemented")                                   \
  X(kTooManyConnections, 100503, 503, "Too many connections")                          \
  X(kShuttingDown, 100504, 503, "Server is shutting down")                             \
  X(kInvalidArgument, 100600, 400, "Invalid argument")                                 \
  X(kAlreadyExists, 100601, 409, "Already exists")                                     \
  X(kScriptError, 100700, 500, "Cloud Code raised an error")                           \
  X(kBundleError, 100701, 400, "Cloud Code failed to load")                            \
  X(kNoSuchFunction, 100702, 404, "No such function in the bundle")                    \
  X(kNeverSettles, 100703, 500, "Cloud Code returned a promise that can never settle") \
  X(kHeapExhausted, 100710, 500, "Cloud Code ran out of memory")

namespace ck {

enum class ErrorCode : int {
  kOk = 0,
#define CK_ERROR_ENUM(name, code, status, message) name = code,
  CK_ERROR_CODES(CK_ERROR_ENUM)
#undef CK_ERROR_ENUM
};

struct ErrorInfo {
  ErrorCode code;
  int httpStatus;
  const char* name;            // e.g. "kBadRequest"
  const char* defaultMessage;  // safe to show a client
};

// REQUIRES: `code` is one of the table's codes (not kOk). Unknown codes map to
// kInternal's entry.
const ErrorInfo& errorInfo(ErrorCode code);

// Every entry of the table, in declaration order (for docs and tests).
const ErrorInfo* allErrors(int* count);

}  // namespace ck
