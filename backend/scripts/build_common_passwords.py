"""Build ``src/authgate/security/common_passwords.txt.gz``, the common-password blocklist.

Run from ``backend/`` with the project's virtualenv (``zxcvbn`` is needed only
here, never at runtime, and is not a dependency of authgate)::

    ../.venv/bin/uv pip install --python ../.venv/bin/python zxcvbn==4.5.0
    ../.venv/bin/python scripts/build_common_passwords.py

Where the data comes from:

* the ``passwords`` frequency list of the ``zxcvbn`` package on PyPI
  (https://pypi.org/project/zxcvbn/, MIT license, see
  ``src/authgate/security/NOTICE-common-passwords.md``): the 30,000 most common
  passwords of leaked password dumps, as ranked by zxcvbn. Note that zxcvbn
  keeps each token in only one of its lists, so some common words (first
  names, sports) sit in its other lists and are not in this one;
* authgate's own earlier hand-made list (``AUTHGATE_PASSWORDS`` below), kept
  so no password blocked before is accepted now.

Every entry is folded like the policy folds passwords (NFKC, casefold, NFKC)
and only entries of at least ``MIN_LENGTH`` (8) code points are kept: shorter
passwords are refused by the length rule anyway, so listing them would only
grow the file. The output is deduplicated, sorted, one password per line, and
gzip-compressed with a zero timestamp, so the same inputs give byte-identical
output.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import sys
from pathlib import Path

from authgate.security.password_policy import fold_password

MIN_LENGTH = 8
ZXCVBN_VERSION = "4.5.0"  # the version the committed file was built from
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "authgate" / "security" / "common_passwords.txt.gz"

# authgate's earlier blocklist (formerly common_passwords.txt), whitespace-separated.
AUTHGATE_PASSWORDS = """
password password1 password12 password123 password1234 password12345 password123456 password! password1!
passw0rd p@ssword p@ssw0rd p@ssw0rd1 p@ssword1 p@ssword123 pa$$word pa$$w0rd passw0rd1 password2 password01
password11 password99 password2020 password2021 password2022 password2023 password2024 password2025 mypassword
newpassword changeme changeme1 changeme123 changeit letmein1 letmein123 letmeinnow welcome1 welcome12 welcome123
welcome2024 welcome2025 welcome! administrator admin123 admin1234 admin12345 adminadmin admin@123 root1234
rootroot superuser default1 guest1234 test1234 test12345 testtest testing123 secret123 secret1234 mysecret
12345678 123456789 1234567890 12345678910 123123123 1231231234 123321123 11111111 111111111 1111111111 00000000
000000000 0000000000 22222222 55555555 66666666 77777777 88888888 99999999 12341234 11223344 12344321 87654321
987654321 9876543210 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx 1qaz2wsx3edc zaq12wsx zaq1zaq1 zaq1xsw2 q1w2e3r4
q1w2e3r4t5 q1w2e3r4t5y6 qwertyui qwertyuiop qwerty12 qwerty123 qwerty1234 qwerty12345 qwerty123456 qwertyqwerty
qwerty!@# qwer1234 qwerasdf qwertz123 azertyuiop azerty123 asdfghjk asdfghjkl asdf1234 asdfasdf asdfqwer
zxcvbnm1 zxcvbnm123 zxcvbnmm zxcvbn123 1234qwer 1234asdf 123qweasd 123qweasdzxc qweasdzxc qazwsxedc qazwsx123
!qaz2wsx !@#$%^&* !@#$%^&*() 1234abcd abcd1234 abc12345 abc123456 abcdefgh abcdefg1 a1b2c3d4 aa123456 a1234567
a12345678 aaaaaaaa iloveyou iloveyou1 iloveyou2 iloveyou! iloveu123 loveyou1 lovelove lovely123 sunshine
sunshine1 princess princess1 princess123 football football1 football123 baseball baseball1 basketball
basketball1 soccer123 hockey123 volleyball superbowl liverpool liverpool1 chelsea1 arsenal1 barcelona realmadrid
manchester manutd123 juventus yankees1 cowboys1 steelers lakers24 michael1 jennifer jennifer1 jessica1 jordan23
charlie1 charlie123 danielle samantha victoria alexander christina christopher jonathan nicholas michelle
elizabeth benjamin thomas123 william1 patricia anthony1 matthew1 starwars starwars1 pokemon1 superman superman1
batman123 spiderman ironman1 harrypotter computer computer1 internet whatever whatever1 trustno1 iloveyou123
dragon123 dragon12 monkey123 shadow123 master123 mustang1 ferrari1 corvette mercedes chocolate cheese123
cookie123 butterfly blink182 letmein! freedom1 password2019 qwerty2024 summer2023 summer2024 summer2025
winter2023 winter2024 winter2025 spring2024 spring2025 autumn2024 january1 december september november sunday123
monday123 friday13 hello123 hello1234 helloworld hello123! goodluck trustme1 nothing1 myspace1 facebook
facebook1 instagram google123 youtube1 linkedin microsoft windows10 windows7 minecraft fortnite roblox123
playstation xbox3600 nintendo killer123 hunter12 hunter123 tigger12 maverick jordan123 michael123 fuckyou1
asshole1 987654321a 123456789a 12345678a 1234567a 123456a! 123abc123 abc123abc qwe123qwe qwe12345 zxc12345
asd12345 pass1234 pass12345 pass@123 passpass passport qwerty11 aa12345678 1234567890a 0987654321 123456789q
1q2w3e4r! q1w2e3r4! 1qazxsw2 aa123456! qwerty123! password123! welcome1! admin123! p@ssw0rd! p@$$w0rd passw0rd!
1234567! iloveyou12 babygirl babygirl1 lovelove1 angel123 beautiful sweetheart trinity1 matrix123 access14
accessdenied secure123 security security1 default123 login123 user1234 username
"""


def zxcvbn_passwords() -> list[str]:
    try:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS
    except ImportError:
        sys.exit("zxcvbn is not installed; see this script's docstring")
    installed = importlib.metadata.version("zxcvbn")
    if installed != ZXCVBN_VERSION:
        print(
            f"note: zxcvbn {installed} installed, the committed list was built from {ZXCVBN_VERSION}", file=sys.stderr
        )
    return list(FREQUENCY_LISTS["passwords"])


def build(sources: list[str]) -> list[str]:
    folded = (fold_password(word).strip() for word in sources)
    return sorted({word for word in folded if len(word) >= MIN_LENGTH})


def main() -> None:
    entries = build(zxcvbn_passwords() + AUTHGATE_PASSWORDS.split())
    payload = "".join(f"{word}\n" for word in entries).encode("utf-8")
    with OUTPUT.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as out:
        out.write(payload)
    print(f"wrote {len(entries)} passwords to {OUTPUT}")


if __name__ == "__main__":
    main()
