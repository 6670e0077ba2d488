# The README's generated blocks (scripts/readme_blocks.sh): the results table, from the tables the
# measuring commands recorded in docs/results/, and the C++ example, examples/consumer/main.cpp.
# Fails when the committed README differs from what those files give (a hand-edited figure, a
# re-measured table without the README, an example edited in one place only), or when the README
# outgrows its front page.
find_program(OPTLAYER_SH sh)
if(OPTLAYER_SH)
  add_test(NAME readme_blocks COMMAND ${OPTLAYER_SH} ${PROJECT_SOURCE_DIR}/scripts/readme_blocks.sh --check)
endif()
