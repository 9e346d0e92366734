# ASan + UBSan for every target when TAPSTACK_SANITIZE is on; with
# TAPSTACK_FUZZ, also libFuzzer's coverage instrumentation (tests/fuzz).
if(TAPSTACK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TAPSTACK_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(TAPSTACK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# A sanitized preload library needs the ASan runtime first in a program's
# initial library list; `tapstack run` of such a build (client/cli/cmd_run.cpp)
# and the e2e tests preload it, so the shim runs under ASan in any program.
if(TAPSTACK_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE asan_runtime OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(IS_ABSOLUTE "${asan_runtime}" AND EXISTS "${asan_runtime}")
    get_filename_component(TAPSTACK_SANITIZER_RUNTIME "${asan_runtime}" REALPATH)
  endif()
endif()
