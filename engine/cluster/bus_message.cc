#include "engine/cluster/bus_message.h"

#include <cstring>

namespace redsim::cluster {

namespace {

constexpr uint16_t kProtocolVersion = 1;
constexpr uint16_t kExtHostname = 0;
constexpr size_t kPublishFixed = 8;  // channel and message lengths

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U16(uint16_t v) {
    U8(static_cast<uint8_t>(v >> 8));
    U8(static_cast<uint8_t>(v));
  }
  void U32(uint32_t v) {
    U16(static_cast<uint16_t>(v >> 16));
    U16(static_cast<uint16_t>(v));
  }
  void U64(uint64_t v) {
    U32(static_cast<uint32_t>(v >> 32));
    U32(static_cast<uint32_t>(v));
  }
  // `s` in exactly `width` bytes: truncated or NUL padded.
  void Fixed(std::string_view s, size_t width) {
    size_t n = std::min(s.size(), width);
    out_->append(s.data(), n);
    out_->append(width - n, '\0');
  }
  void Bytes(std::string_view s) { out_->append(s); }
  void Bitmap(const std::bitset<kSlotCount>& b) {
    for (size_t byte = 0; byte < kSlotCount / 8; byte++) {
      uint8_t v = 0;
      for (size_t bit = 0; bit < 8; bit++) {
        if (b.test(byte * 8 + bit)) v |= static_cast<uint8_t>(1u << bit);
      }
      U8(v);
    }
  }

 private:
  std::string* out_;
};

class Reader {
 public:
  Reader(std::string_view data, size_t pos) : data_(data), pos_(pos) {}
  uint8_t U8() { return static_cast<uint8_t>(data_[pos_++]); }
  uint16_t U16() {
    uint16_t hi = U8();
    return static_cast<uint16_t>((hi << 8) | U8());
  }
  uint32_t U32() {
    uint32_t hi = U16();
    return (hi << 16) | U16();
  }
  uint64_t U64() {
    uint64_t hi = U32();
    return (hi << 32) | U32();
  }
  // A NUL-padded field of `width` bytes, up to its first NUL.
  std::string Fixed(size_t width) {
    std::string_view f = data_.substr(pos_, width);
    pos_ += width;
    size_t nul = f.find('\0');
    return std::string(nul == std::string_view::npos ? f : f.substr(0, nul));
  }
  std::string Bytes(size_t n) {
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  void Skip(size_t n) { pos_ += n; }
  void Bitmap(std::bitset<kSlotCount>* b) {
    for (size_t byte = 0; byte < kSlotCount / 8; byte++) {
      uint8_t v = U8();
      for (size_t bit = 0; bit < 8; bit++) {
        if (v & (1u << bit)) b->set(byte * 8 + bit);
      }
    }
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view data_;
  size_t pos_;
};

bool IsGossipType(uint16_t t) { return t == kMsgPing || t == kMsgPong || t == kMsgMeet; }

size_t AlignedExtSize(size_t payload) { return 8 + (payload + 7) / 8 * 8; }

void EncodeHeader(const BusMessage& m, size_t total, uint16_t count, uint16_t extensions,
                  Writer& w) {
  w.Bytes("RCmb");
  w.U32(static_cast<uint32_t>(total));
  w.U16(kProtocolVersion);
  w.U16(m.port);
  w.U16(m.type);
  w.U16(count);
  w.U64(m.current_epoch);
  w.U64(m.config_epoch);
  w.U64(m.offset);
  w.Fixed(m.sender, kNodeIdSize);
  w.Bitmap(m.slots);
  w.Fixed(m.master_id, kNodeIdSize);  // all zero bytes for a master
  w.Fixed(m.ip, kIpSize);
  w.U16(extensions);
  w.Fixed("", 30);
  w.U16(m.plain_port);
  w.U16(m.bus_port);
  w.U16(m.flags);
  w.U8(m.state);
  for (uint8_t f : m.mflags) w.U8(f);
}

void EncodeGossip(const GossipEntry& g, Writer& w) {
  w.Fixed(g.node_id, kNodeIdSize);
  w.U32(g.ping_sent_s);
  w.U32(g.pong_received_s);
  w.Fixed(g.ip, kIpSize);
  w.U16(g.port);
  w.U16(g.bus_port);
  w.U16(g.flags);
  w.U16(g.plain_port);
  w.U16(0);
}

}  // namespace

std::string EncodeBusMessage(const BusMessage& m) {
  size_t body = 0;
  uint16_t extensions = 0;
  if (IsGossipType(m.type)) {
    body = m.gossip.size() * kGossipEntrySize;
    if (!m.hostname.empty()) {
      body += AlignedExtSize(m.hostname.size() + 1);
      extensions = 1;
    }
  } else if (m.type == kMsgFail) {
    body = kNodeIdSize;
  } else if (m.type == kMsgPublish || m.type == kMsgPublishShard) {
    body = kPublishFixed + m.channel.size() + m.message.size();
  } else if (m.type == kMsgUpdate) {
    body = 8 + kNodeIdSize + kSlotCount / 8;
  } else if (m.type == kMsgModule) {
    body = m.module_payload.size();
  }
  std::string out;
  out.reserve(kBusHeaderSize + body);
  Writer w(&out);
  uint16_t count = IsGossipType(m.type) ? static_cast<uint16_t>(m.gossip.size()) : 0;
  EncodeHeader(m, kBusHeaderSize + body, count, extensions, w);
  if (IsGossipType(m.type)) {
    for (const GossipEntry& g : m.gossip) EncodeGossip(g, w);
    if (!m.hostname.empty()) {
      size_t size = AlignedExtSize(m.hostname.size() + 1);
      w.U16(kExtHostname);
      w.U16(0);
      w.U32(static_cast<uint32_t>(size));
      w.Fixed(m.hostname, size - 8);
    }
  } else if (m.type == kMsgFail) {
    w.Fixed(m.fail_node_id, kNodeIdSize);
  } else if (m.type == kMsgPublish || m.type == kMsgPublishShard) {
    w.U32(static_cast<uint32_t>(m.channel.size()));
    w.U32(static_cast<uint32_t>(m.message.size()));
    w.Bytes(m.channel);
    w.Bytes(m.message);
  } else if (m.type == kMsgUpdate) {
    w.U64(m.update_config_epoch);
    w.Fixed(m.update_node_id, kNodeIdSize);
    w.Bitmap(m.update_slots);
  } else if (m.type == kMsgModule) {
    w.Bytes(m.module_payload);
  }
  return out;
}

namespace {

void DecodeHeader(Reader& r, BusMessage* m, uint16_t* count, uint16_t* extensions) {
  r.Skip(8);  // signature and length, checked by the caller
  r.U16();    // version, checked by the caller
  m->port = r.U16();
  m->type = r.U16();
  *count = r.U16();
  m->current_epoch = r.U64();
  m->config_epoch = r.U64();
  m->offset = r.U64();
  m->sender = r.Bytes(kNodeIdSize);
  r.Bitmap(&m->slots);
  std::string master = r.Bytes(kNodeIdSize);
  m->master_id = master == std::string(kNodeIdSize, '\0') ? "" : master;
  m->ip = r.Fixed(kIpSize);
  *extensions = r.U16();
  r.Skip(30);
  m->plain_port = r.U16();
  m->bus_port = r.U16();
  m->flags = r.U16();
  m->state = r.U8();
  for (uint8_t& f : m->mflags) f = r.U8();
}

// Gossip entries and extensions of a PING/PONG/MEET occupying [kBusHeaderSize, total).
bool DecodeGossipBody(std::string_view msg, uint16_t count, uint16_t extensions, BusMessage* m,
                      std::string* error) {
  uint64_t pos = kBusHeaderSize + uint64_t{count} * kGossipEntrySize;
  if (pos > msg.size()) {
    *error = "gossip count beyond the message length";
    return false;
  }
  Reader r(msg, kBusHeaderSize);
  for (uint16_t i = 0; i < count; i++) {
    GossipEntry g;
    g.node_id = r.Bytes(kNodeIdSize);
    g.ping_sent_s = r.U32();
    g.pong_received_s = r.U32();
    g.ip = r.Fixed(kIpSize);
    g.port = r.U16();
    g.bus_port = r.U16();
    g.flags = r.U16();
    g.plain_port = r.U16();
    r.U16();
    m->gossip.push_back(std::move(g));
  }
  for (uint16_t i = 0; i < extensions; i++) {
    if (pos + 8 > msg.size()) {
      *error = "truncated extension header";
      return false;
    }
    Reader e(msg, static_cast<size_t>(pos));
    uint16_t type = e.U16();
    e.U16();
    uint32_t length = e.U32();
    if (length < 8 || pos + length > msg.size()) {
      *error = "bad extension length";
      return false;
    }
    if (type == kExtHostname) m->hostname = e.Fixed(length - 8);
    pos += length;  // unknown extension types are skipped, as newer peers may send them
  }
  if (pos != msg.size()) {
    *error = "message length does not match its gossip and extensions";
    return false;
  }
  return true;
}

bool DecodeBody(std::string_view msg, uint16_t count, uint16_t extensions, BusMessage* m,
                std::string* error) {
  size_t body = msg.size() - kBusHeaderSize;
  Reader r(msg, kBusHeaderSize);
  auto expect = [&](size_t want) {
    if (body == want) return true;
    *error =
        "bad length " + std::to_string(msg.size()) + " for message type " + std::to_string(m->type);
    return false;
  };
  switch (m->type) {
    case kMsgPing:
    case kMsgPong:
    case kMsgMeet:
      return DecodeGossipBody(msg, count, extensions, m, error);
    case kMsgFail:
      if (!expect(kNodeIdSize)) return false;
      m->fail_node_id = r.Bytes(kNodeIdSize);
      return true;
    case kMsgPublish:
    case kMsgPublishShard: {
      if (body < kPublishFixed) return expect(kPublishFixed);
      uint64_t channel_len = r.U32();
      uint64_t message_len = r.U32();
      if (!expect(static_cast<size_t>(kPublishFixed + channel_len + message_len))) return false;
      m->channel = r.Bytes(static_cast<size_t>(channel_len));
      m->message = r.Bytes(static_cast<size_t>(message_len));
      return true;
    }
    case kMsgUpdate:
      if (!expect(8 + kNodeIdSize + kSlotCount / 8)) return false;
      m->update_config_epoch = r.U64();
      m->update_node_id = r.Bytes(kNodeIdSize);
      r.Bitmap(&m->update_slots);
      return true;
    case kMsgAuthRequest:
    case kMsgAuthAck:
    case kMsgMfStart:
      return expect(0);
    default:  // MODULE and types from newer versions: kept opaque
      m->module_payload = r.Bytes(body);
      return true;
  }
}

}  // namespace

DecodeStatus DecodeBusMessage(std::string_view data, BusMessage* out, size_t* used,
                              std::string* error) {
  if (data.size() >= 4 && data.substr(0, 4) != "RCmb") {
    *error = "bad signature";
    return DecodeStatus::kBad;
  }
  if (data.size() < 8) return DecodeStatus::kNeedMore;
  Reader r(data, 4);
  uint32_t total = r.U32();
  if (total < kBusHeaderSize || total > kMaxBusMessageSize) {
    *error = "bad total length " + std::to_string(total);
    return DecodeStatus::kBad;
  }
  if (data.size() < total) return DecodeStatus::kNeedMore;
  std::string_view msg = data.substr(0, total);
  if (Reader(msg, 8).U16() != kProtocolVersion) {
    *error = "unsupported protocol version";
    return DecodeStatus::kBad;
  }
  BusMessage m;
  uint16_t count = 0, extensions = 0;
  Reader h(msg, 0);
  DecodeHeader(h, &m, &count, &extensions);
  if (!DecodeBody(msg, count, extensions, &m, error)) return DecodeStatus::kBad;
  *out = std::move(m);
  *used = total;
  return DecodeStatus::kOk;
}

}  // namespace redsim::cluster
