// An LD_PRELOAD shim for the M2M encoder's EBUSY tests (test/v4l2/m2m-busy.test.ts compiles it
// with cc at test time): vicodec gives every open its own context, so a busy encoder cannot be
// provoked from outside. On file descriptors opened from TURBOCAM_FAULT_DEVICE only (the camera
// and everything else pass untouched), the ioctl named by TURBOCAM_FAULT_REQUEST (STREAMON,
// REQBUFS or S_FMT) fails with EBUSY: the calls after the first TURBOCAM_FAULT_SKIP (default 0),
// TURBOCAM_FAULT_COUNT times (default: always). Each injected fault is written to stderr as
// "turbocam-fault: EBUSY", so a test can count them.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_FDS 4096

static unsigned char faulty[MAX_FDS];
static long calls;

static unsigned long wanted(void) {
  const char* name = getenv("TURBOCAM_FAULT_REQUEST");
  if (name == NULL) return 0;
  if (strcmp(name, "STREAMON") == 0) return VIDIOC_STREAMON;
  if (strcmp(name, "REQBUFS") == 0) return VIDIOC_REQBUFS;
  if (strcmp(name, "S_FMT") == 0) return VIDIOC_S_FMT;
  return 0;
}

static long envLong(const char* name, long fallback) {
  const char* value = getenv(name);
  return value != NULL && *value != '\0' ? strtol(value, NULL, 10) : fallback;
}

static int opened(const char* path, int fd) {
  const char* device = getenv("TURBOCAM_FAULT_DEVICE");
  if (fd >= 0 && fd < MAX_FDS) faulty[fd] = device != NULL && path != NULL && strcmp(path, device) == 0;
  return fd;
}

int open(const char* path, int flags, ...) {
  static int (*real)(const char*, int, ...);
  if (real == NULL) real = (int (*)(const char*, int, ...))dlsym(RTLD_NEXT, "open");
  va_list ap;
  va_start(ap, flags);
  mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
  va_end(ap);
  return opened(path, real(path, flags, mode));
}

int open64(const char* path, int flags, ...) {
  static int (*real)(const char*, int, ...);
  if (real == NULL) real = (int (*)(const char*, int, ...))dlsym(RTLD_NEXT, "open64");
  va_list ap;
  va_start(ap, flags);
  mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
  va_end(ap);
  return opened(path, real(path, flags, mode));
}

int ioctl(int fd, unsigned long request, ...) {
  static int (*real)(int, unsigned long, ...);
  if (real == NULL) real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (fd >= 0 && fd < MAX_FDS && faulty[fd] && request == wanted()) {
    long n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
    long skip = envLong("TURBOCAM_FAULT_SKIP", 0);
    long count = envLong("TURBOCAM_FAULT_COUNT", -1);
    if (n > skip && (count < 0 || n <= skip + count)) {
      static const char line[] = "turbocam-fault: EBUSY\n";
      ssize_t ignored = write(2, line, sizeof line - 1);
      (void)ignored;
      errno = EBUSY;
      return -1;
    }
  }
  return real(fd, request, arg);
}

int close(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "close");
  if (fd >= 0 && fd < MAX_FDS) faulty[fd] = 0;
  return real(fd);
}
