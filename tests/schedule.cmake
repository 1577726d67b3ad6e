# Read by ctest after the discovered GoogleTest tests (tests/CMakeLists.txt adds it to
# TEST_INCLUDE_FILES; CONCERTD_SANITIZE is filled in at configure time).
#
# 1. The long tests first. ctest runs the tests with the highest COST first, and a fresh build
#    tree has no measured costs of its own, so without these a parallel run starts its
#    longest tests last and ends on one of them while the other jobs idle. The figures are
#    seconds under Release on the 2-core CI machine; only their order matters much.
# 2. What the sanitizer presets leave out. ASan+UBSan and TSan look for memory errors and data
#    races in concertd's own code, which is the same whatever store sits under it; the tests
#    below spend their time waiting on timers, kill -9 rounds and other processes, and each
#    still runs under the sanitizers on one store (SQLite, the one whose store code runs in
#    concertd's own process), and on every store under Release.
set(concertd_costs
  "^Stores/Crash\\." 20
  "^Galera\\." 20
  "^ClusterNetns\\." 20
  "^Stores/WaitEstimate\\.EveryNode" 20
  "^DatabaseFaults\\." 15
  "^Cluster\\." 8
  "^Stores/WalkedAway\\." 9
  "^Stores/HoldExtension\\.ExtendedHold" 8
  "^Stores/Races\\." 5
  "^Stores/Reservations\\.UserListsOwn" 4)
set(concertd_sanitizers_leave_out
  "^Stores/(Crash|WaitEstimate|WalkedAway|HoldExtension)\\..*/MariaDb")

set(concertd_sanitize "@CONCERTD_SANITIZE@")
list(LENGTH concertd_costs length)
math(EXPR last "${length} - 2")
foreach(test IN LISTS unit_tests_TESTS contract_tests_TESTS http_tests_TESTS)
  foreach(at RANGE 0 ${last} 2)
    list(GET concertd_costs ${at} pattern)
    if(test MATCHES "${pattern}")
      math(EXPR at "${at} + 1")
      list(GET concertd_costs ${at} seconds)
      set_tests_properties("${test}" PROPERTIES COST ${seconds})
      break()
    endif()
  endforeach()
  # Each takes node 3 of the Galera cluster away and brings it back: one at a time.
  if(test MATCHES "^Galera\\.")
    set_tests_properties("${test}" PROPERTIES RESOURCE_LOCK galera_node3)
  endif()
  if(concertd_sanitize AND test MATCHES "${concertd_sanitizers_leave_out}")
    set_tests_properties("${test}" PROPERTIES DISABLED TRUE)
  endif()
endforeach()
