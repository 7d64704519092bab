/// <reference types="vite/client" />
// Extra JS workloads for `python -m benchmarks --oracle DIR` (convex_test's own code).
// Copied into the oracle directory for one run and removed afterwards, together with
// convex/pyextra.ts.  Reports per-op samples (median / p95 / mean, in ms) to
// out/pyextra.json, for the workloads the oracle's bench.test.ts lacks or reports
// only as a mean.
import { afterAll, test, vi } from "vitest";
import { convexTest } from "convex-test";
import * as fs from "node:fs";
import * as path from "node:path";
import { anyApi } from "convex/server";
import schema from "./convex/schema";
import { modules } from "./convex/test.setup";

const api: any = anyApi;
const internal: any = anyApi;
const TIMEOUT = 30 * 60 * 1000;
const OUT = process.env.PYEXTRA_OUT ?? path.join(__dirname, "out", "pyextra.json");
const CHAIN = Number(process.env.PYEXTRA_CHAIN ?? "10000");
const results: Record<string, any> = {};
// Fake timers (needed by finishAllScheduledFunctions) would freeze performance.now().
const now = performance.now.bind(performance);

afterAll(() => {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify({ node: process.version, results }, null, 2) + "\n");
});

function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { ops: s.length, medianMs: at(0.5), p95Ms: at(0.95), meanMs: mean };
}

async function sample(ops: number, fn: (i: number) => Promise<any>) {
  const out: number[] = [];
  for (let i = 0; i < ops; i++) {
    const t0 = now();
    await fn(i);
    out.push(now() - t0);
  }
  return summary(out);
}

test("per-call samples", { timeout: TIMEOUT }, async () => {
  const t = convexTest(schema, modules);
  const ids: string[] = [];
  results["mutation_insert"] = await sample(2000, async (i) => {
    ids.push(
      await t.mutation(api.messages.send, { author: `a${i % 100}`, body: `b ${i}`, channel: `c${i % 100}`, n: i }),
    );
  });
  results["query_get"] = await sample(2000, async (i) => {
    await t.query(api.messages.get, { id: ids[i] });
  });
});

test("vector search dims=1536 N=10,000 limit 10", { timeout: TIMEOUT }, async () => {
  const N = 10_000;
  const t = convexTest(schema, modules);
  const r = rng(5);
  const vec = () => Array.from({ length: 1536 }, () => r() * 2 - 1);
  await t.run(async (ctx: any) => {
    for (let i = 0; i < N; i++) await ctx.db.insert("vecs", { embedding: vec(), kind: `k${i % 10}` });
  });
  const qs = Array.from({ length: 20 }, vec);
  results["vector_search_dims1536"] = await sample(20, async (i) => {
    const res = await t.action(api.vectors.search, { vector: qs[i], limit: 10 });
    if (res.length !== 10) throw new Error("expected 10 results");
  });
});

test("chained scheduled mutations", { timeout: TIMEOUT }, async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  try {
    const t = convexTest(schema, modules);
    await t.mutation(async (ctx: any) => {
      await ctx.scheduler.runAfter(0, internal.pyextra.step, { remaining: CHAIN });
    });
    const t0 = now();
    await t.finishAllScheduledFunctions(vi.runAllTimers, 4 * CHAIN + 100);
    const ms = now() - t0;
    const done = await t.run(async (ctx: any) =>
      (await ctx.db.query("messages").collect()).length,
    );
    if (done !== CHAIN) throw new Error(`chain ran ${done} of ${CHAIN} steps`);
    results["scheduled_chain"] = { ops: CHAIN, totalMs: ms, meanMs: ms / CHAIN };
  } finally {
    vi.useRealTimers();
  }
});
