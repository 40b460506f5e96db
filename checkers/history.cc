#include "checkers/history.h"

#include <unordered_map>

namespace redsim::checkers {

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kInvoke:
      return "invoke";
    case EventType::kOk:
      return "ok";
    case EventType::kFail:
      return "fail";
    case EventType::kInfo:
      return "info";
  }
  return "?";
}

const char* OpStatusName(OpStatus status) {
  switch (status) {
    case OpStatus::kOk:
      return "ok";
    case OpStatus::kFail:
      return "fail";
    case OpStatus::kInfo:
      return "info";
    case OpStatus::kPending:
      return "pending";
  }
  return "?";
}

namespace {

bool Fail(const Event& e, std::string message, SourceError* error) {
  if (error) {
    error->line = e.line;
    error->column = 0;
    error->message = std::move(message);
  }
  return false;
}

}  // namespace

bool PairOperations(const History& history, OpHistory* out, SourceError* error) {
  out->ops.clear();
  out->nemesis_events.clear();
  out->num_events = static_cast<int>(history.events.size());
  std::unordered_map<int64_t, int> open;  // process -> op id
  for (size_t i = 0; i < history.events.size(); ++i) {
    const Event& e = history.events[i];
    if (e.nemesis) {
      out->nemesis_events.push_back(static_cast<int>(i));
      continue;
    }
    auto it = open.find(e.process);
    if (e.type == EventType::kInvoke) {
      if (it != open.end()) {
        const Operation& prev = out->ops[it->second];
        return Fail(e,
                    "process " + std::to_string(e.process) +
                        " invokes again while its operation from line " +
                        std::to_string(prev.invoke_line) + " is still open",
                    error);
      }
      Operation op;
      op.id = static_cast<int>(out->ops.size());
      op.process = e.process;
      op.f = e.f;
      op.key = e.key;
      op.input = e.value;
      op.invoke_event = static_cast<int>(i);
      op.invoke_ns = e.time_ns;
      op.invoke_line = e.line;
      open.emplace(e.process, op.id);
      out->ops.push_back(std::move(op));
      continue;
    }
    if (it == open.end()) {
      return Fail(e,
                  std::string("'") + EventTypeName(e.type) + "' for process " +
                      std::to_string(e.process) + " which has no open invocation",
                  error);
    }
    Operation& op = out->ops[it->second];
    if (op.f != e.f) {
      return Fail(e,
                  "completion f '" + e.f + "' does not match the invocation's '" + op.f +
                      "' (line " + std::to_string(op.invoke_line) + ")",
                  error);
    }
    if (!(op.key == e.key) && !e.key.is_nil()) {
      return Fail(e,
                  "completion key " + e.key.ToText() + " does not match the invocation's " +
                      op.key.ToText(),
                  error);
    }
    op.status = e.type == EventType::kOk     ? OpStatus::kOk
                : e.type == EventType::kFail ? OpStatus::kFail
                                             : OpStatus::kInfo;
    op.output = e.value;
    op.complete_event = static_cast<int>(i);
    op.complete_ns = e.time_ns;
    op.complete_line = e.line;
    open.erase(it);
  }
  return true;
}

std::string DescribeOperation(const Operation& op) {
  std::string s = "process " + std::to_string(op.process) + " " + op.f;
  if (!op.key.is_nil()) s += " " + op.key.ToText();
  if (!op.input.is_nil()) s += " " + op.input.ToText();
  switch (op.status) {
    case OpStatus::kOk:
      s += " -> ok";
      if (op.input.is_nil() || op.output != op.input) s += " " + op.output.ToText();
      break;
    case OpStatus::kFail:
      s += " -> fail";
      break;
    case OpStatus::kInfo:
      s += " -> info (unknown outcome)";
      break;
    case OpStatus::kPending:
      s += " -> never completed";
      break;
  }
  return s;
}

}  // namespace redsim::checkers
