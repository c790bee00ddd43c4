"""The test DC's LDAPS certificate (test/support/sambaConf.ts): a self-signed 2048-bit RSA
certificate for the DC's name and loopback address, made with python3-cryptography (a Depends of
Debian's python3-samba), so that the fixture needs no openssl command.

Reads {"dir", "hostName", "ip"} as JSON on stdin; writes key.pem (mode 0600: samba refuses a key
others can read), cert.pem and ca.pem (the same self-signed certificate) in dir; prints
{"made": true}, or {"made": false, "why": ...} when the cryptography module is missing.
"""
import datetime
import ipaddress
import json
import os
import sys


def main():
    request = json.load(sys.stdin)
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError as e:
        print(json.dumps({"made": False, "why": str(e)}))
        return
    host, ip, out = request["hostName"], request["ip"], request["dir"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Samba Administration"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Samba test fixture"),
        x509.NameAttribute(NameOID.COMMON_NAME, host),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName(host), x509.IPAddress(ipaddress.ip_address(ip)),
        ]), critical=False)
        .sign(key, hashes.SHA256())
    )
    os.makedirs(out, exist_ok=True)
    key_path = os.path.join(out, "key.pem")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    for file_name in ("cert.pem", "ca.pem"):
        with open(os.path.join(out, file_name), "wb") as f:
            f.write(pem)
    print(json.dumps({"made": True}))


if __name__ == "__main__":
    main()
