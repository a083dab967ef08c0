// `npm run verify -- <stack> (--document FILE | --endpoint URL) [--json]`: verify a saved Nitro
// attestation document or a live endpoint against the stack's pins (docs/verify.md).
// Arguments are parsed before anything heavy is loaded, so usage errors answer at once.
import { parseArgs, USAGE, UsageError, type VerifyArgs } from "./args";
import { EXIT } from "./result";

async function main(): Promise<number> {
  let args: VerifyArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(e.message === "help" ? `${USAGE}\n` : `${e.message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw e;
  }
  const { runVerify } = await import("./run");
  const { loadStackPins } = await import("./stack");
  const { ConfigError } = await import("../config/errors");
  try {
    const out = await runVerify(args, { loadPins: loadStackPins });
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
    return out.exitCode;
  } catch (e) {
    // Bad stack config is a usage problem: nothing was verified.
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`verify failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    // An unexpected crash must not read as "ok" or "warnings" to a cron job.
    process.exitCode = EXIT.p0;
  },
);
