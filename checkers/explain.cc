#include "checkers/explain.h"

#include <cstdio>

namespace redsim::checkers {

namespace {

std::string Lines(const Operation& op) {
  if (op.complete_line > 0) {
    return "lines " + std::to_string(op.invoke_line) + "-" + std::to_string(op.complete_line);
  }
  return "line " + std::to_string(op.invoke_line) + "-";
}

std::string OpLine(const Operation& op) {
  char buf[32];
  snprintf(buf, sizeof(buf), "#%-5d ", op.id);
  std::string s = buf + DescribeOperation(op);
  if (s.size() < 60) s.resize(60, ' ');
  return s + "  (" + Lines(op) + ")";
}

std::string FormatMs(double ms) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.1f ms", ms);
  return buf;
}

}  // namespace

const char* VerdictToken(Verdict verdict) {
  switch (verdict) {
    case Verdict::kLinearizable:
      return "linearizable";
    case Verdict::kNotLinearizable:
      return "not-linearizable";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "?";
}

std::string ExplainText(const OpHistory& ops, const LinearizabilityResult& result,
                        const CheckSummary& summary) {
  std::string out = VerdictName(result.verdict);
  out += " (model " + result.model + "; " + std::to_string(result.partitions) + " partition" +
         (result.partitions == 1 ? "" : "s") + "; " + std::to_string(result.operations) +
         " operations, " + std::to_string(result.dropped) + " dropped; " +
         std::to_string(result.configurations) + " configurations, " +
         std::to_string(result.model_states) + " states; " + FormatMs(summary.elapsed_ms) + ")\n";
  if (result.verdict == Verdict::kUnknown) {
    out += "No verdict: " + result.reason + ". Raise --timeout (or the memory budget) to decide.\n";
  }
  if (!result.counterexample) return out;
  const Counterexample& cx = *result.counterexample;
  const Operation& failed = ops.ops[cx.failed_op];
  out += "\nSmallest failing window";
  out += cx.partition.empty() ? " (the history has one partition):\n"
                              : ", partition " + cx.partition + ":\n";
  out += "  The search linearized " + std::to_string(cx.linearized_before) + " of " +
         std::to_string(cx.partition_ops) +
         " operations, then every order got stuck before this one returned:\n";
  out += "    " + OpLine(failed) + "\n";
  out +=
      "  It cannot take effect in any state reached, whichever of the open operations go first.\n";
  out += "  States in which it was due:";
  for (const std::string& s : cx.states_tried) out += " " + s + ";";
  if (cx.states_truncated) out += " ...";
  out += "\n";
  if (!cx.open_ops.empty()) {
    out += "  Open operations (invoked before it returned, not linearized):\n";
    size_t shown = 0;
    for (int id : cx.open_ops) {
      if (++shown > 20) {
        out += "    ... and " + std::to_string(cx.open_ops.size() - 20) + " more\n";
        break;
      }
      out += "    " + OpLine(ops.ops[id]) + "\n";
    }
  }
  if (!cx.last_steps.empty()) {
    out += "  One linearization that got this far ended with:\n";
    for (const LinearizedStep& step : cx.last_steps) {
      std::string line = OpLine(ops.ops[step.op]);
      out += "    " + line + "  => " + step.state_after + "\n";
    }
  }
  return out;
}

std::string OperationJson(const Operation& op) {
  std::string out =
      "{\"id\":" + std::to_string(op.id) + ",\"process\":" + std::to_string(op.process) + ",\"f\":";
  AppendJsonString(op.f, &out);
  if (!op.key.is_nil()) {
    out += ",\"key\":";
    op.key.AppendJson(&out);
  }
  out += ",\"value\":";
  op.input.AppendJson(&out);
  out += ",\"result\":";
  op.output.AppendJson(&out);
  out += ",\"status\":\"";
  out += OpStatusName(op.status);
  out += "\",\"invoke_line\":" + std::to_string(op.invoke_line) +
         ",\"complete_line\":" + std::to_string(op.complete_line);
  if (op.invoke_ns >= 0) out += ",\"invoke_ns\":" + std::to_string(op.invoke_ns);
  if (op.complete_ns >= 0) out += ",\"complete_ns\":" + std::to_string(op.complete_ns);
  out += "}";
  return out;
}

std::string ResultJson(const OpHistory& ops, const LinearizabilityResult& result,
                       const CheckSummary& summary) {
  std::string out = "{\"file\":";
  AppendJsonString(summary.file, &out);
  out += ",\"format\":";
  AppendJsonString(summary.format, &out);
  out += ",\"model\":";
  AppendJsonString(result.model, &out);
  out += ",\"verdict\":\"";
  out += VerdictToken(result.verdict);
  out += "\"";
  if (!result.reason.empty()) {
    out += ",\"reason\":";
    AppendJsonString(result.reason, &out);
  }
  char ms[32];
  snprintf(ms, sizeof(ms), "%.3f", summary.elapsed_ms);
  out += ",\"operations\":" + std::to_string(result.operations) +
         ",\"dropped\":" + std::to_string(result.dropped) +
         ",\"partitions\":" + std::to_string(result.partitions) +
         ",\"configurations\":" + std::to_string(result.configurations) +
         ",\"model_states\":" + std::to_string(result.model_states) +
         ",\"transitions\":" + std::to_string(result.transitions) +
         ",\"peak_memory_bytes\":" + std::to_string(result.peak_memory_bytes) +
         ",\"elapsed_ms\":" + ms;
  if (result.counterexample) {
    const Counterexample& cx = *result.counterexample;
    out += ",\"counterexample\":{\"partition\":";
    AppendJsonString(cx.partition, &out);
    out += ",\"failed_op\":" + OperationJson(ops.ops[cx.failed_op]);
    out += ",\"partition_ops\":" + std::to_string(cx.partition_ops);
    out += ",\"linearized_before\":" + std::to_string(cx.linearized_before);
    out += ",\"open_ops\":[";
    for (size_t i = 0; i < cx.open_ops.size(); ++i) {
      if (i) out += ",";
      out += OperationJson(ops.ops[cx.open_ops[i]]);
    }
    out += "],\"states_tried\":[";
    for (size_t i = 0; i < cx.states_tried.size(); ++i) {
      if (i) out += ",";
      AppendJsonString(cx.states_tried[i], &out);
    }
    out += std::string("],\"states_truncated\":") + (cx.states_truncated ? "true" : "false");
    out += ",\"last_steps\":[";
    for (size_t i = 0; i < cx.last_steps.size(); ++i) {
      if (i) out += ",";
      out += "{\"op\":" + std::to_string(cx.last_steps[i].op) + ",\"state_after\":";
      AppendJsonString(cx.last_steps[i].state_after, &out);
      out += "}";
    }
    out += "],\"window\":[";
    for (size_t i = 0; i < cx.window.size(); ++i) {
      if (i) out += ",";
      out += std::to_string(cx.window[i]);
    }
    out += "]}";
  }
  out += "}";
  return out;
}

}  // namespace redsim::checkers
