"""OS errors in words a Chinese user reads: the reason, not Python's English strerror."""
from __future__ import annotations

import errno

_READ_REASONS = {
    errno.ENOENT: "文件不存在（或是失效的链接）", errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限",
    errno.EISDIR: "这是一个目录", errno.ENOTDIR: "路径中有一段不是目录", errno.ELOOP: "链接循环",
    errno.ENAMETOOLONG: "文件名过长", errno.EIO: "读取出错（磁盘或网络存储故障）",
}


def read_reason(e: OSError) -> str:
    return _READ_REASONS.get(e.errno, e.strerror or type(e).__name__)
