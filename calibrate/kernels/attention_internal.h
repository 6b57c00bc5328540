#pragma once
// Declarations shared between the kernel translation units (not part of the API).

#include <cuda_runtime.h>

#include "calibrate/kernels/attention_kernels.h"

namespace ringsim::calibrate::detail {

/// The sm_90a wgmma forwards (attention_fwd_sm90.cu), plain or pipelined. Only launch them
/// where FwdVariantSupported says so: in other builds their bodies trap.
cudaError_t LaunchFwdWgmma(const FwdArgs& a, bool pipelined, cudaStream_t stream);

}  // namespace ringsim::calibrate::detail
