"""OS errors in words a Chinese user reads: the reason, not Python's English strerror.

One table for reading and one for writing, used by the ingest, the corpus loader, the
exports and the stores alike, so a full disk is called 磁盘空间不足 everywhere.
"""
from __future__ import annotations

import errno

_READ_REASONS = {
    errno.ENOENT: "文件不存在（或是失效的链接）", errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限",
    errno.EISDIR: "这是一个目录", errno.ENOTDIR: "路径中有一段不是目录", errno.ELOOP: "链接循环",
    errno.ENAMETOOLONG: "文件名过长", errno.EIO: "读取出错（磁盘或网络存储故障）",
}
_WRITE_REASONS = {
    errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.ENOENT: "目录不存在或不可写",
    errno.EROFS: "文件系统只读", errno.ENOSPC: "磁盘空间不足", errno.EISDIR: "这是一个目录",
    errno.ENAMETOOLONG: "文件名过长", errno.EDQUOT: "超出磁盘配额", errno.ENOTDIR: "路径中有一段不是目录",
    errno.EIO: "写入出错（磁盘或网络存储故障）",
}


def read_reason(e: OSError) -> str:
    return _READ_REASONS.get(e.errno, e.strerror or type(e).__name__)


def write_reason(e: OSError) -> str:
    """Why the disk refused a write, in the words a clerk understands."""
    return _WRITE_REASONS.get(e.errno, e.strerror or type(e).__name__)
