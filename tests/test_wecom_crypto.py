"""Interoperability of our WeCom crypto with wechatpy's (an independent implementation of the scheme)."""

from __future__ import annotations

import base64

import pytest
import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from bot.wecom.crypto import WeComCrypto, WeComCryptoError, pkcs7_pad, pkcs7_unpad

TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # the sample key from WeCom's documentation
CORP_ID = "wx5823bf96d3bd56c7"


@pytest.fixture
def ours() -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, CORP_ID)


@pytest.fixture
def theirs() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, CORP_ID)


def test_we_decrypt_what_wechatpy_encrypts(ours: WeComCrypto, theirs: WeChatCrypto) -> None:
    message = "<xml><Content><![CDATA[策略 提升家庭向会员收入]]></Content></xml>"
    envelope = xmltodict.parse(theirs.encrypt_message(message, "nonce1", "1700000000"))["xml"]
    assert ours.verify(envelope["MsgSignature"], "1700000000", "nonce1", envelope["Encrypt"])
    assert (
        ours.decrypt_verified(envelope["MsgSignature"], "1700000000", "nonce1", envelope["Encrypt"])
        == message
    )


def test_wechatpy_decrypts_what_we_encrypt(ours: WeComCrypto, theirs: WeChatCrypto) -> None:
    reply = ours.encrypted_reply("<xml><Content>好的，边现 1.2 元</Content></xml>", "1700000001", "n2")
    assert theirs.decrypt_message(
        reply, xmltodict.parse(reply)["xml"]["MsgSignature"], "1700000001", "n2"
    ) == ("<xml><Content>好的，边现 1.2 元</Content></xml>")


def test_url_verification_echostr(ours: WeComCrypto, theirs: WeChatCrypto) -> None:
    echostr = ours.encrypt("1616140317555161061")
    signature = ours.signature("1409659589", "263014780", echostr)
    assert theirs.check_signature(signature, "1409659589", "263014780", echostr) == "1616140317555161061"
    with pytest.raises(InvalidSignatureException):
        theirs.check_signature("0" * 40, "1409659589", "263014780", echostr)


def test_wrong_signature_corp_or_key_is_refused(ours: WeComCrypto, theirs: WeChatCrypto) -> None:
    envelope = xmltodict.parse(theirs.encrypt_message("<xml/>", "n", "1700000000"))["xml"]
    with pytest.raises(WeComCryptoError, match="msg_signature"):
        ours.decrypt_verified("f" * 40, "1700000000", "n", envelope["Encrypt"])
    with pytest.raises(WeComCryptoError, match="receive id"):
        WeComCrypto(TOKEN, AES_KEY, "another-corp").decrypt(envelope["Encrypt"])
    other_key = "a" * 43
    with pytest.raises(WeComCryptoError):
        WeComCrypto(TOKEN, other_key, CORP_ID).decrypt(envelope["Encrypt"])
    with pytest.raises(WeComCryptoError):
        ours.decrypt("not base64!!")
    with pytest.raises(WeComCryptoError):
        ours.decrypt(base64.b64encode(b"x" * 17).decode())


def test_padding_is_to_32_bytes_and_checked() -> None:
    assert len(pkcs7_pad(b"a" * 31)) == 32 and len(pkcs7_pad(b"a" * 32)) == 64
    assert pkcs7_unpad(pkcs7_pad(b"abc")) == b"abc"
    with pytest.raises(WeComCryptoError):
        pkcs7_unpad(b"a" * 31 + b"\x21")
    with pytest.raises(WeComCryptoError):
        pkcs7_unpad(b"a" * 30 + b"\x01\x02")


def test_bad_encoding_aes_key_is_refused() -> None:
    with pytest.raises(WeComCryptoError):
        WeComCrypto(TOKEN, "short", CORP_ID)
