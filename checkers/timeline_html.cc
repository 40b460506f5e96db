// The HTML page `redsim check --html` writes: verdict, explanation and an SVG timeline of the
// smallest failing window. Self-contained (inline CSS, no scripts, no external assets) so it
// can be attached to a report or a bug as one file.
#include <algorithm>
#include <map>
#include <set>

#include "checkers/explain.h"

namespace redsim::checkers {

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

std::string Label(const Operation& op) {
  std::string s = op.f;
  if (!op.key.is_nil()) s += " " + op.key.ToText();
  if (!op.input.is_nil()) s += " " + op.input.ToText();
  if (op.status == OpStatus::kOk && (op.input.is_nil() || op.output != op.input)) {
    s += " \xe2\x86\x92 " + op.output.ToText();  // →
  } else if (op.status != OpStatus::kOk) {
    s += op.status == OpStatus::kFail ? " \xe2\x86\x92 fail" : " \xe2\x86\x92 ?";
  }
  return s;
}

std::string Num(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

constexpr double kLeft = 90;  // lane labels
constexpr double kStep = 64;  // px between consecutive event slots
constexpr double kLaneHeight = 34;
constexpr double kTop = 30;

struct Layout {
  std::map<int, double> x_of_event;  // event index -> x
  double right = 0;
  int first_event = 0;
  int last_event = 0;
};

Layout LayoutEvents(const OpHistory& ops, const std::vector<int>& window, int failed) {
  Layout layout;
  // Start at the earliest invocation among the failed and required-looking operations; older
  // unknown operations are drawn as arriving from the left edge.
  int first = ops.ops[failed].invoke_event;
  int last = ops.ops[failed].complete_event;
  for (int id : window) {
    const Operation& op = ops.ops[id];
    if (op.complete_event >= 0 && op.complete_event < last)
      first = std::min(first, op.invoke_event);
  }
  std::set<int> points;
  for (int id : window) {
    const Operation& op = ops.ops[id];
    if (op.invoke_event >= first && op.invoke_event <= last) points.insert(op.invoke_event);
    if (op.complete_event >= first && op.complete_event <= last) points.insert(op.complete_event);
  }
  for (int e : ops.nemesis_events) {
    if (e >= first && e <= last) points.insert(e);
  }
  double x = kLeft + 20;
  for (int e : points) {
    layout.x_of_event[e] = x;
    x += kStep;
  }
  layout.right = x + 20;
  layout.first_event = first;
  layout.last_event = last;
  return layout;
}

double XOf(const Layout& layout, int event, bool is_end) {
  if (event < 0) return layout.right;  // never completed: open to the right edge
  if (event < layout.first_event) return kLeft;
  if (event > layout.last_event) return is_end ? layout.right : kLeft;
  return layout.x_of_event.at(event);
}

std::string Svg(const History& history, const OpHistory& ops, const Counterexample& cx) {
  Layout layout = LayoutEvents(ops, cx.window, cx.failed_op);
  std::set<int> open(cx.open_ops.begin(), cx.open_ops.end());
  std::map<int64_t, int> lanes;
  for (int id : cx.window) lanes.emplace(ops.ops[id].process, 0);
  int lane = 0;
  for (auto& [process, index] : lanes) index = lane++;
  double height = kTop + lane * kLaneHeight + 40;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(layout.right + 10) +
                    "\" height=\"" + Num(height) +
                    "\" font-family=\"monospace\" font-size=\"11\">\n";
  svg += "<text x=\"4\" y=\"16\" fill=\"#555\">real time \xe2\x86\x92 (event order)</text>\n";
  for (const auto& [process, index] : lanes) {
    double y = kTop + index * kLaneHeight;
    svg +=
        "<text x=\"4\" y=\"" + Num(y + 20) + "\">process " + std::to_string(process) + "</text>\n";
    svg += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(y + kLaneHeight - 2) + "\" x2=\"" +
           Num(layout.right) + "\" y2=\"" + Num(y + kLaneHeight - 2) + "\" stroke=\"#eee\"/>\n";
  }
  for (int e : ops.nemesis_events) {
    if (e < layout.first_event || e > layout.last_event) continue;
    double x = XOf(layout, e, false);
    svg += "<line x1=\"" + Num(x) + "\" y1=\"" + Num(kTop - 6) + "\" x2=\"" + Num(x) + "\" y2=\"" +
           Num(height - 20) + "\" stroke=\"#a0a\" stroke-dasharray=\"3,3\"><title>nemesis " +
           HtmlEscape(history.events[e].f + " " + history.events[e].value.ToText()) +
           "</title></line>\n";
    svg += "<text x=\"" + Num(x + 2) + "\" y=\"" + Num(height - 8) + "\" fill=\"#a0a\">" +
           HtmlEscape(history.events[e].f) + "</text>\n";
  }
  for (int id : cx.window) {
    const Operation& op = ops.ops[id];
    double y = kTop + lanes[op.process] * kLaneHeight + 4;
    double x1 = XOf(layout, op.invoke_event, false);
    // An unknown outcome may take effect any time after the invocation: draw it to the edge.
    bool unknown = op.status == OpStatus::kInfo || op.status == OpStatus::kPending;
    double x2 = unknown ? layout.right : XOf(layout, op.complete_event, true);
    if (x2 - x1 < 8) x2 = x1 + 8;
    std::string fill = "#dbe7f3", stroke = "#4a78a8", dash;
    if (id == cx.failed_op) {
      fill = "#f6c9c9";
      stroke = "#c00";
    } else if (open.count(id)) {
      fill = "#fde5bf";
      stroke = "#c77800";
    }
    if (op.status == OpStatus::kInfo || op.status == OpStatus::kPending)
      dash = " stroke-dasharray=\"5,3\"";
    svg += "<g><title>#" + std::to_string(id) + " " + HtmlEscape(DescribeOperation(op)) +
           " (lines " + std::to_string(op.invoke_line) + "-" + std::to_string(op.complete_line) +
           ")</title>";
    svg += "<rect x=\"" + Num(x1) + "\" y=\"" + Num(y) + "\" width=\"" + Num(x2 - x1) +
           "\" height=\"22\" rx=\"3\" fill=\"" + fill + "\" stroke=\"" + stroke + "\"" + dash +
           (id == cx.failed_op ? " stroke-width=\"2\"" : "") + "/>";
    std::string label = Label(op);
    size_t fits = static_cast<size_t>(std::max(1.0, (x2 - x1 - 6) / 6.7));
    if (label.size() > fits) {
      // Cut on a UTF-8 character boundary (never inside the arrow or a multi-byte value).
      size_t cut = fits > 1 ? fits - 1 : 1;
      while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;
      label = label.substr(0, cut) + "\xe2\x80\xa6";
    }
    svg += "<text x=\"" + Num(x1 + 3) + "\" y=\"" + Num(y + 15) + "\">" + HtmlEscape(label) +
           "</text></g>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace

std::string TimelineHtml(const History& history, const OpHistory& ops,
                         const LinearizabilityResult& result, const CheckSummary& summary) {
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>redsim check: " +
      HtmlEscape(summary.file) +
      "</title>\n<style>body{font-family:sans-serif;margin:20px;color:#222}"
      "pre{background:#f7f7f7;padding:10px;overflow-x:auto}"
      ".legend span{display:inline-block;padding:2px 8px;margin-right:8px;border:1px solid}"
      ".svgbox{overflow-x:auto;border:1px solid #ddd;padding:4px}</style></head><body>\n";
  html += "<h1>" + HtmlEscape(VerdictName(result.verdict)) + "</h1>\n";
  html += "<p>File <code>" + HtmlEscape(summary.file) + "</code> (" + HtmlEscape(summary.format) +
          "), model <code>" + HtmlEscape(result.model) + "</code>.</p>\n";
  if (result.counterexample) {
    html +=
        "<h2>Smallest failing window</h2>\n<p class=\"legend\">"
        "<span style=\"background:#f6c9c9;border-color:#c00\">cannot be linearized</span>"
        "<span style=\"background:#fde5bf;border-color:#c77800\">open at that point</span>"
        "<span style=\"background:#dbe7f3;border-color:#4a78a8\">linearized</span>"
        "<span style=\"border-style:dashed\">unknown outcome (info)</span></p>\n";
    html += "<div class=\"svgbox\">" + Svg(history, ops, *result.counterexample) + "</div>\n";
  }
  html +=
      "<h2>Explanation</h2>\n<pre>" + HtmlEscape(ExplainText(ops, result, summary)) + "</pre>\n";
  html += "</body></html>\n";
  return html;
}

}  // namespace redsim::checkers
