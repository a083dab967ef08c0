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
# Verifies the /attestation answer (stdin) to the host agent's nonce as npm run verify does, in its
# order (docs/verify.md). Exit 0 verified, 1 not verified, 2 could not check. Needs only Python 3.9
# and python3-cryptography 36 (Amazon Linux 2023); decodes the CBOR subset the NSM emits itself.
import argparse, base64, datetime, json, os, sys

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


class Malformed(Exception):
    pass


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def need(ok, message):
    if not ok:
        raise Malformed(message)


def _item(data, pos, depth):
    need(depth < 9 and pos < len(data), "truncated or too deeply nested CBOR")
    first = data[pos]
    major, arg, pos = first >> 5, first & 31, pos + 1
    if arg >= 24:
        need(arg <= 27, "indefinite-length CBOR")
        size = 1 << (arg - 24)
        need(pos + size <= len(data), "truncated CBOR")
        arg, pos = int.from_bytes(data[pos:pos + size], "big"), pos + size
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        need(pos + arg <= len(data), "truncated CBOR")
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
            need(isinstance(key, (int, str)) and not isinstance(key, bool) and key not in entries, "bad CBOR map key")
            entries[key], pos = _item(data, pos, depth + 1)
        return entries, pos
    if major == 6:
        value, pos = _item(data, pos, depth + 1)
        return Tag(arg, value), pos
    simple = {0xF4: False, 0xF5: True, 0xF6: None}
    need(first in simple, "unsupported CBOR item 0x%02x" % first)
    return simple[first], pos


def cbor_decode(data):
    value, end = _item(data, 0, 0)
    need(end == len(data), "bytes after the CBOR item")
    return value


def _bstr(b):
    n = len(b)
    head = bytes([0x40 | n]) if n < 24 else bytes([0x59]) + n.to_bytes(2, "big") if n < 65536 else bytes([0x5A]) + n.to_bytes(4, "big")
    return head + b


def sig_structure(protected, payload):
    # COSE_Sign1 Sig_structure (RFC 9052 section 4.4), external_aad empty.
    return b"\x84\x6aSignature1" + _bstr(protected) + b"\x40" + _bstr(payload)


def _bytes(value, field, low, high):
    need(isinstance(value, bytes) and low <= len(value) <= high, "%s is not a byte string of %d..%d bytes" % (field, low, high))
    return value


def parse_cose(document):
    try:
        top = cbor_decode(document)
    except (Malformed, UnicodeDecodeError) as error:
        raise Malformed("not CBOR: %s" % error)
    if isinstance(top, Tag) and top.tag == 18:
        top = top.value
    need(isinstance(top, list) and len(top) == 4, "not a 4-element COSE_Sign1 array")
    return _bytes(top[0], "protected header", 1, 1024), _bytes(top[2], "payload", 1, 1 << 20), _bytes(top[3], "signature", 0, 1024)


def parse_payload(raw):
    # The NSM API's syntactic checks, as the TS verifier makes them.
    doc = cbor_decode(raw)
    need(isinstance(doc, dict), "payload is not a CBOR map")
    need(isinstance(doc.get("module_id"), str) and doc["module_id"], "module_id is missing")
    need(isinstance(doc.get("digest"), str), "digest is missing")
    ts = doc.get("timestamp")
    need(type(ts) is int and 0 < ts < 2 ** 53, "timestamp is not a positive integer")
    pcrs = doc.get("pcrs")
    need(isinstance(pcrs, dict) and 1 <= len(pcrs) <= 32, "pcrs is not a map of 1..32 entries")
    for index, value in pcrs.items():
        need(type(index) is int and 0 <= index <= 31, "invalid PCR index %r" % (index,))
        need(len(_bytes(value, "PCR%d" % index, 32, 64)) in (32, 48, 64), "PCR%d has a bad length" % index)
    _bytes(doc.get("certificate"), "certificate", 1, 1024)
    need(isinstance(doc.get("cabundle"), list) and doc["cabundle"], "cabundle is empty")
    for i, cert in enumerate(doc["cabundle"]):
        _bytes(cert, "cabundle[%d]" % i, 1, 1024)
    for field in ("public_key", "user_data", "nonce"):
        if doc.get(field) is not None:
            _bytes(doc[field], field, 0, 1024)
    return doc


def _cn(cert):
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return names[0].value if names else cert.subject.rfc4514_string()


def _ext(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _issued_by(cert, issuer):
    # Names, and key identifiers when both are there (AWS leaves carry no AKI).
    aki, ski = _ext(cert, x509.AuthorityKeyIdentifier), _ext(issuer, x509.SubjectKeyIdentifier)
    if aki is None or aki.key_identifier is None or ski is None:
        return cert.issuer == issuer.subject
    return cert.issuer == issuer.subject and aki.key_identifier == ski.digest


def _signed_by(cert, issuer):
    # The Nitro PKI is ECDSA throughout; any other key fails.
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
        self.lines, self.failed = [], False

    def check(self, passed, name, message):
        self.failed = self.failed or not passed
        self.lines.append("%s %s: %s" % ("ok" if passed else "FAIL", name, message))


def check_chain(report, doc, instants, root_sha256):
    try:
        certs = [x509.load_der_x509_certificate(der) for der in doc["cabundle"] + [doc["certificate"]]]
    except ValueError as error:
        return report.check(False, "chain", "a certificate does not parse: %s" % error)
    got = certs[0].fingerprint(hashes.SHA256()).hex().upper()
    report.check(got == root_sha256, "root", "cabundle[0] %s has SHA-256 %s, pinned %s" % (_cn(certs[0]), got, root_sha256))
    problems = [] if _issued_by(certs[0], certs[0]) and _signed_by(certs[0], certs[0]) else ["the root is not self-signed"]
    for i, cert in enumerate(certs):
        name = "%s %s" % ("leaf" if i == len(certs) - 1 else "cabundle[%d]" % i, _cn(cert))
        # *_utc from cryptography 42 on (which deprecates the naive ones); 36 has only the naive UTC ones.
        before = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=UTC)
        after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=UTC)
        problems += ["%s is not valid at %s (%s to %s)" % (name, _iso(at), _iso(before), _iso(after)) for at in instants if not before <= at <= after]
        constraints = _ext(cert, x509.BasicConstraints)
        if i < len(certs) - 1 and not (constraints and constraints.ca):
            problems.append("%s issues a certificate but is not a CA" % name)
        if i and not (_issued_by(cert, certs[i - 1]) and _signed_by(cert, certs[i - 1])):
            problems.append("%s is not issued and signed by %s" % (name, _cn(certs[i - 1])))
    report.check(not problems, "chain", "; ".join(problems) or "%d certificates from the root to the leaf, valid at %s" % (len(certs), " and ".join(map(_iso, instants))))
    return certs[-1]


def check_signature(report, protected, payload, signature, leaf):
    try:
        header = cbor_decode(protected)
    except (Malformed, UnicodeDecodeError):
        header = None
    key = leaf and leaf.public_key()
    if not isinstance(header, dict) or header.get(1) != -35:
        return report.check(False, "signature", "the protected header's alg is not ES384 (-35)")
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp384r1" or len(signature) != 96:
        return report.check(False, "signature", "no P-384 leaf key or not a 96-byte ES384 signature")
    r, s = int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big")
    try:
        key.verify(encode_dss_signature(r, s), sig_structure(protected, payload), ec.ECDSA(hashes.SHA384()))
        report.check(True, "signature", "COSE_Sign1 ES384 signature verifies with the leaf's key")
    except InvalidSignature:
        report.check(False, "signature", "COSE_Sign1 signature does not verify: altered, or not signed by the leaf")


def check_pcrs(report, pcrs, releases, pcr3):
    zero = [str(i) for i in (0, 1, 2) if pcrs.get(i) == "0" * 96]
    report.check(not zero, "debug", "PCR%s all zero: a debug-mode enclave" % ", PCR".join(zero) if zero else "PCR0-2 are not zero")
    misses = []
    for release in releases:
        pins = sorted((int(i), pin["expected"].lower(), pin["warnOnly"]) for i, pin in release["pcrs"].items())
        wrong = [str(i) for i, expected, loose in pins if not loose and pcrs.get(i) != expected]
        if wrong:
            misses.append("%s: PCR%s differ" % (release["version"], ", PCR".join(wrong)))
            continue
        report.check(True, "pcrs", "PCRs equal release %s" % release["version"])
        loose = [str(i) for i, expected, loose in pins if loose and pcrs.get(i) != expected]
        if loose:
            report.lines.append("warn pcrs-warn-only: PCR%s differ from release %s (warnOnly, not enforced)" % (", PCR".join(loose), release["version"]))
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
        need(isinstance(evidence, str) and evidence, "the answer carries no attestation document")
        need("nitro" in str(answer.get("platform")).lower(), "platform %r is not AWS Nitro Enclaves" % answer.get("platform"))
        protected, payload, signature = parse_cose(base64.b64decode("".join(evidence.split()), validate=True))
        doc = parse_payload(payload)
    except (ValueError, Malformed) as error:
        report.check(False, "structure", "not a Nitro attestation document: %s" % error)
        return report
    report.check(True, "structure", "COSE_Sign1 from %s" % doc["module_id"])
    report.check(doc["digest"] == "SHA384", "digest", "digest is %s" % doc["digest"])
    made = datetime.datetime.fromtimestamp(doc["timestamp"] / 1000, UTC)
    now = datetime.datetime.fromtimestamp(now_ms / 1000, UTC)
    # Valid when the document was made and still now (minutes apart at most).
    leaf = check_chain(report, doc, sorted({made, now}), root_sha256)
    check_signature(report, protected, payload, signature, leaf)
    # The server hands the query string's bytes to the NSM: the nonce is the text's bytes.
    report.check(doc.get("nonce") == nonce, "nonce", "the document %s the nonce sent" % ("carries" if doc.get("nonce") == nonce else "does not carry"))
    check_pcrs(report, {i: v.hex() for i, v in doc["pcrs"].items()}, releases, pcr3)
    skew = abs(now_ms - doc["timestamp"]) // 1000
    report.check(skew <= max_skew_ms // 1000, "timestamp", "made at %s, %d s from this host's clock (allowed %d s)" % (_iso(made), skew, max_skew_ms // 1000))
    return report


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--nonce", "--releases", "--root-sha256", "--pcr3", "--max-skew-seconds"):
        parser.add_argument(flag, required=True)
    try:
        args = parser.parse_args()
        releases = json.loads(args.releases)
        need(isinstance(releases, list) and all(
            isinstance(r, dict) and isinstance(r.get("version"), str) and isinstance(r.get("pcrs"), dict) and all(
                str(i).isdigit() and isinstance(p, dict) and isinstance(p.get("expected"), str) and isinstance(p.get("warnOnly"), bool)
                for i, p in r["pcrs"].items()) for r in releases), "--releases is not a JSON array of {version, pcrs: {index: {expected, warnOnly}}}")
        # Tests only: a real document is fresh only at its own timestamp.
        now_ms = int(os.environ.get("TEE_PROVER_VERIFY_NOW_MS") or datetime.datetime.now(UTC).timestamp() * 1000)
        max_skew_ms = int(args.max_skew_seconds) * 1000
        body = sys.stdin.buffer.read()
    except (ValueError, Malformed, OSError) as error:
        print("cannot check: %s" % error)
        return 2
    # Outside the try: whatever a document makes go wrong from here on fails it (exit 1), never skips it.
    report = verify(body, os.fsencode(args.nonce), releases, args.root_sha256.replace(":", "").upper(), args.pcr3.lower(), max_skew_ms, now_ms)
    print("\n".join(report.lines))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
`;
