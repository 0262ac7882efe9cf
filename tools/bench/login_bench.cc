// Logins with the default argon2id parameters: median ms of a login with
// the right password, with a wrong password and with an unknown email,
// measured in the same run, and the ratios between them. The ratios show
// that a failed login takes as long as a successful one whether or not the
// email exists (one password verification either way), so timing does not
// tell an attacker which emails have accounts. Run by tools/bench/login.
//   login_bench [--rounds N]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/random.h"
#include "services/login_throttle.h"
#include "services/users.h"
#include "storage/app_store.h"
#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"

namespace {

using namespace ck;
using Steady = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[i + 1]));
  }
  storage::TempDir dir;
  storage::AppStore::open(dir.path());
  storage::Database db(dir.file("app.db"));
  SystemClock clock;
  SystemRandom random;
  // No throttling here: every attempt must reach the password check.
  services::LoginThrottleConfig throttleConfig;
  throttleConfig.freeFailures = 1'000'000;
  throttleConfig.freeFailuresPerAddress = 1'000'000;
  services::LoginThrottle throttle(throttleConfig, clock);
  services::UsersConfig config;  // the default argon2id parameters
  services::Users users(db, clock, random, throttle, config);
  if (!users.registerUser({{"email", "ann@example.com"}, {"password", "correct horse"}}).ok()) {
    std::fprintf(stderr, "login_bench: cannot register\n");
    return 1;
  }

  struct Kind {
    const char* name;
    const char* email;
    const char* password;
    std::vector<double> ms;
  } kinds[] = {
      {"right password", "ann@example.com", "correct horse", {}},
      {"wrong password", "ann@example.com", "wrong horse", {}},
      {"unknown email", "nobody@example.com", "correct horse", {}},
  };
  // Interleaved, so drift on a shared machine touches every kind alike.
  for (int r = 0; r < rounds; ++r) {
    for (Kind& k : kinds) {
      auto t0 = Steady::now();
      auto result = users.login(k.email, k.password, "10.0.0.1");
      k.ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
      if (result.ok() != (&k == &kinds[0])) {
        std::fprintf(stderr, "login_bench: unexpected outcome for %s\n", k.name);
        return 1;
      }
    }
  }
  services::PasswordParams params;
  std::printf("login (argon2id opslimit %llu, memlimit %zu MiB), %d rounds, median ms:\n",
              static_cast<unsigned long long>(params.opsLimit), params.memLimitBytes >> 20, rounds);
  for (const Kind& k : kinds) std::printf("  %-16s %8.2f ms\n", k.name, median(k.ms));
  double right = median(kinds[0].ms), wrong = median(kinds[1].ms), unknown = median(kinds[2].ms);
  std::printf("ratio unknown email / wrong password: %.3f\n", unknown / wrong);
  std::printf("ratio wrong password / right password: %.3f\n", wrong / right);
  return 0;
}
