// The fault proxy's latency mode (the benchmark's --storage-latency): every request is forwarded after the fixed
// delay, many at once, and the in-flight gauge counts requests, the peak in flight and the time integral. The
// target here is a plain HTTP server that answers only once all the requests have arrived, so that they are in
// flight together whatever the machine's load.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { FaultProxy, InFlightGauge } from "../src/fault-proxy.js";

let target: Server | undefined;
let proxy: FaultProxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  target?.closeAllConnections();
  await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
  proxy = target = undefined;
});

function get(url: string, path: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
    });
    req.on("error", reject);
    req.end();
  });
}

it("forwards every request after the latency, all in flight at once, and counts them", async () => {
  const N = 6;
  const LATENCY = 40;
  const held: (() => void)[] = [];
  target = createServer((req, res) => {
    held.push(() => res.end(`echo ${req.url}`));
    if (held.length === N) for (const answer of held) answer();
  });
  await new Promise<void>((resolve) => target!.listen(0, "127.0.0.1", resolve));
  const gauge = new InFlightGauge();
  proxy = new FaultProxy({
    target: `http://127.0.0.1:${(target.address() as AddressInfo).port}`,
    latencyMs: LATENCY,
    gauge,
  });
  const url = await proxy.start();
  const before = gauge.snapshot();

  const answers = await Promise.all(Array.from({ length: N }, (_, i) => get(url, `/r${i}`)));

  expect(answers.map((a) => a.body)).toEqual(Array.from({ length: N }, (_, i) => `echo /r${i}`));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  // The delay is added to every request (a lower bound: a busy machine only adds to it; a timer may fire up to
  // a millisecond early by the performance clock).
  for (const a of answers) expect(a.ms).toBeGreaterThanOrEqual(LATENCY - 2);
  expect(proxy.counts.latencyMsTotal).toBe(N * LATENCY);
  expect(proxy.counts.forwarded).toBe(N);
  // Give the proxy's side of each connection time to see the answer end.
  const deadline = Date.now() + 10_000;
  while (gauge.snapshot().inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const after = gauge.snapshot();
  const figures = InFlightGauge.between(before, after);
  expect(figures.requests).toBe(N);
  expect(figures.peakInFlight).toBe(N);
  expect(after.inFlight).toBe(0);
  // Each request was in flight at least for the latency: the mean over the interval is above zero, and the
  // integral is at least N × latency.
  expect(after.inFlightMs - before.inFlightMs).toBeGreaterThanOrEqual(N * (LATENCY - 2));
  expect(figures.meanInFlight).toBeGreaterThan(0);

  // A new peak starts from what is in flight now.
  gauge.resetPeak();
  expect(gauge.snapshot().peak).toBe(0);
});
