// Node side of bench/bulk.sh: pangea-node-sdk ends every session with its best
// tool, a pool of N concurrent promises over the listed ids. Prints "ended sessions/s".
const { AuthNService, PangeaConfig } = require("pangea-node-sdk");

async function main() {
  const [base, token, pool] = [process.argv[2], process.argv[3], Number(process.argv[4])];
  const authn = new AuthNService(token, new PangeaConfig({ baseUrlTemplate: base }));
  const started = process.hrtime.bigint();
  const ids = [];
  let last;
  do {
    const page = await authn.session.list(last ? { size: 1000, last } : { size: 1000 });
    for (const s of page.result.sessions) ids.push(s.id);
    last = page.result.last;
  } while (last);
  let next = 0;
  async function worker() {
    while (next < ids.length) {
      const id = ids[next++];
      await authn.session.invalidate(id);
    }
  }
  await Promise.all(Array.from({ length: pool }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${ids.length} ${(ids.length / seconds).toFixed(0)}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
