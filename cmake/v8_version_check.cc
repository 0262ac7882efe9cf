// Configure-time check: the V8 headers in use must be the ones the linked
// library was built from. Exits 0 and prints the version when they match.
#include <v8-version.h>
#include <v8.h>

#include <cstdio>
#include <cstring>

int main() {
  const char* lib = v8::V8::GetVersion();
  char expected[64];
  std::snprintf(expected, sizeof expected, "%d.%d.", V8_MAJOR_VERSION, V8_MINOR_VERSION);
  if (std::strncmp(lib, expected, std::strlen(expected)) != 0) {
    std::printf("headers are V8 %d.%d, library is V8 %s", V8_MAJOR_VERSION, V8_MINOR_VERSION, lib);
    return 1;
  }
  std::printf("headers and library are V8 %s", lib);
  return 0;
}
