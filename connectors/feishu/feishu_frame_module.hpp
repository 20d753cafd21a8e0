#pragma once
// The long connection's protobuf frames are read and written by a module,
// `twintrack_feishu_module.so` (feishu_frame_module.cpp, linked with protobuf-lite), which
// the Feishu connector loads when it opens a long connection (core/module_loader.hpp), so
// that a process without one does not map libprotobuf-lite or run its start-up code.

#include <string>

#include "connectors/feishu/feishu_stream.hpp"

namespace twintrack::connectors::feishu {

struct FrameCodec {
    bool (*decode)(const std::string& bytes, StreamFrame& frame);  ///< false: not a Frame
    std::string (*encode)(const StreamFrame& frame);
};

constexpr const char* frame_module_file = "twintrack_feishu_module.so";
/// The module's entry point: `const FrameCodec* twintrack_feishu_frame_module_v1()`.
constexpr const char* frame_module_entry = "twintrack_feishu_frame_module_v1";

/// The codec, loading the module the first time. Throws core::ModuleMissing.
const FrameCodec& frame_codec();

}  // namespace twintrack::connectors::feishu
