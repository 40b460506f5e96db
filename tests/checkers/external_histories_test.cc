// Every history in tests/data/linearizability/expected.tsv (Jepsen etcd, Porcupine kv, Knossos
// EDN; recorded by others, verdicts known) gets its expected verdict.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "checkers/history_formats.h"
#include "checkers/linearizability.h"

namespace redsim::checkers {
namespace {

struct ExpectedRow {
  std::string file;
  std::string model;
  bool linearizable = false;
};

std::vector<ExpectedRow> ReadExpected() {
  std::ifstream in(std::string(REDSIM_LINEARIZABILITY_DATA) + "/expected.tsv");
  std::vector<ExpectedRow> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    ExpectedRow r;
    std::string verdict;
    std::getline(fields, r.file, '\t');
    std::getline(fields, r.model, '\t');
    std::getline(fields, verdict, '\t');
    r.linearizable = verdict == "linearizable";
    rows.push_back(r);
  }
  return rows;
}

// One test per data set, each checking all its files and naming every wrong one.
void CheckDataSet(const std::string& prefix, int expected_files) {
  int checked = 0;
  for (const ExpectedRow& row : ReadExpected()) {
    if (row.file.rfind(prefix, 0) != 0) continue;
    ++checked;
    History history;
    OpHistory ops;
    SourceError err;
    std::string path = std::string(REDSIM_LINEARIZABILITY_DATA) + "/" + row.file;
    ASSERT_TRUE(LoadHistoryFile(path, HistoryFormat::kAuto, &history, &err))
        << row.file << ": " << err.ToString();
    ASSERT_TRUE(PairOperations(history, &ops, &err)) << row.file << ": " << err.ToString();
    // The format alone must imply the model expected.tsv names.
    EXPECT_EQ(DefaultModelFor(history), row.model) << row.file;
    const Model* model = FindModel(row.model);
    ASSERT_NE(model, nullptr) << row.model;
    LinearizabilityResult result;
    std::string error;
    ASSERT_TRUE(CheckLinearizability(ops, *model, CheckBudget{}, &result, &error))
        << row.file << ": " << error;
    EXPECT_EQ(result.verdict, row.linearizable ? Verdict::kLinearizable : Verdict::kNotLinearizable)
        << row.file << ": " << result.reason;
    EXPECT_EQ(result.counterexample.has_value(), !row.linearizable) << row.file;
  }
  EXPECT_EQ(checked, expected_files) << prefix;
}

TEST(ExternalHistories, JepsenEtcd) { CheckDataSet("porcupine/jepsen/", 102); }
TEST(ExternalHistories, PorcupineKv) { CheckDataSet("porcupine/kv/", 6); }
TEST(ExternalHistories, KnossosCasRegister) { CheckDataSet("knossos/cas-register/", 120); }
TEST(ExternalHistories, KnossosMultiRegister) { CheckDataSet("knossos/multi-register/", 1); }

TEST(ExternalHistories, AllRowsCovered) { EXPECT_EQ(ReadExpected().size(), 229u); }

}  // namespace
}  // namespace redsim::checkers
