#pragma once
// The --format option every command has, and printing a command's result in the format chosen,
// so that the commands differ only in what they print, not in how they choose.

#include <CLI/CLI.hpp>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/output_table.h"

namespace ringsim {

/// --format, one of `choices` (table, json, csv unless a command has more).
CLI::Option* AddFormatOption(CLI::App* cmd, std::string& format,
                             std::initializer_list<std::string> choices = {"table", "json", "csv"},
                             const std::string& help = "Output format");

/// `doc` as JSON text (indented by `indent`, or on one line for -1). Bytes that are not UTF-8
/// (a --vary value, a file name) become U+FFFD rather than an exception mid-output.
std::string JsonText(const nlohmann::json& doc, int indent = 2);

/// Prints to stdout in `format` (table, json or csv): `csv` as CSV, the document `json()`
/// builds (indented), or the human form `text()` renders. Only the one chosen is built.
void PrintInFormat(const std::string& format, const Table& csv,
                   const std::function<nlohmann::json()>& json,
                   const std::function<std::string()>& text);

}  // namespace ringsim
