# Writes a C++ file defining `const std::string_view NAME` with the text of a
# JavaScript file, so the sandbox's own JS ships inside the binary.
# Usage: cmake -DINPUT=a.js -DOUTPUT=a_js.cc -DNAME=kA [-DNAMESPACE=ck::x] -P embed_js.cmake
# (NAMESPACE defaults to ck::sandbox.)
if(NOT NAMESPACE)
  set(NAMESPACE ck::sandbox)
endif()
file(READ ${INPUT} CK_JS_TEXT)
string(FIND "${CK_JS_TEXT}" ")ckjs\"" CK_JS_BAD)
if(NOT CK_JS_BAD EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )ckjs\"")
endif()
file(WRITE ${OUTPUT}.tmp "// Generated from ${INPUT} by sandbox/embed_js.cmake. Do not edit.\n"
  "#include <string_view>\n"
  "namespace ${NAMESPACE} {\n"
  "extern const std::string_view ${NAME};\n"
  "const std::string_view ${NAME} = R\"ckjs(${CK_JS_TEXT})ckjs\";\n"
  "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
