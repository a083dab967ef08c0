import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { danglingDocReferences } from "../helpers/doc-references";
import { PROJECT_DIR } from "../helpers/offline";

// A platform team installs the packed tarball and imports "tee-prover-infra". The consumer lives
// under the repository so Node resolves @pulumi/* from the repository's node_modules, as an
// installed dependency's would.
let consumerDir: string;
let packedFiles: string[];
let pkgDir: string;

beforeAll(() => {
  consumerDir = fs.mkdtempSync(path.join(PROJECT_DIR, ".consumer-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", consumerDir], { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = info!.files.map((f) => f.path).sort();
  pkgDir = path.join(consumerDir, "node_modules", "tee-prover-infra");
  fs.mkdirSync(pkgDir, { recursive: true });
  execFileSync("tar", ["-xzf", path.join(consumerDir, path.basename(info!.filename)), "-C", pkgDir, "--strip-components=1"]);
}, 120_000);

afterAll(() => {
  if (consumerDir) fs.rmSync(consumerDir, { recursive: true, force: true });
});

test("the tarball ships compiled JavaScript, declarations, the README and docs/ only", () => {
  for (const f of ["package.json", "README.md", "docs/README.md", "docs/alarms.md", "docs/architecture.md", "dist/lib.js", "dist/lib.d.ts", "dist/components/aws/nitroProofServer.js", "dist/components/aws/nitroProofServer.d.ts", "dist/components/gcp/confidentialSpaceProofServer.js", "dist/components/gcp/confidentialSpaceProofServer.d.ts", "dist/src/config/resolve.js"]) {
    expect(packedFiles).toContain(f);
  }
  const stray = packedFiles.filter((f) => /^(test|stacks|policy)\//.test(f) || /^Pulumi\./.test(f) || f === "index.ts" || f === "dist/index.js" || (f.endsWith(".ts") && !f.endsWith(".d.ts")) || f.includes("plan/cli"));
  expect(stray).toEqual([]);
  expect(packedFiles.filter((f) => f.startsWith("docs/") && !f.endsWith(".md"))).toEqual([]);
});

// A reader of a shipped .d.ts or of the README follows "see docs/x.md": that page must be in the
// package, and nothing may point at the team's notes or beside the repository.
test("no shipped file refers to a document outside the package", () => {
  const files = new Map(packedFiles.filter((f) => /\.(js|d\.ts|md)$/.test(f)).map((f) => [f, fs.readFileSync(path.join(pkgDir, f), "utf8")] as const));
  expect(files.size).toBeGreaterThan(50);
  expect([...files.values()].some((t) => /docs\/[\w-]+\.md/.test(t))).toBe(true); // the scan has something to check
  expect(danglingDocReferences(files, new Set(packedFiles))).toEqual([]);
});

test("the reference scan catches a missing docs page, a broken relative link and the team's notes, and skips URLs", () => {
  const shipped = new Set(["README.md", "docs/README.md", "docs/alarms.md", "dist/lib.d.ts"]);
  const files = new Map([
    ["dist/lib.d.ts", "/** see docs/alarms.md and docs/gone.md; https://github.com/aws/aws-nitro-enclaves-nsm-api/blob/main/docs/attestation_process.md */\n// DESIGN.md section 6"],
    ["README.md", "[alarms](docs/alarms.md) [x](docs/x.md#a) [anchor](#alarms) [web](https://example.com/a.md) ../shared/notes"],
    ["docs/README.md", "[ok](alarms.md) [up](../README.md) [no](testing.md) \u00a7 3 of the notes"],
  ]);
  expect(danglingDocReferences(files, shipped).map((d) => `${d.file}:${d.line} ${d.reference}`)).toEqual([
    "dist/lib.d.ts:1 docs/gone.md",
    "dist/lib.d.ts:2 DESIGN.md",
    "README.md:1 docs/x.md",
    "README.md:1 docs/x.md",
    "README.md:1 ../shared",
    "docs/README.md:1 testing.md",
    "docs/README.md:1 \u00a7 3",
  ]);
});

// One consumer process answers both tests below (each such process loads Pulumi and the
// providers, seconds of CPU): first a bare require, before any Pulumi runtime exists, then a
// program under the mock runtime. Started by whichever test asks first.
let consumerRun: string[] | undefined;
function consumerOutput(): string[] {
  if (consumerRun) return consumerRun;
  fs.copyFileSync(path.join(PROJECT_DIR, "releases/pcr-measurements.v6.3.1.json"), path.join(consumerDir, "manifest.json"));
  const program = `
    const lib = require("tee-prover-infra");
    console.log(JSON.stringify({ component: typeof lib.NitroProofServer, args: typeof lib.nitroProofServerArgs, gcp: typeof lib.ConfidentialSpaceProofServer, gcpArgs: typeof lib.confidentialSpaceProofServerArgs, cid: lib.ENCLAVE_CID, port: lib.PROOF_SERVER_PORT }));
    const pulumi = require("@pulumi/pulumi");
    const types = [];
    pulumi.runtime.setMocks({
      newResource: (a) => { types.push(a.type); return { id: a.name + "-id", state: { ...a.inputs, arn: "arn:aws:iam::123456789012:role/" + a.name, arnSuffix: "app/x/1", dnsName: "x.elb.amazonaws.com", name: a.name, latestVersion: 1 } }; },
      call: (a) => a.token.endsWith("getCallerIdentity") ? { accountId: "123456789012" } : a.token.endsWith("getPartition") ? { partition: "aws" } : {},
    }, "consumer", "dev", false).then(async () => {
      const { NitroProofServer, nitroProofServerArgs } = require("tee-prover-infra");
      const args = nitroProofServerArgs({
        environment: "dev",
        releases: [{ manifest: "manifest.json", eif: { s3Uri: "s3://my-bucket/proof-server.eif", servesTls: false } }],
        ingress: { mode: "terminate", backendProtocol: "HTTP", plaintextHop: { accepted: true, reason: "consumer test with the published plain-HTTP EIF" } },
        aws: { instanceType: "m6i.xlarge", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555", keyAdministratorArns: ["arn:aws:iam::123456789012:role/deployer"], vpc: { mode: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"], publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"] } },
      }, { region: "eu-west-1", projectDir: process.cwd() });
      const server = new NitroProofServer("team-prover", args);
      server.endpoint.apply((endpoint) => {
        setImmediate(() => console.log(JSON.stringify({ endpoint, launchTemplates: types.filter((t) => t === "aws:ec2/launchTemplate:LaunchTemplate").length, component: types.includes("tee-prover:aws:NitroProofServer") })));
      });
    });
  `;
  const out = execFileSync(process.execPath, ["-e", program], { cwd: consumerDir, encoding: "utf8" });
  consumerRun = out.trim().split("\n");
  return consumerRun;
}

test("require('tee-prover-infra') loads the compiled entry and exposes the component and its helpers", () => {
  expect(JSON.parse(consumerOutput()[0]!)).toEqual({ component: "function", args: "function", gcp: "function", gcpArgs: "function", cid: 16, port: 6300 });
});

test("a consumer's program deploys the component from the package (mock runtime)", () => {
  expect(JSON.parse(consumerOutput().at(-1)!)).toEqual({ endpoint: "https://x.elb.amazonaws.com", launchTemplates: 1, component: true });
});

test("the declarations type-check a strict TypeScript consumer (node16 resolution through exports)", () => {
  fs.writeFileSync(path.join(consumerDir, "consumer.ts"), `
    import { NitroProofServer, nitroProofServerArgs, type NitroProofServerArgs, type IngressSettings } from "tee-prover-infra";
    const ingress: IngressSettings["mode"] = "passthrough";
    export function make(args: NitroProofServerArgs): NitroProofServer { return new NitroProofServer("p", args); }
    export const check: typeof nitroProofServerArgs = nitroProofServerArgs;
    export const mode = ingress;
  `);
  fs.writeFileSync(path.join(consumerDir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: "node16", moduleResolution: "node16", target: "ES2022", skipLibCheck: true, types: [] }, files: ["consumer.ts"] }));
  const tsc = path.join(PROJECT_DIR, "node_modules", "typescript", "bin", "tsc");
  const result = execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumerDir, encoding: "utf8" });
  expect(result).toBe("");
});
