import { SECRET_FILES } from "../bootstrap/azure-skr";
import type { ConfigProblem } from "./errors";
import { resolveIngress, secretLikeEnv, sharedSettings, type ConfigSource, type IngressRules } from "./resolve";
import { SECRET_PLACEHOLDER } from "./load";
import { azureSizeProblem } from "./sizes";
import { PROJECT, type RawAzureStackConfig } from "./schema";
import type { AzureContainerRelease, AzureStackConfig, AzureTechnology } from "./types";

// Cross-field checks of an Azure stack. Sources of every limit: docs/azure-facts.md.

/** Azure's request-path limits (the provider types do not check them). */
export const AZURE_LIMITS = {
  /** Standard Load Balancer rule idle timeout: 4-100 minutes (load-balancer-tcp-idle-timeout). */
  lbIdleTimeoutMinutes: { min: 4, max: 100 },
  /** Application Gateway backend settings requestTimeout: 1-86400 s. */
  appGatewayRequestTimeoutSeconds: { min: 1, max: 86400 },
  /** Application Gateway connection draining drainTimeoutInSec: 1-3600 s. */
  appGatewayDrainSeconds: { min: 1, max: 3600 },
  /** Scale set terminate notification notBeforeTimeout: 5-15 minutes. */
  terminateNotificationMinutes: { min: 5, max: 15 },
} as const;

export type AzureSizeVerdict =
  | { readonly ok: true; readonly technology: AzureTechnology; readonly family: string; readonly vcpus: number }
  | { readonly ok: false; readonly reason: string };

/**
 * What an Azure VM size is: an AMD SEV-SNP or Intel TDX confidential VM size (DC/EC, optional i
 * for isolated, a = AMD / e = Intel, optional d = local disk, s = premium storage, v5 or v6), an
 * SGX enclave size (DCsv2, DCsv3, DCdsv3: application enclaves, not confidential VMs), or neither.
 */
export function azureConfidentialSize(vmSize: string): AzureSizeVerdict {
  const cvm = /^Standard_(DC|EC)(\d+)(i?)(a|e)(d?)s_v([56])$/.exec(vmSize);
  if (cvm) {
    const [, series, vcpus, , vendor, disk, version] = cvm;
    return { ok: true, technology: vendor === "a" ? "SEV_SNP" : "TDX", family: `${series}${vendor}${disk}sv${version}`, vcpus: Number(vcpus) };
  }
  if (/^Standard_DC\d+s(_v2)?$/.test(vmSize) || /^Standard_DC\d+d?s_v3$/.test(vmSize)) {
    return { ok: false, reason: `${vmSize} is an Intel SGX size (DCsv2/DCsv3/DCdsv3): it runs application enclaves, not a confidential VM, and cannot boot with securityType ConfidentialVM` };
  }
  return { ok: false, reason: `${vmSize} is not a confidential VM size` };
}

const SIZE_EXAMPLES: Record<AzureTechnology, string> = {
  SEV_SNP: "Standard_DC4as_v5 (DCasv5, ECasv5, DCadsv5, ECadsv5 or their v6)",
  TDX: "Standard_DC4es_v5 (DCesv5, ECesv5, DCedsv5, ECedsv5 or their v6)",
};

function azureIngressRules(mode: "passthrough" | "terminate"): IngressRules {
  const drainMax = AZURE_LIMITS.terminateNotificationMinutes.max * 60;
  return {
    requestTimeout:
      mode === "passthrough"
        ? { name: "Standard Load Balancer idle timeout", min: AZURE_LIMITS.lbIdleTimeoutMinutes.min * 60, max: AZURE_LIMITS.lbIdleTimeoutMinutes.max * 60 }
        : { name: "Application Gateway request timeout", ...AZURE_LIMITS.appGatewayRequestTimeoutSeconds },
    // Scale-in drains through the terminate notification, at most 15 minutes.
    drain: { name: "scale set terminate notification (at most 15 minutes)", max: drainMax },
    artifact: "image",
    tlsFix: "pin an image that serves TLS (releases[].servesTls: true)",
  };
}

/** RFC 1918 ranges: the only sources SSH may be admitted from. */
function isPrivateCidr(cidr: string): boolean {
  const [ip, bits] = cidr.split("/");
  const o = (ip ?? "").split(".").map(Number);
  const prefix = Number(bits);
  if (o.length !== 4 || o.some((n) => !(n >= 0 && n <= 255))) return false;
  if (o[0] === 10) return prefix >= 8;
  if (o[0] === 172 && o[1]! >= 16 && o[1]! <= 31) return prefix >= 12;
  if (o[0] === 192 && o[1] === 168) return prefix >= 16;
  return false;
}

export function resolveAzure(source: ConfigSource, raw: RawAzureStackConfig, problems: ConfigProblem[]): AzureStackConfig | undefined {
  const location = source.values["azure-native:location"];
  const subscriptionId = source.values["azure-native:subscriptionId"];
  if (typeof location !== "string" || !/^[a-z][a-z0-9]{2,30}$/.test(location)) {
    problems.push({ key: "azure-native:location", message: location === undefined ? "is required for cloud azure" : `"${String(location)}" is not an Azure region name`, fix: "pulumi config set azure-native:location eastus" });
  }
  if (typeof subscriptionId !== "string" || !/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/.test(subscriptionId)) {
    problems.push({
      key: "azure-native:subscriptionId",
      message: subscriptionId === undefined ? "is required for cloud azure: it is part of the Key Vault name's hash (vault names are globally unique)" : `"${String(subscriptionId)}" is not a subscription id (a GUID)`,
      fix: "pulumi config set azure-native:subscriptionId <subscription GUID>",
    });
  }
  const azure = raw.azure;
  const size = azureConfidentialSize(azure.vmSize);
  if (!size.ok) {
    problems.push({ key: "azure.vmSize", message: size.reason, fix: `use a confidential VM size of ${azure.technology}, e.g. ${SIZE_EXAMPLES[azure.technology]}` });
  } else if (size.technology !== azure.technology) {
    problems.push({
      key: "azure.vmSize",
      message: `${azure.vmSize} is a ${size.technology === "SEV_SNP" ? "AMD SEV-SNP" : "Intel TDX"} size (${size.family}), but azure.technology is ${azure.technology}; the attestation type the key release requires (sevsnpvm or tdxvm) would never match`,
      fix: `use ${SIZE_EXAMPLES[azure.technology]}, or set azure.technology: ${size.technology}`,
    });
  } else {
    const missing = azureSizeProblem(azure.vmSize, size.family, size.vcpus, /^Standard_(DC|EC)\d+i/.test(azure.vmSize));
    if (missing) problems.push({ key: "azure.vmSize", message: missing, fix: `use a size the series offers (docs/environments.md, Value checks), e.g. ${SIZE_EXAMPLES[azure.technology]}` });
  }
  const image = azure.image;
  if (image.publisher !== "Canonical" || !/cvm$/.test(image.sku)) {
    problems.push({
      key: "azure.image",
      message: `${image.publisher}:${image.offer}:${image.sku} is not a confidential (CVM) Ubuntu image; confidential VMs boot only images whose SKU is made for them (e.g. 22_04-lts-cvm)`,
      fix: "remove azure.image (defaults to Canonical:0001-com-ubuntu-confidential-vm-jammy:22_04-lts-cvm), or use Canonical:ubuntu-24_04-lts:cvm",
    });
  }
  if (azure.fleet.minSize > azure.fleet.maxSize) problems.push({ key: "azure.fleet", message: `needs minSize <= maxSize (got ${azure.fleet.minSize} > ${azure.fleet.maxSize})`, fix: "adjust azure.fleet" });
  if (new Set(azure.zones).size !== azure.zones.length) problems.push({ key: "azure.zones", message: "lists a zone twice", fix: "list each zone once" });
  if (azure.ssh) {
    azure.ssh.sourceCidrs.forEach((cidr, i) => {
      if (!isPrivateCidr(cidr)) {
        problems.push({
          key: `azure.ssh.sourceCidrs[${i}]`,
          message: `${cidr} is not a private (RFC 1918) range: SSH must never be reachable from the internet, since root in the guest is inside the attested trust boundary and can read released keys and every request`,
          fix: "admit only a VPN or Azure Bastion range such as 10.0.0.0/24, or remove azure.ssh",
        });
      }
    });
  }

  const releases: AzureContainerRelease[] = raw.releases.map((r) => ({ ...r, digest: r.image.slice(r.image.indexOf("@") + 1) }));
  const versions = releases.map((r) => r.version);
  const digests = releases.map((r) => r.digest);
  if (new Set(versions).size !== versions.length || new Set(digests).size !== digests.length) {
    problems.push({ key: "releases", message: "lists a release (version or image digest) twice", fix: "list each release once: the running one, then the next during a rotation" });
  }
  problems.push(...secretsInEnv(source, raw.proofServer.env));

  const ingress = resolveIngress(raw, releases, azureIngressRules(raw.ingress.mode), problems);
  if (ingress.mode === "terminate") {
    if (!azure.certificate) {
      problems.push({ key: "azure.certificate", message: "is required in terminate mode: the Application Gateway's HTTPS listener needs a certificate", fix: "pulumi config set --path azure.certificate.keyVaultSecretId https://<vault>.vault.azure.net/secrets/<name>" });
    }
    // The gateway trusts only certificates under backendTls' root; on Azure the hosts get such a
    // certificate only through the attestation-gated secrets (docs/azure-key-release.md).
    if (ingress.backendProtocol === "HTTPS" && azure.backendTls && raw.proofServer.build === "tee" && azure.secrets?.tlsCertificate === undefined) {
      problems.push({
        key: "azure.secrets.tlsCertificate",
        message: "is required with HTTPS to the VMs: the gateway trusts only a certificate under azure.backendTls.trustedRootCertificate, and the hosts receive one only as a released secret; without it every backend would be unhealthy",
        fix: "set azure.secrets.tlsCertificate and azure.secrets.tlsKey (Key Vault secret names, wrapped with npm run azure:wrap-secret) and azure.secrets.releaseTool",
      });
    }
    if (ingress.backendProtocol === "HTTPS" && !azure.backendTls) {
      problems.push({
        key: "azure.backendTls",
        message: "is required in terminate mode with HTTPS to the VMs: Application Gateway v2 trusts a backend only through trustedRootCertificates and checks the host name in its certificate",
        fix: "set azure.backendTls: {trustedRootCertificate: <root CA PEM>, hostName: <name in the server's certificate>}, or accept a plaintext hop (ingress.backendProtocol: HTTP with ingress.plaintextHop)",
      });
    }
    if (azure.network.mode === "existing" && (!azure.network.appGatewaySubnetId || !azure.network.appGatewaySubnetCidr)) {
      problems.push({ key: "azure.network.appGatewaySubnetId", message: "is required in terminate mode on an existing network, with azure.network.appGatewaySubnetCidr: the Application Gateway needs a dedicated subnet, and the hosts' NSG admits 6300 from its range only", fix: "set azure.network.appGatewaySubnetId and azure.network.appGatewaySubnetCidr" });
    }
  } else {
    if (azure.certificate) problems.push({ key: "azure.certificate", message: "applies only to terminate mode; in passthrough TLS ends inside the VM", fix: "remove azure.certificate" });
    if (azure.backendTls) problems.push({ key: "azure.backendTls", message: "applies only to terminate mode", fix: "remove azure.backendTls" });
  }
  problems.push(...secretsProblems(raw, releases));
  if (!size.ok || typeof location !== "string" || typeof subscriptionId !== "string") return undefined;
  const { adminPassword: _never, ...settings } = azure;
  return {
    cloud: "azure",
    ...sharedSettings(raw, ingress),
    releases,
    azure: { ...settings, location, subscriptionId: subscriptionId.toLowerCase(), zones: [...azure.zones] },
  };
}

/** azure.secrets against the build, the releases and proofServer.env. */
function secretsProblems(raw: RawAzureStackConfig, releases: readonly AzureContainerRelease[]): ConfigProblem[] {
  const secrets = raw.azure.secrets;
  if (!secrets) return [];
  const problems: ConfigProblem[] = [];
  const named = (["apiKey", "tlsCertificate", "tlsKey"] as const).filter((k) => secrets[k] !== undefined);
  if (raw.proofServer.build === "reference") {
    problems.push({ key: "azure.secrets", message: "is for the TEE build: the reference build (proofServer.build: reference) reads no API key and serves no TLS", fix: "remove azure.secrets, or run the TEE build (proofServer.build: tee)" });
  }
  if (named.length === 0) problems.push({ key: "azure.secrets", message: "names no secret", fix: "set azure.secrets.apiKey and/or azure.secrets.tlsCertificate with azure.secrets.tlsKey (Key Vault secret names), or remove azure.secrets" });
  if ((secrets.tlsKey === undefined) !== (secrets.tlsCertificate === undefined)) {
    const missing = secrets.tlsKey === undefined ? "tlsKey" : "tlsCertificate";
    problems.push({ key: `azure.secrets.${missing}`, message: "is required with the other TLS secret: the server loads its certificate and key together", fix: `set azure.secrets.${missing} to the Key Vault secret holding the ${missing === "tlsKey" ? "private key" : "certificate chain"}` });
  }
  const names = named.map((k) => secrets[k]);
  if (new Set(names).size !== names.length) problems.push({ key: "azure.secrets", message: "names one Key Vault secret for two files", fix: "store the API key, the certificate and the key in three secrets" });
  if (secrets.tlsKey !== undefined) {
    releases.forEach((r, i) => {
      if (!r.servesTls) problems.push({ key: `releases[${i}].servesTls`, message: `is false, but azure.secrets.tlsKey gives the server a TLS key; release ${r.version} would not use it`, fix: "pin a release that serves TLS (servesTls: true), or remove azure.secrets.tlsCertificate and azure.secrets.tlsKey" });
    });
  }
  for (const k of named) {
    const env = SECRET_FILES[k].env;
    if (env in raw.proofServer.env) problems.push({ key: `proofServer.env.${env}`, message: `is set by azure.secrets.${k} (unwrapped on the VM)`, fix: `remove proofServer.env.${env}` });
  }
  if (secrets.apiKey !== undefined && "MIDNIGHT_PROOF_SERVER_DISABLE_AUTH" in raw.proofServer.env) {
    problems.push({ key: "proofServer.env.MIDNIGHT_PROOF_SERVER_DISABLE_AUTH", message: "turns off the API key that azure.secrets.apiKey delivers", fix: "remove proofServer.env.MIDNIGHT_PROOF_SERVER_DISABLE_AUTH" });
  }
  return problems;
}

/** proofServer.env reaches the container through custom data, readable in the guest and in Pulumi state. */
function secretsInEnv(source: ConfigSource, env: Readonly<Record<string, string>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const where = "proofServer.env is written in plaintext to the scale set's custom data (Pulumi state, /var/lib/cloud on every VM)";
  const fix = "remove it from proofServer.env: keys reach the VM only through Secure Key Release, to an attested confidential VM";
  const secretKeys = source.secretKeys ?? [];
  for (const [name, value] of Object.entries(env)) {
    const key = `proofServer.env.${name}`;
    if (value === SECRET_PLACEHOLDER || secretKeys.includes(`${PROJECT}:proofServer.env.${name}`)) {
      problems.push({ key, message: `is a secure: value; ${where}, so a secret there is no secret`, fix });
      continue;
    }
    const why = secretLikeEnv(name, value);
    if (why) problems.push({ key, message: `looks like a secret (${why}); ${where}`, fix });
  }
  // `pulumi up` marks the whole proofServer key secret when any value in it is secure.
  if (secretKeys.includes(`${PROJECT}:proofServer`) && Object.keys(env).length > 0 && problems.length === 0) {
    problems.push({ key: "proofServer", message: `holds a secure: value; ${where}`, fix });
  }
  return problems;
}
