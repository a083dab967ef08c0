// `npm run azure:wrap-secret -- --public-key key.pem --kid <key URI with version> --in secret.txt`:
// prints the JSON envelope an Azure fleet's host unwraps after Secure Key Release
// (docs/azure-key-release.md). `--in -` reads the secret from stdin. Nothing is sent anywhere.
import { readFileSync } from "node:fs";
import { main } from "./wrap-cli";

process.exitCode = main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readStdin: () => readFileSync(0),
});
