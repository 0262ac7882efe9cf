# Finds every third-party dependency and exposes it as a target.
# Third-party include folders are SYSTEM includes so that -Werror stays on for
# our own code without tripping on their warnings.

find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)

# llhttp: compiled from the C sources that Debian's node-llhttp package ships.
set(CK_LLHTTP_SRC /usr/share/llhttp CACHE PATH "llhttp C sources")
set(CK_LLHTTP_INC /usr/share/include/llhttp CACHE PATH "llhttp header")
if(NOT EXISTS ${CK_LLHTTP_SRC}/llhttp.c OR NOT EXISTS ${CK_LLHTTP_INC}/llhttp.h)
  message(FATAL_ERROR "llhttp sources not found in ${CK_LLHTTP_SRC}; run tools/bootstrap")
endif()
add_library(ck_llhttp STATIC ${CK_LLHTTP_SRC}/api.c ${CK_LLHTTP_SRC}/http.c ${CK_LLHTTP_SRC}/llhttp.c)
target_include_directories(ck_llhttp SYSTEM PUBLIC ${CK_LLHTTP_INC})
set_target_properties(ck_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
target_compile_options(ck_llhttp PRIVATE -w)

# V8 from Debian's libnode. The unpacked copy in .deps/libnode (made by
# tools/bootstrap where apt refuses libnode-dev) is searched first and then
# used alone: /usr/include/node may belong to a foreign Node.js with other V8
# headers, its own uv.h, openssl/ and zlib.h, so it is never added then.
set(CK_LIBNODE_UNPACKED ${CMAKE_SOURCE_DIR}/.deps/libnode/root/usr)
if(EXISTS ${CK_LIBNODE_UNPACKED}/include/node/v8.h)
  set(CK_V8_INCLUDE ${CK_LIBNODE_UNPACKED}/include/node)
  find_library(CK_V8_LIBRARY NAMES node PATHS ${CK_LIBNODE_UNPACKED}/lib/x86_64-linux-gnu
               NO_DEFAULT_PATH REQUIRED)
  message(STATUS "V8: unpacked libnode in ${CK_LIBNODE_UNPACKED}")
else()
  set(CK_V8_INCLUDE /usr/include/node)
  find_library(CK_V8_LIBRARY NAMES node REQUIRED)
  message(STATUS "V8: system libnode (${CK_V8_LIBRARY})")
endif()
get_filename_component(CK_V8_LIBDIR ${CK_V8_LIBRARY} DIRECTORY)

# Prove the headers match the library: a V8 built from other headers compiles,
# links, and then corrupts memory at run time.
try_run(CK_V8_RUN_RESULT CK_V8_COMPILE_RESULT
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/v8_version_check.cc
  CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${CK_V8_INCLUDE}"
  LINK_LIBRARIES ${CK_V8_LIBRARY}
  LINK_OPTIONS "-Wl,-rpath,${CK_V8_LIBDIR}"
  CXX_STANDARD 20
  COMPILE_OUTPUT_VARIABLE CK_V8_COMPILE_OUTPUT
  RUN_OUTPUT_VARIABLE CK_V8_RUN_OUTPUT)
if(NOT CK_V8_COMPILE_RESULT)
  message(FATAL_ERROR "V8 version check did not build:\n${CK_V8_COMPILE_OUTPUT}")
endif()
if(NOT CK_V8_RUN_RESULT EQUAL 0)
  message(FATAL_ERROR "V8 headers in ${CK_V8_INCLUDE} do not match ${CK_V8_LIBRARY}: ${CK_V8_RUN_OUTPUT}")
endif()
message(STATUS "V8: ${CK_V8_RUN_OUTPUT}")

add_library(ck_v8 INTERFACE)
target_include_directories(ck_v8 SYSTEM INTERFACE ${CK_V8_INCLUDE})
target_link_libraries(ck_v8 INTERFACE ${CK_V8_LIBRARY})
target_link_options(ck_v8 INTERFACE "-Wl,-rpath,${CK_V8_LIBDIR}")
