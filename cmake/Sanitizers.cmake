# CONCERTD_SANITIZE applies to everything we build (tests included) so that
# instrumented and uninstrumented code never share an object.
if(CONCERTD_SANITIZE)
  set(_san -fsanitize=${CONCERTD_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
  if(CONCERTD_SANITIZE MATCHES "undefined" AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # Clang 14 cannot emit -fsanitize=function's prologue data for the functions a
    # coroutine is split into ("Cannot represent a difference across sections").
    add_compile_options(-fno-sanitize=function)
  endif()
  if(CONCERTD_SANITIZE MATCHES "thread")
    # g++ 12 warns that TSan does not model std::atomic_thread_fence, which Asio uses.
    # With TSan's instrumentation at -O2 it also reports out-of-bounds copies inside
    # std::string's operator+ that are not there (GCC PR 105651), and it pairs Asio's
    # awaitable frame allocation (aligned_alloc in its operator new) with the wrong
    # deallocation once both are inlined (-Wmismatched-new-delete; the frame's own
    # operator delete frees it with std::free, which is right).
    add_compile_options(-Wno-tsan -Wno-array-bounds -Wno-stringop-overflow
                        -Wno-mismatched-new-delete)
  endif()
endif()
