#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets into corpus/<target>/seed-*.

The seeds come from the project's own data: the APDU transcripts of hw-sim
(hw-sim/tests/transcripts/*.apdu), the people of hw-sim/people (their ID card text as the
GA 467 module sends it), kiosk.example.toml and the calendar files, and the bodies the
screens post. Input layouts are those of the targets' doc comments (a selector byte, then
fields, each a length byte and that many bytes, the last one the rest). Run from anywhere:
    python3 tests/fuzz/seeds.py
Files are named by content hash, so running it again changes nothing.
"""
import glob
import hashlib
import json
import os
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def write(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fields(*parts):
    """The `kiosk_fuzz::fields` layout: length-prefixed parts, the last one bare."""
    out = b""
    for p in parts[:-1]:
        assert len(p) < 256
        out += bytes([len(p)]) + p
    return out + parts[-1]


# --- APDU transcripts -------------------------------------------------------------------
commands, answers = set(), set()
for path in sorted(glob.glob(os.path.join(ROOT, "hw-sim/tests/transcripts/*.apdu"))):
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith(">"):
            commands.add(bytes.fromhex(line[1:].replace(" ", "")))
        elif line.startswith("<"):
            answers.add(bytes.fromhex(line[1:].replace(" ", "")))
for c in sorted(commands):
    write("apdu_codec", c)
for a in sorted(answers):
    write("apdu_codec", a)
    data = a[:-2]
    if data.startswith(b"\x6f"):
        write("card_records", bytes([0]) + data)  # FCI
    elif data and len(data) >= 2:
        # A record: the item is found by its tag (selector 1, then the item index).
        tags = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x4E, 0x0A, 0x0B,
                0x0C, 0x0D, 0xEA, 0xEB]
        if data[0] in tags:
            write("card_records", bytes([1, tags.index(data[0])]) + data)
# BCD dates and codes, ATRs.
write("card_records", bytes([4]) + bytes.fromhex("20330901"))
write("card_records", bytes([4]) + bytes.fromhex("652300FF"))
write("card_records", bytes([5]) + fields(bytes.fromhex("3B6D00000086001122334400038100"), b"652300"))
# EF06 values of a holder: ssn, name(GBK), ext, sex, ethnicity, birthplace, birth date.
name = "阿卜杜热依木·买买提明·吐尔逊托合提".encode("gbk")
write("card_records", bytes([2]) + fields(b"65230119800506003X", name[:30], name[30:].ljust(20, b"\xff"),
                                         b"1", bytes([5]), bytes.fromhex("652301"), bytes.fromhex("19800506")))
write("card_records", bytes([3]) + fields(bytes.fromhex("65230000000000008600112233440003"), b"1", b"3.00",
                                         bytes.fromhex("652300000000000000000001"), bytes.fromhex("20230901"),
                                         bytes.fromhex("20330901"), b"A23456789"))
write("card_records", bytes([6]) + fields("马丽".encode("gbk").ljust(30, b"\0"), b"\xff" * 20))

# --- sscard: the answers are the simulated card's; seeds vary card, transport and operations.
# (arbitrary's layout: card u8, t0 bool, then the operation and tamper lists.)
for card in range(6):
    for t0 in (0, 1):
        write("sscard_answers", bytes([card, t0]) + bytes(range(0, 64, 3)))

# --- GA 467 frames and ID card text -------------------------------------------------------
PREAMBLE = bytes.fromhex("AAAAAA9669")


def frame(body):
    n = len(body) + 1
    head = n.to_bytes(2, "big")
    x = 0
    for b in head + body:
        x ^= b
    return PREAMBLE + head + body + bytes([x])


def ucs2(text, chars):
    assert len(text) <= chars, text
    return text.ljust(chars, " ").encode("utf-16-le")


SEX = {"unknown": "0", "male": "1", "female": "2", "unspecified": "9"}


def id_text(p):
    digits = lambda d: str(d).replace("-", "")
    to = p["valid_to"] if p["valid_to"] == "长期" else digits(p["valid_to"])
    t = (ucs2(p["name"][:15], 15) + ucs2(SEX[p["sex"]], 1) + ucs2("%02d" % p["ethnicity"], 2)
         + ucs2(digits(p["birth_date"]), 8) + ucs2(p["address"], 35) + ucs2(p["id_number"], 18)
         + ucs2(p["authority"], 15) + ucs2(digits(p["valid_from"]), 8) + ucs2(to, 8)
         + ucs2("", 18))
    assert len(t) == 256
    return t


find = frame(bytes([0x20, 0x01]))
select = frame(bytes([0x20, 0x02]))
read = frame(bytes([0x30, 0x01]))
write("ga467_decoder", fields(b"\x01\x07\x40", find + select + read))
for path in sorted(glob.glob(os.path.join(ROOT, "hw-sim/people/*.toml"))):
    with open(path, "rb") as f:
        p = tomllib.load(f)
    text = id_text(p)
    write("idcard_text", bytes([0]) + text)
    # The READ answer: SW 00 00 90, text length, photo length, text, photo.
    answer = frame(bytes([0, 0, 0x90]) + (256).to_bytes(2, "big") + (1024).to_bytes(2, "big")
                   + text + bytes(1024))
    write("ga467_decoder", fields(b"\x10\x03\xff", b"\x00\x11" + answer + frame(bytes([0, 0, 0x9F]))))
write("ga467_decoder", fields(b"\x05", frame(bytes([0, 0, 0x80])) + b"\xAA\xAA\xAA\x96\x69\x00\x02"))

# --- QR lines -----------------------------------------------------------------------------
write("qr_line", b"\xff" + fields(b"\x03\x40", b"SSEQ1.eyJ2IjoxfQ.c2ln\r\nSSEQ1.x\n\r\n"))
write("qr_line", b"\x08" + fields(b"\x01", b"0123456789abc\rok\r\n\xff\xfe\r"))

# --- e-card codes (selector 0: a scanned line; 1: fields of a code to sign) ---------------
write("ecard_codes", b"\x00SSEQ1.eyJ2IjoxLCJraW5kIjoiZHluYW1pYyJ9.AAAA")
write("ecard_codes", b"\x00SSEC1.e30." + b"A" * 86)
write("ecard_codes", b"\x01" + fields(b"\x07", b"652302199203140023", b"A23456789",
                                      b"00112233445566778899aabbccddeeff", b"\xff\xff\xff\xff\xff\xff\xff\xe2",
                                      b"\x01\x02\x03\x04\x05\x06\x07\x08"))
write("ecard_codes", b"\x01" + fields(b"\x09", b"65230119800506003X", b"B12345678", b"tid",
                                      b"\x00\x00\x00\x00\x00\x00\x00\x3c", b"\x10\x20"))

# --- configuration ------------------------------------------------------------------------
with open(os.path.join(ROOT, "kiosk.example.toml"), "rb") as f:
    example = f.read()
write("config_toml", b"\x00" + example)
write("config_toml", b"\x00" + example.replace(b'qr_port = "/dev/ttyUSB1"', b'qr_port = "/dev/ttyUSB0"'))
write("config_toml", b"\x00[kiosk]\nid = \"x\"\n[ui]\nlanguages = [\"en\"]\ndefault_language = \"ug\"\n")
for path in sorted(glob.glob(os.path.join(ROOT, "data/calendar/*.toml")))[:1]:
    with open(path, "rb") as f:
        write("config_toml", b"\x00" + f.read()[:4000])
write("config_toml", b"\x01" + fields(b"\x05\x01\x20\x02\x33\x07", b"9"))

# --- API bodies ---------------------------------------------------------------------------
# The input is `arbitrary`'s encoding of a list of operations (a 4-byte variant choice each,
# lengths taken from the end of the data), too fiddly to write by hand: these seeds are the
# bodies the screens post, behind each variant choice, for the fuzzer to cut into shape; the
# dictionary (api_bodies.dict) carries the field names and actions.
bodies = [
    {"business": "status"}, {"business": "replace", "agent": "true"}, {"business": "nope"},
    {"action": "confirm"}, {"action": "pins", "old": "123456", "new": "704915", "repeat": "704915"},
    {"action": "rate", "level": 5, "reasons": ["fast"], "comment": "好"},
    {"action": "contact", "phone": "13800000000", "address": "新疆"},
    {"action": "reason", "reason": "damaged"}, {"action": "bank", "receipt": "6222"},
]
VARIANTS = 11
for i, b in enumerate(bodies):
    raw = json.dumps(b, ensure_ascii=False).encode("utf-8")
    variant = i % VARIANTS
    choice = (variant * 2**32 + VARIANTS - 1) // VARIANTS
    write("api_bodies", choice.to_bytes(4, "little") + raw + b"\x01" + bytes([len(raw)]))
for form in (b"business=status&agent=0", b"action=rate&level=4&reasons=slow&reasons=unclear"):
    write("api_bodies", ((2 * 2**32 + 10) // 11).to_bytes(4, "little") + form + bytes([len(form)]))
