// node-redis (npm "redis" v4) against a running FastPgCache: plain calls, pipelines, MULTI, WATCH,
// scanIterator, INCRBYFLOAT. Usage: node node_redis_check.js PORT. Prints "node-redis: ok" or exits 1.
const { createClient, WatchError } = require("redis");
const assert = require("assert");

async function main() {
  const client = createClient({ url: `redis://127.0.0.1:${process.argv[2]}` });
  client.on("error", (e) => {
    console.error("node-redis error event:", e);
  });
  await client.connect();
  await client.flushDb();
  assert.strictEqual(await client.set("session:1", "data", { EX: 60 }), "OK");
  assert.strictEqual(await client.get("session:1"), "data");
  assert.strictEqual(await client.ttl("session:1"), 60);
  assert.strictEqual(await client.set("session:1", "other", { NX: true }), null);
  assert.strictEqual(await client.incrByFloat("f", 1.5), "1.5");
  assert.strictEqual(await client.expire("session:1", 100), true);
  assert.strictEqual(await client.exists(["session:1", "missing"]), 1);
  assert.strictEqual(await client.rename("f", "g"), "OK");
  assert.strictEqual(await client.copy("g", "h"), true);
  assert.deepStrictEqual(await client.mGet(["g", "h", "missing"]), ["1.5", "1.5", null]);

  // Pipeline (commands sent together, replies in order).
  const pipeline = client.multi();
  for (let i = 0; i < 200; i++) pipeline.set(`p:${i}`, String(i)).get(`p:${i}`);
  const replies = await pipeline.execAsPipeline();
  for (let i = 0; i < 200; i++) {
    assert.strictEqual(replies[2 * i], "OK");
    assert.strictEqual(replies[2 * i + 1], String(i));
  }

  // MULTI/EXEC.
  assert.deepStrictEqual(await client.multi().set("tx", "1").incr("tx").get("tx").exec(), ["OK", 2, "2"]);

  // WATCH on an isolated connection: unchanged runs, changed by another client aborts.
  await client.executeIsolated(async (isolated) => {
    await isolated.watch("tx");
    assert.deepStrictEqual(await isolated.multi().incr("tx").exec(), [3]);
  });
  let aborted = false;
  try {
    await client.executeIsolated(async (isolated) => {
      await isolated.watch("tx");
      await client.set("tx", "100");  // another connection changes the watched key
      await isolated.multi().incr("tx").exec();
    });
  } catch (e) {
    aborted = e instanceof WatchError;
  }
  assert.ok(aborted, "EXEC after a change to a watched key must fail with WatchError");
  assert.strictEqual(await client.get("tx"), "100");

  // scanIterator sees every key exactly as KEYS does.
  const seen = new Set();
  for await (const key of client.scanIterator({ MATCH: "p:*", COUNT: 50 })) seen.add(key);
  assert.strictEqual(seen.size, 200);

  // Hashes and sets, and their scan iterators.
  assert.strictEqual(await client.hSet("h:1", { name: "ada", visits: "1" }), 2);
  assert.deepStrictEqual({ ...(await client.hGetAll("h:1")) }, { name: "ada", visits: "1" });
  assert.strictEqual(await client.hIncrBy("h:1", "visits", 2), 3);
  const fields = {};
  for (let i = 0; i < 300; i++) fields["f" + i] = String(i);
  await client.hSet("h:big", fields);
  const got = new Map();
  for await (const { field, value } of client.hScanIterator("h:big", { COUNT: 50 })) got.set(field, value);
  assert.strictEqual(got.size, 300);
  assert.strictEqual(got.get("f42"), "42");
  assert.strictEqual(await client.sAdd("s:1", ["a", "b", "c"]), 3);
  assert.deepStrictEqual((await client.sMembers("s:1")).sort(), ["a", "b", "c"]);
  assert.strictEqual(await client.sIsMember("s:1", "a"), true);
  await client.sAdd("s:big", Array.from({ length: 500 }, (_, i) => "m" + i));
  const members = new Set();
  for await (const m of client.sScanIterator("s:big", { COUNT: 50 })) members.add(m);
  assert.strictEqual(members.size, 500);
  assert.deepStrictEqual((await client.sInter(["s:1", "s:big"])), []);

  await client.quit();
  console.log("node-redis: ok");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
