// A main for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput once on each file
// named on the command line, so any compiler replays committed inputs exactly as the fuzzer ran
// them (test/unit/fuzz-regressions.test.ts). A broken invariant aborts, as under the fuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", argv[i]);
      return 2;
    }
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::printf("%s ", argv[i]);
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    std::printf("\n");
    std::fflush(stdout);
  }
  return 0;
}
