#include "checkers/cli.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "checkers/explain.h"
#include "checkers/history_formats.h"
#include "checkers/linearizability.h"
#include "checkers/real_clock.h"

namespace redsim::checkers {

namespace {

constexpr int kExitLinearizable = 0;
constexpr int kExitNot = 1;
constexpr int kExitUnknown = 2;
constexpr int kExitBadInput = 3;

struct Options {
  std::string file;
  std::string model;
  HistoryFormat format = HistoryFormat::kAuto;
  double timeout_s = 10;
  size_t max_memory_bytes = size_t{2} << 30;
  bool json = false;
  std::string html;
};

void Usage(FILE* to) {
  fprintf(
      to,
      "usage: redsim check FILE [--model M] [--format jsonl|jepsen|porcupine-kv|edn]\n"
      "                         [--timeout 10s] [--max-memory 2GiB] [--json] [--html OUT.html]\n"
      "       redsim check --list-models\n\n"
      "Checks that the history in FILE is linearizable under model M.\n"
      "Exit code: 0 linearizable, 1 not linearizable, 2 unknown (budget ran out), 3 bad input.\n"
      "--timeout 0 means no time limit. The model defaults to the one the file names (jsonl\n"
      "header) or the one its format implies (jepsen: etcd-cas-register, porcupine-kv:\n"
      "kv-append, edn: knossos-cas-register / knossos-multi-register).\n");
}

// "10s", "500ms", "2m", "1.5" (seconds).
bool ParseDuration(const std::string& text, double* seconds) {
  char* end = nullptr;
  double v = strtod(text.c_str(), &end);
  if (end == text.c_str() || v < 0) return false;
  std::string unit(end);
  if (unit.empty() || unit == "s")
    *seconds = v;
  else if (unit == "ms")
    *seconds = v / 1000;
  else if (unit == "m")
    *seconds = v * 60;
  else if (unit == "us")
    *seconds = v / 1e6;
  else
    return false;
  return true;
}

// "512MiB", "2GiB", "1000000" (bytes).
bool ParseBytes(const std::string& text, size_t* bytes) {
  char* end = nullptr;
  double v = strtod(text.c_str(), &end);
  if (end == text.c_str() || v <= 0) return false;
  std::string unit(end);
  double scale = 1;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "KiB" || unit == "K")
    scale = 1024.0;
  else if (unit == "MiB" || unit == "M")
    scale = 1024.0 * 1024;
  else if (unit == "GiB" || unit == "G")
    scale = 1024.0 * 1024 * 1024;
  else
    return false;
  *bytes = static_cast<size_t>(v * scale);
  return true;
}

// Returns -1 when parsing succeeded and the check should run, else an exit code.
int ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        fprintf(stderr, "redsim check: %s needs a value\n", a.c_str());
        return false;
      }
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else if (a == "--list-models") {
      for (const Model* m : AllModels()) {
        printf("%-24s %s\n", std::string(m->name()).c_str(), std::string(m->summary()).c_str());
      }
      return 0;
    } else if (a == "--json") {
      o->json = true;
    } else if (a == "--model") {
      if (!value(&o->model)) return kExitBadInput;
    } else if (a == "--format") {
      if (!value(&v)) return kExitBadInput;
      if (!ParseHistoryFormat(v, &o->format)) {
        fprintf(stderr, "redsim check: unknown format '%s'\n", v.c_str());
        return kExitBadInput;
      }
    } else if (a == "--timeout") {
      if (!value(&v)) return kExitBadInput;
      if (!ParseDuration(v, &o->timeout_s)) {
        fprintf(stderr, "redsim check: bad --timeout '%s' (e.g. 10s, 500ms, 2m)\n", v.c_str());
        return kExitBadInput;
      }
    } else if (a == "--max-memory") {
      if (!value(&v)) return kExitBadInput;
      if (!ParseBytes(v, &o->max_memory_bytes)) {
        fprintf(stderr, "redsim check: bad --max-memory '%s' (e.g. 512MiB, 2GiB)\n", v.c_str());
        return kExitBadInput;
      }
    } else if (a == "--html") {
      if (!value(&o->html)) return kExitBadInput;
    } else if (!a.empty() && a[0] == '-') {
      fprintf(stderr, "redsim check: unknown option '%s'\n", a.c_str());
      Usage(stderr);
      return kExitBadInput;
    } else if (o->file.empty()) {
      o->file = a;
    } else {
      fprintf(stderr, "redsim check: more than one FILE given\n");
      return kExitBadInput;
    }
  }
  if (o->file.empty()) {
    Usage(stderr);
    return kExitBadInput;
  }
  return -1;
}

int BadInput(const Options& o, const std::string& message) {
  if (o.json) {
    std::string out = "{\"file\":";
    AppendJsonString(o.file, &out);
    out += ",\"verdict\":\"bad-input\",\"error\":";
    AppendJsonString(message, &out);
    printf("%s}\n", out.c_str());
  }
  fprintf(stderr, "redsim check: %s: %s\n", o.file.c_str(), message.c_str());
  return kExitBadInput;
}

}  // namespace

int CheckMain(int argc, char** argv) {
  Options o;
  int early = ParseArgs(argc, argv, &o);
  if (early >= 0) return early;
  int64_t start_ns = RealMonotonicNs();
  History history;
  SourceError perr;
  if (!LoadHistoryFile(o.file, o.format, &history, &perr)) return BadInput(o, perr.ToString());
  OpHistory ops;
  if (!PairOperations(history, &ops, &perr)) return BadInput(o, perr.ToString());
  std::string model_name = o.model.empty() ? DefaultModelFor(history) : o.model;
  if (model_name.empty()) {
    return BadInput(o, "no model: pass --model (see --list-models) or name one in the header line");
  }
  const Model* model = FindModel(model_name);
  if (!model) return BadInput(o, "unknown model '" + model_name + "' (see --list-models)");
  CheckBudget budget;
  budget.max_memory_bytes = o.max_memory_bytes;
  budget.out_of_time = RealDeadline(o.timeout_s);
  LinearizabilityResult result;
  std::string error;
  if (!CheckLinearizability(ops, *model, budget, &result, &error)) return BadInput(o, error);
  CheckSummary summary{o.file, history.format, (RealMonotonicNs() - start_ns) / 1e6};
  if (o.json) {
    printf("%s\n", ResultJson(ops, result, summary).c_str());
  } else {
    fputs(ExplainText(ops, result, summary).c_str(), stdout);
  }
  if (!o.html.empty()) {
    std::ofstream out(o.html, std::ios::binary | std::ios::trunc);
    out << TimelineHtml(history, ops, result, summary);
    if (!out) {
      fprintf(stderr, "redsim check: cannot write '%s'\n", o.html.c_str());
      return kExitBadInput;
    }
  }
  switch (result.verdict) {
    case Verdict::kLinearizable:
      return kExitLinearizable;
    case Verdict::kNotLinearizable:
      return kExitNot;
    case Verdict::kUnknown:
      return kExitUnknown;
  }
  return kExitUnknown;
}

}  // namespace redsim::checkers
