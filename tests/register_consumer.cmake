# Installs the library into a temporary prefix, then configures, builds and runs
# examples/consumer against it with find_package(optlayer).
add_test(NAME consumer_install
  COMMAND ${CMAKE_COMMAND}
    -DBUILD_DIR=${PROJECT_BINARY_DIR}
    -DSOURCE_DIR=${PROJECT_SOURCE_DIR}/examples/consumer
    -DWORK_DIR=${PROJECT_BINARY_DIR}/consumer_check
    -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer_check.cmake)
