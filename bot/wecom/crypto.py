"""WeCom's callback cryptography ("消息加解密"), written from the documented scheme.

* Signature: ``msg_signature = sha1("".join(sorted([token, timestamp, nonce, encrypt])))`` (hex).
* Key: ``AESKey = base64decode(EncodingAESKey + "=")`` (32 bytes, AES-256); IV = the key's first 16 bytes.
* Plaintext: ``random(16 bytes) + len(msg) as 4-byte big-endian + msg + receive_id`` (the CorpID),
  PKCS#7-padded to a multiple of **32** bytes (not AES's 16), AES-256-CBC, then base64.

Decryption verifies the padding and the receive id, and raises ``WeComCryptoError`` on anything malformed.
Comparisons of signatures are constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from Crypto.Cipher import AES

BLOCK = 32
REPLY_XML = (
    "<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{signature}]]></MsgSignature>"
    "<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
)


class WeComCryptoError(ValueError):
    """A callback that does not decrypt or verify."""


def pkcs7_pad(data: bytes, block: int = BLOCK) -> bytes:
    count = block - len(data) % block
    return data + bytes([count]) * count


def pkcs7_unpad(data: bytes, block: int = BLOCK) -> bytes:
    if not data:
        raise WeComCryptoError("empty plaintext")
    count = data[-1]
    if not 1 <= count <= block or data[-count:] != bytes([count]) * count:
        raise WeComCryptoError("bad padding")
    return data[:-count]


class WeComCrypto:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise WeComCryptoError("EncodingAESKey is not base64") from exc
        if len(key) != 32:
            raise WeComCryptoError("EncodingAESKey must decode to 32 bytes (43 characters)")
        self.token = token
        self.key = key
        self.receive_id = receive_id

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypt])).encode()).hexdigest()

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> bool:
        expected = self.signature(timestamp, nonce, encrypt)
        return hmac.compare_digest(expected.encode(), msg_signature.encode())

    def decrypt(self, encrypt: str) -> str:
        """The message inside ``encrypt``; the receive id must be ours."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except binascii.Error as exc:
            raise WeComCryptoError("ciphertext is not base64") from exc
        if not raw or len(raw) % 16:
            raise WeComCryptoError("ciphertext length is not a multiple of the AES block")
        plain = pkcs7_unpad(AES.new(self.key, AES.MODE_CBC, self.key[:16]).decrypt(raw))
        if len(plain) < 20:
            raise WeComCryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, receive_id = plain[20 : 20 + length], plain[20 + length :]
        if len(message) != length:
            raise WeComCryptoError("declared length exceeds the plaintext")
        if receive_id.decode("utf-8", "replace") != self.receive_id:
            raise WeComCryptoError("message is for another receive id")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WeComCryptoError("message is not UTF-8") from exc

    def encrypt(self, message: str, *, random_prefix: bytes | None = None) -> str:
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        if len(prefix) != 16:
            raise ValueError("random_prefix must be 16 bytes")
        body = message.encode("utf-8")
        plain = prefix + struct.pack(">I", len(body)) + body + self.receive_id.encode("utf-8")
        cipher = AES.new(self.key, AES.MODE_CBC, self.key[:16])
        return base64.b64encode(cipher.encrypt(pkcs7_pad(plain))).decode()

    def decrypt_verified(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        if not self.verify(msg_signature, timestamp, nonce, encrypt):
            raise WeComCryptoError("msg_signature does not match")
        return self.decrypt(encrypt)

    def encrypted_reply(self, message: str, timestamp: str, nonce: str) -> str:
        """A passive reply body: the message encrypted and signed, in WeCom's XML envelope."""
        encrypt = self.encrypt(message)
        signature = self.signature(timestamp, nonce, encrypt)
        return REPLY_XML.format(encrypt=encrypt, signature=signature, timestamp=timestamp, nonce=nonce)
