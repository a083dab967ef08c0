/**
 * Claims of Microsoft Azure Attestation tokens a confidential VM obtains through its vTPM (guest
 * attestation, `x-ms-attestation-type: azurevm`), for evaluating release policies.
 *
 * SEV-SNP: Microsoft's sample guest token, decoded, from Azure/confidential-computing-cvm-guest-attestation
 * `aks-linux-sample/README.md` (an Ubuntu CVM attesting at the shared West US provider); long
 * hex/base64 values are kept as published. Only `iss` changes per test, to the authority under test.
 *
 * TDX: Microsoft publishes no decoded guest token of a TDX CVM. This one is the SEV-SNP guest
 * token's outer claims with the `x-ms-isolation-tee` object replaced by the TDX claims of the
 * sample tdxvm token on "Examples of an attestation token"
 * (https://learn.microsoft.com/azure/attestation/attestation-token-examples), which the MAA TDX
 * EAT profile defines. docs/azure-key-release.md says to check a real TDX token before relying on it.
 */

export type Claims = Record<string, unknown>;

const clone = <T>(v: T): T => structuredClone(v);

const SEV_SNP_GUEST_TOKEN: Claims = {
  exp: 1662613487,
  iat: 1662584687,
  iss: "https://sharedwus.wus.attest.azure.net",
  jti: "a241cac19aae204ef52e39c2d6b5d2c70e1e2c1aeac4ad9bf86aa1781267adc4",
  nbf: 1662584687,
  secureboot: true,
  "x-ms-attestation-type": "azurevm",
  "x-ms-azurevm-attestation-protocol-ver": "2.0",
  "x-ms-azurevm-attested-pcrs": [0, 1, 2, 3, 4, 5, 6, 7],
  "x-ms-azurevm-bootdebug-enabled": false,
  "x-ms-azurevm-dbvalidated": true,
  "x-ms-azurevm-dbxvalidated": true,
  "x-ms-azurevm-debuggersdisabled": true,
  "x-ms-azurevm-default-securebootkeysvalidated": true,
  "x-ms-azurevm-elam-enabled": false,
  "x-ms-azurevm-flightsigning-enabled": false,
  "x-ms-azurevm-hvci-policy": 0,
  "x-ms-azurevm-hypervisordebug-enabled": false,
  "x-ms-azurevm-is-windows": false,
  "x-ms-azurevm-kerneldebug-enabled": false,
  "x-ms-azurevm-osbuild": "NotApplication",
  "x-ms-azurevm-osdistro": "Ubuntu",
  "x-ms-azurevm-ostype": "Linux",
  "x-ms-azurevm-osversion-major": 18,
  "x-ms-azurevm-osversion-minor": 4,
  "x-ms-azurevm-signingdisabled": true,
  "x-ms-azurevm-testsigning-enabled": false,
  "x-ms-azurevm-vmid": "D3FD4B09-37A3-40D5-8F2A-EA80762213CC",
  "x-ms-isolation-tee": {
    "x-ms-attestation-type": "sevsnpvm",
    "x-ms-compliance-status": "azure-compliant-cvm",
    "x-ms-runtime": {
      keys: [
        {
          e: "AQAB",
          key_ops: ["encrypt"],
          kid: "HCLAkPub",
          kty: "RSA",
          n: "y2gBfQABhnaRKwTS7XfU4fySeNasQklcNfAd_iCHo9v836TYQezai1kH-zPsrs44A2mIKPKKsJat37WTtmZjeXO7K4hoVFUPBPdsNsKynOilR0quS6bKh8yeeSFH0-ulnhMEnDTfKgELI_4N6jd6qWAtR_pe8beTaahhjy0GQZ_SWcja95E856xHjfXFUv5ftJYutWi8Ay-OdZD5tDZDb64oGcUvPFw2oc_thYbzdaKuObIVxduJT8FbTSHttzRvbEDLRCq7QTEvOukgodDSCC6_QXtNG7L2PaPT0lxQ5gjTPbTss3QPQphKufVMCZAr3CTAjO4z87Rj03ggczmEKQ",
        },
      ],
      "vm-configuration": {
        "console-enabled": true,
        "current-time": 1662584684,
        "secure-boot": true,
        "tpm-enabled": true,
        vmUniqueId: "D3FD4B09-37A3-40D5-8F2A-EA80762213CC",
      },
    },
    "x-ms-sevsnpvm-authorkeydigest": "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "x-ms-sevsnpvm-bootloader-svn": 2,
    "x-ms-sevsnpvm-familyId": "01000000000000000000000000000000",
    "x-ms-sevsnpvm-guestsvn": 2,
    "x-ms-sevsnpvm-hostdata": "0000000000000000000000000000000000000000000000000000000000000000",
    "x-ms-sevsnpvm-idkeydigest": "57486a447ec0f1958002a22a06b7673b9fd27d11e1c6527498056054c5fa92d23c50f9de44072760fe2b6fb89740b696",
    "x-ms-sevsnpvm-imageId": "02000000000000000000000000000000",
    "x-ms-sevsnpvm-is-debuggable": false,
    "x-ms-sevsnpvm-launchmeasurement": "ad6de16ac59ee52351c6038df58d1be5aeaf41cd0f7c81b2279ecca0df6ef43a2b69d663ad6973d6dbb9db0ffd7a9023",
    "x-ms-sevsnpvm-microcode-svn": 93,
    "x-ms-sevsnpvm-migration-allowed": false,
    "x-ms-sevsnpvm-reportdata": "09582323ae7edaa31fe76b4965b21d4c982e1e1a3b73c5b46a9a590b38ce7c010000000000000000000000000000000000000000000000000000000000000000",
    "x-ms-sevsnpvm-reportid": "4bec0176bbc80b802673eee325b32989af6a232bce2d41ba54549a984d044258",
    "x-ms-sevsnpvm-smt-allowed": true,
    "x-ms-sevsnpvm-snpfw-svn": 6,
    "x-ms-sevsnpvm-tee-svn": 0,
    "x-ms-sevsnpvm-vmpl": 0,
  },
  "x-ms-policy-hash": "wm9mHlvTU82e8UqoOy1Yj1FBRSNkfe99-69IYDq9eWs",
  "x-ms-runtime": {
    "client-payload": { nonce: "MTIzNA==" },
    keys: [
      {
        e: "AQAB",
        key_ops: ["encrypt"],
        kid: "TpmEphemeralEncryptionKey",
        kty: "RSA",
        n: "ocTFYAAAtPu4l74fafO5w_OM6AUj497o9Asyc6eqI1WeXJFtE8GyBewJ1CRmLy0NK6lP4IzBdCXEYtGiFiMcpjc6fE7vLAC9hCMpfSBrFMPmxwZbZc4Rx4JdZIItlklmNejqnOylBt3rg8uVt5PmiMlK1khrzOG3UVbvo4GOAvPXarYQpwAsllQ38LCeCcNkf1ZnqlDI7jdbP3WLZ2Yw9SPeK6q_I1PuMmc3zSRZnH1IGs99DIocYD6B4IV9lzKvouqr7bjwnVohRBGMIvCfT6SFfFubUSQ-71bdkq9TBPX-8U26ZJXrhvldKR7e0i_C-21H4e84KhzhdYlWFaLk3w",
      },
    ],
  },
  "x-ms-ver": "1.0",
};

/** The TDX claims of Microsoft's sample tdxvm token (attestation token examples page). */
const TDX_ISOLATION_TEE: Claims = {
  attester_tcb_status: "UpToDate",
  dbgstat: "disabled",
  eat_profile: "https://aka.ms/maa-eat-profile-tdxvm",
  intuse: "generic",
  tdx_mrconfigid: "0".repeat(96),
  tdx_mrowner: "0".repeat(96),
  tdx_mrownerconfig: "0".repeat(96),
  tdx_mrseam: "2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe9d0c5a5363c656",
  tdx_mrsignerseam: "0".repeat(96),
  tdx_mrtd: "5be56d418d33661a6c21da77c9503a07e430b35eb92a0bd042a6b3c4e79b3c82bb1c594e770d0d129a0724669f1e953f",
  tdx_report_data: "93c6db49f2318387bcebdad0275e206725d948f9000d900344aa44abaef145960000000000000000000000000000000000000000000000000000000000000000",
  tdx_rtmr0: "0".repeat(96),
  tdx_rtmr1: "0".repeat(96),
  tdx_rtmr2: "0".repeat(96),
  tdx_rtmr3: "0".repeat(96),
  tdx_seam_attributes: "0000000000000000",
  tdx_seamsvn: 3,
  tdx_td_attributes: "0000000000000000",
  tdx_td_attributes_debug: false,
  tdx_td_attributes_key_locker: false,
  tdx_td_attributes_perfmon: false,
  tdx_td_attributes_protection_keys: false,
  tdx_td_attributes_septve_disable: false,
  tdx_tee_tcb_svn: "03000600000000000000000000000000",
  tdx_xfam: "e718060000000000",
  "x-ms-attestation-type": "tdxvm",
  "x-ms-compliance-status": "azure-compliant-cvm",
};

/** A compliant, non-debug SEV-SNP CVM's guest token, issued by `iss`. */
export function sevSnpToken(iss: string): Claims {
  return { ...clone(SEV_SNP_GUEST_TOKEN), iss };
}

/** A compliant, non-debug TDX CVM's guest token (constructed, see above), issued by `iss`. */
export function tdxToken(iss: string): Claims {
  return { ...clone(SEV_SNP_GUEST_TOKEN), iss, "x-ms-isolation-tee": clone(TDX_ISOLATION_TEE) };
}

/** The token with `x-ms-isolation-tee` changed by `edit` (a copy; the fixture is untouched). */
export function withTee(token: Claims, edit: (tee: Record<string, unknown>) => void): Claims {
  const copy = clone(token);
  const tee = copy["x-ms-isolation-tee"];
  if (typeof tee !== "object" || tee === null || Array.isArray(tee)) throw new Error("token without x-ms-isolation-tee");
  edit(tee as Record<string, unknown>);
  return copy;
}
