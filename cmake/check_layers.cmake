# The layering rules ARCHITECTURE.md states, checked on every build (cmake -P, run by the
# check_layers target that every library depends on). A forbidden #include in a layer's
# source is a build error naming the file, the line and the rule.
#
#   sim/ and sim/reference/  the model: no files, no formats, no SimGrid, no other layer
#   sim/simgrid/             the second engine: SimGrid and the model only
#   io/                      file formats: the model and format libraries, no SimGrid, no CLI
#
# Tests (*_test.cc) and benchmarks (*_perftest.cc) may reach across layers to build inputs.
cmake_minimum_required(VERSION 3.20)

set(model_forbidden
    "<yaml-cpp/" "files and formats belong in io/"
    "<nlohmann/" "files and formats belong in io/"
    "<simgrid/" "SimGrid belongs in sim/simgrid/"
    "<fstream>" "the model does no file I/O: io/ reads and writes files"
    "<filesystem>" "the model does no file I/O: io/ reads and writes files"
    "<iostream>" "the model prints nothing: cli/ renders results"
    "<cstdio>" "the model prints nothing: cli/ renders results"
    "\"io/" "the model does not depend on io/"
    "\"cli/" "the model does not depend on cli/"
    "\"sim/simgrid/" "the model does not depend on the SimGrid engine")
set(simgrid_forbidden
    "<yaml-cpp/" "files and formats belong in io/"
    "<nlohmann/" "files and formats belong in io/"
    "\"io/" "the SimGrid engine does not depend on io/"
    "\"cli/" "the SimGrid engine does not depend on cli/")
set(io_forbidden
    "<simgrid/" "SimGrid belongs in sim/simgrid/"
    "\"sim/simgrid/" "io/ does not depend on the SimGrid engine"
    "\"cli/" "io/ does not depend on cli/")

function(check_layer glob_patterns rules layer)
  file(GLOB files ${glob_patterns})
  list(FILTER files EXCLUDE REGEX "_(test|perftest)\\.cc$")
  list(LENGTH rules n)
  math(EXPR last "${n} - 1")
  foreach(file ${files})
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
    file(STRINGS "${file}" all_lines)
    foreach(line ${lines})
      foreach(i RANGE 0 ${last} 2)
        list(GET rules ${i} needle)
        math(EXPR j "${i} + 1")
        list(GET rules ${j} why)
        string(FIND "${line}" "${needle}" at)
        if(NOT at EQUAL -1)
          list(FIND all_lines "${line}" index)
          math(EXPR lineno "${index} + 1")
          file(RELATIVE_PATH rel "${ROOT}" "${file}")
          message(FATAL_ERROR "${rel}:${lineno}: error: the ${layer} layer may not "
                              "`${line}`: ${why} (ARCHITECTURE.md, \"Rules the build enforces\")")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()

check_layer("${ROOT}/sim/*.h;${ROOT}/sim/*.cc;${ROOT}/sim/reference/*.h;${ROOT}/sim/reference/*.cc"
            "${model_forbidden}" "model (sim/)")
check_layer("${ROOT}/sim/simgrid/*.h;${ROOT}/sim/simgrid/*.cc" "${simgrid_forbidden}"
            "SimGrid engine (sim/simgrid/)")
check_layer("${ROOT}/io/*.h;${ROOT}/io/*.cc" "${io_forbidden}" "io (io/)")
file(WRITE "${STAMP}" "layers checked\n")
