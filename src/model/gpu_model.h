// GPU model names (as the driver reports them, "NVIDIA H100 80GB HBM3") and the cluster's GPU
// type names ("H100"). The agent maps what it discovers to a type; the server accepts a node
// whose declared type differs from the cluster's when its model names the cluster's type.
#pragma once

#include <string>
#include <string_view>

namespace hexa {

// The GPU type a model name stands for: its first word (split on blanks and '-') after the
// vendor and family words (NVIDIA, Tesla, GeForce, Quadro, RTX) that begins with a letter and
// holds a digit, in upper case: "NVIDIA A100-SXM4-40GB" -> "A100", "Tesla V100-SXM2-16GB" ->
// "V100", "NVIDIA L40S" -> "L40S". "" when there is none ("NVIDIA GeForce RTX 4090").
std::string gpu_type_of_model(std::string_view model);

// Whether `model` holds `type` as a whole word, ignoring case: "H100" in "NVIDIA H100 80GB
// HBM3" and in "NVIDIA H100-SXM5", not in "NVIDIA H1000". An empty type never matches.
bool model_names_type(std::string_view model, std::string_view type);

}  // namespace hexa
