# CONCERTD_SANITIZE applies to everything we build (tests included) so that
# instrumented and uninstrumented code never share an object.
if(CONCERTD_SANITIZE)
  set(_san -fsanitize=${CONCERTD_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
  if(CONCERTD_SANITIZE MATCHES "thread")
    # g++ 12 warns that TSan does not model std::atomic_thread_fence, which Asio uses.
    # With TSan's instrumentation at -O2 it also reports out-of-bounds copies inside
    # std::string's operator+ that are not there (GCC PR 105651).
    add_compile_options(-Wno-tsan -Wno-array-bounds -Wno-stringop-overflow)
  endif()
endif()
