// Node side of bench/compare.sh: pangea-node-sdk's session.list, µs per call
// and CPU µs per call (the process's).
const { AuthNService, PangeaConfig } = require("pangea-node-sdk");

async function main() {
  const [base, calls] = [process.argv[2], Number(process.argv[3])];
  const authn = new AuthNService("pts_benchmarktoken00000000000000000", new PangeaConfig({ baseUrlTemplate: base }));
  for (let i = 0; i < 100; i++) await authn.session.list({});
  const [started, cpu] = [process.hrtime.bigint(), process.cpuUsage()];
  for (let i = 0; i < calls; i++) {
    const response = await authn.session.list({});
    if (response.result.sessions.length !== 20) throw new Error("wrong page");
  }
  const used = process.cpuUsage(cpu);
  const wall = Number(process.hrtime.bigint() - started) / 1e3;
  console.log(`${(wall / calls).toFixed(1)} ${((used.user + used.system) / calls).toFixed(1)}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
