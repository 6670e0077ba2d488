# The C API test: tests/test_c_api.c is compiled as C and linked against the C++ static library
# (the C++ linker brings in the C++ runtime the library needs).
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/test_c_api.c PROPERTIES LANGUAGE C)
add_executable(test_c_api ${CMAKE_CURRENT_SOURCE_DIR}/test_c_api.c)
target_link_libraries(test_c_api PRIVATE optlayer optlayer_warnings)
set_target_properties(test_c_api PROPERTIES LINKER_LANGUAGE CXX C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
add_test(NAME test_c_api COMMAND test_c_api)
