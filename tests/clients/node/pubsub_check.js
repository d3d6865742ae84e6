// ioredis and node-redis (npm) subscribers against FastPgCache: subscribe, psubscribe, messages
// in publish order, unsubscribe, and node-redis on RESP2 with a dedicated subscriber connection.
// Usage: node pubsub_check.js PORT. Prints "node pubsub: ok" and exits 0, or exits 1.
const Redis = require("ioredis");
const { createClient } = require("redis");
const assert = require("assert");

function waitFor(predicate, ms, what) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

async function ioredisPart(port) {
  const sub = new Redis({ port, host: "127.0.0.1" });
  const pub = new Redis({ port, host: "127.0.0.1" });
  const got = [];
  sub.on("message", (channel, message) => got.push(["message", channel, message]));
  sub.on("pmessage", (pattern, channel, message) => got.push(["pmessage", pattern, channel, message]));
  assert.strictEqual(await sub.subscribe("orders", "alerts"), 2);
  assert.strictEqual(await sub.psubscribe("ord*"), 3);
  // A subscribed ioredis connection refuses ordinary commands itself; PING is allowed.
  assert.ok(await sub.ping());
  for (let i = 0; i < 50; i++) await pub.publish("orders", `o${i}`);
  await pub.publish("alerts", "fire");
  await waitFor(() => got.length === 101, 5000, "101 messages");
  const plain = got.filter((m) => m[0] === "message" && m[1] === "orders").map((m) => m[2]);
  assert.deepStrictEqual(plain, Array.from({ length: 50 }, (_, i) => `o${i}`));
  assert.strictEqual(got.filter((m) => m[0] === "pmessage").length, 50);
  assert.deepStrictEqual(got.find((m) => m[1] === "alerts"), ["message", "alerts", "fire"]);
  assert.deepStrictEqual(await pub.pubsub("NUMSUB", "orders"), ["orders", 1]);
  await sub.unsubscribe("orders", "alerts");
  await sub.punsubscribe();
  assert.strictEqual(await pub.publish("orders", "late"), 0);
  // Back to normal commands after the last unsubscribe.
  assert.strictEqual(await sub.set("after", "1"), "OK");
  sub.disconnect();
  pub.disconnect();
}

async function nodeRedisPart(port) {
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  client.on("error", (e) => console.error("node-redis error event:", e));
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on("error", (e) => console.error("node-redis subscriber error event:", e));
  await subscriber.connect();
  const got = [];
  await subscriber.subscribe("chat", (message, channel) => got.push([channel, message]));
  await subscriber.pSubscribe("room:*", (message, channel) => got.push([channel, message]));
  const buffers = [];
  await subscriber.subscribe("bin", (message) => buffers.push(message), true);
  for (let i = 0; i < 20; i++) await client.publish("chat", `m${i}`);
  await client.publish("room:7", "hello");
  const binary = Buffer.from([0, 1, 2, 255, 254, 13, 10]);
  await client.publish("bin", binary);
  await waitFor(() => got.length === 21 && buffers.length === 1, 5000, "22 messages");
  assert.deepStrictEqual(got.slice(0, 20), Array.from({ length: 20 }, (_, i) => ["chat", `m${i}`]));
  assert.deepStrictEqual(got[20], ["room:7", "hello"]);
  assert.ok(buffers[0].equals(binary));
  assert.deepStrictEqual(await client.pubSubChannels(), ["bin", "chat"].sort());
  assert.strictEqual(await client.pubSubNumPat(), 1);
  // By name: node-redis's unsubscribe-all waits for a count of 0, which subscriptions of the
  // other kind keep from coming (against Redis too).
  await subscriber.pUnsubscribe("room:*");
  await subscriber.unsubscribe(["chat", "bin"]);
  assert.deepStrictEqual(await client.pubSubChannels(), []);
  await subscriber.quit();
  await client.quit();
}

async function main() {
  const port = Number(process.argv[2]);
  await ioredisPart(port);
  await nodeRedisPart(port);
  console.log("node pubsub: ok");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
