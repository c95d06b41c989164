"""Pulumi's passphrase secrets provider, so that a render's secrets open with ``pulumi stack import``.

The scheme is Pulumi's own (pulumi/pulumi ``sdk/go/common/resource/config/crypt.go`` and
``pkg/secrets/passphrase/manager.go``): a 32-byte key from PBKDF2-HMAC-SHA256 of the passphrase
and the stack's 8-byte salt, 1,000,000 iterations; each value AES-256-GCM sealed with a 12-byte
nonce and written ``v1:<nonce base64>:<ciphertext and tag base64>``. A stack's state (its
``encryptionsalt``) is ``v1:<salt base64>:`` followed by the word ``pulumi`` sealed that way, which
is how a passphrase is told right from wrong.

One difference, on purpose: Pulumi draws each nonce at random; a render derives it from the value
and where it sits (see ``PassphraseCrypter.encrypt``), so two renders stay byte-identical.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PROVIDER_TYPE = "passphrase"
PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"
PASSPHRASE_FILE_ENV = "PULUMI_CONFIG_PASSPHRASE_FILE"
# The sample stacks' passphrase (stacks/Pulumi.sample-city-*.yaml); the one a render uses when neither
# variable above is set, also for a stack-less render's own salt. A real city sets its own.
SAMPLE_PASSPHRASE = "kiban-sample"
PBKDF2_ITERATIONS = 1_000_000
KEY_BYTES = 32
SALT_BYTES = 8
NONCE_BYTES = 12
# What Pulumi seals into the salt state to recognise the right passphrase.
CHECK_MESSAGE = "pulumi"
VERSION = "v1"


class PassphraseError(Exception):
    """The passphrase does not open the stack's secrets, or a value is not Pulumi's format."""


def configured_passphrase() -> str:
    """The passphrase as the Pulumi CLI finds it: PULUMI_CONFIG_PASSPHRASE, then the file; else the sample's."""
    phrase = os.environ.get(PASSPHRASE_ENV)
    if phrase is not None:
        return phrase
    phrase_file = os.environ.get(PASSPHRASE_FILE_ENV)
    if phrase_file:
        try:
            return Path(phrase_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise PassphraseError(f"{PASSPHRASE_FILE_ENV}={phrase_file}: cannot be read: {error.strerror}") from None
    return SAMPLE_PASSPHRASE


@functools.lru_cache(maxsize=8)
def derive_key(passphrase: str, salt: bytes) -> bytes:
    """PBKDF2-HMAC-SHA256, as ``NewSymmetricCrypterFromPassphrase``; about half a second, so kept per process."""
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, PBKDF2_ITERATIONS, KEY_BYTES)


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PassphraseError(f"{text!r} is not base64") from None


def seal(key: bytes, nonce: bytes, plaintext: str) -> str:
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), None)
    return f"{VERSION}:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"


def open_sealed(key: bytes, ciphertext: str) -> str:
    parts = ciphertext.split(":")
    if len(parts) != 3 or parts[0] != VERSION:
        raise PassphraseError("not a v1 passphrase ciphertext (v1:<nonce>:<ciphertext>)")
    nonce, sealed = _b64decode(parts[1]), _b64decode(parts[2])
    if len(nonce) != NONCE_BYTES:
        raise PassphraseError("the nonce is not 12 bytes")
    try:
        return AESGCM(key).decrypt(nonce, sealed, None).decode("utf-8")
    except InvalidTag:
        raise PassphraseError("does not open with this passphrase") from None


@dataclass(frozen=True)
class PassphraseCrypter:
    """A stack's key and its salt state: opens the stack's ``secure`` values, seals a render's secrets."""

    key: bytes
    state: str  # "v1:<salt>:v1:<nonce>:<'pulumi' sealed>", the stack file's encryptionsalt

    @classmethod
    def from_state(cls, passphrase: str, state: str) -> PassphraseCrypter:
        """The crypter of a stack's ``encryptionsalt``; PassphraseError when the passphrase is wrong."""
        parts = state.split(":", 2)
        if len(parts) != 3 or parts[0] != VERSION:
            raise PassphraseError("encryptionsalt is not Pulumi's v1:<salt>:<check> form")
        key = derive_key(passphrase, _b64decode(parts[1]))
        try:
            check = open_sealed(key, parts[2])
        except PassphraseError:
            check = ""
        if check != CHECK_MESSAGE:
            raise PassphraseError(
                f"the passphrase does not open this stack's secrets (its encryptionsalt): set {PASSPHRASE_ENV} "
                f"or {PASSPHRASE_FILE_ENV} to the stack's passphrase"
            )
        return cls(key, state)

    @classmethod
    def from_salt(cls, passphrase: str, salt: bytes) -> PassphraseCrypter:
        """A new salt state, as ``NewPassphraseSecretsManager`` makes one, but with a derived nonce."""
        if len(salt) != SALT_BYTES:
            raise PassphraseError(f"a passphrase salt is {SALT_BYTES} bytes")
        key = derive_key(passphrase, salt)
        crypter = cls(key, "")
        check = crypter.encrypt(CHECK_MESSAGE, "encryptionsalt")
        return cls(key, f"{VERSION}:{base64.b64encode(salt).decode()}:{check}")

    def encrypt(self, plaintext: str, context: str) -> str:
        """Seal ``plaintext`` with a nonce derived from a key of its own, ``context`` and the plaintext.

        Pulumi draws nonces at random, so every export differs; a render must not. GCM stays safe as long
        as one key never seals two different plaintexts under one nonce: the nonce is an HMAC of the
        plaintext and where it sits (``context``: URN and property path), so equal nonces mean equal
        inputs and equal ciphertexts (a synthetic-IV construction, as in RFC 8452's SIV). The only thing
        it shows is what a render must show anyway: that a value at one place did or did not change.
        Reader: ``open_sealed`` or any implementation of Pulumi's scheme, which never looks at how a
        nonce was made.
        """
        nonce_key = hmac.new(self.key, b"kiban render nonce key", hashlib.sha256).digest()
        message = f"{context}\0{plaintext}".encode()
        nonce = hmac.new(nonce_key, message, hashlib.sha256).digest()[:NONCE_BYTES]
        return seal(self.key, nonce, plaintext)

    def decrypt(self, ciphertext: str) -> str:
        return open_sealed(self.key, ciphertext)


def derived_salt(*parts: bytes) -> bytes:
    """A salt for a render with no stack salt, the same for the same inputs (the project, the stack name)."""
    digest = hashlib.sha256(b"kiban render salt")
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.digest()[:SALT_BYTES]
