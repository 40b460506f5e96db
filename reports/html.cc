// HTML pages for runs and sweeps. Self-contained: inline CSS and SVG, no scripts, no external
// assets, so a page can be attached to a bug or archived by CI as one file.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "checkers/history.h"
#include "checkers/history_formats.h"
#include "checkers/json.h"
#include "reports/report.h"

namespace redsim::reports {

namespace {

constexpr size_t kMaxOpsDrawn = 4000;
constexpr double kWidth = 1100;
constexpr double kLeft = 80;
constexpr double kLane = 14;

const char* kStyle = R"(<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
.pass{background:#2e7d32} .failv{background:#c62828} .none{background:#777}
table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left;font-size:13px} th{background:#f3f3f3}
code,pre{background:#f6f6f6;padding:2px 4px;border-radius:3px;font-size:13px}
pre{padding:8px;white-space:pre-wrap}
svg text{font-size:11px;font-family:system-ui,sans-serif}
rect.ok{fill:#4caf50} rect.fail{fill:#e53935} rect.info{fill:#ffb300}
rect.fault{fill:#9c27b0;fill-opacity:.12} rect.window{fill:none;stroke:#d50000;stroke-width:2;
stroke-dasharray:5 3} rect.down{fill:#c62828} rect.paused{fill:#6d4c41} rect.cut{fill:#8e24aa}
rect.slow{fill:#fb8c00} rect.clock{fill:#1e88e5} rect.disk{fill:#546e7a} rect.up{fill:#c8e6c9}
circle.lat{fill:#1565c0;fill-opacity:.6}
rect.role-primary{fill:#1b5e20} rect.role-replica{fill:#81c784} rect.role-down{fill:#c62828}
rect.role-paused{fill:#6d4c41} text.role-label{fill:#fff;font-size:10px;pointer-events:none}
text.role-label.dark{fill:#1b3a1c} .never{color:#c62828;font-weight:600}
rect.role-sentinel{fill:#e3f2fd} circle.ev{stroke:#fff;stroke-width:.5}
circle.ev-down{fill:#ef6c00} circle.ev-vote{fill:#5e35b1} circle.ev-leader{fill:#d50000}
circle.ev-switch{fill:#1b5e20} circle.ev-tilt{fill:#1e88e5} text.ev-label{font-size:9px;fill:#1b5e20}
</style>)";

std::string Fmt(const char* f, double v) {
  char buf[64];
  snprintf(buf, sizeof(buf), f, v);
  return buf;
}

// A run's colour says what it found; the sweep page judges the claim against the expected one.
std::string VerdictBadge(Verdict verdict) {
  if (verdict == Verdict::kNone) return "<span class=\"badge none\">no checker</span>";
  const char* cls = verdict == Verdict::kUnknown   ? "none"
                    : verdict == Verdict::kRefuted ? "failv"
                                                   : "pass";
  return "<span class=\"badge " + std::string(cls) + "\">" + HtmlEscape(VerdictName(verdict)) +
         "</span>";
}

struct FaultSpan {
  std::string kind, shape, text;
  int64_t at_ns = 0, end_ns = -1;
  std::vector<int> targets;
};

std::vector<FaultSpan> ParseFaults(const std::string& json, int64_t run_end_ns) {
  std::vector<FaultSpan> out;
  checkers::Datum d;
  checkers::SourceError err;
  if (json.empty() || !checkers::ParseJson(json, &d, &err) || !d.is_list()) return out;
  for (const auto& f : d.items()) {
    if (!f.is_map()) continue;
    FaultSpan s;
    auto str = [&](const char* k) {
      const checkers::Datum* v = f.Find(k);
      return v != nullptr && v->is_string() ? v->text() : std::string();
    };
    auto num = [&](const char* k) {
      const checkers::Datum* v = f.Find(k);
      return v != nullptr && v->is_int() ? v->int_value() : -1;
    };
    s.kind = str("kind");
    s.shape = str("shape");
    s.text = str("text");
    s.at_ns = num("at_ns");
    int64_t dur = num("duration_ns");
    s.end_ns = dur < 0 ? run_end_ns : s.at_ns + dur;
    if (const checkers::Datum* t = f.Find("targets"); t != nullptr && t->is_list()) {
      for (const auto& x : t->items()) {
        if (x.is_int()) s.targets.push_back(static_cast<int>(x.int_value()));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Fault intervals from the history's nemesis entries, for scenarios that inject faults with
// their own code rather than a schedule: "partition" lasts until the next "heal", "crash" until
// "restart", "pause" until "resume", "fsync-lies" until the next "crash", a "clog" for the
// milliseconds its text ends with; anything else is an instant.
std::vector<FaultSpan> FaultsFromHistory(const checkers::History& history, int64_t run_end_ns) {
  std::vector<FaultSpan> out;
  std::map<std::string, std::vector<size_t>> open;  // closing entry -> spans it closes
  static const std::map<std::string, std::string> kCloser = {
      {"partition", "heal"}, {"crash", "restart"}, {"pause", "resume"}, {"fsync-lies", "crash"}};
  for (const checkers::Event& e : history.events) {
    if (!e.nemesis || e.time_ns < 0) continue;
    std::string detail = e.value.is_string() ? e.value.text() : e.value.ToJson();
    if (auto it = open.find(e.f); it != open.end()) {
      for (size_t i : it->second) out[i].end_ns = e.time_ns;
      open.erase(it);
    }
    if (e.f == "heal" || e.f == "restart" || e.f == "resume") continue;
    FaultSpan f;
    f.kind = e.f;
    f.text = e.f + " " + detail + " at " + Fmt("%.3f s", e.time_ns / 1e9);
    f.at_ns = e.time_ns;
    f.end_ns = e.time_ns;
    if (auto c = kCloser.find(e.f); c != kCloser.end()) {
      f.end_ns = run_end_ns;
      open[c->second].push_back(out.size());
    } else if (e.f == "clog" && detail.size() > 2 &&
               detail.compare(detail.size() - 2, 2, "ms") == 0) {
      size_t digits = detail.find_last_not_of("0123456789", detail.size() - 3) + 1;
      f.end_ns = e.time_ns + strtoll(detail.c_str() + digits, nullptr, 10) * 1'000'000;
    }
    out.push_back(std::move(f));
  }
  return out;
}

const char* StateClass(const FaultSpan& f) {
  if (f.kind == "crash" || (f.kind == "disk" && (f.shape == "lose-unsynced" || f.shape == "torn" ||
                                                 f.shape == "torn-sector"))) {
    return "down";
  }
  if (f.kind == "pause") return "paused";
  if (f.kind == "partition") return "cut";
  if (f.kind == "clog") return "slow";
  if (f.kind == "clock") return "clock";
  return "disk";
}

struct Axis {
  int64_t t0 = 0, t1 = 1;
  double X(int64_t t) const {
    double f = static_cast<double>(std::clamp(t, t0, t1) - t0) / static_cast<double>(t1 - t0);
    return kLeft + f * (kWidth - kLeft - 10);
  }
};

std::string TimeTicks(const Axis& ax, double y0, double y1) {
  std::string s;
  double span_s = static_cast<double>(ax.t1 - ax.t0) / 1e9;
  double step = 1;
  for (double c : {0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 60.0}) {
    step = c;
    if (span_s / c <= 12) break;
  }
  for (double t = std::ceil(static_cast<double>(ax.t0) / 1e9 / step) * step;
       t * 1e9 <= static_cast<double>(ax.t1); t += step) {
    double x = ax.X(static_cast<int64_t>(t * 1e9));
    s += "<line x1=\"" + Fmt("%.1f", x) + "\" x2=\"" + Fmt("%.1f", x) + "\" y1=\"" +
         Fmt("%.1f", y0) + "\" y2=\"" + Fmt("%.1f", y1) + "\" stroke=\"#ddd\"/><text x=\"" +
         Fmt("%.1f", x) + "\" y=\"" + Fmt("%.1f", y1 + 12) + "\" text-anchor=\"middle\">" +
         Fmt(step < 0.1 ? "%.3fs" : "%.1fs", t) + "</text>";
  }
  return s;
}

// The operation timeline: one lane per process, one rect per operation, faults shaded, the
// counterexample window outlined.
std::string Timeline(const RunRecord& run, const checkers::OpHistory& ops,
                     const std::vector<int>& drawn, const Axis& ax,
                     const std::vector<FaultSpan>& faults) {
  std::set<int64_t> procs;
  for (int id : drawn) procs.insert(ops.ops[static_cast<size_t>(id)].process);
  std::map<int64_t, int> lane;
  for (int64_t p : procs) lane[p] = static_cast<int>(lane.size());
  double height = 20 + kLane * static_cast<double>(std::max<size_t>(lane.size(), 1)) + 20;
  std::string s = "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  Fmt("%.0f", kWidth) + "\" height=\"" + Fmt("%.0f", height) + "\">";
  double bottom = height - 20;
  for (const FaultSpan& f : faults) {
    double x0 = ax.X(f.at_ns), x1 = ax.X(f.end_ns);
    s += "<rect class=\"fault\" x=\"" + Fmt("%.1f", x0) + "\" y=\"10\" width=\"" +
         Fmt("%.1f", std::max(1.5, x1 - x0)) + "\" height=\"" + Fmt("%.1f", bottom - 10) +
         "\"><title>" + HtmlEscape(f.text) + "</title></rect>";
  }
  s += TimeTicks(ax, 10, bottom);
  for (const auto& [p, l] : lane) {
    s += "<text x=\"4\" y=\"" + Fmt("%.1f", 20 + kLane * l + 9) + "\">process " +
         std::to_string(p) + "</text>";
  }
  for (int id : drawn) {
    const checkers::Operation& op = ops.ops[static_cast<size_t>(id)];
    int64_t end = op.complete_ns >= 0 ? op.complete_ns : ax.t1;
    const char* cls = op.status == checkers::OpStatus::kOk     ? "ok"
                      : op.status == checkers::OpStatus::kFail ? "fail"
                                                               : "info";
    double x0 = ax.X(op.invoke_ns), x1 = ax.X(end);
    s += "<rect class=\"op " + std::string(cls) + "\" x=\"" + Fmt("%.2f", x0) + "\" y=\"" +
         Fmt("%.1f", 20 + kLane * lane[op.process]) + "\" width=\"" +
         Fmt("%.2f", std::max(1.0, x1 - x0)) + "\" height=\"10\"><title>" +
         HtmlEscape(checkers::DescribeOperation(op)) + " [" + Fmt("%.6f", op.invoke_ns / 1e9) +
         " s, " + Fmt("%.3f", (end - op.invoke_ns) / 1e6) + " ms]</title></rect>";
  }
  if (run.window_start_ns >= 0) {
    double x0 = ax.X(run.window_start_ns), x1 = ax.X(run.window_end_ns);
    s += "<rect class=\"window\" x=\"" + Fmt("%.1f", x0 - 2) + "\" y=\"6\" width=\"" +
         Fmt("%.1f", std::max(4.0, x1 - x0 + 4)) + "\" height=\"" + Fmt("%.1f", bottom - 2) +
         "\"><title>counterexample window</title></rect>";
  }
  return s + "</svg>";
}

// Node states over time, from the fault schedule (up unless a fault says otherwise).
std::string NodeLanes(const RunRecord& run, const Axis& ax, const std::vector<FaultSpan>& faults) {
  int nodes = 1;
  for (const FaultSpan& f : faults) {
    for (int t : f.targets) nodes = std::max(nodes, t + 1);
  }
  double height = 16 + 18.0 * nodes + 18;
  std::string s = "<svg id=\"nodes\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  Fmt("%.0f", kWidth) + "\" height=\"" + Fmt("%.0f", height) + "\">";
  for (int n = 0; n < nodes; n++) {
    double y = 10 + 18.0 * n;
    s += "<text x=\"4\" y=\"" + Fmt("%.1f", y + 10) + "\">n" + std::to_string(n + 1) + "</text>";
    s += "<rect class=\"up\" x=\"" + Fmt("%.1f", ax.X(ax.t0)) + "\" y=\"" + Fmt("%.1f", y) +
         "\" width=\"" + Fmt("%.1f", ax.X(ax.t1) - ax.X(ax.t0)) + "\" height=\"12\"/>";
    for (const FaultSpan& f : faults) {
      if (std::find(f.targets.begin(), f.targets.end(), n) == f.targets.end()) continue;
      double x0 = ax.X(f.at_ns), x1 = ax.X(f.end_ns);
      s += "<rect class=\"" + std::string(StateClass(f)) + "\" x=\"" + Fmt("%.1f", x0) + "\" y=\"" +
           Fmt("%.1f", y) + "\" width=\"" + Fmt("%.1f", std::max(1.5, x1 - x0)) +
           "\" height=\"12\"><title>" + HtmlEscape(f.text) + "</title></rect>";
    }
  }
  (void)run;
  s += TimeTicks(ax, 6, height - 18);
  return s + "</svg>";
}

// A role's short label inside its bar: "P e2" (primary, epoch 2), "R n1 e2" (replica of n1),
// "down", "paused".
std::string RoleLabel(const RoleSpanRecord& r) {
  std::string epoch = r.epoch > 0 ? " e" + std::to_string(r.epoch) : "";
  if (r.role == "primary") return "P" + epoch;
  if (r.role == "replica") return "R " + r.master + (r.epoch > 0 ? epoch : " unsynced");
  return r.role;
}

std::string RoleTitle(const RoleSpanRecord& r) {
  std::string t = r.node + ": " + r.role;
  if (r.role == "replica") t += " of " + r.master;
  if (r.epoch > 0) t += ", epoch " + std::to_string(r.epoch);
  if (!r.replid.empty()) t += ", replid " + r.replid.substr(0, 8) + "...";
  return t + " [" + Fmt("%.3f", r.from_ns / 1e9) + " s - " + Fmt("%.3f", r.to_ns / 1e9) + " s]";
}

// The class of a Sentinel event's mark on its lane, or "" for events not drawn.
std::string EventClass(const std::string& type) {
  if (type == "+sdown" || type == "+odown") return "ev-down";
  if (type == "+vote-for-leader") return "ev-vote";
  if (type == "+elected-leader" || type == "+try-failover") return "ev-leader";
  if (type == "+switch-master" || type == "failover-won") return "ev-switch";
  if (type == "node-failed") return "ev-down";
  if (type == "+tilt" || type == "-tilt") return "ev-tilt";
  return "";
}

// A Sentinel's decisions as marks on its lane (down verdicts, votes, elections, TILT), and at
// each +switch-master the primary it names from then on, with the epoch.
std::string EventMarks(const RunRecord& run, const std::string& node, const Axis& ax, double y) {
  std::string s;
  for (const NodeEventRecord& e : run.node_events) {
    std::string cls = EventClass(e.type);
    if (e.node != node || cls.empty() || e.time_ns < ax.t0 || e.time_ns > ax.t1) continue;
    double x = ax.X(e.time_ns);
    s += "<circle class=\"ev " + cls + "\" cx=\"" + Fmt("%.1f", x) + "\" cy=\"" +
         Fmt("%.1f", y + 7) + "\" r=\"3\"><title>" +
         HtmlEscape(Fmt("%.3f s ", e.time_ns / 1e9) + e.type + " " + e.detail + " (epoch " +
                    std::to_string(e.epoch) + ")") +
         "</title></circle>";
    if (!e.primary.empty()) {
      s += "<text class=\"ev-label\" x=\"" + Fmt("%.1f", x + 4) + "\" y=\"" + Fmt("%.1f", y + 11) +
           "\">" + HtmlEscape("\u2192" + e.primary + " e" + std::to_string(e.epoch)) + "</text>";
    }
  }
  return s;
}

// One lane per node (in the order the run recorded them), one bar per role span with its epoch,
// the fault intervals shaded behind, on the operation timeline's axis.
std::string RoleLanes(const RunRecord& run, const Axis& ax, const std::vector<FaultSpan>& faults) {
  std::vector<std::string> nodes;
  for (const RoleSpanRecord& r : run.roles) {
    if (std::find(nodes.begin(), nodes.end(), r.node) == nodes.end()) nodes.push_back(r.node);
  }
  const double lane = 20;
  double height = 10 + lane * static_cast<double>(nodes.size()) + 18;
  std::string s = "<svg id=\"roles\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  Fmt("%.0f", kWidth) + "\" height=\"" + Fmt("%.0f", height) + "\">";
  double bottom = height - 18;
  for (const FaultSpan& f : faults) {
    double x0 = ax.X(f.at_ns), x1 = ax.X(f.end_ns);
    s += "<rect class=\"fault\" x=\"" + Fmt("%.1f", x0) + "\" y=\"6\" width=\"" +
         Fmt("%.1f", std::max(1.5, x1 - x0)) + "\" height=\"" + Fmt("%.1f", bottom - 6) +
         "\"><title>" + HtmlEscape(f.text) + "</title></rect>";
  }
  for (size_t n = 0; n < nodes.size(); n++) {
    double y = 10 + lane * static_cast<double>(n);
    s += "<g class=\"lane\" data-node=\"" + HtmlEscape(nodes[n]) + "\"><text x=\"4\" y=\"" +
         Fmt("%.1f", y + 11) + "\">" + HtmlEscape(nodes[n]) + "</text>";
    for (const RoleSpanRecord& r : run.roles) {
      if (r.node != nodes[n] || r.to_ns < ax.t0 || r.from_ns > ax.t1) continue;
      double x0 = ax.X(r.from_ns), x1 = ax.X(r.to_ns);
      double w = std::max(1.0, x1 - x0);
      s += "<rect class=\"role-" + HtmlEscape(r.role) + "\" x=\"" + Fmt("%.1f", x0) + "\" y=\"" +
           Fmt("%.1f", y) + "\" width=\"" + Fmt("%.1f", w) + "\" height=\"14\"><title>" +
           HtmlEscape(RoleTitle(r)) + "</title></rect>";
      std::string label = RoleLabel(r);
      if (w > 6.5 * static_cast<double>(label.size()) + 4) {  // only when the label fits
        s += std::string("<text class=\"role-label") + (r.role == "replica" ? " dark" : "") +
             "\" x=\"" + Fmt("%.1f", x0 + 3) + "\" y=\"" + Fmt("%.1f", y + 11) + "\">" +
             HtmlEscape(label) + "</text>";
      }
    }
    s += EventMarks(run, nodes[n], ax, y);
    s += "</g>";
  }
  s += TimeTicks(ax, 6, bottom);
  return s + "</svg>";
}

std::string LatencyChart(const checkers::OpHistory& ops, const std::vector<int>& drawn,
                         const Axis& ax) {
  double max_ms = 0.001;
  for (int id : drawn) {
    const auto& op = ops.ops[static_cast<size_t>(id)];
    if (op.status == checkers::OpStatus::kOk) {
      max_ms = std::max(max_ms, (op.complete_ns - op.invoke_ns) / 1e6);
    }
  }
  const double h = 160;
  std::string s = "<svg id=\"latency\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  Fmt("%.0f", kWidth) + "\" height=\"" + Fmt("%.0f", h + 20) + "\">";
  s += "<text x=\"4\" y=\"14\">" + Fmt("%.3g ms", max_ms) + "</text><text x=\"4\" y=\"" +
       Fmt("%.0f", h) + "\">0</text>";
  for (int id : drawn) {
    const auto& op = ops.ops[static_cast<size_t>(id)];
    if (op.status != checkers::OpStatus::kOk) continue;
    double ms = (op.complete_ns - op.invoke_ns) / 1e6;
    s += "<circle class=\"lat\" cx=\"" + Fmt("%.1f", ax.X(op.invoke_ns)) + "\" cy=\"" +
         Fmt("%.1f", h - (h - 12) * ms / max_ms) + "\" r=\"1.6\"/>";
  }
  s += TimeTicks(ax, 6, h);
  return s + "</svg>";
}

// Which operations to draw: all of them when few, else those around the counterexample (or the
// first ones), so a page stays a few MB at most.
std::vector<int> PickOps(const RunRecord& run, const checkers::OpHistory& ops, Axis* ax) {
  std::vector<int> all;
  for (const auto& op : ops.ops) all.push_back(op.id);
  ax->t0 = 0;
  ax->t1 = std::max<int64_t>(run.duration_ns, 1);
  if (all.size() <= kMaxOpsDrawn) return all;
  int64_t center = run.window_end_ns >= 0 ? run.window_end_ns : 0;
  // Widen a window around the center until it holds the budget.
  std::vector<int64_t> times;
  for (const auto& op : ops.ops) times.push_back(op.invoke_ns);
  std::sort(times.begin(), times.end());
  size_t at =
      static_cast<size_t>(std::lower_bound(times.begin(), times.end(), center) - times.begin());
  size_t lo = at > kMaxOpsDrawn * 3 / 4 ? at - kMaxOpsDrawn * 3 / 4 : 0;
  size_t hi = std::min(times.size() - 1, lo + kMaxOpsDrawn - 1);
  ax->t0 = times[lo];
  ax->t1 = std::max(times[hi], ax->t0 + 1);
  if (run.window_start_ns >= 0) ax->t0 = std::min(ax->t0, run.window_start_ns);
  std::vector<int> picked;
  for (const auto& op : ops.ops) {
    if (op.invoke_ns >= ax->t0 && op.invoke_ns <= ax->t1 && picked.size() < kMaxOpsDrawn * 2) {
      picked.push_back(op.id);
    }
  }
  return picked;
}

}  // namespace

std::string RunReportHtml(const RunRecord& run, std::string_view history_jsonl) {
  checkers::History history;
  checkers::OpHistory ops;
  checkers::SourceError err;
  std::string history_error;
  if (!history_jsonl.empty() &&
      (!checkers::ParseHistory(history_jsonl, checkers::HistoryFormat::kJsonl, "history.jsonl",
                               &history, &err) ||
       !checkers::PairOperations(history, &ops, &err))) {
    history_error = err.ToString();
    ops = {};
  }
  std::string h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>redsim " +
                  HtmlEscape(run.scenario) + " seed " + std::to_string(run.seed) + "</title>" +
                  kStyle + "</head><body>\n";
  h += "<h1>" + HtmlEscape(run.scenario) + " &middot; seed " + std::to_string(run.seed) + "</h1>\n";
  h += "<p><b>Claim " + HtmlEscape(run.claim_id) + ":</b> " + HtmlEscape(run.claim) + "</p>\n";
  h += "<table><tr><th>expected (over a sweep)</th><th>this "
       "run</th><th>violation</th></tr><tr><td>" +
       HtmlEscape(VerdictName(run.expected)) + "</td><td id=\"verdict\">" +
       VerdictBadge(run.verdict) + "</td><td>" +
       HtmlEscape(run.violation.empty() ? "none" : run.violation) + "</td></tr></table>\n";
  h += "<h2>What the checker found</h2>\n<p id=\"explanation\">" + HtmlEscape(run.explanation) +
       "</p>\n";
  h += "<p>Replay: <code>" + HtmlEscape(run.replay) + "</code></p>\n";
  char counts[400];
  snprintf(counts, sizeof(counts),
           "<table><tr><th>simulated</th><th>wall</th><th>events</th><th>ops</th><th>ok</th>"
           "<th>fail</th><th>info</th><th>faults</th><th>trace hash</th></tr><tr><td>%.1f s</td>"
           "<td>%.2f s</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
           "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td><code>%016" PRIx64
           "</code></td></tr></table>\n",
           run.sim_seconds, run.wall_seconds, run.events, run.ops, run.ok, run.fail, run.info,
           run.faults, run.trace_hash);
  h += counts;
  std::vector<FaultSpan> faults = ParseFaults(run.schedule_json, run.duration_ns);
  if (faults.empty()) faults = FaultsFromHistory(history, run.duration_ns);
  h += "<h2>Faults (" + std::to_string(faults.size()) + ")</h2>\n<ul>";
  for (const FaultSpan& f : faults) h += "<li>" + HtmlEscape(f.text) + "</li>";
  h += "</ul>\n";
  Axis ax;
  std::vector<int> drawn = PickOps(run, ops, &ax);
  h += "<h2>Operations</h2>\n<p>Bars run from invocation to completion: <span "
       "style=\"color:#4caf50\">"
       "ok</span>, <span style=\"color:#e53935\">fail</span>, <span style=\"color:#c49000\">info "
       "(unknown)</span>; faults shaded purple; the counterexample window outlined in red. "
       "Showing " +
       std::to_string(drawn.size()) + " of " + std::to_string(ops.ops.size()) + " operations" +
       (history_error.empty() ? "" : " (history unreadable: " + HtmlEscape(history_error) + ")") +
       ".</p>\n";
  h += Timeline(run, ops, drawn, ax, faults) + "\n";
  if (!run.roles.empty()) {
    h += "<h2>Node roles and replication epochs</h2>\n<p>One lane per node: dark green primary, "
         "light green replica (of the node named), red down (crashed), brown paused; "
         "<i>eN</i> is the replication epoch (each replication id a primary announces is a new "
         "epoch, numbered in order of appearance; a replica shows the epoch it synced). Faults "
         "shaded purple, on the operations' time axis.</p>\n";
    h += RoleLanes(run, ax, faults) + "\n";
  }
  h += "<h2>Nodes over time</h2>\n<p>green up; red down (crashed); brown paused; purple cut off by "
       "a partition; orange slow links; blue clock fault; grey disk fault.</p>\n";
  h += NodeLanes(run, ax, faults) + "\n";
  h += "<h2>Latency of successful operations</h2>\n" + LatencyChart(ops, drawn, ax) + "\n";
  if (!run.probes.empty()) {
    h += "<h2>Coverage probes</h2>\n<table><tr><th>probe</th><th>hits</th></tr>";
    for (const auto& [k, v] : run.probes) {
      h += "<tr><td>" + HtmlEscape(k) + "</td><td>" + std::to_string(v) + "</td></tr>";
    }
    h += "</table>\n";
  }
  h += "<h2>Fault schedule (replayable)</h2>\n<pre>" + HtmlEscape(run.schedule_text) + "</pre>\n";
  return h + "</body></html>\n";
}

std::string SweepReportHtml(
    const std::vector<RunRecord>& runs,
    const std::map<std::pair<std::string, uint64_t>, std::string>& run_pages) {
  std::vector<ScenarioSummary> sums = Summarize(runs);
  size_t passed = 0;
  for (const auto& s : sums) passed += s.passed();
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>redsim sweep</title>" +
      std::string(kStyle) + "</head><body>\n<h1>redsim sweep</h1>\n";
  h += "<p>" + std::to_string(runs.size()) + " runs over " + std::to_string(sums.size()) +
       " scenarios; " + std::to_string(passed) + " of " + std::to_string(sums.size()) +
       " claims got their expected verdict. A claim expected to <i>hold</i> passes when no seed "
       "violates it; a claim expected to be <i>refuted</i> passes when some seed does.</p>\n";
  h += "<table id=\"scenarios\"><tr><th>scenario</th><th>claim</th><th>expected</th><th>actual</th>"
       "<th>result</th><th>seeds</th><th>violations</th><th>counterexamples</th></tr>\n";
  for (const ScenarioSummary& s : sums) {
    std::string cls = s.passed() ? "pass" : "failv";
    h += "<tr><td>" + HtmlEscape(s.scenario) + "</td><td><b>" + HtmlEscape(s.claim_id) + "</b> " +
         HtmlEscape(s.claim) + "</td><td>" + HtmlEscape(VerdictName(s.expected)) + "</td><td>" +
         (s.actual() == Verdict::kNone ? "(no checker)" : HtmlEscape(VerdictName(s.actual()))) +
         "</td><td><span class=\"badge " + cls + "\">" + (s.passed() ? "pass" : "FAIL") +
         "</span></td><td>" + std::to_string(s.seeds) + "</td><td>" + std::to_string(s.violations) +
         "</td><td>";
    for (uint64_t seed : s.violating_seeds) {
      auto it = run_pages.find({s.scenario, seed});
      if (it != run_pages.end()) {
        h += "<a href=\"" + HtmlEscape(it->second) + "\">" + std::to_string(seed) + "</a> ";
      } else {
        h += std::to_string(seed) + " ";
      }
    }
    h += "</td></tr>\n";
  }
  h += "</table>\n";
  for (const ScenarioSummary& s : sums) {
    h += "<h2>" + HtmlEscape(s.scenario) + "</h2>\n";
    if (!s.violating_seeds.empty()) {
      h += "<p>First counterexample (seed " + std::to_string(s.violating_seeds[0]) +
           "): " + HtmlEscape(s.first_explanation) + "</p>\n<p>Replay: <code>" +
           HtmlEscape(s.first_replay) + "</code></p>\n";
    }
    if (!s.probes.empty()) {
      h += "<table class=\"probes\"><tr><th>coverage probe</th><th>seeds where it fired</th>"
           "<th>hits over the sweep</th></tr>";
      for (const auto& [k, v] : s.probes) {
        auto seeds = s.probe_seeds.find(k);
        uint64_t fired = seeds == s.probe_seeds.end() ? 0 : seeds->second;
        h += std::string("<tr") + (fired == 0 ? " class=\"never\"" : "") + "><td>" + HtmlEscape(k) +
             "</td><td>" + std::to_string(fired) + " of " + std::to_string(s.seeds) +
             (fired == 0 ? " &mdash; never fired" : "") + "</td><td>" + std::to_string(v) +
             "</td></tr>";
      }
      h += "</table>\n";
    }
    if (!s.node_role_seeds.empty()) {
      h += "<table class=\"roles\"><tr><th>node</th><th>seeds in which it was primary</th>"
           "<th>replica</th><th>down</th><th>paused</th></tr>";
      for (const auto& [node, roles] : s.node_role_seeds) {
        auto count = [&](const char* role) {
          auto it = roles.find(role);
          return std::to_string(it == roles.end() ? 0 : it->second);
        };
        h += "<tr><td>" + HtmlEscape(node) + "</td><td>" + count("primary") + "</td><td>" +
             count("replica") + "</td><td>" + count("down") + "</td><td>" + count("paused") +
             "</td></tr>";
      }
      h += "</table>\n<p>At most " + std::to_string(s.max_epochs) +
           " replication epochs in one seed.</p>\n";
    }
  }
  return h + "</body></html>\n";
}

}  // namespace redsim::reports
