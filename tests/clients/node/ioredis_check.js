// ioredis against a running FastPgCache: plain calls, pipelines, MULTI, scanStream.
// Usage: node ioredis_check.js PORT. Prints "ioredis: ok" and exits 0, or exits 1.
const Redis = require("ioredis");
const assert = require("assert");

async function main() {
  const redis = new Redis({ port: Number(process.argv[2]), host: "127.0.0.1", maxRetriesPerRequest: 1 });
  await redis.flushdb();
  assert.strictEqual(await redis.set("greeting", "hello", "EX", 60), "OK");
  assert.strictEqual(await redis.get("greeting"), "hello");
  assert.strictEqual(await redis.ttl("greeting"), 60);
  assert.strictEqual(await redis.incrby("n", 5), 5);
  assert.deepStrictEqual(await redis.mget("greeting", "n", "missing"), ["hello", "5", null]);
  const binary = Buffer.from([0, 255, 1, 128]);
  await redis.set("bin", binary);
  assert.ok((await redis.getBuffer("bin")).equals(binary));

  // Pipeline: many commands in one write, replies in order.
  const pipe = redis.pipeline();
  for (let i = 0; i < 300; i++) pipe.set(`p:${i}`, String(i)).get(`p:${i}`);
  const results = await pipe.exec();
  for (let i = 0; i < 300; i++) {
    assert.deepStrictEqual(results[2 * i], [null, "OK"]);
    assert.deepStrictEqual(results[2 * i + 1], [null, String(i)]);
  }

  // MULTI/EXEC.
  const tx = await redis.multi().set("tx", "1").incr("tx").get("tx").exec();
  assert.deepStrictEqual(tx, [[null, "OK"], [null, 2], [null, "2"]]);

  // scanStream walks every key once.
  const seen = new Set();
  await new Promise((resolve, reject) => {
    redis.scanStream({ match: "p:*", count: 50 })
      .on("data", (keys) => keys.forEach((k) => seen.add(k)))
      .on("end", resolve)
      .on("error", reject);
  });
  assert.strictEqual(seen.size, 300);

  // Hashes and sets, and their scan streams.
  assert.strictEqual(await redis.hset("h:1", { name: "ada", visits: "1" }), 2);
  assert.deepStrictEqual(await redis.hgetall("h:1"), { name: "ada", visits: "1" });
  assert.strictEqual(await redis.hincrby("h:1", "visits", 4), 5);
  const fields = {};
  for (let i = 0; i < 400; i++) fields["f" + i] = String(i);
  await redis.hset("h:big", fields);
  const gotFields = new Map();
  await new Promise((resolve, reject) => {
    redis.hscanStream("h:big", { count: 100 })
      .on("data", (kv) => { for (let i = 0; i < kv.length; i += 2) gotFields.set(kv[i], kv[i + 1]); })
      .on("end", resolve)
      .on("error", reject);
  });
  assert.strictEqual(gotFields.size, 400);
  assert.strictEqual(gotFields.get("f399"), "399");
  assert.strictEqual(await redis.sadd("s:1", "a", "b", "c"), 3);
  assert.deepStrictEqual((await redis.smembers("s:1")).sort(), ["a", "b", "c"]);
  assert.strictEqual(await redis.sismember("s:1", "b"), 1);
  const members = new Set();
  await redis.sadd("s:big", ...Array.from({ length: 600 }, (_, i) => "m" + i));
  await new Promise((resolve, reject) => {
    redis.sscanStream("s:big", { count: 100 })
      .on("data", (ms) => ms.forEach((m) => members.add(m)))
      .on("end", resolve)
      .on("error", reject);
  });
  assert.strictEqual(members.size, 600);
  await assert.rejects(redis.hget("s:1", "x"), /WRONGTYPE/);

  // Queue-style calls (BullMQ and Sidekiq-like): a delayed set, a wait list, a blocking move.
  await redis.del("q:wait", "q:active", "q:delayed");
  await redis.zadd("q:delayed", 200, "job2", 100, "job1");
  assert.deepStrictEqual(await redis.zrangebyscore("q:delayed", "-inf", 150), ["job1"]);
  assert.deepStrictEqual(await redis.zpopmin("q:delayed"), ["job1", "100"]);
  await redis.lpush("q:wait", "job1");
  assert.strictEqual(await redis.brpoplpush("q:wait", "q:active", 1), "job1");
  assert.deepStrictEqual(await redis.lrange("q:active", 0, -1), ["job1"]);
  assert.deepStrictEqual(await redis.bzpopmin("q:delayed", 1), ["q:delayed", "job2", "200"]);

  // An unsupported command is an error, never a fake success.
  await assert.rejects(redis.call("XADD", "stream", "*", "f", "v"), /unknown command/);
  await redis.quit();
  console.log("ioredis: ok");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
