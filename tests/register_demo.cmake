# `make demo` as a test: build/bin/optlayer_demo runs into a fresh scratch directory. It exits 0
# only when every number is within its bound (errors below 1e-9 against the analytic references,
# the QP layer's gradient check below 1e-6, the polytope loss falling at least threefold), so
# demo_run checks the exit code and that all six sections, both pictures and the summary are
# printed; the demo_svg_* tests read the pictures back, and demo_summary the Markdown summary
# (`make demo` records it in docs/results/demo.md; the tests write only to their scratch
# directory). The examples are configured after tests/, so the target is tested by the option
# that creates it rather than if(TARGET ...).
if(OPTLAYER_BUILD_EXAMPLES AND EXISTS ${PROJECT_SOURCE_DIR}/examples/optlayer_demo.cpp)
  set(demo_dir ${CMAKE_CURRENT_BINARY_DIR}/demo_output)
  add_test(NAME demo_clean COMMAND ${CMAKE_COMMAND} -E rm -rf ${demo_dir})
  set_tests_properties(demo_clean PROPERTIES FIXTURES_SETUP demo_clean)

  set(sections "1\\. Non-negative least squares.*2\\. The OptNet QP layer.*3\\. Sigmoid.*4\\. Softmax.*5\\. Sparsemax.*6\\. Learning a polytope")
  set(pictures "wrote [^\n]*demo_output/sigmoid\\.svg.*wrote [^\n]*demo_output/polytope\\.svg")
  add_test(NAME demo_run
    COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:optlayer_demo>;--summary;${demo_dir}/summary.md;${demo_dir}" -DEXPECT_CODE=0
            "-DEXPECT_OUTPUT=${sections}.*${pictures}.*Summary.*All numbers within their bounds"
            -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.cmake)
  set_tests_properties(demo_run PROPERTIES FIXTURES_REQUIRED demo_clean FIXTURES_SETUP demo_output)

  # `cmake -E cat` fails on a missing file; the regex checks the elements each picture needs.
  function(optlayer_demo_svg_test name regex)
    add_test(NAME demo_svg_${name}
      COMMAND ${CMAKE_COMMAND} "-DCOMMAND=${CMAKE_COMMAND};-E;cat;${demo_dir}/${name}.svg" -DEXPECT_CODE=0
              "-DEXPECT_OUTPUT=${regex}" -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.cmake)
    set_tests_properties(demo_svg_${name} PROPERTIES FIXTURES_REQUIRED demo_output)
  endfunction()
  # Every row of the summary within its bound; the columns scripts/readme_blocks.sh reads.
  add_test(NAME demo_summary
    COMMAND ${CMAKE_COMMAND} "-DCOMMAND=${CMAKE_COMMAND};-E;cat;${demo_dir}/summary.md" -DEXPECT_CODE=0
            "-DEXPECT_OUTPUT=^[|] quantity [|] optlayer [(]C[+][+][)] [|] chapter [(]cvxpy/PyTorch[)] [|] bound [|] within bound [|]\n[|] --- [|] --- [|] --- [|] --- [|] --- [|]\n([|] [^\n]* [|] yes [|]\n)+$"
            -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.cmake)
  set_tests_properties(demo_summary PROPERTIES FIXTURES_REQUIRED demo_output)

  optlayer_demo_svg_test(sigmoid
    "^<svg.*Sigmoid layer vs analytic.*<polyline.*<circle.*<polyline.*<path.*analytic sigma\\(x\\).*layer z\\*\\(x\\).*analytic sigma'\\(x\\).*layer dz\\*/dx.*</svg>")
  optlayer_demo_svg_test(polytope
    "^<svg.*Before training.*<polygon.*<polyline.*<path.*unit circle.*After 40 Adam steps.*<polygon.*<polyline.*<path.*polytope {z : Gz &lt;= h}.*targets Y.*</svg>")
endif()
