// The one error type of the native core. It carries a stable code (`ENOENT`, `EBUSY`,
// `ERR_UNSUPPORTED_FORMAT`, ...) and, for device errors, the path, so the N-API layer can turn it
// into a JS Error without knowing where it came from. Nothing below native/napi includes napi.h.
#pragma once

#include <stdexcept>
#include <string>

namespace turbocam {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message, std::string path = {}, int errnum = 0)
      : std::runtime_error(message), code_(std::move(code)), path_(std::move(path)), errnum_(errnum) {}

  const std::string& code() const { return code_; }
  const std::string& path() const { return path_; }
  int errnum() const { return errnum_; }

 private:
  std::string code_;
  std::string path_;
  int errnum_;
};

// Builds an Error from an errno value: the code is the errno's symbolic name (ENOENT, EBUSY, ...),
// the message reads "<what> <path>: <strerror>".
Error errnoError(int errnum, const std::string& what, const std::string& path = {});

}  // namespace turbocam
