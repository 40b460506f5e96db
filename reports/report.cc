#include "reports/report.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "checkers/explain.h"
#include "checkers/json.h"

namespace redsim::reports {

std::string HtmlEscape(std::string_view s) { return checkers::HtmlEscape(s); }

std::string JsonEscape(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

// ---- Run records -------------------------------------------------------------------------------

std::string RunRecordToJson(const RunRecord& r) {
  char hash[20];
  snprintf(hash, sizeof(hash), "%016" PRIx64, r.trace_hash);
  std::string s = "{\"scenario\":" + JsonEscape(r.scenario) +
                  ",\"seed\":" + std::to_string(r.seed) +
                  ",\"verdict\":" + JsonEscape(VerdictName(r.verdict)) +
                  ",\"expected\":" + JsonEscape(VerdictName(r.expected)) +
                  ",\"claim_id\":" + JsonEscape(r.claim_id) + ",\"claim\":" + JsonEscape(r.claim) +
                  ",\"violation\":" + JsonEscape(r.violation) + ",\"trace_hash\":\"" + hash + "\"";
  char nums[400];
  snprintf(nums, sizeof(nums),
           ",\"sim_seconds\":%.3f,\"wall_seconds\":%.4f,\"events\":%" PRIu64 ",\"ops\":%" PRIu64
           ",\"ok\":%" PRIu64 ",\"fail\":%" PRIu64 ",\"info\":%" PRIu64 ",\"faults\":%" PRIu64
           ",\"window_start_ns\":%" PRId64 ",\"window_end_ns\":%" PRId64 ",\"duration_ns\":%" PRId64
           ",\"clients\":%d,\"keys\":%d,\"max_ops\":%" PRId64,
           r.sim_seconds, r.wall_seconds, r.events, r.ops, r.ok, r.fail, r.info, r.faults,
           r.window_start_ns, r.window_end_ns, r.duration_ns, r.clients, r.keys, r.max_ops);
  s += nums;
  s += ",\"config\":[";
  for (size_t i = 0; i < r.config.size(); i++) {
    s += (i > 0 ? ",[" : "[") + JsonEscape(r.config[i].first) + "," +
         JsonEscape(r.config[i].second) + "]";
  }
  s += "],\"schedule\":" + JsonEscape(r.schedule_text);
  s += ",\"schedule_overridden\":";
  s += r.schedule_overridden ? "true" : "false";
  s += ",\"faults_detail\":" + (r.schedule_json.empty() ? std::string("[]") : r.schedule_json);
  s += ",\"probes\":{";
  bool first = true;
  for (const auto& [k, v] : r.probes) {
    s += (first ? "" : ",") + JsonEscape(k) + ":" + std::to_string(v);
    first = false;
  }
  s += "},\"roles\":[";
  for (size_t i = 0; i < r.roles.size(); i++) {
    const RoleSpanRecord& x = r.roles[i];
    s += (i > 0 ? ",{\"node\":" : "{\"node\":") + JsonEscape(x.node) +
         ",\"from_ns\":" + std::to_string(x.from_ns) + ",\"to_ns\":" + std::to_string(x.to_ns) +
         ",\"role\":" + JsonEscape(x.role) + ",\"master\":" + JsonEscape(x.master) +
         ",\"epoch\":" + std::to_string(x.epoch) + ",\"replid\":" + JsonEscape(x.replid) + "}";
  }
  s += "],\"node_events\":[";
  for (size_t i = 0; i < r.node_events.size(); i++) {
    const NodeEventRecord& e = r.node_events[i];
    s += (i > 0 ? ",{\"node\":" : "{\"node\":") + JsonEscape(e.node) +
         ",\"time_ns\":" + std::to_string(e.time_ns) + ",\"type\":" + JsonEscape(e.type) +
         ",\"epoch\":" + std::to_string(e.epoch) + ",\"detail\":" + JsonEscape(e.detail) +
         ",\"primary\":" + JsonEscape(e.primary) + "}";
  }
  s += "],\"explanation\":" + JsonEscape(r.explanation) + ",\"replay\":" + JsonEscape(r.replay) +
       "}";
  return s;
}

namespace {

std::string Str(const checkers::Datum& d, std::string_view name) {
  const checkers::Datum* v = d.Find(name);
  return v != nullptr && v->is_string() ? v->text() : "";
}
int64_t Int(const checkers::Datum& d, std::string_view name, int64_t fallback = 0) {
  const checkers::Datum* v = d.Find(name);
  if (v == nullptr) return fallback;
  if (v->is_int()) return v->int_value();
  if (v->kind() == checkers::Datum::Kind::kDouble) return static_cast<int64_t>(v->double_value());
  return fallback;
}
double Num(const checkers::Datum& d, std::string_view name) {
  const checkers::Datum* v = d.Find(name);
  if (v == nullptr) return 0;
  if (v->is_int()) return static_cast<double>(v->int_value());
  if (v->kind() == checkers::Datum::Kind::kDouble) return v->double_value();
  return 0;
}

}  // namespace

bool RunRecordFromJson(std::string_view text, RunRecord* out, std::string* error) {
  checkers::Datum d;
  checkers::SourceError err;
  if (!checkers::ParseJson(text, &d, &err)) {
    *error = err.ToString();
    return false;
  }
  if (!d.is_map() || Str(d, "scenario").empty()) {
    *error = "not a run record (an object with a scenario)";
    return false;
  }
  RunRecord r;
  r.scenario = Str(d, "scenario");
  r.seed = static_cast<uint64_t>(Int(d, "seed"));
  if (!ParseVerdict(Str(d, "verdict"), &r.verdict) ||
      !ParseVerdict(Str(d, "expected"), &r.expected)) {
    *error =
        "unknown verdict \"" + Str(d, "verdict") + "\" or expected \"" + Str(d, "expected") + "\"";
    return false;
  }
  r.claim_id = Str(d, "claim_id");
  r.claim = Str(d, "claim");
  r.violation = Str(d, "violation");
  r.trace_hash = strtoull(Str(d, "trace_hash").c_str(), nullptr, 16);
  r.sim_seconds = Num(d, "sim_seconds");
  r.wall_seconds = Num(d, "wall_seconds");
  r.events = static_cast<uint64_t>(Int(d, "events"));
  r.ops = static_cast<uint64_t>(Int(d, "ops"));
  r.ok = static_cast<uint64_t>(Int(d, "ok"));
  r.fail = static_cast<uint64_t>(Int(d, "fail"));
  r.info = static_cast<uint64_t>(Int(d, "info"));
  r.faults = static_cast<uint64_t>(Int(d, "faults"));
  r.window_start_ns = Int(d, "window_start_ns", -1);
  r.window_end_ns = Int(d, "window_end_ns", -1);
  r.duration_ns = Int(d, "duration_ns");
  r.clients = static_cast<int>(Int(d, "clients"));
  r.keys = static_cast<int>(Int(d, "keys"));
  r.max_ops = Int(d, "max_ops", -1);
  if (const checkers::Datum* c = d.Find("config"); c != nullptr && c->is_list()) {
    for (const auto& pair : c->items()) {
      if (pair.is_list() && pair.items().size() == 2) {
        r.config.emplace_back(pair.items()[0].text(), pair.items()[1].text());
      }
    }
  }
  r.schedule_text = Str(d, "schedule");
  if (const checkers::Datum* o = d.Find("schedule_overridden"))
    r.schedule_overridden = o->bool_value();
  if (const checkers::Datum* f = d.Find("faults_detail")) r.schedule_json = f->ToJson();
  if (const checkers::Datum* p = d.Find("probes"); p != nullptr && p->is_map()) {
    for (const auto& [k, v] : p->entries()) {
      if (v.is_int()) r.probes[k.text()] = static_cast<uint64_t>(v.int_value());
    }
  }
  if (const checkers::Datum* roles = d.Find("roles"); roles != nullptr && roles->is_list()) {
    for (const auto& x : roles->items()) {
      if (!x.is_map()) continue;
      RoleSpanRecord span;
      span.node = Str(x, "node");
      span.from_ns = Int(x, "from_ns");
      span.to_ns = Int(x, "to_ns");
      span.role = Str(x, "role");
      span.master = Str(x, "master");
      span.epoch = static_cast<int>(Int(x, "epoch"));
      span.replid = Str(x, "replid");
      r.roles.push_back(std::move(span));
    }
  }
  if (const checkers::Datum* events = d.Find("node_events");
      events != nullptr && events->is_list()) {
    for (const auto& x : events->items()) {
      if (!x.is_map()) continue;
      r.node_events.push_back({Str(x, "node"), Int(x, "time_ns"), Str(x, "type"), Int(x, "epoch"),
                               Str(x, "detail"), Str(x, "primary")});
    }
  }
  r.explanation = Str(d, "explanation");
  r.replay = Str(d, "replay");
  *out = std::move(r);
  return true;
}

// ---- Summaries -----------------------------------------------------------------------------

std::vector<std::string> ScenarioSummary::NeverFiredProbes() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : probe_seeds) {
    if (v == 0) out.push_back(k);
  }
  return out;
}

bool ScenarioSummary::passed() const {
  if (expected == Verdict::kRefuted) return violations > 0;
  return violations == 0;  // holds (or bounded checked as holds): no seed may violate it
}

std::vector<ScenarioSummary> Summarize(const std::vector<RunRecord>& runs) {
  std::map<std::string, ScenarioSummary> by_name;
  for (const RunRecord& r : runs) {
    ScenarioSummary& s = by_name[r.scenario];
    s.scenario = r.scenario;
    s.claim_id = r.claim_id;
    s.claim = r.claim;
    s.expected = r.expected;
    s.seeds++;
    s.wall_seconds += r.wall_seconds;
    if (r.verdict == Verdict::kNone) s.unchecked++;
    if (r.verdict == Verdict::kUnknown) s.unknown++;
    if (r.violated()) {
      s.violations++;
      if (s.violating_seeds.size() < 50) s.violating_seeds.push_back(r.seed);
      if (s.first_explanation.empty()) {
        s.first_explanation = r.explanation;
        s.first_replay = r.replay;
      }
    }
    for (const auto& [k, v] : r.probes) {
      s.probes[k] += v;
      s.probe_seeds[k] += v > 0 ? 1 : 0;
    }
    std::map<std::string, std::set<std::string>> roles_held;  // node -> roles this seed
    std::set<int> epochs;
    for (const RoleSpanRecord& span : r.roles) {
      roles_held[span.node].insert(span.role);
      if (span.epoch > 0) epochs.insert(span.epoch);
    }
    for (const auto& [node, roles] : roles_held) {
      for (const std::string& role : roles) s.node_role_seeds[node][role]++;
    }
    s.max_epochs = std::max(s.max_epochs, static_cast<int>(epochs.size()));
  }
  std::vector<ScenarioSummary> out;
  for (auto& [name, s] : by_name) out.push_back(std::move(s));
  return out;
}

std::string SweepSummaryJson(const std::vector<RunRecord>& runs) {
  std::string s = "{\"scenarios\":[";
  bool first = true;
  for (const ScenarioSummary& sum : Summarize(runs)) {
    s += first ? "" : ",";
    first = false;
    s += "{\"scenario\":" + JsonEscape(sum.scenario) + ",\"claim_id\":" + JsonEscape(sum.claim_id) +
         ",\"claim\":" + JsonEscape(sum.claim) +
         ",\"expected\":" + JsonEscape(VerdictName(sum.expected)) +
         ",\"actual\":" + JsonEscape(VerdictName(sum.actual())) +
         ",\"passed\":" + (sum.passed() ? "true" : "false") +
         ",\"seeds\":" + std::to_string(sum.seeds) +
         ",\"violations\":" + std::to_string(sum.violations) +
         ",\"unknown\":" + std::to_string(sum.unknown) + ",\"violating_seeds\":[";
    for (size_t i = 0; i < sum.violating_seeds.size(); i++) {
      s += (i > 0 ? "," : "") + std::to_string(sum.violating_seeds[i]);
    }
    s += "],\"probes\":{";
    bool pf = true;
    for (const auto& [k, v] : sum.probes) {
      s += (pf ? "" : ",") + JsonEscape(k) + ":" + std::to_string(v);
      pf = false;
    }
    s += "},\"probe_seeds\":{";
    pf = true;
    for (const auto& [k, v] : sum.probe_seeds) {
      s += (pf ? "" : ",") + JsonEscape(k) + ":" + std::to_string(v);
      pf = false;
    }
    s += "},\"probes_never_fired\":[";
    pf = true;
    for (const std::string& k : sum.NeverFiredProbes()) {
      s += (pf ? "" : ",") + JsonEscape(k);
      pf = false;
    }
    s += "],\"node_roles\":{";
    pf = true;
    for (const auto& [node, roles] : sum.node_role_seeds) {
      s += (pf ? "" : ",") + JsonEscape(node) + ":{";
      pf = false;
      bool rf = true;
      for (const auto& [role, seeds] : roles) {
        s += (rf ? "" : ",") + JsonEscape(role) + ":" + std::to_string(seeds);
        rf = false;
      }
      s += "}";
    }
    char wall[40];
    snprintf(wall, sizeof(wall), "%.3f", sum.wall_seconds);
    s += "},\"max_epochs\":" + std::to_string(sum.max_epochs) +
         ",\"wall_seconds\":" + std::string(wall) + "}";
  }
  return s + "]}\n";
}

std::string JUnitXml(const std::vector<RunRecord>& runs) {
  std::vector<ScenarioSummary> sums = Summarize(runs);
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"redsim\">\n";
  for (const ScenarioSummary& sum : sums) {
    uint64_t failures = sum.passed() ? 0 : 1;
    if (sum.expected != Verdict::kRefuted) failures = sum.violations;
    char head[512];
    snprintf(head, sizeof(head),
             "  <testsuite name=\"%s\" tests=\"%" PRIu64 "\" failures=\"%" PRIu64
             "\" time=\"%.3f\">\n",
             HtmlEscape(sum.scenario).c_str(), sum.seeds + 1, failures, sum.wall_seconds);
    x += head;
    for (const RunRecord& r : runs) {
      if (r.scenario != sum.scenario) continue;
      char tc[256];
      snprintf(tc, sizeof(tc),
               "    <testcase classname=\"redsim.%s\" name=\"seed %" PRIu64 "\" time=\"%.3f\"",
               HtmlEscape(r.scenario).c_str(), r.seed, r.wall_seconds);
      x += tc;
      // A seed fails only when it violates a claim expected to hold; under a claim expected to
      // be refuted, a violating seed is the finding and is reported as system-out.
      if (r.violated() && r.expected != Verdict::kRefuted) {
        x += ">\n      <failure message=\"" + HtmlEscape(r.violation) + "\">" +
             HtmlEscape(r.explanation + "\nreplay: " + r.replay) + "</failure>\n    </testcase>\n";
      } else if (r.violated()) {
        x += ">\n      <system-out>" + HtmlEscape(r.explanation + "\nreplay: " + r.replay) +
             "</system-out>\n    </testcase>\n";
      } else {
        x += "/>\n";
      }
    }
    x += "    <testcase classname=\"redsim." + HtmlEscape(sum.scenario) + "\" name=\"claim " +
         HtmlEscape(sum.claim_id) + " expected " + HtmlEscape(VerdictName(sum.expected)) + "\"";
    if (!sum.passed()) {
      x += ">\n      <failure message=\"expected " + HtmlEscape(VerdictName(sum.expected)) +
           ", got " + HtmlEscape(VerdictName(sum.actual())) + "\">" + HtmlEscape(sum.claim) +
           "</failure>\n    </testcase>\n";
    } else {
      x += "/>\n";
    }
    x += "  </testsuite>\n";
  }
  return x + "</testsuites>\n";
}

// ---- Files ---------------------------------------------------------------------------------

bool LoadResultDirs(const std::vector<std::string>& dirs, std::vector<RunRecord>* out,
                    std::string* error) {
  std::vector<std::string> files;
  for (const std::string& d : dirs) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(d, ec)) {
      files.push_back(d);
      continue;
    }
    for (const auto& e : std::filesystem::directory_iterator(d, ec)) {
      if (e.path().extension() == ".jsonl" &&
          e.path().filename().string().rfind("results", 0) == 0) {
        files.push_back(e.path().string());
      }
    }
    if (ec) {
      *error = d + ": " + ec.message();
      return false;
    }
  }
  std::sort(files.begin(), files.end());
  std::set<std::pair<std::string, uint64_t>> seen;
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      n++;
      if (line.empty()) continue;
      RunRecord r;
      std::string why;
      if (!RunRecordFromJson(line, &r, &why)) {
        *error = f + ":" + std::to_string(n) + ": " + why;
        return false;
      }
      if (seen.insert({r.scenario, r.seed}).second) out->push_back(std::move(r));
    }
  }
  std::sort(out->begin(), out->end(), [](const RunRecord& a, const RunRecord& b) {
    return a.scenario != b.scenario ? a.scenario < b.scenario : a.seed < b.seed;
  });
  return true;
}

bool WriteSweepReports(const std::string& dir, const std::vector<RunRecord>& runs,
                       const std::map<std::pair<std::string, uint64_t>, std::string>& run_pages,
                       std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  struct Out {
    const char* name;
    std::string text;
  } outs[] = {{"index.html", SweepReportHtml(runs, run_pages)},
              {"summary.json", SweepSummaryJson(runs)},
              {"junit.xml", JUnitXml(runs)}};
  for (const Out& o : outs) {
    std::ofstream f(dir + "/" + o.name, std::ios::binary);
    f << o.text;
    if (!f) {
      *error = dir + "/" + o.name + ": cannot write";
      return false;
    }
  }
  return true;
}

}  // namespace redsim::reports
