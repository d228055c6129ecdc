// `listDevices()`: every V4L2 capture device under /dev with its formats, sizes and rates.
#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "error.h"
#include "napi/bindings.h"
#include "napi/js_error.h"
#include "napi/promise_worker.h"
#include "sources/v4l2/format_negotiation.h"
#include "sources/v4l2/v4l2_device.h"

namespace turbocam {

namespace {

struct DeviceListing {
  std::string path;
  DeviceIdentity identity;
  std::vector<DeviceFormatInfo> formats;
};

std::vector<DeviceListing> scanDevices() {
  std::vector<std::string> paths;
  if (DIR* dir = opendir("/dev")) {
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name.rfind("video", 0) == 0 && name.size() > 5) paths.push_back("/dev/" + name);
    }
    closedir(dir);
  }
  std::sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
    return std::atoi(a.c_str() + 10) < std::atoi(b.c_str() + 10);
  });
  std::vector<DeviceListing> out;
  for (const auto& path : paths) {
    try {
      std::unique_ptr<V4l2Device> device = V4l2Device::open(path);
      out.push_back({path, device->identity(), enumerateFormats(*device)});
    } catch (const Error&) {
      // Metadata nodes, output-only devices and devices we may not open are not cameras to list.
    }
  }
  return out;
}

Napi::Value ListDevices(const Napi::CallbackInfo& info) {
  auto devices = std::make_shared<std::vector<DeviceListing>>();
  return PromiseWorker::run(
      info.Env(), [devices] { *devices = scanDevices(); },
      [devices](Napi::Env env) {
        Napi::Array out = Napi::Array::New(env, devices->size());
        for (size_t i = 0; i < devices->size(); i++) {
          const DeviceListing& d = (*devices)[i];
          Napi::Object o = Napi::Object::New(env);
          o.Set("path", d.path);
          o.Set("name", d.identity.card);
          o.Set("driver", d.identity.driver);
          o.Set("bus", d.identity.bus);
          Napi::Array formats = Napi::Array::New(env, d.formats.size());
          for (size_t j = 0; j < d.formats.size(); j++) {
            const DeviceFormatInfo& f = d.formats[j];
            const PixelFormatInfo* known = findFormatByFourcc(f.fourcc);
            Napi::Object fo = Napi::Object::New(env);
            std::string fourcc = fourccToString(f.fourcc);
            std::string lower = fourcc;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
            fo.Set("format", known ? std::string(known->name) : lower);
            fo.Set("fourcc", fourcc);
            fo.Set("description", f.description);
            Napi::Array sizes = Napi::Array::New(env, f.sizes.size());
            for (size_t k = 0; k < f.sizes.size(); k++) {
              Napi::Object so = Napi::Object::New(env);
              so.Set("width", f.sizes[k].width);
              so.Set("height", f.sizes[k].height);
              Napi::Array fps = Napi::Array::New(env, f.sizes[k].fps.size());
              for (size_t r = 0; r < f.sizes[k].fps.size(); r++) fps.Set(static_cast<uint32_t>(r), f.sizes[k].fps[r]);
              so.Set("fps", fps);
              sizes.Set(static_cast<uint32_t>(k), so);
            }
            fo.Set("sizes", sizes);
            formats.Set(static_cast<uint32_t>(j), fo);
          }
          o.Set("formats", formats);
          out.Set(static_cast<uint32_t>(i), o);
        }
        return out;
      });
}

}  // namespace

void InitDevices(Napi::Env env, Napi::Object exports) {
  exports.Set("listDevices", Napi::Function::New(env, guarded<ListDevices>, "listDevices"));
}

}  // namespace turbocam
