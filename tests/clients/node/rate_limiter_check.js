// rate-limiter-flexible's RateLimiterRedis (over ioredis) against a running FastPgCache: its Lua
// script consumes points to the limit, refuses, and the window resets.
// Usage: node rate_limiter_check.js PORT. Prints "rate-limiter-flexible: ok", or exits 1.
const assert = require("assert");
const Redis = require("ioredis");
const { RateLimiterRedis } = require("rate-limiter-flexible");

async function main() {
  const port = Number(process.argv[2]);
  const redis = new Redis({ host: "127.0.0.1", port, enableOfflineQueue: true });
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: "rlf",
    points: 5,
    duration: 2,
  });
  const user = "user-" + process.pid;
  for (let i = 1; i <= 5; i++) {
    const res = await limiter.consume(user);
    assert.strictEqual(res.remainingPoints, 5 - i);
    assert.strictEqual(res.consumedPoints, i);
  }
  let refused = null;
  try {
    await limiter.consume(user);
  } catch (e) {
    refused = e;
  }
  assert(refused !== null, "the 6th consume must be refused");
  assert(!(refused instanceof Error), "refused by the limit, not by an error: " + refused);
  assert.strictEqual(refused.remainingPoints, 0);
  assert(refused.msBeforeNext > 0 && refused.msBeforeNext <= 2000, String(refused.msBeforeNext));
  // Another key has its own points.
  assert.strictEqual((await limiter.consume(user + "-other", 2)).remainingPoints, 3);
  // The window ends: points are back.
  await new Promise((r) => setTimeout(r, refused.msBeforeNext + 200));
  const again = await limiter.consume(user);
  assert.strictEqual(again.remainingPoints, 4);
  // get / delete / penalty go through other commands of the store.
  assert.strictEqual((await limiter.get(user)).consumedPoints, 1);
  await limiter.penalty(user, 2);
  assert.strictEqual((await limiter.get(user)).consumedPoints, 3);
  assert.strictEqual(await limiter.delete(user), true);
  assert.strictEqual(await limiter.get(user), null);
  await redis.quit();
  console.log("rate-limiter-flexible: ok");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
