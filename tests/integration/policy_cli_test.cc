// The policy commands as a user runs them, on the restaurants example:
// `cloudkeep dev` applies cloudkeep.json, creates the dev users and loads the
// seeds once; `policy test`, `policy apply|show` and `explain` talk to it
// through its data folder with no more flags than needed.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/sqlite.h"
#include "storage/table_store.h"
#include "tests/integration/child_process.h"

namespace ck::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The restaurants example (its cloudkeep.json and seed/, never a data
// folder left in the source tree) copied to `dir`.
void copyExample(const std::string& dir) {
  const std::filesystem::path example = std::filesystem::path(CK_EXAMPLES_DIR) / "restaurants";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(example / "cloudkeep.json", dir + "/cloudkeep.json");
  std::filesystem::copy(example / "seed", dir + "/seed", std::filesystem::copy_options::recursive);
}

// `text` with the first `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Rows of `table` in the dev app's database (read while no server writes).
int64_t rowCount(const std::string& dataDir, const std::string& table) {
  json dev = json::parse(readFile(dataDir + "/dev.json"));
  storage::Database db(dataDir + "/apps/" + dev["appId"].get<std::string>() + "/app.db");
  storage::TableStore tables(db);
  Result<int64_t> n = tables.count(table, "");
  return n.ok() ? *n : -1;
}

// `cloudkeep dev APP_DIR --port 0 [extra...]` until dev.json says it is ready.
class DevRunner {
 public:
  DevRunner(const std::string& appDir, const std::string& prefix, std::vector<std::string> extra = {}) {
    std::filesystem::remove(appDir + "/.cloudkeep/dev.json");
    std::vector<std::string> args = {"dev", appDir, "--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_.emplace(cloudkeepBinary(), args, prefix);
    ready_ = waitFor([&] { return !readFile(appDir + "/.cloudkeep/dev.json").empty(); }, 30s);
  }
  bool ready() const { return ready_; }
  std::string out() const { return process_->stdoutText(); }
  std::string err() const { return process_->stderrText(); }
  int stop() {
    process_->signal(SIGINT);
    return process_->wait(20s);
  }

 private:
  std::optional<ChildProcess> process_;
  bool ready_ = false;
};

TEST(PolicyCli, HelpForEveryCommand) {
  TempDir dir;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"policy", "--help"}, {"policy", "apply", "--help"}, {"policy", "show", "--help"},
           {"policy", "test", "--help"}, {"explain", "--help"}}) {
    RunOutcome r = runCloudkeep(args, dir.path() + "/h");
    EXPECT_EQ(r.code, 0) << args[0];
    EXPECT_FALSE(r.out.empty());
  }
  // --as and --role exclude each other; OP and RESOURCE are required.
  EXPECT_EQ(runCloudkeep({"explain", "--as", "a@b.c", "--role", "Customer", "find", "data:T"}, dir.path() + "/x").code, 2);
  EXPECT_EQ(runCloudkeep({"explain", "find"}, dir.path() + "/y").code, 2);
  EXPECT_EQ(runCloudkeep({"policy", "test", dir.path() + "/missing", "--offline"}, dir.path() + "/z").code, 2);
}

TEST(PolicyCli, DevAppliesThePolicyAndTheCommandsFindIt) {
  TempDir dir;
  const std::string app = dir.path() + "/restaurants";
  const std::string data = app + "/.cloudkeep";
  copyExample(app);
  DevRunner dev(app, dir.path() + "/dev");
  ASSERT_TRUE(dev.ready()) << dev.err();
  EXPECT_NE(dev.out().find("created dev user boris@example.com"), std::string::npos) << dev.out();
  EXPECT_NE(dev.out().find("seed/Restaurant.json: 5 rows loaded into Restaurant"), std::string::npos) << dev.out();

  // boris (Customer) may not read the table directly: no rule opens it.
  RunOutcome r = runCloudkeep({"explain", "--as", "boris@example.com", "find", "data:Restaurant", "--data", data}, dir.path() + "/e1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("boris@example.com (AuthenticatedUser, RestUser, Customer): DENY"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decided at level 7 (default)"), std::string::npos) << r.out;
  r = runCloudkeep({"explain", "--role", "Customer", "--key", "JS", "find", "data:Restaurant", "--data", data},
          dir.path() + "/e2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("JSUser, Customer): DENY"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decided at level 7 (default)"), std::string::npos) << r.out;
  r = runCloudkeep({"explain", "--service", "CustomerService", "--as", "boris@example.com", "delete", "data:Restaurant",
           "--json", "--data", data},
          dir.path() + "/e3");
  ASSERT_EQ(r.code, 0) << r.err;
  json e = json::parse(r.out);
  EXPECT_EQ(e["decision"], "deny");
  EXPECT_EQ(e["levelName"], "service grants");
  r = runCloudkeep({"explain", "--as", "nobody@example.com", "find", "data:Restaurant", "--data", data}, dir.path() + "/e4");
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.err.find("as.user"), std::string::npos) << r.err;

  // In the app folder under dev: no flags at all.
  r = runCloudkeep({"policy", "test", app}, dir.path() + "/t1");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("23 of 23 policy tests passed"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("offline"), std::string::npos) << "ran against the server: " << r.out;

  // A wrong expectation fails, with the trace of the failing test.
  const std::string wrong = dir.path() + "/wrong";
  std::filesystem::create_directories(wrong);
  const std::string text = readFile(app + "/cloudkeep.json");
  writeFile(wrong + "/cloudkeep.json",
            replaced(text, R"("on": "data:Restaurant", "expect": "deny" })", R"("on": "data:Restaurant", "expect": "grant" })"));
  r = runCloudkeep({"policy", "test", wrong, "--data", data}, dir.path() + "/t2");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("22 of 23 policy tests passed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL tests[0]: boris@example.com (REST) find data:Restaurant: expected grant, got deny"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("decided at level 7 (default)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 policy test failed"), std::string::npos) << r.err;

  // An invalid policy is refused naming the field; the old one stays in force.
  const std::string bad = dir.path() + "/bad";
  std::filesystem::create_directories(bad);
  writeFile(bad + "/cloudkeep.json", replaced(text, R"("on": "service:POSService")", R"("on": "date:POSService")"));
  r = runCloudkeep({"policy", "apply", bad, "--data", data}, dir.path() + "/a1");
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("rules[1].on: "), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one-line reason: " << r.err;
  r = runCloudkeep({"policy", "show", "--data", data}, dir.path() + "/s1");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, text) << "the policy in force is still the app folder's";
  // Applying the good one again works (the app folder is its own data folder's).
  r = runCloudkeep({"policy", "apply", app}, dir.path() + "/a2");
  EXPECT_EQ(r.code, 0) << r.err;

  EXPECT_EQ(dev.stop(), 0) << dev.err();
  // dev.json stays behind: the commands find nobody answering there.
  r = runCloudkeep({"policy", "test", app}, dir.path() + "/t3");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("offline"), std::string::npos) << r.out;
  r = runCloudkeep({"explain", "find", "data:Restaurant", "--data", data}, dir.path() + "/e5");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
}

TEST(PolicyCli, SeedsLoadOnceUnlessReseeded) {
  TempDir dir;
  const std::string app = dir.path() + "/restaurants";
  const std::string data = app + "/.cloudkeep";
  copyExample(app);
  {
    DevRunner dev(app, dir.path() + "/dev1");
    ASSERT_TRUE(dev.ready()) << dev.err();
    ASSERT_EQ(dev.stop(), 0) << dev.err();
  }
  EXPECT_EQ(rowCount(data, "Restaurant"), 5);

  // One more row in the seed file: a restart does not load it ...
  std::string seed = readFile(app + "/seed/Restaurant.json");
  writeFile(app + "/seed/Restaurant.json",
            replaced(seed, "[", R"([ { "name": "Late Addition", "city": "Oslo", "open": true },)"));
  {
    DevRunner dev(app, dir.path() + "/dev2");
    ASSERT_TRUE(dev.ready()) << dev.err();
    EXPECT_NE(dev.out().find("seeds were loaded on an earlier start"), std::string::npos) << dev.out();
    EXPECT_EQ(dev.out().find("rows loaded"), std::string::npos) << dev.out();
    ASSERT_EQ(dev.stop(), 0) << dev.err();
  }
  EXPECT_EQ(rowCount(data, "Restaurant"), 5);

  // ... and --reseed replaces the seeded table's rows with the file's.
  {
    DevRunner dev(app, dir.path() + "/dev3", {"--reseed"});
    ASSERT_TRUE(dev.ready()) << dev.err();
    EXPECT_NE(dev.out().find("seed/Restaurant.json: 6 rows loaded into Restaurant"), std::string::npos) << dev.out();
    ASSERT_EQ(dev.stop(), 0) << dev.err();
  }
  EXPECT_EQ(rowCount(data, "Restaurant"), 6);
}

TEST(PolicyCli, DevRefusesBrokenFilesNamingThem) {
  TempDir dir;
  struct Case {
    const char* name;
    std::function<void(const std::string&)> breakIt;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"policy",
       [](const std::string& app) {
         writeFile(app + "/cloudkeep.json", replaced(readFile(app + "/cloudkeep.json"), R"("on": "service:POSService")",
                                                     R"("on": "date:POSService")"));
       },
       ": rules[1].on: unknown resource kind"},
      {"syntax", [](const std::string& app) { writeFile(app + "/cloudkeep.json", "{\"name\": \"x\",, }"); },
       "cloudkeep.json:1:14: not valid JSON"},
      {"notArray", [](const std::string& app) { writeFile(app + "/seed/Restaurant.json", R"({"name": "x"})"); },
       "seed/Restaurant.json: must be a JSON array"},
      {"notObject", [](const std::string& app) { writeFile(app + "/seed/Restaurant.json", R"([{"name": "x"}, 3])"); },
       "seed/Restaurant.json: [1] is not an object"},
      {"badTable", [](const std::string& app) { writeFile(app + "/seed/1Restaurant.json", "[]"); },
       "seed/1Restaurant.json: "},
      {"badRow",
       [](const std::string& app) { writeFile(app + "/seed/Restaurant.json", R"([{"name": "x", "open": "yes"}])"); },
       "seed/Restaurant.json: Object 0: "},
  };
  for (const Case& c : cases) {
    const std::string app = dir.path() + "/" + c.name;
    copyExample(app);
    c.breakIt(app);
    RunOutcome r = runCloudkeep({"dev", app, "--port", "0"}, dir.path() + "/" + c.name + "-dev");
    EXPECT_EQ(r.code, 2) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.name << ": " << r.err;
    if (c.name == std::string("policy")) {  // the line and column, as a reload names them
      EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(cloudkeep\.json:[0-9]+:[0-9]+: rules\[1\]\.on: )"))) << r.err;
    }
    EXPECT_FALSE(std::filesystem::exists(app + "/.cloudkeep/dev.json")) << c.name;
    // Only a row that does not fit its table's columns needs the app to tell.
    if (c.name != std::string("badRow")) {
      EXPECT_EQ(r.err.find("listening"), std::string::npos) << c.name << ": no server starts: " << r.err;
    }
  }
}

TEST(PolicyCli, PolicyTestRunsOfflineWithoutAServer) {
  TempDir dir;
  const std::string app = dir.path() + "/restaurants";
  copyExample(app);
  RunOutcome r = runCloudkeep({"policy", "test", app, "--data", dir.path() + "/nothing"}, dir.path() + "/t1");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("offline"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("23 of 23 policy tests passed"), std::string::npos) << r.out;
  r = runCloudkeep({"policy", "test", app, "--offline"}, dir.path() + "/t2");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "23 of 23 policy tests passed\n");
  // One rule changed (Customer may invoke POSService too): the tests that
  // state otherwise fail, each with its rule trace.
  const std::string original = readFile(app + "/cloudkeep.json");
  writeFile(app + "/cloudkeep.json", replaced(original, R"("roles": ["Staff"], "on": "service:POSService")",
                                              R"("roles": ["Staff", "Customer"], "on": "service:POSService")"));
  r = runCloudkeep({"policy", "test", app, "--offline"}, dir.path() + "/t4");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("22 of 23 policy tests passed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL tests[7]: boris@example.com (REST) invoke service:POSService.getOrders: expected deny, "
                       "got grant"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("decided at level 3 (covering pattern) by rules[1]"), std::string::npos) << r.out;
  writeFile(app + "/cloudkeep.json", original);
  // An invalid file is refused before anything runs.
  writeFile(app + "/cloudkeep.json", R"({"rules": [{"grant": ["find"], "roles": ["Nobody"], "on": "data:T"}]})");
  r = runCloudkeep({"policy", "test", app, "--offline"}, dir.path() + "/t3");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("rules[0].roles"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ck::testing
