// Finding and describing V4L2 memory-to-memory nodes: what a node is (caps, the raw formats its
// OUTPUT queue takes, the coded formats its CAPTURE queue gives) before anything is configured.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace turbocam {

struct M2mProbe {
  std::string path;
  std::string driver;
  std::string card;
  bool multiplanar = false;
  std::vector<uint32_t> rawFormats;    // OUTPUT fourccs
  std::vector<uint32_t> codedFormats;  // CAPTURE fourccs
};

// Throws turbocam::Error: the errno's code when the node cannot be opened or queried,
// ERR_NOT_M2M_DEVICE when it is not a memory-to-memory device.
M2mProbe probeM2m(const std::string& path);

// The first /dev/video* node (by number) that encodes rawFourcc into codedFourcc; none when no
// node does (or each that would is busy).
std::optional<M2mProbe> findM2mNode(uint32_t codedFourcc, uint32_t rawFourcc);

// For the encoder: ioctl retried on EINTR; open read-write, non-blocking (the errno's code when it
// cannot); the identity and planar API of an open node, false when it is no M2M streaming device.
int m2mIoctl(int fd, unsigned long request, void* arg);
int openM2mNode(const std::string& path);
bool queryM2m(int fd, M2mProbe* probe);

}  // namespace turbocam
