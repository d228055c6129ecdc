{
  "targets": [
    {
      "target_name": "turbocam",
      "sources": [
        "<!@(node scripts/list-native-sources.mjs)"
      ],
      "include_dirs": ["native"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wshadow", "-Wno-unused-parameter", "-fvisibility=hidden", "-fexceptions",
                    "-isystem", "<!(node -p \"require('node-addon-api').include\" | tr -d '\\\"')"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "libraries": ["<!@(pkg-config --libs libturbojpeg)", "-lpthread", "-ldl"],
      "conditions": [
        ["target_arch=='arm'", {"cflags_cc": ["-Wno-psabi"]}]
      ]
    }
  ]
}
