#include <cstdio>

#include "sandbox/v8_info.h"

int main() {
  std::printf("cloudkeep (V8 %s)\n", ck::sandbox::v8Version().c_str());
  return 0;
}
