# Writes OUT: a C++ file defining `std::string_view FUNCTION() noexcept` in NAMESPACE that
# returns the contents of FILE. Invoked at build time by src/CMakeLists.txt.
file(READ ${FILE} text)
file(WRITE ${OUT} "#include <string_view>\n\nnamespace ${NAMESPACE} {\n\n"
  "std::string_view ${FUNCTION}() noexcept {\n"
  "  static constexpr std::string_view kText = R\"concertd_text(${text})concertd_text\";\n"
  "  return kText;\n}\n\n}  // namespace ${NAMESPACE}\n")
