import { describe, expect, it } from "vitest";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { awsEc2SecurityGroupDisallowPublicIngress as sgRule } from "../../../policy/baseline/rules/aws-ec2-securitygroup-disallow-public-ingress";
import { awsLbListenerRequireModernTls as tlsRule } from "../../../policy/baseline/rules/aws-lb-listener-require-modern-tls";
import { awsDev, NONE, ofType, pick, resource, violations, withProps } from "./dev-stacks";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const LISTENER = "aws:lb/listener:Listener";

describe("aws-ec2-securitygroup-disallow-public-ingress", () => {
  it("passes the dev stack: 443 open to clients on the load balancer, hosts reachable from its group only", async () => {
    for (const r of [...ofType(awsDev, INGRESS), ...ofType(awsDev, SG)]) expect(await runResourcePolicy(sgRule, r)).toEqual(NONE);
  });

  it("refuses SSH from anywhere, in an inline rule, a standalone rule and over IPv6", async () => {
    const inline = resource(SG, "bastion", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });
    expect(await runResourcePolicy(sgRule, inline)).toEqual(violations("ingress[0]: port 22 (admin port 22) open to 0.0.0.0/0: use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range"));
    const standalone = withProps(pick(awsDev, INGRESS, "prover-dev-lb-in-443-0"), { cidrIpv4: undefined, cidrIpv6: "::/0", fromPort: 3300, toPort: 3400 });
    expect(await runResourcePolicy(sgRule, standalone)).toEqual(violations("ingress rule: ports 3300-3400 (admin port 3389) open to ::/0: use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range"));
    const legacy = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "ssh", { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-1" });
    expect(await runResourcePolicy(sgRule, legacy)).toEqual(violations("ingress rule: all ports (admin ports 22, 3389) open to 0.0.0.0/0: use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range"));
  });

  it("refuses the proof server's port open to the internet, and follows the configured listener ports", async () => {
    const direct = withProps(pick(awsDev, INGRESS, "prover-dev-hosts-in-lb"), { referencedSecurityGroupId: undefined, cidrIpv4: "0.0.0.0/0" });
    expect(await runResourcePolicy(sgRule, direct)).toEqual(violations("ingress rule: port 6300 open to 0.0.0.0/0: only the load balancer's listener ports (80, 443) may face the internet; hosts take traffic from the load balancer only"));
    expect(await runResourcePolicy(sgRule, direct, { publicPorts: [443, 6300], adminPorts: [22, 3389] })).toEqual(NONE);
    // An egress rule or a narrow source is not judged.
    expect(await runResourcePolicy(sgRule, resource("aws:ec2/securityGroupRule:SecurityGroupRule", "out", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }))).toEqual(NONE);
    expect(await runResourcePolicy(sgRule, withProps(direct, { cidrIpv4: "10.0.0.0/8" }))).toEqual(NONE);
  });
});

describe("aws-lb-listener-require-modern-tls", () => {
  const https = pick(awsDev, LISTENER, "prover-dev-https-443");

  it("passes the dev stack's HTTPS listener with ELBSecurityPolicy-TLS13-1-2-2021-06", async () => {
    expect(https.props["sslPolicy"]).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    expect(await runResourcePolicy(tlsRule, https)).toEqual(NONE);
  });

  it("refuses a legacy or missing TLS policy", async () => {
    expect(await runResourcePolicy(tlsRule, withProps(https, { sslPolicy: "ELBSecurityPolicy-2016-08" }))).toEqual(violations('sslPolicy "ELBSecurityPolicy-2016-08" is not a modern policy; use one of ELBSecurityPolicy-TLS13-*, ELBSecurityPolicy-FS-*'));
    expect(await runResourcePolicy(tlsRule, withProps(https, { sslPolicy: undefined }))).toEqual(violations("HTTPS listener sets no sslPolicy, so the load balancer's default policy applies; set one of ELBSecurityPolicy-TLS13-*, ELBSecurityPolicy-FS-*"));
  });

  it("refuses a plaintext listener that forwards, unless accepted in writing; a redirect-only port 80 passes", async () => {
    const plain = withProps(https, { protocol: "HTTP", port: 80, sslPolicy: undefined, certificateArn: undefined });
    expect(await runResourcePolicy(tlsRule, plain)).toEqual(violations("plaintext HTTP listener on port 80 forwards requests: serve HTTPS, redirect to HTTPS, or state the acceptance in plaintextAccepted"));
    expect(await runResourcePolicy(tlsRule, plain, { plaintextAccepted: [{ resource: "prover-dev-https-443", reason: "internal test harness only" }] })).toEqual(NONE);
    expect(await runResourcePolicy(tlsRule, plain, { plaintextAccepted: [{ resource: "another-listener", reason: "internal test harness only" }] })).toEqual(violations("plaintext HTTP listener on port 80 forwards requests: serve HTTPS, redirect to HTTPS, or state the acceptance in plaintextAccepted"));
    const redirect = withProps(plain, { defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] });
    expect(await runResourcePolicy(tlsRule, redirect)).toEqual(NONE);
    // A TCP listener passes TLS through to the TEE.
    expect(await runResourcePolicy(tlsRule, withProps(plain, { protocol: "TCP", port: 443 }))).toEqual(NONE);
  });
});
