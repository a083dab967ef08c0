import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { AzureNetworkApplicationGateway as ApplicationGateway, AzureNetworkLoadBalancer as LoadBalancer } from "../../common/resource-types";
import { HEALTH_CONFIG, HEALTH_DEFAULTS } from "../../common/baseline-health";
import { configOf, forTypes, num, recs, str } from "../../common/baseline-props";

// Why (advisory): a wrong probe costs availability, not confidentiality, and the P0
// no-healthy-host alarm still fires; teams raise it to mandatory once their probes match.
// A probe anywhere but the proof server keeps an instance whose server is down
// in rotation. Load balancer probes: Http/Https with requestPath /health, or Tcp, on the port;
// Application Gateway probes are HTTP(S) and need path /health
// (https://learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview,
// https://learn.microsoft.com/azure/application-gateway/application-gateway-probe-overview).

function checkProbe(label: string, protocol: string, port: number | undefined, path: string | undefined, cfg: typeof HEALTH_DEFAULTS, report: ReportViolation): void {
  if (port !== undefined && port !== cfg.port) report(`${label} probes port ${port}, not the proof server's port ${cfg.port}`);
  if (protocol.toLowerCase().startsWith("http") && path !== cfg.path) report(`${label} path is ${path ?? "unset"}; probe ${cfg.path}`);
}

export const azureNetworkProbeEnforceProofServerHealth: ResourceValidationPolicy = {
  name: "azure-network-probe-enforce-proof-server-health",
  description: "Load balancer and Application Gateway probes check the proof server: HTTP(S) on /health (or TCP) on its port; a gateway or balancer has at least one probe.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: "Load balancer: probes [{ protocol: Http, port: 6300, requestPath: \"/health\" }] (or Tcp on 6300). Application Gateway: probes [{ protocol: Http, path: \"/health\", pickHostNameFromBackendHttpSettings: true }] referenced from the backend HTTP settings on port 6300.",
  configSchema: HEALTH_CONFIG,
  validateResource: forTypes([
    [
      LoadBalancer,
      (props, args, report) => {
        const cfg = configOf(args, HEALTH_DEFAULTS);
        const probes = recs(props["probes"]);
        if (probes.length === 0 && recs(props["loadBalancingRules"]).length > 0) report("load-balancing rules without a probe: traffic goes to instances whose server may be down");
        for (const p of probes) checkProbe(`probe ${str(p["name"]) ?? "(unnamed)"}`, str(p["protocol"]) ?? "Tcp", num(p["port"]), str(p["requestPath"]), cfg, report);
      },
    ],
    [
      ApplicationGateway,
      (props, args, report) => {
        const cfg = configOf(args, HEALTH_DEFAULTS);
        const probes = recs(props["probes"]);
        // Without a custom probe the gateway probes "/" on the backend settings' port.
        if (probes.length === 0) report(`no custom probe: the default probe requests "/", not ${cfg.path}`);
        for (const p of probes) checkProbe(`probe ${str(p["name"]) ?? "(unnamed)"}`, str(p["protocol"]) ?? "Http", num(p["port"]), str(p["path"]), cfg, report);
      },
    ],
  ]),
};
