# Command-line tool checks: exit codes and output of `optlayer solve` and `optlayer check-grad`.
if(TARGET optlayer_cli)
  set(mm ${PROJECT_SOURCE_DIR}/../shared/data/maros_meszaros)
  function(optlayer_cli_test name code regex)
    add_test(NAME cli_${name}
      COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:optlayer_cli>;${ARGN}" -DEXPECT_CODE=${code}
              "-DEXPECT_OUTPUT=${regex}" -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.cmake)
  endfunction()
  optlayer_cli_test(solve_text 0 "status +solved.*objective +-9.99599999" solve ${mm}/HS21.QPS)
  optlayer_cli_test(solve_json 0 "\"name\":\"QAFIRO\",\"status\":\"solved\".*\"objective\":-1.5907817" solve ${mm}/QAFIRO.QPS --json --eps-abs 1e-9)
  optlayer_cli_test(solve_json_fields 0 "\"iterations\":.*\"primal_residual\":.*\"dual_residual\":.*\"duality_gap\":.*\"solve_time_s\":.*\"n\":2,\"m\":5,\"p\":0,\"backend\":\"dense\",\"peak_memory_mb\":[0-9.]+,\"x\":\\[" solve ${mm}/HS21.QPS --json)
  optlayer_cli_test(solve_max_iter 1 "max_iterations" solve ${mm}/QAFIRO.QPS --max-iter 2 --set max_polish_rounds=0)
  # With active-set polishing (the default) the point of 8 iterations (of the 14 of a full
  # solve) is finished. From 2 to 7 iterations the polishing rounds diverge: from that far off,
  # whether an active-set guess converges is luck (2 worked before the Ruiz factors became powers
  # of two, solver/qp/ruiz_scaling.cpp).
  optlayer_cli_test(solve_max_iter_polished 0 "status +solved.*objective +-1.5907817.*iterations +8 \\(then active-set polishing\\)" solve ${mm}/QAFIRO.QPS --max-iter 8)
  optlayer_cli_test(solve_json_polished 0 "\"status\":\"solved\".*\"iterations\":8,\"polished\":true" solve ${mm}/QAFIRO.QPS --max-iter 8 --json)
  optlayer_cli_test(solve_infeasible 1 "primal_infeasible" solve ${CMAKE_CURRENT_SOURCE_DIR}/data/qps/infeasible.qps)
  optlayer_cli_test(solve_missing_file 2 "cannot open" solve ${CMAKE_CURRENT_SOURCE_DIR}/data/qps/does_not_exist.qps)
  optlayer_cli_test(solve_malformed 2 "bad_unknown_row.qps:[0-9]+:" solve ${CMAKE_CURRENT_SOURCE_DIR}/data/qps/bad_unknown_row.qps)
  optlayer_cli_test(solve_bad_option 2 "unknown option --frobnicate" solve ${mm}/HS21.QPS --frobnicate)
  optlayer_cli_test(solve_bad_number 2 "is not a number" solve ${mm}/HS21.QPS --eps-abs abc)
  optlayer_cli_test(solve_bad_settings 2 "eps_abs" solve ${mm}/HS21.QPS --eps-abs -1)
  optlayer_cli_test(no_command 2 "usage" )
  optlayer_cli_test(check_grad_hs21 0 "derivatives agree" check-grad ${mm}/HS21.QPS)
  optlayer_cli_test(check_grad_json 0 "\"passed\":true" check-grad ${mm}/HS35.QPS --json --seed 3)
  optlayer_cli_test(check_grad_directions 0 "derivatives agree" check-grad ${mm}/DUAL1.QPS --directions 3)
  # QAFIRO is a degenerate LP: its solution is not differentiable in q, and the check says so.
  optlayer_cli_test(check_grad_degenerate_lp 1 "MISMATCH" check-grad ${mm}/QAFIRO.QPS --directions 3)
  optlayer_cli_test(check_grad_infeasible 1 "not solved" check-grad ${CMAKE_CURRENT_SOURCE_DIR}/data/qps/infeasible.qps)
  optlayer_cli_test(check_grad_missing_file 2 "cannot open" check-grad ${CMAKE_CURRENT_SOURCE_DIR}/data/qps/nope.qps)
endif()
if(TARGET optlayer_cli)
  optlayer_cli_test(solve_kkt_sparse 0 "\"backend\":\"sparse\"" solve ${mm}/HS21.QPS --json --kkt sparse)
  optlayer_cli_test(solve_kkt_dense 0 "\"backend\":\"dense\"" solve ${mm}/HS21.QPS --json --kkt dense)
  optlayer_cli_test(solve_kkt_bad 2 "--kkt must be dense or sparse" solve ${mm}/HS21.QPS --kkt banded)
  # VALUES' P has an eigenvalue of -1.27e-5: refused as non-convex, solved when the check is off.
  optlayer_cli_test(solve_non_convex 1 "status +non_convex" solve ${mm}/VALUES.QPS)
  optlayer_cli_test(solve_set_check_convexity 0 "status +solved.*objective +-1.39662" solve ${mm}/VALUES.QPS --set check_convexity=0)
  optlayer_cli_test(solve_set_unknown 2 "unknown setting 'frobnicate'" solve ${mm}/HS21.QPS --set frobnicate=1)
  optlayer_cli_test(solve_set_no_value 2 "--set needs NAME=VALUE" solve ${mm}/HS21.QPS --set reg_dual)
  optlayer_cli_test(solve_set_bad_value 2 "reg_dual: 'x' is not a number" solve ${mm}/HS21.QPS --set reg_dual=x)
  optlayer_cli_test(solve_large_sparse 0 "backend +sparse.*status +solved.*objective +5.5406772" solve ${mm}/AUG3D.QPS)
endif()
