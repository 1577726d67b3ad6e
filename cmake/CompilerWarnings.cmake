# Warnings for our own targets only (linked PRIVATE), after cmake_template's GCC list.
# Clang (the fuzz preset) knows all but the GCC-only three.
add_library(concertd_warnings INTERFACE)
target_compile_options(concertd_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wpedantic -Wconversion -Wsign-conversion
  -Wmisleading-indentation -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wduplicated-branches -Wlogical-op>)
if(CONCERTD_WERROR)
  target_compile_options(concertd_warnings INTERFACE -Werror)
endif()

add_library(concertd_options INTERFACE)
target_compile_definitions(concertd_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
