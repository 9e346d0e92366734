# Warnings for the project's own targets: tapstack_warnings(target).
function(tapstack_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wimplicit-fallthrough)
  if(TAPSTACK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
