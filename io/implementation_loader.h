#pragma once
// Implementation files (implementations/*.yaml; sim/implementation.h says what they hold):
// strict reading, lookup by name or path, and the list of shipped ones.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "sim/implementation.h"

namespace ringsim {

/// Where implementation files live: $RINGSIM_IMPLEMENTATIONS if set, else the source tree's
/// implementations/.
std::string ImplementationDir();

/// Names of the shipped implementations (stems of ImplementationDir()/*.yaml), sorted.
std::vector<std::string> ListImplementations();

/// Parses one implementation document; every problem is a ConfigError naming
/// file:line:col and the key.
ImplementationSpec ImplementationFromYaml(const YAML::Node& root, const std::string& file);

/// Loads an implementation by name ("ring-flash-attn") or path (containing '/' or ending in
/// ".yaml"); an unknown name is a ConfigError naming `where`, with a did-you-mean.
ImplementationSpec LoadImplementation(const std::string& name_or_path, const std::string& where);

}  // namespace ringsim
