/* The encode ceiling: libjpeg-turbo's TurboJPEG 2.1 API called directly, one thread, on the same
 * raw frame and settings as turbocam's encoder. Whatever turbocam adds (repacking, N-API, buffer
 * handling) shows up as the gap between its fps and this program's.
 *
 *   ceiling FORMAT WIDTH HEIGHT QUALITY INPUT.raw SECONDS [OUTPUT.jpg]
 *
 * FORMAT: yuyv (4:2:2 via tjCompressFromYUVPlanes), nv12 (4:2:0 via tjCompressFromYUVPlanes) or
 * rgb24 (4:2:0 via tjCompress2). Encodes in a loop for SECONDS (at least 3 frames) and prints one
 * JSON line: frames, wall and CPU seconds, fps and JPEG bytes of the last frame. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

static double now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "ceiling: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

/* yuyv (Y0 U Y1 V) -> planar Y, U, V at 4:2:2: the repack any YUV-planes caller must do. */
static void split_yuyv(const uint8_t *src, int w, int h, uint8_t *y, uint8_t *u, uint8_t *v) {
  for (int row = 0; row < h; row++) {
    const uint8_t *s = src + (size_t)row * w * 2;
    uint8_t *yr = y + (size_t)row * w, *ur = u + (size_t)row * (w / 2), *vr = v + (size_t)row * (w / 2);
    for (int x = 0; x < w / 2; x++) {
      yr[2 * x] = s[4 * x];
      ur[x] = s[4 * x + 1];
      yr[2 * x + 1] = s[4 * x + 2];
      vr[x] = s[4 * x + 3];
    }
  }
}

/* nv12's interleaved UV plane -> separate U and V planes; Y is used in place. */
static void split_uv(const uint8_t *uv, int w, int h, uint8_t *u, uint8_t *v) {
  size_t n = (size_t)(w / 2) * (h / 2);
  for (size_t i = 0; i < n; i++) {
    u[i] = uv[2 * i];
    v[i] = uv[2 * i + 1];
  }
}

int main(int argc, char **argv) {
  if (argc < 7) die("usage: ceiling FORMAT WIDTH HEIGHT QUALITY INPUT.raw SECONDS [OUTPUT.jpg]", NULL);
  const char *format = argv[1];
  int w = atoi(argv[2]), h = atoi(argv[3]), quality = atoi(argv[4]);
  double seconds = atof(argv[6]);
  if (w <= 0 || h <= 0 || (w & 1) || (h & 1) || quality < 1 || quality > 100) die("bad size or quality", NULL);

  int yuyv = strcmp(format, "yuyv") == 0, nv12 = strcmp(format, "nv12") == 0, rgb = strcmp(format, "rgb24") == 0;
  if (!yuyv && !nv12 && !rgb) die("unsupported format", format);
  size_t frameSize = yuyv ? (size_t)w * h * 2 : nv12 ? (size_t)w * h * 3 / 2 : (size_t)w * h * 3;
  int subsamp = yuyv ? TJSAMP_422 : TJSAMP_420;

  uint8_t *frame = malloc(frameSize);
  FILE *in = fopen(argv[5], "rb");
  if (!in) die("cannot open input", argv[5]);
  if (fread(frame, 1, frameSize, in) != frameSize) die("input shorter than one frame", argv[5]);
  fclose(in);

  tjhandle tj = tjInitCompress();
  if (!tj) die("tjInitCompress", tjGetErrorStr());
  unsigned long capacity = tjBufSize(w, h, subsamp);
  unsigned char *jpeg = tjAlloc((int)capacity);
  /* Chroma planes for the YUV paths; Y is split out too for yuyv. */
  int cw = w / 2, ch = yuyv ? h : h / 2;
  uint8_t *y = malloc((size_t)w * h), *u = malloc((size_t)cw * ch), *v = malloc((size_t)cw * ch);
  int strides[3] = {w, cw, cw};

  unsigned long size = 0;
  long frames = 0;
  double wall0 = now(CLOCK_MONOTONIC), cpu0 = now(CLOCK_PROCESS_CPUTIME_ID), wall = 0;
  do {
    size = capacity;
    int rc;
    if (rgb) {
      rc = tjCompress2(tj, frame, w, w * 3, h, TJPF_RGB, &jpeg, &size, subsamp, quality, TJFLAG_NOREALLOC);
    } else {
      const unsigned char *planes[3];
      if (yuyv) {
        split_yuyv(frame, w, h, y, u, v);
        planes[0] = y;
      } else {
        split_uv(frame + (size_t)w * h, w, h, u, v);
        planes[0] = frame;
      }
      planes[1] = u;
      planes[2] = v;
      rc = tjCompressFromYUVPlanes(tj, planes, w, strides, h, subsamp, &jpeg, &size, quality, TJFLAG_NOREALLOC);
    }
    if (rc != 0) die("compress", tjGetErrorStr2(tj));
    frames++;
    wall = now(CLOCK_MONOTONIC) - wall0;
  } while (wall < seconds || frames < 3);
  double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

  if (argc > 7) {
    FILE *out = fopen(argv[7], "wb");
    if (!out || fwrite(jpeg, 1, size, out) != size) die("cannot write output", argv[7]);
    fclose(out);
  }
  printf("{\"frames\":%ld,\"wallSeconds\":%.6f,\"cpuSeconds\":%.6f,\"fps\":%.3f,\"cpuFps\":%.3f,\"bytes\":%lu}\n",
         frames, wall, cpu, frames / wall, frames / cpu, size);
  tjFree(jpeg);
  tjDestroy(tj);
  free(frame);
  free(y);
  free(u);
  free(v);
  return 0;
}
