// node-redis v5's client-side cache (RESP3, CLIENT TRACKING) against two FastPgCache servers on
// one database: a value read through A is served from the client's cache until a write through
// A itself, through B, or an expiry invalidates it. Usage: node client_cache_check.js PORT_A
// PORT_B. Prints "node-redis client cache: ok" or exits 1.
const { createClient } = require("redis5");
const assert = require("assert");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls until the cached read returns `want` (the invalidation arrived), within `limitMs`.
async function until(read, want, limitMs) {
  const start = Date.now();
  for (;;) {
    if ((await read()) === want) return Date.now() - start;
    if (Date.now() - start > limitMs) throw new Error(`still not ${want} after ${limitMs} ms`);
    await sleep(2);
  }
}

async function main() {
  const [portA, portB] = process.argv.slice(2);
  const cached = createClient({
    url: `redis://127.0.0.1:${portA}`,
    RESP: 3,
    clientSideCache: { ttl: 0, maxEntries: 0 },
  });
  const other = createClient({ url: `redis://127.0.0.1:${portB}` });
  const same = createClient({ url: `redis://127.0.0.1:${portA}` });
  for (const c of [cached, other, same]) {
    c.on("error", (e) => console.error("client error event:", e));
    await c.connect();
  }
  await other.flushDb();
  const cache = cached.clientSideCache;

  // Misses, then hits: the second read never reaches the server.
  await other.set("user:1", "alice");
  assert.strictEqual(await cached.get("user:1"), "alice");
  // The bus carries B's FLUSHDB and SET to A after they commit, so their invalidations can reach
  // this client after its first read (a spurious but safe invalidation: no ordering is shared
  // between the servers). Let them arrive, then read once more to refill.
  await sleep(300);
  assert.strictEqual(await cached.get("user:1"), "alice");
  const misses = cache.stats().missCount;
  for (let i = 0; i < 20; i++) assert.strictEqual(await cached.get("user:1"), "alice");
  assert.strictEqual(cache.stats().missCount, misses);
  assert.ok(cache.stats().hitCount >= 20, `hits: ${cache.stats().hitCount}`);

  // A write through the other server invalidates the client's copy.
  await other.set("user:1", "bob");
  const lagOther = await until(() => cached.get("user:1"), "bob", 2000);
  // A write through another client of the same server.
  await same.set("user:1", "carol");
  const lagSame = await until(() => cached.get("user:1"), "carol", 2000);
  // The client's own write.
  await cached.set("user:1", "dave");
  await until(() => cached.get("user:1"), "dave", 2000);
  // Typed reads are cached and invalidated too.
  await other.hSet("h", "f", "1");
  assert.strictEqual(await cached.hGet("h", "f"), "1");
  assert.strictEqual(await cached.hGet("h", "f"), "1");
  await other.hSet("h", "f", "2");
  await until(() => cached.hGet("h", "f"), "2", 2000);
  // Expiry (the server's sweep announces it).
  await other.set("short", "v", { PX: 300 });
  assert.strictEqual(await cached.get("short"), "v");
  await until(() => cached.get("short"), null, 3000);
  // FLUSHDB through the other server empties the client's cache.
  assert.strictEqual(await cached.get("user:1"), "dave");
  await other.flushDb();
  await until(() => cached.get("user:1"), null, 2000);

  console.log(`lag other server ${lagOther} ms, same server ${lagSame} ms`);
  for (const c of [cached, other, same]) await c.quit();
  console.log("node-redis client cache: ok");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
