# Writes OUT: a C++ file defining `migrations()` in NAMESPACE, one entry per FILES
# (sorted), each {version, name, sql}. Invoked at build time by src/CMakeLists.txt.
separate_arguments(FILES)
set(body "")
foreach(file IN LISTS FILES)
  get_filename_component(name ${file} NAME_WE)
  string(REGEX MATCH "^[0-9]+" version ${name})
  math(EXPR version "${version}")
  file(READ ${file} sql)
  string(APPEND body "    {${version}, \"${name}\", R\"concertd_sql(${sql})concertd_sql\"},\n")
endforeach()
file(WRITE ${OUT} "#include \"store/migration.hpp\"\n\nnamespace ${NAMESPACE} {\n\n"
  "std::span<const Migration> migrations() {\n  static const Migration kAll[] = {\n${body}  };\n"
  "  return kAll;\n}\n\n}  // namespace ${NAMESPACE}\n")
