// Times ONNX Runtime (npm onnxruntime-node, CPU, fp32) on one model.
// Usage: node ort_time.js MODEL.onnx THREADS BATCH RUNS WARMUP   (ORT_DIR: where node_modules is)
// Prints one JSON line: {"engine","version","threads","batch","median_ms","p10_ms","p90_ms","min_ms"}.
const path = require('path');
const ort = require(path.resolve(process.env.ORT_DIR || '.', 'node_modules', 'onnxruntime-node'));

function quantile(sorted, q) {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

async function main() {
  const [model, threads, batch, runs, warmup] = process.argv.slice(2).map((v, i) => i ? Number(v) : v);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    executionMode: 'sequential'});
  const dims = [batch, 3, 224, 224];
  const x = new Float32Array(dims.reduce((a, b) => a * b));
  for (let i = 0; i < x.length; i++) x[i] = Math.cos(0.37 * i);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', x, dims)};
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  console.log(JSON.stringify({engine: 'onnxruntime', version: ort.env.versions.common, threads, batch,
    median_ms: quantile(ms, 0.5), p10_ms: quantile(ms, 0.1), p90_ms: quantile(ms, 0.9), min_ms: ms[0]}));
}
main().catch(e => { console.error(String(e)); process.exit(1); });
