#pragma once
// Declarations shared between the kernel translation units (not part of the API).

#include <cuda_runtime.h>

#include "calibrate/attention_kernels.h"

namespace ringsim::calibrate::detail {

/// The sm_90a wgmma forward (attention_fwd_sm90.cu). Only launch it where
/// FwdVariantSupported(FwdVariant::kWgmma) holds: in other builds its body is empty.
cudaError_t LaunchFwdWgmma(const FwdArgs& a, cudaStream_t stream);

}  // namespace ringsim::calibrate::detail
