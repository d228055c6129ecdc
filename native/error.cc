#include "error.h"

#include <cerrno>
#include <cstring>

namespace turbocam {

namespace {

const char* errnoName(int errnum) {
  switch (errnum) {
    case ENOENT:
      return "ENOENT";
    case EACCES:
      return "EACCES";
    case EPERM:
      return "EPERM";
    case EBUSY:
      return "EBUSY";
    case ENODEV:
      return "ENODEV";
    case ENXIO:
      return "ENXIO";
    case EINVAL:
      return "EINVAL";
    case EIO:
      return "EIO";
    case ENOMEM:
      return "ENOMEM";
    case ENOTTY:
      return "ENOTTY";
    case ETIMEDOUT:
      return "ETIMEDOUT";
    case EAGAIN:
      return "EAGAIN";
    case EISDIR:
      return "EISDIR";
    case EPIPE:
      return "EPIPE";
    case EINTR:
      return "EINTR";
    default:
      return "EIO";
  }
}

}  // namespace

Error errnoError(int errnum, const std::string& what, const std::string& path) {
  std::string message = what;
  if (!path.empty()) message += " " + path;
  message += ": ";
  message += std::strerror(errnum);
  return Error(errnoName(errnum), message, path, errnum);
}

}  // namespace turbocam
