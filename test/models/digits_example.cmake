# ctest examples.digits: configures, builds and runs the user-style digits
# example (examples/digits) against the kiln built here, as a user would.
#   cmake -DKILN=<kiln> -DSRC=<examples/digits> -DBIN=<build dir> -DGEN=<generator> -P digits_example.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var KILN SRC BIN GEN)
  if(NOT ${var})
    message(FATAL_ERROR "digits_example.cmake: -D${var}= is required")
  endif()
endforeach()

execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${BIN} -G ${GEN}
                        -DKILN_EXECUTABLE=${KILN} -DCMAKE_BUILD_TYPE=Release
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BIN} COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${BIN}/digits_demo COMMAND_ERROR_IS_FATAL ANY)
