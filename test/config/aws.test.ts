/**
 * AWS settings: enclave-capable instance types, the enclave
 * allocation against the manifest and the parent's share, fleet sizes, region and key admins.
 */
import { describe, expect, it } from "vitest";
import { devValues, devWith, expectOnlyProblem, problemsOf, resolveOk, prodWith } from "./helpers";

const TYPE_ADVICE = "use an enclave-capable, non-burstable type with at least 4 vCPUs, e.g. m6i.xlarge or c6i.2xlarge";

/** Exactly one problem, on aws.instanceType, saying why and what to use instead. */
function expectInstanceTypeRefused(instanceType: string, reason: string | readonly string[]): void {
  const problem = expectOnlyProblem(devWith((_v, p) => (p("aws").instanceType = instanceType)), "aws.instanceType", reason);
  // The advice may sit in the message or in the fix; it must be there.
  expect(`${problem.message}\n${problem.fix}`).toContain(TYPE_ADVICE);
}

describe("aws.instanceType", () => {
  it("refuses a burstable type (t3.xlarge)", () => {
    expectInstanceTypeRefused("t3.xlarge", '"t3.xlarge" is burstable: burstable instances cannot run Nitro Enclaves');
  });

  it("refuses a type too small for enclave + parent (m6i.large)", () => {
    expectInstanceTypeRefused("m6i.large", ['size "large" is too small or unknown: enclave hosts need at least 4 vCPUs', "xlarge, 2xlarge"]);
  });

  it("refuses an unknown family (m6g, arm64: the published EIF is x86_64)", () => {
    expectInstanceTypeRefused("m6g.xlarge", ['family "m6g" is not a supported x86_64 Nitro Enclave family', "supported: m5, m5a"]);
  });

  it("refuses a flex type (m7i-flex.xlarge)", () => {
    expectInstanceTypeRefused("m7i-flex.xlarge", '"m7i-flex.xlarge" is a flex instance, which does not support Nitro Enclaves');
  });

  it("refuses a string that is not family.size", () => {
    expectInstanceTypeRefused("m6ixlarge", '"m6ixlarge" is not an instance type of the form family.size');
  });

  it("refuses a non-string instance type without claiming it is missing", () => {
    const values = devWith((_v, p) => (p("aws").instanceType = 4));
    const problem = expectOnlyProblem(values, "aws.instanceType", "expected string, received number", "pulumi config set --path 'aws.instanceType'");
    expect(problem.message).not.toContain("is required");
  });

  it("resolves the shape of an accepted type", () => {
    const config = resolveOk(devWith((_v, p) => (p("aws").instanceType = "c6i.2xlarge")));
    expect(config.aws.instanceType).toBe("c6i.2xlarge");
    expect(config.aws.instanceShape).toEqual({ vcpus: 8, memoryMiB: 16384, threadsPerCore: 2 });
  });
});

describe("aws.enclave allocation", () => {
  it("defaults to the manifest's buildInfo (2 vCPUs, 4096 MiB)", () => {
    const config = resolveOk(devWith((_v, p) => (p("aws").enclave = {})));
    expect(config.aws.enclave).toEqual({ cpuCount: 2, memoryMiB: 4096 });
  });

  it("refuses cpuCount below the manifest's buildInfo.cpuCount (1 < 2), and flags it as odd", () => {
    const problems = problemsOf(devWith((_v, p) => (p("aws").enclave.cpuCount = 1)));
    expect(problems.map((p) => [p.key, p.message, p.fix])).toEqual([
      ["aws.enclave.cpuCount", "1 is below the release manifest's buildInfo.cpuCount (2)", "set it to at least 2"],
      ["aws.enclave.cpuCount", "1 is odd: the enclave allocator takes whole cores (2 vCPUs each on m6i.xlarge)", "use 2"],
    ]);
  });

  it("refuses memoryMiB below the manifest's buildInfo.memoryMB (2048 < 4096)", () => {
    const values = devWith((_v, p) => (p("aws").enclave.memoryMiB = 2048));
    expectOnlyProblem(values, "aws.enclave.memoryMiB", "2048 MiB is below the release manifest's buildInfo.memoryMB (4096)", "set it to at least 4096");
  });

  it("refuses an allocation leaving the parent fewer than 2 vCPUs (m6i.xlarge with cpuCount 4)", () => {
    const values = devWith((_v, p) => (p("aws").enclave.cpuCount = 4));
    expectOnlyProblem(
      values,
      "aws.enclave.cpuCount",
      "4 of m6i.xlarge's 4 vCPUs leaves the parent 0; it needs at least 2 for the forwarder, KMS proxy and agent",
      "use at most 2 enclave vCPUs or a larger instance type",
    );
  });

  it("refuses an allocation leaving the parent less than 2048 MiB (m6i.xlarge with 15000 MiB)", () => {
    const values = devWith((_v, p) => (p("aws").enclave.memoryMiB = 15000));
    expectOnlyProblem(values, "aws.enclave.memoryMiB", "15000 MiB of m6i.xlarge's 16384 MiB leaves the parent less than 2048 MiB", "use at most 14336 MiB or a larger instance type");
  });

  it("accepts exactly 2048 MiB and 2 vCPUs left to the parent", () => {
    const config = resolveOk(devWith((_v, p) => (p("aws").enclave = { cpuCount: 2, memoryMiB: 14336 })));
    expect(config.aws.enclave).toEqual({ cpuCount: 2, memoryMiB: 14336 });
  });

  it("refuses an odd cpuCount that otherwise fits (3 on m6i.2xlarge)", () => {
    const values = devWith((_v, p) => {
      p("aws").instanceType = "m6i.2xlarge";
      p("aws").enclave.cpuCount = 3;
    });
    expectOnlyProblem(values, "aws.enclave.cpuCount", "3 is odd: the enclave allocator takes whole cores (2 vCPUs each on m6i.2xlarge)", "use 4");
  });

  it("accepts 6 of m6i.2xlarge's 8 vCPUs", () => {
    const config = resolveOk(devWith((_v, p) => {
      p("aws").instanceType = "m6i.2xlarge";
      p("aws").enclave.cpuCount = 6;
    }));
    expect(config.aws.enclave).toEqual({ cpuCount: 6, memoryMiB: 4096 });
    expect(config.aws.instanceShape).toEqual({ vcpus: 8, memoryMiB: 32768, threadsPerCore: 2 });
  });

  it("refuses a zero cpuCount in the schema", () => {
    const values = devWith((_v, p) => (p("aws").enclave.cpuCount = 0));
    expectOnlyProblem(values, "aws.enclave.cpuCount", "Too small", "pulumi config set --path 'aws.enclave.cpuCount'");
  });

  it("refuses an unknown key in aws.enclave", () => {
    const values = devWith((_v, p) => (p("aws").enclave.memoryMib = 4096));
    expectOnlyProblem(values, "aws.enclave.memoryMib", 'unknown key "memoryMib" (did you mean "memoryMiB"?)', 'rename it to "aws.enclave.memoryMiB"');
  });
});

describe("aws.amiId", () => {
  const prod = (amiId?: string) =>
    prodWith((_v, p) => {
      if (amiId !== undefined) p("aws").amiId = amiId;
      else delete p("aws").amiId;
    });

  it("refuses prod that would follow the latest Amazon Linux 2023 image", () => {
    expectOnlyProblem(
      prod(),
      "aws.amiId",
      ["prod must boot an AMI that config pins", "unset, it defaults to an SSM parameter"],
      ["pulumi config set --path aws.amiId ami-", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", "us-east-1"],
    );
  });

  it("refuses prod with an SSM parameter instead of an AMI id", () => {
    expectOnlyProblem(prod("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"), "aws.amiId", '"resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" is an SSM parameter');
  });

  it("accepts a pinned AMI in prod; dev and staging may follow latest", () => {
    expect(resolveOk(prod("ami-0abcdef0123456789")).aws.amiId).toBe("ami-0abcdef0123456789");
    expect(resolveOk(devValues()).aws.amiId).toBe("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    expect(resolveOk(devWith((v, p) => {
      v["tee-prover-infra:environment"] = "staging";
      p("aws").fleet = { minSize: 2, maxSize: 4 };
    })).aws.amiId).toMatch(/^resolve:ssm:/);
  });
});

describe("aws.fleet", () => {
  it("refuses prod with minSize 1", () => {
    const values = prodWith((_v, p) => (p("aws").fleet = { minSize: 1, maxSize: 4 }));
    expectOnlyProblem(values, "aws.fleet.minSize", "prod needs at least 2 hosts", "set aws.fleet.minSize: 2");
  });

  it("accepts prod with minSize 2 (and defaults prod's log retention to 365 days)", () => {
    const config = resolveOk(prodWith());
    expect(config.environment).toBe("prod");
    expect(config.aws.amiId).toBe("ami-0123456789abcdef0");
    expect(config.aws.fleet).toEqual({ minSize: 2, maxSize: 4, desiredCapacity: 2 });
    expect(config.logRetentionDays).toBe(365);
  });

  it("refuses minSize > maxSize", () => {
    const values = devWith((_v, p) => (p("aws").fleet = { minSize: 3, maxSize: 2 }));
    expectOnlyProblem(values, "aws.fleet", "needs minSize <= desiredCapacity <= maxSize (got 3 <= 3 <= 2)", "adjust aws.fleet.minSize / desiredCapacity / maxSize");
  });

  it("refuses desiredCapacity above maxSize", () => {
    const values = devWith((_v, p) => (p("aws").fleet.desiredCapacity = 3));
    expectOnlyProblem(values, "aws.fleet", "(got 1 <= 3 <= 2)", "adjust aws.fleet.minSize / desiredCapacity / maxSize");
  });

  it("refuses minSize 0 in the schema", () => {
    const values = devWith((_v, p) => (p("aws").fleet.minSize = 0));
    expectOnlyProblem(values, "aws.fleet.minSize", "Too small: expected number to be >=1", "pulumi config set --path 'aws.fleet.minSize'");
  });
});

describe("aws:region and the aws section", () => {
  it("refuses a missing aws:region, naming the aws namespace key", () => {
    const values = devWith((v) => delete v["aws:region"]);
    const problem = expectOnlyProblem(values, "aws:region", "is required for cloud aws", "pulumi config set aws:region us-east-1");
    expect(problem.key).not.toContain("tee-prover-infra");
  });

  it("refuses a region that is not an AWS region", () => {
    const values = devWith((v) => (v["aws:region"] = "us-east"));
    expectOnlyProblem(values, "aws:region", '"us-east" is not an AWS region', "pulumi config set aws:region us-east-1");
  });

  it("refuses cloud aws without an aws section", () => {
    const values = devWith((v) => delete v["tee-prover-infra:aws"]);
    expectOnlyProblem(values, "aws", "is required when cloud is aws", "add an aws: section");
  });
});

describe("aws.keyAdministratorArns", () => {
  const REFUSED = "the account root and wildcards are refused because they would let any IAM policy in the account bypass attestation";

  it("refuses the account root", () => {
    const values = devWith((_v, p) => (p("aws").keyAdministratorArns = ["arn:aws:iam::123456789012:root"]));
    expectOnlyProblem(values, "aws.keyAdministratorArns[0]", ["must be an IAM role or user ARN", REFUSED], "pulumi config set --path 'aws.keyAdministratorArns[0]'");
  });

  it("refuses *", () => {
    const values = devWith((_v, p) => (p("aws").keyAdministratorArns = ["*"]));
    expectOnlyProblem(values, "aws.keyAdministratorArns[0]", REFUSED, "pulumi config set --path 'aws.keyAdministratorArns[0]'");
  });

  it("refuses a role wildcard, naming its index", () => {
    const values = devWith((_v, p) => p("aws").keyAdministratorArns.push("arn:aws:iam::123456789012:role/*"));
    expectOnlyProblem(values, "aws.keyAdministratorArns[1]", REFUSED, "pulumi config set --path 'aws.keyAdministratorArns[1]'");
  });

  it("refuses an empty list", () => {
    const values = devWith((_v, p) => (p("aws").keyAdministratorArns = []));
    expectOnlyProblem(values, "aws.keyAdministratorArns", "list at least the role that runs pulumi up", "pulumi config set --path 'aws.keyAdministratorArns'");
  });

  it("accepts roles and users", () => {
    const arns = ["arn:aws:iam::123456789012:role/pulumi-deployer", "arn:aws:iam::123456789012:user/ops/alice"];
    expect(resolveOk(devWith((_v, p) => (p("aws").keyAdministratorArns = arns))).aws.keyAdministratorArns).toEqual(arns);
  });
});

describe("aws.vpc", () => {
  it("refuses a create-mode CIDR smaller than /18", () => {
    const values = devWith((_v, p) => (p("aws").vpc.cidrBlock = "10.64.0.0/20"));
    expectOnlyProblem(values, "aws.vpc.cidrBlock", "must be a /16, /17 or /18", "pulumi config set --path 'aws.vpc.cidrBlock'");
  });

  it("refuses an existing VPC with private subnets in one AZ only", () => {
    const values = devWith((_v, p) => (p("aws").vpc = { mode: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0"], publicSubnetIds: ["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"] }));
    expectOnlyProblem(values, "aws.vpc.privateSubnetIds", "needs subnets in at least 2 AZs", "pulumi config set --path 'aws.vpc.privateSubnetIds'");
  });
});

describe("instance sizes and cores", () => {
  it("accepts any Nxlarge size with 4N vCPUs (c5.9xlarge: 36 vCPUs, 72 GiB)", () => {
    const config = resolveOk(devWith((_v, p) => (p("aws").instanceType = "c5.9xlarge")));
    expect(config.aws.instanceShape).toEqual({ vcpus: 36, memoryMiB: 73728, threadsPerCore: 2 });
  });

  it("refuses metal sizes", () => {
    expectOnlyProblem(devWith((_v, p) => (p("aws").instanceType = "m6i.metal")), "aws.instanceType", 'size "metal" is too small or unknown');
  });

  it("allows an odd enclave cpuCount on one-thread-per-core AMD 7a families (3 of m7a.2xlarge's 8)", () => {
    const config = resolveOk(devWith((_v, p) => {
      p("aws").instanceType = "m7a.2xlarge";
      p("aws").enclave.cpuCount = 3;
    }));
    expect(config.aws.enclave.cpuCount).toBe(3);
    expect(config.aws.instanceShape.threadsPerCore).toBe(1);
  });
});

describe("aws.pinParentRole (PCR3 in the KMS condition)", () => {
  it("is pinned by default", () => {
    expect(resolveOk(devValues()).aws.parentRolePin).toEqual({ pinned: true });
  });

  it("refuses false without a reason", () => {
    expectOnlyProblem(
      devWith((_v, p) => (p("aws").pinParentRole = false)),
      "aws.pinParentRoleOffReason",
      ["is required when aws.pinParentRole is false", "any parent instance that holds the host role's credentials"],
      "keep aws.pinParentRole true (the default), or say why in aws.pinParentRoleOffReason",
    );
  });

  it("refuses a reason that says nothing", () => {
    expectOnlyProblem(
      devWith((_v, p) => Object.assign(p("aws"), { pinParentRole: false, pinParentRoleOffReason: "  because " })),
      "aws.pinParentRoleOffReason",
      "is required when aws.pinParentRole is false",
    );
  });

  it("accepts false with a reason, and carries the reason to the component", () => {
    const reason = "the enclave is tested on a scratch instance profile during bring-up";
    const config = resolveOk(devWith((_v, p) => Object.assign(p("aws"), { pinParentRole: false, pinParentRoleOffReason: reason })));
    expect(config.aws.parentRolePin).toEqual({ pinned: false, reason });
  });

  it("refuses a non-boolean", () => {
    expectOnlyProblem(devWith((_v, p) => (p("aws").pinParentRole = "no")), "aws.pinParentRole", "expected boolean");
  });
});

describe("aws.interactiveAccess (Session Manager shells on the hosts)", () => {
  const withEnv = (environment: string, interactiveAccess?: boolean) =>
    prodWith((v, p) => {
      v["tee-prover-infra:environment"] = environment;
      if (interactiveAccess !== undefined) p("aws").interactiveAccess = interactiveAccess;
    });

  it("defaults to on in dev and staging, off in prod", () => {
    expect(resolveOk(withEnv("dev")).aws.interactiveAccess).toBe(true);
    expect(resolveOk(withEnv("staging")).aws.interactiveAccess).toBe(true);
    expect(resolveOk(withEnv("prod")).aws.interactiveAccess).toBe(false);
  });

  it("follows an explicit setting in any environment", () => {
    expect(resolveOk(withEnv("prod", true)).aws.interactiveAccess).toBe(true);
    expect(resolveOk(withEnv("dev", false)).aws.interactiveAccess).toBe(false);
  });

  it("refuses a non-boolean", () => {
    expectOnlyProblem(devWith((_v, p) => (p("aws").interactiveAccess = "yes")), "aws.interactiveAccess", "expected boolean");
  });
});
