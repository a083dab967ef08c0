/**
 * The parent's attestation verifier: a small Python 3 program the host agent runs on every sample
 * so that its AttestationFailures metric means what `npm run verify` means (src/verify/nitro-document.ts,
 * docs/verify.md): the Nitro attestation document is a COSE_Sign1 (ES384) signed by the leaf
 * certificate's key, whose chain ends in the pinned AWS Nitro Enclaves Root G1, every certificate
 * valid; the document is fresh and carries our nonce; its PCRs equal an accepted release (warnOnly
 * PCRs as the KMS condition treats them, PCR3 when the parent role is pinned); not a debug enclave.
 *
 * Why Python and not the TS verifier: user data must stay under EC2's 16 KiB gzip-compressed, and
 * Node is not on Amazon Linux 2023 by default; python3 and python3-cryptography are (the AL2023
 * AMIs ship python3-cryptography 36.0.1 as a dependency of the AWS CLI:
 * https://docs.aws.amazon.com/linux/al2023/release-notes/relnotes-2023.3.20231211.html lists
 * python3-cryptography-36.0.1-1.amzn2023.0.5 even in the minimal AMI; AL2023's python3 is 3.9).
 * So the script uses only the cryptography 36 API and the Python 3.9 standard library. AL2023
 * packages no CBOR library, so the script decodes the small CBOR subset the NSM emits itself;
 * test/bootstrap/host-attestation-verifier.test.ts cross-checks that decoder against cbor-x on the
 * real documents.
 *
 * Constant text, like the shell scripts: every pin arrives as an argument from release.env.
 */

/** Exit codes the host agent acts on. */
export const VERIFIER_EXIT = { verified: 0, failed: 1, cannotCheck: 2 } as const;

/** Test-only: milliseconds since the epoch to use as "now" (a real document is only fresh at its own timestamp). */
export const VERIFIER_NOW_ENV = "TEE_PROVER_VERIFY_NOW_MS";

export const VERIFY_ATTESTATION_PY = String.raw`#!/usr/bin/python3
# Verifies the Nitro attestation document the enclave's server returned for the host agent's
# fresh nonce: the checks of npm run verify, in its order (docs/verify.md). Reads the /attestation
# response body on stdin. Exit 0 verified, 1 not verified (counted as an attestation failure),
# 2 could not check (bad arguments or a missing module). Uses only python3-cryptography 36 (AL2023)
# and the Python 3.9 standard library; decodes the CBOR subset the NSM emits itself.
import argparse
import base64
import datetime
import json
import os
import sys

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
except ImportError as error:
    print("cannot check: python3-cryptography is missing (%s)" % error)
    sys.exit(2)

UTC = datetime.timezone.utc
ZERO = "0" * 96
COSE_ALG_ES384 = -35


class Malformed(Exception):
    pass


class Tag:
    def __init__(self, tag, value):
        self.tag = tag
        self.value = value


def _head(data, pos):
    if pos >= len(data):
        raise Malformed("truncated CBOR")
    major, info = data[pos] >> 5, data[pos] & 31
    pos += 1
    if info < 24:
        return major, info, pos
    if info > 27:
        raise Malformed("indefinite-length or reserved CBOR item")
    size = 1 << (info - 24)
    if pos + size > len(data):
        raise Malformed("truncated CBOR")
    return major, int.from_bytes(data[pos:pos + size], "big"), pos + size


def _item(data, pos, depth):
    if depth > 8:
        raise Malformed("CBOR nested too deep")
    start = pos
    major, arg, pos = _head(data, pos)
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        if pos + arg > len(data):
            raise Malformed("truncated CBOR string")
        raw = bytes(data[pos:pos + arg])
        return (raw if major == 2 else raw.decode("utf-8")), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            value, pos = _item(data, pos, depth + 1)
            items.append(value)
        return items, pos
    if major == 5:
        entries = {}
        for _ in range(arg):
            key, pos = _item(data, pos, depth + 1)
            if isinstance(key, bool) or not isinstance(key, (int, str)) or key in entries:
                raise Malformed("CBOR map key %r is not a unique integer or text" % (key,))
            entries[key], pos = _item(data, pos, depth + 1)
        return entries, pos
    if major == 6:
        value, pos = _item(data, pos, depth + 1)
        return Tag(arg, value), pos
    simple = {0xF4: False, 0xF5: True, 0xF6: None}
    if data[start] in simple:
        return simple[data[start]], pos
    raise Malformed("unsupported CBOR item 0x%02x" % data[start])


def cbor_decode(data):
    value, end = _item(data, 0, 0)
    if end != len(data):
        raise Malformed("%d bytes after the CBOR item" % (len(data) - end))
    return value


def _cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise Malformed("length too large")


def sig_structure(protected, payload):
    # COSE_Sign1 Sig_structure (RFC 9052 section 4.4), external_aad empty.
    bstr = lambda b: _cbor_head(2, len(b)) + b
    return b"\x84" + _cbor_head(3, 10) + b"Signature1" + bstr(protected) + bstr(b"") + bstr(payload)


def _bytes(value, field, low, high):
    if not isinstance(value, bytes):
        raise Malformed(field + " is not a byte string")
    if not low <= len(value) <= high:
        raise Malformed("%s is %d bytes, expected %d..%d" % (field, len(value), low, high))
    return value


def parse_cose(document):
    try:
        top = cbor_decode(document)
    except (Malformed, UnicodeDecodeError) as error:
        raise Malformed("not CBOR: %s" % error)
    if isinstance(top, Tag) and top.tag == 18:
        top = top.value
    if not isinstance(top, list) or len(top) != 4:
        raise Malformed("not a 4-element COSE_Sign1 array")
    return (_bytes(top[0], "protected header", 1, 1024), _bytes(top[2], "payload", 1, 1 << 20),
            _bytes(top[3], "signature", 0, 1024))


def parse_payload(raw):
    # Fields and limits of the NSM API's attestation document specification, as the TS verifier.
    doc = cbor_decode(raw)
    if not isinstance(doc, dict):
        raise Malformed("payload is not a CBOR map")
    if not isinstance(doc.get("module_id"), str) or not doc["module_id"]:
        raise Malformed("module_id is missing or empty")
    if not isinstance(doc.get("digest"), str):
        raise Malformed("digest is missing")
    ts = doc.get("timestamp")
    if isinstance(ts, bool) or not isinstance(ts, int) or not 0 < ts < 2 ** 53:
        raise Malformed("timestamp is not a positive integer (ms since the epoch)")
    pcrs = doc.get("pcrs")
    if not isinstance(pcrs, dict) or not 1 <= len(pcrs) <= 32:
        raise Malformed("pcrs is not a map of 1..32 entries")
    for index, value in pcrs.items():
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 31:
            raise Malformed("pcrs has an invalid index %r" % (index,))
        if len(_bytes(value, "pcrs[%d]" % index, 32, 64)) not in (32, 48, 64):
            raise Malformed("pcrs[%d] is %d bytes" % (index, len(value)))
    _bytes(doc.get("certificate"), "certificate", 1, 1024)
    bundle = doc.get("cabundle")
    if not isinstance(bundle, list) or not bundle:
        raise Malformed("cabundle is not a non-empty array")
    for i, cert in enumerate(bundle):
        _bytes(cert, "cabundle[%d]" % i, 1, 1024)
    for field in ("public_key", "user_data", "nonce"):
        if doc.get(field) is not None:
            _bytes(doc[field], field, 0, 1024)
    return doc


def _cn(cert):
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return names[0].value if names else cert.subject.rfc4514_string()


def _validity(cert):
    # *_utc exist from cryptography 42 (which deprecates the naive ones); 36 has only the naive UTC ones.
    before = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=UTC)
    after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=UTC)
    return before, after


def _extension(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _issued_by(cert, issuer):
    # Names, and key identifiers when both are present (AWS leaves carry no AKI).
    if cert.issuer != issuer.subject:
        return False
    aki, ski = _extension(cert, x509.AuthorityKeyIdentifier), _extension(issuer, x509.SubjectKeyIdentifier)
    return aki is None or aki.key_identifier is None or ski is None or aki.key_identifier == ski.digest


def _signed_by(cert, issuer):
    key = issuer.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or cert.signature_hash_algorithm is None:
        return False
    try:
        key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        return True
    except InvalidSignature:
        return False


def _iso(at):
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


class Report:
    def __init__(self):
        self.lines = []
        self.failed = False

    def check(self, passed, name, message):
        self.failed = self.failed or not passed
        self.lines.append("%s %s: %s" % ("ok" if passed else "FAIL", name, message))

    def warn(self, name, message):
        self.lines.append("warn %s: %s" % (name, message))


def check_chain(report, doc, instants, root_sha256):
    try:
        certs = [x509.load_der_x509_certificate(der) for der in doc["cabundle"] + [doc["certificate"]]]
    except ValueError as error:
        report.check(False, "chain", "a certificate does not parse: %s" % error)
        return None
    root, last = certs[0], len(certs) - 1
    got = root.fingerprint(hashes.SHA256()).hex().upper()
    report.check(got == root_sha256, "root", "cabundle[0] (%s) has SHA-256 %s; pinned %s" % (_cn(root), got, root_sha256))
    problems = []
    if not _issued_by(root, root) or not _signed_by(root, root):
        problems.append("root %s is not self-signed" % _cn(root))
    for i, cert in enumerate(certs):
        name = "%s %s" % ("leaf" if i == last else "root" if i == 0 else "cabundle[%d]" % i, _cn(cert))
        before, after = _validity(cert)
        for at in instants:
            if at < before:
                problems.append("%s not yet valid at %s (valid from %s)" % (name, _iso(at), _iso(before)))
            elif at > after:
                problems.append("%s expired at %s (valid until %s)" % (name, _iso(at), _iso(after)))
        if i < last:
            constraints = _extension(cert, x509.BasicConstraints)
            if constraints is None or not constraints.ca:
                problems.append("%s is not a CA (basic constraints) but issues %s" % (name, _cn(certs[i + 1])))
        if i == 0:
            continue
        if not _issued_by(cert, certs[i - 1]):
            problems.append("%s was not issued by %s" % (name, _cn(certs[i - 1])))
        elif not _signed_by(cert, certs[i - 1]):
            problems.append("%s has a signature that %s's key does not verify" % (name, _cn(certs[i - 1])))
    report.check(not problems, "chain", "; ".join(problems) or "%d certificates chain from the root to the leaf, all valid at %s"
                 % (len(certs), " and ".join(_iso(at) for at in instants)))
    return certs[-1]


def check_signature(report, protected, payload, signature, leaf):
    try:
        header = cbor_decode(protected)
    except (Malformed, UnicodeDecodeError):
        return report.check(False, "signature", "the protected header is not CBOR")
    alg = header.get(1) if isinstance(header, dict) else None
    if alg != COSE_ALG_ES384:
        return report.check(False, "signature", "protected header alg is %r, expected -35 (ES384)" % (alg,))
    key = leaf.public_key() if leaf is not None else None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp384r1":
        return report.check(False, "signature", "no P-384 leaf key to verify the signature with")
    if len(signature) != 96:
        return report.check(False, "signature", "signature is %d bytes; ES384 is 96 bytes r||s" % len(signature))
    der = encode_dss_signature(int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big"))
    try:
        key.verify(der, sig_structure(protected, payload), ec.ECDSA(hashes.SHA384()))
        report.check(True, "signature", "COSE_Sign1 ES384 signature verifies with the leaf's key")
    except InvalidSignature:
        report.check(False, "signature", "COSE_Sign1 signature does not verify: altered, or not signed by the leaf")


def check_pcrs(report, pcrs, releases, pcr3):
    zero = [i for i in (0, 1, 2) if pcrs.get(i) == ZERO]
    report.check(not zero, "debug", "PCR%s all zero: a debug-mode enclave" % ", PCR".join(map(str, zero)) if zero
                 else "not a debug enclave (PCR0-2 are not zero)")
    misses = []
    for release in releases:
        pins = {int(i): pin for i, pin in release["pcrs"].items()}
        wrong = [i for i in sorted(pins) if not pins[i]["warnOnly"] and pcrs.get(i) != pins[i]["expected"].lower()]
        if wrong:
            misses.append("%s: PCR%s differ" % (release["version"], ", PCR".join(map(str, wrong))))
            continue
        report.check(True, "pcrs", "PCRs equal release %s" % release["version"])
        loose = [i for i in sorted(pins) if pins[i]["warnOnly"] and pcrs.get(i) != pins[i]["expected"].lower()]
        if loose:
            report.warn("pcrs-warn-only", "PCR%s differ from release %s (warnOnly, not enforced)" % (", PCR".join(map(str, loose)), release["version"]))
        break
    else:
        report.check(False, "pcrs", "PCRs match no accepted release (%s)" % ("; ".join(misses) or "none accepted"))
    if pcr3:
        report.check(pcrs.get(3) == pcr3, "parent-role", "PCR3 (the parent's IAM role) is %s..., pinned %s..." % (pcrs.get(3, "absent")[:16], pcr3[:16]))


def verify(body, nonce, releases, root_sha256, pcr3, max_skew_ms, now_ms):
    report = Report()
    try:
        answer = json.loads(body)
        evidence = answer.get("attestation") if isinstance(answer, dict) else None
        if not isinstance(evidence, str) or not evidence:
            raise Malformed("the response carries no attestation document")
        if "nitro" not in str(answer.get("platform", "")).lower():
            raise Malformed("platform is %r, not AWS Nitro Enclaves" % answer.get("platform"))
        protected, payload, signature = parse_cose(base64.b64decode("".join(evidence.split()), validate=True))
        doc = parse_payload(payload)
    except (ValueError, Malformed) as error:
        report.check(False, "structure", "not a Nitro attestation document: %s" % error)
        return report
    pcrs = {i: v.hex() for i, v in doc["pcrs"].items()}
    report.check(True, "structure", "COSE_Sign1 from %s" % doc["module_id"])
    report.check(doc["digest"] == "SHA384", "digest", "digest is %s" % doc["digest"])
    made = datetime.datetime.fromtimestamp(doc["timestamp"] / 1000, UTC)
    now = datetime.datetime.fromtimestamp(now_ms / 1000, UTC)
    # Valid when the document was made and still now (the two are minutes apart at most).
    leaf = check_chain(report, doc, sorted({made, now}), root_sha256)
    check_signature(report, protected, payload, signature, leaf)
    # The server hands the query string's bytes to the NSM, so the nonce is the text's bytes.
    report.check(doc.get("nonce") == nonce, "nonce", "the document %s the nonce sent" % ("carries" if doc.get("nonce") == nonce else "does not carry"))
    check_pcrs(report, pcrs, releases, pcr3)
    skew = abs(now_ms - doc["timestamp"])
    report.check(skew <= max_skew_ms, "timestamp", "made at %s, %d s from this host's clock (allowed %d s)" % (_iso(made), skew // 1000, max_skew_ms // 1000))
    return report


def main():
    parser = argparse.ArgumentParser(description="Verify a Nitro /attestation response (stdin) against the pins.")
    parser.add_argument("--nonce", required=True, help="the nonce sent in ?nonce=")
    parser.add_argument("--releases", required=True, help="accepted releases' pins, JSON")
    parser.add_argument("--root-sha256", required=True, help="SHA-256 of the pinned root certificate's DER")
    parser.add_argument("--pcr3", default="", help="PCR3 of the parent's role; empty when not pinned")
    parser.add_argument("--max-skew-seconds", type=int, required=True)
    try:
        args = parser.parse_args()
        releases = json.loads(args.releases)
        if not isinstance(releases, list) or not all(
                isinstance(r, dict) and isinstance(r.get("version"), str) and isinstance(r.get("pcrs"), dict)
                and all(str(k).isdigit() for k in r["pcrs"]) and all(isinstance(p, dict) and isinstance(p.get("expected"), str) and isinstance(p.get("warnOnly"), bool)
                        for p in r["pcrs"].values()) for r in releases):
            raise ValueError("--releases is not a JSON array of {version, pcrs: {index: {expected, warnOnly}}}")
        now_ms = int(os.environ.get("TEE_PROVER_VERIFY_NOW_MS") or datetime.datetime.now(UTC).timestamp() * 1000)
        body = sys.stdin.buffer.read()
    except (ValueError, OSError) as error:
        print("cannot check: %s" % error)
        return 2
    report = verify(body, os.fsencode(args.nonce), releases, args.root_sha256.replace(":", "").upper(),
                    args.pcr3.lower(), args.max_skew_seconds * 1000, now_ms)
    print("\n".join(report.lines))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
`;
