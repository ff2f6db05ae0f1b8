// The notebook's batch-norm MLP training step in plain C loops: a peer for `npm run bench:e2e`.
// Forward, backward and SGD by hand over flat float32 buffers (llm.c style), nothing allocated
// in the loop. Leaves out: the notebook's data pipeline (it reads the train split the runner
// wrote) and PyTorch's random streams (its own generator: the same model, not the same numbers).
//
//   gcc -O3 -march=native -ffast-math -o mlp_step bench/peers/mlp_step.c -lm
//   ./mlp_step train.bin 20000      -> {"usPerStep": ..., "loss": ..., "steps": ..., "maxRSS": KB}
//
// train.bin: int32 n, int32 block_size (3), then X (n*3 int32, row-major), then Y (n int32).
// Shapes: B=32 batch, BS=3 context, E=10 embed, K=BS*E=30, H=200 hidden, V=27 vocab.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define B 32
#define BS 3
#define E 10
#define K (BS * E)
#define H 200
#define V 27
// NOTE: rows of V-wide arrays (W2, b2, logits and their gradients) are padded to VP = 32 floats
// so that the loops over them vectorise without tails; the padding stays zero.
#define VP 32

// Parameters in one block (so SGD is one loop), in the notebook's order; gradients alike.
#define N_C (V * E)
#define N_W1 (K * H)
#define N_W2 (H * VP)
#define NP (N_C + N_W1 + H + N_W2 + VP + H + H)
static float params[NP], grads[NP];
static float *C = params, *W1 = params + N_C, *b1 = params + N_C + N_W1, *W2 = params + N_C + N_W1 + H,
             *b2 = params + N_C + N_W1 + H + N_W2, *gain = params + N_C + N_W1 + H + N_W2 + VP,
             *bias = params + N_C + N_W1 + H + N_W2 + VP + H;
static float *dC = grads, *dW1 = grads + N_C, *db1 = grads + N_C + N_W1, *dW2 = grads + N_C + N_W1 + H,
             *db2 = grads + N_C + N_W1 + H + N_W2, *dgain = grads + N_C + N_W1 + H + N_W2 + VP,
             *dbias = grads + N_C + N_W1 + H + N_W2 + VP + H;
static float run_mean[H], run_std[H];

// Activations of one step.
static int xb[B * BS], yb[B];
static float emb[B * K], hpre[B * H], xhat[B * H], mean[H], istd[H], h[B * H], logits[B * VP];
static float dlogits[B * VP], dh[B * H], dhpre[B * H], demb[B * K], s1[H], s2[H];

// splitmix64: init and minibatch indices.
static uint64_t rng_state = 42;
static uint64_t next_u64(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double uniform(void) { return (next_u64() >> 11) * (1.0 / 9007199254740992.0); }
static float randn(void) { return (float)(sqrt(-2.0 * log(1.0 - uniform())) * cos(6.283185307179586 * uniform())); }

static float step(const int *X, const int *Y, int n, float lr) {
  for (int b = 0; b < B; b++) {
    int r = (int)(next_u64() % (uint64_t)n);
    for (int t = 0; t < BS; t++) xb[b * BS + t] = X[r * BS + t];
    yb[b] = Y[r];
  }
  // emb = C[Xb].view(B, K)
  for (int b = 0; b < B; b++)
    for (int t = 0; t < BS; t++) memcpy(emb + b * K + t * E, C + xb[b * BS + t] * E, E * sizeof(float));
  // hpre = emb @ W1 + b1   (B,K)·(K,H)
  for (int b = 0; b < B; b++) {
    float *o = hpre + b * H;
    for (int j = 0; j < H; j++) o[j] = b1[j];
    for (int k = 0; k < K; k++) {
      float a = emb[b * K + k];
      const float *w = W1 + k * H;
      for (int j = 0; j < H; j++) o[j] += a * w[j];
    }
  }
  // NOTE: the notebook's batch norm: unbiased batch std, no eps; running stats, momentum 0.001.
  for (int j = 0; j < H; j++) s1[j] = 0, s2[j] = 0;
  for (int b = 0; b < B; b++)
    for (int j = 0; j < H; j++) s1[j] += hpre[b * H + j];
  for (int j = 0; j < H; j++) mean[j] = s1[j] / B;
  for (int b = 0; b < B; b++)
    for (int j = 0; j < H; j++) { float d = hpre[b * H + j] - mean[j]; s2[j] += d * d; }
  for (int j = 0; j < H; j++) {
    float sd = sqrtf(s2[j] / (B - 1));
    istd[j] = 1.0f / sd;
    run_mean[j] = 0.999f * run_mean[j] + 0.001f * mean[j];
    run_std[j] = 0.999f * run_std[j] + 0.001f * sd;
  }
  for (int b = 0; b < B; b++)
    for (int j = 0; j < H; j++) {
      float x = (hpre[b * H + j] - mean[j]) * istd[j];
      xhat[b * H + j] = x;
      h[b * H + j] = tanhf(gain[j] * x + bias[j]);
    }
  // logits = h @ W2 + b2   (B,H)·(H,V)
  for (int b = 0; b < B; b++) {
    float *o = logits + b * VP;
    for (int v = 0; v < VP; v++) o[v] = b2[v];
    for (int j = 0; j < H; j++) {
      float a = h[b * H + j];
      const float *w = W2 + j * VP;
      for (int v = 0; v < VP; v++) o[v] += a * w[v];
    }
  }
  // cross-entropy (max-subtracted) and dlogits = (softmax - onehot) / B
  float loss = 0;
  for (int b = 0; b < B; b++) {
    const float *l = logits + b * VP;
    float mx = l[0];
    for (int v = 1; v < V; v++) mx = l[v] > mx ? l[v] : mx;
    float sum = 0;
    for (int v = 0; v < V; v++) sum += expf(l[v] - mx);
    float lse = mx + logf(sum);
    loss += lse - l[yb[b]];
    for (int v = 0; v < V; v++) dlogits[b * VP + v] = expf(l[v] - lse) / B;
    dlogits[b * VP + yb[b]] -= 1.0f / B;
  }
  loss /= B;

  // backward: dW2 = h^T dlogits, db2 = sum_b dlogits, dh = dlogits W2^T
  memset(grads, 0, sizeof grads);
  for (int b = 0; b < B; b++)
    for (int j = 0; j < H; j++) {
      float a = h[b * H + j];
      for (int v = 0; v < VP; v++) dW2[j * VP + v] += a * dlogits[b * VP + v];
    }
  for (int b = 0; b < B; b++)
    for (int v = 0; v < VP; v++) db2[v] += dlogits[b * VP + v];
  for (int b = 0; b < B; b++)
    for (int j = 0; j < H; j++) {
      float s = 0;
      for (int v = 0; v < VP; v++) s += dlogits[b * VP + v] * W2[j * VP + v];
      dh[b * H + j] = s;
    }
  // tanh and batch norm: dy = dh (1 - h^2); dxhat = gain dy;
  // dhpre = istd (dxhat - mean_b dxhat - xhat sum_b(dxhat xhat) / (B-1))   (unbiased std)
  for (int j = 0; j < H; j++) s1[j] = 0, s2[j] = 0;
  for (int b = 0; b < B; b++)
    for (int j = 0; j < H; j++) {
      float hv = h[b * H + j], dy = dh[b * H + j] * (1.0f - hv * hv), x = xhat[b * H + j];
      dgain[j] += dy * x;
      dbias[j] += dy;
      dh[b * H + j] = dy * gain[j];
      s1[j] += dy * gain[j];
      s2[j] += dy * gain[j] * x;
    }
  for (int b = 0; b < B; b++)
    for (int j = 0; j < H; j++) {
      float d = istd[j] * (dh[b * H + j] - s1[j] / B - xhat[b * H + j] * s2[j] / (B - 1));
      dhpre[b * H + j] = d;
      db1[j] += d;
    }
  // dW1 = emb^T dhpre, demb = dhpre W1^T, dC[Xb] += demb
  for (int b = 0; b < B; b++)
    for (int k = 0; k < K; k++) {
      float a = emb[b * K + k];
      for (int j = 0; j < H; j++) dW1[k * H + j] += a * dhpre[b * H + j];
    }
  for (int b = 0; b < B; b++)
    for (int k = 0; k < K; k++) {
      float s = 0;
      for (int j = 0; j < H; j++) s += dhpre[b * H + j] * W1[k * H + j];
      demb[b * K + k] = s;
    }
  for (int b = 0; b < B; b++)
    for (int t = 0; t < BS; t++)
      for (int e = 0; e < E; e++) dC[xb[b * BS + t] * E + e] += demb[b * K + t * E + e];
  // SGD over the one parameter block
  for (int i = 0; i < NP; i++) params[i] -= lr * grads[i];
  return loss;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s train.bin steps\n", argv[0]); return 2; }
  FILE *f = fopen(argv[1], "rb");
  int32_t hdr[2];
  if (!f || fread(hdr, 4, 2, f) != 2 || hdr[1] != BS) { fprintf(stderr, "mlp_step: cannot read %s (or block size is not %d)\n", argv[1], BS); return 1; }
  int n = hdr[0], steps = atoi(argv[2]);
  int *X = malloc((size_t)n * BS * 4), *Y = malloc((size_t)n * 4);
  if (fread(X, 4, (size_t)n * BS, f) != (size_t)n * BS || fread(Y, 4, n, f) != (size_t)n) { fprintf(stderr, "mlp_step: %s is truncated\n", argv[1]); return 1; }
  fclose(f);
  for (int i = 0; i < n; i++) if (Y[i] < 0 || Y[i] >= V) { fprintf(stderr, "mlp_step: vocabulary is not %d characters\n", V); return 1; }

  // The notebook's init: C, W1 * (5/3)/sqrt(K), b1 * 0.01, W2 * 0.01, b2 = 0, gain 1, bias 0.
  for (int i = 0; i < N_C; i++) C[i] = randn();
  for (int i = 0; i < N_W1; i++) W1[i] = randn() * (5.0f / 3.0f) / sqrtf((float)K);
  for (int i = 0; i < H; i++) b1[i] = randn() * 0.01f;
  for (int j = 0; j < H; j++)
    for (int v = 0; v < V; v++) W2[j * VP + v] = randn() * 0.01f;
  for (int i = 0; i < H; i++) gain[i] = 1, bias[i] = 0;

  // Loss reported: the mean over the last 1000 steps (or all of them), for a sanity check.
  int tail = steps < 1000 ? steps : 1000;
  double tail_sum = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < steps; i++) {
    float loss = step(X, Y, n, i < steps / 2 ? 0.1f : 0.01f);
    if (i >= steps - tail) tail_sum += loss;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double us = ((t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3) / steps;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"usPerStep\": %.3f, \"loss\": %.4f, \"steps\": %d, \"maxRSS\": %ld}\n", us, tail_sum / tail, steps, ru.ru_maxrss);
  return 0;
}
