// attention_check: the blockwise attention kernels against the CPU fp64 reference
// (sim/reference). Every check draws fresh random inputs, poisons the outputs with NaN before
// the launch, and compares ||out - ref|| / ||ref|| with the bf16 tolerance; the reference gets
// the same bf16-rounded inputs the kernels see.
//
//   attention_check [--seed N] [--quick] [--tol 1e-2] [--fwd-only] [--variants a,b]
//
// --variants limits the forward variants checked (w32rows, w16rows, w16lean, wgmma), so that a
// kernel that faults cannot take the others' results down with it (run_on_gpu.sh checks wgmma
// in a process of its own); --fwd-only skips the block-pair backward checks.
//
// Without a usable CUDA device it prints "SKIP: no CUDA device (<reason>)" and exits 0. Exit
// status 1 means some check failed (or a CUDA call did).

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "calibrate/kernels/attention_kernels.h"
#include "calibrate/kernels/bf16.h"
#include "calibrate/programs/attention_check_options.h"
#include "calibrate/programs/compare.h"
#include "calibrate/programs/cuda_check.h"
#include "sim/reference/blockwise_attention.h"
#include "sim/reference/plain_attention.h"
#include "sim/reference/tensor.h"

namespace rc = ringsim::calibrate;
namespace ref = ringsim::reference;

namespace {

using Bf16Buffer = rc::DeviceBuffer<__nv_bfloat16>;
using F32Buffer = rc::DeviceBuffer<float>;

// ---------------------------------------------------------------------------------------------
// Host <-> device

/// Standard normal values times `scale`, rounded to bf16 (so that the reference computes on
/// exactly the kernels' inputs).
ref::Tensor RandomBf16(int64_t b, int64_t h, int64_t s, int64_t d, double scale,
                       std::mt19937_64& rng) {
  ref::Tensor t = ref::RandomTensor(b, h, s, d, rng);
  for (double& x : t.data) x = rc::RoundToBf16(static_cast<float>(x * scale));
  return t;
}

ref::Tensor RoundedToBf16(const ref::Tensor& t) {
  ref::Tensor r = t;
  for (double& x : r.data) x = rc::RoundToBf16(static_cast<float>(x));
  return r;
}

/// Uploads `t` as bf16 rows [pad, pad + seq) of a (batch, heads, pad + seq + pad, dim) buffer
/// whose other rows are NaN; the view points at the block.
struct Bf16Block {
  Bf16Buffer buf;
  rc::TensorView<__nv_bfloat16> view;
  int64_t padded_rows = 0, pad = 0;
};

Bf16Block UploadBf16(const ref::Tensor& t, int64_t pad = 0) {
  Bf16Block blk;
  blk.pad = pad;
  blk.padded_rows = t.seq + 2 * pad;
  std::vector<uint16_t> host(t.batch * t.heads * blk.padded_rows * t.dim, rc::kBf16QuietNaN);
  for (int64_t b = 0; b < t.batch; ++b)
    for (int64_t h = 0; h < t.heads; ++h)
      for (int64_t s = 0; s < t.seq; ++s)
        for (int64_t d = 0; d < t.dim; ++d)
          host[((b * t.heads + h) * blk.padded_rows + pad + s) * t.dim + d] =
              rc::FloatToBf16Bits(static_cast<float>(t.at(b, h, s, d)));
  blk.buf = Bf16Buffer(host.size());
  RINGSIM_CUDA_CHECK(
      cudaMemcpy(blk.buf.get(), host.data(), blk.buf.bytes(), cudaMemcpyHostToDevice));
  blk.view = rc::TensorView<__nv_bfloat16>{
      blk.buf.get() + pad * t.dim, t.heads * blk.padded_rows * t.dim, blk.padded_rows * t.dim};
  return blk;
}

/// A poisoned (NaN) bf16 output block laid out like UploadBf16's.
Bf16Block PoisonedBf16(int64_t batch, int64_t heads, int64_t seq, int64_t dim, int64_t pad = 0) {
  ref::Tensor shape(batch, heads, seq, dim);
  Bf16Block blk = UploadBf16(shape, pad);
  blk.buf.Poison();
  return blk;
}

template <typename T>
rc::TensorView<const T> Const(const rc::TensorView<T>& v) {
  return rc::TensorView<const T>{v.ptr, v.batch_stride, v.head_stride};
}

std::vector<float> DownloadBf16(const Bf16Buffer& buf) {
  std::vector<uint16_t> bits(buf.size());
  RINGSIM_CUDA_CHECK(cudaMemcpy(bits.data(), buf.get(), buf.bytes(), cudaMemcpyDeviceToHost));
  std::vector<float> out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) out[i] = rc::Bf16BitsToFloat(bits[i]);
  return out;
}

std::vector<float> DownloadF32(const F32Buffer& buf) {
  std::vector<float> out(buf.size());
  RINGSIM_CUDA_CHECK(cudaMemcpy(out.data(), buf.get(), buf.bytes(), cudaMemcpyDeviceToHost));
  return out;
}

F32Buffer UploadF32(const std::vector<double>& v) {
  std::vector<float> host(v.begin(), v.end());
  F32Buffer buf(host.size());
  RINGSIM_CUDA_CHECK(cudaMemcpy(buf.get(), host.data(), buf.bytes(), cudaMemcpyHostToDevice));
  return buf;
}

/// The block rows [pad, pad + seq) of a padded download, in (b, h, s, d) order.
std::vector<float> BlockRows(const std::vector<float>& padded, int64_t batch, int64_t heads,
                             int64_t seq, int64_t dim, int64_t pad) {
  std::vector<float> out;
  out.reserve(batch * heads * seq * dim);
  const int64_t rows = seq + 2 * pad;
  for (int64_t bh = 0; bh < batch * heads; ++bh)
    for (int64_t s = 0; s < seq; ++s)
      for (int64_t d = 0; d < dim; ++d) out.push_back(padded[(bh * rows + pad + s) * dim + d]);
  return out;
}

/// Elements of the padding rows that are no longer NaN (written out of bounds).
int64_t PaddingWrites(const std::vector<float>& padded, int64_t batch, int64_t heads, int64_t seq,
                      int64_t dim, int64_t pad) {
  int64_t n = 0;
  const int64_t rows = seq + 2 * pad;
  for (int64_t bh = 0; bh < batch * heads; ++bh)
    for (int64_t r = 0; r < rows; ++r)
      if (r < pad || r >= pad + seq)
        for (int64_t d = 0; d < dim; ++d) n += !std::isnan(padded[(bh * rows + r) * dim + d]);
  return n;
}

/// Elements whose bit patterns differ (NaN payloads included); sizes must match.
int64_t BitDifferences(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return static_cast<int64_t>(a.size() + b.size());
  int64_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Results

struct Tally {
  int checks = 0, failed = 0;
  double tol = 1e-2;

  void Record(const std::string& what, const rc::ErrorStats& e) {
    ++checks;
    const bool ok = rc::WithinTolerance(e, tol);
    failed += !ok;
    std::printf("%s  %-58s %s\n", ok ? "PASS" : "FAIL", what.c_str(), rc::FormatStats(e).c_str());
  }
  void RecordBool(const std::string& what, bool ok, const std::string& detail) {
    ++checks;
    failed += !ok;
    std::printf("%s  %-58s %s\n", ok ? "PASS" : "FAIL", what.c_str(), detail.c_str());
  }
};

rc::ErrorStats Compare(const std::vector<float>& out, const std::vector<double>& ref) {
  if (out.size() != ref.size()) {
    rc::ErrorStats e;
    e.non_finite = out.size() + ref.size();
    return e;
  }
  return rc::CompareToReference(out.data(), ref.data(), out.size());
}

// ---------------------------------------------------------------------------------------------
// One block pair: forward (every variant) and backward.

struct PairCase {
  const char* name;
  int batch, heads, kv_heads, dim, q_len, kv_len;
  bool causal;
  int64_t q_offset, kv_offset;
  int pad;         // rows of NaN around each block: checks strided views and stray writes
  double q_scale;  // > 1 makes the softmax peaky, exercising the running-max rescale
};

void CheckPair(const PairCase& c, const std::vector<rc::FwdVariant>& variants, bool backward,
               std::mt19937_64& rng, Tally& tally) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.dim));
  const ref::Tensor q = RandomBf16(c.batch, c.heads, c.q_len, c.dim, c.q_scale, rng);
  const ref::Tensor k = RandomBf16(c.batch, c.kv_heads, c.kv_len, c.dim, 1.0, rng);
  const ref::Tensor v = RandomBf16(c.batch, c.kv_heads, c.kv_len, c.dim, 1.0, rng);
  const ref::Tensor d_o = RandomBf16(c.batch, c.heads, c.q_len, c.dim, 1.0, rng);
  const ref::Positions q_pos = ref::Arange(c.q_offset, c.q_len);
  const ref::Positions k_pos = ref::Arange(c.kv_offset, c.kv_len);
  const ref::AttentionOutput want =
      ref::Finalize(ref::BlockForward(q, k, v, q_pos, k_pos, c.causal, scale));

  rc::AttnDims dims;
  dims.batch = c.batch;
  dims.heads = c.heads;
  dims.kv_heads = c.kv_heads;
  dims.head_dim = c.dim;
  dims.q_len = c.q_len;
  dims.kv_len = c.kv_len;
  dims.scale = static_cast<float>(scale);
  const rc::BlockMask mask{c.causal, c.q_offset, c.kv_offset};
  char label[160];
  std::snprintf(label, sizeof label, "%s b%d h%d/%d d%d q%d kv%d%s", c.name, c.batch, c.heads,
                c.kv_heads, c.dim, c.q_len, c.kv_len, c.causal ? " causal" : "");

  const Bf16Block gq = UploadBf16(q, c.pad), gk = UploadBf16(k, c.pad), gv = UploadBf16(v, c.pad);
  const int64_t rows = static_cast<int64_t>(c.batch) * c.heads * c.q_len;

  // Forward, each variant.
  for (rc::FwdVariant variant : variants) {
    Bf16Block go = PoisonedBf16(c.batch, c.heads, c.q_len, c.dim, c.pad);
    F32Buffer lse(rows);
    lse.Poison();
    rc::FwdArgs a;
    a.dims = dims;
    a.mask = mask;
    a.q = Const(gq.view);
    a.k = Const(gk.view);
    a.v = Const(gv.view);
    a.o = go.view;
    a.lse = rc::Contiguous(lse.get(), c.heads, c.q_len, 1);
    a.variant = variant;
    RINGSIM_CUDA_CHECK(rc::AttentionForward(a, nullptr));
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
    const std::vector<float> o_padded = DownloadBf16(go.buf);
    const std::string tag = std::string("fwd[") + rc::FwdVariantName(variant) + "] " + label;
    tally.Record(tag + " O", Compare(BlockRows(o_padded, c.batch, c.heads, c.q_len, c.dim, c.pad),
                                     want.out.data));
    tally.Record(tag + " LSE", Compare(DownloadF32(lse), want.lse.data));
    if (c.pad > 0) {
      const int64_t stray = PaddingWrites(o_padded, c.batch, c.heads, c.q_len, c.dim, c.pad);
      tally.RecordBool(tag + " no stray writes", stray == 0,
                       std::to_string(stray) + " padding elements written");
    }
    // The forward has no atomics: a second run on the same inputs must match bit for bit, or
    // something reads memory before it is written (a missing barrier; METHOD.md).
    go.buf.Poison();
    lse.Poison();
    RINGSIM_CUDA_CHECK(rc::AttentionForward(a, nullptr));
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
    const int64_t o_diff = BitDifferences(DownloadBf16(go.buf), o_padded);
    tally.RecordBool(tag + " repeatable", o_diff == 0,
                     std::to_string(o_diff) + " elements differ between two runs");
  }

  if (!backward) return;

  // Backward from the reference O (rounded to bf16, as the kernels store it) and LSE.
  const ref::Tensor o_bf16 = RoundedToBf16(want.out);
  const ref::Tensor delta = ref::SoftmaxDelta(o_bf16, d_o);
  const ref::AttentionGrads grads =
      ref::BlockBackward(q, k, v, d_o, want.lse, delta, q_pos, k_pos, c.causal, scale);
  const Bf16Block go = UploadBf16(o_bf16, c.pad), gdo = UploadBf16(d_o, c.pad);
  const F32Buffer glse = UploadF32(want.lse.data);
  F32Buffer gdelta(rows), glse2(rows);
  gdelta.Poison();
  glse2.Poison();
  rc::BwdPreprocessArgs pre;
  pre.dims = dims;
  pre.o = Const(go.view);
  pre.d_o = Const(gdo.view);
  pre.lse = rc::Contiguous(static_cast<const float*>(glse.get()), c.heads, c.q_len, 1);
  pre.delta = gdelta.get();
  pre.lse_log2 = glse2.get();
  RINGSIM_CUDA_CHECK(rc::AttentionBwdPreprocess(pre, nullptr));

  const int64_t kv_elems = static_cast<int64_t>(c.batch) * c.kv_heads * c.kv_len * c.dim;
  F32Buffer dq(rows * c.dim), dk(kv_elems), dv(kv_elems);
  RINGSIM_CUDA_CHECK(cudaMemset(dq.get(), 0, dq.bytes()));  // atomics accumulate into it
  dk.Poison();  // accumulate = false overwrites: every element must be written
  dv.Poison();
  rc::BwdArgs b;
  b.dims = dims;
  b.mask = mask;
  b.q = Const(gq.view);
  b.k = Const(gk.view);
  b.v = Const(gv.view);
  b.d_o = Const(gdo.view);
  b.delta = gdelta.get();
  b.lse_log2 = glse2.get();
  b.dq_acc = rc::Contiguous(dq.get(), c.heads, c.q_len, c.dim);
  b.dk_acc = rc::Contiguous(dk.get(), c.kv_heads, c.kv_len, c.dim);
  b.dv_acc = rc::Contiguous(dv.get(), c.kv_heads, c.kv_len, c.dim);
  b.accumulate = false;
  RINGSIM_CUDA_CHECK(rc::AttentionBackward(b, nullptr));
  RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
  const std::string tag = std::string("bwd ") + label;
  tally.Record(tag + " D", Compare(DownloadF32(gdelta), delta.data));
  tally.Record(tag + " dQ", Compare(DownloadF32(dq), grads.dq.data));
  tally.Record(tag + " dK", Compare(DownloadF32(dk), grads.dk.data));
  tally.Record(tag + " dV", Compare(DownloadF32(dv), grads.dv.data));

  // dK and dV have no atomics (each CTA owns its keys): a rerun must match bit for bit.
  const std::vector<float> dk_first = DownloadF32(dk), dv_first = DownloadF32(dv);
  dk.Poison();
  dv.Poison();
  RINGSIM_CUDA_CHECK(cudaMemset(dq.get(), 0, dq.bytes()));
  RINGSIM_CUDA_CHECK(rc::AttentionBackward(b, nullptr));
  RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
  const int64_t kv_diff =
      BitDifferences(DownloadF32(dk), dk_first) + BitDifferences(DownloadF32(dv), dv_first);
  tally.RecordBool(tag + " dK, dV repeatable", kv_diff == 0,
                   std::to_string(kv_diff) + " elements differ between two runs");

  // Again with accumulate = true: dK, dV (and dQ, through its atomics) double.
  b.accumulate = true;
  RINGSIM_CUDA_CHECK(rc::AttentionBackward(b, nullptr));
  RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<double> dk2 = grads.dk.data, dq2 = grads.dq.data;
  for (double& x : dk2) x *= 2;
  for (double& x : dq2) x *= 2;
  tally.Record(tag + " dK accumulated twice", Compare(DownloadF32(dk), dk2));
  tally.Record(tag + " dQ accumulated twice", Compare(DownloadF32(dq), dq2));
}

// ---------------------------------------------------------------------------------------------
// A whole ring of N devices through the kernels, against plain attention.

enum class Layout { kContiguous, kStriped, kZigzag };

const char* LayoutName(Layout l) {
  return l == Layout::kContiguous ? "ring" : l == Layout::kStriped ? "striped" : "zigzag";
}

struct RingCase {
  Layout layout;
  int batch, heads, kv_heads, dim, devices, seq;
  bool causal;
  rc::FwdVariant variant;  // the forward kernel the ring uses
};

/// A contiguous run of one device's tokens (or, striped, all of them): the unit the kernels
/// process. Positions are global token indices.
struct Piece {
  int device;
  ref::Positions pos;
};

std::vector<Piece> MakePieces(const RingCase& c) {
  std::vector<Piece> pieces;
  const int n = c.devices;
  if (c.layout == Layout::kContiguous) {
    const int len = c.seq / n;
    for (int i = 0; i < n; ++i) pieces.push_back({i, ref::Arange(int64_t{i} * len, len)});
  } else if (c.layout == Layout::kZigzag) {
    const int len = c.seq / (2 * n);
    for (int i = 0; i < n; ++i) {
      pieces.push_back({i, ref::Arange(int64_t{i} * len, len)});
      pieces.push_back({i, ref::Arange(int64_t{2 * n - 1 - i} * len, len)});
    }
  } else {
    for (int i = 0; i < n; ++i) {
      ref::Positions p;
      for (int t = i; t < c.seq; t += n) p.push_back(t);
      pieces.push_back({i, p});
    }
  }
  return pieces;
}

/// The kernels' mask for a piece pair. Contiguous pieces are offsets; striped pieces hold
/// positions i + N t, and key t_k of device k is visible to query t_q of device q iff
/// t_k + (k > q ? 1 : 0) <= t_q.
rc::BlockMask PieceMask(const RingCase& c, const Piece& qp, const Piece& kp) {
  if (c.layout == Layout::kStriped) return {c.causal, 0, kp.device > qp.device ? 1 : 0};
  return {c.causal, qp.pos.front(), kp.pos.front()};
}

void CheckRing(const RingCase& c, std::mt19937_64& rng, Tally& tally) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.dim));
  const ref::Tensor q = RandomBf16(c.batch, c.heads, c.seq, c.dim, 1.0, rng);
  const ref::Tensor k = RandomBf16(c.batch, c.kv_heads, c.seq, c.dim, 1.0, rng);
  const ref::Tensor v = RandomBf16(c.batch, c.kv_heads, c.seq, c.dim, 1.0, rng);
  const ref::Tensor d_o = RandomBf16(c.batch, c.heads, c.seq, c.dim, 1.0, rng);
  const ref::AttentionOutput want = ref::PlainAttention(q, k, v, c.causal, scale);
  const ref::AttentionGrads want_grads =
      ref::PlainAttentionBackward(q, k, v, want.out, d_o, c.causal, scale);

  const std::vector<Piece> pieces = MakePieces(c);
  const size_t np = pieces.size();
  struct PieceData {
    int len;
    Bf16Block q, k, v, d_o;
    F32Buffer o_acc, lse_acc, delta, lse_log2, dq, dk, dv;
    Bf16Buffer out, dq_bf16, dk_bf16, dv_bf16;
  };
  std::vector<PieceData> pd(np);
  for (size_t p = 0; p < np; ++p) {
    PieceData& d = pd[p];
    d.len = static_cast<int>(pieces[p].pos.size());
    d.q = UploadBf16(ref::GatherRows(q, pieces[p].pos));
    d.k = UploadBf16(ref::GatherRows(k, pieces[p].pos));
    d.v = UploadBf16(ref::GatherRows(v, pieces[p].pos));
    d.d_o = UploadBf16(ref::GatherRows(d_o, pieces[p].pos));
    const int64_t q_rows = int64_t{c.batch} * c.heads * d.len;
    const int64_t kv_elems = int64_t{c.batch} * c.kv_heads * d.len * c.dim;
    d.o_acc = F32Buffer(q_rows * c.dim);
    d.lse_acc = F32Buffer(q_rows);
    d.delta = F32Buffer(q_rows);
    d.lse_log2 = F32Buffer(q_rows);
    d.dq = F32Buffer(q_rows * c.dim);
    d.dk = F32Buffer(kv_elems);
    d.dv = F32Buffer(kv_elems);
    d.out = Bf16Buffer(q_rows * c.dim);
    d.dq_bf16 = Bf16Buffer(q_rows * c.dim);
    d.dk_bf16 = Bf16Buffer(kv_elems);
    d.dv_bf16 = Bf16Buffer(kv_elems);
    for (F32Buffer* b : {&d.o_acc, &d.lse_acc, &d.delta, &d.lse_log2}) b->Poison();
    for (Bf16Buffer* b : {&d.out, &d.dq_bf16, &d.dk_bf16, &d.dv_bf16}) b->Poison();
    for (F32Buffer* b : {&d.dq, &d.dk, &d.dv})
      RINGSIM_CUDA_CHECK(cudaMemset(b->get(), 0, b->bytes()));
  }
  auto dims_for = [&](const PieceData& qd, const PieceData& kd) {
    rc::AttnDims dims;
    dims.batch = c.batch;
    dims.heads = c.heads;
    dims.kv_heads = c.kv_heads;
    dims.head_dim = c.dim;
    dims.q_len = qd.len;
    dims.kv_len = kd.len;
    dims.scale = static_cast<float>(scale);
    return dims;
  };
  // At step t, device i holds the key/value shard that started on device (i - t) mod N.
  auto for_each_pair = [&](auto&& fn) {
    for (size_t qp = 0; qp < np; ++qp)
      for (int t = 0; t < c.devices; ++t) {
        const int src = (pieces[qp].device - t + c.devices) % c.devices;
        for (size_t kp = 0; kp < np; ++kp)
          if (pieces[kp].device == src) fn(qp, kp, t);
      }
  };

  // Forward ring: per pair a block forward into scratch, merged into the piece's accumulator;
  // the last merge also writes bf16 O.
  std::vector<int> merges_left(np, 0);
  for_each_pair([&](size_t qp, size_t, int) { ++merges_left[qp]; });
  std::vector<bool> first(np, true);
  for_each_pair([&](size_t qp, size_t kp, int) {
    PieceData& qd = pd[qp];
    const PieceData& kd = pd[kp];
    Bf16Buffer o_blk(int64_t{c.batch} * c.heads * qd.len * c.dim);
    F32Buffer lse_blk(int64_t{c.batch} * c.heads * qd.len);
    o_blk.Poison();
    lse_blk.Poison();
    rc::FwdArgs a;
    a.dims = dims_for(qd, kd);
    a.mask = PieceMask(c, pieces[qp], pieces[kp]);
    a.q = Const(qd.q.view);
    a.k = Const(kd.k.view);
    a.v = Const(kd.v.view);
    a.o = rc::Contiguous(o_blk.get(), c.heads, qd.len, c.dim);
    a.lse = rc::Contiguous(lse_blk.get(), c.heads, qd.len, 1);
    a.variant = c.variant;
    RINGSIM_CUDA_CHECK(rc::AttentionForward(a, nullptr));
    rc::MergeArgs m;
    m.rows = c.batch * c.heads * qd.len;
    m.head_dim = c.dim;
    m.first = first[qp];
    m.o_blk = o_blk.get();
    m.lse_blk = lse_blk.get();
    m.o_acc = qd.o_acc.get();
    m.lse_acc = qd.lse_acc.get();
    m.out = --merges_left[qp] == 0 ? qd.out.get() : nullptr;
    RINGSIM_CUDA_CHECK(rc::AttentionMerge(m, nullptr));
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());  // o_blk, lse_blk go out of scope
    first[qp] = false;
  });

  // Backward ring: D and LSE log2 once per query piece, then every pair adds into dQ of its
  // query piece and dK, dV of its key/value piece (which travel with K, V in a real ring).
  for (size_t p = 0; p < np; ++p) {
    rc::BwdPreprocessArgs pre;
    pre.dims = dims_for(pd[p], pd[p]);
    pre.o = rc::Contiguous(static_cast<const __nv_bfloat16*>(pd[p].out.get()), c.heads, pd[p].len,
                           c.dim);
    pre.d_o = Const(pd[p].d_o.view);
    pre.lse = rc::Contiguous(static_cast<const float*>(pd[p].lse_acc.get()), c.heads, pd[p].len, 1);
    pre.delta = pd[p].delta.get();
    pre.lse_log2 = pd[p].lse_log2.get();
    RINGSIM_CUDA_CHECK(rc::AttentionBwdPreprocess(pre, nullptr));
  }
  for_each_pair([&](size_t qp, size_t kp, int) {
    PieceData& qd = pd[qp];
    PieceData& kd = pd[kp];
    rc::BwdArgs b;
    b.dims = dims_for(qd, kd);
    b.mask = PieceMask(c, pieces[qp], pieces[kp]);
    b.q = Const(qd.q.view);
    b.k = Const(kd.k.view);
    b.v = Const(kd.v.view);
    b.d_o = Const(qd.d_o.view);
    b.delta = qd.delta.get();
    b.lse_log2 = qd.lse_log2.get();
    b.dq_acc = rc::Contiguous(qd.dq.get(), c.heads, qd.len, c.dim);
    b.dk_acc = rc::Contiguous(kd.dk.get(), c.kv_heads, kd.len, c.dim);
    b.dv_acc = rc::Contiguous(kd.dv.get(), c.kv_heads, kd.len, c.dim);
    b.accumulate = true;
    RINGSIM_CUDA_CHECK(rc::AttentionBackward(b, nullptr));
  });
  for (PieceData& d : pd) {
    RINGSIM_CUDA_CHECK(rc::ConvertToBf16(d.dq.get(), d.dq_bf16.get(), d.dq.size(), nullptr));
    RINGSIM_CUDA_CHECK(rc::ConvertToBf16(d.dk.get(), d.dk_bf16.get(), d.dk.size(), nullptr));
    RINGSIM_CUDA_CHECK(rc::ConvertToBf16(d.dv.get(), d.dv_bf16.get(), d.dv.size(), nullptr));
  }
  RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());

  // Back to global token order.
  auto gather_bf16 = [&](Bf16Buffer PieceData::*member, int heads, int dim) {
    ref::Tensor all(c.batch, heads, c.seq, dim);
    for (size_t p = 0; p < np; ++p) {
      ref::Tensor part(c.batch, heads, pd[p].len, dim);
      const std::vector<float> host = DownloadBf16(pd[p].*member);
      part.data.assign(host.begin(), host.end());
      ref::ScatterRows(all, pieces[p].pos, part);
    }
    return all;
  };
  auto gather_f32 = [&](F32Buffer PieceData::*member, int heads, int dim) {
    ref::Tensor all(c.batch, heads, c.seq, dim);
    for (size_t p = 0; p < np; ++p) {
      ref::Tensor part(c.batch, heads, pd[p].len, dim);
      const std::vector<float> host = DownloadF32(pd[p].*member);
      part.data.assign(host.begin(), host.end());
      ref::ScatterRows(all, pieces[p].pos, part);
    }
    return all;
  };
  auto as_float = [](const ref::Tensor& t) {
    return std::vector<float>(t.data.begin(), t.data.end());
  };

  char label[160];
  std::snprintf(label, sizeof label, "%s[%s] N=%d b%d h%d/%d d%d s%d%s", LayoutName(c.layout),
                rc::FwdVariantName(c.variant), c.devices, c.batch, c.heads, c.kv_heads, c.dim,
                c.seq, c.causal ? " causal" : "");
  const std::string tag = std::string("ring ") + label;
  tally.Record(tag + " O",
               Compare(as_float(gather_bf16(&PieceData::out, c.heads, c.dim)), want.out.data));
  tally.Record(tag + " LSE",
               Compare(as_float(gather_f32(&PieceData::lse_acc, c.heads, 1)), want.lse.data));
  tally.Record(tag + " dQ", Compare(as_float(gather_bf16(&PieceData::dq_bf16, c.heads, c.dim)),
                                    want_grads.dq.data));
  tally.Record(tag + " dK", Compare(as_float(gather_bf16(&PieceData::dk_bf16, c.kv_heads, c.dim)),
                                    want_grads.dk.data));
  tally.Record(tag + " dV", Compare(as_float(gather_bf16(&PieceData::dv_bf16, c.kv_heads, c.dim)),
                                    want_grads.dv.data));
}

// ---------------------------------------------------------------------------------------------

using Options = rc::AttentionCheckOptions;

int Run(const Options& opt) {
  int device = 0;
  RINGSIM_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop;
  RINGSIM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  if (prop.major < 8) {
    std::printf("SKIP: no CUDA device (%s is compute capability %d.%d; the kernels need 8.0+)\n",
                prop.name, prop.major, prop.minor);
    return 0;
  }
  int driver = 0, runtime = 0;
  RINGSIM_CUDA_CHECK(cudaDriverGetVersion(&driver));
  RINGSIM_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  const uint64_t seed = opt.seed_given ? opt.seed : std::random_device{}();
  std::printf("attention_check: %s (sm_%d%d, %d SMs), driver %d, runtime %d, seed %llu, tol %g\n",
              prop.name, prop.major, prop.minor, prop.multiProcessorCount, driver, runtime,
              static_cast<unsigned long long>(seed), opt.tol);
  std::mt19937_64 rng(seed);
  Tally tally;
  tally.tol = opt.tol;
  std::vector<rc::FwdVariant> variants;
  for (rc::FwdVariant v : rc::kFwdVariants) {
    if (!opt.variants.empty() && std::find(opt.variants.begin(), opt.variants.end(),
                                           rc::FwdVariantName(v)) == opt.variants.end())
      continue;
    if (rc::FwdVariantSupported(v))
      variants.push_back(v);
    else
      std::printf(
          "SKIP  fwd[%s]: not supported on this device with this build (wgmma needs an "
          "sm_90 device and sm_90a code)\n",
          rc::FwdVariantName(v));
  }

  // name, batch, heads, kv_heads, dim, q_len, kv_len, causal, q_offset, kv_offset, pad, q_scale
  const std::vector<PairCase> pairs = {
      {"full", 1, 2, 2, 64, 128, 128, false, 0, 0, 0, 1.0},
      {"full", 1, 2, 2, 128, 128, 192, false, 0, 0, 0, 1.0},
      {"gqa-ragged", 2, 4, 1, 128, 200, 333, false, 0, 0, 0, 1.0},
      {"gqa-ragged", 1, 6, 2, 64, 77, 130, false, 0, 0, 0, 1.0},
      {"diagonal", 1, 4, 2, 128, 256, 256, true, 0, 0, 0, 1.0},
      {"diagonal-ragged", 2, 2, 2, 64, 190, 190, true, 0, 0, 0, 1.0},
      {"offset-causal", 1, 4, 2, 64, 130, 77, true, 500, 480, 0, 1.0},
      {"offset-causal", 1, 2, 1, 128, 100, 300, true, 1000, 800, 0, 1.0},
      {"fully-masked", 1, 2, 2, 128, 64, 64, true, 0, 1000, 0, 1.0},
      {"single-row", 1, 2, 2, 128, 1, 1000, true, 999, 0, 0, 1.0},
      {"peaky-softmax", 1, 2, 2, 128, 160, 640, false, 0, 0, 0, 4.0},
      {"strided-views", 2, 2, 1, 128, 192, 150, true, 64, 0, 24, 1.0},
      {"strided-views", 1, 2, 2, 64, 65, 129, false, 0, 0, 8, 1.0},
  };
  const std::vector<PairCase> big_pairs = {
      {"long", 1, 2, 2, 128, 1024, 1024, true, 1024, 0, 0, 1.0},
      {"long-diagonal", 1, 2, 1, 128, 1000, 1000, true, 0, 0, 0, 2.0},
  };
  if (variants.empty()) {
    std::printf("attention_check: none of the requested forward variants runs here\n");
    return 0;
  }
  for (const PairCase& c : pairs) CheckPair(c, variants, !opt.fwd_only, rng, tally);
  if (!opt.quick)
    for (const PairCase& c : big_pairs) CheckPair(c, variants, !opt.fwd_only, rng, tally);

  // layout, batch, heads, kv_heads, dim, devices, seq, causal (the forward variant rotates)
  std::vector<RingCase> rings = {
      {Layout::kContiguous, 1, 4, 2, 128, 4, 1024, true, {}},
      {Layout::kContiguous, 1, 2, 2, 64, 3, 300, false, {}},
      {Layout::kStriped, 1, 2, 1, 64, 4, 512, true, {}},
      {Layout::kZigzag, 1, 2, 1, 128, 4, 400, true, {}},
  };
  if (opt.quick) rings.resize(2);
  for (size_t i = 0; i < rings.size(); ++i) {
    rings[i].variant = variants[variants.size() - 1 - i % variants.size()];
    CheckRing(rings[i], rng, tally);
  }

  std::printf("attention_check: %d checks, %d failed (seed %llu)\n", tally.checks, tally.failed,
              static_cast<unsigned long long>(seed));
  return tally.failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (const std::optional<int> exit =
          rc::ParseAttentionCheckOptions(argc, argv, &opt, std::cout, std::cerr))
    return *exit;
  return rc::RunOnDevice("attention_check", 0, [&] { return Run(opt); });
}
