# Warnings for our own targets only (linked PRIVATE), after cmake_template's GCC list.
add_library(concertd_warnings INTERFACE)
target_compile_options(concertd_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wpedantic -Wconversion -Wsign-conversion
  -Wmisleading-indentation -Wduplicated-cond -Wduplicated-branches -Wlogical-op
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CONCERTD_WERROR)
  target_compile_options(concertd_warnings INTERFACE -Werror)
endif()

add_library(concertd_options INTERFACE)
target_compile_definitions(concertd_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
