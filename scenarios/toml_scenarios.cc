#include "scenarios/toml_scenarios.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <toml++/toml.h>

#include "scenarios/cli.h"

namespace redsim::scenarios {

namespace {

// Collects the first error with the file and line it happened at.
struct Loader {
  std::string path;
  std::string error;

  bool Fail(const toml::source_region& where, const std::string& why) {
    if (error.empty()) error = path + ":" + std::to_string(where.begin.line) + ": " + why;
    return false;
  }

  // Every key of `table` must be in `allowed`.
  bool OnlyKeys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                const std::string& where) {
    for (auto&& [k, v] : table) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return Fail(k.source(), "unknown key '" + std::string(k.str()) + "' in " + where +
                                    " (allowed: " + list + ")");
      }
    }
    return true;
  }

  bool String(const toml::node& n, std::string* out, const char* what) {
    auto v = n.value<std::string>();
    if (!n.is_string() || !v) return Fail(n.source(), std::string(what) + " must be a string");
    *out = *v;
    return true;
  }

  bool Int(const toml::node& n, int64_t lo, int64_t hi, int64_t* out, const char* what) {
    auto v = n.value<int64_t>();
    if (!n.is_integer() || !v || *v < lo || *v > hi) {
      return Fail(n.source(), std::string(what) + " must be an integer in " + std::to_string(lo) +
                                  ".." + std::to_string(hi));
    }
    *out = *v;
    return true;
  }

  bool Number(const toml::node& n, double* out, const char* what) {
    if (auto v = n.value<double>(); v && (n.is_floating_point() || n.is_integer()) && *v >= 0) {
      *out = *v;
      return true;
    }
    return Fail(n.source(), std::string(what) + " must be a non-negative number");
  }

  bool Duration(const toml::node& n, int64_t* ns, const char* what) {
    std::string s;
    if (!String(n, &s, what)) return false;
    if (s == "0" || s == "0s") {
      *ns = 0;
      return true;
    }
    if (!ParseDuration(s, ns)) return Fail(n.source(), std::string(what) + ": bad duration '" + s + "'");
    return true;
  }

  bool Nemesis(const std::string& kind, const toml::table& t, faults::NemesisOptions* o) {
    const faults::NemesisInfo* info = faults::FindNemesis(kind);
    *o = info->defaults;
    if (!OnlyKeys(t, {"per_minute", "min_duration", "max_duration", "shapes", "min_amount",
                      "max_amount", "max_drift_ppb"},
                  "[nemesis." + kind + "]")) {
      return false;
    }
    for (auto&& [k, v] : t) {
      std::string_view key = k.str();
      bool ok = true;
      if (key == "per_minute") ok = Number(v, &o->per_minute, "per_minute");
      else if (key == "min_duration") ok = Duration(v, &o->min_duration_ns, "min_duration");
      else if (key == "max_duration") ok = Duration(v, &o->max_duration_ns, "max_duration");
      else if (key == "min_amount") ok = Int(v, INT64_MIN / 2, INT64_MAX / 2, &o->min_amount, "min_amount");
      else if (key == "max_amount") ok = Int(v, INT64_MIN / 2, INT64_MAX / 2, &o->max_amount, "max_amount");
      else if (key == "max_drift_ppb") ok = Int(v, 0, 900'000'000, &o->max_drift_ppb, "max_drift_ppb");
      else if (key == "shapes") {
        const toml::array* arr = v.as_array();
        if (arr == nullptr) return Fail(v.source(), "shapes must be an array of strings");
        for (const toml::node& e : *arr) {
          std::string shape;
          if (!String(e, &shape, "a shape")) return false;
          if (std::find(info->shapes.begin(), info->shapes.end(), shape) == info->shapes.end()) {
            return Fail(e.source(), "nemesis '" + kind + "' has no shape '" + shape + "'");
          }
          o->shapes.push_back(shape);
        }
      }
      if (!ok) return false;
    }
    if (o->min_duration_ns > o->max_duration_ns) {
      return Fail(t.source(), "min_duration is longer than max_duration");
    }
    return true;
  }

  bool NemesisTable(const toml::table& t, faults::RandomScheduleSpec* spec) {
    for (auto&& [k, v] : t) {
      std::string key(k.str());
      if (key == "quiet_start") {
        if (!Duration(v, &spec->quiet_start_ns, "quiet_start")) return false;
      } else if (key == "quiet_end") {
        if (!Duration(v, &spec->quiet_end_ns, "quiet_end")) return false;
      } else if (faults::FindNemesis(key) != nullptr && v.is_table()) {
        faults::NemesisOptions o;
        if (!Nemesis(key, *v.as_table(), &o)) return false;
        spec->kinds.emplace_back(key, o);
      } else {
        std::string names;
        for (const auto& n : faults::AllNemeses()) names += " " + std::string(n.name);
        return Fail(k.source(), "unknown key '" + key +
                                    "' in [nemesis] (quiet_start, quiet_end, or a table per "
                                    "nemesis:" + names + ")");
      }
    }
    return true;
  }

  bool Load(const toml::table& root, Scenario* out) {
    if (!OnlyKeys(root, {"name", "description", "workload", "clients", "keys", "claim", "config",
                         "nemesis"},
                  "the top level")) {
      return false;
    }
    SingleNodeSpec spec;
    std::string workload;
    for (auto&& [k, v] : root) {
      std::string_view key = k.str();
      int64_t n = 0;
      bool ok = true;
      if (key == "name") ok = String(v, &out->name, "name");
      else if (key == "description") ok = String(v, &out->description, "description");
      else if (key == "workload") ok = String(v, &workload, "workload");
      else if (key == "clients") {
        ok = Int(v, 1, 10000, &n, "clients");
        spec.default_clients = static_cast<int>(n);
      } else if (key == "keys") {
        ok = Int(v, 1, 1000000, &n, "keys");
        spec.default_keys = static_cast<int>(n);
      } else if (key == "claim") {
        const toml::table* t = v.as_table();
        if (t == nullptr) return Fail(v.source(), "claim must be a table");
        if (!OnlyKeys(*t, {"id", "text", "expected"}, "[claim]")) return false;
        for (auto&& [ck, cv] : *t) {
          std::string_view c = ck.str();
          if (c == "id") ok = String(cv, &out->claim_id, "claim.id");
          else if (c == "text") ok = String(cv, &out->claim, "claim.text");
          else if (c == "expected") {
            ok = String(cv, &out->expected, "claim.expected");
            if (ok && out->expected != "holds" && out->expected != "refuted") {
              return Fail(cv.source(), "claim.expected must be \"holds\" or \"refuted\"");
            }
          }
          if (!ok) return false;
        }
      } else if (key == "config") {
        const toml::table* t = v.as_table();
        if (t == nullptr) return Fail(v.source(), "config must be a table");
        for (auto&& [ck, cv] : *t) {
          std::string value;
          if (cv.is_integer()) value = std::to_string(*cv.value<int64_t>());
          else if (!String(cv, &value, "a config value")) return false;
          spec.config.emplace_back(std::string(ck.str()), value);
          RunOptions probe;
          probe.config = {spec.config.back()};
          ServerConfig c;
          std::string why = ApplyConfigOverrides(probe, &c);
          if (!why.empty()) return Fail(ck.source(), why);
        }
      } else if (key == "nemesis") {
        const toml::table* t = v.as_table();
        if (t == nullptr) return Fail(v.source(), "nemesis must be a table");
        ok = NemesisTable(*t, &spec.nemesis);
      }
      if (!ok) return false;
    }
    if (out->name.empty()) return Fail(root.source(), "a scenario needs a name");
    if (workload != "single-node") {
      return Fail(root.source(), "workload must be one of: single-node (got '" + workload + "')");
    }
    std::string name = out->name;
    out->run = [spec, name](const RunOptions& opts) {
      return RunSingleNodeTemplate(opts, name, spec);
    };
    return true;
  }
};

}  // namespace

bool LoadScenarioFile(const std::string& path, Scenario* out, std::string* error) {
  Loader loader{path, {}};
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    *error = path + ":" + std::to_string(e.source().begin.line) + ": " +
             std::string(e.description());
    return false;
  }
  *out = Scenario();
  if (!loader.Load(root, out)) {
    *error = loader.error;
    return false;
  }
  return true;
}

bool LoadScenarioDir(const std::string& dir, std::vector<Scenario>* out, std::string* error) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".toml") files.push_back(e.path().string());
  }
  if (ec) {
    *error = dir + ": " + ec.message();
    return false;
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> names;
  for (const std::string& f : files) {
    Scenario s;
    if (!LoadScenarioFile(f, &s, error)) return false;
    if (!names.insert(s.name).second) {
      *error = f + ":1: scenario '" + s.name + "' is defined twice";
      return false;
    }
    out->push_back(std::move(s));
  }
  return true;
}

std::string ScenarioDefsDir() {
  if (const char* env = std::getenv("REDSIM_SCENARIOS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return REDSIM_SCENARIO_DEFS_DIR;
}

}  // namespace redsim::scenarios
