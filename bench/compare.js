// Node side of bench/compare.sh: pangea-node-sdk's session.list, µs per call.
const { AuthNService, PangeaConfig } = require("pangea-node-sdk");

async function main() {
  const [base, calls] = [process.argv[2], Number(process.argv[3])];
  const authn = new AuthNService("pts_benchmarktoken00000000000000000", new PangeaConfig({ baseUrlTemplate: base }));
  for (let i = 0; i < 100; i++) await authn.session.list({});
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const response = await authn.session.list({});
    if (response.result.sessions.length !== 20) throw new Error("wrong page");
  }
  console.log((Number(process.hrtime.bigint() - started) / 1e3 / calls).toFixed(1));
}
main().catch((e) => { console.error(e); process.exit(1); });
