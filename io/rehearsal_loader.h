#pragma once
// Reads what calibrate/rehearse wrote (its --json) into sim/rehearsal.h's Rehearsal.

#include <string>

#include "sim/rehearsal.h"

namespace ringsim {

/// Parses calibrate/rehearse's JSON strictly; problems are ConfigErrors naming `file` and
/// the key.
Rehearsal ParseRehearsal(const std::string& json_text, const std::string& file);
/// Reads and parses a rehearsal JSON file.
Rehearsal LoadRehearsal(const std::string& path);

}  // namespace ringsim
