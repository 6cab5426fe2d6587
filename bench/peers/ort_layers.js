// Per-node kernel times of ONNX Runtime (npm onnxruntime-node, CPU, fp32) on one model, from its
// own profiler: the median over RUNS runs of each node's kernel time.
// Usage: node ort_layers.js MODEL.onnx THREADS BATCH RUNS OUT_DIR   (ORT_DIR: where node_modules is)
// Prints one JSON document: {"threads","batch","nodes":[{"name","op","ms"}, ...]} in run order.
const fs = require('fs');
const path = require('path');
const ort = require(path.resolve(process.env.ORT_DIR || '.', 'node_modules', 'onnxruntime-node'));

async function main() {
  const [model, threads, batch, runs] = process.argv.slice(2, 6).map((v, i) => i ? Number(v) : v);
  const outDir = process.argv[6];
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    executionMode: 'sequential', enableProfiling: true,
    profileFilePrefix: path.join(outDir, 'ort_profile')});
  const dims = [batch, 3, 224, 224];
  const x = new Float32Array(dims.reduce((a, b) => a * b));
  for (let i = 0; i < x.length; i++) x[i] = Math.cos(0.37 * i);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', x, dims)};
  for (let i = 0; i < runs; i++) await session.run(feeds);
  session.endProfiling();  // writes OUT_DIR/ort_profile_<date>.json
  const file = fs.readdirSync(outDir).filter(f => f.startsWith('ort_profile') && f.endsWith('.json'));
  if (file.length !== 1) throw new Error(`expected one profile in ${outDir}, found ${file.length}`);
  const events = JSON.parse(fs.readFileSync(path.join(outDir, file[0])));
  const times = new Map();  // insertion order = first run's order
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const key = e.name.slice(0, -'_kernel_time'.length);
    if (!times.has(key)) times.set(key, {op: e.args.op_name, us: []});
    times.get(key).us.push(e.dur);
  }
  const nodes = [];
  for (const [name, t] of times) {
    t.us.sort((a, b) => a - b);
    nodes.push({name, op: t.op, ms: t.us[Math.floor(t.us.length / 2)] / 1000});
  }
  console.log(JSON.stringify({threads, batch, nodes}));
}
main().catch(e => { console.error(String(e)); process.exit(1); });
