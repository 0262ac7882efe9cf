// An exclusive hold on a data folder: one server per folder.
//
// The host keeps state of its own next to the files (cached API keys, the
// login throttle, batched audit entries, the JS lane's deployed code), so two
// servers on one folder would each act on a picture the other changes under
// it. A server takes this lock before it opens anything in the folder and
// keeps it until it stops; a second one is refused with the first one's pid.
//
// The hold is flock(2) on <dir>/lock: the kernel drops it when the process
// ends however it ends, so a crash never leaves the folder locked. The file
// itself stays (it holds the last holder's pid, for the refusal message).

#pragma once

#include <string>

#include "base/status.h"

namespace ck::storage {

class FolderLock {
 public:
  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&& other) noexcept;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock();

  // Creates `dir` if missing and takes the lock without waiting. Another
  // holder (in this process or another) -> kAlreadyExists naming its pid;
  // a folder that cannot be made or written -> kInvalidArgument. The
  // messages do not repeat `dir`.
  static Result<FolderLock> acquire(const std::string& dir);

 private:
  explicit FolderLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ck::storage
