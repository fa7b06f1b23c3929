"""Plain text as users save it: UTF-8 (with or without BOM), UTF-16 with a BOM (Notepad's
“Unicode”), GB18030/GBK. Control characters never reach the canonical text."""
from __future__ import annotations

import re
import unicodedata

from kb.ingest.readers import ReadError, Source

# C0 controls except tab and line ends, DEL, C1 controls, and the non-characters U+FFFE/FFFF
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ufeff]")


def decode_text(data: bytes, partial: bool = False) -> str:
    """Bytes → str by BOM, then UTF-8, then UTF-16 without a BOM (NUL every other byte),
    then GB18030. ``partial``: the bytes may end mid-character."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="ignore" if partial else "strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        body = data[2:]
        if partial:
            body = body[: len(body) // 2 * 2]
        try:
            return body.decode(enc)
        except UnicodeDecodeError:
            raise ReadError("文件标明是 UTF-16 编码，但内容无法按 UTF-16 解码") from None
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) / 4 and not sample[0::2].count(0) > len(sample) / 4:
        try:
            return data[: len(data) // 2 * 2].decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) / 4 and not sample[1::2].count(0) > len(sample) / 4:
        try:
            return data[: len(data) // 2 * 2].decode("utf-16-be")
        except UnicodeDecodeError:
            pass
    controls = sum(data.count(b) for b in (*range(0, 9), *range(14, 32)))
    if controls > len(data) / 100 + 2:  # a stray NUL is stripped; many make it binary
        raise ReadError("不是文本文件（含二进制内容），也不是 PDF、Word（.docx）或网页")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        if partial and e.start >= len(data) - 3:
            return data[: e.start].decode("utf-8")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        if partial:
            return data.decode("gb18030", errors="ignore")
        raise ReadError("无法识别文本编码（支持 UTF-8、UTF-16 与 GB18030/GBK）") from None


def clean_line(text: str) -> tuple[str, str]:
    """(text without control characters, the characters taken out)."""
    gone = "".join(_CONTROL.findall(text))
    return (_CONTROL.sub("", text), gone) if gone else (text, "")


def fold_radicals(text: str) -> str:
    """PDFs made with WPS print some characters as Kangxi radicals (⼀ U+2F00 for 一) or
    compatibility ideographs; a reader sees the same character, search must too."""
    return re.sub(r"[\u2e80-\u2fdf\uf900-\ufaff]",
                  lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def split_lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_text(data: bytes) -> Source:
    src = Source("text", [])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        src.utf8 = False
    for no, line in enumerate(split_lines(decode_text(data)), 1):
        line, gone = clean_line(line)
        if gone:
            src.removed.append(("控制字符", gone, no))
        src.lines.append(line)
    return src
