from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from authgate.shared import MAX_PROOF_CODE, ProofFields

# a WebAuthn response as the browser's `credential.toJSON()` gives it; py_webauthn parses and checks it field by field
MAX_CREDENTIAL_FIELDS = 16


# control, format (bidi overrides, zero-width), line/paragraph separators, private use, surrogates
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}


def _passkey_name(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if not value or any(unicodedata.category(char) in _INVISIBLE for char in value):
        raise ValueError("must be visible text, without control or formatting characters")
    return value


PasskeyName = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(_passkey_name)]


class VerifyRequest(BaseModel):
    challenge_token: str | None = Field(
        default=None, max_length=4096, description="Else the `authgate_challenge` cookie is used"
    )
    code: str = Field(min_length=1, max_length=MAX_PROOF_CODE, description="A 6-digit app code or a backup code")


class CodeRequest(BaseModel):
    code: str = Field(min_length=1, max_length=MAX_PROOF_CODE)


class MfaStatus(BaseModel):
    totp_enabled: bool
    backup_codes_remaining: int
    passkeys: int
    recent_sign_in_minutes: int


class TotpSetup(BaseModel):
    secret: str = Field(description="Base32, for typing into the app by hand")
    otpauth_uri: str
    qr_svg: str = Field(description="The otpauth URI as a QR code, an SVG document rendered by the server")


class BackupCodes(BaseModel):
    backup_codes: list[str] = Field(description="Shown once: only their hashes are kept")


class ReauthenticateRequest(ProofFields):
    passkey: dict[str, Any] | None = Field(
        default=None,
        description="A WebAuthn assertion (`credential.toJSON()`) for options from /passkeys/authenticate/options",
    )


class PasskeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    backed_up: bool
    transports: list[str]


class PasskeyOptions(BaseModel):
    options: dict[str, Any] = Field(description="PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON")


class PasskeyRegisterRequest(BaseModel):
    credential: dict[str, Any] = Field(description="`credential.toJSON()` of navigator.credentials.create()")
    name: PasskeyName | None = None


class PasskeyAuthenticateRequest(BaseModel):
    credential: dict[str, Any] = Field(description="`credential.toJSON()` of navigator.credentials.get()")


class PasskeyRename(BaseModel):
    name: PasskeyName
