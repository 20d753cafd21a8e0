// The module that reads and writes the long connection's protobuf frames
// (feishu_frame_module.hpp): the only code of the program that uses protobuf-lite.

#include "connectors/feishu/feishu_frame_module.hpp"

#include "feishu_frame.pb.h"

namespace twintrack::connectors::feishu {
namespace {

bool decode(const std::string& bytes, StreamFrame& f) {
    twintrack::feishu::pbbp2::Frame pb;
    if (!pb.ParseFromString(bytes)) return false;
    f.seq_id = pb.seqid();
    f.log_id = pb.logid();
    f.service = pb.service();
    f.method = pb.method();
    for (const auto& h : pb.headers()) f.headers.emplace_back(h.key(), h.value());
    f.payload_encoding = pb.payload_encoding();
    f.payload_type = pb.payload_type();
    f.payload = pb.payload();
    f.log_id_new = pb.logidnew();
    return true;
}

std::string encode(const StreamFrame& f) {
    twintrack::feishu::pbbp2::Frame pb;
    pb.set_seqid(f.seq_id);
    pb.set_logid(f.log_id);
    pb.set_service(f.service);
    pb.set_method(f.method);
    for (const auto& [k, v] : f.headers) {
        auto* h = pb.add_headers();
        h->set_key(k);
        h->set_value(v);
    }
    if (!f.payload_encoding.empty()) pb.set_payload_encoding(f.payload_encoding);
    if (!f.payload_type.empty()) pb.set_payload_type(f.payload_type);
    if (!f.payload.empty()) pb.set_payload(f.payload);
    if (!f.log_id_new.empty()) pb.set_logidnew(f.log_id_new);
    return pb.SerializeAsString();
}

constexpr FrameCodec codec{decode, encode};

}  // namespace
}  // namespace twintrack::connectors::feishu

extern "C" __attribute__((visibility("default"))) const void* twintrack_feishu_frame_module_v1() {
    return &twintrack::connectors::feishu::codec;
}
