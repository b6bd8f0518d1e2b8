// Runs Chrome DevTools' trace engine (@paulirish/trace_engine, pinned in package.json) on
// taskscope trace files and checks that it draws every dependency of the embedded graph
// as one arrow, from the producer's slice to the consumer's, and nothing else.
//
// Usage: node check.mjs ENGINE_DIR FILE...   (ENGINE_DIR: where node_modules was installed)
// Prints one line per file; exits 1 when a file fails, 2 on usage errors.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [engineDir, ...files] = process.argv.slice(2);
if (!engineDir || files.length === 0) {
  console.error('usage: node check.mjs ENGINE_DIR FILE...');
  process.exit(2);
}
// The engine's CLI helper polyfills DOMRect the same way; node has none.
globalThis.DOMRect ??= class DOMRect {
  constructor(x = 0, y = 0, width = 0, height = 0) {
    Object.assign(this, { x, y, width, height });
  }
};
const entry = path.join(engineDir, 'node_modules/@paulirish/trace_engine/models/trace/trace.js');
const Trace = await import(pathToFileURL(entry).href);
const version = JSON.parse(
  fs.readFileSync(path.join(engineDir, 'node_modules/@paulirish/trace_engine/package.json'), 'utf8'),
).version;

/** The graph's dependencies whose two tasks have an X or B event, as "producer>consumer" counts. */
function expectedEdges(doc, events) {
  const tasks = doc?.taskscope?.graph?.tasks;
  if (!Array.isArray(tasks)) throw new Error('no taskscope.graph.tasks (not a taskscope file?)');
  const firstWithKey = new Map();
  tasks.forEach((t, i) => { if (!firstWithKey.has(t.key)) firstWithKey.set(t.key, i); });
  const ran = new Set();
  for (const e of events) {
    // A streamed file's task seen running is a B/E slice (its B has the task).
    if (e.ph === 'X' || e.ph === 'B') ran.add(taskOf(e, firstWithKey, tasks.length));
  }
  const edges = new Map();
  tasks.forEach((t, consumer) => {
    if (!ran.has(consumer)) return;
    for (const d of t.deps ?? []) {
      const producer = typeof d === 'string' ? firstWithKey.get(d) : d;
      if (!ran.has(producer)) continue;
      const k = `${producer}>${consumer}`;
      edges.set(k, (edges.get(k) ?? 0) + 1);
    }
  });
  return { edges, firstWithKey, taskCount: tasks.length };
}

function taskOf(event, firstWithKey, taskCount) {
  const i = event.args?.task;
  if (Number.isInteger(i) && i >= 0 && i < taskCount) return i;
  return firstWithKey.get(event.args?.key);
}

let failed = 0;
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`FAIL ${file}: cannot read it as JSON: ${e.message}`);
    failed++;
    continue;
  }
  const events = doc.traceEvents ?? doc;
  let expected;
  try {
    expected = expectedEdges(doc, events);
  } catch (e) {
    console.log(`FAIL ${file}: ${e.message}`);
    failed++;
    continue;
  }
  const model = Trace.TraceModel.Model.createWithAllHandlers();
  await model.parse(events);
  const parsed = model.parsedTrace();
  const data = parsed.data ?? parsed;
  const flows = data.Flows.flows;
  const left = new Map(expected.edges);
  let matching = 0;
  const wrong = [];
  for (const flow of flows) {
    for (let j = 0; j + 1 < flow.length; j++) {
      const from = taskOf(flow[j], expected.firstWithKey, expected.taskCount);
      const to = taskOf(flow[j + 1], expected.firstWithKey, expected.taskCount);
      const k = `${from}>${to}`;
      if ((left.get(k) ?? 0) > 0) {
        left.set(k, left.get(k) - 1);
        matching++;
      } else {
        wrong.push(k);
      }
    }
  }
  const total = [...expected.edges.values()].reduce((a, b) => a + b, 0);
  const missing = [...left].filter(([, n]) => n > 0).map(([k]) => k);
  // What the timeline shows: one track per thread, with its name and slices.
  const threads = [];
  for (const [, proc] of data.Renderer.processes) {
    for (const [, thread] of proc.threads) {
      const n = thread.entries.length;
      threads.push(`${thread.name ?? "(unnamed)"}: ${n} slice${n === 1 ? "" : "s"}`);
    }
  }
  const ok = matching === total && wrong.length === 0;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${file}: DevTools trace engine ${version} draws ${matching} of ${total} dependencies as arrows` +
      (wrong.length ? `, ${wrong.length} arrows that are none (e.g. ${wrong.slice(0, 3).join(', ')})` : '') +
      (missing.length ? `, misses e.g. ${missing.slice(0, 3).join(', ')}` : '') +
      `; ${threads.length} thread${threads.length === 1 ? "" : "s"} (${threads.slice(0, 4).join('; ')}${threads.length > 4 ? '; …' : ''})`,
  );
  if (!ok) failed++;
}
console.log(`${files.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
