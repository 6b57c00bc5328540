// The kernels' shared-memory layout and ldmatrix addressing, checked on the CPU: a small
// emulator of ldmatrix.x4 (with and without .trans) and mma.m16n8k16 runs the kernels' operand
// loads over tiles placed the way LoadTileAsync places them, and the products must equal the
// plain matrix products. It also checks that every ldmatrix phase and every 32-bit store of the
// epilogues is free of shared-memory bank conflicts, and that the wgmma kernel's descriptors
// address the intended elements of its panelled tiles.

#include "calibrate/kernels/fragment_layout.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace ringsim::calibrate::detail {
namespace {

using Reg = std::array<float, 2>;  // a b16x2 register: {low half, high half}
using Frag = std::array<Reg, 4>;   // an ldmatrix.x4 result / an A fragment
using WarpFrag = std::array<Frag, 32>;
using Acc = std::array<std::array<float, 4>, 32>;  // one m16n8 fp32 accumulator tile
using Matrix = std::vector<std::vector<float>>;

Matrix RandomMatrix(int rows, int cols, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(-4, 4);  // small integers: float sums stay exact
  Matrix m(rows, std::vector<float>(cols));
  for (auto& r : m)
    for (float& x : r) x = static_cast<float>(dist(rng));
  return m;
}

/// Shared memory as b16 slots holding floats (NaN = never written).
struct Smem {
  explicit Smem(std::uint32_t bytes) : v(bytes / 2, std::nanf("")) {}
  float& at(std::uint32_t byte) { return v.at(byte / 2); }
  float at(std::uint32_t byte) const { return v.at(byte / 2); }
  std::vector<float> v;
};

/// Places a tile exactly as LoadTileAsync<rows, kCols, kThreads> does: thread tid copies 16
/// bytes to smem + SwizzledOffset(row, chunk) + i * step * kCols * 2.
template <int kCols, int kThreads>
void StoreTile(Smem& s, std::uint32_t base, const Matrix& m) {
  constexpr int kStep = TileCopyRowStep<kCols, kThreads>();
  const int rows = static_cast<int>(m.size());
  ASSERT_EQ(rows % kStep, 0);
  std::set<std::uint32_t> written;
  for (int tid = 0; tid < kThreads; ++tid) {
    const int row0 = tid / (kCols / 8), chunk = tid % (kCols / 8);
    const std::uint32_t dst = base + SwizzledOffset<kCols>(row0, chunk);
    for (int i = 0; i < rows / kStep; ++i) {
      const int row = row0 + i * kStep;
      const std::uint32_t addr = dst + i * kStep * kCols * 2;
      ASSERT_EQ(addr, base + SwizzledOffset<kCols>(row, chunk));  // base + immediate is exact
      ASSERT_TRUE(written.insert(addr).second) << "slot written twice";
      for (int e = 0; e < 8; ++e) s.at(addr + 2 * e) = m[row][chunk * 8 + e];
    }
  }
  EXPECT_EQ(written.size(), static_cast<size_t>(rows * kCols / 8));
}

/// ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16 with per-lane row addresses; also checks
/// that each matrix's eight rows fall in eight different 16-byte bank groups.
WarpFrag Ldmatrix4(const Smem& s, const std::array<std::uint32_t, 32>& addr, bool trans) {
  WarpFrag out{};
  for (int m = 0; m < 4; ++m) {
    float mat[8][8];
    std::set<std::uint32_t> groups;
    for (int r = 0; r < 8; ++r) {
      const std::uint32_t a = addr[8 * m + r];
      EXPECT_EQ(a % 16, 0u);
      groups.insert((a / 16) % 8);
      for (int c = 0; c < 8; ++c) mat[r][c] = s.at(a + 2 * c);
    }
    EXPECT_EQ(groups.size(), 8u) << "bank conflict in matrix " << m;
    for (int lane = 0; lane < 32; ++lane) {
      const int i = lane / 4, j = 2 * (lane % 4);
      out[lane][m] = trans ? Reg{mat[j][i], mat[j + 1][i]} : Reg{mat[i][j], mat[i][j + 1]};
    }
  }
  return out;
}

/// d += a * b for one m16n8k16 MMA; b0, b1 are each lane's two B registers.
void Mma(Acc& d, const WarpFrag& a, const std::array<Reg, 32>& b0, const std::array<Reg, 32>& b1) {
  float A[16][16], B[16][8];
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane / 4, t = lane % 4;
    for (int h = 0; h < 2; ++h) {
      A[g][2 * t + h] = a[lane][0][h];
      A[g + 8][2 * t + h] = a[lane][1][h];
      A[g][2 * t + 8 + h] = a[lane][2][h];
      A[g + 8][2 * t + 8 + h] = a[lane][3][h];
      B[2 * t + h][g] = b0[lane][h];
      B[2 * t + 8 + h][g] = b1[lane][h];
    }
  }
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane / 4, t = lane % 4;
    for (int e = 0; e < 4; ++e) {
      const int row = g + 8 * (e / 2), col = 2 * t + e % 2;
      for (int k = 0; k < 16; ++k) d[lane][e] += A[row][k] * B[k][col];
    }
  }
}

/// B registers of n8 tile `which` (0 or 1) from an x4 load.
std::array<Reg, 32> BReg(const WarpFrag& f, int which, int reg) {
  std::array<Reg, 32> r;
  for (int lane = 0; lane < 32; ++lane) r[lane] = f[lane][2 * which + reg];
  return r;
}

/// The kernels' AccToA: two accumulator tiles (16 columns) as an A fragment.
WarpFrag AccToA(const Acc& lo, const Acc& hi) {
  WarpFrag a;
  for (int lane = 0; lane < 32; ++lane)
    a[lane] = {Reg{lo[lane][0], lo[lane][1]}, Reg{lo[lane][2], lo[lane][3]},
               Reg{hi[lane][0], hi[lane][1]}, Reg{hi[lane][2], hi[lane][3]}};
  return a;
}

template <typename Fn>
std::array<std::uint32_t, 32> Lanes(Fn&& fn) {
  std::array<std::uint32_t, 32> a;
  for (int lane = 0; lane < 32; ++lane) a[lane] = fn(lane);
  return a;
}

/// Value of accumulator element e of `lane` in a tile whose row 0 is `row0` and column 0 `col0`.
int AccRow(int row0, int lane, int e) { return row0 + lane / 4 + 8 * (e / 2); }
int AccCol(int col0, int lane, int e) { return col0 + 2 * (lane % 4) + e % 2; }

TEST(FragmentLayoutTest, FragAddrMatchesFragAddrAt) {
  for (int lane = 0; lane < 32; ++lane) {
    const FragAddr<128, LanePattern::kRowsThenChunks> a(lane);
    const FragAddr<64, LanePattern::kChunksThenRows> b(lane);
    for (int r0 = 0; r0 < 128; r0 += 8)
      for (int c0 = 0; c0 < 16; c0 += 2) {
        EXPECT_EQ(a(4096, r0, c0),
                  (FragAddrAt<128, LanePattern::kRowsThenChunks>(4096, r0, c0, lane)));
        if (c0 < 8) {
          EXPECT_EQ(b(0, r0, c0), (FragAddrAt<64, LanePattern::kChunksThenRows>(0, r0, c0, lane)));
        }
      }
  }
}

TEST(FragmentLayoutTest, SwizzleIsABijectionPerRow) {
  for (int row = 0; row < 16; ++row) {
    std::set<std::uint32_t> s64, s32;
    for (int c = 0; c < 8; ++c) s64.insert(SwizzledOffset<64>(row, c));
    for (int c = 0; c < 4; ++c) s32.insert(SwizzledOffset<32>(row, c));
    EXPECT_EQ(s64.size(), 8u);
    EXPECT_EQ(*s64.rbegin() - *s64.begin(), 112u);  // stays inside the row's 128 bytes
    EXPECT_EQ(s32.size(), 4u);
    EXPECT_EQ(*s32.rbegin() - *s32.begin(), 48u);
  }
}

// The forward kernel's warp: S = Q K^T over its rows, then O = P V with P taken straight from
// the S accumulators; head dim 128, 64-key tiles, a warp with two m16 tiles (kWarp32Rows).
TEST(FragmentLayoutTest, ForwardWarpProducts) {
  constexpr int kD = 128, kBlockM = 128, kBlockN = 64, kThreads = 128;
  std::mt19937 rng(1);
  const Matrix q = RandomMatrix(kBlockM, kD, rng), k = RandomMatrix(kBlockN, kD, rng),
               v = RandomMatrix(kBlockN, kD, rng);
  const std::uint32_t s_q = 0, s_k = kBlockM * kD * 2, s_v = s_k + kBlockN * kD * 2;
  Smem s(s_v + kBlockN * kD * 2);
  StoreTile<kD, kThreads>(s, s_q, q);
  StoreTile<kD, kThreads>(s, s_k, k);
  StoreTile<kD, kThreads>(s, s_v, v);

  const int warp_row0 = 32;  // warp 1 of 4
  std::array<std::array<Acc, kBlockN / 8>, 2> acc_s{};
  for (int kk = 0; kk < kD / 16; ++kk) {
    WarpFrag qa[2];
    for (int mt = 0; mt < 2; ++mt)
      qa[mt] = Ldmatrix4(s, Lanes([&](int l) {
                           return FragAddr<kD, LanePattern::kRowsThenChunks>(l)(
                               s_q, warp_row0 + 16 * mt, 2 * kk);
                         }),
                         false);
    for (int np = 0; np < kBlockN / 16; ++np) {
      const WarpFrag kb =
          Ldmatrix4(s, Lanes([&](int l) {
                      return FragAddr<kD, LanePattern::kChunksThenRows>(l)(s_k, 16 * np, 2 * kk);
                    }),
                    false);
      for (int mt = 0; mt < 2; ++mt) {
        Mma(acc_s[mt][2 * np], qa[mt], BReg(kb, 0, 0), BReg(kb, 0, 1));
        Mma(acc_s[mt][2 * np + 1], qa[mt], BReg(kb, 1, 0), BReg(kb, 1, 1));
      }
    }
  }
  for (int mt = 0; mt < 2; ++mt)
    for (int nt = 0; nt < kBlockN / 8; ++nt)
      for (int lane = 0; lane < 32; ++lane)
        for (int e = 0; e < 4; ++e) {
          const int row = AccRow(warp_row0 + 16 * mt, lane, e), col = AccCol(8 * nt, lane, e);
          float want = 0;
          for (int d = 0; d < kD; ++d) want += q[row][d] * k[col][d];
          ASSERT_EQ(acc_s[mt][nt][lane][e], want) << mt << " " << nt << " " << lane << " " << e;
        }

  std::array<std::array<Acc, kD / 8>, 2> acc_o{};
  for (int kk = 0; kk < kBlockN / 16; ++kk) {
    WarpFrag pa[2];
    for (int mt = 0; mt < 2; ++mt) pa[mt] = AccToA(acc_s[mt][2 * kk], acc_s[mt][2 * kk + 1]);
    for (int dp = 0; dp < kD / 16; ++dp) {
      const WarpFrag vb =
          Ldmatrix4(s, Lanes([&](int l) {
                      return FragAddr<kD, LanePattern::kRowsThenChunks>(l)(s_v, 16 * kk, 2 * dp);
                    }),
                    true);
      for (int mt = 0; mt < 2; ++mt) {
        Mma(acc_o[mt][2 * dp], pa[mt], BReg(vb, 0, 0), BReg(vb, 0, 1));
        Mma(acc_o[mt][2 * dp + 1], pa[mt], BReg(vb, 1, 0), BReg(vb, 1, 1));
      }
    }
  }
  for (int mt = 0; mt < 2; ++mt)
    for (int dt = 0; dt < kD / 8; ++dt)
      for (int lane = 0; lane < 32; ++lane)
        for (int e = 0; e < 4; ++e) {
          const int row = AccRow(warp_row0 + 16 * mt, lane, e), col = AccCol(8 * dt, lane, e);
          float want = 0;
          for (int j = 0; j < kBlockN; ++j) {
            float sj = 0;
            for (int d = 0; d < kD; ++d) sj += q[row][d] * k[j][d];
            want += sj * v[j][col];
          }
          ASSERT_EQ(acc_o[mt][dt][lane][e], want);
        }

  // Epilogue: each lane stores bf16x2 pairs at SwizzledOffset(row, dt) + 4 t into the Q tile;
  // the 16-byte reads by (row, chunk) must then give the rows of O in order, and each store
  // instruction (fixed mt, r, dt) must be free of bank conflicts.
  Smem out(kBlockM * kD * 2);
  for (int mt = 0; mt < 2; ++mt)
    for (int r = 0; r < 2; ++r)
      for (int dt = 0; dt < kD / 8; ++dt) {
        std::set<std::uint32_t> banks;
        for (int lane = 0; lane < 32; ++lane) {
          const int row = warp_row0 + 16 * mt + lane / 4 + 8 * r;
          const std::uint32_t addr = SwizzledOffset<kD>(row, dt) + 4 * (lane % 4);
          banks.insert((addr / 4) % 32);
          out.at(addr) = acc_o[mt][dt][lane][2 * r];
          out.at(addr + 2) = acc_o[mt][dt][lane][2 * r + 1];
        }
        EXPECT_EQ(banks.size(), 32u);
      }
  for (int row = warp_row0; row < warp_row0 + 32; ++row)
    for (int chunk = 0; chunk < kD / 8; ++chunk)
      for (int e = 0; e < 8; ++e) {
        float want = 0;
        for (int j = 0; j < kBlockN; ++j) {
          float sj = 0;
          for (int d = 0; d < kD; ++d) sj += q[row][d] * k[j][d];
          want += sj * v[j][chunk * 8 + e];
        }
        ASSERT_EQ(out.at(SwizzledOffset<kD>(row, chunk) + 2 * e), want);
      }
}

// The backward kernel's warp (16 keys of a 128-key tile, 64-query tiles, head dim 128):
// S^T = K Q^T, dV += P^T dO, dK += dS^T Q, dS^T through shared memory, and the dQ = dS K
// split (warp -> 16 query rows x 64 columns).
TEST(FragmentLayoutTest, BackwardWarpProducts) {
  constexpr int kD = 128, kBlockM = 64, kBlockN = 128, kThreads = 256, kWarps = 8;
  std::mt19937 rng(2);
  const Matrix k = RandomMatrix(kBlockN, kD, rng), q = RandomMatrix(kBlockM, kD, rng),
               d_o = RandomMatrix(kBlockM, kD, rng);
  const std::uint32_t s_k = 0, s_q = kBlockN * kD * 2, s_do = s_q + kBlockM * kD * 2,
                      s_ds = s_do + kBlockM * kD * 2;
  Smem s(s_ds + kBlockN * kBlockM * 2);
  StoreTile<kD, kThreads>(s, s_k, k);
  StoreTile<kD, kThreads>(s, s_q, q);
  StoreTile<kD, kThreads>(s, s_do, d_o);

  // Every warp writes its dS^T rows (here dS^T = S^T, which is what the layout sees).
  Matrix st_all(kBlockN, std::vector<float>(kBlockM));
  for (int warp = 0; warp < kWarps; ++warp) {
    std::array<Acc, kBlockM / 8> st{};
    for (int kk = 0; kk < kD / 16; ++kk) {
      const WarpFrag ka =
          Ldmatrix4(s, Lanes([&](int l) {
                      return FragAddr<kD, LanePattern::kRowsThenChunks>(l)(s_k, 16 * warp, 2 * kk);
                    }),
                    false);
      for (int np = 0; np < kBlockM / 16; ++np) {
        const WarpFrag qb =
            Ldmatrix4(s, Lanes([&](int l) {
                        return FragAddr<kD, LanePattern::kChunksThenRows>(l)(s_q, 16 * np, 2 * kk);
                      }),
                      false);
        Mma(st[2 * np], ka, BReg(qb, 0, 0), BReg(qb, 0, 1));
        Mma(st[2 * np + 1], ka, BReg(qb, 1, 0), BReg(qb, 1, 1));
      }
    }
    for (int nt = 0; nt < kBlockM / 8; ++nt)
      for (int lane = 0; lane < 32; ++lane)
        for (int e = 0; e < 4; ++e) {
          const int kr = AccRow(16 * warp, lane, e), qc = AccCol(8 * nt, lane, e);
          float want = 0;
          for (int d = 0; d < kD; ++d) want += k[kr][d] * q[qc][d];
          ASSERT_EQ(st[nt][lane][e], want);
          st_all[kr][qc] = want;
        }

    // dV = P^T dO (P^T = S^T here) and dK = dS^T Q: A from the accumulators, B (.trans) from
    // the query-major dO and Q tiles.
    for (const Matrix* rhs : {&d_o, &q}) {
      const std::uint32_t base = rhs == &d_o ? s_do : s_q;
      std::array<Acc, kD / 8> acc{};
      for (int kk = 0; kk < kBlockM / 16; ++kk) {
        const WarpFrag pa = AccToA(st[2 * kk], st[2 * kk + 1]);
        for (int dp = 0; dp < kD / 16; ++dp) {
          const WarpFrag b = Ldmatrix4(s, Lanes([&](int l) {
                                         return FragAddr<kD, LanePattern::kRowsThenChunks>(l)(
                                             base, 16 * kk, 2 * dp);
                                       }),
                                       true);
          Mma(acc[2 * dp], pa, BReg(b, 0, 0), BReg(b, 0, 1));
          Mma(acc[2 * dp + 1], pa, BReg(b, 1, 0), BReg(b, 1, 1));
        }
      }
      for (int dt = 0; dt < kD / 8; ++dt)
        for (int lane = 0; lane < 32; ++lane)
          for (int e = 0; e < 4; ++e) {
            const int kr = AccRow(16 * warp, lane, e), col = AccCol(8 * dt, lane, e);
            float want = 0;
            for (int j = 0; j < kBlockM; ++j) want += st_all[kr][j] * (*rhs)[j][col];
            ASSERT_EQ(acc[dt][lane][e], want);
          }
    }

    // dS^T -> shared memory, as the kernel stores it (four 32-bit stores per k-step).
    for (int kk = 0; kk < kBlockM / 16; ++kk) {
      const WarpFrag sa = AccToA(st[2 * kk], st[2 * kk + 1]);
      for (int reg = 0; reg < 4; ++reg) {
        std::set<std::uint32_t> banks;
        for (int lane = 0; lane < 32; ++lane) {
          const int row = 16 * warp + lane / 4 + 8 * (reg % 2);
          const std::uint32_t addr =
              s_ds + SwizzledOffset<kBlockM>(row, 2 * kk + reg / 2) + 4 * (lane % 4);
          banks.insert((addr / 4) % 32);
          s.at(addr) = sa[lane][reg][0];
          s.at(addr + 2) = sa[lane][reg][1];
        }
        EXPECT_EQ(banks.size(), 32u);
      }
    }
  }

  // dQ = dS K: warp w -> query rows 16 (w % 4), columns 64 (w / 4).
  for (int warp = 0; warp < kWarps; ++warp) {
    const int qr0 = 16 * (warp % 4), dc0 = 64 * (warp / 4);
    std::array<Acc, 8> dq{};
    for (int kk = 0; kk < kBlockN / 16; ++kk) {
      const WarpFrag sa = Ldmatrix4(s, Lanes([&](int l) {
                                      return FragAddrAt<kBlockM, LanePattern::kChunksThenRows>(
                                                 s_ds, 0, qr0 / 8, l) +
                                             16 * kk * kBlockM * 2;
                                    }),
                                    true);
      for (int dp = 0; dp < 4; ++dp) {
        const WarpFrag kb = Ldmatrix4(s, Lanes([&](int l) {
                                        return FragAddrAt<kD, LanePattern::kRowsThenChunks>(
                                                   s_k, 0, dc0 / 8 + 2 * dp, l) +
                                               16 * kk * kD * 2;
                                      }),
                                      true);
        Mma(dq[2 * dp], sa, BReg(kb, 0, 0), BReg(kb, 0, 1));
        Mma(dq[2 * dp + 1], sa, BReg(kb, 1, 0), BReg(kb, 1, 1));
      }
    }
    for (int nt = 0; nt < 8; ++nt)
      for (int lane = 0; lane < 32; ++lane)
        for (int e = 0; e < 4; ++e) {
          const int qr = AccRow(qr0, lane, e), col = AccCol(dc0 + 8 * nt, lane, e);
          float want = 0;
          for (int j = 0; j < kBlockN; ++j) want += st_all[j][qr] * k[j][col];
          ASSERT_EQ(dq[nt][lane][e], want) << warp << " " << nt << " " << lane << " " << e;
        }
  }
}

// ---------------------------------------------------------------------------------------------
// wgmma operands. The model of the hardware here is the PTX ISA's 128-byte-swizzle canonical
// layouts: through a descriptor (start, LBO, SBO), a K-major operand's element (mn, k) of a
// 16-wide K slice is at start + (mn / 8) SBO + (mn % 8) 128 + 2 k, an N-major operand's element
// (k, n) at start + (n / 64) LBO + (k / 8) SBO + (k % 8) 128 + 2 (n % 64); then bits 4-6 of
// the address are XORed with bits 7-9. The test places tiles the way the wgmma kernel's
// cp.async loop does and checks that every descriptor the kernel builds reads the intended
// matrix elements.

std::uint32_t Swizzle128(std::uint32_t addr) { return addr ^ (((addr >> 7) & 7) << 4); }

struct DecodedDesc {
  std::uint32_t start, lbo, sbo;
  int swizzle;
};

DecodedDesc Decode(std::uint64_t desc) {
  return {static_cast<std::uint32_t>(desc & 0x3FFF) << 4,
          static_cast<std::uint32_t>((desc >> 16) & 0x3FFF) << 4,
          static_cast<std::uint32_t>((desc >> 32) & 0x3FFF) << 4, static_cast<int>(desc >> 62)};
}

float KMajorElement(const Smem& s, std::uint64_t desc, int mn, int k) {
  const DecodedDesc d = Decode(desc);
  EXPECT_EQ(d.swizzle, 1);
  return s.at(Swizzle128(d.start + (mn / 8) * d.sbo + (mn % 8) * 128 + 2 * k));
}

float NMajorElement(const Smem& s, std::uint64_t desc, int k, int n) {
  const DecodedDesc d = Decode(desc);
  EXPECT_EQ(d.swizzle, 1);
  return s.at(
      Swizzle128(d.start + (n / 64) * d.lbo + (k / 8) * d.sbo + (k % 8) * 128 + 2 * (n % 64)));
}

/// Places a tile as the wgmma kernel's LoadPanelTileAsync<rows, kCols, kThreads> does.
template <int kRows, int kCols, int kThreads>
void StorePanelTile(Smem& s, std::uint32_t base, const Matrix& m) {
  constexpr int kStep = TileCopyRowStep<kCols, kThreads>();
  std::set<std::uint32_t> written;
  for (int tid = 0; tid < kThreads; ++tid) {
    const int row0 = tid / (kCols / 8), chunk = tid % (kCols / 8);
    const std::uint32_t dst = base + PanelOffset<kRows>(row0, chunk);
    for (int i = 0; i < kRows / kStep; ++i) {
      const int row = row0 + i * kStep;
      const std::uint32_t addr = dst + i * kStep * 128;
      ASSERT_EQ(addr, base + PanelOffset<kRows>(row, chunk));
      ASSERT_TRUE(written.insert(addr).second);
      for (int e = 0; e < 8; ++e) s.at(addr + 2 * e) = m[row][chunk * 8 + e];
    }
  }
  EXPECT_EQ(written.size(), static_cast<size_t>(kRows * kCols / 8));
}

template <int kD>
void CheckWgmmaOperands() {
  constexpr int kBlockM = 128, kBlockN = 128, kThreads = 256;
  std::mt19937 rng(3);
  const Matrix q = RandomMatrix(kBlockM, kD, rng), k = RandomMatrix(kBlockN, kD, rng),
               v = RandomMatrix(kBlockN, kD, rng);
  // 1024-aligned bases with the kernel's spacing (Q, then two K and two V buffers).
  const std::uint32_t s_q = 1024, s_k = s_q + kBlockM * kD * 2,
                      k_buf = s_k + kBlockN * kD * 2,  // buffer 1
      s_v = s_k + 2 * kBlockN * kD * 2, v_buf = s_v + kBlockN * kD * 2;
  Smem s(v_buf + kBlockN * kD * 2);
  StorePanelTile<kBlockM, kD, kThreads>(s, s_q, q);
  StorePanelTile<kBlockN, kD, kThreads>(s, k_buf, k);
  StorePanelTile<kBlockN, kD, kThreads>(s, v_buf, v);
  for (int wg = 0; wg < 2; ++wg)
    for (int kk = 0; kk < kD / 16; ++kk) {
      const std::uint64_t dq =
          WgmmaDescriptor(KMajorSlice<kBlockM>(s_q, 64 * wg, kk), kWgmmaKMajorLbo, kWgmmaSbo);
      for (int m = 0; m < 64; ++m)
        for (int kx = 0; kx < 16; ++kx)
          ASSERT_EQ(KMajorElement(s, dq, m, kx), q[64 * wg + m][16 * kk + kx]) << wg << kk;
    }
  for (int kk = 0; kk < kD / 16; ++kk) {
    const std::uint64_t dk =
        WgmmaDescriptor(KMajorSlice<kBlockN>(k_buf, 0, kk), kWgmmaKMajorLbo, kWgmmaSbo);
    for (int n = 0; n < kBlockN; ++n)
      for (int kx = 0; kx < 16; ++kx) ASSERT_EQ(KMajorElement(s, dk, n, kx), k[n][16 * kk + kx]);
  }
  for (int kk = 0; kk < kBlockN / 16; ++kk) {
    const std::uint64_t dv = WgmmaDescriptor(NMajorSlice(v_buf, kk), kBlockN * 128, kWgmmaSbo);
    for (int kx = 0; kx < 16; ++kx)
      for (int n = 0; n < kD; ++n) ASSERT_EQ(NMajorElement(s, dv, kx, n), v[16 * kk + kx][n]);
  }
}

TEST(FragmentLayoutTest, WgmmaDescriptorsReadTheIntendedElements) {
  CheckWgmmaOperands<128>();
  CheckWgmmaOperands<64>();
}

TEST(FragmentLayoutTest, WgmmaDescriptorFields) {
  const std::uint64_t d = WgmmaDescriptor(0x12340, 16, 1024);
  EXPECT_EQ(d & 0x3FFF, 0x1234u);
  EXPECT_EQ((d >> 16) & 0x3FFF, 1u);
  EXPECT_EQ((d >> 32) & 0x3FFF, 64u);
  EXPECT_EQ(d >> 62, 1u);
  EXPECT_EQ((d >> 49) & 7, 0u);  // base offset: tiles are 1024-byte aligned
}

}  // namespace
}  // namespace ringsim::calibrate::detail
