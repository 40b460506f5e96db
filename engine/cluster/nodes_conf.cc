// Cluster's text forms: CLUSTER NODES lines (also the nodes.conf format), CLUSTER INFO, the
// addresses redirects name, and reading/writing the cluster-config-file.
#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/cluster/cluster.h"
#include "engine/env/env.h"
#include "engine/server/config.h"

namespace redsim::cluster {

namespace {

std::string FlagsText(const Node& n) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kNodeMyself, "myself"}, {kNodeMaster, "master"},
      {kNodeReplica, "slave"}, {kNodePfail, "fail?"},
      {kNodeFail, "fail"},     {kNodeHandshake, "handshake"},
      {kNodeNoAddr, "noaddr"}, {kNodeNoFailover, "nofailover"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!n.is(bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out.empty() ? "noflags" : out;
}

void AppendRange(std::string* out, int start, int end) {
  *out += ' ';
  *out += std::to_string(start);
  if (end != start) *out += "-" + std::to_string(end);
}

bool ParseSlot(std::string_view s, int* slot) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < 0 || v >= kSlotCount) return false;
  *slot = static_cast<int>(v);
  return true;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    pos = end + 1;
  }
  return out;
}

std::vector<std::string_view> SplitSpaces(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    if (end > pos) out.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// Message type names, indexed by bus message type, as CLUSTER INFO prints them.
const char* const kMessageNames[] = {"ping",    "pong",     "meet",        "fail",
                                     "publish", "auth-req", "auth-ack",    "update",
                                     "mfstart", "module",   "publishshard"};

}  // namespace

std::string Cluster::DescribeNode(const Node& n, bool for_file) const {
  std::string out =
      n.id + " " + n.ip + ":" + std::to_string(n.port) + "@" + std::to_string(n.bus_port);
  if (!n.hostname.empty()) out += "," + n.hostname;
  out += " " + FlagsText(n) + " " + (n.master_id.empty() ? "-" : n.master_id);
  int64_t ping = for_file ? 0 : n.ping_sent_ms;
  int64_t pong = for_file ? 0 : n.pong_received_ms;
  out += " " + std::to_string(ping) + " " + std::to_string(pong) + " " +
         std::to_string(n.config_epoch) + " ";
  out += (n.is(kNodeMyself) || n.link != nullptr) ? "connected" : "disconnected";
  for (int s = 0; s < kSlotCount; s++) {
    if (!n.slots.test(static_cast<size_t>(s))) continue;
    int e = s;
    while (e + 1 < kSlotCount && n.slots.test(static_cast<size_t>(e + 1))) e++;
    AppendRange(&out, s, e);
    s = e;
  }
  if (n.is(kNodeMyself)) {
    for (int s = 0; s < kSlotCount; s++) {
      if (const Node* to = migrating_[static_cast<size_t>(s)]) {
        out += " [" + std::to_string(s) + "->-" + to->id + "]";
      } else if (const Node* from = importing_[static_cast<size_t>(s)]) {
        out += " [" + std::to_string(s) + "-<-" + from->id + "]";
      }
    }
  }
  return out;
}

std::string Cluster::NodesText() const {
  std::string out;
  for (const auto& [id, n] : nodes_) out += DescribeNode(*n) + "\n";
  return out;
}

std::string Cluster::InfoText() const {
  int assigned = 0, ok = 0, pfail = 0, fail = 0, size = 0;
  for (const Node* owner : slots_) {
    if (owner == nullptr) continue;
    assigned++;
    if (owner->is(kNodeFail)) {
      fail++;
    } else if (owner->is(kNodePfail)) {
      pfail++;
    } else {
      ok++;
    }
  }
  for (const auto& [id, n] : nodes_) {
    if (n->is(kNodeMaster) && n->slots.any()) size++;
  }
  const Node* my_master = myself_->is(kNodeReplica) ? FindNode(myself_->master_id) : nullptr;
  uint64_t my_epoch = my_master != nullptr ? my_master->config_epoch : myself_->config_epoch;
  std::string out = "cluster_state:" + std::string(state_ok_ ? "ok" : "fail") + "\r\n";
  out += "cluster_slots_assigned:" + std::to_string(assigned) + "\r\n";
  out += "cluster_slots_ok:" + std::to_string(ok) + "\r\n";
  out += "cluster_slots_pfail:" + std::to_string(pfail) + "\r\n";
  out += "cluster_slots_fail:" + std::to_string(fail) + "\r\n";
  out += "cluster_known_nodes:" + std::to_string(nodes_.size()) + "\r\n";
  out += "cluster_size:" + std::to_string(size) + "\r\n";
  out += "cluster_current_epoch:" + std::to_string(current_epoch_) + "\r\n";
  out += "cluster_my_epoch:" + std::to_string(my_epoch) + "\r\n";
  uint64_t sent = 0, received = 0;
  for (size_t t = 0; t < std::size(kMessageNames); t++) {
    if (messages_sent[t] == 0) continue;
    sent += messages_sent[t];
    out += "cluster_stats_messages_" + std::string(kMessageNames[t]) +
           "_sent:" + std::to_string(messages_sent[t]) + "\r\n";
  }
  out += "cluster_stats_messages_sent:" + std::to_string(sent) + "\r\n";
  for (size_t t = 0; t < std::size(kMessageNames); t++) {
    if (messages_received[t] == 0) continue;
    received += messages_received[t];
    out += "cluster_stats_messages_" + std::string(kMessageNames[t]) +
           "_received:" + std::to_string(messages_received[t]) + "\r\n";
  }
  out += "cluster_stats_messages_received:" + std::to_string(received) + "\r\n";
  out += "total_cluster_links_buffer_limit_exceeded:0\r\n";
  return out;
}

std::string Cluster::Endpoint(const Node& n) const {
  const std::string& type = h_.config->cluster_preferred_endpoint_type;
  if (type == "hostname") return n.hostname.empty() ? "?" : n.hostname;
  if (type == "unknown-endpoint") return "?";
  return n.ip;
}

std::string Cluster::RedirectAddress(const Node& n) const {
  return Endpoint(n) + ":" + std::to_string(n.port);
}

Status Cluster::SaveConfig() {
  std::string text;
  for (const auto& [id, n] : nodes_) text += DescribeNode(*n, /*for_file=*/true) + "\n";
  text += "vars currentEpoch " + std::to_string(current_epoch_) + " lastVoteEpoch " +
          std::to_string(last_vote_epoch_) + "\n";
  if (text == last_saved_text_) return Status::Ok();
  std::string path = ConfigPath();
  std::string temp = path + ".tmp-redsim";
  std::unique_ptr<WritableFile> file;
  Status s = h_.env->OpenWritable(temp, /*truncate=*/true, &file);
  if (s.ok()) s = file->Append(text);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = h_.env->RenameFile(temp, path);
  if (s.ok()) {
    size_t slash = path.rfind('/');
    s = h_.env->SyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
  }
  if (!s.ok()) return Status::IoError("writing " + path + ": " + s.message());
  last_saved_text_ = std::move(text);
  return Status::Ok();
}

// "ip:port@cport[,hostname]" (before Redis 4: "ip:port", bus port = port + 10000).
static bool ParseAddress(std::string_view addr, Node* n) {
  size_t comma = addr.find(',');
  if (comma != std::string_view::npos) {
    n->hostname = std::string(addr.substr(comma + 1));
    addr = addr.substr(0, comma);
  }
  size_t at = addr.find('@');
  std::string_view host_port = addr.substr(0, at);
  size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos) return false;
  int64_t port, bus_port;
  if (!ParseInt64(host_port.substr(colon + 1), &port)) return false;
  if (at == std::string_view::npos) {
    bus_port = port + 10000;
  } else if (!ParseInt64(addr.substr(at + 1), &bus_port)) {
    return false;
  }
  n->ip = std::string(host_port.substr(0, colon));
  n->port = static_cast<int>(port);
  n->bus_port = static_cast<int>(bus_port);
  return true;
}

static uint32_t ParseFlags(std::string_view text) {
  static const std::pair<const char*, uint32_t> kNames[] = {
      {"myself", kNodeMyself}, {"master", kNodeMaster},
      {"slave", kNodeReplica}, {"fail?", kNodePfail},
      {"fail", kNodeFail},     {"handshake", kNodeHandshake},
      {"noaddr", kNodeNoAddr}, {"nofailover", kNodeNoFailover}};
  uint32_t flags = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    for (const auto& [name, bit] : kNames) {
      if (word == name) flags |= bit;
    }
    pos = end + 1;
  }
  return flags;
}

Status Cluster::LoadConfig(const std::string& text) {
  std::function<Node*(std::string_view)> get_node = [this](std::string_view id) {
    auto& slot = nodes_[std::string(id)];
    if (slot == nullptr) {
      slot = std::make_unique<Node>();
      slot->id = std::string(id);
    }
    return slot.get();
  };
  auto bad = [](std::string_view line) {
    return Status::Corruption("bad line '" + std::string(line) + "'");
  };
  for (std::string_view line : SplitLines(text)) {
    auto argv = SplitSpaces(line);
    if (argv.empty()) continue;
    if (argv[0] == "vars") {
      for (size_t i = 1; i + 1 < argv.size(); i += 2) {
        int64_t v;
        if (!ParseInt64(argv[i + 1], &v) || v < 0) return bad(line);
        if (argv[i] == "currentEpoch") current_epoch_ = static_cast<uint64_t>(v);
        if (argv[i] == "lastVoteEpoch") last_vote_epoch_ = static_cast<uint64_t>(v);
      }
      continue;
    }
    if (argv.size() < 8 || argv[0].size() != 40) return bad(line);
    Node* n = get_node(argv[0]);
    int64_t ping, pong, epoch;
    if (!ParseAddress(argv[1], n) || !ParseInt64(argv[4], &ping) || !ParseInt64(argv[5], &pong) ||
        !ParseInt64(argv[6], &epoch)) {
      return bad(line);
    }
    n->flags = ParseFlags(argv[2]);
    if (n->is(kNodeMyself)) {
      if (myself_ != nullptr && myself_ != n) return bad(line);
      myself_ = n;
    }
    if (argv[3] != "-") {
      get_node(argv[3]);
      n->master_id = std::string(argv[3]);
    }
    // As Redis does, a non-zero stored ping/pong time means "now": old times mean nothing.
    n->ping_sent_ms = ping != 0 ? now_ms() : 0;
    n->pong_received_ms = pong != 0 ? now_ms() : 0;
    n->config_epoch = static_cast<uint64_t>(epoch);
    for (size_t i = 8; i < argv.size(); i++) {
      if (!LoadSlotField(n, argv[i], get_node)) return bad(line);
    }
  }
  if (myself_ == nullptr) return Status::Corruption("no 'myself' node");
  for (const auto& [id, n] : nodes_) {
    if (n->flags == 0 && n->ip.empty()) return Status::Corruption("unknown node " + id);
  }
  current_epoch_ = std::max(current_epoch_, myself_->config_epoch);
  return Status::Ok();
}

// One slot field of a nodes.conf line: "5", "0-5000", "[5->-<id>]" (migrating, myself only) or
// "[5-<-<id>]" (importing).
bool Cluster::LoadSlotField(Node* n, std::string_view field,
                            const std::function<Node*(std::string_view)>& get_node) {
  int start, end;
  if (field.front() == '[') {
    size_t arrow = field.find("->-");
    bool migrating = arrow != std::string_view::npos;
    if (!migrating) arrow = field.find("-<-");
    if (arrow == std::string_view::npos || field.back() != ']') return false;
    if (!ParseSlot(field.substr(1, arrow - 1), &start)) return false;
    Node* other = get_node(field.substr(arrow + 3, field.size() - arrow - 4));
    (migrating ? migrating_ : importing_)[static_cast<size_t>(start)] = other;
    return true;
  }
  size_t dash = field.find('-');
  if (dash == std::string_view::npos) {
    if (!ParseSlot(field, &start)) return false;
    end = start;
  } else if (!ParseSlot(field.substr(0, dash), &start) ||
             !ParseSlot(field.substr(dash + 1), &end) || end < start) {
    return false;
  }
  for (int s = start; s <= end; s++) {
    slots_[static_cast<size_t>(s)] = n;
    n->slots.set(static_cast<size_t>(s));
  }
  return true;
}

}  // namespace redsim::cluster
